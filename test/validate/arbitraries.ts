import { create, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

/*
 * Random messages of any type, built from its descriptor: each field either
 * keeps the value of a valid baseline message or takes a random one, drawn
 * mostly from values at the edges of the fixture's rules (64-bit limits,
 * NaN and the infinities, astral-plane and lone-surrogate characters, empty
 * versus unset). So a run sees both valid and invalid messages, and each
 * rule on both sides of its edge.
 */

/** The instant the property tests fix `Date.now()` at: 2027-01-15T08:00:00Z. */
export const NOW_SECONDS = 1_800_000_000n;

const strings = [
  "",
  "a",
  "ab",
  "abc",
  "abcd",
  "abcdef",
  "abcdefghijk",
  "fixed",
  "red",
  "blue",
  "admin",
  "root",
  "f",
  "😀",
  "😀😀",
  "a😀",
  "😀😀😀",
  "\ud800",
  "a\udc00b",
  "é",
  "ééé",
  "éééé",
  "abmyz",
  "abxmyz",
  "ab-m-yz",
  "abc-def",
  "a-",
  "A",
  "a@b.co",
  "a@b",
  "a@-b.com",
  "not an email",
  "example.com",
  "example.com.",
  "-bad.com",
  "123",
  "a.123",
  "127.0.0.1",
  "256.1.1.1",
  "01.1.1.1",
  "::1",
  "::",
  "fe80::1%eth0",
  "1::2::3",
  "::ffff:1.2.3.4",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "https://example.com/a?b#c",
  "urn:isbn:0451450523",
  "http://[::1]:80/",
  "http://[fe80::1%25eth0]/",
  "no scheme",
  "http://a b",
  "http://%zz",
  "123e4567-e89b-12d3-a456-426614174000",
  "123E4567-E89B-12D3-A456-426614174000",
  "123e4567e89b12d3a456426614174000",
  "+12345678",
  "+1",
];

const stringArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...strings) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom("a", "b", "m", "y", "z", "x", "-", "😀", "\ud800", "é"),
      maxLength: 7,
    }),
  },
);

const int32Arb = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 3, 4, 5, -5, -7, 99, 100, 101, 1000, 1001, 2147483647, -2147483648),
  fc.integer(),
);
const uint32Arb = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 1000, 1001, 4294967295), fc.nat({ max: 4294967295 }));
const int64Edges = [
  0n,
  1n,
  -1n,
  5n,
  -5n,
  6n,
  -6n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 53n + 2n,
  -(2n ** 53n),
  -(2n ** 53n) - 1n,
  -(2n ** 53n) - 2n,
  2n ** 63n - 1n,
  -(2n ** 63n),
];
const int64Arb = fc.oneof(fc.constantFrom(...int64Edges), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const uint64Arb = fc.oneof(
  fc.constantFrom(0n, 1n, 10n, 100n, 1000n, 10000n, 2n ** 53n + 1n, 2n ** 64n - 2n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
);
const floatArb = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0.5,
    1.25,
    1,
    1.5,
    1.5000001,
    0.1,
    0.10000000149011612,
    0.9,
    0.8999999761581421,
    -1,
    3.4e38,
    1e39,
  ),
  fc.double(),
);
const bytesArb = fc.oneof(
  fc.constantFrom(
    new Uint8Array(0),
    new Uint8Array([1, 2]),
    new Uint8Array([255]),
    new Uint8Array([0]),
    new Uint8Array([1]),
    new Uint8Array([1, 2, 3]),
    new Uint8Array([1, 2, 3, 4]),
  ),
  fc.uint8Array({ maxLength: 5 }),
);
const secondsArb = fc.oneof(
  fc.constantFrom(
    0n,
    -1n,
    1n,
    946684799n,
    946684800n,
    946684801n,
    4102444799n,
    4102444800n,
    4102444801n,
    NOW_SECONDS - 3601n,
    NOW_SECONDS - 3600n,
    NOW_SECONDS - 1n,
    NOW_SECONDS,
    NOW_SECONDS + 1n,
    NOW_SECONDS + 3600n,
    NOW_SECONDS + 3601n,
    -62135596800n,
    253402300799n,
    // Out of a Timestamp's range: only timestamp.valid tells them apart.
    -62135596801n,
    253402300800n,
    30n,
    31n,
    59n,
    60n,
  ),
  fc.bigInt({ min: -62135596800n, max: 253402300799n }),
);
const nanosArb = fc.oneof(
  fc.constantFrom(0, 1, 999_999, 1_000_000, 499_999_999, 500_000_000, 500_000_001, 999_999_999),
  // Invalid for a Timestamp (and, but for -1 with negative seconds, a Duration).
  fc.constantFrom(-1, -999_999_999, 1_000_000_000),
  fc.integer({ min: 0, max: 999_999_999 }),
);
const timeArb = fc.record({ seconds: secondsArb, nanos: nanosArb });

