import type { IncomingMessage } from "node:http";
import { type Bus, subjects } from "@breakwater/bus";
import { BreakwaterError, type ErrorStatus, InvalidRequestError } from "@breakwater/core";
import { callerOfRequest } from "@breakwater/identity";
import { httpStatusOf, publicMessageOf, type Route, sendJson } from "@breakwater/telemetry";
import { ManualRequestError } from "./manual-signals.js";
import type { DeskReply, DeskRequest } from "./operator-desk.js";

const MAX_BODY = 16 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new InvalidRequestError("body", `larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new InvalidRequestError("body", "is not JSON");
  }
}

/** Asks the leader (whichever replica leads) over `bw.operator.rpc`. */
async function askLeader(bus: Bus, request: DeskRequest, timeoutMs: number): Promise<unknown> {
  let reply: DeskReply;
  try {
    const msg = await bus.nc.request(subjects.operatorRpc, JSON.stringify(request), { timeout: timeoutMs });
    reply = JSON.parse(new TextDecoder().decode(msg.data)) as DeskReply;
  } catch (err) {
    if (err instanceof ManualRequestError) throw err;
    throw new ManualRequestError(
      "unavailable",
      "no_leader",
      "no coordinator leader answered; try again shortly",
    );
  }
  if (!reply.ok) throw new ManualRequestError(reply.status as ErrorStatus, reply.code, reply.message);
  return reply.result;
}

/**
 * The operator API (role operator or admin, checked before routes run):
 * `POST /v1/operator/signals` asks for a manual halt, resume, margin change or
 * advisory; `POST /v1/operator/requests/<id>/approve` is a second operator's
 * approval of a resume or loosening; `GET /v1/operator/requests` lists those
 * awaiting approval. Any replica serves it; the leader decides.
 */
export function operatorRoutes(bus: Bus, timeoutMs = 5_000): Route {
  return async (req, res, url) => {
    if (!url.pathname.startsWith("/v1/operator/")) return false;
    const caller = callerOfRequest(req);
    const send = (status: number, body: unknown) => sendJson(res, status, body);
    const fail = (err: unknown) => {
      const status = httpStatusOf(err);
      send(status, {
        error: err instanceof BreakwaterError ? err.code : "internal",
        message: publicMessageOf(err),
      });
    };
    try {
      if (req.method === "GET" && url.pathname === "/v1/operator/requests") {
        send(200, await askLeader(bus, { op: "list" }, timeoutMs));
        return true;
      }
      if (!caller) return false; // the access check runs first; without it nothing is served
      if (req.method === "POST" && url.pathname === "/v1/operator/signals") {
        const result = (await askLeader(
          bus,
          { op: "submit", caller, body: await readJson(req) },
          timeoutMs,
        )) as {
          status: string;
        };
        send(result.status === "issued" ? 201 : 202, result);
        return true;
      }
      const approve = /^\/v1\/operator\/requests\/([0-9a-f-]{36})\/approve$/.exec(url.pathname);
      if (req.method === "POST" && approve) {
        send(201, await askLeader(bus, { op: "approve", caller, requestId: approve[1]! }, timeoutMs));
        return true;
      }
    } catch (err) {
      fail(err);
      return true;
    }
    return false;
  };
}
