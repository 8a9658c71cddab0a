import { type DescMessage, type DescOneof, ScalarType } from "@bufbuild/protobuf";
import type { CelValueShape } from "../../runtime/validate/cel.js";
import { celFalseMessage } from "../../runtime/validate/cel-ops.js";
import { compileCel } from "../model/cel/index.js";
import { re2RegExpLiteral, re2Safety } from "../model/re2.js";
import {
  type AnyValueRules,
  type BigintValueRules,
  type BytesFormat,
  type BytesValueRules,
  bytesFormatLengths,
  type CelRuleModel,
  compareTimes,
  type EnumValueRules,
  type FieldMaskValueRules,
  type FieldModel,
  type ListFieldModel,
  type MapFieldModel,
  type MessageOneofModel,
  type NumberValueRules,
  type RegexFormat,
  regexFormats,
  type StringFormat,
  type StringValueRules,
  type TimeValue,
  type TimeValueRules,
  type ValueRules,
  type ValueType,
} from "../model/validation-model.js";

/*
 * The checks of one value, as data both generated forms render: the
 * straight-line validator as `if (violated(v)) out.push(...)`, the zod schema
 * as `.refine((v) => !(violated(v)), ...)`. One list, two renderings: the two
 * forms cannot drift apart.
 */

/** What a check needs from the file it is rendered into. */
export interface CheckContext {
  /** A runtime helper function, imported from the runtime module. */
  helper(name: RuntimeHelper): string;
  /** A module-level constant initialized with `code`; returns its name. Equal code shares one constant. */
  constant(code: string, hint: string): string;
  /** The schema of a message (imported), for a CEL fallback's shape of `this`. */
  schema(desc: DescMessage): string;
  /** `celProgram` of grpckit/cel: imported only by files with a CEL rule outside the compiled subset. */
  celProgram(): string;
}

/** The runtime functions generated checks call. */
export type RuntimeHelper =
  | "bytesAsText"
  | "bytesContain"
  | "bytesEndWith"
  | "bytesIn"
  | "bytesStartWith"
  | "celRuleFailed"
  | "celViolation"
  | "charCountIsNot"
  | "compareTime"
  | "compareTimeToNow"
  | "fewerCharsThan"
  | "fewerUtf8BytesThan"
  | "hasDuplicateBytes"
  | "hasDuplicates"
  | "hasPathOutside"
  | "hasPathWithin"
  | "isEmail"
  | "isHostAndPort"
  | "isHostname"
  | "isHttpHeaderName"
  | "isHttpHeaderValue"
  | "isIp"
  | "isIpPrefix"
  | "isIpv4"
  | "isIpv6"
  | "isUri"
  | "isUriRef"
  | "isUuid"
  | "isValidDuration"
  | "isValidTimestamp"
  | "isWithinOfNow"
  | "moreCharsThan"
  | "moreUtf8BytesThan"
  | "pathsDiffer"
  | "re2Pattern";

export interface Check {
  /** The google.rpc.BadRequest.FieldViolation reason, e.g. `STRING_MIN_LEN`. */
  readonly reason: string;
  /** What the value must be, e.g. `must be at least 1 character long`. */
  readonly description: string;
  /** A TypeScript condition that is true when the value `v` (a simple expression) breaks the rule. */
  readonly violated: (v: string) => string;
}

/**
 * A CEL rule, rendered: `result(v)` is code that evaluates the expression
 * with `this` bound to `v`; true or "" means valid. A result known to be a
 * bool breaks the rule when false, with `description`; any other result
 * goes through `celViolation` (the rule's message, else the string the
 * expression returned, else `falseMessage`). The code throws CelEvalError
 * on a CEL runtime error: a runtime error of the rule, not a violation.
 */
export interface CelCheck {
  /** The rule id, which the violation carries as its reason. */
  readonly reason: string;
  readonly result: (v: string) => string;
  /** The result is a bool (compiled code whose type is known at generation). */
  readonly bool: boolean;
  /** The rule's own message ("" for none). */
  readonly ruleMessage: string;
  /** protovalidate's text for a rule without a message that evaluated to false. */
  readonly falseMessage: string;
}

/** The violation text of a CEL rule that evaluated to false. */
export function celDescription(c: CelCheck): string {
  return c.ruleMessage !== "" ? c.ruleMessage : c.falseMessage;
}

/**
 * The CEL rules of a value as checks: compiled ones as inline code (their
 * helpers imported from the runtime), fallback ones as a call of a
 * module-level `celProgram(expression, { this: shape })`.
 */
export function celChecks(rules: readonly CelRuleModel[], ctx: CheckContext): CelCheck[] {
  return rules.map((rule) => {
    const bind = (v: string) => (rule.unwrap ? `${v}.value` : v);
    const falseMessage = celFalseMessage(rule.expression);
    if (rule.kind === "compiled") {
      // Compiled again here only to bind `this` and the helpers' names: the model compiled it once to check it.
      const compiled = (v: string) => {
        const result = compileCel(rule.expression, {
          ...rule.env,
          thisName: bind(v),
          helperName: (name) => ctx.helper(name as RuntimeHelper),
        });
        if (result.kind !== "compiled") {
          throw new Error(`unreachable: ${rule.expression} compiled once, not twice`);
        }
        return result.code;
      };
      return {
        reason: rule.id,
        result: compiled,
        bool: rule.bool,
        ruleMessage: rule.message,
        falseMessage,
      };
    }
    const program = ctx.constant(
      `${ctx.celProgram()}(${stringLiteral(rule.expression)}, { this: ${shapeCode(rule.shape, ctx)}${ruleOption(rule)} })`,
      "$cel",
    );
    return {
      reason: rule.id,
      result: (v) => `${program}(${bind(v)})`,
      bool: false,
      ruleMessage: rule.message,
      falseMessage,
    };
  });
}

