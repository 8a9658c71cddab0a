/**
 * OpenTelemetry tracing of gRPC calls. A subpath of its own
 * (`grpckit/tracing`), so that only its users need @opentelemetry/api.
 *
 * @module
 */

import type { Metadata } from "@grpc/grpc-js";
import {
  type Context,
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { createContextKey } from "../../context-values.js";
import { Code, RpcError } from "../../errors.js";
import type { ClientInterceptor, ServerInterceptor } from "../../interceptor.js";
import type { MethodSpec, ServerContext, ServiceSpec } from "../../service.js";
import { traceIdKey } from "../keys.js";
import {
  type CallEnd,
  type CallObserver,
  codeName,
  type Observation,
  observingClientInterceptor,
  observingServerInterceptor,
} from "../observe-call.js";

/** What injects and extracts trace context: a TextMapPropagator, or the global `propagation` API. */
export interface Propagator {
  inject(context: Context, carrier: Metadata, setter: TextMapSetter<Metadata>): void;
  extract(context: Context, carrier: Metadata, getter: TextMapGetter<Metadata>): Context;
}

/** Options of {@link serverTracing} and {@link clientTracing}. */
export interface TracingOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`), looked up per call. */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Reads and writes the trace context in metadata. Default: the global
   * propagator (the SDK's default is W3C `traceparent`/`tracestate`).
   */
  propagator?: Propagator | undefined;
}

/** The tracer's name (instrumentation scope). */
export const TRACER_NAME = "grpckit";

/** Reads trace headers from grpc-js Metadata; binary (`-bin`) values are skipped. */
export const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === "string");
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/** Writes trace headers into grpc-js Metadata. */
export const metadataSetter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/* The OpenTelemetry context of a server call, for the calls its handler makes with `parent`. */
const otelContextKey = createContextKey<Context | undefined>(undefined, { description: "OpenTelemetry context" });

/**
 * Codes that make a server span an error, per OpenTelemetry's gRPC
 * conventions: the server's own failures, not the caller's mistakes.
 */
const SERVER_ERROR_CODES = new Set<Code>([
  Code.UNKNOWN,
  Code.DEADLINE_EXCEEDED,
  Code.UNIMPLEMENTED,
  Code.INTERNAL,
  Code.UNAVAILABLE,
  Code.DATA_LOSS,
]);

/**
 * Traces each server call as a span of kind SERVER named
 * `package.Service/Method`, child of the trace context the client sent in
 * the metadata (W3C `traceparent`/`tracestate` with the SDK's default
 * propagator). Attributes: `rpc.system` = `grpc`, `rpc.service`,
 * `rpc.method`, `rpc.grpc.status_code`. The span is an error for UNKNOWN,
 * DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS, and
 * records an exception that is not an `RpcError`.
 *
 * The handler runs with the span active, so calls it makes are traced as its
 * children; `CallOptions.parent` does the same explicitly. The call's trace id
 * is set under `traceIdKey` for the logging interceptors after this one.
 * With the API's no-op tracer (no SDK) and no trace context received, there
 * is no span to make active: the call costs the no-op span's start only.
 *
 * @example
 * import { serverTracing } from "grpckit/tracing";
 * createServer({ interceptors: [recovery(), serverTracing(), serverMetrics({ registry })] });
 */
export function serverTracing(options: TracingOptions = {}): ServerInterceptor {
  const tracerOf = tracerLookup(options);
  const propagator = options.propagator ?? propagation;
  const templateOf = spanTemplates(SpanKind.SERVER);
  return observingServerInterceptor((call) => {
    const parent = propagator.extract(ROOT_CONTEXT, call.context.metadata, metadataGetter);
    const { name, options: spanOptions } = templateOf(call.service, call.method);
    const span = tracerOf().startSpan(name, spanOptions, parent);
    const traceId = traceIdOf(span);
    if (traceId === undefined && parent === ROOT_CONTEXT && !span.isRecording()) {
      // No SDK and nothing extracted: no context to run the handler in.
      return UNTRACED;
    }
    const active = trace.setSpan(parent, span);
    const { values } = call.context;
    values.set(otelContextKey, active);
    if (traceId !== undefined) {
      values.set(traceIdKey, traceId);
    }
    return { observer: new SpanEnd(span, SERVER_ERROR_CODES), run: (fn) => context.with(active, fn) };
  });
}

/**
 * Traces each client call as a span of kind CLIENT named
 * `package.Service/Method`, and sends its trace context in the call's
 * metadata. Its parent is the span of `CallOptions.parent` (a server call
 * traced by {@link serverTracing}), else the active span. Any code other than
 * OK makes it an error.
 *
 * @example
 * createClient(UserService, address, { interceptors: [clientTracing()] });
 */
export function clientTracing(options: TracingOptions = {}): ClientInterceptor {
  const tracerOf = tracerLookup(options);
  const propagator = options.propagator ?? propagation;
  const templateOf = spanTemplates(SpanKind.CLIENT);
  return observingClientInterceptor((call) => {
    const parent = parentContext(call.options.parent) ?? context.active();
    const { name, options: spanOptions } = templateOf(call.service, call.method);
    const span = tracerOf().startSpan(name, spanOptions, parent);
    const traceId = traceIdOf(span);
    if (traceId === undefined && !span.isRecording()) {
      // No SDK: the caller's context (its baggage, say) is all there is to send.
      propagator.inject(parent, call.metadata, metadataSetter);
      return UNTRACED;
    }
    const active = trace.setSpan(parent, span);
    propagator.inject(active, call.metadata, metadataSetter);
    if (traceId !== undefined) {
      call.values.set(traceIdKey, traceId);
    }
    return { observer: new SpanEnd(span, undefined), run: (fn) => context.with(active, fn) };
  });
}

/** The OpenTelemetry context of a server call traced by {@link serverTracing}, if it was. */
export function traceContextOf(serverContext: ServerContext): Context | undefined {
  return serverContext.values.get(otelContextKey);
}

function parentContext(parent: ServerContext | undefined): Context | undefined {
  return parent === undefined ? undefined : traceContextOf(parent);
}

function tracerLookup(options: TracingOptions): () => Tracer {
  const { tracerProvider } = options;
  if (tracerProvider !== undefined) {
    const tracer = tracerProvider.getTracer(TRACER_NAME);
    return () => tracer;
  }
  // The global provider may be registered after the interceptor is made. The
  // API's global is a proxy whose tracers find the SDK's once it registers,
  // so a tracer is looked up again only when the global itself changes
  // (after `trace.disable()`); the proxy makes a new tracer on every lookup.
  let provider: TracerProvider | undefined;
  let tracer: Tracer | undefined;
  return () => {
    const current = trace.getTracerProvider();
    if (current !== provider || tracer === undefined) {
      provider = current;
      tracer = current.getTracer(TRACER_NAME);
    }
    return tracer;
  };
}

/**
 * How a call is observed when its span is the API's no-op span (no SDK
 * registered, no trace context received): its end records nothing and the
 * call runs in the context it has. Tracing then costs a call the span's
 * start and nothing else, for services that install the interceptor
 * whether or not an SDK is set up.
 */
const UNTRACED: Observation = Object.freeze({ observer: Object.freeze({ onEnd() {} }) });

/** A method's span name and start options: the same for every call, made on its first. */
interface SpanTemplate {
  readonly name: string;
  readonly options: SpanOptions;
}

function spanTemplates(kind: SpanKind): (service: ServiceSpec, method: MethodSpec) => SpanTemplate {
  const cache = new WeakMap<MethodSpec, SpanTemplate>();
  return (service, method) => {
    let template = cache.get(method);
    if (template === undefined) {
      // Shared by the spans of the method: tracers copy what they keep (the SDK sanitizes the attributes into a new object).
      const attributes = { "rpc.system": "grpc", "rpc.service": service.typeName, "rpc.method": method.name };
      template = { name: method.path.slice(1), options: { kind, attributes } };
      cache.set(method, template);
    }
    return template;
  };
}

/** The trace id of `span`, when its context is valid (not with the API's no-op tracer). */
function traceIdOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** Ends a call's span with its status code; `errorCodes`: the codes that make it an error, all but OK when undefined. */
class SpanEnd implements CallObserver {
  constructor(
    private readonly span: Span,
    private readonly errorCodes: ReadonlySet<Code> | undefined,
  ) {}

  onEnd(end: CallEnd): void {
    const { span } = this;
    span.setAttribute("rpc.grpc.status_code", end.code);
    if (this.errorCodes === undefined ? end.code !== Code.OK : this.errorCodes.has(end.code)) {
      // The message the client got; an exception's own is recorded below, in the span only.
      span.setStatus({ code: SpanStatusCode.ERROR, message: end.message === "" ? codeName(end.code) : end.message });
    }
    if (end.error !== undefined && !(end.error instanceof RpcError)) {
      span.recordException(end.error instanceof Error ? end.error : String(end.error));
    }
    span.end();
  }
}
