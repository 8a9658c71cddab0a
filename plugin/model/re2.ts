import { RE2JS } from "@bufbuild/re2";
import { analyzeRe2, normalizeRanges, type Re2Node, type Re2Safety } from "./re2-safety.js";

/*
 * RE2 patterns (protovalidate's `string.pattern`), translated at generation
 * time into JavaScript regular expressions that mean the same: the generated
 * check then runs V8's native engine, and only the generator needs RE2.
 *
 * @bufbuild/re2 (the RE2 engine protovalidate-es evaluates patterns with)
 * decides what is a pattern: anything it refuses is refused with its error.
 * What it accepts is parsed here again, the way its parser reads it (Go's
 * regexp/syntax in Perl mode), and written back in JavaScript's `u` syntax,
 * where every RE2 construct with another meaning in JavaScript is spelled out:
 * - `\s` `\d` `\w` are ASCII; `\S` `\D` `\W` their complements over all code
 *   points; `\b` `\B` ASCII (V8's, with the u flag and without i; `\B`
 *   kept out of surrogate pairs, where V8 also tries it).
 * - `.` is any character but `\n` (`[^\n]`), any at all under `(?s)`.
 * - `^` `$` are the ends of the text; under `(?m)` of a line, where only `\n`
 *   ends one (lookarounds: JavaScript's m flag also breaks at \r, U+2028;
 *   positive ones, as V8 lets a negative one hold inside a surrogate pair).
 * - Flags `(?i)` `(?m)` `(?s)` `(?U)` are scoped as in RE2, so no JavaScript
 *   flag but u is ever set; case folding is written out per character (the
 *   set of characters RE2 folds each one to is asked of RE2 itself).
 * - `\pL` `\p{Greek}` `\PL` `\p{^L}`, POSIX `[[:alpha:]]`, `\Q…\E`,
 *   `\x{…}`, octal `\123`, `\z`, `\A`, named groups `(?P<n>…)` `(?<n>…)`.
 * - Groups do not capture (only whether the pattern matches is asked).
 * Unicode properties are V8's `\p{…}`: RE2's tables for them are the same
 * (@bufbuild/re2 reads them from the platform), at the Unicode version of
 * the Node.js that runs the check; scripts newer than Unicode 15.0 are
 * written out as ranges.
 *
 * A translated pattern backtracks, where RE2 takes linear time: the
 * translator also records the pattern's structure, and re2-safety.ts decides
 * from it whether the generated check may run it natively or must run it on
 * @bufbuild/re2 (see "Patterns are RE2" in docs/validation.md).
 */

/** A JavaScript regular expression: `new RegExp(source, flags)`. */
export interface JsRegExp {
  readonly source: string;
  readonly flags: string;
}

/** The JavaScript form of an RE2 pattern, or RE2's reason for refusing it. */
export type Re2Translation = ({ readonly ok: true } & JsRegExp) | { readonly ok: false; readonly error: string };

const translations = new Map<string, Re2Translation>();
const structures = new Map<string, Re2Node>();
const safeties = new Map<string, Re2Safety>();

/**
 * Whether the translation of an RE2 pattern RE2 accepts may run natively (V8
 * backtracking provably linear in the input), or why it must run on
 * @bufbuild/re2.
 */
export function re2Safety(pattern: string): Re2Safety {
  let safety = safeties.get(pattern);
  if (safety === undefined) {
    re2JsSource(pattern);
    const node = structures.get(pattern);
    if (node === undefined) throw new Error(`no structure recorded for the RE2 pattern ${JSON.stringify(pattern)}`);
    safety = analyzeRe2(node);
    safeties.set(pattern, safety);
  }
  return safety;
}

/**
 * Translates an RE2 pattern into a JavaScript regular expression that
 * matches the same strings (searching, as RE2's `match` and CEL's `matches`
 * do: anchors are the pattern's own). A pattern RE2 refuses gives RE2's error
 * message, e.g. "error parsing regexp: invalid escape sequence: `\1`".
 */
