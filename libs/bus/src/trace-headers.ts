import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import { type Context, context, propagation } from "@opentelemetry/api";

/** Puts the active trace context (W3C traceparent) into NATS headers. */
export function injectTrace(hdrs: MsgHdrs = natsHeaders(), ctx: Context = context.active()): MsgHdrs {
  propagation.inject(ctx, hdrs, {
    set: (carrier, key, value) => carrier.set(key, value),
  });
  return hdrs;
}

/** Reads the trace context a publisher put into NATS headers. */
export function extractTrace(hdrs: MsgHdrs | undefined): Context {
  if (!hdrs) return context.active();
  return propagation.extract(context.active(), hdrs, {
    get: (carrier, key) => carrier.get(key) || undefined,
    keys: (carrier) => carrier.keys(),
  });
}
