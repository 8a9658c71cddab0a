/*
 * Compiles a protovalidate CEL expression to one TypeScript expression at
 * generation time. The expression is parsed with @bufbuild/cel and
 * type-checked here against the message or field it validates; what is in
 * the compiled subset becomes straight-line code over the protobuf-es value,
 * the rest is left to the run-time fallback (grpckit/cel), and a parse or
 * type error is reported for the caller to place (file, element).
 */

import { parse } from "@bufbuild/cel";
import type { Constant, Expr } from "@bufbuild/cel-spec/cel/expr/syntax_pb.js";
import { type DescField, type DescMessage, isFieldSet, type Message } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { re2RegExpLiteral, translateRe2 } from "../re2.js";
import {
  BOOL,
  BYTES,
  type CelT,
  DOUBLE,
  DYN,
  fieldType,
  type IntRepr,
  STRING,
  sameType,
  typeName,
  wrapperInnerByName,
} from "./types.js";

/** What an expression is checked and compiled against. */
export interface CelCompileEnv {
  /** The type of `this`: `messageType(desc)`, `fieldType(field)` or `elementType(field, part)` of ./types.js. */
  readonly this: CelT;
  /** The identifier that holds `this` in the generated code (default `value`). */
  readonly thisName?: string;
  /**
   * `rule`, for a predefined rule: the type of the rule extension's value and
   * the value (a protobuf-es value: number, bigint, string, boolean, or an
   * array of them), inlined into the code.
   */
  readonly rule?: { readonly type: CelT; readonly value: unknown };
  /** `rules`, for a predefined rule: the field's rules message and its value; read fields are inlined. */
  readonly rules?: { readonly desc: DescMessage; readonly value: Message };
  /** How the emitted code names a helper (its import's local name); by default its exported name. */
  readonly helperName?: (name: string) => string;
}

/** The outcome of {@link compileCel}. */
export type CelCompileResult =
  /**
   * `code` is one TypeScript (and JavaScript) expression that evaluates to
   * the CEL expression's result: true or "" when valid, false or a message
   * when not. It reads `env.thisName` and calls the named `helpers`, exports
   * of "grpckit"; it throws CelEvalError (also of "grpckit") where CEL has a
   * runtime error (overflow, division by zero, missing map key, ...).
   */
  | {
      readonly kind: "compiled";
      readonly code: string;
      readonly helpers: readonly string[];
      readonly resultType: "bool" | "string";
      /** How deeply the expression nests macros (all, exists, ...): its cost is O(size^depth). */
      readonly macroDepth: number;
    }
  /**
   * The expression type-checks but uses something outside the compiled
   * subset: evaluate it at run time with `celProgram` of "grpckit/cel".
   */
  | {
      readonly kind: "fallback";
      readonly reasons: readonly string[];
      readonly resultType: "bool" | "string" | "dyn";
      readonly macroDepth: number;
    }
  /** The expression does not parse or type-check: fail generation with `message`. */
  | { readonly kind: "error"; readonly message: string };

/** A CEL type error: fails generation. */
class CelTypeError extends Error {}

/** A compiled subexpression: its code (null when outside the subset), type, and whether it can throw. */
interface Node {
  readonly code: string | null;
  readonly t: CelT;
  readonly err: boolean;
  /** For an int or uint held as a number: a bound of its magnitude (at most 2^53, so arithmetic stays exact). */
  readonly bound?: number;
  /** Whether `code` is a plain name or member path, cheap and safe to evaluate twice. */
  readonly simple?: boolean;
}

const SAFE = 2 ** 53;
const BOUND_32 = 2 ** 32;

interface Scope {
  readonly vars: ReadonlyMap<string, Node>;
}

class Compiler {
  readonly helpers = new Set<string>();
  readonly reasons: string[] = [];
  usesNow = false;
  macroDepth = 0;
  private depth = 0;
  private counter = 0;
  private readonly macros: Map<string, Expr>;
  /** The expanded tree by id: a macro call's arguments refer to nested macros by id only. */
  private readonly byId = new Map<string, Expr>();
  private readonly source: string;
  private readonly positions: { readonly [id: string]: number };

  constructor(
    readonly env: CelCompileEnv,
    parsed: ReturnType<typeof parse>,
    source: string,
  ) {
    this.source = source;
    this.macros = new Map(Object.entries(parsed.sourceInfo?.macroCalls ?? {}));
    indexExprs(parsed.expr, this.byId);
    this.positions = parsed.sourceInfo?.positions ?? {};
  }

  helper(name: string): string {
    this.helpers.add(name);
    return this.env.helperName?.(name) ?? name;
  }

  /** A node outside the compiled subset. */
  fallback(reason: string, t: CelT = DYN): Node {
    this.reasons.push(reason);
    return { code: null, t, err: true };
  }

  typeError(e: Expr, message: string): never {
    const at = this.positions[e.id.toString()];
    if (at === undefined) {
      throw new CelTypeError(message);
    }
    const before = this.source.slice(0, at);
    const line = before.split("\n").length;
    const column = at - before.lastIndexOf("\n");
    throw new CelTypeError(`${message} (at ${line}:${column})`);
  }

  fresh(name: string): string {
    return `${name}$${++this.counter}`;
  }

  expr(e: Expr, scope: Scope): Node {
    const macro = this.macros.get(e.id.toString());
    if (macro !== undefined && e.exprKind.case === "comprehensionExpr") {
      return this.macro(macro, scope);
    }
    switch (e.exprKind.case) {
      case "constExpr":
        return this.constant(e, e.exprKind.value);
      case "identExpr":
        return this.ident(e, e.exprKind.value.name, scope);
      case "selectExpr": {
        const { operand, field, testOnly } = e.exprKind.value;
        if (operand === undefined) {
          return this.typeError(e, "select without operand");
        }
        return testOnly
          ? this.has(e, this.expr(operand, scope), field)
          : this.select(e, this.expr(operand, scope), field);
      }
      case "callExpr": {
        const { target, function: fn, args } = e.exprKind.value;
        return this.call(e, fn, target === undefined ? undefined : this.expr(target, scope), args, scope);
      }
      case "listExpr":
        return this.list(e.exprKind.value.elements.map((x) => this.expr(x, scope)));
      case "comprehensionExpr":
        return this.fallback("a comprehension that is not a standard macro");
      case "structExpr":
        return this.fallback("message and map construction");
      default: {
        const expanded = this.byId.get(e.id.toString());
        return expanded === undefined || expanded === e
          ? this.typeError(e, "empty expression")
          : this.expr(expanded, scope);
      }
    }
  }

