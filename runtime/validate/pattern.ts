import { RE2JS } from "@bufbuild/re2";

/*
 * The run-time side of `string.pattern`: patterns whose translation into a
 * JavaScript RegExp V8 could backtrack on for longer than linear time (the
 * generator decides, plugin/model/re2-safety.ts) run on @bufbuild/re2, which
 * takes linear time in the input whatever the pattern, with RE2's meaning.
 * Imported statically, so that bundlers see it (it adds under 1 MB of RSS).
 */

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
  const re = RE2JS.compile(pattern);
  return { test: (s) => re.test(s) };
}
