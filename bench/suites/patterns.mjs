// The cost of RE2 semantics for string.pattern (part of the validate suite):
// tests per second of one valid input by the RegExp grpckit generates (the
// RE2 pattern translated at generation time, plugin/model/re2.ts), by
// @bufbuild/re2 (the engine protovalidate-es runs patterns with), and by the
// pattern as written compiled as a JavaScript RegExp with the u flag (what
// grpckit did before: faster or not, it means something else, or does not
// compile). See bench/README.md.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { RE2JS } from "@bufbuild/re2";
import { build } from "esbuild";

/** Patterns whose translation differs from the text, and one that stays as written; a valid input each. */
const cases = [
  ["currency code", "^[A-Z]{3}$", "EUR"],
  ["conformance (?i)", "(?i)^[a-z0-9]+$", "Foo123"],
  ["\\S and .", "^\\S+ .{1,64}$", "Ada Lovelace"],
  ["\\pL", "^\\pL+(?: \\pL+)*$", "Ada Lovelace"],
  [
    "display name (proto/ecommerce/v1/user.proto)",
    "^(?:[\\pM\\pZ\\p{Co}\\p{Cn}\\p{Cs}\\x{115F}\\x{1160}\\x{3164}\\x{FFA0}\\x{2800}]|[^\\P{Cf}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}])*(?:[\\pN\\pP]|[^\\P{L}\\x{115F}\\x{1160}\\x{3164}\\x{FFA0}]|[^\\P{S}\\x{2800}])[^\\p{Cc}\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}]*$",
    "Ada Lovelace",
  ],
];

/** The translator, bundled from its TypeScript source into bench/.build. */
async function translator(root) {
  const outfile = join(root, "bench/.build/re2.mjs");
  mkdirSync(join(root, "bench/.build"), { recursive: true });
  await build({
    entryPoints: [join(root, "plugin/model/re2.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    external: ["@bufbuild/re2"],
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

/**
 * Patterns V8 would backtrack on (the generated check runs them on
 * @bufbuild/re2, plugin/model/re2-safety.ts decides), each with a valid input
 * and an adversarial one: the engine on a long adversarial input, and the
 * translated RegExp natively on the longest one it finishes in a second or so
 * (the lengths differ: the native cost grows exponentially or quadratically).
 */
const adversarial = [
  ["(a|a)*", "^(a|a)*$", "aaaa", (n) => `${"a".repeat(n)}!`, 100_000, 24],
  ["(\\w+)*x", "^(\\w+)*x", "abcx", (n) => "a".repeat(n), 100_000, 24],
  ["[a-z]+@ unanchored", "[a-z]+@", "ada@", (n) => "a".repeat(n), 100_000, 10_000],
];

/** Rows for the engine path: valid input, engine vs native; adversarial input, engine vs native. */
async function enginePathRows({ root, translateRe2, re2Safety, rows, progress, quick, nsPerCall }) {
  const { re2Pattern } = await import(pathToFileURL(join(root, "dist/runtime/validate/pattern.js")).href);
  const msPerCall = (ns) => ns / 1e6;
  for (const [label, pattern, valid, attack, engineLength, nativeLength] of adversarial) {
    const safety = re2Safety(pattern);
    if (safety.native) throw new Error(`${pattern} is expected to run on the engine`);
    const t = translateRe2(pattern);
    const native = new RegExp(t.source, t.flags);
    const engine = re2Pattern(pattern);
    progress(`pattern ${label} (engine path) ...`);
    const name = (what, who) => `pattern ${label}, ${what}: ${who}`;
    const iterations = quick ? 2_000 : 200_000;
    const validEngine = nsPerCall(() => engine.test(valid), iterations / 10, 5);
    const validNative = nsPerCall(() => native.test(valid), iterations, 5);
    rows.add({
      name: name("valid", "grpckit (@bufbuild/re2, engine path)"),
      value: 1e9 / validEngine,
      unit: "tests/s",
      better: "higher",
    });
    rows.add({
      name: name("valid", "the translated RegExp natively (not used: backtracks)"),
      value: 1e9 / validNative,
      unit: "tests/s",
      better: "higher",
      baseline: name("valid", "grpckit (@bufbuild/re2, engine path)"),
    });
    const long = attack(quick ? engineLength / 10 : engineLength);
    const short = attack(quick ? Math.ceil(nativeLength * 0.8) : nativeLength);
    rows.add({
      name: name(`adversarial, ${long.length} characters`, "grpckit (@bufbuild/re2, engine path)"),
      value: msPerCall(nsPerCall(() => engine.test(long), 1, 3)),
      unit: "ms/call",
      better: "lower",
    });
    rows.add({
      name: name(`adversarial, ${short.length} characters`, "the translated RegExp natively (not used: backtracks)"),
      value: msPerCall(nsPerCall(() => native.test(short), 1, 3)),
      unit: "ms/call",
      better: "lower",
    });
  }
}

/** Adds the rows; `nsPerCall(fn, iterations, rounds)` is the validate suite's timer. */
export async function patternRows({ root, rows, progress, quick, nsPerCall }) {
  const { translateRe2, re2Safety } = await translator(root);
  const iterations = quick ? 2_000 : 500_000;
  const rounds = quick ? 3 : 7;
  const perSecond = (ns) => 1e9 / ns;
  for (const [label, pattern, input] of cases) {
    const t = translateRe2(pattern);
    if (!t.ok) throw new Error(`${pattern}: ${t.error}`);
    const translated = new RegExp(t.source, t.flags);
    const re2 = RE2JS.compile(pattern);
    let asWritten;
    try {
      asWritten = new RegExp(pattern, "u");
    } catch {
      asWritten = undefined;
    }
    if (!translated.test(input) || !re2.test(input)) throw new Error(`${pattern} does not match ${input}`);
    const name = (who) => `pattern ${label}, valid: ${who}`;
    progress(`pattern ${label} ...`);
    // Twice each, interleaved, the better kept: the first loop measured pays the JIT's warm-up.
    const best = (fn, n) => Math.min(nsPerCall(fn, n, rounds), nsPerCall(fn, n, rounds));
    const ours = best(() => translated.test(input), iterations);
    const theirs = best(() => re2.test(input), iterations / 10);
    rows.add({ name: name("@bufbuild/re2"), value: perSecond(theirs), unit: "tests/s", better: "higher" });
    rows.add({
      name: name("grpckit (translated RegExp)"),
      value: perSecond(ours),
      unit: "tests/s",
      better: "higher",
      baseline: name("@bufbuild/re2"),
    });
    if (asWritten !== undefined) {
      const plain = best(() => asWritten.test(input), iterations);
      rows.add({
        name: name("the text as a JavaScript RegExp (other meaning)"),
        value: perSecond(plain),
        unit: "tests/s",
        better: "higher",
        baseline: name("grpckit (translated RegExp)"),
      });
    }
  }
  await enginePathRows({ root, translateRe2, re2Safety, rows, progress, quick, nsPerCall });
}
