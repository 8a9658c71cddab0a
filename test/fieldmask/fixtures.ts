import { fileURLToPath } from "node:url";
import type { DescField, DescMessage, DescService, Message } from "@bufbuild/protobuf";
import { compileProtos } from "../support/dynamic-service.js";

/*
 * The message types of test/fieldmask/fixtures, compiled with buf at test
 * time: every kind of field a path can meet (oneofs, maps and lists of
 * messages, well-known types, proto2 defaults, a recursive type) and
 * google.api.field_behavior annotations.
 */

export const registry = compileProtos(fileURLToPath(new URL("./fixtures", import.meta.url)));

export function messageType(name: string): DescMessage {
  const desc = registry.getMessage(`masks.v1.${name}`);
  if (desc === undefined) {
    throw new Error(`no message masks.v1.${name}`);
  }
  return desc;
}

export function serviceType(name: string): DescService {
  const desc = registry.getService(`masks.v1.${name}`);
  if (desc === undefined) {
    throw new Error(`no service masks.v1.${name}`);
  }
  return desc;
}

export const Account = messageType("Account");
export const Profile = messageType("Profile");
export const Plain = messageType("Plain");
export const PlainChild = messageType("PlainChild");
export const Legacy = messageType("Legacy");

/** The field `name` of `schema` (proto name). */
export function fieldOf(schema: DescMessage, name: string): DescField {
  const field = schema.fields.find((f) => f.name === name);
  if (field === undefined) {
    throw new Error(`${schema.typeName} has no field ${name}`);
  }
  return field;
}

/** The properties of a message of a type only known at run time. */
export function props(message: Message | undefined): Record<string, unknown> {
  return message as unknown as Record<string, unknown>;
}
