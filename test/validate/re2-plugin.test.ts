import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RE2JS } from "@bufbuild/re2";
import { afterAll, describe, expect, it } from "vitest";
import { requestFor, root, runGrpckit } from "../support/codegen.js";

/*
 * The generated validator and the zod schema test a string.pattern with the
 * one RegExp constant the plugin writes, and that constant matches what RE2
 * matches (re2.test.ts proves the translation; this, that it is what runs).
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-re2-plugin-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** RE2-only syntax, and constructs whose meaning differs between RE2 and JavaScript. */
const patterns = ["^\\s*$", "^\\S+$", "^.$", "(?i)^\\pL+\\z", "^[[:alpha:]]+$", "^\\Q1+1\\E$", "^\\x{41}(?P<n>b)$", ""];

function generated(): string {
  const dir = join(scratch, "proto");
  mkdirSync(join(dir, "pat", "v1"), { recursive: true });
  symlinkSync(join(root, "proto/grpckit"), join(dir, "grpckit"));
  const fields = patterns.map(
    (p, i) => `  string f${i} = ${i + 1} [(grpckit.v1.field).string.pattern = ${JSON.stringify(p)}];`,
  );
  const proto = [
    'syntax = "proto3";',
    "package pat.v1;",
    'import "grpckit/v1/options.proto";',
    "message M {",
    ...fields,
    "}",
    "",
  ];
  writeFileSync(join(dir, "pat", "v1", "p.proto"), proto.join("\n"));
  const out = runGrpckit(requestFor(dir, "target=ts,import_extension=js"));
  const code = out.get("pat/v1/p_validate.ts");
  if (code === undefined) throw new Error(`no p_validate.ts among ${[...out.keys()].join(", ")}`);
  return code;
}

describe("a generated string.pattern check", () => {
  const code = generated();
  const constants = new Map(
    [...code.matchAll(/^const (\$pattern\d+) = (\/.*\/u);$/gm)].map(([, name, literal]) => [
      name as string,
      new Function(`return ${literal}`)() as RegExp,
    ]),
  );

  it("is a RegExp literal per pattern, shared by the validator and the zod schema", () => {
    expect(constants.size).toBe(patterns.length);
    for (const name of constants.keys()) {
      expect(code).toContain(`if (!${name}.test(v))`);
      expect(code).toContain(`${name}.test(v), {`);
    }
  });

  it("matches what RE2 matches", () => {
    const inputs = ["", " ", "\v", "\u3000", "\u2028", "\n", "a", "é", "ÉTÉ\n", "abc", "1+1", "11", "Ab", "\u{1F600}"];
    const byPattern = patterns.map((p, i) => {
      const name = code.match(new RegExp(`const v = m\\.f${i};[^]*?if \\(!(\\$pattern\\d+)\\.test`))?.[1];
      const re = name === undefined ? undefined : constants.get(name);
      if (re === undefined) throw new Error(`no check for f${i}`);
      return [p, re] as const;
    });
    for (const [pattern, re] of byPattern) {
      const oracle = RE2JS.compile(pattern);
      for (const input of inputs) {
        expect(re.test(input), `${JSON.stringify(pattern)} on ${JSON.stringify(input)}`).toBe(oracle.test(input));
      }
    }
  });

  it("describes the rule with the RE2 pattern as written", () => {
    expect(code).toContain('description: "must match the pattern /(?i)^\\\\pL+\\\\z/"');
  });
});