  constant(e: Expr, c: Constant): Node {
    const k = c.constantKind;
    switch (k.case) {
      case "boolValue":
        return { code: String(k.value), t: BOOL, err: false, simple: true };
      case "stringValue":
        return { code: JSON.stringify(k.value), t: STRING, err: false, simple: true };
      case "doubleValue":
        return Number.isFinite(k.value)
          ? { code: `(${String(k.value)})`, t: DOUBLE, err: false, simple: true }
          : this.fallback("non-finite double literal", DOUBLE);
      case "int64Value":
      case "uint64Value": {
        const kind = k.case === "int64Value" ? "int" : "uint";
        const n = k.value;
        const abs = n < 0n ? -n : n;
        if (abs <= 2n ** 31n) {
          return { code: `(${n.toString()})`, t: { k: kind, r: "num" }, err: false, bound: Number(abs), simple: true };
        }
        return { code: `(${n.toString()}n)`, t: { k: kind, r: "big" }, err: false, simple: true };
      }
      case "nullValue":
        return { code: "null", t: { k: "null" }, err: false, simple: true };
      case "bytesValue":
        return this.fallback("bytes literal", BYTES);
      default:
        return this.typeError(e, "unsupported literal");
    }
  }

  ident(e: Expr, name: string, scope: Scope): Node {
    const local = scope.vars.get(name);
    if (local !== undefined) {
      return local;
    }
    switch (name) {
      case "this":
        return {
          code: this.env.thisName ?? "value",
          t: this.env.this,
          err: false,
          simple: true,
          ...intBound(this.env.this),
        };
      case "now":
        this.usesNow = true;
        return { code: "now$", t: { k: "timestamp" }, err: false, simple: true };
      case "rule":
        if (this.env.rule === undefined) {
          return this.typeError(e, "undeclared reference to 'rule' (only predefined rules have one)");
        }
        return this.literal(this.env.rule.type, this.env.rule.value);
      case "rules":
        if (this.env.rules === undefined) {
          return this.typeError(e, "undeclared reference to 'rules' (only predefined rules have them)");
        }
        return { code: null, t: { k: "msg", desc: this.env.rules.desc }, err: false };
      default:
        return this.typeError(e, `undeclared reference to '${name}'`);
    }
  }

  /** A value known at generation time (a rule's value), as a literal. */
  literal(t: CelT, value: unknown): Node {
    const inner = t.k === "opaque" ? wrapperInnerByName(t.name) : undefined;
    if (inner !== undefined && typeof value === "object" && value !== null && "value" in value) {
      return this.literal(inner, value.value);
    }
    if (t.k === "list" && Array.isArray(value)) {
      // A list of wrappers (`repeated google.protobuf.Int64Value`) is, in CEL, a list of their values.
      const e = t.e.k === "opaque" ? (wrapperInnerByName(t.e.name) ?? t.e) : t.e;
      return this.list(
        value.map((v) => this.literal(t.e, v)),
        { k: "list", e },
      );
    }
    if ((t.k === "int" || t.k === "uint") && (typeof value === "number" || typeof value === "bigint")) {
      const n = BigInt(value);
      const abs = n < 0n ? -n : n;
      return abs <= 2n ** 31n
        ? { code: `(${n})`, t: { k: t.k, r: "num" }, err: false, bound: Number(abs), simple: true }
        : { code: `(${n}n)`, t: { k: t.k, r: "big" }, err: false, simple: true };
    }
    if (t.k === "double" && typeof value === "number" && Number.isFinite(value)) {
      return { code: `(${value})`, t, err: false, simple: true };
    }
    if ((t.k === "string" || t.k === "bool") && (typeof value === "string" || typeof value === "boolean")) {
      return { code: JSON.stringify(value), t, err: false, simple: true };
    }
    return this.fallback(`a rule value of type ${typeName(t)}`, t);
  }

  list(items: Node[], declared?: CelT): Node {
    const first = items[0];
    const e = declared?.k === "list" ? declared.e : first?.t;
    if (e === undefined) {
      return this.fallback("empty list literal", { k: "list", e: DYN });
    }
    if (!items.every((x) => sameType(x.t, e))) {
      return this.fallback("a list literal of mixed types", { k: "list", e: DYN });
    }
    const big = items.some((x) => "r" in x.t && x.t.r === "big");
    const et: CelT = e.k === "int" || e.k === "uint" ? { k: e.k, r: big ? "big" : "num" } : e;
    const codes = items.map((x) => (big ? toBig(x) : x.code));
    if (codes.some((c) => c === null)) {
      return { code: null, t: { k: "list", e: et }, err: true };
    }
    return { code: `[${codes.join(", ")}]`, t: { k: "list", e: et }, err: items.some((x) => x.err) };
  }

  field(e: Expr, desc: DescMessage, name: string): DescField {
    const field = desc.fields.find((f) => f.name === name);
    if (field === undefined) {
      return this.typeError(e, `undefined field '${name}' of ${desc.typeName}`);
    }
    return field;
  }

