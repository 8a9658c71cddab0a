import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
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

interface Case {
  readonly suite: string;
  readonly name: string;
  readonly message: string;
  readonly fields: string;
  readonly expected: "valid" | "invalid" | "compilation-error" | "runtime-error";
  readonly ruleIds: readonly string[];
}

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

const goStringLiteral = /"(?:[^"\\]|\\.)*"/g;

if (!present) {
  console.warn(
    `conformance (patterns): skipped, ${casesDir} is absent (protovalidate's conformance data, present in CI)`,
  );
}

describe.skipIf(!present)("protovalidate conformance: pattern rules, in RE2", async () => {
  const { goString } = (await import(pathToFileURL(join(root, "scripts", "extract-conformance.mjs")).href)) as {
    goString: (literal: string) => string | undefined;
  };
  const { cases } = JSON.parse(readFileSync(join(root, "test", "conformance", "expectations.json"), "utf8")) as {
    cases: Case[];
  };
  const rules = present ? patternRules() : new Map<string, [string, string]>();

  /** The strings of a case the rule applies to; undefined when one is not UTF-8 (bytes). */
  function subjects(c: Case, path: string): (string | undefined)[] {
    if (c.suite === "bytes" && /\[\]byte\{/.test(c.fields)) {
      // Bytes as numbers: not text unless they decode.
      const bytes = [...c.fields.matchAll(/0x([0-9a-fA-F]{2})/g)].map(([, h]) => Number.parseInt(h as string, 16));
      const decoded = new TextDecoder("utf-8", { fatal: true });
      try {
        return [decoded.decode(new Uint8Array(bytes))];
      } catch {
        return [undefined];
      }
    }
    if (path.startsWith("map.")) {
      const pairs = [...c.fields.matchAll(/("(?:[^"\\]|\\.)*")\s*:\s*("(?:[^"\\]|\\.)*")/g)];
      return pairs.map(([, k, v]) => goString((path.startsWith("map.keys") ? k : v) as string));
    }
    return [...c.fields.matchAll(goStringLiteral)].map(([lit]) => goString(lit));
  }

  const patternCases = cases.filter((c) => rules.has(c.message));

  it("finds the pattern cases of every suite", () => {
    expect(new Set(patternCases.map((c) => c.suite))).toEqual(new Set(["string", "bytes", "repeated", "map"]));
    expect(patternCases.length).toBeGreaterThanOrEqual(14);
  });

  it("translates every pattern of the cases", () => {
    for (const [path, pattern] of rules.values())
      expect(translateRe2(pattern), `${path} ${pattern}`).toMatchObject({ ok: true });
  });

  it("gives each case its expected result", () => {
    const results = patternCases.map((c) => {
      const [path, pattern] = rules.get(c.message) as [string, string];
      const t = translateRe2(pattern);
      if (!t.ok) return { c, got: "compilation-error" };
      const re = new RegExp(t.source, t.flags);
      const values = subjects(c, path);
      // Bytes that are not UTF-8 cannot be matched: protovalidate reports a runtime error.
      if (values.some((v) => v === undefined)) return { c, got: "runtime-error" };
      return { c, got: values.every((v) => re.test(v as string)) ? "valid" : "invalid" };
    });
    const wrong = results
      .filter(({ c, got }) => got !== c.expected)
      .map(({ c, got }) => `${c.suite}/${c.name}: ${got}, expected ${c.expected}`);
    expect(wrong).toEqual([]);
    console.info(`conformance (patterns): ${results.length - wrong.length}/${results.length} cases pass`);
  });
});
