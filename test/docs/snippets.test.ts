import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "../support/codegen.js";
import { repositoryCompilerOptions } from "../support/typecheck.js";
import { ambient, preludes } from "./preludes.js";
import { docSnippets } from "./snippets.js";

/*
 * Every TypeScript block of docs/*.md compiles under the repository's strict
 * options, against the runtime's source and generated-example/ (the blocks
 * import `./gen/...`, which is linked to it). A block that needs context
 * (a `store`, a `logger`) gets a prelude of declarations from preludes.ts.
 * All blocks are checked in one program: one type-check of the runtime.
 */

const snippets = docSnippets(join(root, "docs"));
// Inside the repository: node_modules and package.json's "type": "module" apply.
const dir = mkdtempSync(join(root, "test/docs/.snippets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the TypeScript blocks of docs/*.md", () => {
  it("are found", () => {
    expect(snippets.length).toBeGreaterThan(30);
  });

  it("compile under --strict, each with its prelude", () => {
    symlinkSync(join(root, "generated-example"), join(dir, "gen"));
    writeFileSync(join(dir, "ambient.d.ts"), ambient);
    const used = new Set<string>();
    const files = snippets.map((s, i) => {
      const prelude = (preludes[s.doc] ?? []).find((p) => s.code.includes(p.contains));
      if (prelude !== undefined) used.add(key(s.doc, prelude.contains));
      const name = join(dir, `${s.doc.replace(/\.md$/, "")}-${String(i).padStart(2, "0")}.ts`);
      const head = prelude?.prelude ?? "";
      // `export {}` makes each block a module of its own, so their names do not clash.
      writeFileSync(name, `${head}\n${s.code}\nexport {};\n`);
      return { name, snippet: s, offset: head.split("\n").length };
    });
    const options = repositoryCompilerOptions();
    const program = ts.createProgram([...files.map((f) => f.name), join(dir, "ambient.d.ts")], options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, " ");
      const file = files.find((f) => f.name === d.file?.fileName);
      if (file === undefined || d.file === undefined || d.start === undefined) {
        return `${d.file ? relative(root, d.file.fileName) : "?"}: ${text}`;
      }
      const line = d.file.getLineAndCharacterOfPosition(d.start).line - file.offset;
      const where = line < 0 ? "(prelude)" : `${file.snippet.line + line}`;
      return `docs/${file.snippet.doc}:${where}: ${text}`;
    });
    expect(problems).toEqual([]);
    // A prelude no block uses any more is stale.
    const all = Object.entries(preludes).flatMap(([doc, list]) => list.map((q) => key(doc, q.contains)));
    expect(all.filter((k) => !used.has(k))).toEqual([]);
  });
});

/** A prelude, named in a failure. */
const key = (doc: string, contains: string) => `${doc}: ${JSON.stringify(contains)}`;