  select(e: Expr, operand: Node, name: string): Node {
    const t = operand.t;
    if (isDyn(t) || t.k === "opaque") {
      return this.fallback(`field selection on ${typeName(t)}`);
    }
    if (t.k === "map") {
      return this.fallback("map field selection", t.v);
    }
    if (t.k !== "msg") {
      return this.typeError(e, `type '${typeName(t)}' does not support field selection`);
    }
    const field = this.field(e, t.desc, name);
    const ft = fieldType(field);
    if (this.env.rules !== undefined && t.desc === this.env.rules.desc && operand.code === null) {
      const value = (this.env.rules.value as unknown as Record<string, unknown>)[field.localName];
      return this.literal(ft, value);
    }
    if (operand.code === null) {
      return { code: null, t: ft, err: true };
    }
    if (ft.k === "wrapper" || ft.k === "opaque") {
      return this.fallback(`reading ${typeName(ft)} field '${name}'`, ft.k === "wrapper" ? DYN : ft);
    }
    // A message-typed operand may be undefined (an unset field reads as the default message).
    const base = `${operand.code}?.`;
    const zero = zeroOf(ft, field);
    let code: string;
    if (field.oneof !== undefined) {
      if (!operand.simple) {
        return this.fallback("a oneof member of a computed message", ft);
      }
      const oneof = `${base}${field.oneof.localName}`;
      code = `(${oneof}.case === ${JSON.stringify(field.localName)} ? ${operand.code}.${field.oneof.localName}.value : ${zero ?? "undefined"})`;
    } else {
      code = zero === undefined ? `${base}${field.localName}` : `(${base}${field.localName} ?? ${zero})`;
    }
    return { code, t: ft, err: operand.err, simple: operand.simple === true && zero === undefined, ...intBound(ft) };
  }

  has(e: Expr, operand: Node, name: string): Node {
    const t = operand.t;
    if (isDyn(t) || t.k === "opaque" || t.k === "map") {
      return this.fallback(`has() on ${typeName(t)}`, BOOL);
    }
    if (t.k !== "msg") {
      return this.typeError(e, `has() needs a message field, not a field of ${typeName(t)}`);
    }
    const field = this.field(e, t.desc, name);
    if (this.env.rules !== undefined && t.desc === this.env.rules.desc && operand.code === null) {
      return { code: String(isFieldSet(this.env.rules.value, field)), t: BOOL, err: false, simple: true };
    }
    if (operand.code === null) {
      return { code: null, t: BOOL, err: true };
    }
    if (!operand.simple) {
      return this.fallback("has() on a computed message", BOOL);
    }
    const v = operand.code;
    const key = JSON.stringify(field.localName);
    let code: string;
    if (field.oneof !== undefined) {
      code = `${v}?.${field.oneof.localName}.case === ${key}`;
    } else if (field.fieldKind === "list") {
      code = `(${v}?.${field.localName}.length ?? 0) > 0`;
    } else if (field.fieldKind === "map") {
      code = `(${v} !== undefined && Object.keys(${v}.${field.localName}).length > 0)`;
    } else if (field.fieldKind === "message") {
      code = `${v}?.${field.localName} !== undefined`;
    } else if (field.presence !== FeatureSet_FieldPresence.IMPLICIT) {
      code = `(${v}?.${field.localName} !== undefined && Object.prototype.hasOwnProperty.call(${v}, ${key}))`;
    } else {
      const zero = zeroOf(fieldType(field), field) ?? "undefined";
      code =
        field.fieldKind === "scalar" && fieldType(field).k === "bytes"
          ? `(${v}?.${field.localName}.length ?? 0) > 0`
          : `(${v} !== undefined && ${v}.${field.localName} !== ${zero})`;
    }
    return { code: `(${code})`, t: BOOL, err: false };
  }

  call(e: Expr, fn: string, target: Node | undefined, argExprs: readonly Expr[], scope: Scope): Node {
    if (fn === "_&&_" || fn === "_||_") {
      return this.logic(e, fn, argExprs, scope);
    }
    const args = argExprs.map((a) => this.expr(a, scope));
    if (target !== undefined) {
      return this.method(e, fn, target, args, argExprs);
    }
    const [a, b, c] = args;
    switch (fn) {
      case "!_":
        return this.not(e, a as Node);
      case "_?_:_":
        return this.ternary(e, a as Node, b as Node, c as Node);
      case "_==_":
      case "_!=_":
        return this.equals(e, fn === "_!=_", a as Node, b as Node);
      case "_<_":
      case "_<=_":
      case "_>_":
      case "_>=_":
        return this.order(e, fn.slice(1, -1), a as Node, b as Node);
      case "_+_":
      case "_-_":
      case "_*_":
      case "_/_":
      case "_%_":
        return this.arith(e, fn.slice(1, -1), a as Node, b as Node);
      case "-_":
        return this.negate(e, a as Node);
      case "_[_]":
        return this.index(e, a as Node, b as Node);
      case "@in":
        return this.inList(e, a as Node, b as Node);
      case "size":
        return this.size(e, a as Node);
      case "int":
      case "uint":
      case "double":
      case "string":
        return this.convert(e, fn, a as Node);
      case "dyn":
        return this.fallback("dyn()");
      case "duration":
      case "timestamp":
        return this.timeLiteral(e, fn, argExprs[0] as Expr, a as Node);
      case "bool":
      case "bytes":
      case "type":
      case "matches":
      case "getField":
      case "strings.quote":
      case "math.greatest":
      case "math.least":
        return this.fallback(`${fn}()`);
      default:
        return this.typeError(e, `undeclared reference to '${fn}'`);
    }
  }

  logic(e: Expr, fn: string, argExprs: readonly Expr[], scope: Scope): Node {
    const [a, b] = argExprs.map((x) => this.expr(x, scope)) as [Node, Node];
    for (const x of [a, b]) {
      if (x.t.k !== "bool" && !isDyn(x.t)) {
        this.typeError(e, `found no matching overload for '${fn}' applied to '(${typeName(a.t)}, ${typeName(b.t)})'`);
      }
    }
    if (a.code === null || b.code === null) {
      return { code: null, t: BOOL, err: true };
    }
    if (!a.err && !b.err) {
      return { code: `(${a.code} ${fn === "_&&_" ? "&&" : "||"} ${b.code})`, t: BOOL, err: false };
    }
    const h = this.helper(fn === "_&&_" ? "celAnd" : "celOr");
    return { code: `${h}(() => ${a.code}, () => ${b.code})`, t: BOOL, err: true };
  }

  not(e: Expr, a: Node): Node {
    if (a.t.k !== "bool" && !isDyn(a.t)) {
      this.typeError(e, `found no matching overload for '!_' applied to '(${typeName(a.t)})'`);
    }
    return { code: a.code === null ? null : `!${a.code}`, t: BOOL, err: a.err };
  }

