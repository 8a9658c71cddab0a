import { type DescField, type DescMessage, isFieldSet, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { type FieldViolation, mapEntryPath } from "../status-details.js";
import { isRequired } from "./field-behavior.js";
import { isWellKnownType } from "./paths.js";

/*
 * REQUIRED fields (google.api.field_behavior) of requests: each must be set,
 * in the request and in every message of it that is set, e.g. the resource
 * of a create. Inside the resource of an update, a partial resource, they are
 * not checked here: the update mask decides (see update-mask.ts).
 */

/**
 * Appends the violations of one message; `prefix` is its path from the
 * request, with a trailing dot. Stops going through lists and maps once
 * `out` holds `limit` violations.
 */
type Check = (message: Raw, out: FieldViolation[], prefix: string, limit: number) => void;
type Raw = Record<string, unknown>;

const violation = (field: string): FieldViolation => ({ field, description: "is required", reason: "REQUIRED" });

/**
 * The check of the REQUIRED fields of a request type, or undefined when it
 * reaches none. `skip` is a field of the request not to go into (the
 * resource of an update); it is still checked itself if it is REQUIRED.
 * The check stops soon after it found `limit` violations (default: all).
 */
export function requiredCheck(
  schema: DescMessage,
  skip?: DescField,
): ((message: MessageShape<DescMessage>, limit?: number) => FieldViolation[]) | undefined {
  const reaching = typesReachingRequired(schema);
  if (!reaching.has(schema)) {
    return undefined;
  }
  const checks = new Map<DescMessage, Check>();
  const checkOf = (desc: DescMessage, top: boolean): Check => {
    const known = top ? undefined : checks.get(desc);
    if (known !== undefined) {
      return known;
    }
    const required = desc.fields.filter(isRequired);
    const nested: { field: DescField; check: Check }[] = [];
    // Registered before its fields are compiled, so that a recursive type finds itself.
    const check: Check = (message, out, prefix, limit) => {
      for (const field of required) {
        if (!isFieldSet(message as unknown as MessageShape<DescMessage>, field)) {
          out.push(violation(`${prefix}${field.name}`));
        }
      }
      for (const { field, check: inner } of nested) {
        checkValues(field, message, out, prefix, inner, limit);
      }
    };
    if (!top) {
      checks.set(desc, check);
    }
    for (const field of desc.fields) {
      const type = messageOf(field);
      if (type !== undefined && reaching.has(type) && !(top && field === skip)) {
        nested.push({ field, check: checkOf(type, false) });
      }
    }
    return check;
  };
  const ownRequired = schema.fields.some(isRequired);
  const goesDeeper = schema.fields.some((field) => {
    const type = messageOf(field);
    return type !== undefined && reaching.has(type) && field !== skip;
  });
  if (!ownRequired && !goesDeeper) {
    return undefined;
  }
  const root = checkOf(schema, true);
  return (message, limit = Number.POSITIVE_INFINITY) => {
    const out: FieldViolation[] = [];
    root(message as unknown as Raw, out, "", limit);
    return out;
  };
}

function checkValues(
  field: DescField,
  message: Raw,
  out: FieldViolation[],
  prefix: string,
  check: Check,
  limit: number,
): void {
  if (field.oneof !== undefined) {
    const value = message[field.oneof.localName] as { case: string | undefined; value?: unknown };
    if (value.case === field.localName) {
      check(value.value as Raw, out, `${prefix}${field.name}.`, limit);
    }
    return;
  }
  const value = message[field.localName];
  if (value === undefined) {
    return;
  }
  switch (field.fieldKind) {
    case "message":
      check(value as Raw, out, `${prefix}${field.name}.`, limit);
      break;
    case "list": {
      const items = value as Raw[];
      for (let i = 0; i < items.length && out.length < limit; i++) {
        check(items[i] as Raw, out, `${prefix}${field.name}[${i}].`, limit);
      }
      break;
    }
    case "map": {
      const quoted = field.mapKey === ScalarType.STRING;
      for (const key in value as Record<string, Raw>) {
        if (out.length >= limit) {
          break;
        }
        const item = (value as Record<string, Raw>)[key] as Raw;
        check(item, out, `${prefix}${mapEntryPath(field.name, key, quoted)}.`, limit);
      }
      break;
    }
  }
}

/** The message type of a message field, list of messages or map of messages (not well-known types). */
function messageOf(field: DescField): DescMessage | undefined {
  const type =
    field.fieldKind === "message"
      ? field.message
      : field.fieldKind === "list" && field.listKind === "message"
        ? field.message
        : field.fieldKind === "map" && field.mapKind === "message"
          ? field.message
          : undefined;
  return type === undefined || isWellKnownType(type) ? undefined : type;
}

const reachingCache = new WeakMap<DescMessage, ReadonlySet<DescMessage>>();

/** The types reachable from `schema` (itself included) that have, or hold a type with, a REQUIRED field. */
function typesReachingRequired(schema: DescMessage): ReadonlySet<DescMessage> {
  const cached = reachingCache.get(schema);
  if (cached !== undefined) {
    return cached;
  }
  const all: DescMessage[] = [];
  const seen = new Set<DescMessage>();
  const visit = (desc: DescMessage) => {
    if (seen.has(desc)) return;
    seen.add(desc);
    all.push(desc);
    for (const field of desc.fields) {
      const type = messageOf(field);
      if (type !== undefined) visit(type);
    }
  };
  visit(schema);
  const reaching = new Set(all.filter((desc) => desc.fields.some(isRequired)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const desc of all) {
      if (!reaching.has(desc) && desc.fields.some((f) => reaching.has(messageOf(f) as DescMessage))) {
        reaching.add(desc);
        changed = true;
      }
    }
  }
  reachingCache.set(schema, reaching);
  return reaching;
}
