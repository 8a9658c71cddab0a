import type { DescField, DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition } from "@grpc/grpc-js";
import { Code, RpcError } from "./errors.js";
import type { MethodSpec, ServiceSpec } from "./service.js";

/**
 * Encodes a message, or a plain object to create one from, to the protobuf
 * binary format. The Buffer shares the encoder's memory: nothing is copied.
 */
export function encodeMessage<D extends DescMessage>(schema: D, value: MessageInitShape<D>): Buffer {
  const message = messageFrom(schema, value);
  const bytes = toBinary(schema, message);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The message `value` is, or one created from it as a plain object.
 *
 * protobuf-es's `create` also reads what an init object inherits, so a field
 * whose local name is a member of Object.prototype (`has_own_property` is
 * `hasOwnProperty`) would take Object.prototype's function, and a string
 * field would go on the wire as its source text. For a schema with such a
 * field (here or in a message below), the init objects on the way to it are
 * copied to objects without a prototype first; other schemas pay nothing.
 */
export function messageFrom<D extends DescMessage>(schema: D, value: MessageInitShape<D>): MessageShape<D> {
  if (isMessage(value, schema)) {
    return value;
  }
  return create(schema, (reachesInheritedName(schema) ? ownInit(schema, value) : value) as MessageInitShape<D>);
}

const inheritedNames = new WeakMap<DescMessage, boolean>();

/** Whether a field or oneof of `schema`, or of a message below it, is named like a member of Object.prototype. */
function reachesInheritedName(schema: DescMessage): boolean {
  let found = inheritedNames.get(schema);
  if (found === undefined) {
    found = false;
    // Once per schema, each type below it visited once (the graph may have cycles).
    const seen = new Set<DescMessage>([schema]);
    const todo = [schema];
    for (let desc = todo.pop(); desc !== undefined && !found; desc = todo.pop()) {
      found = desc.members.some((m) => m.localName in Object.prototype);
      for (const field of desc.fields) {
        const below = fieldMessage(field);
        if (below !== undefined && !seen.has(below)) {
          seen.add(below);
          todo.push(below);
        }
      }
    }
    inheritedNames.set(schema, found);
  }
  return found;
}

function fieldMessage(field: DescField): DescMessage | undefined {
  return field.fieldKind === "message"
    ? field.message
    : field.fieldKind === "list" && field.listKind === "message"
      ? field.message
      : field.fieldKind === "map" && field.mapKind === "message"
        ? field.message
        : undefined;
}

type Init = Record<string, unknown>;

/** `init`'s own properties in an object without a prototype, and so on down every message field that needs it. */
function ownInit(schema: DescMessage, init: unknown): unknown {
  if (typeof init !== "object" || init === null || isMessage(init)) {
    return init;
  }
  const out: Init = Object.create(null);
  for (const key of Object.keys(init)) {
    out[key] = (init as Init)[key];
  }
  const below = (field: DescField, value: unknown): unknown => {
    const message = fieldMessage(field);
    if (message === undefined || value == null || !reachesInheritedName(message)) {
      return value;
    }
    if (field.fieldKind === "list" && Array.isArray(value)) {
      return value.map((item) => ownInit(message, item));
    }
    if (field.fieldKind === "map" && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ownInit(message, v)]));
    }
    return ownInit(message, value);
  };
  for (const member of schema.members) {
    const value = out[member.localName];
    if (value == null) {
      continue;
    }
    if (member.kind === "oneof") {
      const selected = value as { case?: unknown; value?: unknown };
      const field = member.fields.find((f) => f.localName === selected.case);
      if (field !== undefined) {
        out[member.localName] = { case: selected.case, value: below(field, selected.value) };
      }
    } else {
      out[member.localName] = below(member, value);
    }
  }
  return out;
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
