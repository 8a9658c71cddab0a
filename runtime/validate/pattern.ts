import { createRequire } from "node:module";

/*
 * The run-time side of `string.pattern`: patterns whose translation into a
 * JavaScript RegExp V8 could backtrack on for longer than linear time (the
 * generator decides, plugin/model/re2-safety.ts) run on @bufbuild/re2, which
 * takes linear time in the input whatever the pattern, with RE2's meaning.
 * The engine is loaded on first use (its CommonJS build, synchronously), so
 * that an application whose patterns all run natively never loads it
 * (about 9 MB of RSS).
 */

type Re2Module = typeof import("@bufbuild/re2");

let engine: Re2Module | undefined;

/** What a generated pattern check calls: whether the pattern is found in a string. */
export interface PatternTester {
  test(s: string): boolean;
}

/**
 * Compiles an RE2 pattern for @bufbuild/re2 (once, as a module constant of
 * the generated code): `test` searches as RE2's `match` and CEL's `matches`
 * do, in time linear in the input. Throws RE2's error on a pattern it
 * refuses (the generator has already refused those).
 */
export function re2Pattern(pattern: string): PatternTester {
  engine ??= createRequire(import.meta.url)("@bufbuild/re2") as Re2Module;
  const re = engine.RE2JS.compile(pattern);
  return { test: (s) => re.test(s) };
}