  ternary(e: Expr, c: Node, a: Node, b: Node): Node {
    if (c.t.k !== "bool" && !isDyn(c.t)) {
      this.typeError(e, `found no matching overload for '_?_:_' applied to '(${typeName(c.t)}, ...)'`);
    }
    if (!sameType(a.t, b.t)) {
      if (!isDyn(a.t) && !isDyn(b.t) && a.t.k !== "null" && b.t.k !== "null") {
        this.typeError(e, `the branches of '_?_:_' differ: '${typeName(a.t)}' and '${typeName(b.t)}'`);
      }
      return this.fallback("a conditional of mixed types");
    }
    const big = "r" in a.t && (a.t.r === "big" || ("r" in b.t && b.t.r === "big"));
    const t: CelT = "r" in a.t ? { k: a.t.k, r: big ? "big" : "num" } : a.t;
    const x = big ? toBig(a) : a.code;
    const y = big ? toBig(b) : b.code;
    if (c.code === null || x === null || y === null) {
      return { code: null, t, err: true };
    }
    const bound = big ? undefined : Math.max(a.bound ?? SAFE, b.bound ?? SAFE);
    return {
      code: `(${c.code} ? ${x} : ${y})`,
      t,
      err: c.err || a.err || b.err,
      ...(bound === undefined ? {} : { bound }),
    };
  }

  equals(e: Expr, negate: boolean, a: Node, b: Node): Node {
    const op = negate ? "!==" : "===";
    const t = a.t;
    const fail = () =>
      this.typeError(
        e,
        `found no matching overload for '${negate ? "_!=_" : "_==_"}' applied to '(${typeName(a.t)}, ${typeName(b.t)})'`,
      );
    if (isDyn(t) || isDyn(b.t)) {
      return this.fallback("equality of dyn values", BOOL);
    }
    let code: string | null = null;
    if (isNumeric(t) && isNumeric(b.t)) {
      const [x, y] = numericPair(a, b);
      if (x !== null && y !== null) {
        const sameRepr = "r" in t && "r" in b.t ? t.r === b.t.r : true;
        code = sameRepr ? `(${x} ${op} ${y})` : `${negate ? "!" : ""}${this.helper("celNumEq")}(${x}, ${y})`;
      }
    } else if (!sameType(t, b.t)) {
      if (t.k === "null" || b.t.k === "null") {
        return this.fallback("comparison with null", BOOL);
      }
      return fail();
    } else if (t.k === "string" || t.k === "bool") {
      code = a.code === null || b.code === null ? null : `(${a.code} ${op} ${b.code})`;
    } else if (t.k === "bytes") {
      code =
        a.code === null || b.code === null
          ? null
          : `${negate ? "!" : ""}${this.helper("bytesEqual")}(${a.code}, ${b.code})`;
    } else if (t.k === "timestamp" || t.k === "duration") {
      code =
        a.code === null || b.code === null ? null : `(${this.helper("celCompareTime")}(${a.code}, ${b.code}) ${op} 0)`;
    } else {
      return this.fallback(`equality of ${typeName(t)}`, BOOL);
    }
    return { code, t: BOOL, err: a.err || b.err };
  }

  order(e: Expr, op: string, a: Node, b: Node): Node {
    const t = a.t;
    if (isDyn(t) || isDyn(b.t)) {
      return this.fallback("ordering of dyn values", BOOL);
    }
    let code: string | null = null;
    const both = a.code !== null && b.code !== null;
    if (isNumeric(t) && isNumeric(b.t)) {
      // JavaScript's relational operators compare a bigint with a number exactly (int with uint).
      const [x, y] = numericPair(a, b);
      code = x !== null && y !== null ? `(${x} ${op} ${y})` : null;
    } else if (!sameType(t, b.t)) {
      return this.typeError(
        e,
        `found no matching overload for '_${op}_' applied to '(${typeName(a.t)}, ${typeName(b.t)})'`,
      );
    } else if (t.k === "string") {
      code = both ? `(${this.helper("celCompareStrings")}(${a.code}, ${b.code}) ${op} 0)` : null;
    } else if (t.k === "bool") {
      code = both ? `(${a.code} ${op} ${b.code})` : null;
    } else if (t.k === "timestamp" || t.k === "duration") {
      code = both ? `(${this.helper("celCompareTime")}(${a.code}, ${b.code}) ${op} 0)` : null;
    } else if (t.k === "bytes") {
      return this.fallback("ordering of bytes", BOOL);
    } else {
      return this.typeError(
        e,
        `found no matching overload for '_${op}_' applied to '(${typeName(t)}, ${typeName(t)})'`,
      );
    }
    return { code, t: BOOL, err: a.err || b.err };
  }

  arith(e: Expr, op: string, a: Node, b: Node): Node {
    const fail = () =>
      this.typeError(e, `found no matching overload for '_${op}_' applied to '(${typeName(a.t)}, ${typeName(b.t)})'`);
    if (isDyn(a.t) || isDyn(b.t)) {
      return this.fallback(`'${op}' on dyn values`);
    }
    if (a.t.k !== b.t.k) {
      return fail();
    }
    const both = a.code !== null && b.code !== null;
    const err = a.err || b.err;
    switch (a.t.k) {
      case "double":
        if (op === "%") {
          return fail();
        }
        return { code: both ? `(${a.code} ${op} ${b.code})` : null, t: DOUBLE, err };
      case "string":
        if (op !== "+") {
          return fail();
        }
        return { code: both ? `(${a.code} + ${b.code})` : null, t: STRING, err };
      case "list":
        if (op !== "+" || !sameType(a.t, b.t) || b.t.k !== "list") {
          return op === "+" ? this.fallback("concatenation of lists of different types") : fail();
        }
        if ("r" in a.t.e && "r" in b.t.e && a.t.e.r !== b.t.e.r) {
          return this.fallback("concatenation of int lists of different representations");
        }
        return { code: both ? `[...${a.code}, ...${b.code}]` : null, t: a.t, err };
      case "int":
      case "uint":
        return this.intArith(op, a, b, a.t.k);
      case "bytes":
      case "timestamp":
      case "duration":
        return op === "+" || op === "-" ? this.fallback(`'${op}' on ${typeName(a.t)}`, a.t) : fail();
      default:
        return fail();
    }
  }

