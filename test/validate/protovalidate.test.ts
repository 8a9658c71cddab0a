import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { anyPack, DurationSchema, FieldMaskSchema, TimestampSchema } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import { describe, expect, it } from "vitest";
import type { ZodType } from "zod";
import { CelEvalError } from "../../runtime/validate/cel-ops.js";
import { validate } from "../../runtime/validate/validator.js";
import { ExplicitSchema } from "../golden/protovalidate/gen/pv/v1/explicit_pb.js";
import { ExplicitZod } from "../golden/protovalidate/gen/pv/v1/explicit_validate.js";
import {
  AddressesSchema,
  BytesPatternSchema,
  ExclusiveSchema,
  HolderSchema,
  IgnoreSchema,
  InnerSchema,
  MoreSchema,
  OneofWrappersSchema,
  RangesSchema,
  RequiredSchema,
  type Status,
  StringsSchema,
  WellKnownSchema,
  WrappersSchema,
} from "../golden/protovalidate/gen/pv/v1/pv_pb.js";
import {
  AddressesZod,
  BytesPatternZod,
  ExclusiveZod,
  HolderZod,
  IgnoreZod,
  MoreZod,
  OneofWrappersZod,
  RangesZod,
  RequiredZod,
  StringsZod,
  WellKnownZod,
  WrappersZod,
} from "../golden/protovalidate/gen/pv/v1/pv_validate.js";

/*
 * `buf.validate` rules read directly (test/golden/protovalidate): for each
 * message, the generated validator reports what validate.proto specifies
 * (written out here), and what @bufbuild/protovalidate reports on the same
 * message: the same fields and the same rules (reason = rule id in upper
 * snake case). The zod schema reports the same reasons.
 */

const oracle = createValidator();

/** `path|REASON`, sorted, from protovalidate-es. */
function protovalidateViolations<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string[] {
  const result = oracle.validate(schema, message);
  if (result.kind === "error") throw result.error;
  if (result.kind === "valid") return [];
  return result.violations.map((v) => `${pathToString(v.field)}|${v.ruleId.replace(/\./g, "_").toUpperCase()}`).sort();
}

function grpckitViolations<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): string[] {
  return validate(schema, message)
    .map((v) => `${v.field}|${v.reason}`)
    .sort();
}

function zodReasons(zod: ZodType, message: object): string[] {
  const result = zod.safeParse(message);
  if (result.success) return [];
  return result.error.issues.map((i) => String((i as { params?: { reason?: string } }).params?.reason)).sort();
}

interface Case<Desc extends DescMessage> {
  readonly what: string;
  readonly init: MessageInitShape<Desc>;
  readonly expected: string[];
}

function check<Desc extends DescMessage>(schema: Desc, zod: ZodType, cases: readonly Case<Desc>[]): void {
  describe(schema.typeName, () => {
    for (const { what, init, expected } of cases) {
      it(what, () => {
        const message = create(schema, init);
        const got = grpckitViolations(schema, message);
        expect(got).toEqual([...expected].sort());
        expect(got).toEqual(protovalidateViolations(schema, message));
        expect(zodReasons(zod, message)).toEqual(got.map((v) => v.slice(v.indexOf("|") + 1)).sort());
      });
    }
  });
}

const allRequired = ["scalar", "number", "optional_scalar", "list", "counts", "inner", "a", "status", "both"].map(
  (f) => `${f}|REQUIRED`,
);

const good = {
  scalar: "x",
  number: 6,
  optionalScalar: "",
  list: ["x"],
  counts: { k: 0 },
  inner: { name: "n" },
  choice: { case: "a", value: "ab" },
  status: 1,
  both: "y",
  items: [""],
} as const satisfies MessageInitShape<typeof RequiredSchema>;

