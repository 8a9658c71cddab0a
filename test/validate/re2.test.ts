import { RE2JS } from "@bufbuild/re2";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { re2Safety, translateRe2 } from "../../plugin/model/re2.js";
import { re2Pattern } from "../../runtime/validate/pattern.js";

/*
 * string.pattern is RE2: the translation into a JavaScript RegExp matches
 * exactly the strings @bufbuild/re2 (the engine protovalidate-es runs) does,
 * and refuses exactly what it refuses, with its message.
 */

const seedEnv = process.env.GRPCKIT_FC_SEED;
const numRuns = Number(process.env.GRPCKIT_FC_RUNS ?? 300);
const runParameters = seedEnv === "random" ? { numRuns } : { numRuns, seed: Number(seedEnv ?? 20261205) };

function js(pattern: string): RegExp {
  const t = translateRe2(pattern);
  if (!t.ok) throw new Error(`${pattern}: ${t.error}`);
  return new RegExp(t.source, t.flags);
}

/** Whether RE2 finds the pattern in the input (what protovalidate's `matches` asks). */
function re2(pattern: string, input: string): boolean {
  return RE2JS.compile(pattern).test(input);
}

/** Characters where RE2 and JavaScript disagree, or that fold, or that are astral. */
const tricky = [
  "a",
  "A",
  "k",
  "K",
  "s",
  "S",
  "z",
  "_",
  "0",
  "9",
  "-",
  "]",
  "\\",
  " ",
  "\t",
  "\n",
  "\r",
  "\v",
  "\f",
  "\0",
  "\x7F",
  "\u00A0",
  "\u00B5",
  "\u00DF",
  "\u00E9",
  "\u00C9",
  "\u0130",
  "\u0131",
  "\u017F",
  "\u0345",
  "\u03A3",
  "\u03C2",
  "\u03C3",
  "\u0399",
  "\u03B9",
  "\u1E9E",
  "\u1FBE",
  "\u2028",
  "\u2029",
  "\u212A",
  "\u212B",
  "\u3000",
  "\uFEFF",
  "\u0661",
  "\u4F60",
  "\u{1F600}",
  "\u{10400}",
  "\u{10428}",
  "\u{1D7CE}",
  "\u{10FFFF}",
];

/** Patterns over every construct whose meaning differs between RE2 and JavaScript, or that only RE2 has. */
const patterns = [
  "^\\s*$",
  "^\\S+$",
  "^\\d+$",
  "^\\D+$",
  "^\\w+$",
  "^\\W+$",
  "\\bk\\b",
  "\\Bs",
  "\\B",
  "a\\B",
  "^.$",
  "^.+$",
  "(?s)^.+$",
  "^a.b$",
  "a$",
  "^a",
  "(?m)^a$",
  "(?m)^$",
  "(?m)a$",
  "\\Aa",
  "a\\z",
  "(?i)k",
  "(?i)^s+$",
  "(?i)^[a-z]+$",
  "(?i)^[a-z0-9]+$",
  "(?i)ß",
  "(?i)σ",
  "(?i)ǅ",
  "(?i)İ",
  "(?i)\\W",
  "(?i)\\w",
  "(?i)[^k]",
  "(?i)[[:lower:]]",
  "(?i)[[:^lower:]]",
  "(?i)\\p{Lu}",
  "(?i)\\P{Ll}",
  "(?i:k)K",
  "a(?i)k|s",
  "(?i)a(?-i)k",
  "\\pL",
  "^\\pL+$",
  "\\p{L}",
  "\\PL",
  "\\p{^L}",
  "\\P{^L}",
  "\\pN",
  "\\p{Greek}",
  "\\p{Han}",
  "\\p{Latin}",
  "\\p{Common}",
  "\\p{Any}",
  "\\P{Any}",
  "\\p{Ascii}",
  "\\p{Assigned}",
  "\\p{Lc}",
  "\\p{LC}",
  "\\p{C}",
  "\\p{Zs}",
  "[\\p{Greek}\\d]",
  "[^\\pL\\s]",
  "[[:alpha:]]",
  "[[:^alpha:]]",
  "^[[:space:]]+$",
  "[[:word:]]",
  "[[:punct:]]",
  "[[:print:]]",
  "[[:cntrl:]]",
  "[[:xdigit:]]",
  "\\Qa.b\\E",
  "\\Q*\\E+",
  "\\Q]\\",
  "\\x{41}",
  "\\x{1F600}",
  "\\x41",
  "\\101",
  "\\0",
  "\\08",
  "\\a\\f\\t\\n\\r\\v",
  "\\~\\-\\_\\ \\!",
  "(?P<name>a)b",
  "(?<name>a)b",
  "(?:a|b)+",
  "(a|)+",
  "a{,3}",
  "a{2}",
  "a{2,}",
  "a{1,2}?",
  "a{01}",
  "(?U)a+",
  "(?U)a+?",
  "^*a",
  "\\b+a",
  "(?m)^*a",
  "[]a]",
  "[^]a]",
  "[a-]",
  "[-a]",
  "[a-c-e]",
  "[\\d-z]",
  "[^\\n]",
  "[^a]",
  "[\\x00-\\x7F]",
  "^[\\x00-\\x7F]+$",
  "[\\x{10000}-\\x{10FFFF}]",
  "\\* \\\\ \\w",
  "^$",
  "",
  "|",
  "a|",
  "()",
  "((a))*",
  "[[:alpha:]-z]",
  "[\\p{L}-z]",
  "\\pLl",
  "a(?i)*",
  "a*(?i)*",
  "x{0}",
  "(?i:(?-i:k)|a)",
  "((?i)k)k",
];

