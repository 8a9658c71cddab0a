/*
 * The runtime error of a rule: what a rule throws when it cannot be applied to
 * a value (a CEL overflow or missing key; `bytes.pattern` on bytes that are
 * not UTF-8). The validator's callers turn it into a runtime error of the
 * rule, as protovalidate does. Its own module: both the compiled CEL
 * operations (cel-ops.ts) and the standard checks (checks.ts) throw it.
 */

import { excerpt } from "../excerpt.js";

/** A CEL runtime error (overflow, division by zero, no such key, index out of range, a failing fallback evaluation). */
export class CelEvalError extends Error {
  override readonly name = "CelEvalError";
}

/** Throws a {@link CelEvalError}: an expression position that is an error in CEL. */
export function celFail(message: string): never {
  throw new CelEvalError(message);
}

/**
 * Rethrows `error`, thrown by the CEL rule `rule` of the value at `field`
 * ("" for a message's own rule), naming them: a {@link CelEvalError} as one
 * whose message starts `<field>: <rule>: `, so that the answer says which
 * rule could not be evaluated; anything else as it is. Generated validators
 * call it around each CEL rule.
 */
export function celRuleFailed(error: unknown, field: string, rule: string): never {
  if (error instanceof CelEvalError) {
    const where = field === "" ? excerpt(rule) : `${excerpt(field)}: ${excerpt(rule)}`;
    throw new CelEvalError(`${where}: ${error.message}`, { cause: error });
  }
  throw error;
}
