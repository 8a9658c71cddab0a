/*
 * CEL types as the CEL compiler sees them, with how protobuf-es holds each
 * value at run time: an int or uint is a JavaScript number when it comes from
 * a 32-bit field (or is small), a bigint otherwise.
 */

import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { DurationSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { CelValueShape } from "../../../runtime/validate/cel.js";

/** How an int or uint is held: `num` (a safe integer number) or `big` (a bigint). */
export type IntRepr = "num" | "big";

/** A CEL type, with the JavaScript representation of its values in generated code. */
export type CelT =
  | { readonly k: "int" | "uint"; readonly r: IntRepr }
  | { readonly k: "double" | "bool" | "string" | "bytes" | "null" | "dyn" | "timestamp" | "duration" }
  | { readonly k: "list"; readonly e: CelT }
  | { readonly k: "map"; readonly key: CelT; readonly v: CelT }
  | { readonly k: "msg"; readonly desc: DescMessage }
  /** A google.protobuf wrapper field (protobuf-es unboxes it: the value or undefined). */
  | { readonly k: "wrapper"; readonly v: CelT }
  /** A message CEL treats specially (Any, Struct, Value, ...): only the fallback reads it. */
  | { readonly k: "opaque"; readonly name: string };

export const DYN: CelT = { k: "dyn" };
export const BOOL: CelT = { k: "bool" };
export const STRING: CelT = { k: "string" };
export const DOUBLE: CelT = { k: "double" };
export const BYTES: CelT = { k: "bytes" };

/** The CEL name of a type, for error messages. */
export function typeName(t: CelT): string {
  switch (t.k) {
    case "list":
      return `list(${typeName(t.e)})`;
    case "map":
      return `map(${typeName(t.key)}, ${typeName(t.v)})`;
    case "msg":
      return t.desc.typeName;
    case "wrapper":
      return `wrapper(${typeName(t.v)})`;
    case "opaque":
      return t.name;
    case "timestamp":
      return "google.protobuf.Timestamp";
    case "duration":
      return "google.protobuf.Duration";
    default:
      return t.k;
  }
}

/** Whether two types are the same CEL type (representations aside). */
export function sameType(a: CelT, b: CelT): boolean {
  if (a.k !== b.k) {
    return false;
  }
  switch (a.k) {
    case "list":
      return sameType(a.e, (b as typeof a).e);
    case "map":
      return sameType(a.key, (b as typeof a).key) && sameType(a.v, (b as typeof a).v);
    case "msg":
      return a.desc.typeName === (b as typeof a).desc.typeName;
    case "wrapper":
      return sameType(a.v, (b as typeof a).v);
    case "opaque":
      return a.name === (b as typeof a).name;
    default:
      return true;
  }
}

/** The CEL type of a protobuf scalar. */
export function scalarType(scalar: ScalarType): CelT {
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { k: "int", r: "num" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { k: "int", r: "big" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { k: "uint", r: "num" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { k: "uint", r: "big" };
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return DOUBLE;
    case ScalarType.BOOL:
      return BOOL;
    case ScalarType.STRING:
      return STRING;
    case ScalarType.BYTES:
      return BYTES;
  }
}

const wrappers: Record<string, CelT> = {
  "google.protobuf.Int32Value": { k: "int", r: "num" },
  "google.protobuf.Int64Value": { k: "int", r: "big" },
  "google.protobuf.UInt32Value": { k: "uint", r: "num" },
  "google.protobuf.UInt64Value": { k: "uint", r: "big" },
  "google.protobuf.FloatValue": DOUBLE,
  "google.protobuf.DoubleValue": DOUBLE,
  "google.protobuf.BoolValue": BOOL,
  "google.protobuf.StringValue": STRING,
  "google.protobuf.BytesValue": BYTES,
};

/** The inner type of a wrapper message, or undefined when `desc` is not one. */
export function wrapperInner(desc: DescMessage): CelT | undefined {
  return wrapperInnerByName(desc.typeName);
}

/** The inner type of the wrapper message of that full name, or undefined. */
export function wrapperInnerByName(typeName: string): CelT | undefined {
  return Object.hasOwn(wrappers, typeName) ? wrappers[typeName] : undefined;
}

/** The CEL type of a message, as a field value or as `this` of message rules. */
export function messageType(desc: DescMessage): CelT {
  if (desc.typeName === "google.protobuf.Timestamp") {
    return { k: "timestamp" };
  }
  if (desc.typeName === "google.protobuf.Duration") {
    return { k: "duration" };
  }
  if (desc.typeName.startsWith("google.protobuf.")) {
    return { k: "opaque", name: desc.typeName };
  }
  return { k: "msg", desc };
}

function singular(
  field: DescField,
  desc: DescMessage | undefined,
  scalar: ScalarType | undefined,
  boxed: boolean,
): CelT {
  if (desc !== undefined) {
    const inner = wrapperInner(desc);
    if (inner !== undefined) {
      // protobuf-es unboxes a singular wrapper field; list and map values stay messages.
      return boxed ? { k: "opaque", name: desc.typeName } : { k: "wrapper", v: inner };
    }
    return messageType(desc);
  }
  if (scalar === undefined) {
    return { k: "int", r: "num" }; // an enum: its number
  }
  if ("longAsString" in field && field.longAsString && (scalar === ScalarType.INT64 || scalar === ScalarType.UINT64)) {
    return { k: "opaque", name: "int64 as string" };
  }
  return scalarType(scalar);
}

/**
 * The CEL type of a field's whole value: a list for a repeated field, a map
 * for a map field. The type of `this` for the field's own CEL rules.
 */
export function fieldType(field: DescField): CelT {
  switch (field.fieldKind) {
    case "scalar":
      return singular(field, undefined, field.scalar, false);
    case "enum":
      return singular(field, undefined, undefined, false);
    case "message":
      return singular(field, field.message, undefined, false);
    case "list": {
      const e =
        field.listKind === "message"
          ? singular(field, field.message, undefined, true)
          : singular(field, undefined, field.listKind === "scalar" ? field.scalar : undefined, true);
      return { k: "list", e };
    }
    case "map": {
      const v =
        field.mapKind === "message"
          ? singular(field, field.message, undefined, true)
          : singular(field, undefined, field.mapKind === "scalar" ? field.scalar : undefined, true);
      return { k: "map", key: scalarType(field.mapKey), v };
    }
  }
}

/**
 * The type of `this` in a field's own rules (buf.validate.field's `cel`,
 * and predefined rules): the field's value, a wrapper as its inner value
 * (the rules apply only when it is set).
 */
export function fieldRuleType(field: DescField): CelT {
  const t = fieldType(field);
  return t.k === "wrapper" ? t.v : t;
}

/**
 * The CEL type of one element of a repeated or map field: `item` (a list's
 * element), `key` or `value` (a map's). The type of `this` for the rules of
 * `repeated.items`, `map.keys` and `map.values`. A wrapper element is its
 * inner type: the caller passes the wrapper's `.value`.
 */
export function elementType(field: DescField, part: "item" | "key" | "value"): CelT {
  const whole = fieldType(field);
  const t = whole.k === "list" ? whole.e : whole.k === "map" ? (part === "key" ? whole.key : whole.v) : whole;
  if (t.k === "opaque" && field.message !== undefined) {
    return wrapperInner(field.message) ?? t;
  }
  return t;
}

/**
 * The run-time shape (`CelValueShape` of "grpckit/cel") of a value of type
 * `t`, for the fallback's `celProgram`: what the emitter writes beside a
 * fallback expression (a message as its schema).
 */
export function shapeOf(t: CelT, desc?: DescMessage): CelValueShape {
  switch (t.k) {
    case "int":
    case "uint":
      return t.k;
    case "double":
    case "bool":
    case "string":
    case "bytes":
      return t.k;
    case "list":
      return { list: shapeOf(t.e, desc) };
    case "map": {
      const key = t.key.k;
      if (key !== "int" && key !== "uint" && key !== "bool" && key !== "string") {
        throw new Error(`a map key of type ${typeName(t.key)}`);
      }
      return { map: [key, shapeOf(t.v, desc)] };
    }
    case "msg":
      return t.desc;
    case "wrapper":
      return shapeOf(t.v, desc);
    case "timestamp":
      return TimestampSchema;
    case "duration":
      return DurationSchema;
    default:
      if (desc === undefined) {
        throw new Error(`the run-time shape of ${typeName(t)} needs its message descriptor`);
      }
      return desc;
  }
}
