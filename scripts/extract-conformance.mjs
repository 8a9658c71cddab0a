#!/usr/bin/env node
/*
 * Extracts protovalidate's official conformance expectations (Go source in
 * <repo>/../shared/protovalidate-v1.2.2/tools/protovalidate-conformance/internal/cases)
 * into test/conformance/expectations.json: per case its suite, name, message
 * type, the message's Go literal, the decoded `Val` when it is one string, and
 * the expected result (valid, the violations' rule ids, or a compilation or
 * runtime error). Run: node scripts/extract-conformance.mjs [--check]
 * With --check it exits 1 when the committed file differs from a fresh extract.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the shared protovalidate extract lives, relative to the repository root. */
export const sharedDir = join(root, "..", "shared", "protovalidate-v1.2.2");
const casesDir = join(sharedDir, "tools", "protovalidate-conformance", "internal", "cases");
export const dataFile = join(root, "test", "conformance", "expectations.json");

/** The index just after the brace that closes the one at `open`, skipping Go string literals. */
function closing(text, open) {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "`") {
      i = text.indexOf("`", i + 1);
    } else if (c === "{") {
      depth++;
    } else if (c === "}" && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`unbalanced braces at ${open}`);
}

/** A Go string literal's bytes, as UTF-8 text, or undefined when they are not UTF-8. */
export function goString(literal) {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  const bytes = [];
  const body = literal.slice(1, -1);
  const utf8 = (s) => bytes.push(...Buffer.from(s, "utf8"));
  const simple = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, "\\": 92, '"': 34, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      const cp = body.codePointAt(i);
      utf8(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
      continue;
    }
    const e = body[++i];
    if (e in simple) {
      bytes.push(simple[e]);
    } else if (e === "x") {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      utf8(String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 1 + n), 16)));
      i += n;
    } else if (/[0-7]/.test(e)) {
      bytes.push(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      throw new Error(`unknown escape \\${e} in ${literal}`);
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

const stringLiteral = /^Val:\s*("(?:[^"\\]|\\.)*"|`[^`]*`),?$/s;

function extractFile(file) {
  const text = readFileSync(join(casesDir, file), "utf8");
  const cases = [];
  const suites = [...text.matchAll(/^func (\w+)\(\) suites\.Suite \{/gm)];
  suites.forEach((suite, s) => {
    const end = suites[s + 1]?.index ?? text.length;
    const body = text.slice(suite.index, end);
    for (const key of body.matchAll(/^\t\t"([^"\n]+)":\s*(?:suites\.Case)?\{/gm)) {
      const open = key.index + key[0].length - 1;
      const block = body.slice(open, closing(body, open));
      const message = /Message:\s*&(?:cases|custom_rules)\.(\w+)\{/.exec(block);
      if (message === null) continue;
      const mOpen = message.index + message[0].length - 1;
      const fields = block.slice(mOpen + 1, closing(block, mOpen) - 1).trim();
      const simple = stringLiteral.exec(fields);
      const val = simple === null ? undefined : goString(simple[1]);
      const expected = /Expected:\s*results\.(\w+)/.exec(block)?.[1];
      const ruleIds = [...block.matchAll(/RuleId:\s*proto\.String\("([^"]+)"\)/g)].map((m) => m[1]);
      cases.push({
        suite: `${suite[1].replace(/Suite$/, "")}`,
        name: key[1],
        message: message[1],
        fields,
        ...(val === undefined ? {} : { val }),
        expected:
          expected === "Success"
            ? "valid"
            : expected === "Violations"
              ? "invalid"
              : expected === "CompilationError"
                ? "compilation-error"
                : "runtime-error",
        ruleIds,
      });
    }
  });
  return cases;
}

/** Every case of the official suite, sorted by suite and name. */
export function extract() {
  const files = readdirSync(casesDir).filter((f) => f.startsWith("cases_") && f.endsWith(".go"));
  const cases = files.flatMap(extractFile);
  cases.sort((a, b) => (a.suite === b.suite ? (a.name < b.name ? -1 : 1) : a.suite < b.suite ? -1 : 1));
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