check(RequiredSchema, RequiredZod, [
  { what: "required: every kind of field unset is one REQUIRED violation", init: {}, expected: allRequired },
  {
    what: "required: set fields pass, zero values of fields with presence included; items are always set",
    init: good,
    expected: [],
  },
  {
    what: "required: the other rules apply once the field is set",
    init: { ...good, number: 3, list: ["a", "b", "c"], inner: {}, choice: { case: "a", value: "x" } },
    expected: ["number|INT32_GT", "list|REPEATED_MAX_ITEMS", "inner.name|STRING_MIN_LEN", "a|STRING_MIN_LEN"],
  },
  {
    what: "required on a oneof member: the oneof must hold that member",
    init: { ...good, choice: { case: "b", value: "anything" } },
    expected: ["a|REQUIRED"],
  },
  {
    what: "required with IGNORE_ALWAYS asks nothing; with IGNORE_IF_ZERO_VALUE it still refuses the zero value",
    init: { ...good, ignored: "", both: "" },
    expected: ["both|REQUIRED"],
  },
]);

check(IgnoreSchema, IgnoreZod, [
  {
    what: "IGNORE_IF_ZERO_VALUE skips zero values without presence, and checks zeros set on fields with presence",
    init: {
      optionalZero: "",
      implicitZero: "",
      o: { case: "member", value: "" },
      list: [],
      statuses: [0, 1, 7 as Status],
    },
    expected: ["optional_zero|STRING_MIN_LEN", "member|STRING_MIN_LEN", "statuses[2]|ENUM_DEFINED_ONLY"],
  },
  {
    what: "gt_now = false and email = false ask for nothing",
    init: { at: { seconds: 1n }, notEmail: "not an email", implicitZero: "ok" },
    expected: [],
  },
  {
    what: "the rules apply to values that are not zero",
    init: { implicitZero: "x", list: ["one"] },
    expected: ["implicit_zero|STRING_MIN_LEN", "list|REPEATED_MIN_ITEMS"],
  },
]);

check(ExclusiveSchema, ExclusiveZod, [
  {
    what: "message oneof: required with none set; fields it names skip their zero values",
    init: { f: "fff" },
    expected: ["|MESSAGE_ONEOF"],
  },
  {
    what: "message oneof: one set of each passes",
    init: { a: "abc", d: { name: "x" }, f: "fff" },
    expected: [],
  },
  {
    what: "message oneof: two set is a violation of each rule that names them, lists and maps count when not empty",
    init: { a: "abc", b: 1, c: ["x"], d: { name: "x" }, e: { k: "v" }, f: "fff" },
    expected: ["|MESSAGE_ONEOF", "|MESSAGE_ONEOF", "|MESSAGE_ONEOF"],
  },
  {
    what: "a field's own ignore wins over the one a message oneof implies",
    init: { d: {}, a: "", f: "" },
    expected: ["d.name|STRING_MIN_LEN", "f|STRING_MIN_LEN"],
  },
]);

check(HolderSchema, HolderZod, [
  {
    what: "a nested message's own violation has the path of the field that holds it",
    init: { exclusive: { f: "fff" }, list: [{ f: "fff", e: { k: "v" } }, { f: "fff" }] },
    expected: ["exclusive|MESSAGE_ONEOF", "list[1]|MESSAGE_ONEOF"],
  },
]);

check(ExplicitSchema, ExplicitZod, [
  { what: "explicit presence: required means set", init: {}, expected: ["name|REQUIRED"] },
  {
    what: "explicit presence: zero values set are set, and IGNORE_IF_ZERO_VALUE does not skip them",
    init: { name: "", count: 0, kind: 0 },
    expected: ["count|INT32_GT", "kind|ENUM_NOT_IN"],
  },
]);

const inRange = {
  inside: 1,
  outside: 11,
  outsideDouble: 2,
  outsideUint64: 5n,
  outsideTime: { seconds: 101n },
  insideDuration: { seconds: 1n },
  lowerOnly: 1,
} as const satisfies MessageInitShape<typeof RangesSchema>;

