/*
 * The fallback for CEL expressions the generator does not compile to
 * TypeScript (plugin/model/cel/): evaluation with @bufbuild/cel, the CEL
 * engine of @bufbuild/protovalidate, with protovalidate's function library
 * implemented by grpckit's own format checkers. Imported as "grpckit/cel",
 * so that only generated code with such an expression loads a CEL engine.
 *
 * Cost: an expression is parsed and planned once (celProgram caches by
 * expression); an evaluation walks the plan. CEL has no loops beyond its
 * macros (all, exists, exists_one, map, filter), each one pass over a list or
 * map of the message, so the work is bounded by the message's size (itself
 * bounded by the server's maximum message size) to the power of the macros'
 * nesting depth, which the generator reports.
 */

import {
  type CelFunc,
  type CelInput,
  type CelList,
  CelScalar,
  celEnv,
  celFromScalar,
  celMethod,
  celUint,
  isCelError,
  listType,
  parse,
  plan,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { create, type DescMessage, type Message, type Registry, ScalarType } from "@bufbuild/protobuf";
import { isReflectMessage, type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { CelEvalError } from "./cel-ops.js";
import { isEmail, isHostAndPort, isHostname, isIp, isIpPrefix, isUri, isUriRef } from "./formats.js";

/**
 * How a protobuf-es value maps to a CEL value: `int` for int32, int64,
 * sint*, sfixed* and enums (numbers or bigints in protobuf-es, int in CEL),
 * `uint` for uint32, uint64 and fixed*, `double` for float and double, a
 * message's descriptor for a message (a wrapper message is unwrapped by CEL),
 * and lists and maps (protobuf-es maps are objects keyed by the key's string
 * form) of these.
 */
export type CelValueShape =
  | "int"
  | "uint"
  | "double"
  | "bool"
  | "string"
  | "bytes"
  | DescMessage
  | { readonly list: CelValueShape }
  | { readonly map: readonly [key: "int" | "uint" | "bool" | "string", value: CelValueShape] };

/** What a fallback expression sees besides `now`. */
export interface CelProgramOptions {
  /** The shape of `this`, the value under validation; a message's descriptor for message rules. */
  readonly this: CelValueShape;
  /**
   * `rule`, for a predefined rule: the rule extension's value, as CEL takes
   * it (bigint for integers, number for doubles, arrays for repeated values).
   */
  readonly rule?: CelInput;
  /**
   * The shape of `rule` when it is given as a protobuf-es value (a number or
   * bigint for an integer, an array for a repeated extension): converted as
   * `this` is. Without it, `rule` is taken as a CEL value.
   */
  readonly ruleShape?: CelValueShape;
  /**
   * `rules`, for a predefined rule: the field's rules message (for example a
   * buf.validate.StringRules) as a ReflectMessage (`reflect(schema, rules)`),
   * or a plain object of the fields it sets, by their proto names, as CEL
   * values (`{ min_len: 3n }`): CEL reads `rules.min_len` and
   * `has(rules.min_len)` of either alike.
   */
  readonly rules?: ReflectMessage | { readonly [name: string]: CelInput };
  /** Messages an expression names (`google.protobuf.Duration{…}`); the well-known types are always known. */
  readonly registry?: Registry;
}

/**
 * An expression ready to evaluate: the expression's result for `value`, true
 * or "" when valid, false or a message when not. Throws a CelEvalError when
 * the evaluation fails (a CEL runtime error, or a result that is neither a
 * bool nor a string).
 */
export type CelProgram = (value: unknown) => boolean | string;

function infinite(this: number, sign: bigint): boolean {
  return (sign >= 0n && this === Number.POSITIVE_INFINITY) || (sign <= 0n && this === Number.NEGATIVE_INFINITY);
}

function bytesIndexOf(haystack: Uint8Array, needle: Uint8Array, from: number): boolean {
  if (needle.length + from > haystack.length) {
    return false;
  }
  for (let i = 0; i < needle.length; i++) {
    if (haystack[from + i] !== needle[i]) {
      return false;
    }
  }
  return true;
}

function unique(this: CelList): boolean {
  const seen = new Set<unknown>();
  for (const item of this) {
    // Bytes compare by content; every NaN is distinct (NaN != NaN in CEL); -0 and 0 collide (Set uses SameValueZero).
    const key = item instanceof Uint8Array ? `b:${Buffer.from(item).toString("latin1")}` : item;
    if (typeof key !== "number" || !Number.isNaN(key)) {
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
    }
  }
  return true;
}

/** protovalidate's CEL functions (validate.proto documents them), on grpckit's checkers (formats.ts). */
const functions: readonly CelFunc[] = [
  celMethod("isEmail", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isEmail(this);
  }),
  celMethod("isHostname", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isHostname(this);
  }),
  celMethod("isIp", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isIp(this);
  }),
  celMethod("isIp", CelScalar.STRING, [CelScalar.INT], CelScalar.BOOL, function (version) {
    return isIp(this, version);
  }),
  celMethod("isIpPrefix", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isIpPrefix(this);
  }),
  celMethod("isIpPrefix", CelScalar.STRING, [CelScalar.INT], CelScalar.BOOL, function (version) {
    return isIpPrefix(this, version);
  }),
  celMethod("isIpPrefix", CelScalar.STRING, [CelScalar.BOOL], CelScalar.BOOL, function (strict) {
    return isIpPrefix(this, 0, strict);
  }),
  celMethod(
    "isIpPrefix",
    CelScalar.STRING,
    [CelScalar.INT, CelScalar.BOOL],
    CelScalar.BOOL,
    function (version, strict) {
      return isIpPrefix(this, version, strict);
    },
  ),
  celMethod("isHostAndPort", CelScalar.STRING, [CelScalar.BOOL], CelScalar.BOOL, function (portRequired) {
    return isHostAndPort(this, portRequired);
  }),
  celMethod("isUri", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isUri(this);
  }),
  celMethod("isUriRef", CelScalar.STRING, [], CelScalar.BOOL, function () {
    return isUriRef(this);
  }),
  celMethod("isNan", CelScalar.DOUBLE, [], CelScalar.BOOL, function () {
    return Number.isNaN(this);
  }),
  celMethod("isInf", CelScalar.DOUBLE, [], CelScalar.BOOL, function () {
    return infinite.call(this, 0n);
  }),
  celMethod("isInf", CelScalar.DOUBLE, [CelScalar.INT], CelScalar.BOOL, infinite),
  ...[CelScalar.INT, CelScalar.UINT, CelScalar.DOUBLE, CelScalar.BOOL, CelScalar.STRING, CelScalar.BYTES].map((e) =>
    celMethod("unique", listType(e), [], CelScalar.BOOL, unique),
  ),
  celMethod("startsWith", CelScalar.BYTES, [CelScalar.BYTES], CelScalar.BOOL, function (prefix) {
    return bytesIndexOf(this, prefix, 0);
  }),
  celMethod("endsWith", CelScalar.BYTES, [CelScalar.BYTES], CelScalar.BOOL, function (suffix) {
    return bytesIndexOf(this, suffix, this.length - suffix.length);
  }),
  celMethod("contains", CelScalar.BYTES, [CelScalar.BYTES], CelScalar.BOOL, function (sub) {
    for (let i = 0; i + sub.length <= this.length; i++) {
      if (bytesIndexOf(this, sub, i)) {
        return true;
      }
    }
    return false;
  }),
];

