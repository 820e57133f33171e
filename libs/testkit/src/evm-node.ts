import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const hardhatBin = join(repoRoot, "node_modules/.bin/hardhat");
const hardhatConfig = fileURLToPath(new URL("../hardhat/hardhat.config.cjs", import.meta.url));

export interface EvmNodeOptions {
  /** EIP-155 chain id (default 31337). */
  readonly chainId?: number;
  /** Mine an empty block this often, besides one per transaction (default: only on transactions). */
  readonly blockTimeMs?: number;
  /** Port to listen on (default: a free one). */
  readonly port?: number;
  /** Funded accounts (default 20). */
  readonly accounts?: number;
}

export interface EvmNode {
  readonly url: string;
  readonly port: number;
  readonly chainId: number;
  /** Raw JSON-RPC call; throws on a JSON-RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /**
   * Mines `blocks` empty blocks (batches of evm_mine: hardhat_mine's lazily
   * materialised blocks report a zero parentHash, which breaks chain following).
   */
  mine(blocks?: number): Promise<void>;
  /** evm_snapshot: returns an id for revert(). */
  snapshot(): Promise<string>;
  /** evm_revert: drops every block after the snapshot (a real reorg once another branch is mined). */
  revert(id: string): Promise<void>;
  blockNumber(): Promise<number>;
  /** Everything the node printed (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL. */
  stop(): Promise<void>;
}

/**
 * Starts a Hardhat network node (hardhat@2) on a free 127.0.0.1 port with the
 * repository's minimal config (libs/testkit/hardhat/hardhat.config.cjs).
 * The node's 20 funded accounts are Hardhat's well-known test accounts.
 */
export async function startEvmNode(opts: EvmNodeOptions = {}): Promise<EvmNode> {
  const port = opts.port ?? (await freePort());
  const chainId = opts.chainId ?? 31337;
  const cacheDir = mkdtempSync(join(tmpdir(), "bw-hardhat-"));
  const child: ChildProcess = spawn(
    hardhatBin,
    ["--config", hardhatConfig, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
        BW_EVM_CHAIN_ID: String(chainId),
        BW_EVM_BLOCK_MS: String(opts.blockTimeMs ?? 0),
        BW_EVM_CACHE_DIR: cacheDir,
        BW_EVM_ACCOUNTS: String(opts.accounts ?? 20),
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: false,
    },
  );
  let out = "";
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(timer);
    }
    rmSync(cacheDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited early:\n${out}`);
    try {
      await rpc("eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`hardhat node did not answer on ${url} within 30s:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    url,
    port,
    chainId,
    rpc,
    async mine(blocks = 1) {
      for (let left = blocks; left > 0; left -= 500) {
        const batch = Array.from({ length: Math.min(500, left) }, () => ({
          jsonrpc: "2.0",
          id: ++id,
          method: "evm_mine",
          params: [],
        }));
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(batch),
        });
        const answers = (await res.json()) as { error?: { message: string } }[];
        const failed = answers.find((a) => a.error);
        if (failed) throw new Error(`evm_mine: ${failed.error!.message}`);
      }
    },
    snapshot: () => rpc<string>("evm_snapshot"),
    async revert(snapshotId) {
      const ok = await rpc<boolean>("evm_revert", [snapshotId]);
      if (!ok) throw new Error(`evm_revert ${snapshotId} failed`);
    },
    blockNumber: async () => Number.parseInt(await rpc<string>("eth_blockNumber"), 16),
    output: () => out,
    stop,
  };
}