check(RangesSchema, RangesZod, [
  { what: "bounds: values inside a range, and outside an exclusive one, pass", init: inRange, expected: [] },
  {
    what: "bounds: values on the wrong side of each break one combined rule",
    init: {
      inside: 0,
      outside: 7,
      outsideDouble: 0.5,
      outsideUint64: 50n,
      outsideTime: { seconds: 75n },
      insideDuration: { seconds: 60n },
      lowerOnly: 0,
    },
    expected: [
      "inside|INT32_GT_LTE",
      "outside|INT32_GT_LT_EXCLUSIVE",
      "outside_double|DOUBLE_GTE_LTE_EXCLUSIVE",
      "outside_uint64|UINT64_GTE_LT_EXCLUSIVE",
      "outside_time|TIMESTAMP_GT_LT_EXCLUSIVE",
      "inside_duration|DURATION_GTE_LT",
      "lower_only|FLOAT_GT",
    ],
  },
  {
    what: "bounds: the bounds of an exclusive range themselves are outside it only where the rule says so",
    init: { ...inRange, outside: 10, outsideDouble: 1, outsideUint64: 10n, outsideTime: { seconds: 50n } },
    expected: [
      "outside|INT32_GT_LT_EXCLUSIVE",
      "outside_uint64|UINT64_GTE_LT_EXCLUSIVE",
      "outside_time|TIMESTAMP_GT_LT_EXCLUSIVE",
    ],
  },
  {
    what: "bounds: NaN breaks every bound of a double, inside or outside",
    init: { ...inRange, outsideDouble: Number.NaN, lowerOnly: Number.NaN },
    expected: ["outside_double|DOUBLE_GTE_LTE_EXCLUSIVE", "lower_only|FLOAT_GT"],
  },
]);

check(WrappersSchema, WrappersZod, [
  { what: "wrappers: unset passes, but a required one", init: {}, expected: ["ratio|REQUIRED"] },
  {
    what: "wrappers: the wrapped scalar's rules apply to the value",
    init: {
      count: 0,
      name: "x",
      flag: false,
      data: new Uint8Array(3),
      big: 21n,
      ratio: Number.POSITIVE_INFINITY,
      zeroOk: 0n,
    },
    expected: [
      "count|INT32_GT",
      "name|STRING_MIN_LEN",
      "flag|BOOL_CONST",
      "data|BYTES_LEN",
      "big|UINT64_GTE_LTE",
      "ratio|DOUBLE_FINITE",
      "zero_ok|INT64_GT",
    ],
  },
  {
    what: "wrappers: valid values pass",
    init: { count: 1, name: "xy", flag: true, data: new Uint8Array(2), big: 10n, ratio: 0.5, zeroOk: 6n },
    expected: [],
  },
]);

const bytes = (...b: number[]) => new Uint8Array(b);
const goodMore = {
  exact: bytes(0x61, 0x62),
  affixes: bytes(1, 5, 9),
  ip: bytes(127, 0, 0, 1),
  ipv4: bytes(10, 0, 0, 1),
  ipv6: new Uint8Array(16),
  uuid: new Uint8Array(16),
  status: 1,
  duration: { seconds: 2n },
  notDuration: { seconds: 4n },
  exactDuration: { seconds: 5n },
  exactTime: { seconds: 100n },
} as const satisfies MessageInitShape<typeof MoreSchema>;

