import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import fc from "fast-check";
import { getValidator, validate } from "grpckit";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { StringsSchema } from "../golden/validate/gen/rules/v1/rules_pb.js";
import { StringsValidator } from "../golden/validate/gen/rules/v1/rules_validate.js";
import { root } from "../support/codegen.js";
import { messageArb, NOW_SECONDS } from "../validate/arbitraries.js";
import {
  buildMessage,
  type Case,
  caseKey,
  type Generated,
  generateCases,
  grpckitKeys,
  type Outcome,
  onTheWire,
  oracleAnswer,
  runGrpckitCase,
  runOracleCase,
  shared,
  shown,
} from "./harness.js";

/*
 * protovalidate's official conformance suite (extracted by
 * scripts/extract-conformance.mjs from <repo>/../shared/protovalidate-v1.2.2)
 * run through grpckit's generated validators: every case, on the case protos
 * generated with protoc-gen-es and grpckit. The cases grpckit fails are listed
 * in known-failures.json, which must equal the measured failures (a fix and a
 * regression both show); `npm run conformance:update` rewrites it. A user's
 * clone has no shared data: the suite skips.
 */

const present = existsSync(shared);
const update = process.env.CONFORMANCE_UPDATE;
const knownFile = join(root, "test/conformance/known-failures.json");
const oracleFile = join(root, "test/conformance/protovalidate-es-disagreements.json");
const differentialFile = join(root, "test/conformance/differential-known.json");
// The differential run is seeded, so repeatable; GRPCKIT_FC_SEED=<n> and GRPCKIT_FC_RUNS=<n> (per type) explore further.
const seed = Number(process.env.GRPCKIT_FC_SEED ?? 20261205);
const runsPerType = Number(process.env.GRPCKIT_FC_RUNS ?? 16);

if (!present) {
  console.warn(`conformance: skipped, ${shared} is absent (protovalidate's conformance data, present in CI)`);
}

const data = present
  ? (JSON.parse(readFileSync(join(root, "test/conformance/expectations.json"), "utf8")) as { cases: Case[] })
  : { cases: [] };

/** known-failures.json: reason -> the cases (suite/name) failing for it. */
type Listing = Record<string, string[]>;

function readListing(file: string): Listing {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { reasons: Listing }).reasons : {};
}

/**
 * Writes `failures` (case -> derived reason) grouped by reason; a case already
 * listed keeps its (possibly hand-written) reason unless CONFORMANCE_UPDATE=rederive.
 */
function writeListing(file: string, note: string, failures: Map<string, string>): void {
  const old = new Map(Object.entries(readListing(file)).flatMap(([reason, keys]) => keys.map((k) => [k, reason])));
  const reasons: Listing = {};
  for (const [key, derived] of [...failures].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const reason = update === "rederive" ? derived : (old.get(key) ?? derived);
    reasons[reason] = [...(reasons[reason] ?? []), key];
  }
  writeFileSync(file, `${JSON.stringify({ note, reasons }, null, 2)}\n`);
}