const scalarTypes = {
  int: ScalarType.INT64,
  uint: ScalarType.UINT64,
  double: ScalarType.DOUBLE,
  bool: ScalarType.BOOL,
  string: ScalarType.STRING,
  bytes: ScalarType.BYTES,
} as const;

type Dyn = CelInput<typeof CelScalar.DYN>;

/** The CEL value of a protobuf-es value of the given shape. */
function toCel(shape: CelValueShape, value: unknown): Dyn {
  if (typeof shape === "string") {
    if (shape === "int" || shape === "uint") {
      const n = typeof value === "bigint" ? value : BigInt(value as number | string);
      return shape === "int" ? n : celUint(n);
    }
    return celFromScalar(scalarTypes[shape], value as never) as Dyn;
  }
  if ("kind" in shape) {
    return isReflectMessage(value) ? value : reflect(shape, (value ?? create(shape)) as Message);
  }
  if ("list" in shape) {
    return (value as readonly unknown[]).map((item) => toCel(shape.list, item));
  }
  const [key, val] = shape.map;
  const map = new Map<Dyn, Dyn>();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    map.set(key === "bool" ? k === "true" : toCel(key, k), toCel(val, v));
  }
  return map as unknown as Dyn;
}

const planned = new Map<string, ReturnType<typeof planExpression>>();

function planExpression(expression: string, registry: Registry | undefined) {
  const env = celEnv({ funcs: [...strings, ...functions], ...(registry === undefined ? {} : { registry }) });
  try {
    return plan(env, parse(expression));
  } catch (cause) {
    throw new CelEvalError(`CEL expression ${JSON.stringify(expression)}: ${String(cause)}`, { cause });
  }
}

/**
 * Parses and plans a CEL expression once; the returned function evaluates it
 * for a value of `options.this`'s shape. Throws a CelEvalError when the
 * expression does not parse (the generator refuses those first).
 */
export function celProgram(expression: string, options: CelProgramOptions): CelProgram {
  // A plan depends on the expression and the registry only (variables are bound per evaluation).
  let run = options.registry === undefined ? planned.get(expression) : undefined;
  if (run === undefined) {
    run = planExpression(expression, options.registry);
    if (options.registry === undefined) {
      planned.set(expression, run);
    }
  }
  const evaluate = run;
  const { this: shape, rules } = options;
  const rule = options.ruleShape === undefined ? options.rule : toCel(options.ruleShape, options.rule);
  // One bindings object per program, refilled per evaluation (evaluation is synchronous): a
  // fresh object with an accessor per call costs more than the evaluation of a small expression.
  let now: ReturnType<typeof timestampNow> | undefined;
  const bindings: Record<string, unknown> = {
    this: undefined,
    get now() {
      now ??= timestampNow();
      return now;
    },
  };
  if (rule !== undefined) {
    bindings.rule = rule;
  }
  if (rules !== undefined) {
    bindings.rules = rules;
  }
  return (value) => {
    now = undefined;
    bindings.this = toCel(shape, value);
    const result = evaluate(bindings as never);
    bindings.this = undefined; // holds no message past its validation
    if (typeof result === "boolean" || typeof result === "string") {
      return result;
    }
    if (isCelError(result)) {
      throw new CelEvalError(result.message, { cause: result });
    }
    throw new CelEvalError(
      `CEL expression ${JSON.stringify(expression)} returned ${typeof result}, not a bool or a string`,
    );
  };
}
