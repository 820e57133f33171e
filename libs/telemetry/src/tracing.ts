import {
  type Context,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

let provider: NodeTracerProvider | undefined;

/**
 * Sets up tracing for a service. Trace context always propagates (W3C
 * traceparent through NATS headers and gRPC metadata); spans are exported over
 * OTLP/gRPC only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function initTracing(service: string): Tracer {
  if (!provider) {
    const processors: SpanProcessor[] = [];
    if (process.env["OTEL_EXPORTER_OTLP_ENDPOINT"])
      processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": service }),
      spanProcessors: processors,
    });
    provider.register();
  }
  return trace.getTracer(`breakwater.${service}`);
}

export async function shutdownTracing(): Promise<void> {
  await provider?.shutdown().catch(() => undefined);
  provider = undefined;
}

/** Runs `fn` inside a span that records failures. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: String((err as Error).message) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The W3C traceparent of `ctx` (the active context by default); "" when it has no span. */
export function traceparentOf(ctx: Context = context.active()): string {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier["traceparent"] ?? "";
}

/** The context a span continuing `traceparent` starts in (the active one when it is empty). */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}