  intArith(op: string, a: Node, b: Node, kind: "int" | "uint"): Node {
    const err = a.err || b.err;
    const t = (r: IntRepr): CelT => ({ k: kind, r });
    if (a.code === null || b.code === null) {
      return { code: null, t: t("big"), err: true };
    }
    if (a.bound !== undefined && b.bound !== undefined) {
      const bound = op === "+" || op === "-" ? a.bound + b.bound : op === "*" ? a.bound * b.bound : a.bound;
      const literalDivisor = b.simple && b.code.startsWith("(") && Number(b.code.slice(1, -1)) !== 0;
      if (bound <= SAFE && (op === "+" || op === "*" || (op === "-" && kind === "int"))) {
        return { code: `(${a.code} ${op} ${b.code})`, t: t("num"), err, bound };
      }
      if (op === "%" && literalDivisor) {
        return { code: `(${a.code} % ${b.code})`, t: t("num"), err, bound: Math.min(a.bound, b.bound) };
      }
      if (op === "/" && literalDivisor && a.bound <= BOUND_32) {
        return { code: `Math.trunc(${a.code} / ${b.code})`, t: t("num"), err, bound: a.bound };
      }
    }
    const names: Record<string, string> = { "+": "Add", "-": "Sub", "*": "Mul", "/": "Div", "%": "Mod" };
    const h = this.helper(`cel${kind === "int" ? "Int" : "Uint"}${names[op]}`);
    return { code: `${h}(${toBig(a)}, ${toBig(b)})`, t: t("big"), err: true };
  }

  negate(e: Expr, a: Node): Node {
    if (a.t.k === "double") {
      return { code: a.code === null ? null : `(-${a.code})`, t: DOUBLE, err: a.err };
    }
    if (isDyn(a.t)) {
      return this.fallback("negation of dyn");
    }
    if (a.t.k !== "int") {
      return this.typeError(e, `found no matching overload for '-_' applied to '(${typeName(a.t)})'`);
    }
    if (a.code === null) {
      return { code: null, t: a.t, err: true };
    }
    if (a.bound !== undefined) {
      // `0 - x` rather than `-x`: no -0 for an int.
      return { code: `(0 - ${a.code})`, t: a.t, err: a.err, bound: a.bound };
    }
    return { code: `${this.helper("celIntNeg")}(${a.code})`, t: a.t, err: true };
  }

  index(e: Expr, a: Node, i: Node): Node {
    if (a.t.k === "list") {
      if (i.t.k !== "int" && i.t.k !== "uint" && !isDyn(i.t)) {
        return this.typeError(
          e,
          `found no matching overload for '_[_]' applied to '(${typeName(a.t)}, ${typeName(i.t)})'`,
        );
      }
      const code = a.code === null || i.code === null ? null : `${this.helper("celIndex")}(${a.code}, ${i.code})`;
      return { code, t: a.t.e, err: true, ...intBound(a.t.e) };
    }
    if (a.t.k === "map") {
      if (!sameType(a.t.key, i.t) && !isDyn(i.t)) {
        return this.typeError(
          e,
          `found no matching overload for '_[_]' applied to '(${typeName(a.t)}, ${typeName(i.t)})'`,
        );
      }
      if (a.t.v.k === "opaque") {
        return this.fallback(`a map of ${typeName(a.t.v)}`, a.t.v);
      }
      const code = a.code === null || i.code === null ? null : `${this.helper("celMapGet")}(${a.code}, ${i.code})`;
      return { code, t: a.t.v, err: true, ...intBound(a.t.v) };
    }
    if (isDyn(a.t)) {
      return this.fallback("indexing dyn");
    }
    return this.typeError(e, `type '${typeName(a.t)}' does not support indexing`);
  }

  inList(e: Expr, x: Node, list: Node): Node {
    if (list.t.k === "map") {
      if (!sameType(list.t.key, x.t)) {
        return this.typeError(
          e,
          `found no matching overload for '@in' applied to '(${typeName(x.t)}, ${typeName(list.t)})'`,
        );
      }
      const code =
        x.code === null || list.code === null
          ? null
          : `Object.prototype.hasOwnProperty.call(${list.code}, String(${x.code}))`;
      return { code, t: BOOL, err: x.err || list.err };
    }
    if (list.t.k !== "list") {
      return isDyn(list.t)
        ? this.fallback("'in' on dyn", BOOL)
        : this.typeError(
            e,
            `found no matching overload for '@in' applied to '(${typeName(x.t)}, ${typeName(list.t)})'`,
          );
    }
    if (!x.simple) {
      return this.fallback("'in' with a computed operand", BOOL);
    }
    const item = this.fresh("e");
    const eq = this.equals(e, false, { code: item, t: list.t.e, err: false, simple: true }, x);
    const code =
      eq.code === null || list.code === null || x.code === null ? null : `${list.code}.some((${item}) => ${eq.code})`;
    return { code, t: BOOL, err: x.err || list.err };
  }

  size(e: Expr, a: Node): Node {
    const t: CelT = { k: "int", r: "num" };
    const with_ = (code: string) => ({ code: a.code === null ? null : code, t, err: a.err, bound: SAFE / 2 });
    switch (a.t.k) {
      case "string":
        return with_(`${this.helper("codePointCount")}(${a.code})`);
      case "bytes":
      case "list":
        return with_(`${a.code}.length`);
      case "map":
        return with_(`Object.keys(${a.code}).length`);
      case "dyn":
        return this.fallback("size() of dyn", t);
      default:
        return this.typeError(e, `found no matching overload for 'size' applied to '(${typeName(a.t)})'`);
    }
  }

