import { FailureError, UnreachableError, UsageError } from "./errors.js";

/** A service's HTTP base address, checked: `http(s)://host:port`, no path beyond `/`. */
export function httpBase(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a URL (expected e.g. http://127.0.0.1:9102)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${flag}: "${text}" must be an http:// or https:// URL`);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** What an error body says, from the fields the services use (`error`, `field`, `reason`, `message`). */
export function serverMessageOf(body: unknown, fallback: string): string {
  if (typeof body !== "object" || body === null) return fallback;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof b["error"] === "string") parts.push(b["error"]);
  const field = typeof b["field"] === "string" ? b["field"] : undefined;
  const why = [b["reason"], b["message"]].find((v): v is string => typeof v === "string");
  if (field && why) parts.push(`${field}: ${why}`);
  else if (why) parts.push(why);
  else if (field) parts.push(field);
  if (typeof b["limitBytes"] === "number") parts.push(`limit ${b["limitBytes"]} bytes`);
  return parts.length > 0 ? parts.join(": ") : fallback;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.message === "string" && cause.message) return cause.message;
  if (cause && typeof cause.code === "string") return cause.code;
  return err instanceof Error ? err.message : String(err);
}

let bearerToken: string | undefined;

/** The bearer token every request carries (`--token` / BREAKWATER_TOKEN), set once per command. */
export function useBearerToken(token: string | undefined): void {
  bearerToken = token || undefined;
}

export interface HttpRequest {
  /** Service name for messages: "correlator", "coordinator". */
  readonly service: string;
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** Aborts the request (e.g. on Ctrl-C), besides the timeout. */
  readonly signal?: AbortSignal;
}

/**
 * Sends a request and returns the JSON answer. Cannot connect or times out,
 * or a 503 (not ready): UnreachableError. Any other non-2xx: FailureError
 * with the status and the server's own message.
 */
export async function requestJson(req: HttpRequest): Promise<unknown> {
  const method = req.method ?? "GET";
  let res: Response;
  try {
    const headers: Record<string, string> = {
      ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}),
      ...(req.body === undefined ? {} : { "content-type": "application/json" }),
    };
    res = await fetch(req.url, {
      method,
      signal: req.signal
        ? AbortSignal.any([AbortSignal.timeout(req.timeoutMs), req.signal])
        : AbortSignal.timeout(req.timeoutMs),
      headers,
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new UnreachableError(
      timedOut
        ? `the ${req.service} at ${new URL(req.url).origin} did not answer within ${req.timeoutMs} ms`
        : `cannot reach the ${req.service} at ${new URL(req.url).origin}: ${causeOf(err)}`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const where = `${method} ${new URL(req.url).pathname}`;
  if (res.status === 503) {
    throw new UnreachableError(
      `the ${req.service} is not ready (${where}: 503 ${serverMessageOf(body, text.slice(0, 200) || "unavailable")})`,
    );
  }
  if (!res.ok) {
    const hint =
      res.status === 404 ? ` (is ${new URL(req.url).origin} the ${req.service}'s HTTP address?)` : "";
    throw new FailureError(
      `the ${req.service} refused ${where}: ${res.status} ${serverMessageOf(body, text.slice(0, 200) || res.statusText)}${hint}`,
    );
  }
  if (body === undefined) throw new FailureError(`the ${req.service} answered ${where} with no JSON`);
  return body;
}
