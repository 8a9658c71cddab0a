/*
 * Whether V8 may run a translated RE2 pattern (plugin/model/re2.ts) natively:
 * V8 backtracks, RE2 takes linear time, and a caller who controls the input
 * must not be able to make one check cost more than linear time. A pattern is
 * native-safe when this conservative analysis proves V8's backtracking linear
 * in the input; anything else runs on @bufbuild/re2 at run time.
 *
 * The analysis runs on the pattern's structure (code-point sets, zero-width
 * assertions, sequences, alternations, repetitions) as the translator read
 * it, through its Glushkov automaton: one state per set occurrence, with the
 * transitions counted per route (so `(\w+)*` reaches `\w` from `\w` twice).
 * V8 explores, from a state, each transition whose set holds the next
 * character. When at most one can (the sets are disjoint, and no state is
 * reached twice), every other branch fails on that character and is never
 * resumed usefully: one attempt costs O(input × pattern). A state with
 * overlapping transitions that is visited at most once per attempt (outside
 * every repetition) multiplies that by its branch count, a constant; one
 * inside a repetition may be visited once per input character, and the
 * exploration grows exponentially or polynomially: not safe.
 * Bounded repetitions count as unbounded (V8 may explore each count), and a
 * repeated group that can match the empty string is refused outright.
 * V8 retries a pattern not anchored at the start at every position: each
 * attempt must then read a bounded number of characters, or the whole search
 * is quadratic (`[a-z]+@`).
 */

type Ranges = readonly (readonly [number, number])[];

/** A pattern's structure, as the translator read it. */
export type Re2Node =
  /** One code point of a set: its ranges when known, else the JavaScript piece that matches it. */
  | { readonly kind: "set"; readonly ranges?: Ranges | undefined; readonly js: string }
  /** A zero-width assertion; `start` when it holds only at the text's start (`^` without (?m), `\A`). */
  | { readonly kind: "assert"; readonly start: boolean }
  | { readonly kind: "seq"; readonly items: readonly Re2Node[] }
  | { readonly kind: "alt"; readonly items: readonly Re2Node[] }
  | { readonly kind: "repeat"; readonly min: number; readonly max: number; readonly item: Re2Node };

/** Whether a translated pattern may run as a native RegExp, and if not, why. */
export type Re2Safety = { readonly native: true } | { readonly native: false; readonly reason: string };

/** The most characters one attempt of an unanchored pattern may read natively. */
const unanchoredWidthLimit = 64;

/** The most paths that ambiguous choices outside repetitions may multiply one attempt by. */
const ambiguityLimit = 16;

/** Classifies a pattern's structure: native-safe, or the reason it is not. */
export function analyzeRe2(root: Re2Node): Re2Safety {
  const positions: { readonly ranges: Ranges; readonly js: string; readonly looped: boolean }[] = [];
  const follow: number[][] = [];
  let refusal: string | undefined;

  interface Info {
    readonly nullable: boolean;
    readonly first: readonly number[];
    readonly last: readonly number[];
  }

  const visit = (node: Re2Node, looped: boolean): Info => {
    switch (node.kind) {
      case "set": {
        const p = positions.length;
        positions.push({ ranges: node.ranges ?? sweep(node.js), js: node.js, looped });
        follow.push([]);
        return { nullable: false, first: [p], last: [p] };
      }
      case "assert":
        return { nullable: true, first: [], last: [] };
      case "seq": {
        let info: Info = { nullable: true, first: [], last: [] };
        for (const item of node.items) {
          const next = visit(item, looped);
          for (const p of info.last) follow[p]?.push(...next.first);
          info = {
            nullable: info.nullable && next.nullable,
            first: info.nullable ? [...info.first, ...next.first] : info.first,
            last: next.nullable ? [...info.last, ...next.last] : next.last,
          };
        }
        return info;
      }
      case "alt": {
        const infos = node.items.map((item) => visit(item, looped));
        return {
          nullable: infos.some((i) => i.nullable),
          first: infos.flatMap((i) => i.first),
          last: infos.flatMap((i) => i.last),
        };
      }
      case "repeat": {
        const repeats = node.max > 1;
        const info = visit(node.item, looped || repeats);
        if (repeats) {
          if (info.nullable) refusal ??= "a repeated group can match the empty string";
          for (const p of info.last) follow[p]?.push(...info.first);
        }
        return { nullable: node.min === 0 || info.nullable, first: info.first, last: info.last };
      }
    }
  };

  const top = visit(root, false);
  if (refusal !== undefined) return { native: false, reason: refusal };
  let paths = 1;
  const states: [string, readonly number[], boolean][] = [["at the start", top.first, false]];
  follow.forEach((next, p) => {
    states.push([`after ${positions[p]?.js}`, next, positions[p]?.looped ?? true]);
  });
  for (const [name, next, looped] of states) {
    let branches = 0;
    for (let i = 0; i < next.length; i++) {
      for (let j = i + 1; j < next.length; j++) {
        const a = next[i] as number;
        const b = next[j] as number;
        const ra = positions[a]?.ranges ?? [];
        const rb = positions[b]?.ranges ?? [];
        if (a !== b && !overlaps(ra, rb)) continue;
        if (looped) {
          return {
            native: false,
            reason:
              a === b
                ? `inside a repetition, ${name} the next character may be read by ${positions[a]?.js} by two routes (nested repetitions)`
                : `inside a repetition, ${name} the next character may be read by ${positions[a]?.js} or by ${positions[b]?.js} (they share characters)`,
          };
        }
        branches++;
      }
    }
    paths *= branches + 1;
    if (paths > ambiguityLimit) {
      return { native: false, reason: "too many ambiguous choices outside repetitions" };
    }
  }
  if (!anchoredAtStart(root)) {
    const width = maxWidth(root);
    if (width > unanchoredWidthLimit) {
      return {
        native: false,
        reason:
          width === Number.POSITIVE_INFINITY
            ? "not anchored at the start, with an unbounded repetition: retried at every position"
            : `not anchored at the start, and one attempt may read ${width} characters (more than ${unanchoredWidthLimit})`,
      };
    }
  }
  return { native: true };
}

