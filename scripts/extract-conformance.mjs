#!/usr/bin/env node
/*
 * Extracts protovalidate's official conformance expectations (Go source in
 * <repo>/../shared/protovalidate-v1.2.2/tools/protovalidate-conformance/internal/cases)
 * into test/conformance/expectations.json. Per case: its suite (the name
 * cases.go registers it under), its name, the Go type of its message, the
 * message itself (its Go literal read into JSON, see scripts/go-literal.mjs),
 * `val` when the message is one string field (the string format test uses it),
 * and the expected result: valid, the violations (field path, rule path, rule
 * id, for_key), a compilation error or a runtime error.
 * Run: node scripts/extract-conformance.mjs [--check]
 * With --check it exits 1 when the committed file differs from a fresh extract.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GoReader, toJson, tokenize, utf8 } from "./go-literal.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the shared protovalidate extract lives, relative to the repository root. */
export const sharedDir = join(root, "..", "shared", "protovalidate-v1.2.2");
const casesDir = join(sharedDir, "tools", "protovalidate-conformance", "internal", "cases");
export const dataFile = join(root, "test", "conformance", "expectations.json");

/** The index just after the brace that closes the one at `open`, skipping Go string literals and comments. */
function closing(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "`") {
      i = text.indexOf("`", i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
    } else if (c === "{") {
      depth++;
    } else if (c === "}" && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`unbalanced braces at ${open}`);
}

/** cases.go's registry: Go suite function -> the suite's name (e.g. stringSuite -> standard_rules/string). */
function suiteNames() {
  const text = readFileSync(join(casesDir, "cases.go"), "utf8");
  return new Map([...text.matchAll(/"([^"]+)":\s*(\w+)\(\),/g)].map((m) => [m[2], m[1]]));
}

const field = (struct, name) => struct.v.find(([k]) => k === name)?.[1];
const text = (x) => (x === undefined || x === null ? undefined : utf8(x.v));

/** A `results.X(...)` call as the expected result. */
function expectation(call) {
  const kind = call.name.slice("results.".length);
  if (kind === "Success") return call.args[0].v ? { valid: true } : { valid: false };
  if (kind === "CompilationError") return { compilationError: text(call.args[0]) };
  if (kind === "RuntimeError") return { runtimeError: text(call.args[0]) };
  if (kind !== "Violations") throw new Error(`unknown expectation results.${kind}`);
  return {
    violations: call.args.map((v) => {
      const path = (name) => {
        const p = field(v, name);
        return p === undefined ? undefined : text(p.args[0]);
      };
      const forKey = field(v, "ForKey");
      return {
        field: path("Field") ?? "",
        ...(path("Rule") === undefined ? {} : { rule: path("Rule") }),
        ruleId: text(field(v, "RuleId")) ?? "",
        ...(forKey?.v === true ? { forKey: true } : {}),
      };
    }),
  };
}

function extractFile(file, names) {
  const source = readFileSync(join(casesDir, file), "utf8");
  const cases = [];
  for (const fn of source.matchAll(/^func (\w+)\(\) suites\.Suite \{/gm)) {
    const open = fn.index + fn[0].length - 1;
    const reader = new GoReader(tokenize(source.slice(open + 1, closing(source, open) - 1)));
    // Statements: `a, _ := expr` / `a := expr` define locals, then `return suites.Suite{...}`.
    let suite;
    while (suite === undefined) {
      if (reader.is("return")) {
        reader.take();
        suite = reader.expr();
        break;
      }
      const name = reader.take().v;
      while (!reader.is(":=") && !reader.is("=")) reader.take();
      reader.take();
      reader.env.set(name, reader.expr());
    }
    const suiteName = names.get(fn[1]);
    if (suiteName === undefined) throw new Error(`${fn[1]} is not registered in cases.go`);
    for (const [key, test] of suite.v) {
      const message = field(test, "Message");
      const json = toJson(message);
      const keys = Object.keys(json).filter((k) => !k.startsWith("@"));
      const val = keys.length === 1 && keys[0] === "Val" && typeof json.Val === "string" ? json.Val : undefined;
      cases.push({
        suite: suiteName,
        name: text(key),
        message: json["@type"],
        input: json,
        ...(val === undefined ? {} : { val }),
        expected: expectation(field(test, "Expected")),
      });
    }
  }
  return cases;
}

/** Every case of the official suite, sorted by suite and name. */
export function extract() {
  const names = suiteNames();
  const files = readdirSync(casesDir).filter((f) => f.startsWith("cases_") && f.endsWith(".go"));
  const cases = files.flatMap((f) => extractFile(f, names));
  // Every case of the Go source has one `Expected:`; a case the reader missed would go untested.
  const written = files.reduce(
    (n, f) => n + (readFileSync(join(casesDir, f), "utf8").match(/\bExpected:/g) ?? []).length,
    0,
  );
  if (cases.length !== written) throw new Error(`extracted ${cases.length} cases, the Go source has ${written}`);
  const suites = new Set(cases.map((c) => c.suite));
  const empty = [...names.values()].filter((s) => !suites.has(s));
  if (empty.length > 0) throw new Error(`no case extracted for the suites ${empty.join(", ")}`);
  const order = (c) => `${c.suite}\u0000${c.name}`;
  cases.sort((a, b) => (order(a) < order(b) ? -1 : 1));
  return { source: "protovalidate v1.2.2, tools/protovalidate-conformance/internal/cases", cases };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(casesDir)) {
    console.error(`extract-conformance: ${casesDir} is absent; it holds protovalidate's conformance expectations`);
    process.exit(1);
  }
  const json = `${JSON.stringify(extract(), null, 1)}\n`;
  if (process.argv.includes("--check")) {
    const same = existsSync(dataFile) && readFileSync(dataFile, "utf8") === json;
    console.log(same ? "expectations.json is up to date" : "expectations.json differs from a fresh extract");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(dataFile, json);
  console.log(`wrote ${dataFile}`);
}
