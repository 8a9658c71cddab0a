import { create, type DescField, type DescMessage, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

/*
 * Random messages and masks of any type, from its descriptor. Values come
 * from small pools that include the zero value of each type, so that "set to
 * zero" and "unset" both occur; nested messages stop at a depth.
 */

type Msg = MessageShape<DescMessage>;

function scalarArb(type: ScalarType): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING:
      return fc.constantFrom("", "a", "bc", "é😀");
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 3 });
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return fc.constantFrom(0, 1.5, -2);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: 0n, max: 5n });
    default:
      return fc.integer({ min: 0, max: 5 });
  }
}

function mapKeyArb(type: ScalarType): fc.Arbitrary<string> {
  return type === ScalarType.STRING ? fc.constantFrom("", "k", "key 2") : fc.constantFrom("0", "1", "7");
}

function valueArb(field: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalarArb(field.scalar);
    case "enum":
      return fc.constantFrom(...field.enum.values.map((v) => v.number));
    case "message":
      if (isWrapperDesc(field.message)) {
        // protobuf-es holds wrapper fields (google.protobuf.StringValue, ...) as their value.
        const value = field.message.fields[0];
        return value?.fieldKind === "scalar" ? scalarArb(value.scalar) : fc.constant(undefined);
      }
      return depth > 0 ? messageArb(field.message, depth - 1) : fc.constant(undefined);
    case "list": {
      const item =
        field.listKind === "message"
          ? messageArb(field.message, Math.max(depth - 1, 0))
          : field.listKind === "enum"
            ? fc.constantFrom(...field.enum.values.map((v) => v.number))
            : scalarArb(field.scalar);
      return fc.array(item, { maxLength: 3 });
    }
    case "map": {
      const value =
        field.mapKind === "message"
          ? messageArb(field.message, Math.max(depth - 1, 0))
          : field.mapKind === "enum"
            ? fc.constantFrom(...field.enum.values.map((v) => v.number))
            : scalarArb(field.scalar);
      return fc.dictionary(mapKeyArb(field.mapKey), value, { maxKeys: 3 });
    }
  }
}

/** Random messages of `desc`, nested `depth` levels at most. */
export function messageArb(desc: DescMessage, depth = 3): fc.Arbitrary<Msg> {
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      members[member.localName] = fc.oneof(
        fc.constant({ case: undefined }),
        ...member.fields.map((field) => valueArb(field, depth).map((value) => ({ case: field.localName, value }))),
      );
    } else {
      members[member.localName] = fc.option(valueArb(member, depth), { nil: undefined });
    }
  }
  return fc.record(members).map((init) => create(desc, init as never) as Msg);
}

/**
 * Every path of `desc` a mask can name, down `depth` levels: each field, and
 * each field of the message fields a path can go into.
 */
export function allPaths(desc: DescMessage, depth = 3, prefix = ""): string[] {
  const out: string[] = [];
  for (const field of desc.fields) {
    const path = `${prefix}${field.name}`;
    out.push(path);
    if (depth > 1 && field.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) {
      out.push(...allPaths(field.message, depth - 1, `${path}.`));
    }
  }
  return out;
}

/** Random masks of `desc`: a few valid paths, in any order, sometimes with JSON names. */
export function maskArb(desc: DescMessage, depth = 3): fc.Arbitrary<string[]> {
  const paths = allPaths(desc, depth);
  return fc.shuffledSubarray(paths, { minLength: 1, maxLength: 5 });
}
