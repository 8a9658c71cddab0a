import type { DescField, DescMessage, JsonObject, JsonValue, Registry } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import type { AnyMessage } from "../../interceptor.js";

/** What a redacted field's value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * A message as protobuf JSON, for a log line, with the value of every field
 * marked `[debug_redact = true]` (the standard `google.protobuf.FieldOptions`
 * option) replaced by {@link REDACTED}, at any depth: in nested messages, in
 * lists and in map values. `registry` resolves `google.protobuf.Any`
 * contents; a message that cannot be written as JSON becomes a short note,
 * never an exception.
 *
 * @example
 * // message LoginRequest { string user = 1; string password = 2 [debug_redact = true]; }
 * redactedJson(LoginRequestSchema, req); // { user: "ada", password: "[REDACTED]" }
 */
export function redactedJson(schema: DescMessage, message: AnyMessage, registry?: Registry): JsonValue {
  let json: JsonValue;
  try {
    json = toJson(schema, message, registry === undefined ? {} : { registry });
  } catch (error) {
    return `[${schema.typeName} not printable: ${error instanceof Error ? error.message : String(error)}]`;
  }
  redact(schema, json);
  return json;
}

/** Whether a field is marked `[debug_redact = true]`. */
export function isRedacted(field: DescField): boolean {
  return field.proto.options?.debugRedact === true;
}

/*
 * Walks the JSON alongside the descriptor. The well-known types have JSON
 * forms of their own (a Timestamp is a string) and no redacted fields, so the
 * walk does not enter them.
 */
function redact(schema: DescMessage, json: JsonValue): void {
  if (!isObject(json) || schema.typeName.startsWith("google.protobuf.")) {
    return;
  }
  for (const field of schema.fields) {
    const key = field.jsonName;
    const value = json[key];
    if (value === undefined) {
      continue;
    }
    if (isRedacted(field)) {
      json[key] = REDACTED;
      continue;
    }
    switch (field.fieldKind) {
      case "message":
        redact(field.message, value);
        break;
      case "list":
        if (field.listKind === "message" && Array.isArray(value)) {
          for (const element of value) {
            redact(field.message, element);
          }
        }
        break;
      case "map":
        if (field.mapKind === "message" && isObject(value)) {
          for (const element of Object.values(value)) {
            if (element !== undefined) {
              redact(field.message, element);
            }
          }
        }
        break;
    }
  }
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