check(MoreSchema, MoreZod, [
  { what: "more rules: values that fit pass", init: goodMore, expected: [] },
  {
    what: "more rules: each rule broken once",
    init: {
      exact: bytes(0x61),
      affixes: bytes(9, 5, 1),
      ip: bytes(1, 2, 3),
      ipv4: new Uint8Array(16),
      ipv6: bytes(1, 2, 3, 4),
      uuid: new Uint8Array(36),
      status: 0,
      duration: { seconds: 3n },
      notDuration: { seconds: 3n },
      exactDuration: { seconds: 5n, nanos: 1 },
      exactTime: { seconds: 101n },
    },
    expected: [
      "exact|BYTES_CONST",
      "affixes|BYTES_PREFIX",
      "affixes|BYTES_SUFFIX",
      "ip|BYTES_IP",
      "ipv4|BYTES_IPV4",
      "ipv6|BYTES_IPV6",
      "uuid|BYTES_UUID",
      "status|ENUM_CONST",
      "duration|DURATION_IN",
      "not_duration|DURATION_NOT_IN",
      "exact_duration|DURATION_CONST",
      "exact_time|TIMESTAMP_CONST",
    ],
  },
  {
    what: "more rules: empty bytes break the formats as their own rule, contains needs its bytes",
    init: { ...goodMore, affixes: bytes(1, 9), ip: bytes(), ipv4: bytes(), ipv6: bytes(), uuid: bytes() },
    expected: [
      "affixes|BYTES_CONTAINS",
      "ip|BYTES_IP_EMPTY",
      "ipv4|BYTES_IPV4_EMPTY",
      "ipv6|BYTES_IPV6_EMPTY",
      "uuid|BYTES_UUID_EMPTY",
    ],
  },
]);

const goodStrings = {
  twoBytes: "é",
  tuuid: "0123456789abcdefABCDEF0123456789",
  ulid: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
  fqn: "buf.validate.FieldRules",
  dotFqn: ".buf.validate._Rules2",
} as const satisfies MessageInitShape<typeof StringsSchema>;

check(StringsSchema, StringsZod, [
  { what: "string formats: values that fit pass", init: goodStrings, expected: [] },
  {
    what: "string formats: empty values are their own rule",
    init: { twoBytes: "ab" },
    expected: [
      "tuuid|STRING_TUUID_EMPTY",
      "ulid|STRING_ULID_EMPTY",
      "fqn|STRING_PROTOBUF_FQN_EMPTY",
      "dot_fqn|STRING_PROTOBUF_DOT_FQN_EMPTY",
    ],
  },
  {
    what: "string formats: values that do not fit",
    init: {
      twoBytes: "abc",
      tuuid: "0123456789abcdef-0123456789abcdef",
      ulid: "81ARZ3NDEKTSV4RRFFQ69G5FAV",
      fqn: "buf..validate",
      dotFqn: "buf.validate",
    },
    expected: [
      "two_bytes|STRING_LEN_BYTES",
      "tuuid|STRING_TUUID",
      "ulid|STRING_ULID",
      "fqn|STRING_PROTOBUF_FQN",
      "dot_fqn|STRING_PROTOBUF_DOT_FQN",
    ],
  },
]);

const goodAddresses = {
  email: "a@example.com",
  uriRef: "../a/b?c#d",
  address: "::1",
  hostAndPort: "[fe80::1%eth0]:443",
  ipWithPrefixlen: "10.1.2.3/8",
  ipv4WithPrefixlen: "192.168.5.21/16",
  ipv6WithPrefixlen: "2001:db8::f1/64",
  ipPrefix: "2001:db8::/32",
  ipv4Prefix: "10.0.0.0/8",
  ipv6Prefix: "::/0",
  headerName: ":authority",
  headerValue: "text/plain;\tq=1",
  looseHeaderName: "a b/c",
  looseHeaderValue: "\u0007",
} as const satisfies MessageInitShape<typeof AddressesSchema>;

