import type { DescField, DescMessage, DescOneof, Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { validate } from "grpckit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ZodType } from "zod";
import { LegacySchema } from "../golden/validate/gen/rules/v1/legacy_pb.js";
import { LegacyZod } from "../golden/validate/gen/rules/v1/legacy_validate.js";
import { ModernSchema } from "../golden/validate/gen/rules/v1/modern_pb.js";
import { ModernZod } from "../golden/validate/gen/rules/v1/modern_validate.js";
import {
  BoolsSchema,
  BytesSchema,
  EnumsSchema,
  ItemSchema,
  ListsSchema,
  MapsSchema,
  MessagesSchema,
  NumbersSchema,
  OneofsSchema,
  StringsSchema,
  TimesSchema,
  TreeSchema,
} from "../golden/validate/gen/rules/v1/rules_pb.js";
import {
  BoolsZod,
  BytesZod,
  EnumsZod,
  ItemZod,
  ListsZod,
  MapsZod,
  MessagesZod,
  NumbersZod,
  OneofsZod,
  StringsZod,
  TimesZod,
  TreeZod,
} from "../golden/validate/gen/rules/v1/rules_validate.js";
import { SharedSchema } from "../golden/validate/gen/rules/v1/shared_pb.js";
import { SharedZod } from "../golden/validate/gen/rules/v1/shared_validate.js";
import { messageArb, NOW_SECONDS } from "./arbitraries.js";
import { referenceViolations } from "./reference.js";

/*
 * For random messages of every type of test/golden/validate (which uses every
 * rule), the generated validator reports exactly the violations (path and
 * rule) of an independent reference that reads the rules from the
 * descriptors at run time, and the generated zod schema agrees with both.
 *
 * Runs are seeded, so a run is repeatable; GRPCKIT_FC_SEED=<n> (or "random")
 * and GRPCKIT_FC_RUNS=<n> explore further.
 */

const seedEnv = process.env.GRPCKIT_FC_SEED;
const numRuns = Number(process.env.GRPCKIT_FC_RUNS ?? 400);
const runParameters = seedEnv === "random" ? { numRuns } : { numRuns, seed: Number(seedEnv ?? 20261129) };

const uuid = "123e4567-e89b-12d3-a456-426614174000";
const item = { quantity: 1, sku: "s" };
/** A valid message of each type (init objects): the arbitraries vary their fields. */
const baselines = new Map<string, Record<string, unknown>>([
  [
    "rules.v1.Strings",
    {
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
      uuid,
    },
  ],
  [
    "rules.v1.Bytes",
    {
      len: new Uint8Array([1, 2, 3, 4]),
      minMax: new Uint8Array([1]),
      in: new Uint8Array([1, 2]),
      notIn: new Uint8Array([1]),
    },
  ],
  [
    "rules.v1.Numbers",
    {
      int32: 5,
      int64: 0n,
      uint32: 1,
      uint64: 2n ** 64n - 1n,
      sint32: 1,
      sint64: 0n,
      fixed32: 1,
      fixed64: 1n,
      sfixed32: -7,
      sfixed64: -1n,
      float: 1,
      double: 1,
      inList: 0.5,
      asString: "1",
      ratio: 0.5,
    },
  ],
  ["rules.v1.Enums", { defined: 1, notUnspecified: 1, in: 1, sparse: 10 }],
  ["rules.v1.Bools", { accepted: true }],
  ["rules.v1.Item", item],
  ["rules.v1.Lists", { tags: ["a"], ids: [1n], items: [item] }],
  ["rules.v1.Maps", { labels: { a: "x" } }],
  ["rules.v1.Messages", { requiredItem: item }],
  ["rules.v1.Tree", { name: "t" }],
  ["rules.v1.Oneofs", { contact: { case: "email", value: "a@b.co" } }],
  ["rules.v1.Times", { requiredTime: { seconds: 0n } }],
  ["rules.v1.Shared", { id: uuid }],
  ["rules.v1.Modern", { implicit: "ab" }],
]);

const cases: [DescMessage, ZodType][] = [
  [StringsSchema, StringsZod],
  [BytesSchema, BytesZod],
  [NumbersSchema, NumbersZod],
  [EnumsSchema, EnumsZod],
  [BoolsSchema, BoolsZod],
  [ItemSchema, ItemZod],
  [ListsSchema, ListsZod],
  [MapsSchema, MapsZod],
  [MessagesSchema, MessagesZod],
  [TreeSchema, TreeZod],
  [OneofsSchema, OneofsZod],
  [TimesSchema, TimesZod],
  [SharedSchema, SharedZod],
  [LegacySchema, LegacyZod],
  [ModernSchema, ModernZod],
];

interface ZodIssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly params?: { readonly reason?: string } | undefined;
  readonly issues?: readonly ZodIssueLike[] | undefined;
}

