import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { Metadata } from "@grpc/grpc-js";
import { grpcDefinition, messageFrom } from "../codec.js";
import { createContextValues } from "../context-values.js";
import { Code, RpcError } from "../errors.js";
import { type AnyMessage, type ClientCall, type ClientInterceptor, type ClientStep, chain } from "../interceptor.js";
import { toMetadata } from "../metadata.js";
import { interceptorsFor } from "../selector.js";
import type { CallOptions, ClientOf, MethodSpec, RequestStream, ServiceSpec } from "../service.js";
import { callBidiStreaming, callClientStreaming, callServerStreaming, callUnary, type GrpcMethod } from "./calls.js";
import { createTransport } from "./channels.js";
import { createPool, type PoolOptions } from "./pool.js";
import { type CallDefaults, callDefaults } from "./service-config.js";
import type { Target } from "./targets.js";
import type { Transport } from "./transport.js";

/**
 * Options of {@link createClient}. `interceptors`, `timeoutMs` and
 * `waitForReady` apply to every call; the rest configure the channels of a
 * target given as addresses. The concerns add their own, such as auth's
 * `token` (docs/auth.md).
 */
export interface ClientOptions extends PoolOptions {
  /**
   * Interceptors of every call, the first outermost: they may add metadata,
   * and observe or wrap each message. The documented order of the built-in
   * ones is `[clientTracing(), clientMetrics(), clientLogging()]`.
   */
  interceptors?: readonly ClientInterceptor[] | undefined;
  /**
   * The timeout of calls to methods whose .proto declares none; a call's own
   * `timeoutMs` or `deadline` replaces it. Default: none.
   */
  timeoutMs?: number | undefined;
  /** `waitForReady` of calls to methods whose .proto declares none. Default: false. */
  waitForReady?: boolean | undefined;
}

/**
 * What a concern does to a client that one of its options enables (auth's
 * `token`): it may replace the options of the client's own channels (e.g.
 * compose call credentials into their TLS credentials), and add an
 * interceptor of every call, run after the client's own. The concern
 * declares its options on {@link ClientOptions} (`declare module`) and reads
 * them itself, so the client knows none of them.
 */
export interface ClientExtension {
  /** The options of createClient it reads: kept out of the channels' options. */
  readonly options: readonly (keyof ClientOptions)[];
  /**
   * Called once per client. `channel`: the options of the channels the
   * client makes for a target given as addresses; undefined for a
   * transport, whose channels the client does not know.
   */
  extend(
    options: ClientOptions,
    channel: PoolOptions | undefined,
  ): { channel?: PoolOptions | undefined; interceptor?: ClientInterceptor | undefined };
}

/** The extensions of every concern, in the order they registered. */
const clientExtensions: ClientExtension[] = [];
const registered = new Set<string>();

/** Registers the extension of one concern; its module calls this once when it is first imported. */
export function registerClientExtension(concern: string, extension: ClientExtension): void {
  if (registered.has(concern)) {
    throw new Error(`the ${concern} client extension is registered twice`);
  }
  registered.add(concern);
  clientExtensions.push(extension);
}

/** The options that configure channels, refused beside a transport. */
const channelKeys = [
  "credentials",
  "tls",
  "channelOptions",
  "limits",
  "compression",
  "loadBalancing",
  "services",
  "serviceConfig",
  "size",
] as const satisfies readonly (keyof PoolOptions)[];

/*
 * The transport a client created for itself, hidden from enumeration and
 * from the method names (a service may well have a method named `close`).
 */
const ownTransport = Symbol("grpckit.ownTransport");

/**
 * A typed client of `service`: one function per method, by local name.
 *
 * - unary: `await client.getUser({ userId })`
 * - server streaming: `for await (const res of client.listUsers(req))`; the
 *   call starts when iteration starts, and leaving the loop early (break,
 *   throw) cancels it;
 * - client streaming: `await client.createUsers(requests)`, from an array or
 *   an (async) generator, written with backpressure;
 * - bidi: `for await (const res of client.chatWithUsers(requests))`, requests
 *   written while responses are read.
 *
 * Every failure is an `RpcError`. `target` is an address (the client then owns
 * a channel: release it with {@link closeClient}) or a shared {@link Transport}.
 *
 * @example
 * const users = createClient(UserService, "127.0.0.1:50051", { interceptors: [clientTracing()] });
 * const { user } = await users.getUser({ userId: "u1" }, { timeoutMs: 2000 });
 * closeClient(users);
 */
