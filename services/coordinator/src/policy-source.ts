import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { dirname, resolve } from "node:path";
import { BreakwaterError, type ErrorStatus, type PolicyDocument } from "@breakwater/core";
import type { Logger } from "@breakwater/telemetry";
import { coordinatorMetrics } from "./metrics.js";
import { parsePolicy, policyHash } from "./policy-file.js";

/** The policy file cannot be used (at start; later, a bad file is rejected and the old policy stays). */
export class InvalidPolicyError extends BreakwaterError {
  override readonly status: ErrorStatus = "invalid_argument";
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super("invalid_policy", `policy file ${path} is invalid:\n  ${problems.join("\n  ")}`, {
      path,
      problems,
    });
  }
}

export interface PolicyInForce {
  readonly document: PolicyDocument;
  readonly hash: string;
  /** The file it came from, or "embedded default". */
  readonly source: string;
  readonly loadedAtMs: number;
}

export interface PolicyRejection {
  readonly atMs: number;
  readonly hash: string | undefined;
  readonly problems: readonly string[];
}

/**
 * The policy in force: the YAML file when one is configured (validated, then
 * watched: a valid change replaces the policy, an invalid one is rejected with
 * a log line and a metric while the running policy stays), else the embedded default.
 */
/** Files a policy names are read beside it (a reload re-reads them; only the policy file is watched). */
function includesBeside(policyPath: string) {
  return { readInclude: (relative: string) => readFileSync(resolve(dirname(policyPath), relative), "utf8") };
}

export class PolicySource {
  private inForce: PolicyInForce;
  private rejection: PolicyRejection | undefined;
  private readonly listeners = new Set<(policy: PolicyInForce) => void>();
  private lastText: string | undefined;

  private constructor(
    private readonly path: string | undefined,
    fallback: PolicyDocument,
    private readonly log: Logger,
  ) {
    if (path) {
      const text = read(path);
      const parsed = parsePolicy(text, includesBeside(path));
      if (!parsed.ok) throw new InvalidPolicyError(path, parsed.errors);
      this.lastText = text;
      this.inForce = { document: parsed.document, hash: parsed.hash, source: path, loadedAtMs: Date.now() };
    } else {
      this.inForce = {
        document: fallback,
        hash: policyHash(fallback),
        source: "embedded default",
        loadedAtMs: Date.now(),
      };
    }
    coordinatorMetrics.policyVersion.set({ hash: this.inForce.hash }, 1);
  }

  /** Loads the policy (throws InvalidPolicyError on a bad file) and watches the file for changes. */
  static open(path: string | undefined, fallback: PolicyDocument, log: Logger, pollMs = 500): PolicySource {
    const source = new PolicySource(path, fallback, log);
    if (path) watchFile(path, { interval: pollMs }, () => source.reload());
    return source;
  }

  get current(): PolicyInForce {
    return this.inForce;
  }

  get lastRejection(): PolicyRejection | undefined {
    return this.rejection;
  }

  onChange(listener: (policy: PolicyInForce) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.path) unwatchFile(this.path);
  }

  /** Re-reads the file; applies it if valid and changed. */
  reload(): void {
    if (!this.path) return;
    let text: string;
    try {
      text = read(this.path);
    } catch (err) {
      this.reject([(err as Error).message], undefined);
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    const parsed = parsePolicy(text, includesBeside(this.path));
    if (!parsed.ok) {
      this.reject(parsed.errors, undefined);
      return;
    }
    if (parsed.hash === this.inForce.hash) return;
    coordinatorMetrics.policyVersion.set({ hash: this.inForce.hash }, 0);
    this.inForce = {
      document: parsed.document,
      hash: parsed.hash,
      source: this.path,
      loadedAtMs: Date.now(),
    };
    this.rejection = undefined;
    coordinatorMetrics.policyVersion.set({ hash: parsed.hash }, 1);
    coordinatorMetrics.policyReloads.inc({ outcome: "applied" });
    this.log.info(
      { path: this.path, hash: parsed.hash, rules: parsed.document.rules.map((r) => `${r.id}(${r.mode})`) },
      "policy reloaded",
    );
    for (const listener of this.listeners) listener(this.inForce);
  }

  private reject(problems: string[], hash: string | undefined): void {
    this.rejection = { atMs: Date.now(), hash, problems };
    coordinatorMetrics.policyReloads.inc({ outcome: "rejected" });
    this.log.error(
      { path: this.path, problems, keeping: this.inForce.hash },
      "new policy rejected; the running policy stays in force",
    );
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new InvalidPolicyError(path, [`cannot read: ${(err as Error).message}`]);
  }
}