  convert(e: Expr, fn: string, a: Node): Node {
    const c = a.code;
    const fail = () => this.typeError(e, `found no matching overload for '${fn}' applied to '(${typeName(a.t)})'`);
    if (isDyn(a.t)) {
      return this.fallback(`${fn}() of dyn`);
    }
    if (c === null) {
      return {
        code: null,
        t: fn === "double" ? DOUBLE : fn === "string" ? STRING : { k: fn as "int", r: "big" },
        err: true,
      };
    }
    const k = a.t.k;
    switch (fn) {
      case "int":
        if (k === "int") {
          return a;
        }
        if (k === "uint") {
          return a.bound !== undefined
            ? { ...a, t: { k: "int", r: "num" } }
            : { code: `${this.helper("celUintToInt")}(${c})`, t: { k: "int", r: "big" }, err: true };
        }
        if (k === "double") {
          return { code: `${this.helper("celIntOfDouble")}(${c})`, t: { k: "int", r: "big" }, err: true };
        }
        if (k === "timestamp") {
          return { code: `${c}.seconds`, t: { k: "int", r: "big" }, err: a.err };
        }
        return k === "string" ? this.fallback("int() of a string", { k: "int", r: "big" }) : fail();
      case "uint":
        if (k === "uint") {
          return a;
        }
        if (k === "int") {
          return { code: `${this.helper("celIntToUint")}(${toBig(a)})`, t: { k: "uint", r: "big" }, err: true };
        }
        return k === "double" || k === "string" ? this.fallback(`uint() of ${k}`, { k: "uint", r: "big" }) : fail();
      case "double":
        if (k === "double") {
          return a;
        }
        if (k === "int" || k === "uint") {
          return { code: a.bound !== undefined ? c : `Number(${c})`, t: DOUBLE, err: a.err };
        }
        return k === "string" ? this.fallback("double() of a string", DOUBLE) : fail();
      default:
        if (k === "string") {
          return a;
        }
        if (k === "int" || k === "uint" || k === "bool") {
          return { code: `String(${c})`, t: STRING, err: a.err };
        }
        return ["double", "bytes", "timestamp", "duration"].includes(k)
          ? this.fallback(`string() of ${k}`, STRING)
          : fail();
    }
  }

  /** `duration('1.5s')` and `timestamp('2024-01-01T00:00:00Z')` of a literal, parsed at generation. */
  timeLiteral(e: Expr, fn: "duration" | "timestamp", arg: Expr, a: Node): Node {
    const t: CelT = { k: fn };
    if (a.t.k !== "string") {
      return isDyn(a.t)
        ? this.fallback(`${fn}() of dyn`, t)
        : this.typeError(e, `found no matching overload for '${fn}' applied to '(${typeName(a.t)})'`);
    }
    if (arg.exprKind.case !== "constExpr" || arg.exprKind.value.constantKind.case !== "stringValue") {
      return this.fallback(`${fn}() of a computed string`, t);
    }
    const text = arg.exprKind.value.constantKind.value;
    const parsed = fn === "duration" ? parseDuration(text) : parseTimestamp(text);
    if (parsed === undefined) {
      // Not one the compiler reads (or not valid): the fallback decides, at run time, as protovalidate.
      return this.fallback(`${fn}(${JSON.stringify(text)})`, t);
    }
    return { code: `{ seconds: ${parsed.seconds}n, nanos: ${parsed.nanos} }`, t, err: false };
  }

  /**
   * `s.matches(pattern)` of a literal pattern: RE2, translated at generation
   * into a JavaScript regular expression of the same meaning (./re2.ts).
   */
  matches(e: Expr, patternExpr: Expr, target: Node, pattern: Node): Node {
    const k = patternExpr.exprKind;
    if (k.case !== "constExpr" || k.value.constantKind.case !== "stringValue") {
      return this.fallback("matches() of a computed pattern", BOOL);
    }
    const translation = translateRe2(k.value.constantKind.value);
    if (!translation.ok) {
      return this.typeError(
        e,
        `invalid RE2 pattern ${JSON.stringify(k.value.constantKind.value)}: ${translation.error}`,
      );
    }
    const code = target.code === null ? null : `${re2RegExpLiteral(k.value.constantKind.value)}.test(${target.code})`;
    return { code, t: BOOL, err: target.err || pattern.err };
  }

