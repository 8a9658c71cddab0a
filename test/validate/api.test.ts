import { create } from "@bufbuild/protobuf";
import { getValidator, validate } from "grpckit";
import { describe, expect, it } from "vitest";
import { LegacySchema } from "../golden/validate/gen/rules/v1/legacy_pb.js";
import { LegacyValidator } from "../golden/validate/gen/rules/v1/legacy_validate.js";
import type { Oneofs, Tree } from "../golden/validate/gen/rules/v1/rules_pb.js";
import {
  MessagesSchema,
  NumbersSchema,
  OneofsSchema,
  PlainSchema,
  StringsSchema,
  TimesSchema,
  TreeSchema,
  UncheckedSchema,
} from "../golden/validate/gen/rules/v1/rules_pb.js";
import {
  ItemValidator,
  MessagesValidator,
  StringsZod,
  TreeValidator,
} from "../golden/validate/gen/rules/v1/rules_validate.js";

/*
 * validate(schema, message) outside RPCs: the violations, with paths and
 * readable descriptions; and the generated forms' edge cases, by example.
 */

const item = { quantity: 1, sku: "s" };

describe("validate", () => {
  it("returns no violations for a valid message, the same frozen empty array each time", () => {
    const message = create(MessagesSchema, { requiredItem: item });
    const first = validate(MessagesSchema, message);
    expect(first).toEqual([]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(validate(MessagesValidator, message)).toBe(first);
  });

  it("returns the violations with paths of proto names, indexes and keys", () => {
    const message = create(MessagesSchema, {
      requiredItem: { quantity: 0, sku: "s" },
      shared: { id: "not-a-uuid" },
      tree: { name: "t", children: [{ name: "c" }, { name: "" }], parent: { name: "" } },
      oneofs: { contact: { case: "item", value: { quantity: 1, sku: "" } } },
    });
    expect(validate(MessagesSchema, message)).toEqual([
      { field: "required_item.quantity", description: "must be greater than 0", reason: "INT32_GT" },
      { field: "shared.id", description: "must be a valid UUID", reason: "STRING_UUID" },
      { field: "tree.children[1].name", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
      { field: "tree.parent.name", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
      { field: "oneofs.item.sku", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
    ]);
  });

  it("returns a fresh array for each invalid message", () => {
    const a = validate(ItemValidator, create(ItemValidator.schema, { quantity: 0, sku: "s" }));
    const b = validate(ItemValidator, create(ItemValidator.schema, { quantity: 1, sku: "" }));
    expect(a.map((v) => v.field)).toEqual(["quantity"]);
    expect(b.map((v) => v.field)).toEqual(["sku"]);
  });

  it("skips a message whose validation is disabled, and fields marked IGNORE_ALWAYS", () => {
    expect(getValidator(UncheckedSchema)).toBeUndefined();
    const message = create(MessagesSchema, {
      requiredItem: item,
      unchecked: { name: "" },
      ignoredItem: { quantity: -5 },
    });
    expect(validate(MessagesSchema, message)).toEqual([]);
  });

  it("refuses a schema without a loaded validator rather than calling its messages valid", () => {
    expect(getValidator(PlainSchema)).toBeUndefined();
    expect(() => validate(PlainSchema, create(PlainSchema))).toThrow(
      "no validator of rules.v1.Plain is loaded: import rules/v1/rules_validate.js",
    );
  });

  it("follows recursive messages as deep as the data goes", () => {
    let tree: Tree = create(TreeSchema, { name: "" });
    for (let i = 0; i < 500; i++) {
      tree = create(TreeSchema, { name: `n${i}`, parent: tree });
    }
    const violations = validate(TreeValidator, tree);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.field).toBe(`${"parent.".repeat(500)}name`);
  });
});

describe("rule semantics, by example", () => {
  it("checks float rules on the 32-bit value the field has on the wire", () => {
    const numbers = (ratio: number) =>
      validate(NumbersSchema, create(NumbersSchema, { ...validNumbers, ratio })).map((v) => v.reason);
    expect(numbers(0.1)).toEqual([]); // 0.1 as a double is below float(0.1), but not as a float
    expect(numbers(0.9)).toEqual(["FLOAT_GTE_LT"]);
    expect(numbers(Number.NaN)).toEqual(["FLOAT_GTE_LT"]);
  });

  it("compares 64-bit values exactly, beyond 2^53", () => {
    const numbers = (int64: bigint) =>
      validate(NumbersSchema, create(NumbersSchema, { ...validNumbers, int64 })).map((v) => v.reason);
    expect(numbers(9007199254740993n)).toEqual([]);
    expect(numbers(9007199254740994n)).toEqual(["INT64_GT_LTE"]);
    expect(numbers(-9007199254740992n)).toEqual([]);
    expect(numbers(-9007199254740993n)).toEqual(["INT64_GT_LTE"]);
  });

  it("counts characters as code points: an emoji is one", () => {
    const strings = (minMaxLen: string) =>
      validate(StringsSchema, create(StringsSchema, { ...validStrings, minMaxLen })).map((v) => v.reason);
    expect(strings("😀😀😀😀😀")).toEqual([]);
    expect(strings("😀😀😀😀😀😀")).toEqual(["STRING_MAX_LEN"]);
    expect(strings("")).toEqual(["STRING_MIN_LEN"]);
  });

  it("tells empty from unset for fields with presence", () => {
    const strings = (init: Record<string, unknown>) =>
      validate(StringsSchema, create(StringsSchema, { ...validStrings, ...init })).map((v) => v.field);
    expect(strings({})).toEqual([]); // `maybe` unset: not checked
    expect(strings({ maybe: "" })).toEqual([]); // set to "", within max_len
    expect(strings({ maybe: "12345" })).toEqual(["maybe"]);
    expect(strings({ ifNotEmpty: "" })).toEqual([]); // IGNORE_IF_ZERO_VALUE
    expect(strings({ ifNotEmpty: "ab" })).toEqual(["if_not_empty"]);
  });

  it("gives IGNORE_IF_ZERO_VALUE no effect on a field with presence: set to zero, it is checked", () => {
    const strings = (init: Record<string, unknown>) =>
      validate(StringsSchema, create(StringsSchema, { ...validStrings, ...init })).map((v) => v.field);
    expect(strings({})).toEqual([]); // proto3 optional, unset
    expect(strings({ maybeZero: "" })).toEqual(["maybe_zero"]);
    expect(strings({ maybeZero: "abc" })).toEqual([]);
    const oneofs = (choice: Oneofs["choice"]) =>
      validate(OneofsSchema, create(OneofsSchema, { contact: { case: "email", value: "a@b.co" }, choice })).map(
        (v) => v.field,
      );
    expect(oneofs({ case: "zeroChecked", value: 0 })).toEqual(["zero_checked"]);
    expect(oneofs({ case: "zeroChecked", value: 1 })).toEqual([]);
    expect(oneofs({ case: "text", value: "" })).toEqual([]);
    const legacy = (init: Record<string, unknown>) =>
      validate(LegacyValidator, create(LegacySchema, { count: 1, ...init })).map((v) => v.field);
    expect(legacy({})).toEqual([]); // proto2 optional, unset
    expect(legacy({ skipZero: 0 })).toEqual(["skip_zero"]);
    expect(legacy({ skipZero: 11 })).toEqual([]);
  });

  it("checks nothing for gt_now = false or lt_now = false but a valid Timestamp", () => {
    const times = (init: Record<string, unknown>) =>
      validate(TimesSchema, create(TimesSchema, { requiredTime: { seconds: 0n }, ...init })).map(
        (v) => `${v.field}: ${v.reason}`,
      );
    const future = { seconds: BigInt(Math.floor(Date.now() / 1000) + 86_400) };
    const past = { seconds: 0n };
    expect(times({ notFuture: future, notPast: past })).toEqual([]);
    expect(times({ notFuture: past, notPast: future })).toEqual([]);
    expect(times({ notFuture: { seconds: 0n, nanos: -1 } })).toEqual(["not_future: TIMESTAMP_VALID"]);
  });

  it("requires a required message, and checks its timestamp rules when it is set", () => {
    const times = (init: Record<string, unknown>) =>
      validate(TimesSchema, create(TimesSchema, init)).map((v) => `${v.field}: ${v.description}`);
    expect(times({})).toEqual(["required_time: is required"]);
    expect(times({ requiredTime: { seconds: 4102444801n } })).toEqual([
      "required_time: must be at or before 2100-01-01T00:00:00Z",
    ]);
    expect(times({ requiredTime: { seconds: 0n }, range: { seconds: 4102444800n, nanos: 500_000_000 } })).toEqual([
      "range: must be at or after 1970-01-01T00:00:00Z and before 2100-01-01T00:00:00.500Z",
    ]);
  });
});

describe("the zod schemas", () => {
  it("take a plain object, a missing field being its zero value, and report issues by property name", () => {
    const parsed = StringsZod.safeParse({ ...validStrings, minMaxLen: undefined, email: "nope" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["minMaxLen", "must be at least 1 character long"],
      ["email", "must be a valid email address"],
    ]);
    expect(StringsZod.safeParse(validStrings).success).toBe(true);
  });

  it("are Standard Schemas", async () => {
    const result = await StringsZod["~standard"].validate({ ...validStrings, uuid: "x" });
    expect("issues" in result && result.issues?.map((i) => i.message)).toEqual(["must be a valid UUID"]);
  });
});

const validStrings = {
  exact: "fixed",
  len: "abc",
  minMaxLen: "ab",
  minMaxBytes: "abc",
  pattern: "abc-def",
  affixes: "abmyz",
  in: "red",
  notIn: "user",
  inMany: "a",
  email: "a@b.co",
  hostname: "example.com",
  ip: "::1",
  ipv4: "1.2.3.4",
  ipv6: "::1",
  uri: "https://example.com/",
  uuid: "123e4567-e89b-12d3-a456-426614174000",
};

const validNumbers = {
  int32: 5,
  uint32: 1,
  uint64: 2n ** 64n - 1n,
  sint32: 1,
  fixed32: 1,
  fixed64: 1n,
  sfixed32: -7,
  sfixed64: -1n,
  float: 1,
  double: 1,
  inList: 0.5,
  asString: "1",
  ratio: 0.5,
};
