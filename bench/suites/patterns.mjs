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

/** Adds the rows; `nsPerCall(fn, iterations, rounds)` is the validate suite's timer. */
export async function patternRows({ root, rows, progress, quick, nsPerCall }) {
  const { translateRe2 } = await translator(root);
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
}