export function createClient<S extends ServiceSpec>(
  service: S,
  target: Target | Transport,
  options: ClientOptions = {},
): ClientOf<S> {
  const { interceptors: own = [], timeoutMs, waitForReady, ...rest } = options;
  const addressed = typeof target === "string" || Array.isArray(target);
  // The concerns' options (a token: on the TLS credentials, or by an interceptor) are theirs to read.
  const theirs = new Set<string>(clientExtensions.flatMap((e) => e.options));
  let poolOptions = Object.fromEntries(Object.entries(rest).filter(([key]) => !theirs.has(key))) as PoolOptions;
  const interceptors = [...own];
  for (const extension of clientExtensions) {
    const { channel, interceptor } = extension.extend(options, addressed ? poolOptions : undefined);
    poolOptions = channel ?? poolOptions;
    if (interceptor !== undefined) {
      interceptors.push(interceptor);
    }
  }
  let transport: Transport;
  let owned: Transport | undefined;
  if (typeof target === "string" || Array.isArray(target)) {
    const addresses = target as Target;
    const services = [...(poolOptions.services ?? []), service];
    // A pool when asked for one (size); else one channel, as before pools.
    transport =
      poolOptions.size === undefined
        ? createTransport(addresses, { ...poolOptions, services })
        : createPool(addresses, { ...poolOptions, services });
    owned = transport;
  } else {
    if (channelKeys.some((key) => poolOptions[key] !== undefined)) {
      throw new TypeError(
        `${channelKeys.join(", ")} configure channels: pass them to createTransport() or createPool() when you pass a transport`,
      );
    }
    transport = target as Transport;
    transport.registerService?.(service);
  }
  const clientDefaults: CallDefaults = { timeoutMs, waitForReady };
  const definition = grpcDefinition(service) as Record<string, GrpcMethod>;
  const client: Record<string | symbol, unknown> = {};
  for (const [localName, method] of Object.entries(service.methods)) {
    const methodDefinition = definition[localName];
    if (methodDefinition === undefined) {
      throw new Error(`no grpc definition for ${method.path}`);
    }
    const defaults = withFallback(callDefaults(service, method), clientDefaults);
    const applied = interceptorsFor(interceptors, method, service);
    const call =
      applied.length === 0
        ? callFunction(transport, method, methodDefinition, defaults)
        : interceptedCallFunction(
            service,
            method,
            chain(applied, transportStep(transport, method, methodDefinition)),
            defaults,
          );
    Object.defineProperty(client, localName, { value: call, enumerable: true });
  }
  Object.defineProperty(client, ownTransport, { value: owned });
  return Object.freeze(client) as ClientOf<S>;
}

/**
 * Closes the channels that a client created from its target: new calls
 * fail with `UNAVAILABLE`, calls under way finish; resolves once they have.
 * Does nothing for a client given a {@link Transport}: whoever created the
 * transport closes it.
 */
export async function closeClient(client: object): Promise<void> {
  const transport = (client as { [ownTransport]?: Transport | undefined })[ownTransport];
  await transport?.close();
}

type AnyRequests = RequestStream<DescMessage>;

/** `primary`, with `fallback`'s values where it has none. */
function withFallback(primary: CallDefaults, fallback: CallDefaults): CallDefaults {
  return {
    timeoutMs: primary.timeoutMs ?? fallback.timeoutMs,
    waitForReady: primary.waitForReady ?? fallback.waitForReady,
  };
}

/**
 * The call's options with the method's defaults where the call has none. A
 * call's own `timeoutMs` or `deadline` replaces the default timeout.
 */
function optionsWithDefaults(options: CallOptions | undefined, defaults: CallDefaults): CallOptions | undefined {
  const { timeoutMs, waitForReady } = defaults;
  const needsTimeout = timeoutMs !== undefined && options?.timeoutMs === undefined && options?.deadline === undefined;
  const needsWait = waitForReady !== undefined && options?.waitForReady === undefined;
  if (!needsTimeout && !needsWait) {
    return options;
  }
  return {
    ...options,
    ...(needsTimeout ? { timeoutMs } : {}),
    ...(needsWait ? { waitForReady } : {}),
  };
}

function callFunction(transport: Transport, method: MethodSpec, definition: GrpcMethod, defaults: CallDefaults) {
  const withDefaults = (options: CallOptions | undefined) => optionsWithDefaults(options, defaults);
  switch (method.kind) {
    case "unary":
      return (request: unknown, options?: CallOptions) =>
        callUnary(transport, definition, request, withDefaults(options));
    case "server_streaming":
      return (request: unknown, options?: CallOptions) =>
        callServerStreaming(transport, definition, request, withDefaults(options));
    case "client_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        callClientStreaming(transport, definition, requests, withDefaults(options));
    case "bidi_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        callBidiStreaming(transport, definition, requests, withDefaults(options));
  }
}

