import type { PeerCertificate } from "node:tls";
import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";
import type { ContextValues } from "./context-values.js";

/** The four kinds of gRPC method, named as protobuf-es names them. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/**
 * One row of a generated method table: everything the runtime needs to serve
 * or call a method. Generated code builds these; users only pass them around.
 *
 * The core declares only what every method has. A concern that generated code
 * gives per-method data (a validator, an auth rule, masks, HTTP bindings)
 * adds its optional property from its own module, by TypeScript interface
 * merging, and reads it there:
 *
 * ```ts
 * declare module "../service.js" {
 *   interface MethodSpec<I, O, K> {
 *     readonly auth?: AuthRule | undefined;
 *   }
 * }
 * ```
 *
 * so the core names no concern, and a new one attaches without editing it.
 * `ServiceSpec` grows the same way (the client's `serviceConfig`). The
 * augmenting modules are the ones `grpckit/codegen` exports a type of, so
 * every program that type-checks generated code sees their properties.
 */
export interface MethodSpec<
  I extends DescMessage = DescMessage,
  O extends DescMessage = DescMessage,
  K extends MethodKind = MethodKind,
> {
  /** The method's name in the .proto, e.g. `GetUser`. */
  readonly name: string;
  /** The HTTP/2 path, `/package.Service/Method`. */
  readonly path: string;
  readonly kind: K;
  /** protobuf-es schema of the request message. */
  readonly input: I;
  /** protobuf-es schema of the response message. */
  readonly output: O;
}

/**
 * A generated service: its fully-qualified name, its protobuf-es descriptor
 * and its method table keyed by the method's local (camelCase) name.
 */
export interface ServiceSpec {
  readonly typeName: string;
  readonly desc: DescService;
  readonly methods: { readonly [localName: string]: MethodSpec };
}

/** The security of a call's connection, as grpc-js reports it (grpc-js's own `AuthContext`, which it does not export). */
export interface AuthContext {
  /** `"ssl"` over TLS; absent over plaintext. */
  readonly transportSecurityType?: string | undefined;
  /** The client's certificate, when the TLS handshake verified one. */
  readonly sslPeerCertificate?: PeerCertificate | undefined;
}

/** Request metadata as a grpc-js `Metadata`, or a plain record of values. */
export type MetadataInit = Metadata | Record<string, string | Buffer | readonly (string | Buffer)[]>;

/**
 * What a handler knows about its call. One per call.
 */
export interface ServerContext {
  /** The service and method being called. */
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
  /** The request metadata (headers) the client sent. */
  readonly metadata: Metadata;
  /** When the client stops waiting, if it set a deadline. */
  readonly deadline: Date | undefined;
  /**
   * Aborted when the client cancels, the deadline passes, or the server is
   * forced to shut down; its reason is then an `RpcError` (`CANCELLED`,
   * `DEADLINE_EXCEEDED` or `UNAVAILABLE`). Never aborted once the handler has
   * answered. Pass it to anything the handler awaits.
   */
  readonly signal: AbortSignal;
  /** The client's address, e.g. `127.0.0.1:53122`. */
  readonly peer: string;
  /**
   * The connection's security, from grpc-js: over TLS, `transportSecurityType`
   * is `"ssl"`, and `sslPeerCertificate` is the client's certificate once the
   * handshake verified it (mTLS). Empty over plaintext. The caller as an
   * authenticator established it is `principalOf(context)`.
   */
  getAuthContext(): AuthContext;
  /**
   * Sends the response headers now. Optional: without it, empty headers go
   * with the first response message. Only the first call has an effect.
   * Throws an `OversizedAnswerError`, sending nothing, when the headers are
   * larger than the server's `limits.maxTrailerBytes` (clients refuse large
   * header blocks): uncaught, the call answers INTERNAL and `onError` hears it.
   */
  sendHeader(metadata: MetadataInit): void;
  /**
   * Trailers sent with the status when the call ends, also when the handler
   * throws; add to it freely until then.
   */
  readonly trailer: Metadata;
  /**
   * Values of this call set by interceptors, by typed key (see
   * `createContextKey`): e.g. the trace id the tracing interceptor set.
   */
  readonly values: ContextValues;
}

/** A response message, or a plain object to build one from. */
export type ResponseInit<O extends DescMessage> = MessageInitShape<O>;

export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: ServerContext,
) => Promise<ResponseInit<O>> | ResponseInit<O>;

export type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: ServerContext,
) => AsyncIterable<ResponseInit<O>>;

export type ClientStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: ServerContext,
) => Promise<ResponseInit<O>> | ResponseInit<O>;

export type BidiStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  requests: AsyncIterable<MessageShape<I>>,
  context: ServerContext,
) => AsyncIterable<ResponseInit<O>>;

