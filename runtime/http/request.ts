import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  type MessageShape,
  type Registry,
  ScalarType,
} from "@bufbuild/protobuf";
import { Code, RpcError } from "../errors.js";
import type { HttpBinding } from "./binding.js";
import type { PathBindings } from "./template.js";

/*
 * The request message of an HTTP call, from its three sources as
 * google.api.http defines them: the body (the whole request with `body: "*"`,
 * or one field), the path's variables, and the query parameters for the
 * fields neither binds. All go through protobuf-es's JSON mapping, so a query
 * parameter is spelled as the field's JSON value (an enum by name, an int64
 * as a decimal, a Timestamp in RFC 3339, a FieldMask as `a,b.c`).
 */

/** What a request is made from. */
export interface HttpRequestParts {
  /** The parsed JSON body, or undefined when there is none. */
  readonly body: JsonValue | undefined;
  readonly path: PathBindings;
  readonly query: URLSearchParams;
}

/** How many query parameters a request may carry (each one walks a field path). */
export const MAX_QUERY_PARAMETERS = 1000;

/**
 * Builds the request message of `binding` from `parts`. A value that does not
 * fit its field, an unknown query parameter or field answers INVALID_ARGUMENT.
 */
export function requestOf<D extends DescMessage>(
  schema: D,
  binding: HttpBinding,
  parts: HttpRequestParts,
  registry?: Registry,
): MessageShape<D> {
  let json: JsonObject = {};
  if (binding.body === "*") {
    if (parts.body !== undefined) {
      if (!isObject(parts.body)) {
        throw invalid("the request body must be a JSON object");
      }
      json = parts.body;
    }
  } else if (binding.body !== undefined && parts.body !== undefined) {
    json[binding.body] = parts.body;
  }
  const bound = new Set<string>();
  if (binding.body !== undefined) {
    bound.add(binding.body === "*" ? "" : binding.body);
  }
  for (const [fieldPath] of parts.path) {
    bound.add(fieldPath.join("."));
  }
  // Query parameters for what neither the path nor the body binds; with
  // `body: "*"` the body binds everything, so none apply.
  if (binding.body !== "*") {
    let count = 0;
    for (const [key, value] of parts.query) {
      if (++count > MAX_QUERY_PARAMETERS) {
        throw invalid(`more than ${MAX_QUERY_PARAMETERS} query parameters`);
      }
      const fieldPath = key.split(".");
      if (isBound(bound, fieldPath)) {
        continue;
      }
      setField(schema, json, fieldPath, value, `query parameter ${JSON.stringify(key)}`, true);
    }
  }
  for (const [fieldPath, value] of parts.path) {
    setField(schema, json, fieldPath, value, `path variable {${fieldPath.join(".")}}`, false);
  }
  try {
    return fromJson(schema, json, registry === undefined ? {} : { registry });
  } catch (error) {
    throw invalid(`the request does not fit ${schema.typeName}: ${(error as Error).message}`);
  }
}

/** Whether `fieldPath` or one of its prefixes is bound by the path or the body. */
function isBound(bound: ReadonlySet<string>, fieldPath: readonly string[]): boolean {
  for (let i = 1; i <= fieldPath.length; i++) {
    if (bound.has(fieldPath.slice(0, i).join("."))) return true;
  }
  return false;
}

/** Sets `fieldPath` in `json` to the JSON of `text`; a repeated field collects a query parameter's values. */
function setField(
  schema: DescMessage,
  json: JsonObject,
  fieldPath: readonly string[],
  text: string,
  what: string,
  query: boolean,
): void {
  let message = schema;
  let target = json;
  for (const [i, name] of fieldPath.entries()) {
    const field = findField(message, name);
    if (field === undefined) {
      throw invalid(`${what}: ${message.typeName} has no field ${name}`);
    }
    const existing = target[field.name] ?? target[field.jsonName];
    if (field.jsonName !== field.name) {
      delete target[field.jsonName];
    }
    if (i < fieldPath.length - 1) {
      if (field.fieldKind !== "message") {
        throw invalid(`${what}: ${name} is not a message field`);
      }
      const next: JsonObject = isObject(existing) ? existing : {};
      target[field.name] = next;
      target = next;
      message = field.message;
      continue;
    }
    if (field.fieldKind === "map") {
      throw invalid(`${what}: ${name} is a map field, which a query parameter cannot set`);
    }
    const value = jsonValueOf(field, text, what);
    if (field.fieldKind === "list" && query) {
      target[field.name] = [...(Array.isArray(existing) ? existing : []), value];
    } else if (field.fieldKind === "list") {
      throw invalid(`${what}: ${name} is a repeated field`);
    } else {
      target[field.name] = value;
    }
  }
}

function findField(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((f) => f.name === name) ?? message.fields.find((f) => f.jsonName === name);
}

/** The JSON value of a query or path value for `field`: JSON's own spelling is a string for all but bool and wrappers of bool. */
function jsonValueOf(field: DescField, text: string, what: string): JsonValue {
  const scalar =
    field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar")
      ? field.scalar
      : field.fieldKind === "message" && field.message.typeName === "google.protobuf.BoolValue"
        ? ScalarType.BOOL
        : undefined;
  if (scalar === ScalarType.BOOL) {
    if (text === "true" || text === "false") return text === "true";
    throw invalid(`${what}: ${JSON.stringify(text)} is not true or false`);
  }
  const message =
    field.fieldKind === "message" ? field.message : field.fieldKind === "list" ? field.message : undefined;
  if (message !== undefined && !message.typeName.startsWith("google.protobuf.")) {
    throw invalid(`${what}: ${field.name} is a message (${message.typeName}); set its fields, e.g. ${field.name}.x=`);
  }
  if (message?.typeName === "google.protobuf.FieldMask") {
    // JSON spells a mask's paths in lowerCamelCase; a query parameter may use the .proto's names, as gRPC does.
    return text.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  }
  if (message?.typeName === "google.protobuf.Struct" || message?.typeName === "google.protobuf.Value") {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      throw invalid(`${what}: not JSON`);
    }
  }
  return text;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string): RpcError {
  return new RpcError(Code.INVALID_ARGUMENT, message);
}