/** The innermost step of a client chain: starts the call on the transport. */
function transportStep(transport: Transport, method: MethodSpec, definition: GrpcMethod): ClientStep {
  const optionsOf = (call: ClientCall): CallOptions => ({ ...call.options, metadata: call.metadata });
  switch (method.kind) {
    case "unary":
      return async (call) => ({
        responseStream: false,
        response: await callUnary(transport, definition, singleRequest(call, method), optionsOf(call)),
      });
    case "server_streaming":
      return async (call) => ({
        responseStream: true,
        responses: callServerStreaming(transport, definition, singleRequest(call, method), optionsOf(call)),
      });
    case "client_streaming":
      return async (call) => ({
        responseStream: false,
        response: await callClientStreaming(transport, definition, streamOfRequests(call, method), optionsOf(call)),
      });
    case "bidi_streaming":
      return async (call) => ({
        responseStream: true,
        responses: callBidiStreaming(transport, definition, streamOfRequests(call, method), optionsOf(call)),
      });
  }
}

function singleRequest(call: ClientCall, method: MethodSpec): AnyMessage {
  if (call.requestStream) {
    throw new RpcError(Code.INTERNAL, `an interceptor turned the request of ${method.path} into a stream`);
  }
  return call.request;
}

function streamOfRequests(call: ClientCall, method: MethodSpec): AsyncIterable<AnyMessage> {
  if (!call.requestStream) {
    throw new RpcError(Code.INTERNAL, `an interceptor turned the requests of ${method.path} into one request`);
  }
  return call.requests;
}

/**
 * The client function of a method with interceptors. Requests become
 * messages first (interceptors see messages, never plain objects), and any
 * failure, also an interceptor's own, reaches the caller as an `RpcError`.
 */
function interceptedCallFunction(service: ServiceSpec, method: MethodSpec, step: ClientStep, defaults: CallDefaults) {
  const base = (callOptions: CallOptions) => {
    // Interceptors see the options the call runs with, the method's defaults included.
    const options = optionsWithDefaults(callOptions, defaults) ?? callOptions;
    return {
      service,
      method,
      metadata: metadataOf(options),
      options,
      values: options.contextValues ?? createContextValues(),
    };
  };
  const single = (request: unknown, options: CallOptions = {}): ClientCall => ({
    ...base(options),
    requestStream: false,
    request: messageOf(method.input, request),
  });
  const streamed = (requests: AnyRequests, options: CallOptions = {}): ClientCall => ({
    ...base(options),
    requestStream: true,
    requests: messagesOf(method.input, requests),
  });
  switch (method.kind) {
    case "unary":
      return (request: unknown, options?: CallOptions) => oneResponse(step, method, () => single(request, options));
    case "server_streaming":
      return (request: unknown, options?: CallOptions) => responseStream(step, method, () => single(request, options));
    case "client_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        oneResponse(step, method, () => streamed(requests, options));
    case "bidi_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        responseStream(step, method, () => streamed(requests, options));
  }
}

async function oneResponse(step: ClientStep, method: MethodSpec, callOf: () => ClientCall): Promise<AnyMessage> {
  let result: Awaited<ReturnType<ClientStep>>;
  try {
    result = await step(callOf());
  } catch (error) {
    throw RpcError.from(error);
  }
  if (result.responseStream) {
    throw new RpcError(
      Code.INTERNAL,
      `an interceptor of ${method.path} answered a stream; the method has one response`,
    );
  }
  return result.response;
}

/** A stream of responses; as without interceptors, the call (and the chain) starts when iteration starts. */
async function* responseStream(
  step: ClientStep,
  method: MethodSpec,
  callOf: () => ClientCall,
): AsyncGenerator<AnyMessage, void, undefined> {
  let result: Awaited<ReturnType<ClientStep>>;
  try {
    result = await step(callOf());
  } catch (error) {
    throw RpcError.from(error);
  }
  if (!result.responseStream) {
    throw new RpcError(
      Code.INTERNAL,
      `an interceptor of ${method.path} answered one response; the method streams them`,
    );
  }
  try {
    yield* result.responses;
  } catch (error) {
    throw RpcError.from(error);
  }
}

/** The call's request metadata, a copy the interceptors may add to. */
function metadataOf(options: CallOptions): Metadata {
  try {
    const { metadata } = options;
    return metadata === undefined
      ? new Metadata()
      : metadata instanceof Metadata
        ? metadata.clone()
        : toMetadata(metadata);
  } catch (cause) {
    throw RpcError.from(cause, Code.INTERNAL);
  }
}

function messageOf(schema: DescMessage, value: unknown): AnyMessage {
  try {
    return messageFrom(schema, value as MessageInitShape<DescMessage>);
  } catch (cause) {
    throw RpcError.from(cause, Code.INTERNAL);
  }
}

async function* messagesOf(schema: DescMessage, requests: AnyRequests): AsyncGenerator<AnyMessage, void, undefined> {
  for await (const request of requests) {
    yield messageOf(schema, request);
  }
}
