// Test support (import from "@breakwater/cli/testing"): the real `breakwater` binary as a child process.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** The binary npm links for the workspace: `node_modules/.bin/breakwater`, what `npx breakwater` runs. */
export const BREAKWATER_BIN = `${repoRoot}node_modules/.bin/breakwater`;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for the child: this process's, minus the CLI's own variables, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("BREAKWATER_")));
  return { ...base, ...env };
}

export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when `stream`'s output matches `pattern`. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the result when the process exits. */
  readonly done: Promise<CliResult>;
  /** SIGINT (what Ctrl-C sends), then SIGKILL after `graceMs`. */
  interrupt(graceMs?: number): Promise<CliResult>;
  kill(): Promise<CliResult>;
}

/** Starts `breakwater args…` from `cwd` (default: the repository root). */
export function startCli(
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): RunningCli {
  if (!existsSync(BREAKWATER_BIN)) throw new Error(`${BREAKWATER_BIN} is missing: run npm ci`);
  const child = spawn(process.execPath, [BREAKWATER_BIN, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: childEnv(opts.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    out.stdout += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out.stderr += d.toString();
    for (const l of listeners) l();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout: out.stdout, stderr: out.stderr })),
  );
  const stopWith = async (signal: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.kill(signal);
      const r = await done;
      clearTimeout(timer);
      return r;
    }
    return done;
  };
  return {
    child,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor(stream, pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out[stream])) {
            cleanup();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `breakwater ${args.join(" ")}: no ${stream} matching ${pattern} within ${timeoutMs} ms\n` +
                `stdout:\n${out.stdout.slice(-2000)}\nstderr:\n${out.stderr.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void done.then(() => {
          check();
          if (listeners.has(check)) {
            cleanup();
            reject(
              new Error(
                `breakwater ${args.join(" ")} exited before ${stream} matched ${pattern}:\n${out.stderr}`,
              ),
            );
          }
        });
        check();
      });
    },
    done,
    interrupt: (graceMs = 5_000) => stopWith("SIGINT", graceMs),
    kill: () => stopWith("SIGKILL", 0),
  };
}

/** Runs `breakwater args…` to completion (killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const cli = startCli(args, opts);
  const timer = setTimeout(() => cli.child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
  try {
    return await cli.done;
  } finally {
    clearTimeout(timer);
  }
}