check(AddressesSchema, AddressesZod, [
  { what: "network formats: values that fit pass", init: goodAddresses, expected: [] },
  {
    what: "network formats: empty values are their own rule, but for uri_ref and header values",
    init: {},
    expected: [
      "email|STRING_EMAIL_EMPTY",
      "address|STRING_ADDRESS_EMPTY",
      "host_and_port|STRING_HOST_AND_PORT_EMPTY",
      "ip_with_prefixlen|STRING_IP_WITH_PREFIXLEN_EMPTY",
      "ipv4_with_prefixlen|STRING_IPV4_WITH_PREFIXLEN_EMPTY",
      "ipv6_with_prefixlen|STRING_IPV6_WITH_PREFIXLEN_EMPTY",
      "ip_prefix|STRING_IP_PREFIX_EMPTY",
      "ipv4_prefix|STRING_IPV4_PREFIX_EMPTY",
      "ipv6_prefix|STRING_IPV6_PREFIX_EMPTY",
      "header_name|STRING_WELL_KNOWN_REGEX_HEADER_NAME_EMPTY",
      "loose_header_name|STRING_WELL_KNOWN_REGEX_HEADER_NAME_EMPTY",
    ],
  },
  {
    what: "network formats: values that do not fit",
    init: {
      email: "a@b@c",
      uriRef: "a b",
      address: "-a.com",
      hostAndPort: "example.com",
      ipWithPrefixlen: "10.0.0.1",
      ipv4WithPrefixlen: "::1/64",
      ipv6WithPrefixlen: "10.0.0.1/8",
      ipPrefix: "10.0.0.1/8",
      ipv4Prefix: "10.0.0.0/33",
      ipv6Prefix: "2001:db8::1/32",
      headerName: "a b",
      headerValue: "a\u0007b",
      looseHeaderName: "a\r\nb",
      looseHeaderValue: "a\u0000",
    },
    expected: [
      "email|STRING_EMAIL",
      "uri_ref|STRING_URI_REF",
      "address|STRING_ADDRESS",
      "host_and_port|STRING_HOST_AND_PORT",
      "ip_with_prefixlen|STRING_IP_WITH_PREFIXLEN",
      "ipv4_with_prefixlen|STRING_IPV4_WITH_PREFIXLEN",
      "ipv6_with_prefixlen|STRING_IPV6_WITH_PREFIXLEN",
      "ip_prefix|STRING_IP_PREFIX",
      "ipv4_prefix|STRING_IPV4_PREFIX",
      "ipv6_prefix|STRING_IPV6_PREFIX",
      "header_name|STRING_WELL_KNOWN_REGEX_HEADER_NAME",
      "header_value|STRING_WELL_KNOWN_REGEX_HEADER_VALUE",
      "loose_header_name|STRING_WELL_KNOWN_REGEX_HEADER_NAME",
      "loose_header_value|STRING_WELL_KNOWN_REGEX_HEADER_VALUE",
    ],
  },
]);

const duration = anyPack(DurationSchema, create(DurationSchema, { seconds: 1n }));
const timestamp = anyPack(TimestampSchema, create(TimestampSchema, { seconds: 1n }));
const inner = anyPack(InnerSchema, create(InnerSchema, { name: "n" }));
const mask = (...paths: string[]) => create(FieldMaskSchema, { paths });

check(WellKnownSchema, WellKnownZod, [
  { what: "any and field_mask: unset and empty pass", init: { maskItems: [mask()] }, expected: [] },
  {
    what: "any and field_mask: values that fit pass, paths below an `in` path too",
    init: {
      anyIn: inner,
      anyNotIn: duration,
      anyItems: [inner, inner],
      anyValues: { k: duration },
      maskConst: mask("a", "b.c"),
      maskIn: mask("a", "a.x.y", "b.c", "b.c.d"),
      maskNotIn: mask("a", "a.bc", "secrets", "b"),
      maskItems: [mask("a.b")],
    },
    expected: [],
  },
  {
    what: "any and field_mask: each rule broken",
    init: {
      anyIn: timestamp,
      anyNotIn: timestamp,
      anyItems: [inner, duration],
      anyValues: { k: inner },
      maskConst: mask("b.c", "a"),
      maskIn: mask("a", "b"),
      maskNotIn: mask("a.b.c"),
      maskItems: [mask("ab")],
    },
    expected: [
      "any_in|ANY_IN",
      "any_not_in|ANY_NOT_IN",
      "any_items[1]|ANY_IN",
      'any_values["k"]|ANY_NOT_IN',
      "mask_const|FIELD_MASK_CONST",
      "mask_in|FIELD_MASK_IN",
      "mask_not_in|FIELD_MASK_NOT_IN",
      "mask_items[0]|FIELD_MASK_IN",
    ],
  },
  {
    what: "any: an unknown type URL is compared as it is; field_mask: const needs the same paths, not a prefix",
    init: {
      anyIn: { typeUrl: "type.googleapis.com/foo.Bar" },
      maskConst: mask("a"),
      maskNotIn: mask("secret.x"),
    },
    expected: ["any_in|ANY_IN", "mask_const|FIELD_MASK_CONST", "mask_not_in|FIELD_MASK_NOT_IN"],
  },
]);