/** `, rule: <value>, ruleShape: <shape>` of a predefined rule's fallback (its value is a literal: literalShape). */
function ruleOption(rule: CelRuleModel): string {
  if (rule.rule === undefined) {
    return "";
  }
  const literal = (v: unknown): string =>
    Array.isArray(v)
      ? `[${v.map(literal).join(", ")}]`
      : typeof v === "bigint"
        ? `${v}n`
        : typeof v === "number"
          ? numberLiteral(v)
          : typeof v === "boolean"
            ? String(v)
            : stringLiteral(String(v));
  return `, rule: ${literal(rule.rule.value)}, ruleShape: ${JSON.stringify(rule.rule.shape)}`;
}

/** A CelValueShape as code: messages as their imported schemas. */
function shapeCode(shape: CelValueShape, ctx: CheckContext): string {
  if (typeof shape === "string") {
    return JSON.stringify(shape);
  }
  if ("kind" in shape) {
    return ctx.schema(shape);
  }
  if ("list" in shape) {
    return `{ list: ${shapeCode(shape.list, ctx)} }`;
  }
  return `{ map: [${JSON.stringify(shape.map[0])}, ${shapeCode(shape.map[1], ctx)}] }`;
}

/** The checks of a value's rules, in the order of the rules in options.proto. */
export function valueChecks(rules: ValueRules, ctx: CheckContext): Check[] {
  switch (rules.kind) {
    case "string":
      return stringChecks(rules, ctx);
    case "bytes":
      return bytesChecks(rules, ctx);
    case "number":
      return numberChecks(rules, ctx);
    case "bigint":
      return bigintChecks(rules, ctx);
    case "bool":
      return rules.const === undefined
        ? []
        : [check("bool.const", `must be ${rules.const}`, (v) => `${v} !== ${rules.const}`)];
    case "enum":
      return enumChecks(rules, ctx);
    case "timestamp":
    case "duration":
      return timeChecks(rules, ctx);
    case "any":
      return anyChecks(rules, ctx);
    case "field_mask":
      return fieldMaskChecks(rules, ctx);
  }
}

/** The checks of map keys: a key's violation is reported at its entry's path, so its reason and text say "key". */
export function keyChecks(rules: ValueRules, ctx: CheckContext): Check[] {
  return valueChecks(rules, ctx).map((c) => ({
    reason: `MAP_KEYS_${c.reason}`,
    description: `key ${c.description}`,
    violated: c.violated,
  }));
}

/** The CEL rules of map keys: like {@link keyChecks}, a key's reason is prefixed `MAP_KEYS_` (protovalidate's `for_key`). */
export function celKeyChecks(rules: readonly CelRuleModel[], ctx: CheckContext): CelCheck[] {
  return celChecks(rules, ctx).map((c) => ({ ...c, reason: `MAP_KEYS_${c.reason}` }));
}

/** The reason of a rule id: `string.min_len` -> `STRING_MIN_LEN`. */
export function reasonOf(rule: string): string {
  return rule.replace(/\./g, "_").toUpperCase();
}

/** The negation of a check's condition, without a double negation: the condition a zod refinement asserts. */
export function holds(violated: string): string {
  // Conditions that start with "!" negate all of what follows (see the checks below).
  return violated.startsWith("!") ? violated.slice(1) : `!(${violated})`;
}

/**
 * JSON (or a TypeScript string literal) in ASCII: characters beyond ASCII as
 * `\\u` escapes, the same value, so that a rule's bidi overrides or invisible
 * characters (in a pattern, say) never appear as themselves in generated files.
 */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A string as a TypeScript literal in ASCII. */
export function stringLiteral(s: string): string {
  return escapeNonAscii(JSON.stringify(s));
}

function check(rule: string, description: string, violated: (v: string) => string): Check {
  return { reason: reasonOf(rule), description, violated };
}