function scalarArb(scalar: ScalarType, asString: boolean): fc.Arbitrary<unknown> {
  switch (scalar) {
    case ScalarType.STRING:
      return stringArb;
    case ScalarType.BYTES:
      return bytesArb;
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return floatArb;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return int32Arb;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return uint32Arb;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return asString ? int64Arb.map(String) : int64Arb;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return asString ? uint64Arb.map(String) : uint64Arb;
  }
}

/** A map key as protobuf-es holds it: a property name. */
function keyArb(scalar: ScalarType): fc.Arbitrary<string> {
  switch (scalar) {
    case ScalarType.STRING:
      return stringArb;
    case ScalarType.BOOL:
      return fc.constantFrom("true", "false");
    default:
      return scalarArb(scalar, false).map(String);
  }
}

type Baselines = ReadonlyMap<string, Record<string, unknown>>;

/** Random messages of `desc`, around the valid baselines (init objects by type name). */
export function messageArb(desc: DescMessage, baselines: Baselines, depth = 3): fc.Arbitrary<Message> {
  return initArb(desc, baselines, depth).map((init) => create(desc, init));
}

const keep = Symbol("keep");

function initArb(desc: DescMessage, baselines: Baselines, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const baseline = baselines.get(desc.typeName) ?? {};
  const members: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    const random =
      member.kind === "oneof"
        ? fc.oneof(
            fc.constant({ case: undefined }),
            ...member.fields.map((f) => valueArb(f, baselines, depth).map((value) => ({ case: f.localName, value }))),
          )
        : fieldArb(member, baselines, depth);
    // About one random member per message: as many valid messages as invalid ones.
    members[member.localName] = fc.oneof(
      { weight: Math.max(2, desc.members.length), arbitrary: fc.constant(keep) },
      { weight: 1, arbitrary: random },
    );
  }
  return fc.record(members).map((drawn) => {
    const init: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(drawn)) {
      const chosen = value === keep ? baseline[name] : value;
      if (chosen !== undefined) {
        init[name] = chosen;
      }
    }
    return init;
  });
}

function fieldArb(field: DescField, baselines: Baselines, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "list":
      return fc.array(valueArb(field, baselines, depth), { maxLength: 4 });
    case "map":
      return fc.dictionary(keyArb(field.mapKey), valueArb(field, baselines, depth), { maxKeys: 3 });
    default: {
      const value = valueArb(field, baselines, depth);
      const explicit = field.fieldKind === "message" || field.presence !== 2; /* IMPLICIT */
      return explicit ? fc.option(value, { nil: undefined }) : value;
    }
  }
}

/** A value of a field's type (an item for lists, a value for maps). */
function valueArb(field: DescField, baselines: Baselines, depth: number): fc.Arbitrary<unknown> {
  if (field.enum !== undefined) {
    const defined = field.enum.values.map((v) => v.number);
    return fc.constantFrom(...defined, -1, 7, 15, 99);
  }
  // protobuf-es holds a singular wrapper field (google.protobuf.Int32Value...) as its value.
  if (field.fieldKind === "message" && isWrapperDesc(field.message)) {
    const inner = field.message.fields[0] as DescField & { fieldKind: "scalar" };
    return scalarArb(inner.scalar, false);
  }
  if (field.message !== undefined) {
    const type = field.message.typeName;
    if (type === "google.protobuf.Timestamp" || type === "google.protobuf.Duration") {
      return type === "google.protobuf.Duration"
        ? fc.record({
            seconds: fc.constantFrom(-1n, 0n, 1n, 29n, 30n, 31n, 59n, 60n, 61n, 315576000000n, -315576000001n),
            nanos: nanosArb,
          })
        : timeArb;
    }
    if (depth <= 0) {
      return fc.constant(baselines.get(type) ?? {});
    }
    const message = field.message;
    return fc.constant(null).chain(() => initArb(message, baselines, depth - 1));
  }
  return scalarArb(
    field.scalar as ScalarType,
    field.fieldKind === "scalar" || field.fieldKind === "list" ? field.longAsString : false,
  );
}