/** The handler type of each method kind. */
interface HandlerByKind<I extends DescMessage, O extends DescMessage> {
  unary: UnaryHandler<I, O>;
  server_streaming: ServerStreamingHandler<I, O>;
  client_streaming: ClientStreamingHandler<I, O>;
  bidi_streaming: BidiStreamingHandler<I, O>;
}

/**
 * The type of `ByKind` for the kind of method spec `M`: never for a spec
 * whose kind is not known (`MethodSpec` itself).
 */
type ForKindOf<M extends MethodSpec, ByKind extends Record<MethodKind, unknown>> =
  M extends MethodSpec<DescMessage, DescMessage, infer K> ? (MethodKind extends K ? never : ByKind[K]) : never;

/** The handler type for one method spec. */
export type HandlerOf<M extends MethodSpec> = ForKindOf<M, HandlerByKind<M["input"], M["output"]>>;

/** All handlers of a service, keyed by the methods' local names. */
export type HandlersOf<S extends ServiceSpec> = {
  [K in keyof S["methods"]]: HandlerOf<S["methods"][K]>;
};

/** Options of one client call. */
export interface CallOptions {
  /**
   * Milliseconds from now until the call fails with DEADLINE_EXCEEDED.
   * Replaces the method's `timeout` from the .proto (and the client's
   * `timeoutMs`), longer or shorter; `Infinity`: no deadline.
   */
  timeoutMs?: number | undefined;
  /** An absolute deadline; the earlier of this and `timeoutMs` wins. */
  deadline?: Date | number | undefined;
  /** Request metadata (headers) to send. */
  metadata?: MetadataInit | undefined;
  /** Cancels the call when aborted; the call then fails with CANCELLED. */
  signal?: AbortSignal | undefined;
  /** Called with the response headers when they arrive. */
  onHeader?: ((metadata: Metadata) => void) | undefined;
  /** Called with the response trailers when the call ends (also on error). */
  onTrailer?: ((metadata: Metadata) => void) | undefined;
  /**
   * The server call this call is made for, from inside its handler. The call
   * then inherits the parent's deadline (the earlier of its own and the
   * parent's) and is cancelled when the parent is; the tracing interceptor
   * makes its span a child of the parent's.
   *
   * @example
   * async getOrder(req, ctx) {
   *   const { user } = await users.getUser({ userId: req.userId }, { parent: ctx });
   * }
   */
  parent?: ServerContext | undefined;
  /** Values for the client's interceptors, by typed key; a fresh set when omitted. */
  contextValues?: ContextValues | undefined;
  /**
   * Compresses this call's requests. Default: the transport's
   * `compression`, else none. grpc-js chooses compression per channel, so a
   * call whose choice differs from its transport's runs on a second channel
   * the transport opens (once) for that algorithm.
   */
  compression?: Compression | undefined;
  /**
   * While no connection is ready, wait for one (until the deadline) instead
   * of failing at once with UNAVAILABLE. Default: the method's
   * `wait_for_ready` in the .proto, else the client's `waitForReady`, else false.
   */
  waitForReady?: boolean | undefined;
}

/** Message compression on the wire, as grpc-js supports it. */
export type Compression = "identity" | "deflate" | "gzip";

/** Requests a client stream accepts: any iterable, sync or async. */
export type RequestStream<I extends DescMessage> = AsyncIterable<MessageInitShape<I>> | Iterable<MessageInitShape<I>>;

/** Calls a unary method; rejects with an `RpcError`. */
export type UnaryCall<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;

/**
 * Calls a server-streaming method. The call starts when iteration starts;
 * leaving the loop early (break, throw) cancels it. Throws an `RpcError`.
 */
export type ServerStreamingCall<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;

/**
 * Calls a client-streaming method with requests pulled from `requests` as the
 * call can take them. An error of `requests` cancels the call and rejects with
 * it, as an `RpcError`.
 */
export type ClientStreamingCall<I extends DescMessage, O extends DescMessage> = (
  requests: RequestStream<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;

/**
 * Calls a bidi-streaming method: requests are sent while responses are read.
 * Starts, and is cancelled, like a server-streaming call.
 */
export type BidiStreamingCall<I extends DescMessage, O extends DescMessage> = (
  requests: RequestStream<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;

/** The client function type of each method kind. */
interface CallByKind<I extends DescMessage, O extends DescMessage> {
  unary: UnaryCall<I, O>;
  server_streaming: ServerStreamingCall<I, O>;
  client_streaming: ClientStreamingCall<I, O>;
  bidi_streaming: BidiStreamingCall<I, O>;
}

/** The client function type for one method spec. */
export type CallOf<M extends MethodSpec> = ForKindOf<M, CallByKind<M["input"], M["output"]>>;

/** A typed client of a service: one function per method, by local name. */
export type ClientOf<S extends ServiceSpec> = {
  readonly [K in keyof S["methods"]]: CallOf<S["methods"][K]>;
};