/** A zod issue path (protobuf-es property names, oneof `value`s) as a violation path (proto names, [i], ["key"]). */
function protoPath(desc: DescMessage, message: unknown, path: readonly PropertyKey[]): string {
  const segments: string[] = [];
  let type: DescMessage | undefined = desc;
  let value = message as Record<PropertyKey, unknown> | undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    const oneof: DescOneof | undefined = type?.oneofs.find((o) => o.localName === key);
    if (oneof !== undefined) {
      const chosen = value?.[key] as { case?: string; value?: unknown } | undefined;
      if (path[i + 1] !== "value") {
        segments.push(oneof.name);
        continue;
      }
      i++;
      const member: DescField | undefined = oneof.fields.find((f) => f.localName === chosen?.case);
      segments.push(member?.name ?? `?${key}`);
      value = chosen?.value as Record<PropertyKey, unknown> | undefined;
      type = member?.message;
      continue;
    }
    const field = type?.fields.find((f) => f.localName === key);
    if (field === undefined) {
      segments.push(`?${key}`);
      continue;
    }
    let segment = field.name;
    value = value?.[key] as Record<PropertyKey, unknown> | undefined;
    if ((field.fieldKind === "list" || field.fieldKind === "map") && i + 1 < path.length) {
      const index = path[++i] as string | number;
      const quoted = field.fieldKind === "map" && field.mapKey === 9; /* STRING */
      segment += quoted ? `[${JSON.stringify(index)}]` : `[${String(index)}]`;
      value = value?.[index] as Record<PropertyKey, unknown> | undefined;
    }
    segments.push(segment);
    type = field.message;
  }
  return segments.join(".");
}

function zodViolations(desc: DescMessage, message: Message, issues: readonly ZodIssueLike[]): string[] {
  const out: string[] = [];
  const collect = (issue: ZodIssueLike, base: readonly PropertyKey[]) => {
    const path = [...base, ...issue.path];
    if (issue.code === "invalid_key" && issue.issues !== undefined) {
      for (const inner of issue.issues) collect(inner, path);
      return;
    }
    out.push(`${protoPath(desc, message, path)}|${issue.params?.reason ?? `ZOD_${issue.code}`}`);
  };
  for (const issue of issues) collect(issue, []);
  return out.sort();
}

beforeAll(() => {
  // timestamp lt_now, gt_now and within read the clock: fix it, so that a run is repeatable.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(Number(NOW_SECONDS) * 1000));
});
afterAll(() => {
  vi.useRealTimers();
});

describe("generated validators", () => {
  for (const [schema, zod] of cases) {
    it(`agree with the reference and with zod on random ${schema.typeName} messages`, () => {
      let valid = 0;
      let invalid = 0;
      fc.assert(
        fc.property(messageArb(schema, baselines), (message: Message) => {
          const expected = referenceViolations(schema, message);
          const got = validate(schema, message)
            .map((v) => `${v.field}|${v.reason}`)
            .sort();
          expect(got).toEqual(expected);
          const parsed = zod.safeParse(message);
          expect(parsed.success).toBe(expected.length === 0);
          if (!parsed.success) {
            expect(zodViolations(schema, message, parsed.error.issues as readonly ZodIssueLike[])).toEqual(expected);
          }
          if (expected.length === 0) valid++;
          else invalid++;
        }),
        runParameters,
      );
      // The runs must see both verdicts, or the property says little.
      expect(valid).toBeGreaterThan(numRuns / 50);
      expect(invalid).toBeGreaterThan(numRuns / 50);
    });
  }
});