function anchoredAtStart(node: Re2Node): boolean {
  switch (node.kind) {
    case "assert":
      return node.start;
    case "seq":
      return node.items[0] !== undefined && anchoredAtStart(node.items[0]);
    case "alt":
      return node.items.length > 0 && node.items.every(anchoredAtStart);
    default:
      return false;
  }
}

function maxWidth(node: Re2Node): number {
  switch (node.kind) {
    case "set":
      return 1;
    case "assert":
      return 0;
    case "seq":
      return node.items.reduce((sum, item) => sum + maxWidth(item), 0);
    case "alt":
      return node.items.reduce((most, item) => Math.max(most, maxWidth(item)), 0);
    case "repeat": {
      const w = maxWidth(node.item);
      return w === 0 ? 0 : w * node.max;
    }
  }
}

function overlaps(a: Ranges, b: Ranges): boolean {
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      if (alo <= bhi && blo <= ahi) return true;
    }
  }
  return false;
}

/** Sorted, merged ranges. */
export function normalizeRanges(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/**
 * Every code point once, in three texts a JavaScript `u` RegExp reads code
 * point by code point: the scalar values in order, then lone low surrogates,
 * then lone high surrogates (an input may hold them, and V8 matches them).
 */
let universe: readonly [string, (index: number) => number][] | undefined;

function texts(): readonly [string, (index: number) => number][] {
  if (universe === undefined) {
    const chunk = (from: number, to: number): string => {
      const parts: string[] = [];
      for (let cp = from; cp <= to; cp += 0x1000) {
        const codes: number[] = [];
        for (let c = cp; c <= Math.min(to, cp + 0xfff); c++) codes.push(c);
        parts.push(String.fromCodePoint(...codes));
      }
      return parts.join("");
    };
    const scalar = (i: number): number => (i < 0xd800 ? i : i < 0xf800 ? i + 0x800 : 0x10000 + (i - 0xf800) / 2);
    universe = [
      [chunk(0, 0xd7ff) + chunk(0xe000, 0x10ffff), scalar],
      [chunk(0xdc00, 0xdfff), (i) => 0xdc00 + i],
      [chunk(0xd800, 0xdbff), (i) => 0xd800 + i],
    ];
  }
  return universe;
}

const sweeps = new Map<string, Ranges>();

/** The code points a one-code-point JavaScript piece (`u` flag) matches, found by running it. */
function sweep(js: string): Ranges {
  let ranges = sweeps.get(js);
  if (ranges === undefined) {
    const found: [number, number][] = [];
    for (const [text, codePoint] of texts()) {
      for (const m of text.matchAll(new RegExp(`(?:${js})+`, "gu"))) {
        const lo = codePoint(m.index);
        const run = m[0];
        const lastUnits = (run.codePointAt(run.length - 2) ?? 0) > 0xffff ? 2 : 1;
        const hi = codePoint(m.index + run.length - lastUnits);
        // A run across the surrogate gap of the first text.
        if (lo < 0xd800 && hi > 0xdfff) found.push([lo, 0xd7ff], [0xe000, hi]);
        else found.push([lo, hi]);
      }
    }
    ranges = normalizeRanges(found);
    sweeps.set(js, ranges);
  }
  return ranges;
}
