import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { translateRe2 } from "../../plugin/model/re2.js";
import { root } from "../support/codegen.js";

/*
 * protovalidate's conformance cases of `pattern` rules (string, repeated
 * items, map keys and values, bytes), run through grpckit's translation of
 * the case's RE2 pattern: the case is valid exactly when every string the
 * rule applies to matches. The patterns are read from the case protos, the
 * cases from test/conformance/expectations.json. A user's clone has no shared
 * data: the suite skips.
 */

const shared = join(root, "..", "shared", "protovalidate-v1.2.2");
const casesDir = join(shared, "proto", "protovalidate-testing", "buf", "validate", "conformance", "cases");
const present = existsSync(casesDir);

/** A case as scripts/extract-conformance.mjs writes it (only what this test reads). */
interface Case {
  readonly suite: string;
  readonly name: string;
  /** The case message's full name in its package, e.g. `cases.StringPattern`. */
  readonly message: string;
  /** The message as JSON: `Val` is a string, a list, `{"@bytes": base64}` or `{"@map": [[k, v], ...]}`. */
  readonly input: { readonly Val?: unknown };
  readonly expected: { readonly valid?: true; readonly violations?: unknown[]; readonly runtimeError?: string };
}

type Outcome = "valid" | "invalid" | "compilation-error" | "runtime-error";

const outcomeOf = (c: Case): Outcome =>
  c.expected.valid === true ? "valid" : c.expected.runtimeError !== undefined ? "runtime-error" : "invalid";

/** A proto string literal's text (the escapes the case protos use). */
function protoString(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
}

/** Message name -> [rule path (e.g. `map.keys.string.pattern`), RE2 pattern], for every pattern rule of the case protos. */
function patternRules(): Map<string, [string, string]> {
  const rules = new Map<string, [string, string]>();
  for (const file of readdirSync(casesDir).filter((f) => f.endsWith(".proto"))) {
    const text = readFileSync(join(casesDir, file), "utf8");
    for (const m of text.matchAll(
      /message (\w+) \{([^}]*?)\(buf\.validate\.field\)\.([\w.]*pattern) = ("(?:[^"\\]|\\.)*")/g,
    )) {
      const [, name, , path, literal] = m as unknown as [string, string, string, string, string];
      rules.set(name, [path, protoString(literal)]);
    }
  }
  return rules;
}

if (!present) {
  console.warn(
    `conformance (patterns): skipped, ${casesDir} is absent (protovalidate's conformance data, present in CI)`,
  );
}

describe.skipIf(!present)("protovalidate conformance: pattern rules, in RE2", async () => {
  const { cases } = JSON.parse(readFileSync(join(root, "test", "conformance", "expectations.json"), "utf8")) as {
    cases: Case[];
  };
  const rules = present ? patternRules() : new Map<string, [string, string]>();

  /** The strings of a case the rule applies to; undefined when one is not UTF-8 (bytes). */
  function subjects(c: Case, path: string): (string | undefined)[] {
    const val = c.input.Val;
    if (typeof val === "string") return [val];
    if (Array.isArray(val)) return val as string[];
    const { "@bytes": bytes, "@map": map } = (val ?? {}) as { "@bytes"?: string; "@map"?: [string, string][] };
    if (bytes !== undefined) {
      // Bytes are text only when they decode as UTF-8.
      try {
        return [new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(bytes, "base64"))];
      } catch {
        return [undefined];
      }
    }
    return (map ?? []).map(([k, v]) => (path.startsWith("map.keys") ? k : v));
  }

  const patternCases = cases.filter((c) => rules.has(c.message.replace(/^cases\./, "")));

  it("finds the pattern cases of every suite", () => {
    expect(new Set(patternCases.map((c) => c.suite))).toEqual(
      new Set(["string", "bytes", "repeated", "map"].map((s) => `standard_rules/${s}`)),
    );
    expect(patternCases.length).toBeGreaterThanOrEqual(14);
  });

  it("translates every pattern of the cases", () => {
    for (const [path, pattern] of rules.values())
      expect(translateRe2(pattern), `${path} ${pattern}`).toMatchObject({ ok: true });
  });

  it("gives each case its expected result", () => {
    const results = patternCases.map((c) => {
      const [path, pattern] = rules.get(c.message.replace(/^cases\./, "")) as [string, string];
      const t = translateRe2(pattern);
      if (!t.ok) return { c, got: "compilation-error" };
      const re = new RegExp(t.source, t.flags);
      const values = subjects(c, path);
      // Bytes that are not UTF-8 cannot be matched: protovalidate reports a runtime error.
      if (values.some((v) => v === undefined)) return { c, got: "runtime-error" };
      return { c, got: values.every((v) => re.test(v as string)) ? "valid" : "invalid" };
    });
    const wrong = results
      .filter(({ c, got }) => got !== outcomeOf(c))
      .map(({ c, got }) => `${c.suite}/${c.name}: ${got}, expected ${outcomeOf(c)}`);
    expect(wrong).toEqual([]);
    console.info(`conformance (patterns): ${results.length - wrong.length}/${results.length} cases pass`);
  });
});
