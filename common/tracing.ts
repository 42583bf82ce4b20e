// OpenTelemetry tracing for the stack's processes (issue 14 item 4), configured only by the standard
// OTEL_* variables (OpenTelemetry "SDK environment variables"): on when an OTLP endpoint is named
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces), exported over
// OTLP/HTTP (JSON) in batches (OTEL_BSP_*), sampled by OTEL_TRACES_SAMPLER / _ARG (default
// parentbased_always_on), named by OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; OTEL_SDK_DISABLED=true
// or OTEL_TRACES_EXPORTER=none keeps it off whatever else is set.
//
// Off, nothing is registered: no tracer provider, no context manager (AsyncLocalStorage), no
// propagator; `activeTracer()` is undefined and every helper here is one check of it, so tracing that
// is off costs the request path nothing measurable (docs/BENCHMARKS.md has the figures).
//
// Context crosses processes as W3C Trace Context (`traceparent`, `tracestate`) only. Baggage is not
// propagated: a caller's baggage would otherwise reach the province subgraphs as data nobody checked.
import { type Attributes, type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { NextFunction, Request, Response } from 'express';

export const TRACER_NAME = 'chuanyu';

let tracer: Tracer | undefined;
let provider: NodeTracerProvider | undefined;
let users = 0;

/** The tracer while tracing is on; undefined while it is off (then do no span work at all). */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Whether the environment asks for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((e) => e.trim().toLowerCase());
  if (exporters.includes('none') || !exporters.includes('otlp')) return false;
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export interface TracingHandle {
  readonly on: boolean;
  /** Exports what is buffered and, for the last user in the process, turns tracing off. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** service.name unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
  serviceName: string;
  /** service.instance.id (a gateway replica's GATEWAY_INSTANCE_ID, the pod name). */
  instanceId?: string;
  /** Told why the exporter ignores a protocol it cannot speak. */
  warn?: (message: string) => void;
}

/**
 * Starts tracing for this process if the environment asks for it. Processes that host several
 * services (the tests) share one provider: the first start configures it, the last shutdown ends it.
 */
export function startTracing(opts: StartTracingOptions): TracingHandle {
  if (!tracingRequested()) return { on: false, shutdown: async () => {} };
  users++;
  if (!provider) {
    const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
    if (protocol && protocol.trim() !== 'http/json')
      opts.warn?.(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: traces are sent as OTLP/HTTP JSON (http/json), which OTLP receivers accept`);
    // Ours first, then what the environment names (OTEL_SERVICE_NAME wins over our default).
    const resource = defaultResource()
      .merge(resourceFromAttributes({ 'service.name': opts.serviceName, ...(opts.instanceId ? { 'service.instance.id': opts.instanceId } : {}) }))
      .merge(detectResources({ detectors: [envDetector] }));
    // Endpoint, headers, timeout and compression come from OTEL_EXPORTER_OTLP_* inside the exporter;
    // the sampler and span limits from OTEL_TRACES_SAMPLER and OTEL_SPAN_* inside the provider.
    provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
    provider.register({ propagator: new W3CTraceContextPropagator() });
    tracer = trace.getTracer(TRACER_NAME);
  }
  let done = false;
  return {
    on: true,
    async shutdown() {
      if (done) return;
      done = true;
      users--;
      if (users > 0 || !provider) {
        await provider?.forceFlush();
        return;
      }
      const p = provider;
      provider = undefined;
      tracer = undefined;
      await p.shutdown();
      // Unregistered, so that a later start in the same process (a test) can register again.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Everything buffered, exported now (tests; a clean shutdown does it too). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

type Carrier = Record<string, string | string[] | undefined>;

/**
 * A server span for a request, continuing the caller's `traceparent` (W3C Trace Context §3.2; an
 * invalid or absent one starts a new trace) and the context to run the request in; undefined while off.
 */
export function startServerSpan(name: string, headers: Carrier, attributes: Attributes): { span: Span; ctx: Context } | undefined {
  if (!tracer) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Runs `fn` inside a span (its child spans nest under it); without tracing just runs `fn(undefined)`. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!tracer) return fn(undefined);
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The synchronous form of `inSpan`. */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => T): T {
  if (!tracer) return fn(undefined);
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

/** Adds `traceparent` (and `tracestate`) of the current span to outgoing headers; nothing while off. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (tracer) propagation.inject(context.active(), headers);
}

/** Sets attributes on the current span (a response's status, say); nothing while off. */
export function annotateSpan(attributes: Attributes): void {
  if (tracer) trace.getSpan(context.active())?.setAttributes(attributes);
}

/** The trace id of the current span (for log lines and audit records); undefined while off. */
export function currentTraceId(): string | undefined {
  if (!tracer) return undefined;
  return trace.getSpanContext(context.active())?.traceId;
}

/**
 * Express middleware for a server the gateway calls (the province subgraphs): continues the
 * gateway's trace with a server span per request. Nothing while off.
 */
export function traceRequests() {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = startServerSpan(`${req.method} ${req.path}`, req.headers, { 'http.request.method': req.method, 'url.path': req.path });
    if (!started) return next();
    // 'close' comes whether or not the answer was sent in full.
    res.once('close', () => {
      started.span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished) started.span.setStatus({ code: SpanStatusCode.ERROR });
      started.span.end();
    });
    context.with(started.ctx, next);
  };
}
