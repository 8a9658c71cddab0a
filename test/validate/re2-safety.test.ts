import { create } from "@bufbuild/protobuf";
import { RE2JS } from "@bufbuild/re2";
import { validate } from "grpckit";
import { describe, expect, it } from "vitest";
import { re2Safety } from "../../plugin/model/re2.js";
import { PatternsSchema } from "../golden/validate/gen/rules/v1/patterns_pb.js";
import { PatternsValidator } from "../golden/validate/gen/rules/v1/patterns_validate.js";

/*
 * A string.pattern that V8 could backtrack on for longer than linear time
 * runs on @bufbuild/re2 (linear); the rest run natively. The analysis
 * (plugin/model/re2-safety.ts) decides, conservatively: these tables say what
 * it keeps native and what it sends to the engine, and why.
 */

/** Patterns V8 runs in linear time: kept native. */
const native = [
  "^[a-z0-9-]+$",
  "^[A-Z]{3}$",
  "^[A-Z]{2}$",
  "^[a-z][a-z0-9_-]{0,31}$",
  "^\\+[1-9][0-9]{1,14}$",
  "^\\+[0-9]{6,15}$",
  "^[a-z]+(-[a-z]+)*$",
  "(?i)^[a-z0-9]+$",
  "^\\pL+(?: \\pL+)*$",
  "^[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*$",
  "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
  "^[^\\x00-\\x1F]*$",
  "^[\\x00-\\x7F]+$",
  "(?m)^[a-z]{1,8}$",
  "\\* \\\\ \\w",
  "abc",
  "^(?:ab|cd)*$",
  "^(a|ab)c$",
  "",
  // The display name of proto/ecommerce/v1/user.proto: its sets are disjoint by design.
  "^(?:[\\pM\\pZ\\p{Co}\\p{Cn}\\p{Cs}\\x{115F}\\x{1160}\\x{3164}\\x{FFA0}\\x{2800}]|[^\\P{Cf}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}])*(?:[\\pN\\pP]|[^\\P{L}\\x{115F}\\x{1160}\\x{3164}\\x{FFA0}]|[^\\P{S}\\x{2800}])[^\\p{Cc}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]*$",
];

/** Patterns V8 may backtrack on for longer than linear time, with the reason given. */
const engine: [string, string][] = [
  ["^(a|a)*$", "after a the next character may be read by a or by a"],
  ["^(\\w+)*x", "by two routes (nested repetitions)"],
  ["^(\\w+)+$", "by two routes (nested repetitions)"],
  ["^(a*)*$", "a repeated group can match the empty string"],
  ["^(a?){3,}$", "a repeated group can match the empty string"],
  ["^\\w+\\w+$", "after [0-9A-Z_a-z] the next character may be read by [0-9A-Z_a-z] or by [0-9A-Z_a-z]"],
  ["^[a-z]+[a-c]+$", "after [a-z] the next character may be read by [a-z] or by [a-c]"],
  ["^.*foo$", "after [^\\n] the next character may be read by [^\\n] or by f"],
  ["^[^@]+@[^@]+\\.[^@]+$", "may be read by [^@] or by \\."],
  ["^(?:a|ab)*$", "may be read by a or by a"],
  ["^(?:\\d+,)*\\d+x$", "by [0-9] or by [0-9]"],
  ["^(?i)(?:k|\\x{212A})+$", "may be read by"],
  ["^\\pL{2,}\\p{Lu}$", "may be read by"],
  ["^(?:[a-z]{0,4}[a-c]){1,5}$", "may be read by"],
  ["[a-z]+@", "not anchored at the start, with an unbounded repetition"],
  ["[a-z]+$", "not anchored at the start, with an unbounded repetition"],
  ["(?m)^[a-z]+$", "not anchored at the start, with an unbounded repetition"],
  ["a{100}", "one attempt may read 100 characters"],
  ["^(a|a?)(a|a?)(a|a?)(a|a?)(a|a?)$", "too many ambiguous choices outside repetitions"],
];

describe("which RE2 patterns run natively", () => {
  it.each(native)("keeps %j native", (pattern) => {
    expect(re2Safety(pattern)).toEqual({ native: true });
  });

  it.each(engine)("sends %j to @bufbuild/re2: %s", (pattern, reason) => {
    const safety = re2Safety(pattern);
    expect(safety.native).toBe(false);
    expect(safety.native ? "" : safety.reason).toContain(reason);
  });
});

describe("a generated validator with patterns V8 would backtrack on", () => {
  const long = "a".repeat(100_000);
  const cases: [string, Partial<Record<"alternation" | "nested" | "unanchored" | "slug", string>>][] = [
    ["^(a|a)*$ on 100,000 a and a !", { alternation: `${long}!` }],
    ["^(a|a)*$ on 100,000 a", { alternation: long }],
    ["^(\\w+)*x on 100,000 a", { nested: long }],
    ["^(\\w+)*x on 100,000 a and an x", { nested: `${long}x` }],
    ["[a-z]+@ on 100,000 a", { unanchored: long }],
    ["[a-z]+@ on 100,000 a and an @", { unanchored: `${long}@` }],
  ];
  const patterns = { alternation: "^(a|a)*$", nested: "^(\\w+)*x", unanchored: "[a-z]+@", slug: "^[a-z0-9-]+$" };
  const valid = { alternation: "", nested: "x", unanchored: "a@", slug: "a" };

  it.each(cases)("answers %s as RE2 does", (_, fields) => {
    const message = create(PatternsSchema, { ...valid, ...fields });
    const expected = Object.entries(patterns)
      .filter(([field, pattern]) => !RE2JS.compile(pattern).test(message[field as keyof typeof patterns]))
      .map(([field, pattern]) => ({
        field,
        description: `must match the pattern /${pattern}/`,
        reason: "STRING_PATTERN",
      }));
    expect(validate(PatternsValidator, message)).toEqual(expected);
  });

  it("finds the violations a RE2 engine finds (not vacuous)", () => {
    const message = create(PatternsSchema, { alternation: `${long}!`, nested: long, unanchored: long, slug: "A" });
    expect(validate(PatternsValidator, message).map((v) => v.field)).toEqual([
      "alternation",
      "nested",
      "unanchored",
      "slug",
    ]);
  });
});
