import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";
import type { ContextValues } from "./context-values.js";
import type { CallOptions, MethodSpec, ResponseInit, ServerContext, ServiceSpec } from "./service.js";

/*
 * One interceptor model for servers and clients, for all four kinds of
 * method, in the style of connect-es: an interceptor takes the next step of
 * the chain and returns a step that wraps it,
 *
 *   const timing: ServerInterceptor = (next) => async (call) => {
 *     const started = performance.now();
 *     try { return await next(call); } finally { record(call.method, performance.now() - started); }
 *   };
 *
 * The first interceptor of a list is the outermost: it sees the call first
 * and the outcome last. A call whose requests or responses are streams
 * carries an AsyncIterable, which an interceptor can wrap to observe or
 * change each message; a step's promise settles when the response (or the
 * response stream object) is ready, and a streamed call ends when its
 * response iterable ends or throws.
 *
 * The documented order on a server (docs/interceptors.md):
 *
 *   recovery, tracing, metrics, logging, [the user's own], then the schema's
 *   auth, validation, masks (server/schema-interceptors.ts), then the handler
 *
 * and on a client: tracing, metrics, logging. A server composes each method's
 * chain once, when its service is added; a client, when it is created.
 */

/** Any message of any schema. */
export type AnyMessage = MessageShape<DescMessage>;

interface ServerCallBase {
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
  /** The handler's context: metadata, deadline, signal, peer, header and trailer. */
  readonly context: ServerContext;
}

/** A server call with one request message: unary and server streaming. */
export interface SingleRequestServerCall extends ServerCallBase {
  readonly requestStream: false;
  readonly request: AnyMessage;
}

/** A server call with a stream of request messages: client streaming and bidi. */
export interface StreamRequestServerCall extends ServerCallBase {
  readonly requestStream: true;
  readonly requests: AsyncIterable<AnyMessage>;
}

/** A call as a server interceptor sees it. `requestStream` tells which form it has. */
export type ServerCall = SingleRequestServerCall | StreamRequestServerCall;

/** What a server step answers: one response, or a stream of them. */
export type ServerResult =
  | { readonly responseStream: false; readonly response: ResponseInit<DescMessage> }
  | { readonly responseStream: true; readonly responses: AsyncIterable<ResponseInit<DescMessage>> };

/** One step of a server chain: the handler, or an interceptor wrapped around it. */
export type ServerStep = (call: ServerCall) => Promise<ServerResult>;

/** Wraps the next step of a server chain. */
export type ServerInterceptor = (next: ServerStep) => ServerStep;

interface ClientCallBase {
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
  /** The request metadata to send; interceptors may add to it. */
  readonly metadata: Metadata;
  /** The options the caller passed (timeout, deadline, signal, callbacks, parent). */
  readonly options: CallOptions;
  /** Values of this call, by typed key: the caller's `contextValues`, or a fresh set. */
  readonly values: ContextValues;
}

/** A client call with one request message: unary and server streaming. */
export interface SingleRequestClientCall extends ClientCallBase {
  readonly requestStream: false;
  readonly request: AnyMessage;
}

/** A client call with a stream of request messages: client streaming and bidi. */
export interface StreamRequestClientCall extends ClientCallBase {
  readonly requestStream: true;
  readonly requests: AsyncIterable<AnyMessage>;
}

/** A call as a client interceptor sees it. */
export type ClientCall = SingleRequestClientCall | StreamRequestClientCall;

/** What a client step answers: one response, or a stream of them. */
export type ClientResult =
  | { readonly responseStream: false; readonly response: AnyMessage }
  | { readonly responseStream: true; readonly responses: AsyncIterable<AnyMessage> };

/** One step of a client chain: the transport, or an interceptor wrapped around it. */
export type ClientStep = (call: ClientCall) => Promise<ClientResult>;

/** Wraps the next step of a client chain. */
export type ClientInterceptor = (next: ClientStep) => ClientStep;

/**
 * The protocol by which interceptors run together: an interceptor that sets
 * this key to a function says that a run of neighbours carrying the same
 * function may be replaced by what that function makes of them. `chain`
 * knows no kind of interceptor; observe/ uses it so that logging, metrics
 * and tracing share one pass over each call.
 */
export const fusesWith: unique symbol = Symbol("grpckit.fusesWith");

/** An interceptor that marks itself for {@link fusesWith}. */
export interface Fusable<I> {
  readonly [fusesWith]: (group: readonly I[]) => I;
}

function fuserOf<I>(interceptor: I): ((group: readonly I[]) => I) | undefined {
  return typeof interceptor === "function" ? (interceptor as Partial<Fusable<I>>)[fusesWith] : undefined;
}

/**
 * Replaces each run of two or more neighbours that carry the same
 * {@link fusesWith} function by the one interceptor that function makes.
 */
export function fuseInterceptors<I>(interceptors: readonly I[]): I[] {
  const fused: I[] = [];
  for (let i = 0; i < interceptors.length; ) {
    const fuse = fuserOf(interceptors[i] as I);
    let j = i + 1;
    while (fuse !== undefined && j < interceptors.length && fuserOf(interceptors[j] as I) === fuse) {
      j++;
    }
    fused.push(fuse !== undefined && j - i >= 2 ? fuse(interceptors.slice(i, j)) : (interceptors[i] as I));
    i = j;
  }
  return fused;
}

/**
 * Composes interceptors around a final step; the first interceptor is the
 * outermost. Done once per method when a service is added or a client is
 * created, never per call.
 */
export function chain<Step>(interceptors: readonly ((next: Step) => Step)[], last: Step): Step {
  // Neighbours that fuse (the observers: logging, metrics, tracing) share one pass over each call.
  const composed = fuseInterceptors(interceptors);
  let step = last;
  for (let i = composed.length - 1; i >= 0; i--) {
    const interceptor = composed[i];
    if (interceptor !== undefined) {
      step = interceptor(step);
    }
  }
  return step;
}