const text = (s: string) => new TextEncoder().encode(s);

check(BytesPatternSchema, BytesPatternZod, [
  {
    what: "bytes.pattern: UTF-8 text that matches passes",
    init: { word: text("abc"), letters: text("Ωmega"), engine: text("aaa") },
    expected: [],
  },
  {
    what: "bytes.pattern: UTF-8 text that does not match, the empty value included",
    init: { word: text("ab1"), letters: text("a b"), engine: text("ab") },
    expected: ["word|BYTES_PATTERN", "letters|BYTES_PATTERN", "engine|BYTES_PATTERN"],
  },
]);

describe("bytes.pattern on bytes that are not UTF-8", () => {
  const message = create(BytesPatternSchema, { word: new Uint8Array([0x99]), letters: text("a"), engine: text("a") });
  it("is a runtime error of the rule, as protovalidate answers: the validator and the zod schema throw", () => {
    expect(() => validate(BytesPatternSchema, message)).toThrow(CelEvalError);
    expect(() => validate(BytesPatternSchema, message)).toThrow("value must be valid UTF-8 to apply regexp");
    const result = oracle.validate(BytesPatternSchema, message);
    expect(result.kind).toBe("error");
    expect(result.error?.name).toBe("RuntimeError");
    expect(() => BytesPatternZod.safeParse(message)).toThrow(CelEvalError);
  });
});

type Choice = NonNullable<MessageInitShape<typeof OneofWrappersSchema>["choice"]>;
const brokenChoices: [Choice, string][] = [
  [{ case: "count", value: { value: 0 } }, "count|INT32_GT"],
  [{ case: "name", value: { value: "x" } }, "name|STRING_MIN_LEN"],
  [{ case: "ratio", value: { value: 1 } }, "ratio|FLOAT_LT"],
  [{ case: "big", value: { value: 9n } }, "big|INT64_GTE"],
  [{ case: "data", value: { value: text("b") } }, "data|BYTES_PATTERN"],
  [{ case: "flag", value: { value: false } }, "flag|BOOL_CONST"],
];
const validChoices: Choice[] = [
  { case: "count", value: { value: 1 } },
  { case: "name", value: { value: "xy" } },
  { case: "ratio", value: { value: 0.5 } },
  { case: "big", value: { value: 10n } },
  { case: "data", value: { value: text("a") } },
  { case: "flag", value: { value: true } },
];

check(OneofWrappersSchema, OneofWrappersZod, [
  { what: "wrappers in a oneof: unset passes, but a required member", init: {}, expected: ["id|REQUIRED"] },
  {
    what: "wrappers in a oneof: another member of a oneof with a required one is a violation",
    init: { requiredChoice: { case: "other", value: { value: 1 } } },
    expected: ["id|REQUIRED"],
  },
  ...brokenChoices.map(([choice, violation]) => ({
    what: `wrappers in a oneof: ${choice.case}'s rules apply to its value`,
    init: { choice, requiredChoice: { case: "id" as const, value: { value: 101n } } },
    expected: [violation, "id|UINT64_LTE"],
  })),
  ...validChoices.map((choice) => ({
    what: `wrappers in a oneof: a valid ${choice.case} passes`,
    init: { choice, requiredChoice: { case: "id" as const, value: { value: 100n } } },
    expected: [],
  })),
]);
