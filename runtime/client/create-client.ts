import type { DescMessage } from "@bufbuild/protobuf";
import { grpcDefinition } from "../codec.js";
import type { CallOptions, ClientOf, MethodSpec, RequestStream, ServiceSpec } from "../service.js";
import { callBidiStreaming, callClientStreaming, callServerStreaming, callUnary, type GrpcMethod } from "./calls.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";

/** Options of {@link createClient}; they configure the channel of a string target. */
export type ClientOptions = TransportOptions;

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
 * const users = createClient(UserService, "127.0.0.1:50051");
 * const { user } = await users.getUser({ userId: "u1" }, { timeoutMs: 2000 });
 * closeClient(users);
 */
export function createClient<S extends ServiceSpec>(
  service: S,
  target: string | Transport,
  options: ClientOptions = {},
): ClientOf<S> {
  let transport: Transport;
  let owned: Transport | undefined;
  if (typeof target === "string") {
    transport = createTransport(target, options);
    owned = transport;
  } else {
    if (options.credentials !== undefined || options.channelOptions !== undefined) {
      throw new TypeError("credentials and channelOptions configure a channel: pass them to createTransport()");
    }
    transport = target;
  }
  const definition = grpcDefinition(service) as Record<string, GrpcMethod>;
  const client: Record<string | symbol, unknown> = {};
  for (const [localName, method] of Object.entries(service.methods)) {
    const methodDefinition = definition[localName];
    if (methodDefinition === undefined) {
      throw new Error(`no grpc definition for ${method.path}`);
    }
    Object.defineProperty(client, localName, {
      value: callFunction(transport, method, methodDefinition),
      enumerable: true,
    });
  }
  Object.defineProperty(client, ownTransport, { value: owned });
  return Object.freeze(client) as ClientOf<S>;
}

/**
 * Closes the channel that a client created from a string target: new calls
 * fail with `UNAVAILABLE`, calls under way finish. Does nothing for a client
 * given a {@link Transport}: whoever created the transport closes it.
 */
export function closeClient(client: object): void {
  const transport = (client as { [ownTransport]?: Transport | undefined })[ownTransport];
  transport?.close();
}

type AnyRequests = RequestStream<DescMessage>;

function callFunction(transport: Transport, method: MethodSpec, definition: GrpcMethod) {
  switch (method.kind) {
    case "unary":
      return (request: unknown, options?: CallOptions) => callUnary(transport, definition, request, options);
    case "server_streaming":
      return (request: unknown, options?: CallOptions) => callServerStreaming(transport, definition, request, options);
    case "client_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        callClientStreaming(transport, definition, requests, options);
    case "bidi_streaming":
      return (requests: AnyRequests, options?: CallOptions) =>
        callBidiStreaming(transport, definition, requests, options);
  }
}