  method(e: Expr, fn: string, target: Node, args: Node[], argExprs: readonly Expr[]): Node {
    const t = target.t;
    const c = target.code;
    const fail = () =>
      this.typeError(
        e,
        `found no matching overload for '${fn}' applied to '${typeName(t)}.(${args.map((a) => typeName(a.t)).join(", ")})'`,
      );
    if (isDyn(t)) {
      return this.fallback(`${fn}() on dyn`);
    }
    const ok = (code: string, rt: CelT = BOOL, extra: Partial<Node> = {}): Node => ({
      code: c === null || args.some((a) => a.code === null) ? null : code,
      t: rt,
      err: target.err || args.some((a) => a.err),
      ...extra,
    });
    const [a] = args;
    switch (fn) {
      case "startsWith":
      case "endsWith":
      case "contains":
        if (t.k === "string" && args.length === 1 && a?.t.k === "string") {
          return ok(`${c}.${fn === "contains" ? "includes" : fn}(${a.code})`);
        }
        return t.k === "bytes" ? this.fallback(`${fn}() on bytes`, BOOL) : fail();
      case "size":
        return args.length === 0 ? this.size(e, target) : fail();
      case "matches":
        return t.k === "string" && args.length === 1 && a?.t.k === "string"
          ? this.matches(e, argExprs[0] as Expr, target, a)
          : fail();
      case "isEmail":
      case "isHostname":
      case "isUri":
      case "isUriRef":
        return t.k === "string" && args.length === 0 ? ok(`${this.helper(fn)}(${c})`) : fail();
      case "isIp": {
        if (t.k !== "string" || args.length > 1 || (a !== undefined && a.t.k !== "int")) {
          return fail();
        }
        const version = a === undefined ? "(0)" : (a.code ?? "");
        const known: Record<string, string> = { "(0)": "isIp", "(4)": "isIpv4", "(6)": "isIpv6" };
        const name = known[version];
        if (name !== undefined) {
          return ok(`${this.helper(name)}(${c})`);
        }
        // Any other version: formats.ts's isIp answers false for it, as protovalidate does.
        return ok(`${this.helper("isIp")}(${c}, ${a?.code})`);
      }
      case "isHostAndPort":
        return t.k === "string" && args.length === 1 && a?.t.k === "bool"
          ? ok(`${this.helper("isHostAndPort")}(${c}, ${a.code})`)
          : fail();
      case "isIpPrefix": {
        // isIpPrefix(), (version), (strict), (version, strict): formats.ts's isIpPrefix(s, version, strict).
        const [b] = args.slice(1);
        const shape = args.map((x) => x.t.k).join(",");
        if (t.k !== "string" || !["", "int", "bool", "int,bool"].includes(shape)) {
          return fail();
        }
        const call =
          shape === ""
            ? ""
            : shape === "int"
              ? `, ${a?.code}`
              : shape === "bool"
                ? `, 0, ${a?.code}`
                : `, ${a?.code}, ${b?.code}`;
        return ok(`${this.helper("isIpPrefix")}(${c}${call})`);
      }
      case "isNan":
        return t.k === "double" && args.length === 0 ? ok(`Number.isNaN(${c})`) : fail();
      case "isInf":
        if (t.k !== "double" || args.length > 1) {
          return fail();
        }
        return args.length === 0 ? ok(`(Math.abs(${c}) === Infinity)`) : this.fallback("isInf(sign)", BOOL);
      case "unique":
        if (t.k !== "list" || args.length > 0) {
          return fail();
        }
        if (t.e.k === "string" || t.e.k === "bool" || t.e.k === "int" || t.e.k === "uint") {
          return ok(`!${this.helper("hasDuplicates")}(${c})`);
        }
        if (t.e.k === "bytes") {
          return ok(`!${this.helper("hasDuplicateBytes")}(${c})`);
        }
        return t.e.k === "double" ? this.fallback("unique() of doubles", BOOL) : fail();
      case "format":
      case "charAt":
      case "indexOf":
      case "lastIndexOf":
      case "lowerAscii":
      case "upperAscii":
      case "replace":
      case "split":
      case "substring":
      case "trim":
      case "join":
      case "reverse":
        return this.fallback(`${fn}()`);
      case "getSeconds":
      case "getMinutes":
      case "getHours":
      case "getMilliseconds":
      case "getFullYear":
      case "getMonth":
      case "getDayOfMonth":
      case "getDayOfYear":
      case "getDayOfWeek":
      case "getDate":
        return t.k === "timestamp" || t.k === "duration" ? this.fallback(`${fn}()`, { k: "int", r: "big" }) : fail();
      default:
        return this.typeError(e, `undeclared reference to '${fn}' (in container '')`);
    }
  }

  macro(call: Expr, scope: Scope): Node {
    if (call.exprKind.case !== "callExpr") {
      return this.fallback("an unknown macro");
    }
    const { target: rangeExpr, function: fn, args } = call.exprKind.value;
    const [varExpr, bodyExpr] = args;
    if (
      rangeExpr === undefined ||
      varExpr?.exprKind.case !== "identExpr" ||
      bodyExpr === undefined ||
      args.length !== 2
    ) {
      return this.fallback(`the ${fn} macro with ${args.length} arguments`);
    }
    const range = this.expr(rangeExpr, scope);
    let elem: CelT;
    let items: string | null = range.code;
    if (range.t.k === "list") {
      elem = range.t.e;
    } else if (range.t.k === "map") {
      elem = range.t.key;
      const key = elem.k === "int" || elem.k === "uint" ? (elem.r === "num" ? "Number" : "BigInt") : undefined;
      items =
        range.code === null
          ? null
          : elem.k === "bool"
            ? `Object.keys(${range.code}).map((k) => k === "true")`
            : key === undefined
              ? `Object.keys(${range.code})`
              : `Object.keys(${range.code}).map(${key})`;
    } else if (isDyn(range.t)) {
      return this.fallback(`${fn}() over dyn`);
    } else {
      return this.typeError(call, `${fn}() needs a list or a map, not ${typeName(range.t)}`);
    }
    if (elem.k === "opaque") {
      this.fallback(`${fn}() over ${typeName(elem)}`);
    }
    const name = this.fresh(varExpr.exprKind.value.name);
    const vars = new Map(scope.vars);
    vars.set(varExpr.exprKind.value.name, { code: name, t: elem, err: false, simple: true, ...intBound(elem) });
    this.depth++;
    this.macroDepth = Math.max(this.macroDepth, this.depth);
    const body = this.expr(bodyExpr, { vars });
    this.depth--;
    const err = range.err || body.err;
    const done = (code: string, t: CelT, e = err): Node => ({
      code: items === null || body.code === null ? null : code,
      t,
      err: e,
    });
    const isBool = () => {
      if (body.t.k !== "bool" && !isDyn(body.t)) {
        this.typeError(bodyExpr, `the predicate of ${fn}() is ${typeName(body.t)}, not bool`);
      }
    };
    switch (fn) {
      case "all":
      case "exists":
        isBool();
        if (!body.err) {
          return done(`${items}.${fn === "all" ? "every" : "some"}((${name}) => ${body.code})`, BOOL);
        }
        return done(`${this.helper(fn === "all" ? "celAll" : "celExists")}(${items}, (${name}) => ${body.code})`, BOOL);
      case "exists_one":
        isBool();
        return done(`(${items}.filter((${name}) => ${body.code}).length === 1)`, BOOL);
      case "map":
        return done(`${items}.map((${name}) => ${body.code})`, { k: "list", e: body.t });
      case "filter":
        isBool();
        return done(`${items}.filter((${name}) => ${body.code})`, { k: "list", e: elem });
      default:
        return this.fallback(`the ${fn} macro`);
    }
  }
}

