import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";

/** The four kinds of gRPC method, named as protobuf-es names them. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/**
 * One row of a generated method table: everything the runtime needs to serve
 * or call a method. Generated code builds these; users only pass them around.
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
   * Sends the response headers now. Optional: without it, empty headers go
   * with the first response message. Only the first call has an effect.
   */
  sendHeader(metadata: MetadataInit): void;
  /**
   * Trailers sent with the status when the call ends, also when the handler
   * throws; add to it freely until then.
   */
  readonly trailer: Metadata;
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

/** The handler type for one method spec. */
export type HandlerOf<M extends MethodSpec> =
  M extends MethodSpec<infer I, infer O, "unary">
    ? UnaryHandler<I, O>
    : M extends MethodSpec<infer I, infer O, "server_streaming">
      ? ServerStreamingHandler<I, O>
      : M extends MethodSpec<infer I, infer O, "client_streaming">
        ? ClientStreamingHandler<I, O>
        : M extends MethodSpec<infer I, infer O, "bidi_streaming">
          ? BidiStreamingHandler<I, O>
          : never;

/** All handlers of a service, keyed by the methods' local names. */
export type HandlersOf<S extends ServiceSpec> = {
  [K in keyof S["methods"]]: HandlerOf<S["methods"][K]>;
};

/** Options of one client call. */
export interface CallOptions {
  /** Milliseconds from now until the call fails with DEADLINE_EXCEEDED. */
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
}

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

/** The client function type for one method spec. */
export type CallOf<M extends MethodSpec> =
  M extends MethodSpec<infer I, infer O, "unary">
    ? UnaryCall<I, O>
    : M extends MethodSpec<infer I, infer O, "server_streaming">
      ? ServerStreamingCall<I, O>
      : M extends MethodSpec<infer I, infer O, "client_streaming">
        ? ClientStreamingCall<I, O>
        : M extends MethodSpec<infer I, infer O, "bidi_streaming">
          ? BidiStreamingCall<I, O>
          : never;

/** A typed client of a service: one function per method, by local name. */
export type ClientOf<S extends ServiceSpec> = {
  readonly [K in keyof S["methods"]]: CallOf<S["methods"][K]>;
};