export function translateRe2(pattern: string): Re2Translation {
  let translation = translations.get(pattern);
  if (translation === undefined) {
    translation = translate(pattern);
    translations.set(pattern, translation);
  }
  return translation;
}

/**
 * The JavaScript source (for the u flag) of an RE2 pattern the validation
 * model accepted: printable ASCII, with `/` escaped, never empty.
 */
export function re2JsSource(pattern: string): string {
  const t = translateRe2(pattern);
  if (!t.ok) throw new Error(`the RE2 pattern ${JSON.stringify(pattern)} was refused: ${t.error}`);
  // An empty source would make a comment of a literal.
  return t.source === "" ? "(?:)" : t.source;
}

/** The JavaScript regular expression literal (`/…/u`) of an RE2 pattern the validation model accepted. */
export function re2RegExpLiteral(pattern: string): string {
  return `/${re2JsSource(pattern)}/u`;
}

function translate(pattern: string): Re2Translation {
  try {
    RE2JS.compile(pattern);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const { source, node } = new Translator(pattern).translate();
  structures.set(pattern, node);
  // RE2 accepted it, so the translation must compile; if not, that is a bug here, and it says so.
  try {
    new RegExp(source, "u");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`grpckit translated the RE2 pattern ${JSON.stringify(pattern)} wrongly (${reason})`);
  }
  return { ok: true, source, flags: "u" };
}

interface Flags {
  /** (?i): case-insensitive. */
  readonly i: boolean;
  /** (?m): ^ and $ match at line breaks. */
  readonly m: boolean;
  /** (?s): . matches \n. */
  readonly s: boolean;
  /** (?U): ungreedy, x* is x*? and x*? is x*. */
  readonly U: boolean;
}

/** A piece of a concatenation, in JavaScript. */
interface Piece {
  readonly js: string;
  /** Its structure, for the backtracking analysis. */
  readonly node: Re2Node;
  /** A quantifier may follow it as it is (a character, a class, a group); else it is wrapped in (?:). */
  readonly atom: boolean;
}

/**
 * One member of a character class: its RE2 spelling (to ask RE2 how it folds
 * case) and its JavaScript spelling (inside `[…]`).
 */
interface ClassPart {
  readonly re2: string;
  readonly js: string;
  /** The code points it holds, when known without asking V8. */
  readonly ranges?: Ranges;
}

type Ranges = readonly (readonly [number, number])[];

const maxRune = 0x10ffff;

// The character groups of RE2's parser (Go's regexp/syntax perl_groups.go): all ASCII.
const digit: Ranges = [[0x30, 0x39]];
const word: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const perlGroups: ReadonlyMap<string, Ranges> = new Map([
  ["d", digit],
  [
    "s",
    [
      [0x09, 0x0a],
      [0x0c, 0x0d],
      [0x20, 0x20],
    ],
  ],
  ["w", word],
]);
const posixGroups: ReadonlyMap<string, Ranges> = new Map([
  [
    "alnum",
    [
      [0x30, 0x39],
      [0x41, 0x5a],
      [0x61, 0x7a],
    ],
  ],
  [
    "alpha",
    [
      [0x41, 0x5a],
      [0x61, 0x7a],
    ],
  ],
  ["ascii", [[0x00, 0x7f]]],
  [
    "blank",
    [
      [0x09, 0x09],
      [0x20, 0x20],
    ],
  ],
  [
    "cntrl",
    [
      [0x00, 0x1f],
      [0x7f, 0x7f],
    ],
  ],
  ["digit", digit],
  ["graph", [[0x21, 0x7e]]],
  ["lower", [[0x61, 0x7a]]],
  ["print", [[0x20, 0x7e]]],
  [
    "punct",
    [
      [0x21, 0x2f],
      [0x3a, 0x40],
      [0x5b, 0x60],
      [0x7b, 0x7e],
    ],
  ],
  [
    "space",
    [
      [0x09, 0x0d],
      [0x20, 0x20],
    ],
  ],
  ["upper", [[0x41, 0x5a]]],
  ["word", word],
  [
    "xdigit",
    [
      [0x30, 0x39],
      [0x41, 0x46],
      [0x61, 0x66],
    ],
  ],
]);