/** Whether a case is about CEL: a custom rule, or a violation of a `cel` rule. */
const celCase = (c: Case): boolean =>
  c.suite === "custom_rules" ||
  c.expected.violations?.some((v) => /(^|\.)cel(_expression)?\[/.test(v.rule ?? "") || v.ruleId === "") === true;

/** Why a case fails, derived from its rule family and what grpckit did: the lead regenerates these after merges. */
function reasonFor(c: Case, outcome: Outcome, gen: Generated): string {
  const desc = gen.byGoName.get(c.message);
  if (celCase(c)) return "CEL expressions";
  if (c.suite === "predefined_rules") return "predefined rules";
  if (outcome.got.startsWith("refused:")) {
    if (outcome.got.includes("uses a message of its file that grpckit refuses")) {
      return "grpckit refuses a message of its file it uses";
    }
    // The plugin's refusal names the rule after the field: "..., field val: string.len (2) is ...", "..., field val: cel is ...".
    const rule = /, (?:field [\w.]+|\(buf\.validate\.\w+\)): ([a-z0-9_]+(?:\.[a-z0-9_]+)*)/.exec(outcome.got)?.[1];
    return `grpckit refuses the message at generation${rule === undefined ? "" : ` (${rule})`}`;
  }
  if (c.expected.compilationError !== undefined) return "rule set not refused at generation";
  if (c.expected.runtimeError !== undefined) return "runtime error not raised";
  if (desc !== undefined && gen.unloaded.has(desc.file.name.replace(/\.proto$/, "_validate.ts"))) {
    return "the generated validator module does not load";
  }
  // The message generated without a validator: grpckit read no rule of it (all its rules are outside what it reads).
  if (desc !== undefined && getValidator(desc) === undefined) return "no validator generated for the message";
  if (/Pattern/.test(c.message) || c.expected.violations?.some((v) => v.ruleId.endsWith(".pattern"))) {
    return "RE2 patterns";
  }
  return `differs from the expectation: ${c.suite}`;
}

/** Why grpckit and protovalidate-es disagree on a type, from its cases' suite and rules. */
function differentialReason(typeName: string, sample: string, gen: Generated, cases: readonly Case[]): string {
  // grpckit requires a Timestamp or Duration with rules to be valid (nanos and range; docs/validation.md), protovalidate does not.
  const [ours = "", theirs = ""] = sample.split("; protovalidate-es: ");
  for (const rule of ["timestamp.valid", "duration.valid"]) {
    if (ours.includes(rule) && !theirs.includes(rule))
      return `grpckit's ${rule}: a ${rule.split(".")[0]} out of range or with bad nanos`;
  }
  const desc = [...gen.byGoName.values()].find((d) => d.typeName === typeName) as DescMessage;
  const ofType = cases.filter((c) => gen.byGoName.get(c.message) === desc);
  const suites = [...new Set(ofType.map((c) => c.suite))];
  if (ofType.some(celCase)) return "CEL expressions";
  if (suites.includes("predefined_rules")) return "predefined rules";
  if (getValidator(desc) === undefined) return "no validator generated for the message";
  return `differs: ${suites.join(", ")}`;
}

/** pass/total per suite, as lines. */
function perSuite(results: { c: Case; pass: boolean }[]): string[] {
  const suites = new Map<string, [number, number]>();
  for (const { c, pass } of results) {
    const [p, t] = suites.get(c.suite) ?? [0, 0];
    suites.set(c.suite, [p + (pass ? 1 : 0), t + 1]);
  }
  return [...suites].map(([s, [p, t]]) => `  ${s}: ${p}/${t}`);
}

/** The assertion message when a listing is stale. */
function staleMessage(file: string, added: string[], fixed: string[]): string {
  return (
    `${shown(file)} differs from the measured failures (${added.length} new, ${fixed.length} no longer failing); ` +
    `if that is intended, run \`npm run conformance:update\` and review the diff.\n` +
    `  newly failing: ${added.slice(0, 20).join(", ")}${added.length > 20 ? ", ..." : ""}\n` +
    `  now passing: ${fixed.slice(0, 20).join(", ")}${fixed.length > 20 ? ", ..." : ""}`
  );
}

/** Fails, saying what changed, when `file` does not list exactly the keys of `failures`; `details` explain new ones. */
function compareListing(file: string, failures: Map<string, string>, details?: Map<string, string>): void {
  const listed = new Set(Object.values(readListing(file)).flat());
  const added = [...failures.keys()]
    .filter((k) => !listed.has(k))
    .map((k) => (details?.has(k) ? `${k} (${details.get(k)})` : k));
  const fixed = [...listed].filter((k) => !failures.has(k));
  expect(added.length + fixed.length, staleMessage(file, added, fixed)).toBe(0);
}

/** Conformance messages whose one rule is a string format rules.v1.Strings has a field for. */
const formatFields: Record<string, "email" | "hostname" | "ip" | "ipv4" | "ipv6" | "uri" | "uuid"> = {
  "cases.IsEmail": "email",
  "cases.StringEmail": "email",
  "cases.IsHostname": "hostname",
  "cases.StringHostname": "hostname",
  "cases.IsIp": "ip",
  "cases.StringIP": "ip",
  "cases.StringIPv4": "ipv4",
  "cases.StringIPv6": "ipv6",
  "cases.IsUri": "uri",
  "cases.StringURI": "uri",
  "cases.StringUUID": "uuid",
};

describe.skipIf(!present)("protovalidate conformance", () => {
  let gen: Generated;
  beforeAll(async () => {
    gen = await generateCases();
  }, 120_000);

  it("expectations.json is a fresh extract of the official suite", () => {
    const run = spawnSync(process.execPath, [join(root, "scripts/extract-conformance.mjs"), "--check"], {
      encoding: "utf8",
    });
    expect(run.stdout.trim()).toBe("expectations.json is up to date");
    expect(run.status).toBe(0);
    expect(data.cases.length).toBe(2872);
  });

  it("every case message is built from its Go literal", () => {
    const unbuilt: string[] = [];
    for (const c of data.cases) {
      try {
        buildMessage(gen, c.input);
      } catch (error) {
        unbuilt.push(`${caseKey(c)}: ${(error as Error).message}`);
      }
    }
    expect(unbuilt).toEqual([]);
  });

  it("every case through grpckit's generated validators: the failures are those known-failures.json lists", () => {
    const results = data.cases.map((c) => ({ c, ...runGrpckitCase(gen, c) }));
    const failures = new Map(results.filter((r) => !r.pass).map((r) => [caseKey(r.c), reasonFor(r.c, r, gen)]));
    const passed = results.length - failures.size;
    const byReason = new Map<string, number>();
    for (const reason of failures.values()) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    console.log(
      [
        `conformance: ${passed}/${results.length} cases pass through grpckit's generated validators`,
        ...perSuite(results),
        "failures by reason:",
        ...[...byReason].map(([r, n]) => `  ${r}: ${n}`),
        ...(gen.refused.size === 0
          ? []
          : ["refused at generation:", ...[...gen.refused].map(([m, e]) => `  ${m}: ${e}`)]),
        ...(gen.unloaded.size === 0
          ? []
          : ["validator modules that do not load:", ...[...gen.unloaded].map(([f, e]) => `  ${f}: ${e}`)]),
      ].join("\n"),
    );
    if (update !== undefined) {
      writeListing(
        knownFile,
        "Conformance cases grpckit fails, by reason; `npm run conformance:update` rewrites it.",
        failures,
      );
      return;
    }
    compareListing(
      knownFile,
      failures,
      new Map(results.map((r) => [caseKey(r.c), `grpckit: ${r.got}; expected: ${JSON.stringify(r.c.expected)}`])),
    );
  });

  it("protovalidate-es over the cases: where it disagrees with the official expectations (they win) is listed", () => {
    const oracle = createValidator({ registry: gen.registry });
    const disagreements = new Map<string, string>();
    for (const c of data.cases) {
      const { pass, got } = runOracleCase(gen, oracle, c);
      if (!pass) disagreements.set(caseKey(c), `protovalidate-es: ${got}; expected: ${JSON.stringify(c.expected)}`);
    }
    console.log(
      `conformance: protovalidate-es agrees with ${data.cases.length - disagreements.size}/${data.cases.length} official expectations`,
    );
    if (update !== undefined) {
      writeListing(
        oracleFile,
        "Conformance cases where @bufbuild/protovalidate disagrees with the official expectations (the expectations win); each reason is what it answered.",
        disagreements,
      );
      return;
    }
    compareListing(oracleFile, disagreements);
  });

  it("differential: on random messages of every case type, grpckit answers as protovalidate-es does, but for the types differential-known.json lists", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(Number(NOW_SECONDS) * 1000));
    try {
      const oracle = createValidator({ registry: gen.registry });
      // Types whose rules do not compile have no answer to compare (the cases above check their refusal).
      const broken = new Set(data.cases.filter((c) => c.expected.compilationError !== undefined).map((c) => c.message));
      // A valid message of each type, from the official cases: the random messages vary its fields.
      const baselines = new Map<string, Record<string, unknown>>();
      const types = new Map<string, DescMessage>();
      for (const c of data.cases) {
        const desc = gen.byGoName.get(c.message) as DescMessage;
        if (broken.has(c.message) || gen.refused.has(desc.typeName)) continue;
        types.set(desc.typeName, desc);
        if (c.expected.valid === true && !baselines.has(desc.typeName)) {
          baselines.set(desc.typeName, buildMessage(gen, c.input) as unknown as Record<string, unknown>);
        }
      }
      const answer = (f: () => string[]) => {
        try {
          const keys = f();
          return keys.length === 0 ? "valid" : keys.join("; ");
        } catch (error) {
          return `error (${(error as Error).message})`;
        }
      };
      const disagreements = new Map<string, string>();
      let compared = 0;
      for (const [typeName, desc] of [...types].sort(([a], [b]) => (a < b ? -1 : 1))) {
        for (const drawn of fc.sample(messageArb(desc, baselines), { numRuns: runsPerType, seed }) as Message[]) {
          const message = onTheWire(desc, drawn);
          compared++;
          const ours = answer(() => grpckitKeys(desc, message));
          const theirs = answer(() => {
            const a = oracleAnswer(oracle, desc, message);
            if ("keys" in a) return a.keys;
            throw new Error(a.error);
          });
          // protovalidate-es errors where grpckit cannot (e.g. a CEL runtime error): both must error.
          const same = ours === theirs || (ours.startsWith("error") && theirs.startsWith("error"));
          if (!same && !disagreements.has(typeName)) {
            disagreements.set(typeName, `grpckit: ${ours}; protovalidate-es: ${theirs}`);
          }
        }
      }
      console.log(
        `conformance: differential, ${compared} random messages over ${types.size} types: ` +
          `grpckit and protovalidate-es disagree on ${disagreements.size} types`,
      );
      const reasons = new Map(
        [...disagreements].map(([typeName, sample]) => [
          typeName,
          differentialReason(typeName, sample, gen, data.cases),
        ]),
      );
      if (update !== undefined) {
        writeListing(
          differentialFile,
          "Case message types where grpckit and protovalidate-es answered differently on a seeded random message; `npm run conformance:update` rewrites it.",
          reasons,
        );
        return;
      }
      compareListing(differentialFile, reasons, disagreements);
    } finally {
      vi.useRealTimers();
    }
  });

  it("string format cases pass through grpckit's own format rules (rules.v1.Strings)", () => {
    const runnable = data.cases.filter(
      (c) =>
        c.message in formatFields &&
        c.val !== undefined &&
        (c.expected.valid === true || c.expected.violations !== undefined),
    );
    const failures: string[] = [];
    for (const c of runnable) {
      const field = formatFields[c.message] as string;
      const message = create(StringsSchema, { [field]: c.val });
      const valid = !validate(StringsValidator, message).some((v) => v.field === field);
      if (valid !== (c.expected.valid === true)) failures.push(caseKey(c));
    }
    console.log(`conformance: ${runnable.length - failures.length}/${runnable.length} string format cases passed`);
    expect(runnable.length).toBe(340);
    expect(failures).toEqual([]);
  });
});
