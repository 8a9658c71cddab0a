import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition } from "@grpc/grpc-js";
import { Code, RpcError } from "./errors.js";
import type { MethodSpec, ServiceSpec } from "./service.js";

/**
 * Encodes a message, or a plain object to create one from, to the protobuf
 * binary format. The Buffer shares the encoder's memory: nothing is copied.
 */
export function encodeMessage<D extends DescMessage>(schema: D, value: MessageInitShape<D>): Buffer {
  const message = isMessage(value, schema) ? value : create(schema, value);
  const bytes = toBinary(schema, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a message from the protobuf binary format. Throws an `RpcError`
 * (`INTERNAL`) that names the message type when the bytes do not decode.
 */
export function decodeMessage<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RpcError(Code.INTERNAL, `cannot decode ${schema.typeName}: ${reason}`, { cause: error });
  }
}

/** The grpc-js definition of one method: requests and responses are protobuf-es messages. */
export type GrpcMethodDefinition<M extends MethodSpec> =
  M extends MethodSpec<infer I, infer O> ? MethodDefinition<MessageShape<I>, MessageShape<O>> : never;

/** The grpc-js definition of a service, keyed by the methods' local names. */
export type GrpcDefinition<S extends ServiceSpec> = {
  readonly [K in keyof S["methods"]]: GrpcMethodDefinition<S["methods"][K]>;
};

const definitions = new WeakMap<ServiceSpec, GrpcDefinition<ServiceSpec>>();

/**
 * The grpc-js `ServiceDefinition` of a generated service, for a plain grpc-js
 * `Server` (`server.addService(definition, impl)`) or
 * `makeGenericClientConstructor`. Built once per service object.
 *
 * Serializers also accept a plain object (a `MessageInitShape`) in place of a
 * message. A request or response that does not decode fails its call with
 * `INTERNAL` (grpc-js catches the decoder's error), never the process.
 *
 * @example
 * const server = new grpc.Server();
 * server.addService(grpcDefinition(UserService), { getUser(call, callback) { ... } });
 */
export function grpcDefinition<S extends ServiceSpec>(service: S): GrpcDefinition<S> {
  let definition = definitions.get(service);
  if (definition === undefined) {
    const entries = Object.entries(service.methods).map(([localName, method]) => [localName, methodDefinition(method)]);
    definition = Object.freeze(Object.fromEntries(entries)) as GrpcDefinition<ServiceSpec>;
    definitions.set(service, definition);
  }
  return definition as GrpcDefinition<S>;
}

function methodDefinition(method: MethodSpec): MethodDefinition<MessageShape<DescMessage>, MessageShape<DescMessage>> {
  const { input, output } = method;
  return {
    path: method.path,
    requestStream: method.kind === "client_streaming" || method.kind === "bidi_streaming",
    responseStream: method.kind === "server_streaming" || method.kind === "bidi_streaming",
    requestSerialize: (value) => encodeMessage(input, value),
    requestDeserialize: (bytes) => decodeMessage(input, bytes),
    responseSerialize: (value) => encodeMessage(output, value),
    responseDeserialize: (bytes) => decodeMessage(output, bytes),
    originalName: method.name,
  };
}