function complement(ranges: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= maxRune) out.push([next, maxRune]);
  return out;
}

/** Sorted code points as ranges of consecutive ones. */
function toRanges(codePoints: readonly number[]): Ranges {
  const out: [number, number][] = [];
  for (const cp of codePoints) {
    const last = out[out.length - 1];
    if (last !== undefined && last[1] + 1 === cp) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

const controlEscapes: ReadonlyMap<number, string> = new Map([
  [0x09, "\\t"],
  [0x0a, "\\n"],
  [0x0b, "\\v"],
  [0x0c, "\\f"],
  [0x0d, "\\r"],
]);

/** A code point in JavaScript `u` syntax, outside a class or (inClass) inside one. */
function jsChar(cp: number, inClass: boolean): string {
  const control = controlEscapes.get(cp);
  if (control !== undefined) return control;
  if (cp < 0x20 || cp > 0x7e) return `\\u{${cp.toString(16).toUpperCase()}}`;
  const c = String.fromCharCode(cp);
  // The characters the u flag lets (and these positions make) one escape with a backslash.
  if ("^$\\.*+?()[]{}|/".includes(c) || (inClass && c === "-")) return `\\${c}`;
  return c;
}

function jsRanges(ranges: Ranges): string {
  return ranges.map(([lo, hi]) => (lo === hi ? jsChar(lo, true) : `${jsChar(lo, true)}-${jsChar(hi, true)}`)).join("");
}

function re2Ranges(ranges: Ranges): string {
  const hex = (cp: number) => `\\x{${cp.toString(16)}}`;
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join("");
}

function rangesPart(ranges: Ranges): ClassPart {
  return { re2: re2Ranges(ranges), js: jsRanges(ranges), ranges };
}

/** An ASCII group (`\d`, `[:alpha:]`), positive or negated. */
function groupPart(re2: string, ranges: Ranges, negated: boolean): ClassPart {
  const held = negated ? complement(ranges) : ranges;
  return { re2, js: jsRanges(held), ranges: held };
}

/** Whether V8 (the Node.js running the generator) knows a `\p{…}`. */
function jsAccepts(body: string): boolean {
  try {
    new RegExp(`[${body}]`, "u");
    return true;
  } catch {
    return false;
  }
}

const sweeps = new Map<string, Ranges>();

/**
 * The code points RE2 puts in a class, one by one: for a script newer than
 * Unicode 15.0 (or than the generator's V8). Slow (about a second), and rare.
 */
function sweep(re2Class: string): Ranges {
  let ranges = sweeps.get(re2Class);
  if (ranges === undefined) {
    const re = RE2JS.compile(`^[${re2Class}]$`);
    const members: number[] = [];
    for (let cp = 0; cp <= maxRune; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (re.matches(String.fromCodePoint(cp))) members.push(cp);
    }
    ranges = toRanges(members);
    sweeps.set(re2Class, ranges);
  }
  return ranges;
}

/** A Unicode class `\p{name}` (negated: `\P{name}`), named as RE2 names it. */
function unicodePart(re2: string, name: string, negated: boolean): ClassPart {
  const p = negated ? "P" : "p";
  if (name === "Any")
    return { re2, js: negated ? "" : jsRanges([[0, maxRune]]), ranges: negated ? [] : [[0, maxRune]] };
  if (name === "Ascii") return groupPart(re2, [[0, 0x7f]], negated);
  // RE2's Assigned is everything but the unassigned (Cn).
  if (name === "Assigned") return { re2, js: `\\${negated ? "p" : "P"}{Cn}` };
  const property = name === "Lc" ? "LC" : name;
  const js = `\\${p}{${categories.has(property) ? property : `Script=${property}`}}`;
  // V8 knows every name RE2 does, unless it is a script newer than its Unicode tables; and the
  // generated code may run on an older Node.js than the generator, which would refuse the whole module.
  if (!unicode16Scripts.has(name) && jsAccepts(js)) return { re2, js };
  const ranges = sweep(`\\p{${name}}`);
  const held = negated ? complement(ranges) : ranges;
  return { re2, js: jsRanges(held), ranges: held };
}

/**
 * The scripts @bufbuild/re2 knows that Unicode 15.0 (Node.js 20.0's) does
 * not: always written as ranges.
 */
const unicode16Scripts = new Set([
  "Garay",
  "Gurung_Khema",
  "Kirat_Rai",
  "Ol_Onal",
  "Sunuwar",
  "Todhri",
  "Tulu_Tigalari",
]);

/** RE2's general categories (its other names are scripts). */
const categories = new Set([
  "C",
  "Cc",
  "Cf",
  "Cn",
  "Co",
  "Cs",
  "L",
  "LC",
  "Ll",
  "Lm",
  "Lo",
  "Lt",
  "Lu",
  "M",
  "Mc",
  "Me",
  "Mn",
  "N",
  "Nd",
  "Nl",
  "No",
  "P",
  "Pc",
  "Pd",
  "Pe",
  "Pf",
  "Pi",
  "Po",
  "Ps",
  "S",
  "Sc",
  "Sk",
  "Sm",
  "So",
  "Z",
  "Zl",
  "Zp",
  "Zs",
]);

let foldCandidates: readonly number[] | undefined;

/**
 * Every code point that case folding may relate to another: those that
 * change under a case mapping or under case folding. Any other code point
 * is alone in its folding orbit, so `(?i)` leaves it as it is. (@bufbuild/re2
 * 0.6.1 folds by its orbit table, then by toLowerCase/toUpperCase: every key
 * and value of the table, and every target of a mapping, is among these.)
 */
function caseCandidates(): readonly number[] {
  if (foldCandidates === undefined) {
    const cased = /[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}]/u;
    const found: number[] = [];
    for (let cp = 0; cp <= maxRune; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (cased.test(String.fromCodePoint(cp))) found.push(cp);
    }
    foldCandidates = found;
  }
  return foldCandidates;
}

interface Folding {
  /** Code points RE2's folded class has and the JavaScript class lacks. */
  readonly extra: Ranges;
  /** Code points the JavaScript class has and RE2's folded class lacks (a negated group, folded first, as `(?i)\W`). */
  readonly removed: Ranges;
}

const foldings = new Map<string, Folding>();

/** How `(?i)` changes a class: asked of RE2 for each code point that folding can touch. */
function folding(parts: readonly ClassPart[]): Folding {
  const re2 = parts.map((p) => p.re2).join("");
  let result = foldings.get(re2);
  if (result === undefined) {
    const folded = RE2JS.compile(`^(?i:[${re2}])$`);
    const plain = new RegExp(`^[${parts.map((p) => p.js).join("")}]$`, "u");
    const extra: number[] = [];
    const removed: number[] = [];
    for (const cp of caseCandidates()) {
      const c = String.fromCodePoint(cp);
      const inRe2 = folded.matches(c);
      if (inRe2 !== plain.test(c)) (inRe2 ? extra : removed).push(cp);
    }
    result = { extra: toRanges(extra), removed: toRanges(removed) };
    foldings.set(re2, result);
  }
  return result;
}

/** A character class (one code point) in JavaScript. */
function classPiece(parts: readonly ClassPart[], negated: boolean, fold: boolean): Piece {
  let body = parts.map((p) => p.js).join("");
  let removed = "";
  if (fold) {
    const f = folding(parts);
    body += jsRanges(f.extra);
    removed = jsRanges(f.removed);
  }
  // A class less some code points: ¬(B∖R) = ¬B ∪ R.
  const js =
    removed === ""
      ? negated
        ? `[^${body}]`
        : `[${body}]`
      : negated
        ? `(?:[^${body}]|[${removed}])`
        : `(?:(?![${removed}])[${body}])`;
  let ranges: Ranges | undefined;
  if (parts.every((p) => p.ranges !== undefined)) {
    ranges = normalizeRanges(parts.flatMap((p) => p.ranges ?? []));
    if (fold) {
      const f = folding(parts);
      ranges = complement(normalizeRanges([...complement(normalizeRanges([...ranges, ...f.extra])), ...f.removed]));
    }
    if (negated) ranges = complement(ranges);
  }
  return { js, atom: true, node: { kind: "set", js, ranges } };
}

function literalPiece(cp: number, fold: boolean): Piece {
  if (fold) {
    const f = folding([rangesPart([[cp, cp]])]);
    if (f.extra.length > 0) return classPiece([rangesPart([[cp, cp]])], false, true);
  }
  return { js: jsChar(cp, false), atom: true, node: { kind: "set", js: jsChar(cp, false), ranges: [[cp, cp]] } };
}

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "7";
}

