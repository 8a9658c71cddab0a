/*
 * The operations of CEL expressions compiled to TypeScript
 * (plugin/model/cel/): CEL's int64/uint64 arithmetic with its overflow and
 * division errors, its error-absorbing `&&`, `||` and macros, and the lookups
 * that fail at run time. A CEL runtime error is a thrown CelEvalError; the
 * validator turns it into a runtime error of the rule, as protovalidate does.
 * Nothing here imports a CEL engine: only expressions outside the compiled
 * subset load one (grpckit/cel).
 */

import type { SecondsAndNanos } from "./checks.js";
import { celFail } from "./rule-error.js";

export { CelEvalError, celFail, celRuleFailed } from "./rule-error.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function int64(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) {
    celFail("integer overflow");
  }
  return v;
}

function uint64(v: bigint): bigint {
  if (v < 0n || v > UINT64_MAX) {
    celFail("unsigned integer overflow");
  }
  return v;
}

/** CEL `int + int`: an error on int64 overflow. */
export function celIntAdd(a: bigint, b: bigint): bigint {
  return int64(a + b);
}

/** CEL `int - int`. */
export function celIntSub(a: bigint, b: bigint): bigint {
  return int64(a - b);
}

/** CEL `int * int`. */
export function celIntMul(a: bigint, b: bigint): bigint {
  return int64(a * b);
}

/** CEL `int / int`: truncating; an error on division by zero and on MIN / -1. */
export function celIntDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) {
    celFail("division by zero");
  }
  return int64(a / b);
}

/** CEL `int % int`: the sign of the dividend; an error on modulus by zero. */
export function celIntMod(a: bigint, b: bigint): bigint {
  if (b === 0n) {
    celFail("modulus by zero");
  }
  return a % b;
}

/** CEL `-int`: an error for the minimum int64. */
export function celIntNeg(a: bigint): bigint {
  return int64(-a);
}

/** CEL `uint + uint`. */
export function celUintAdd(a: bigint, b: bigint): bigint {
  return uint64(a + b);
}

/** CEL `uint - uint`: an error below zero. */
export function celUintSub(a: bigint, b: bigint): bigint {
  return uint64(a - b);
}

/** CEL `uint * uint`. */
export function celUintMul(a: bigint, b: bigint): bigint {
  return uint64(a * b);
}

/** CEL `uint / uint`. */
export function celUintDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) {
    celFail("division by zero");
  }
  return a / b;
}

/** CEL `uint % uint`. */
export function celUintMod(a: bigint, b: bigint): bigint {
  if (b === 0n) {
    celFail("modulus by zero");
  }
  return a % b;
}

/** CEL `int(x)` of a double: truncated; an error when NaN or not strictly inside int64's range (as cel-go and cel-es). */
export function celIntOfDouble(x: number): bigint {
  if (Number.isNaN(x) || x <= -(2 ** 63) || x >= 2 ** 63) {
    celFail("double out of int range");
  }
  return int64(BigInt(Math.trunc(x)));
}

/** CEL `uint(x)` of an int, or `int(x)` of a uint: an error when out of the target's range. */
export function celIntToUint(x: bigint): bigint {
  return uint64(x);
}

/** CEL `int(x)` of a uint. */
export function celUintToInt(x: bigint): bigint {
  return int64(x);
}

/**
 * CEL's numeric equality across int, uint and double (heterogeneous equality):
 * JavaScript's `==` between a bigint and a number compares their mathematical
 * values exactly, and NaN equals nothing, as in CEL.
 */
export function celNumEq(a: number | bigint, b: number | bigint): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: exact comparison of a bigint with a number
  return a == b;
}

/**
 * CEL `a && b`, commutative over errors: false if either side is false, even
 * when the other is an error; otherwise the first error.
 */
export function celAnd(a: () => boolean, b: () => boolean): boolean {
  let error: unknown;
  try {
    if (!a()) {
      return false;
    }
  } catch (e) {
    error = e;
  }
  if (!b()) {
    return false;
  }
  if (error !== undefined) {
    throw error;
  }
  return true;
}

/** CEL `a || b`: true if either side is true, even when the other is an error; otherwise the first error. */
export function celOr(a: () => boolean, b: () => boolean): boolean {
  let error: unknown;
  try {
    if (a()) {
      return true;
    }
  } catch (e) {
    error = e;
  }
  if (b()) {
    return true;
  }
  if (error !== undefined) {
    throw error;
  }
  return false;
}

/** CEL's `all` macro: false if any element is false (errors of others absorbed), else the first error, else true. */
export function celAll<T>(items: readonly T[], predicate: (item: T) => boolean): boolean {
  let error: unknown;
  for (const item of items) {
    try {
      if (!predicate(item)) {
        return false;
      }
    } catch (e) {
      error ??= e;
    }
  }
  if (error !== undefined) {
    throw error;
  }
  return true;
}

/** CEL's `exists` macro: true if any element is true (errors of others absorbed), else the first error, else false. */
export function celExists<T>(items: readonly T[], predicate: (item: T) => boolean): boolean {
  let error: unknown;
  for (const item of items) {
    try {
      if (predicate(item)) {
        return true;
      }
    } catch (e) {
      error ??= e;
    }
  }
  if (error !== undefined) {
    throw error;
  }
  return false;
}

/** CEL `list[i]`: an error when `i` is out of range. */
export function celIndex<T>(list: readonly T[], i: number | bigint): T {
  const n = Number(i);
  if (n < 0 || n >= list.length || !Number.isInteger(n)) {
    celFail(`index out of range: ${i}`);
  }
  return list[n] as T;
}

/**
 * CEL `map[key]` on a protobuf-es map field (a plain object keyed by the
 * key's string form): an error when the key is absent.
 */
export function celMapGet<T>(map: { readonly [key: string]: T }, key: string | number | bigint | boolean): T {
  const k = String(key);
  if (!Object.hasOwn(map, k)) {
    celFail(`no such key: ${k}`);
  }
  return map[k] as T;
}

/** CEL's `now`: the current time as a Timestamp's seconds and nanos. */
export function celNow(): SecondsAndNanos {
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Compares two Timestamps or two Durations: negative, 0 or positive. */
export function celCompareTime(a: SecondsAndNanos, b: SecondsAndNanos): number {
  if (a.seconds !== b.seconds) {
    return a.seconds < b.seconds ? -1 : 1;
  }
  return a.nanos - b.nanos;
}

/**
 * Compares two strings by code point, as CEL does (JavaScript's `<` compares
 * UTF-16 units, which orders U+FFFF after U+10000).
 */
export function celCompareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) {
      return x - y;
    }
    if (x > 0xffff) {
      i++;
    }
  }
  return a.length - b.length;
}

/**
 * The violation message of a CEL rule's result, or undefined when the result
 * means valid (true or ""). As protovalidate: the rule's own `message` when it
 * has one, else the string the expression returned, else `falseMessage`,
 * which the generator writes as a literal: `"<expression>" returned false`
 * (see {@link celFalseMessage}).
 */
export function celViolation(result: boolean | string, message: string, falseMessage: string): string | undefined {
  if (result === true || result === "") {
    return undefined;
  }
  if (message !== "") {
    return message;
  }
  return typeof result === "string" ? result : falseMessage;
}

/** protovalidate's message for an expression that returned false without a rule message. */
export function celFalseMessage(expression: string): string {
  return `${JSON.stringify(expression)} returned false`;
}