describe("RE2 patterns in JavaScript", () => {
  it("says what the issue measured: RE2's \\s, \\S and . , not JavaScript's", () => {
    expect(js("^\\s*$").test("\v")).toBe(false);
    expect(js("^\\S+$").test("\u3000")).toBe(true);
    expect(js("^.$").test("\u2028")).toBe(true);
    expect(js("^.$").test("\n")).toBe(false);
    expect(js("(?i)^k$").test("\u212A")).toBe(true);
    expect(js("\\pL").test("é")).toBe(true);
    expect(js("^[[:alpha:]]+$").test("abc")).toBe(true);
    expect(js("^\\Q1+1\\E$").test("1+1")).toBe(true);
    expect(js("a\\z").test("a\n")).toBe(false);
    expect(js("^\\x{41}$").test("A")).toBe(true);
    expect(js("^(?P<n>a)$").test("a")).toBe(true);
    expect(js("(?s)^.$").test("\n")).toBe(true);
    expect(js("^(?U)a+$").test("aaa")).toBe(true);
  });

  it("agrees with RE2 on every pattern of the table, for every tricky character and pair", () => {
    const inputs = ["", ...tricky, ...tricky.flatMap((a) => tricky.map((b) => a + b)), "aaa", "a\nb", "\na\n", "a{,3}"];
    const disagreements: string[] = [];
    for (const pattern of patterns) {
      const re = js(pattern);
      const oracle = RE2JS.compile(pattern);
      for (const input of inputs) {
        if (re.test(input) !== oracle.test(input)) {
          disagreements.push(`${JSON.stringify(pattern)} on ${JSON.stringify(input)}: RE2 ${oracle.test(input)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("agrees with RE2 on the table through the check the generator picks, and through the engine path", () => {
    const inputs = ["", ...tricky, ...tricky.flatMap((a) => tricky.map((b) => a + b)), "aaa", "a\nb", "\na\n", "a{,3}"];
    const disagreements: string[] = [];
    for (const pattern of patterns) {
      const engine = re2Pattern(pattern);
      const picked = re2Safety(pattern).native ? js(pattern) : engine;
      const oracle = RE2JS.compile(pattern);
      for (const input of inputs) {
        const expected = oracle.test(input);
        if (picked.test(input) !== expected || engine.test(input) !== expected) {
          disagreements.push(`${JSON.stringify(pattern)} on ${JSON.stringify(input)}: RE2 ${expected}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("refuses what RE2 refuses, with RE2's message", () => {
    const refused: [string, string][] = [
      ["^(a)\\1$", "invalid escape sequence: `\\1`"],
      ["(?=a)", "invalid or unsupported Perl syntax: `(?=`"],
      ["(?!a)", "invalid or unsupported Perl syntax: `(?!`"],
      ["(?<=a)b", "invalid named capture: `(?<=a)b`"],
      ["[a-z", "missing closing ]: `[a-z`"],
      ["a)", "unexpected ): `a)`"],
      ["(a", "missing closing ): `(a`"],
      ["a**", "invalid nested repetition operator: `**`"],
      ["*a", "missing argument to repetition operator: `*`"],
      ["a{1001}", "invalid repeat count: `{1001}`"],
      ["a{2,1}", "invalid repeat count: `{2,1}`"],
      ["\\Z", "invalid escape sequence: `\\Z`"],
      ["\\C", "invalid escape sequence: `\\C`"],
      ["\\e", "invalid escape sequence: `\\e`"],
      ["\\p{Nope}", "invalid character class range: `\\p{Nope}`"],
      ["[[:nope:]]", "invalid character class range: `[:nope:]`"],
      ["[z-a]", "invalid character class range: `z-a`"],
      ["(?x)a", "invalid or unsupported Perl syntax: `(?x`"],
      ["(?P<n>a)(?P<n>b)", "duplicate capture group name: `n`"],
      ["a\\", "trailing backslash at end of expression"],
    ];
    for (const [pattern, message] of refused) {
      expect(translateRe2(pattern), pattern).toEqual({ ok: false, error: `error parsing regexp: ${message}` });
    }
  });

  it("agrees with RE2 on random strings of tricky and random characters", () => {
    const char = fc.oneof(fc.constantFrom(...tricky), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }));
    const input = fc.array(char, { maxLength: 8 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(fc.constantFrom(...patterns), input, (pattern, s) => {
        expect(js(pattern).test(s), `${JSON.stringify(pattern)} on ${JSON.stringify(s)}`).toBe(re2(pattern, s));
      }),
      runParameters,
    );
  });

  it("agrees with RE2 on random patterns built of RE2's constructs", () => {
    const atom = fc.constantFrom(
      "a",
      "k",
      "s",
      "ß",
      "\\x{212A}",
      ".",
      "\\s",
      "\\S",
      "\\d",
      "\\w",
      "\\W",
      "\\b",
      "\\B",
      "^",
      "$",
      "\\A",
      "\\z",
      "\\pL",
      "\\PL",
      "\\p{Greek}",
      "[a-z]",
      "[^a-z]",
      "[[:alpha:]]",
      "[[:^space:]]",
      "[\\s\\d]",
      "[^\\W_]",
      "\\Qa.\\E",
      "\\x{2028}",
      "\\v",
      "[^\\W\\d]",
      "[[:^alpha:]\\d]",
      "[^[:^lower:]k]",
      "\\P{Greek}",
      "[\\p{Lu}\\p{Nd}]",
      "[\\x{212A}-\\x{212B}s]",
      "[^\\x{17F}]",
      "\\Q\\E",
      "\\0",
      "[a-]",
      "\\p{Any}",
    );
    const flags = fc.constantFrom("", "(?i)", "(?m)", "(?s)", "(?U)", "(?-i)", "(?im)", "(?i:", "(?s:", "(?:", "(");
    const quantifier = fc.constantFrom("", "", "*", "+", "?", "{2}", "{1,3}", "*?", "{0,}");
    const piece = fc
      .tuple(flags, atom, quantifier)
      .map(([f, a, q]) => (f.endsWith(":") || f === "(" ? `${f}${a})${q}` : `${f}${a}${q}`));
    const pattern = fc
      .array(fc.array(piece, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 })
      .map((branches) => branches.map((b) => b.join("")).join("|"));
    const char = fc.constantFrom(...tricky);
    const input = fc.array(char, { maxLength: 6 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(pattern, fc.array(input, { minLength: 1, maxLength: 8 }), (p, inputs) => {
        const t = translateRe2(p);
        let oracle: RE2JS;
        try {
          oracle = RE2JS.compile(p);
        } catch {
          expect(t.ok, p).toBe(false);
          return;
        }
        expect(t.ok, p).toBe(true);
        const re = js(p);
        // The analysis reads every structure the translator accepts; the path it picks answers as RE2 too.
        const picked = re2Safety(p).native ? re : re2Pattern(p);
        for (const s of inputs) {
          expect(re.test(s), `${JSON.stringify(p)} on ${JSON.stringify(s)}`).toBe(oracle.test(s));
          expect(picked.test(s), `${JSON.stringify(p)} (picked) on ${JSON.stringify(s)}`).toBe(oracle.test(s));
        }
      }),
      runParameters,
    );
  });

  it("writes a script newer than Unicode 15.0 as ranges, which any Node.js 20 compiles", () => {
    const t = translateRe2("^\\p{Garay}+$");
    expect(t.ok && t.source.includes("\\p{")).toBe(false);
    for (const s of ["\u{10D40}", "\u{10D4A}\u{10D65}", "\u{10D3F}", "a", "\u{10D8F}"]) {
      expect(js("^\\p{Garay}+$").test(s), s).toBe(re2("^\\p{Garay}+$", s));
      expect(js("^\\P{Garay}$").test(s), s).toBe(re2("^\\P{Garay}$", s));
    }
  });

  it("keeps a plain pattern as it is", () => {
    expect(translateRe2("^[a-z][a-z0-9-]*$")).toEqual({ ok: true, source: "^[a-z][a-z0-9\\-]*$", flags: "u" });
    expect(translateRe2("^[A-Z]{3}$")).toEqual({ ok: true, source: "^[A-Z]{3}$", flags: "u" });
  });
});