function hexValue(c: string | undefined): number {
  if (c === undefined || !/^[0-9A-Fa-f]$/.test(c)) return -1;
  return Number.parseInt(c, 16);
}

/**
 * Reads a pattern RE2 accepted, as RE2's parser does, writing JavaScript as it
 * goes. Errors are not reported here (RE2 did): on input RE2 refuses, this
 * throws an internal error.
 */
class Translator {
  private pos = 0;

  constructor(private readonly text: string) {}

  translate(): { source: string; node: Re2Node } {
    const { js, node } = this.alternation({ i: false, m: false, s: false, U: false });
    if (this.more()) this.bug();
    return { source: js, node };
  }

  private bug(): never {
    throw new Error(`grpckit cannot translate the RE2 pattern ${JSON.stringify(this.text)} at offset ${this.pos}`);
  }

  private more(): boolean {
    return this.pos < this.text.length;
  }

  private peek(): string | undefined {
    const cp = this.text.codePointAt(this.pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private lookingAt(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** The next code point, consumed. */
  private pop(): number {
    const cp = this.text.codePointAt(this.pos);
    if (cp === undefined) this.bug();
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** Alternatives up to a `)` (consumed) or the end; `(?flags)` holds until then, across `|`. */
  private alternation(outer: Flags): { js: string; node: Re2Node } {
    let flags = outer;
    const branches: Piece[][] = [];
    let pieces: Piece[] = [];
    for (;;) {
      if (!this.more() || this.lookingAt(")")) {
        branches.push(pieces);
        if (this.more()) this.pos++;
        const seqs: Re2Node[] = branches.map((b) => ({ kind: "seq", items: b.map((p) => p.node) }));
        return {
          js: branches.map((b) => b.map((p) => p.js).join("")).join("|"),
          node: seqs.length === 1 && seqs[0] !== undefined ? seqs[0] : { kind: "alt", items: seqs },
        };
      }
      if (this.lookingAt("|")) {
        this.pos++;
        branches.push(pieces);
        pieces = [];
        continue;
      }
      if (this.lookingAt("(?") && !this.lookingAt("(?P<") && !this.lookingAt("(?<")) {
        const group = this.flagGroup(flags);
        if (group.setsFlags !== undefined) flags = group.setsFlags;
        if (group.piece !== undefined) pieces.push(group.piece);
        continue;
      }
      const repeat = this.repetition(flags);
      if (repeat !== undefined) {
        const last = pieces.pop();
        if (last === undefined) this.bug();
        pieces.push({
          js: `${last.atom ? last.js : `(?:${last.js})`}${repeat.js}`,
          atom: false,
          node: { kind: "repeat", min: repeat.min, max: repeat.max, item: last.node },
        });
        continue;
      }
      pieces.push(...this.atom(flags));
    }
  }

  /** `(?flags)`, `(?flags:…)`, `(?:…)`: the group's piece, or the flags that now hold. */
  private flagGroup(outer: Flags): { piece?: Piece; setsFlags?: Flags } {
    this.pos += 2;
    let on = true;
    const f = { ...outer };
    for (;;) {
      const c = this.pop();
      const ch = String.fromCodePoint(c);
      if (ch === "-") on = false;
      else if (ch === "i" || ch === "m" || ch === "s" || ch === "U") f[ch] = on;
      else if (ch === ")") return { setsFlags: f };
      else if (ch === ":") {
        const inner = this.alternation(f);
        return { piece: { js: `(?:${inner.js})`, atom: true, node: inner.node } };
      } else this.bug();
    }
  }

  /** A repetition operator at this point (consumed), in JavaScript, or undefined. */
  private repetition(flags: Flags): { js: string; min: number; max: number } | undefined {
    const start = this.pos;
    let op: string;
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === "*" || c === "+" || c === "?") {
      this.pos++;
      op = c;
      min = c === "+" ? 1 : 0;
      max = c === "?" ? 1 : Number.POSITIVE_INFINITY;
    } else if (c === "{") {
      const range = this.repeatRange();
      if (range === undefined) {
        this.pos = start;
        return undefined;
      }
      op = range.js;
      min = range.min;
      max = range.max;
    } else {
      return undefined;
    }
    let lazy = false;
    if (this.lookingAt("?")) {
      this.pos++;
      lazy = true;
    }
    return { js: lazy !== flags.U ? `${op}?` : op, min, max };
  }

  /** `{n}`, `{n,}`, `{n,m}` as RE2 reads them (else the `{` is a literal). */
  private repeatRange(): { js: string; min: number; max: number } | undefined {
    const m = /^\{(0|[1-9][0-9]*)(,(0|[1-9][0-9]*)?)?\}/.exec(this.text.slice(this.pos));
    if (m === null) return undefined;
    this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === undefined ? Number.POSITIVE_INFINITY : Number(m[3]);
    return { js: m[0], min, max };
  }

  /** The pieces of one atom (several for `\Q…\E`, one literal each). */
  private atom(flags: Flags): Piece[] {
    const c = this.peek();
    switch (c) {
      case "(": {
        this.pos++;
        if (this.lookingAt("?P<") || this.lookingAt("?<")) {
          const close = this.text.indexOf(">", this.pos);
          if (close < 0) this.bug();
          this.pos = close + 1;
        }
        const inner = this.alternation(flags);
        return [{ js: `(?:${inner.js})`, atom: true, node: inner.node }];
      }
      case "^":
        this.pos++;
        return [{ js: flags.m ? "(?<=^|\\n)" : "^", atom: false, node: { kind: "assert", start: !flags.m } }];
      case "$":
        this.pos++;
        return [{ js: flags.m ? "(?=$|\\n)" : "$", atom: false, node: { kind: "assert", start: false } }];
      case ".":
        this.pos++;
        return [
          {
            js: flags.s ? "[^]" : "[^\\n]",
            atom: true,
            node: {
              kind: "set",
              js: flags.s ? "[^]" : "[^\\n]",
              ranges: flags.s ? [[0, maxRune]] : complement([[0x0a, 0x0a]]),
            },
          },
        ];
      case "[":
        return [this.charClass(flags)];
      case "\\":
        return this.escape(flags);
      default:
        return [literalPiece(this.pop(), flags.i)];
    }
  }

  private escape(flags: Flags): Piece[] {
    const next = this.text[this.pos + 1];
    switch (next) {
      case "A":
        this.pos += 2;
        return [{ js: "^", atom: false, node: { kind: "assert", start: true } }];
      case "z":
        this.pos += 2;
        return [{ js: "$", atom: false, node: { kind: "assert", start: false } }];
      case "b":
        this.pos += 2;
        return [{ js: "\\b", atom: false, node: { kind: "assert", start: false } }];
      case "B":
        // V8 tries a match inside a surrogate pair too, where \B holds (no word character on either side);
        // there no code point follows, so the lookahead keeps it to RE2's positions.
        this.pos += 2;
        return [{ js: "\\B(?=[^]|$)", atom: false, node: { kind: "assert", start: false } }];
      case "Q": {
        this.pos += 2;
        const end = this.text.indexOf("\\E", this.pos);
        const literal = this.text.slice(this.pos, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.text.length : end + 2;
        return [...literal].map((ch) => literalPiece(ch.codePointAt(0) ?? 0, flags.i));
      }
    }
    const part = this.unicodeClass() ?? this.perlClass();
    if (part !== undefined) return [classPiece([part], false, flags.i)];
    return [literalPiece(this.escapedChar(), flags.i)];
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` here (consumed), or undefined. */
  private unicodeClass(): ClassPart | undefined {
    if (!this.lookingAt("\\p") && !this.lookingAt("\\P")) return undefined;
    const start = this.pos;
    let negated = this.text[this.pos + 1] === "P";
    this.pos += 2;
    let name: string;
    if (this.lookingAt("{")) {
      const close = this.text.indexOf("}", this.pos);
      if (close < 0) this.bug();
      name = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
    } else {
      name = String.fromCodePoint(this.pop());
    }
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.slice(1);
    }
    return unicodePart(this.text.slice(start, this.pos), name, negated);
  }

  /** `\d` `\D` `\s` `\S` `\w` `\W` here (consumed), or undefined. */
  private perlClass(): ClassPart | undefined {
    const letter = this.text[this.pos + 1];
    if (!this.lookingAt("\\") || letter === undefined) return undefined;
    const ranges = perlGroups.get(letter.toLowerCase());
    if (ranges === undefined) return undefined;
    this.pos += 2;
    return groupPart(`\\${letter}`, ranges, letter !== letter.toLowerCase());
  }

  /** `[:alpha:]` `[:^alpha:]` here (consumed), or undefined. */
  private posixClass(): ClassPart | undefined {
    if (!this.lookingAt("[:")) return undefined;
    const close = this.text.indexOf(":]", this.pos);
    if (close < 0) return undefined;
    const re2 = this.text.slice(this.pos, close + 2);
    const inner = re2.slice(2, -2);
    const negated = inner.startsWith("^");
    const ranges = posixGroups.get(negated ? inner.slice(1) : inner);
    if (ranges === undefined) this.bug();
    this.pos = close + 2;
    return groupPart(re2, ranges, negated);
  }

  /** A single-character escape (`\n`, `\x{41}`, `\101`, `\.`), consumed from its backslash. */
  private escapedChar(): number {
    this.pos++;
    const c = String.fromCodePoint(this.pop());
    if (isOctal(c)) {
      if (c !== "0" && !isOctal(this.text[this.pos])) this.bug();
      let value = Number(c);
      for (let n = 1; n < 3 && isOctal(this.text[this.pos]); n++) {
        value = value * 8 + Number(this.text[this.pos]);
        this.pos++;
      }
      return value;
    }
    if (c === "x") {
      if (this.lookingAt("{")) {
        const close = this.text.indexOf("}", this.pos);
        if (close < 0) this.bug();
        const value = Number.parseInt(this.text.slice(this.pos + 1, close), 16);
        this.pos = close + 1;
        return value;
      }
      const hi = hexValue(this.text[this.pos]);
      const lo = hexValue(this.text[this.pos + 1]);
      if (hi < 0 || lo < 0) this.bug();
      this.pos += 2;
      return hi * 16 + lo;
    }
    const named: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    const value = named[c];
    if (value !== undefined) return value;
    if (c.length === 1 && c < "\x80" && !/[0-9A-Za-z]/.test(c)) return c.charCodeAt(0);
    this.bug();
  }

  /** A character class `[…]`, as RE2 reads one. */
  private charClass(flags: Flags): Piece {
    this.pos++;
    const negated = this.lookingAt("^");
    if (negated) this.pos++;
    const parts: ClassPart[] = [];
    let first = true;
    while (first || !this.lookingAt("]")) {
      if (!this.more()) this.bug();
      first = false;
      const group = this.posixClass() ?? this.unicodeClass() ?? this.perlClass();
      if (group !== undefined) {
        parts.push(group);
        continue;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.lookingAt("-") && this.text[this.pos + 1] !== "]" && this.pos + 1 < this.text.length) {
        this.pos++;
        hi = this.classChar();
      }
      parts.push(rangesPart([[lo, hi]]));
    }
    this.pos++;
    return classPiece(parts, negated, flags.i);
  }

  private classChar(): number {
    return this.lookingAt("\\") ? this.escapedChar() : this.pop();
  }
}
