/*
 * The small functions generated validators call. Each is a plain function of
 * plain values, cheap on the common (valid) path: lengths are counted only when
 * the UTF-16 length alone cannot decide, and nothing allocates.
 */

import { CelEvalError } from "./rule-error.js";

/** The number of Unicode code points of `s`: a surrogate pair counts once, a lone surrogate once. */
export function codePointCount(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/**
 * The number of bytes of `s` in UTF-8. A lone surrogate counts 3 bytes: UTF-8
 * encoders (TextEncoder, protobuf's) replace it with U+FFFD.
 */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      bytes += 1;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

// A code point is one or two UTF-16 units, so `s.length` bounds the count:
// length / 2 <= code points <= length. Only the ambiguous band is counted.

/** Whether `s` has fewer than `n` code points. */
export function fewerCharsThan(s: string, n: number): boolean {
  return s.length < n || (s.length < 2 * n && codePointCount(s) < n);
}

/** Whether `s` has more than `n` code points. */
export function moreCharsThan(s: string, n: number): boolean {
  return s.length > n && codePointCount(s) > n;
}

/** Whether `s` has a number of code points other than `n`. */
export function charCountIsNot(s: string, n: number): boolean {
  return s.length < n || s.length > 2 * n || codePointCount(s) !== n;
}

// Each UTF-16 unit is 1 to 3 bytes in UTF-8 (a surrogate pair, 2 units, is 4).

/** Whether `s` has fewer than `n` bytes in UTF-8. */
export function fewerUtf8BytesThan(s: string, n: number): boolean {
  return s.length < n && utf8Length(s) < n;
}

/** Whether `s` has more than `n` bytes in UTF-8. */
export function moreUtf8BytesThan(s: string, n: number): boolean {
  return s.length * 3 > n && utf8Length(s) > n;
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

/** Whether `value` starts with the bytes of `prefix`. */
export function bytesStartWith(value: Uint8Array, prefix: Uint8Array): boolean {
  return value.length >= prefix.length && bytesEqual(value.subarray(0, prefix.length), prefix);
}

/** Whether `value` ends with the bytes of `suffix`. */
export function bytesEndWith(value: Uint8Array, suffix: Uint8Array): boolean {
  return value.length >= suffix.length && bytesEqual(value.subarray(value.length - suffix.length), suffix);
}

/** Whether the bytes of `part` occur in `value`, in a row. */
export function bytesContain(value: Uint8Array, part: Uint8Array): boolean {
  for (let i = 0; i + part.length <= value.length; i++) {
    if (bytesEqual(value.subarray(i, i + part.length), part)) {
      return true;
    }
  }
  return false;
}

/** Whether `list` holds an array with the same bytes as `value`. */
export function bytesIn(value: Uint8Array, list: readonly Uint8Array[]): boolean {
  for (const item of list) {
    if (bytesEqual(value, item)) {
      return true;
    }
  }
  return false;
}

/**
 * Whether two items of `list` are equal. Equality is SameValueZero, as in a
 * `Set`: NaN equals NaN, and 0 equals -0.
 */
export function hasDuplicates(list: readonly (string | number | bigint | boolean)[]): boolean {
  const n = list.length;
  if (n < 2) {
    return false;
  }
  if (n <= 16) {
    for (let i = 0; i < n; i++) {
      const a = list[i];
      for (let j = i + 1; j < n; j++) {
        const b = list[j];
        // biome-ignore lint/suspicious/noSelfCompare: NaN is the only value not equal to itself
        if (a === b || (a !== a && b !== b)) {
          return true;
        }
      }
    }
    return false;
  }
  return new Set(list).size !== n;
}

/** Whether two byte arrays of `list` hold the same bytes. */
export function hasDuplicateBytes(list: readonly Uint8Array[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const a = list[i] as Uint8Array;
    for (let j = i + 1; j < list.length; j++) {
      if (bytesEqual(a, list[j] as Uint8Array)) {
        return true;
      }
    }
  }
  return false;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The text of bytes, for `bytes.pattern`, which matches the bytes read as
 * UTF-8. Bytes that are not UTF-8 are a runtime error of the rule, as in
 * protovalidate (where the rule is CEL's `string(this).matches(...)`): a
 * thrown {@link CelEvalError}, not a violation.
 */
export function bytesAsText(value: Uint8Array): string {
  try {
    return utf8.decode(value);
  } catch {
    throw new CelEvalError("value must be valid UTF-8 to apply regexp");
  }
}

/** Whether two lists of field mask paths differ (`field_mask.const`: the same paths in the same order). */
export function pathsDiffer(paths: readonly string[], expected: readonly string[]): boolean {
  if (paths.length !== expected.length) {
    return true;
  }
  for (let i = 0; i < paths.length; i++) {
    if (paths[i] !== expected[i]) {
      return true;
    }
  }
  return false;
}

/** Whether a field mask path is one of `rules` or below one (`a.b` is below `a`). */
function pathMatchesAny(path: string, rules: readonly string[]): boolean {
  for (const rule of rules) {
    if (path === rule || (path.length > rule.length && path.startsWith(rule) && path[rule.length] === ".")) {
      return true;
    }
  }
  return false;
}

/** Whether a path of a field mask is neither one of `allowed` nor below one (breaks `field_mask.in`). */
export function hasPathOutside(paths: readonly string[], allowed: readonly string[]): boolean {
  for (const path of paths) {
    if (!pathMatchesAny(path, allowed)) {
      return true;
    }
  }
  return false;
}

/** Whether a path of a field mask is one of `forbidden` or below one (breaks `field_mask.not_in`). */
export function hasPathWithin(paths: readonly string[], forbidden: readonly string[]): boolean {
  for (const path of paths) {
    if (pathMatchesAny(path, forbidden)) {
      return true;
    }
  }
  return false;
}

/** A google.protobuf.Timestamp or Duration: whole seconds and nanoseconds. */
export interface SecondsAndNanos {
  readonly seconds: bigint;
  readonly nanos: number;
}

/**
 * Whether a Timestamp is one google.protobuf.Timestamp allows: from
 * 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, nanos from 0 to
 * 999,999,999. A field with Timestamp rules is checked with it first: other
 * rules compare values, which an invalid one is not.
 */
export function isValidTimestamp(value: SecondsAndNanos): boolean {
  return (
    value.seconds >= -62_135_596_800n &&
    value.seconds <= 253_402_300_799n &&
    value.nanos >= 0 &&
    value.nanos <= 999_999_999
  );
}

/**
 * Whether a Duration is one google.protobuf.Duration allows: at most
 * 315,576,000,000 seconds (10,000 years) either way, nanos below one second
 * and of the same sign as seconds.
 */
export function isValidDuration(value: SecondsAndNanos): boolean {
  const { seconds, nanos } = value;
  const sameSign = seconds === 0n || nanos === 0 || seconds > 0n === nanos > 0;
  return seconds >= -315_576_000_000n && seconds <= 315_576_000_000n && Math.abs(nanos) <= 999_999_999 && sameSign;
}

/**
 * Compares a Timestamp or Duration to `seconds` + `nanos`: negative if it is
 * earlier (shorter), 0 if equal, positive if later (longer).
 */
export function compareTime(value: SecondsAndNanos, seconds: bigint, nanos: number): number {
  if (value.seconds !== seconds) {
    return value.seconds < seconds ? -1 : 1;
  }
  return value.nanos - nanos;
}

/** Compares a Timestamp to the current time (`Date.now()`), as {@link compareTime}. */
export function compareTimeToNow(value: SecondsAndNanos): number {
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  return compareTime(value, BigInt(seconds), (ms - seconds * 1000) * 1_000_000);
}

/** Whether a Timestamp is within `seconds` + `nanos` of now, before or after. */
export function isWithinOfNow(value: SecondsAndNanos, seconds: bigint, nanos: number): boolean {
  const now = BigInt(Date.now()) * 1_000_000n;
  const diff = value.seconds * 1_000_000_000n + BigInt(value.nanos) - now;
  const limit = seconds * 1_000_000_000n + BigInt(nanos);
  return (diff < 0n ? -diff : diff) <= limit;
}

/**
 * A message's own properties as a plain object, for zod schemas of proto2 and
 * editions messages: an unset field there reads its default through the
 * prototype, and is left out here, so that its rules are skipped as the
 * validator skips them. Anything that is not an object is returned as is.
 */
export function ownProperties(value: unknown): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...value } : value;
}