function plural(n: number, word: string): string {
  if (n === 1) {
    return `1 ${word}`;
  }
  return `${n} ${word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

/** The checks of a list as a whole (`v` is the array). */
export function listChecks(field: ListFieldModel, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  if (field.minItems !== undefined) {
    const n = field.minItems;
    checks.push(check("repeated.min_items", `must have at least ${plural(n, "item")}`, (v) => `${v}.length < ${n}`));
  }
  if (field.maxItems !== undefined) {
    const n = field.maxItems;
    checks.push(check("repeated.max_items", `must have at most ${plural(n, "item")}`, (v) => `${v}.length > ${n}`));
  }
  if (field.unique) {
    const { type } = field.items;
    const helper = type.kind === "scalar" && type.scalar === ScalarType.BYTES ? "hasDuplicateBytes" : "hasDuplicates";
    checks.push(check("repeated.unique", "must not contain duplicates", (v) => `${ctx.helper(helper)}(${v})`));
  }
  return checks;
}

/** The checks of a map's size (`v` is the number of entries). */
export function mapSizeChecks(field: MapFieldModel): Check[] {
  const checks: Check[] = [];
  if (field.minPairs !== undefined) {
    const n = field.minPairs;
    checks.push(check("map.min_pairs", `must have at least ${plural(n, "entry")}`, (v) => `${v} < ${n}`));
  }
  if (field.maxPairs !== undefined) {
    const n = field.maxPairs;
    checks.push(check("map.max_pairs", `must have at most ${plural(n, "entry")}`, (v) => `${v} > ${n}`));
  }
  return checks;
}

/** A required field that is unset (or, without presence, holds its zero value; or an empty list or map). */
export const requiredViolation = { reason: reasonOf("required"), description: "is required" } as const;

/**
 * A condition that field `field` of the message `m` is set, as validate.proto
 * counts it for `required` and message oneof rules: a field with presence is
 * set; a field without presence is when it does not hold its zero value; a
 * list or map when it is not empty.
 */
export function isSetCondition(field: FieldModel, m: string): string {
  const { desc } = field;
  const value = `${m}.${desc.localName}`;
  switch (field.kind) {
    case "list":
      return `${value}.length !== 0`;
    case "map":
      return `Object.keys(${value}).length !== 0`;
    case "singular":
      if (desc.oneof !== undefined) {
        return `${m}.${desc.oneof.localName}.case === ${JSON.stringify(desc.localName)}`;
      }
      switch (field.presence) {
        case "implicit":
          return `!(${isZero(field.value.type, value)})`;
        case "undefined":
          return `${value} !== undefined`;
        case "own-property":
          return `Object.prototype.hasOwnProperty.call(${m}, ${JSON.stringify(desc.localName)})`;
      }
  }
}

/**
 * The violations of a `(buf.validate.message).oneof` rule, with the
 * conditions that they apply given `count`, the number of its fields set;
 * protovalidate's rule id `message.oneof` and descriptions.
 */
export function messageOneofChecks(rule: MessageOneofModel): Check[] {
  const names = rule.fields.map((f) => f.desc.name).join(", ");
  const checks = [check("message.oneof", `only one of ${names} can be set`, (count) => `${count} > 1`)];
  if (rule.required) {
    checks.push(check("message.oneof", `one of ${names} must be set`, (count) => `${count} === 0`));
  }
  return checks;
}

/** A required oneof with no field set: protovalidate's rule id is `required`, at the oneof's name. */
export function oneofRequiredViolation(oneof: DescOneof): { reason: string; description: string } {
  return {
    reason: reasonOf("required"),
    description: `one of ${oneof.fields.map((f) => f.name).join(", ")} must be set`,
  };
}

/** `must be one of a, b` (`must be a` for one value), or with `not`. */
function oneOf(shown: readonly string[], not: boolean): string {
  const must = not ? "must not be" : "must be";
  return shown.length === 1 ? `${must} ${shown[0]}` : `${must} one of ${shown.join(", ")}`;
}

/** A condition that `v` is one of `literals`: a few comparisons, or a Set for longer lists. */
function inList(v: string, literals: readonly string[], ctx: CheckContext, negate: boolean): string {
  if (literals.length <= 4) {
    const op = negate ? "!==" : "===";
    const join = negate ? " && " : " || ";
    const terms = literals.map((l) => `${v} ${op} ${l}`);
    return terms.length === 1 ? (terms[0] as string) : `(${terms.join(join)})`;
  }
  const set = ctx.constant(`new Set([${literals.join(", ")}])`, "$in");
  return negate ? `!${set}.has(${v})` : `${set}.has(${v})`;
}

function stringChecks(r: StringValueRules, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  const lit = stringLiteral;
  if (r.const !== undefined) {
    const c = r.const;
    checks.push(check("string.const", `must equal ${lit(c)}`, (v) => `${v} !== ${lit(c)}`));
  }
  if (r.len !== undefined) {
    const n = r.len;
    checks.push(
      check(
        "string.len",
        `must be exactly ${plural(n, "character")} long`,
        (v) => `${ctx.helper("charCountIsNot")}(${v}, ${n})`,
      ),
    );
  }
  if (r.minLen !== undefined) {
    const n = r.minLen;
    checks.push(
      check(
        "string.min_len",
        `must be at least ${plural(n, "character")} long`,
        (v) => `${ctx.helper("fewerCharsThan")}(${v}, ${n})`,
      ),
    );
  }
  if (r.maxLen !== undefined) {
    const n = r.maxLen;
    checks.push(
      check(
        "string.max_len",
        `must be at most ${plural(n, "character")} long`,
        (v) => `${ctx.helper("moreCharsThan")}(${v}, ${n})`,
      ),
    );
  }
  if (r.minBytes !== undefined) {
    const n = r.minBytes;
    checks.push(
      check(
        "string.min_bytes",
        `must be at least ${plural(n, "byte")} long in UTF-8`,
        (v) => `${ctx.helper("fewerUtf8BytesThan")}(${v}, ${n})`,
      ),
    );
  }
  if (r.maxBytes !== undefined) {
    const n = r.maxBytes;
    checks.push(
      check(
        "string.max_bytes",
        `must be at most ${plural(n, "byte")} long in UTF-8`,
        (v) => `${ctx.helper("moreUtf8BytesThan")}(${v}, ${n})`,
      ),
    );
  }
  if (r.pattern !== undefined) {
    const re = patternConstant(r.pattern, ctx);
    checks.push(check("string.pattern", `must match the pattern /${r.pattern}/`, (v) => `!${re}.test(${v})`));
  }
  if (r.prefix !== undefined) {
    const p = r.prefix;
    checks.push(check("string.prefix", `must start with ${lit(p)}`, (v) => `!${v}.startsWith(${lit(p)})`));
  }
  if (r.suffix !== undefined) {
    const p = r.suffix;
    checks.push(check("string.suffix", `must end with ${lit(p)}`, (v) => `!${v}.endsWith(${lit(p)})`));
  }
  if (r.contains !== undefined) {
    const p = r.contains;
    checks.push(check("string.contains", `must contain ${lit(p)}`, (v) => `!${v}.includes(${lit(p)})`));
  }
  if (r.notContains !== undefined) {
    const p = r.notContains;
    checks.push(check("string.not_contains", `must not contain ${lit(p)}`, (v) => `${v}.includes(${lit(p)})`));
  }
  if (r.in.length > 0) {
    const literals = r.in.map(lit);
    checks.push(check("string.in", oneOf(literals, false), (v) => inList(v, literals, ctx, true)));
  }
  if (r.notIn.length > 0) {
    const literals = r.notIn.map(lit);
    checks.push(check("string.not_in", oneOf(literals, true), (v) => inList(v, literals, ctx, false)));
  }
  if (r.format !== undefined) {
    const name = r.format;
    const { holds, text } = formats[name];
    if (name === "uri_ref") {
      // The empty string is a relative reference: validate.proto has no uri_ref_empty.
      checks.push(check(`string.${name}`, `must be ${text}`, (v) => `!${holds(v, ctx)}`));
    } else {
      // As validate.proto: the empty string is its own violation (`string.email_empty`).
      checks.push(check(`string.${name}_empty`, `must be ${text}, not empty`, (v) => `${v} === ""`));
      checks.push(check(`string.${name}`, `must be ${text}`, (v) => `(${v} !== "" && !${holds(v, ctx)})`));
    }
  }
  if (r.httpHeader !== undefined) {
    const { part, strict } = r.httpHeader;
    const rule = `string.well_known_regex.header_${part}`;
    const text = `a valid HTTP header ${part}${strict ? "" : " (no NUL, CR or LF)"}`;
    const helper = ctx.helper(part === "name" ? "isHttpHeaderName" : "isHttpHeaderValue");
    if (part === "name") {
      checks.push(check(`${rule}_empty`, `must be ${text}, not empty`, (v) => `${v} === ""`));
      checks.push(check(rule, `must be ${text}`, (v) => `(${v} !== "" && !${helper}(${v}, ${strict}))`));
    } else {
      checks.push(check(rule, `must be ${text}`, (v) => `!${helper}(${v}, ${strict})`));
    }
  }
  if (r.lenBytes !== undefined) {
    const n = r.lenBytes;
    checks.push(
      check(
        "string.len_bytes",
        `must be exactly ${plural(n, "byte")} long in UTF-8`,
        (v) => `(${ctx.helper("fewerUtf8BytesThan")}(${v}, ${n}) || ${ctx.helper("moreUtf8BytesThan")}(${v}, ${n}))`,
      ),
    );
  }
  if (r.regexFormat !== undefined) {
    // As validate.proto: the empty string is its own violation (`string.tuuid_empty`).
    const name = r.regexFormat;
    const re = ctx.constant(`new RegExp(${lit(regexFormats[name])})`, "$format");
    const text = regexFormatTexts[name];
    checks.push(check(`string.${name}_empty`, `must be ${text}, not empty`, (v) => `${v} === ""`));
    checks.push(check(`string.${name}`, `must be ${text}`, (v) => `(${v} !== "" && !${re}.test(${v}))`));
  }
  return checks;
}

/** The module constant that tests an RE2 pattern, for `string.pattern` and `bytes.pattern`. */
function patternConstant(pattern: string, ctx: CheckContext): string {
  // A pattern V8 might backtrack on for longer than linear time runs on @bufbuild/re2 (linear) instead.
  return ctx.constant(
    re2Safety(pattern).native ? re2RegExpLiteral(pattern) : `${ctx.helper("re2Pattern")}(${JSON.stringify(pattern)})`,
    "$pattern",
  );
}

const regexFormatTexts: Record<RegexFormat, string> = {
  tuuid: "a trimmed UUID (32 hexadecimal digits)",
  ulid: "a valid ULID",
  protobuf_fqn: "a fully-qualified Protobuf name",
  protobuf_dot_fqn: "a fully-qualified Protobuf name with a leading dot",
};

/** Each format's text and the condition that `v` has it, calling the runtime's format functions. */
const formats: Record<StringFormat, { text: string; holds: (v: string, ctx: CheckContext) => string }> = {
  email: { text: "a valid email address", holds: (v, ctx) => `${ctx.helper("isEmail")}(${v})` },
  hostname: { text: "a valid hostname", holds: (v, ctx) => `${ctx.helper("isHostname")}(${v})` },
  ip: { text: "a valid IP address", holds: (v, ctx) => `${ctx.helper("isIp")}(${v})` },
  ipv4: { text: "a valid IPv4 address", holds: (v, ctx) => `${ctx.helper("isIpv4")}(${v})` },
  ipv6: { text: "a valid IPv6 address", holds: (v, ctx) => `${ctx.helper("isIpv6")}(${v})` },
  uri: { text: "a valid absolute URI", holds: (v, ctx) => `${ctx.helper("isUri")}(${v})` },
  uri_ref: { text: "a valid URI reference", holds: (v, ctx) => `${ctx.helper("isUriRef")}(${v})` },
  uuid: { text: "a valid UUID", holds: (v, ctx) => `${ctx.helper("isUuid")}(${v})` },
  address: {
    text: "a valid hostname or IP address",
    holds: (v, ctx) => `(${ctx.helper("isHostname")}(${v}) || ${ctx.helper("isIp")}(${v}))`,
  },
  host_and_port: {
    text: "a valid host (hostname or IP address) and port",
    holds: (v, ctx) => `${ctx.helper("isHostAndPort")}(${v}, true)`,
  },
  ip_with_prefixlen: {
    text: "a valid IP address with prefix length",
    holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v})`,
  },
  ipv4_with_prefixlen: {
    text: "a valid IPv4 address with prefix length",
    holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v}, 4)`,
  },
  ipv6_with_prefixlen: {
    text: "a valid IPv6 address with prefix length",
    holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v}, 6)`,
  },
  ip_prefix: { text: "a valid IP prefix", holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v}, 0, true)` },
  ipv4_prefix: { text: "a valid IPv4 prefix", holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v}, 4, true)` },
  ipv6_prefix: { text: "a valid IPv6 prefix", holds: (v, ctx) => `${ctx.helper("isIpPrefix")}(${v}, 6, true)` },
};

