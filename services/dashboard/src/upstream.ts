import { type Upstream, UpstreamError } from "./errors.js";
import { dashboardMetrics } from "./metrics.js";

/** An answer of an API: its status and parsed JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A JSON client of one Breakwater HTTP API, with the dashboard's bearer token
 * and a timeout on every call. Every call is counted by result.
 */
export class ApiClient {
  constructor(
    readonly upstream: Upstream,
    private readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs: number,
  ) {}

  /** GET a path; anything but a 200 with JSON is an UpstreamError. */
  async get(path: string): Promise<unknown> {
    const answer = await this.call("GET", path);
    if (answer.status !== 200) throw this.fail(path, "status", `answered ${answer.status}`, answer.status);
    dashboardMetrics.upstreamCalls.inc({ upstream: this.upstream, result: "ok" });
    return answer.body;
  }

  /**
   * POST a JSON body. A 2xx or a 4xx that is not an authentication refusal is
   * returned as it came (a rejection the caller shows); the rest throw.
   */
  async post(path: string, body: string): Promise<ApiAnswer> {
    const answer = await this.call("POST", path, body);
    if (answer.status >= 500) throw this.fail(path, "status", `answered ${answer.status}`, answer.status);
    dashboardMetrics.upstreamCalls.inc({ upstream: this.upstream, result: "ok" });
    return answer;
  }

  private async call(method: "GET" | "POST", path: string, body?: string): Promise<ApiAnswer> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers["authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timeout = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      throw timeout
        ? this.fail(path, "timeout", `no answer within ${this.timeoutMs} ms`, undefined, err)
        : this.fail(path, "unreachable", String((err as Error).cause ?? err), undefined, err);
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403)
      throw this.fail(path, "refused", `refused the dashboard's token (${res.status})`, res.status);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw this.fail(
        path,
        "not_json",
        `answered ${res.status} with a body that is not JSON`,
        res.status,
        err,
      );
    }
    return { status: res.status, body: parsed };
  }

  private fail(
    path: string,
    reason: UpstreamError["reason"],
    detail: string,
    status?: number,
    cause?: unknown,
  ): UpstreamError {
    dashboardMetrics.upstreamCalls.inc({ upstream: this.upstream, result: reason });
    return new UpstreamError(this.upstream, path, reason, detail, status, cause);
  }
}
