import { Metadata } from "@grpc/grpc-js";
import { type Context, context, propagation, type Span, SpanStatusCode, trace } from "@opentelemetry/api";

/**
 * The SDK's spans. They are recorded only when the venue registers an
 * OpenTelemetry tracer provider; otherwise every call here is a no-op. The
 * coordinator sends each signal's trace context, so a venue's handling and
 * acks join the trace that began at the chain event.
 */
const tracer = trace.getTracer("breakwater.sdk");

/** The context a span continuing `traceparent` starts in (the active one when it is empty). */
export function contextOfTraceparent(traceparent: string): Context {
  return traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
}

/** gRPC metadata carrying `ctx`'s trace context. */
export function traceMetadata(ctx: Context): Metadata {
  const metadata = new Metadata();
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (carrier["traceparent"]) metadata.set("traceparent", carrier["traceparent"]);
  return metadata;
}

/** Runs `fn` in a span named `name` under `parent`, recording a throw. */
export function inSdkSpan<T>(
  name: string,
  parent: Context,
  attributes: Record<string, string | number>,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return context.with(parent, () =>
    tracer.startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error)?.message ?? err) });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}