function indexExprs(e: Expr, into: Map<string, Expr>): void {
  into.set(e.id.toString(), e);
  const k = e.exprKind;
  switch (k.case) {
    case "selectExpr":
      if (k.value.operand) indexExprs(k.value.operand, into);
      break;
    case "callExpr":
      if (k.value.target) indexExprs(k.value.target, into);
      for (const a of k.value.args) indexExprs(a, into);
      break;
    case "listExpr":
      for (const a of k.value.elements) indexExprs(a, into);
      break;
    case "structExpr":
      for (const entry of k.value.entries) {
        if (entry.value) indexExprs(entry.value, into);
        if (entry.keyKind.case === "mapKey") indexExprs(entry.keyKind.value, into);
      }
      break;
    case "comprehensionExpr":
      for (const x of [k.value.iterRange, k.value.accuInit, k.value.loopCondition, k.value.loopStep, k.value.result]) {
        if (x) indexExprs(x, into);
      }
      break;
  }
}

/** Whether only the run time knows the type's values: dyn, and wrappers (a value or null) read as themselves. */
function isDyn(t: CelT): boolean {
  return t.k === "dyn" || t.k === "wrapper" || (t.k === "opaque" && wrapperInnerByName(t.name) !== undefined);
}

/**
 * The codes of two numbers to compare. An int or uint compared with a double
 * is converted to a double first, as CEL does (so 2^63 - 512 equals 2^63.0).
 */
function numericPair(a: Node, b: Node): [string | null, string | null] {
  const double = a.t.k === "double" || b.t.k === "double";
  const side = (n: Node) => (double && "r" in n.t && n.t.r === "big" && n.code !== null ? `Number(${n.code})` : n.code);
  return [side(a), side(b)];
}

function isNumeric(t: CelT): boolean {
  return t.k === "int" || t.k === "uint" || t.k === "double";
}

function intBound(t: CelT): { bound?: number } {
  return "r" in t && t.r === "num" ? { bound: BOUND_32 } : {};
}

/** The code of an int or uint node as a bigint. */
function toBig(n: Node): string | null {
  if (n.code === null) {
    return null;
  }
  return "r" in n.t && n.t.r === "num" ? `BigInt(${n.code})` : n.code;
}

/** The code of a field's zero value where protobuf-es may hold undefined, or undefined where it never does. */
function zeroOf(t: CelT, field: DescField): string | undefined {
  if (field.fieldKind === "list") {
    return "[]";
  }
  if (field.fieldKind === "map") {
    return "{}";
  }
  switch (t.k) {
    case "int":
    case "uint":
      return t.r === "big" ? "0n" : "0";
    case "double":
      return "0";
    case "bool":
      return "false";
    case "string":
      return '""';
    case "bytes":
      return "new Uint8Array(0)";
    case "timestamp":
    case "duration":
      return "{ seconds: 0n, nanos: 0 }";
    default:
      return undefined;
  }
}

/**
 * Parses an RFC 3339 timestamp (`2024-01-01T00:00:00.5Z`, `...+02:00`) of
 * the years 0001 to 9999, or undefined when it is not one.
 */
export function parseTimestamp(text: string): { seconds: bigint; nanos: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (m === null) {
    return undefined;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (
    year < 1 ||
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const offset = m[8] === undefined ? 0 : (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
  const seconds = BigInt(date.getTime() / 1000 - offset);
  if (seconds < -62_135_596_800n || seconds > 253_402_300_799n) {
    return undefined;
  }
  return { seconds, nanos: Number((m[7] ?? "").padEnd(9, "0")) };
}

/** Parses a CEL duration string ("1h2m3.5s", "-10ms"), or undefined when it is not one. */
export function parseDuration(text: string): { seconds: bigint; nanos: number } | undefined {
  const match = /^(-)?((?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+|0)$/.exec(text);
  if (match === null) {
    return undefined;
  }
  const unit: Record<string, bigint> = {
    h: 3_600_000_000_000n,
    m: 60_000_000_000n,
    s: 1_000_000_000n,
    ms: 1_000_000n,
    us: 1_000n,
    µs: 1_000n,
    ns: 1n,
  };
  let total = 0n;
  for (const part of (match[2] as string).matchAll(/(\d+)(?:\.(\d+))?(h|ms|m|s|us|µs|ns)?/g)) {
    const scale = unit[part[3] ?? "s"] as bigint;
    const fraction = part[2] ?? "";
    total += BigInt(part[1] as string) * scale;
    if (fraction !== "") {
      total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
    }
  }
  if (match[1] === "-") {
    total = -total;
  }
  const seconds = total / 1_000_000_000n;
  const nanos = Number(total % 1_000_000_000n);
  return { seconds, nanos };
}

/**
 * Parses, type-checks and compiles a CEL expression of a protovalidate rule
 * (`expression` of buf.validate.Rule) for `env`. The result says whether the
 * expression compiled to TypeScript, needs the run-time fallback, or is in
 * error (the message names the CEL problem; the caller adds file and element).
 */
export function compileCel(expression: string, env: CelCompileEnv): CelCompileResult {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (e) {
    return { kind: "error", message: `CEL expression ${JSON.stringify(expression)} does not parse: ${errorText(e)}` };
  }
  const compiler = new Compiler(env, parsed, expression);
  let node: Node;
  try {
    node = compiler.expr(parsed.expr, { vars: new Map() });
  } catch (e) {
    if (e instanceof CelTypeError) {
      return {
        kind: "error",
        message: `CEL expression ${JSON.stringify(expression)} does not type-check: ${e.message}`,
      };
    }
    throw e;
  }
  const k = node.t.k;
  if (k !== "bool" && k !== "string" && k !== "dyn") {
    return {
      kind: "error",
      message: `CEL expression ${JSON.stringify(expression)} evaluates to ${typeName(node.t)}; a rule's expression must evaluate to a bool or a string`,
    };
  }
  if (node.code === null || k === "dyn") {
    return {
      kind: "fallback",
      reasons: [...new Set(compiler.reasons)],
      resultType: k,
      macroDepth: compiler.macroDepth,
    };
  }
  let code = node.code;
  if (compiler.usesNow) {
    // One `now` per evaluation, as protovalidate binds it: `now == now` holds.
    code = `((now$) => ${code})(${compiler.helper("celNow")}())`;
  }
  return {
    kind: "compiled",
    code,
    helpers: [...compiler.helpers].sort(),
    resultType: k,
    macroDepth: compiler.macroDepth,
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