function bytesLiteral(b: Uint8Array): string {
  return `new Uint8Array([${[...b].join(", ")}])`;
}

function hex(b: Uint8Array): string {
  return `0x${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
}

/** What a bytes format must be, for its description. */
const bytesFormatTexts: Record<BytesFormat, string> = {
  ip: "an IP address (4 or 16 bytes)",
  ipv4: "an IPv4 address (4 bytes)",
  ipv6: "an IPv6 address (16 bytes)",
  uuid: "a UUID (16 bytes)",
};

function bytesChecks(r: BytesValueRules, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  const bytes = (b: Uint8Array) => ctx.constant(bytesLiteral(b), "$bytes");
  if (r.const !== undefined) {
    const c = bytes(r.const);
    checks.push(check("bytes.const", `must be ${hex(r.const)}`, (v) => `!${ctx.helper("bytesIn")}(${v}, [${c}])`));
  }
  if (r.len !== undefined) {
    const n = r.len;
    checks.push(check("bytes.len", `must be exactly ${plural(n, "byte")} long`, (v) => `${v}.length !== ${n}`));
  }
  if (r.minLen !== undefined) {
    const n = r.minLen;
    checks.push(check("bytes.min_len", `must be at least ${plural(n, "byte")} long`, (v) => `${v}.length < ${n}`));
  }
  if (r.maxLen !== undefined) {
    const n = r.maxLen;
    checks.push(check("bytes.max_len", `must be at most ${plural(n, "byte")} long`, (v) => `${v}.length > ${n}`));
  }
  if (r.in.length > 0) {
    const list = ctx.constant(`[${r.in.map(bytesLiteral).join(", ")}]`, "$bytes");
    checks.push(check("bytes.in", oneOf(r.in.map(hex), false), (v) => `!${ctx.helper("bytesIn")}(${v}, ${list})`));
  }
  if (r.notIn.length > 0) {
    const list = ctx.constant(`[${r.notIn.map(bytesLiteral).join(", ")}]`, "$bytes");
    checks.push(check("bytes.not_in", oneOf(r.notIn.map(hex), true), (v) => `${ctx.helper("bytesIn")}(${v}, ${list})`));
  }
  if (r.pattern !== undefined) {
    const re = patternConstant(r.pattern, ctx);
    checks.push(
      check(
        "bytes.pattern",
        `must match the pattern /${r.pattern}/ (as UTF-8)`,
        (v) => `!${re}.test(${ctx.helper("bytesAsText")}(${v}))`,
      ),
    );
  }
  for (const [rule, part, helper, words] of [
    ["prefix", r.prefix, "bytesStartWith", "start with"],
    ["suffix", r.suffix, "bytesEndWith", "end with"],
    ["contains", r.contains, "bytesContain", "contain"],
  ] as const) {
    if (part !== undefined) {
      const p = bytes(part);
      checks.push(check(`bytes.${rule}`, `must ${words} ${hex(part)}`, (v) => `!${ctx.helper(helper)}(${v}, ${p})`));
    }
  }
  if (r.format !== undefined) {
    // As validate.proto: empty bytes are their own violation (`bytes.ip_empty`).
    const format = r.format;
    const lengths = bytesFormatLengths[format];
    const text = bytesFormatTexts[format];
    checks.push(check(`bytes.${format}_empty`, `must be ${text}, not empty`, (v) => `${v}.length === 0`));
    checks.push(
      check(
        `bytes.${format}`,
        `must be ${text}`,
        (v) => `(${v}.length !== 0 && ${lengths.map((n) => `${v}.length !== ${n}`).join(" && ")})`,
      ),
    );
  }
  return checks;
}

function anyChecks(r: AnyValueRules, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  const url = (v: string) => `${v}.typeUrl`;
  if (r.in.length > 0) {
    const literals = r.in.map(stringLiteral);
    checks.push(check("any.in", `type URL ${oneOf(literals, false)}`, (v) => inList(url(v), literals, ctx, true)));
  }
  if (r.notIn.length > 0) {
    const literals = r.notIn.map(stringLiteral);
    checks.push(check("any.not_in", `type URL ${oneOf(literals, true)}`, (v) => inList(url(v), literals, ctx, false)));
  }
  return checks;
}

function fieldMaskChecks(r: FieldMaskValueRules, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  const list = (paths: readonly string[]) => ctx.constant(`[${paths.map(stringLiteral).join(", ")}]`, "$paths");
  const shown = (paths: readonly string[]) => `[${paths.join(", ")}]`;
  if (r.const !== undefined) {
    const expected = list(r.const);
    checks.push(
      check(
        "field_mask.const",
        `must equal paths ${shown(r.const)}`,
        (v) => `${ctx.helper("pathsDiffer")}(${v}.paths, ${expected})`,
      ),
    );
  }
  if (r.in.length > 0) {
    const allowed = list(r.in);
    checks.push(
      check(
        "field_mask.in",
        `must only contain paths in ${shown(r.in)}`,
        (v) => `${ctx.helper("hasPathOutside")}(${v}.paths, ${allowed})`,
      ),
    );
  }
  if (r.notIn.length > 0) {
    const forbidden = list(r.notIn);
    checks.push(
      check(
        "field_mask.not_in",
        `must not contain any paths in ${shown(r.notIn)}`,
        (v) => `${ctx.helper("hasPathWithin")}(${v}.paths, ${forbidden})`,
      ),
    );
  }
  return checks;
}

/** A number as a TypeScript literal that evaluates to exactly it. */
export function numberLiteral(n: number): string {
  if (Number.isNaN(n)) {
    return "Number.NaN";
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? "Number.POSITIVE_INFINITY" : "Number.NEGATIVE_INFINITY";
  }
  return Object.is(n, -0) ? "-0" : String(n);
}

/** A number for people: a float rule's value in the fewest digits that round to it. */
function showNumber(n: number, type: NumberValueRules["type"]): string {
  if (type === "float" && Number.isFinite(n)) {
    for (let digits = 1; digits <= 9; digits++) {
      const short = Number(n.toPrecision(digits));
      if (Math.fround(short) === n) {
        return String(short);
      }
    }
  }
  return String(n);
}

function numberChecks(r: NumberValueRules, ctx: CheckContext): Check[] {
  const t = r.type;
  const checks: Check[] = [];
  const float = t === "float" || t === "double";
  const show = (n: number) => showNumber(n, t);
  // Negated comparisons for floats, so that NaN breaks every bound.
  const breaks = (op: "<=" | "<" | ">=" | ">", holds: ">" | ">=" | "<" | "<=", bound: number) => (v: string) =>
    float ? `!(${v} ${holds} ${numberLiteral(bound)})` : `${v} ${op} ${numberLiteral(bound)}`;
  if (r.const !== undefined) {
    const c = r.const;
    checks.push(check(`${t}.const`, `must equal ${show(c)}`, (v) => `${v} !== ${numberLiteral(c)}`));
  }
  checks.push(
    ...boundChecks(
      t,
      r,
      (a, b) => a < b,
      (op, bound) => breaks(opBreaks[op], op === "gt" ? ">" : op === "gte" ? ">=" : op === "lt" ? "<" : "<=", bound),
      (op, bound) => `${numberWords[op]} ${show(bound)}`,
    ),
  );
  if (r.in.length > 0) {
    const literals = r.in.map(numberLiteral);
    const text = r.in.map(show);
    checks.push(check(`${t}.in`, oneOf(text, false), (v) => inList(v, literals, ctx, true)));
  }
  if (r.notIn.length > 0) {
    const literals = r.notIn.map(numberLiteral);
    const text = r.notIn.map(show);
    checks.push(check(`${t}.not_in`, oneOf(text, true), (v) => inList(v, literals, ctx, false)));
  }
  if (r.finite) {
    checks.push(check(`${t}.finite`, "must be a finite number", (v) => `!Number.isFinite(${v})`));
  }
  return checks;
}

function bigintChecks(r: BigintValueRules, ctx: CheckContext): Check[] {
  const t = r.type;
  const checks: Check[] = [];
  const lit = (n: bigint) => `${n}n`;
  const bound = (op: string, n: bigint) => (v: string) => `${v} ${op} ${lit(n)}`;
  if (r.const !== undefined) {
    checks.push(check(`${t}.const`, `must equal ${r.const}`, bound("!==", r.const)));
  }
  checks.push(
    ...boundChecks(
      t,
      r,
      (a, b) => a < b,
      (op, n) => bound(opBreaks[op], n),
      (op, n) => `${numberWords[op]} ${n}`,
    ),
  );
  if (r.in.length > 0) {
    const literals = r.in.map(lit);
    checks.push(check(`${t}.in`, oneOf(r.in.map(String), false), (v) => inList(v, literals, ctx, true)));
  }
  if (r.notIn.length > 0) {
    const literals = r.notIn.map(lit);
    checks.push(check(`${t}.not_in`, oneOf(r.notIn.map(String), true), (v) => inList(v, literals, ctx, false)));
  }
  return checks;
}

function enumChecks(r: EnumValueRules, ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  const nameOf = (n: number) => r.enum.values.find((v) => v.number === n)?.name ?? String(n);
  if (r.const !== undefined) {
    const c = r.const;
    checks.push(check("enum.const", `must be ${nameOf(c)}`, (v) => `${v} !== ${c}`));
  }
  if (r.definedOnly) {
    const numbers = [...new Set(r.enum.values.map((v) => v.number))].sort((a, b) => a - b);
    const low = numbers[0] ?? 0;
    const high = numbers[numbers.length - 1] ?? 0;
    const contiguous = high - low === numbers.length - 1;
    const violated = contiguous
      ? (v: string) => `(${v} < ${low} || ${v} > ${high})`
      : (v: string) => inList(v, numbers.map(String), ctx, true);
    checks.push(check("enum.defined_only", `must be a value of ${r.enum.typeName}`, violated));
  }
  if (r.in.length > 0) {
    const literals = r.in.map(String);
    checks.push(check("enum.in", oneOf(r.in.map(nameOf), false), (v) => inList(v, literals, ctx, true)));
  }
  if (r.notIn.length > 0) {
    const literals = r.notIn.map(String);
    checks.push(check("enum.not_in", oneOf(r.notIn.map(nameOf), true), (v) => inList(v, literals, ctx, false)));
  }
  return checks;
}

type BoundOp = "gt" | "gte" | "lt" | "lte";

/** The comparison of a value with a bound that breaks it: `v <= 5` breaks `gt: 5`. */
const opBreaks = { gt: "<=", gte: "<", lt: ">=", lte: ">" } as const;

const numberWords: Record<BoundOp, string> = {
  gt: "greater than",
  gte: "greater than or equal to",
  lt: "less than",
  lte: "less than or equal to",
};

/**
 * The bounds of a value as protovalidate's rules: a bound alone is its own
 * rule (`int32.gt`, `must be greater than 5`); a lower and an upper bound
 * are one rule, `int32.gt_lt` (`must be greater than 5 and less than 10`),
 * or, when the upper bound is below the lower one, `int32.gt_lt_exclusive`
 * (`must be greater than 10 or less than 5`: outside the range).
 */
function boundChecks<T>(
  prefix: string,
  r: {
    readonly gt?: T | undefined;
    readonly gte?: T | undefined;
    readonly lt?: T | undefined;
    readonly lte?: T | undefined;
  },
  less: (a: T, b: T) => boolean,
  breaks: (op: BoundOp, bound: T) => (v: string) => string,
  text: (op: BoundOp, bound: T) => string,
): Check[] {
  const lower: [BoundOp, T] | undefined =
    r.gt !== undefined ? ["gt", r.gt] : r.gte !== undefined ? ["gte", r.gte] : undefined;
  const upper: [BoundOp, T] | undefined =
    r.lt !== undefined ? ["lt", r.lt] : r.lte !== undefined ? ["lte", r.lte] : undefined;
  if (lower === undefined || upper === undefined) {
    const one = lower ?? upper;
    return one === undefined ? [] : [check(`${prefix}.${one[0]}`, `must be ${text(...one)}`, breaks(...one))];
  }
  const exclusive = less(upper[1], lower[1]);
  const low = breaks(...lower);
  const high = breaks(...upper);
  const rule = `${prefix}.${lower[0]}_${upper[0]}${exclusive ? "_exclusive" : ""}`;
  const description = `must be ${text(...lower)} ${exclusive ? "or" : "and"} ${text(...upper)}`;
  // One parenthesized condition: the time checks prefix it with `valid(v) && `.
  return [check(rule, description, (v) => `(${low(v)} ${exclusive ? "&&" : "||"} ${high(v)})`)];
}

/** A Timestamp as RFC 3339 in UTC, with 0, 3, 6 or 9 fractional digits, as in protobuf's JSON. */
export function formatTimestamp(t: TimeValue): string {
  const date = new Date(Number(t.seconds) * 1000).toISOString().replace(".000Z", "");
  return `${date}${fraction(t.nanos)}Z`;
}

/** A Duration as protobuf's JSON writes it: `3600s`, `1.5s`, `-0.000000001s`. */
export function formatDuration(d: TimeValue): string {
  const negative = d.seconds < 0n || d.nanos < 0;
  const seconds = d.seconds < 0n ? -d.seconds : d.seconds;
  return `${negative ? "-" : ""}${seconds}${fraction(Math.abs(d.nanos))}s`;
}

function fraction(nanos: number): string {
  if (nanos === 0) {
    return "";
  }
  const digits = String(nanos).padStart(9, "0");
  return `.${digits.endsWith("000000") ? digits.slice(0, 3) : digits.endsWith("000") ? digits.slice(0, 6) : digits}`;
}

function timeChecks(r: TimeValueRules, ctx: CheckContext): Check[] {
  const k = r.kind;
  const show = k === "timestamp" ? formatTimestamp : formatDuration;
  // First, that the value is a Timestamp (Duration) at all; the other rules
  // compare values, and a value with nanos of -1 or in the year 10000 is none:
  // it gets this violation alone.
  const isValid = ctx.helper(k === "timestamp" ? "isValidTimestamp" : "isValidDuration");
  const valid =
    k === "timestamp"
      ? check(
          "timestamp.valid",
          "must be a valid timestamp: from 0001-01-01 to 9999-12-31, with nanos from 0 to 999,999,999",
          (v) => `!${isValid}(${v})`,
        )
      : check(
          "duration.valid",
          "must be a valid duration: at most 10,000 years, with nanos below one second, of the sign of seconds",
          (v) => `!${isValid}(${v})`,
        );
  const checks: Check[] = [];
  const cmp = (t: TimeValue, op: string) => (v: string) =>
    `${ctx.helper("compareTime")}(${v}, ${t.seconds}n, ${t.nanos}) ${op} 0`;
  if (r.const !== undefined) {
    checks.push(check(`${k}.const`, `must equal ${show(r.const)}`, cmp(r.const, "!==")));
  }
  if (r.in.length > 0) {
    const list = r.in;
    checks.push(
      check(`${k}.in`, oneOf(list.map(show), false), (v) => `(${list.map((t) => cmp(t, "!==")(v)).join(" && ")})`),
    );
  }
  if (r.notIn.length > 0) {
    const list = r.notIn;
    checks.push(
      check(`${k}.not_in`, oneOf(list.map(show), true), (v) => `(${list.map((t) => cmp(t, "===")(v)).join(" || ")})`),
    );
  }
  const words =
    k === "timestamp"
      ? { gt: "after", gte: "at or after", lt: "before", lte: "at or before" }
      : { gt: "longer than", gte: "at least", lt: "shorter than", lte: "at most" };
  checks.push(
    ...boundChecks(
      k,
      r,
      (a, b) => compareTimes(a, b) < 0,
      (op, t) => cmp(t, opBreaks[op]),
      (op, t) => `${words[op]} ${show(t)}`,
    ),
  );
  // As validate.proto: now itself is neither too early nor too late.
  if (r.gtNow) {
    checks.push(check(`${k}.gt_now`, "must be in the future", (v) => `${ctx.helper("compareTimeToNow")}(${v}) < 0`));
  }
  if (r.ltNow) {
    checks.push(check(`${k}.lt_now`, "must be in the past", (v) => `${ctx.helper("compareTimeToNow")}(${v}) > 0`));
  }
  if (r.within !== undefined) {
    const w = r.within;
    checks.push(
      check(
        `${k}.within`,
        `must be within ${formatDuration(w)} of now`,
        (v) => `!${ctx.helper("isWithinOfNow")}(${v}, ${w.seconds}n, ${w.nanos})`,
      ),
    );
  }
  return [valid, ...checks.map((c) => ({ ...c, violated: (v: string) => `${isValid}(${v}) && ${c.violated(v)}` }))];
}

/** A condition that the value `v` of `type` is its zero value. */
export function isZero(type: ValueType, v: string): string {
  switch (type.kind) {
    case "enum":
      return `${v} === ${type.enum.values[0]?.number ?? 0}`;
    case "message":
      return `${v} === undefined`;
    case "scalar":
      switch (type.scalar) {
        case ScalarType.STRING:
          return `${v} === ""`;
        case ScalarType.BYTES:
          return `${v}.length === 0`;
        case ScalarType.BOOL:
          return `${v} === false`;
        case ScalarType.INT64:
        case ScalarType.UINT64:
        case ScalarType.SINT64:
        case ScalarType.FIXED64:
        case ScalarType.SFIXED64:
          return type.asString ? `${v} === "0"` : `${v} === 0n`;
        case ScalarType.FLOAT:
        case ScalarType.DOUBLE:
          // -0 is not the zero value: protobuf (and so protovalidate) sees it as set, and writes it on the wire.
          return `Object.is(${v}, 0)`;
        default:
          return `${v} === 0`;
      }
  }
}

function is64Bit(scalar: ScalarType): boolean {
  return (
    scalar === ScalarType.INT64 ||
    scalar === ScalarType.UINT64 ||
    scalar === ScalarType.SINT64 ||
    scalar === ScalarType.FIXED64 ||
    scalar === ScalarType.SFIXED64
  );
}

/**
 * How the checks get the value of a field that holds it in another form:
 * `BigInt(v)` for a 64-bit integer held as a string (`jstype = JS_STRING`),
 * `Math.fround(v)` for a float (32 bits on the wire, a double in memory);
 * undefined when the checks take the value as it is.
 */
export function valueConversion(type: ValueType): ((raw: string) => string) | undefined {
  // A wrapper type in a oneof holds its wrapper message: the rules are of the scalar inside.
  const unbox = type.kind === "scalar" && type.boxed === true ? (raw: string) => `${raw}.value` : (raw: string) => raw;
  if (type.kind === "scalar" && type.asString && is64Bit(type.scalar)) {
    return (raw) => `BigInt(${unbox(raw)})`;
  }
  if (type.kind === "scalar" && type.scalar === ScalarType.FLOAT) {
    // A float field goes on the wire as 32 bits: check the value it will have there.
    return (raw) => `Math.fround(${unbox(raw)})`;
  }
  return type.kind === "scalar" && type.boxed === true ? unbox : undefined;
}

/**
 * How the checks get the value of a map key from the property name, which is
 * always a string: `Number(k)`, `BigInt(k)`, `k === "true"`; undefined for
 * string keys.
 */
export function keyConversion(scalar: ScalarType): ((raw: string) => string) | undefined {
  if (scalar === ScalarType.STRING) {
    return undefined;
  }
  if (scalar === ScalarType.BOOL) {
    return (raw) => `${raw} === "true"`;
  }
  if (is64Bit(scalar)) {
    return (raw) => `BigInt(${raw})`;
  }
  return (raw) => `Number(${raw})`;
}

/** Whether the property keys of a map are typed as numbers by protobuf-es (32-bit integer keys). */
export function hasNumberKeys(scalar: ScalarType): boolean {
  return scalar !== ScalarType.STRING && scalar !== ScalarType.BOOL && !is64Bit(scalar);
}
