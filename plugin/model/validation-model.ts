import {
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescOneof,
  fromJson,
  getExtension,
  getOption,
  hasOption,
  isFieldSet,
  type Message,
  ScalarType,
  toJson,
} from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { Edition, FeatureSet_FieldPresence, isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { CelValueShape } from "../../runtime/validate/cel.js";
// The same validity the generated checks apply to values, applied here to the rules' own values.
import { isValidDuration, isValidTimestamp } from "../../runtime/validate/checks.js";
import {
  isEmail,
  isHostAndPort,
  isHostname,
  isHttpHeaderName,
  isHttpHeaderValue,
  isIp,
  isIpPrefix,
  isIpv4,
  isIpv6,
  isUri,
  isUriRef,
  isUuid,
} from "../../runtime/validate/formats.js";
import {
  type AnyRules,
  type BytesRules,
  type DoubleRules,
  type DurationRules,
  type EnumRules,
  type FieldMaskRules,
  type FieldRules,
  FieldRulesSchema,
  type FloatRules,
  field as fieldOption,
  file_buf_validate_validate,
  Ignore,
  type MapRules,
  type MessageRules,
  message as messageOption,
  oneof as oneofOption,
  predefined as predefinedOption,
  type RepeatedRules,
  type Rule,
  type StringRules,
  type TimestampRules,
} from "../gen/buf/validate/validate_pb.js";
import {
  FieldRulesSchema as GrpckitFieldRulesSchema,
  field as grpckitFieldOption,
  message as grpckitMessageOption,
  oneof as grpckitOneofOption,
} from "../gen/grpckit/v1/options_pb.js";
import {
  type CelCompileEnv,
  type CelT,
  compileCel,
  elementType,
  fieldRuleType,
  fieldType,
  messageType,
  shapeOf,
} from "./cel/index.js";
import { translateRe2 } from "./re2.js";

/*
 * The validation model: what the `(buf.validate.*)` options of a file declare
 * (protovalidate's vocabulary, with validate.proto's semantics), as plain
 * data, with every rule already checked for sense. grpckit's own
 * `(grpckit.v1.field)` and `(grpckit.v1.oneof)` are a strict alias: converted
 * field for field into buf.validate's messages before anything reads them.
 * Both generated forms (the straight-line validator and the zod schema) are
 * rendered from this model.
 */

/** A google.protobuf.Timestamp or Duration value of a rule. */
export interface TimeValue {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** The 32-bit integer and floating-point types, whose values are JS numbers. */
export type NumberType = "float" | "double" | "int32" | "uint32" | "sint32" | "fixed32" | "sfixed32";
/** The 64-bit integer types, whose values are bigints (or strings with `jstype = JS_STRING`). */
export type BigintType = "int64" | "uint64" | "sint64" | "fixed64" | "sfixed64";

/** A well-known string format of validate.proto checked by a function of runtime/validate/formats.ts, by its rule name. */
export type StringFormat =
  | "email"
  | "hostname"
  | "ip"
  | "ipv4"
  | "ipv6"
  | "uri"
  | "uri_ref"
  | "uuid"
  | "address"
  | "host_and_port"
  | "ip_with_prefixlen"
  | "ipv4_with_prefixlen"
  | "ipv6_with_prefixlen"
  | "ip_prefix"
  | "ipv4_prefix"
  | "ipv6_prefix";

/** `well_known_regex`: an HTTP header name or value, `strict` (RFC 7230) or loose (no NUL, CR or LF). */
export interface HttpHeaderRule {
  readonly part: "name" | "value";
  readonly strict: boolean;
}

/** The string formats validate.proto defines by a regular expression (ASCII, the same in RE2 and JavaScript). */
export const regexFormats = {
  tuuid: "^[0-9a-fA-F]{32}$",
  ulid: "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$",
  protobuf_fqn: "^[A-Za-z_][A-Za-z_0-9]*(\\.[A-Za-z_][A-Za-z_0-9]*)*$",
  protobuf_dot_fqn: "^\\.[A-Za-z_][A-Za-z_0-9]*(\\.[A-Za-z_][A-Za-z_0-9]*)*$",
} as const;

export type RegexFormat = keyof typeof regexFormats;

export interface StringValueRules {
  readonly kind: "string";
  readonly const?: string | undefined;
  readonly len?: number | undefined;
  /** The value must be exactly this many bytes in UTF-8 (`len_bytes`). */
  readonly lenBytes?: number | undefined;
  /** A format checked by a regular expression; the empty string is its own violation (`string.tuuid_empty`). */
  readonly regexFormat?: RegexFormat | undefined;
  readonly minLen?: number | undefined;
  readonly maxLen?: number | undefined;
  readonly minBytes?: number | undefined;
  readonly maxBytes?: number | undefined;
  readonly pattern?: string | undefined;
  readonly prefix?: string | undefined;
  readonly suffix?: string | undefined;
  readonly contains?: string | undefined;
  readonly notContains?: string | undefined;
  readonly in: readonly string[];
  readonly notIn: readonly string[];
  /** A well-known format; but for `uri_ref`, the empty string is its own violation (`string.email_empty`). */
  readonly format?: StringFormat | undefined;
  readonly httpHeader?: HttpHeaderRule | undefined;
}

/** A bytes format: validate.proto checks only the length (4 or 16; 4; 16; 16), and refuses empty bytes. */
export type BytesFormat = "ip" | "ipv4" | "ipv6" | "uuid";

export interface BytesValueRules {
  readonly kind: "bytes";
  readonly const?: Uint8Array | undefined;
  readonly prefix?: Uint8Array | undefined;
  readonly suffix?: Uint8Array | undefined;
  readonly contains?: Uint8Array | undefined;
  /** An RE2 pattern the bytes, read as UTF-8, must match; bytes that are not UTF-8 are a runtime error of the rule. */
  readonly pattern?: string | undefined;
  readonly format?: BytesFormat | undefined;
  readonly len?: number | undefined;
  readonly minLen?: number | undefined;
  readonly maxLen?: number | undefined;
  readonly in: readonly Uint8Array[];
  readonly notIn: readonly Uint8Array[];
}

export interface NumberValueRules {
  readonly kind: "number";
  readonly type: NumberType;
  readonly const?: number | undefined;
  readonly gt?: number | undefined;
  readonly gte?: number | undefined;
  readonly lt?: number | undefined;
  readonly lte?: number | undefined;
  readonly in: readonly number[];
  readonly notIn: readonly number[];
  readonly finite: boolean;
}

export interface BigintValueRules {
  readonly kind: "bigint";
  readonly type: BigintType;
  /** The field holds the value as a decimal string (`jstype = JS_STRING`). */
  readonly asString: boolean;
  readonly const?: bigint | undefined;
  readonly gt?: bigint | undefined;
  readonly gte?: bigint | undefined;
  readonly lt?: bigint | undefined;
  readonly lte?: bigint | undefined;
  readonly in: readonly bigint[];
  readonly notIn: readonly bigint[];
}

export interface BoolValueRules {
  readonly kind: "bool";
  readonly const?: boolean | undefined;
}

export interface EnumValueRules {
  readonly kind: "enum";
  readonly enum: DescEnum;
  readonly const?: number | undefined;
  readonly definedOnly: boolean;
  readonly in: readonly number[];
  readonly notIn: readonly number[];
}

export interface TimeValueRules {
  readonly kind: "timestamp" | "duration";
  readonly const?: TimeValue | undefined;
  /** Durations only. */
  readonly in: readonly TimeValue[];
  readonly notIn: readonly TimeValue[];
  readonly gt?: TimeValue | undefined;
  readonly gte?: TimeValue | undefined;
  readonly lt?: TimeValue | undefined;
  readonly lte?: TimeValue | undefined;
  readonly gtNow: boolean;
  readonly ltNow: boolean;
  readonly within?: TimeValue | undefined;
}

/** `google.protobuf.Any` rules: the type URL must be one of `in`, none of `notIn`. */
export interface AnyValueRules {
  readonly kind: "any";
  readonly in: readonly string[];
  readonly notIn: readonly string[];
}

/**
 * `google.protobuf.FieldMask` rules, as validate.proto defines them: `const`
 * the exact list of paths; `in` every path one of them or below one
 * (`a.b` is below `a`); `notIn` no path one of them or below one.
 */
export interface FieldMaskValueRules {
  readonly kind: "field_mask";
  readonly const?: readonly string[] | undefined;
  readonly in: readonly string[];
  readonly notIn: readonly string[];
}

/** The rules of one value: a singular field, a list item, a map key or value. */
export type ValueRules =
  | StringValueRules
  | BytesValueRules
  | NumberValueRules
  | BigintValueRules
  | BoolValueRules
  | EnumValueRules
  | TimeValueRules
  | AnyValueRules
  | FieldMaskValueRules;

/** What a value is, as the generated code sees it. */
export type ValueType =
  | {
      readonly kind: "scalar";
      readonly scalar: ScalarType;
      readonly asString: boolean;
      /**
       * The scalar is held in its wrapper message (`{ value: 5 }`), as
       * protobuf-es holds a wrapper type that is a oneof member; elsewhere a
       * wrapper field holds the scalar itself.
       */
      readonly boxed?: boolean | undefined;
    }
  | { readonly kind: "enum"; readonly enum: DescEnum }
  | { readonly kind: "message"; readonly message: DescMessage };

/**
 * A CEL rule (`cel` or `cel_expression` of a field, of list items, map keys
 * or values, or of a message), type-checked: compileCel compiled it, or left
 * it to the run-time fallback. Emitters compile it again with the name they
 * bind `this` to.
 */
export interface CelRuleModel {
  /** The rule id of its violations: the rule's `id`, for `cel_expression` the expression. */
  readonly id: string;
  /** The rule's `message` ("" when it has none). */
  readonly message: string;
  readonly expression: string;
  /** What the expression was checked against (`thisName` is the emitter's). */
  readonly env: CelCompileEnv;
  /** Compiled to TypeScript, or evaluated by `celProgram` of grpckit/cel. */
  readonly kind: "compiled" | "fallback";
  /** Compiled, with a result known to be a bool (false breaks the rule; no `celViolation` needed). */
  readonly bool: boolean;
  /** Why it is left to the fallback (what is outside the compiled subset); empty when compiled. */
  readonly fallbackReasons: readonly string[];
  /** The run-time shape of `this` for the fallback. */
  readonly shape: CelValueShape;
  /** `this` is the `.value` of the element (a list item or map value of a wrapper type). */
  readonly unwrap: boolean;
  /** A predefined rule's `rule` for the fallback: the extension's value and its run-time shape. */
  readonly rule?: { readonly value: unknown; readonly shape: CelValueShape } | undefined;
}

/** A value position (singular field, list items, map keys or values) with its rules. */
export interface ValueModel {
  readonly type: ValueType;
  /** Skip the rules for the zero value (IGNORE_IF_ZERO_VALUE). */
  readonly ignoreZero: boolean;
  readonly rules: ValueRules | undefined;
  /**
   * The type `rules` apply to when the value is a wrapper message (a list
   * item or map value of type google.protobuf.Int32Value, ...): its `.value`.
   */
  readonly boxed?: ValueType | undefined;
  /** The message type to validate recursively: it has (or reaches) rules. */
  readonly nested: DescMessage | undefined;
  /** The CEL rules of the value, after its other rules. */
  readonly cel: readonly CelRuleModel[];
}

export type Presence =
  /** A proto3 scalar, list or map: always has a value. */
  | "implicit"
  /** Unset is `undefined`: messages and proto3 `optional`. */
  | "undefined"
  /** Unset reads a default from the prototype: proto2 and editions scalars. */
  | "own-property";

export interface SingularFieldModel {
  readonly kind: "singular";
  readonly desc: DescField;
  readonly presence: Presence;
  /**
   * The field must be set (`required`), as validate.proto defines it: a
   * field with presence must be set (a oneof member: be the oneof's case), a
   * proto3 scalar without presence must not hold its zero value. Its other
   * rules are not checked when it is not.
   */
  readonly required: boolean;
  readonly value: ValueModel;
}

export interface ListFieldModel {
  readonly kind: "list";
  readonly desc: DescField;
  readonly ignoreZero: boolean;
  /** The list must not be empty (`required`); its other rules are not checked when it is. */
  readonly required: boolean;
  readonly minItems?: number | undefined;
  readonly maxItems?: number | undefined;
  readonly unique: boolean;
  /** The CEL rules of the list as a whole (`this` is the list). */
  readonly cel: readonly CelRuleModel[];
  readonly items: ValueModel;
}

export interface MapFieldModel {
  readonly kind: "map";
  readonly desc: DescField;
  readonly ignoreZero: boolean;
  /** The map must not be empty (`required`); its other rules are not checked when it is. */
  readonly required: boolean;
  readonly minPairs?: number | undefined;
  readonly maxPairs?: number | undefined;
  /** The CEL rules of the map as a whole (`this` is the map). */
  readonly cel: readonly CelRuleModel[];
  readonly keys: ValueModel;
  readonly values: ValueModel;
}

export type FieldModel = SingularFieldModel | ListFieldModel | MapFieldModel;

export interface MessageValidationModel {
  readonly desc: DescMessage;
  /**
   * Every field of the message, in declaration order, with its rules (none
   * for most): the zod schema describes them all; the validator checks the
   * ones with {@link hasChecks}.
   */
  readonly fields: readonly FieldModel[];
  /** Fields whose rules are ignored always (IGNORE_ALWAYS): described by zod, never checked. */
  readonly ignored: ReadonlySet<DescField>;
  /** Oneofs that must have a field set. */
  readonly requiredOneofs: readonly DescOneof[];
  /** `(buf.validate.message).oneof` rules: at most one (with `required`, exactly one) of the fields is set. */
  readonly messageOneofs: readonly MessageOneofModel[];
  /** `(buf.validate.message).cel` and `cel_expression` rules (`this` is the message). */
  readonly cel: readonly CelRuleModel[];
}

/** One `(buf.validate.message).oneof` rule. */
export interface MessageOneofModel {
  /** The fields, as the rule lists them. */
  readonly fields: readonly FieldModel[];
  readonly required: boolean;
}

export interface FileValidationModel {
  readonly file: DescFile;
  /** The messages of the file that get a validator, in protoc-gen-es's order. */
  readonly messages: readonly MessageValidationModel[];
}

/** A rule that does not fit its field, or leaves nothing valid. Its message is one line. */
export class RuleError extends Error {
  override name = "RuleError";
}

/** Whether a value model checks anything. */
export function valueHasChecks(value: ValueModel): boolean {
  return value.rules !== undefined || value.nested !== undefined || value.cel.length > 0;
}

/** Whether a field model checks anything. */
export function hasChecks(field: FieldModel): boolean {
  switch (field.kind) {
    case "singular":
      return field.required || valueHasChecks(field.value);
    case "list":
      return (
        field.required ||
        field.minItems !== undefined ||
        field.maxItems !== undefined ||
        field.unique ||
        field.cel.length > 0 ||
        valueHasChecks(field.items)
      );
    case "map":
      return (
        field.required ||
        field.minPairs !== undefined ||
        field.maxPairs !== undefined ||
        field.cel.length > 0 ||
        valueHasChecks(field.keys) ||
        valueHasChecks(field.values)
      );
  }
}

const timestampType = "google.protobuf.Timestamp";
const durationType = "google.protobuf.Duration";
const anyType = "google.protobuf.Any";
const fieldMaskType = "google.protobuf.FieldMask";

/**
 * Plans validation for one run of the plugin: which messages get a validator
 * (those with rules, and those that reach one through their fields), and the
 * checked model of each file's rules. Memoized per message, so a message is
 * looked at once per run however many files refer to it.
 */
export class ValidationPlanner {
  private readonly needsMemo = new Map<DescMessage, boolean>();

  /**
   * Whether `desc` gets a validator: validation is not disabled for it, and
   * it declares rules or holds (in a field that is not IGNORE_ALWAYS) a
   * message that gets one. Depends only on `desc` and the types it reaches,
   * so every file that refers to it agrees.
   */
  needsValidator(desc: DescMessage): boolean {
    const known = this.needsMemo.get(desc);
    if (known !== undefined) {
      return known;
    }
    // Collect the messages reachable from desc that are not decided yet.
    const pending = new Map<DescMessage, DescMessage[]>();
    const stack = [desc];
    while (stack.length > 0) {
      const m = stack.pop() as DescMessage;
      if (pending.has(m) || this.needsMemo.has(m)) {
        continue;
      }
      const targets = isDisabled(m) ? [] : followedTypes(m);
      pending.set(m, targets);
      for (const t of targets) {
        stack.push(t);
      }
    }
    // A message needs a validator if it has rules, or reaches one that has:
    // propagate backwards from those along the reversed edges.
    const referrers = new Map<DescMessage, DescMessage[]>();
    const needing: DescMessage[] = [];
    for (const [m, targets] of pending) {
      if (isDisabled(m)) {
        continue;
      }
      let needs = declaresRules(m);
      for (const t of targets) {
        if (this.needsMemo.get(t) === true) {
          needs = true;
        }
        const list = referrers.get(t);
        if (list === undefined) {
          referrers.set(t, [m]);
        } else {
          list.push(m);
        }
      }
      if (needs) {
        needing.push(m);
      }
    }
    const result = new Set(needing);
    while (needing.length > 0) {
      const t = needing.pop() as DescMessage;
      for (const m of referrers.get(t) ?? []) {
        if (!result.has(m)) {
          result.add(m);
          needing.push(m);
        }
      }
    }
    for (const m of pending.keys()) {
      this.needsMemo.set(m, result.has(m));
    }
    return result.has(desc);
  }

  /**
   * The validation model of a file to generate. Checks every rule of every
   * message of the file, also of messages whose validation is disabled, and
   * throws a {@link RuleError} for the first that does not make sense.
   */
  fileModel(file: DescFile): FileValidationModel {
    const messages: MessageValidationModel[] = [];
    for (const desc of nestedTypes(file)) {
      if (desc.kind !== "message") {
        continue;
      }
      const model = this.messageModel(desc);
      if (this.needsValidator(desc)) {
        messages.push(model);
      }
    }
    return { file, messages };
  }

  /**
   * The validation model of any message of the run, for checks generated
   * outside its own file (the update checks of a request: see
   * update-validation-model.ts). Throws a {@link RuleError} as
   * {@link fileModel} does.
   */
  modelOf(desc: DescMessage): MessageValidationModel {
    return this.messageModel(desc);
  }

  private messageModel(desc: DescMessage): MessageValidationModel {
    const messageRules = messageRulesOf(desc);
    const oneofRules = messageOneofRules(desc, messageRules);
    // validate.proto: a field named by a message oneof rule gets IGNORE_IF_ZERO_VALUE unless it sets `ignore`.
    const inMessageOneof = new Set(oneofRules.flatMap((r) => r.fields));
    const fields: FieldModel[] = [];
    const ignored = new Set<DescField>();
    for (const field of desc.fields) {
      const rules = fieldRulesOf(field);
      const where = new Where(field, "");
      if (rules !== undefined) {
        checkSupported(FieldRulesSchema.typeName, rules, where);
      }
      let ignore = rules === undefined ? Ignore.UNSPECIFIED : ruleOf(rules, "ignore");
      if (ignore === undefined) {
        ignore = inMessageOneof.has(field) ? Ignore.IF_ZERO_VALUE : Ignore.UNSPECIFIED;
      }
      if (ignore === Ignore.ALWAYS) {
        ignored.add(field);
      }
      fields.push(this.fieldModel(field, rules, ignore, where));
    }
    const requiredOneofs = desc.oneofs.filter((o) => oneofRulesOf(o)?.required === true);
    const byField = new Map(fields.map((f) => [f.desc, f]));
    const messageOneofs = oneofRules.map((r) => ({
      fields: r.fields.map((f) => byField.get(f) as FieldModel),
      required: r.required,
    }));
    const cel = celRulesOf(messageRules, { this: messageType(desc), thisName: "m" }, desc, false, (rule, why) =>
      failAt(desc, "(buf.validate.message)", `${rule} ${why}`),
    );
    return { desc, fields, ignored, requiredOneofs, messageOneofs, cel };
  }

  private fieldModel(field: DescField, rules: FieldRules | undefined, ignore: Ignore, where: Where): FieldModel {
    const ignoreAlways = ignore === Ignore.ALWAYS;
    const ignoreZero = ignore === Ignore.IF_ZERO_VALUE;
    const required = !ignoreAlways && rules !== undefined && ruleOf(rules, "required") === true;
    const typed = rules?.type;
    switch (field.fieldKind) {
      case "list": {
        const itemType: ValueType =
          field.listKind === "scalar"
            ? { kind: "scalar", scalar: field.scalar, asString: field.longAsString }
            : field.listKind === "enum"
              ? { kind: "enum", enum: field.enum }
              : { kind: "message", message: field.message };
        if (typed !== undefined && typed.case !== undefined && typed.case !== "repeated") {
          where.fail(
            `${caseName(typed.case)}${firstRule(typed)}`,
            typed.case === "map"
              ? "does not apply to a repeated field: map rules are for map fields"
              : "does not apply to a repeated field; put it under repeated.items",
          );
        }
        const repeated = typed?.case === "repeated" ? typed.value : undefined;
        const model: ListFieldModel = {
          kind: "list",
          desc: field,
          ignoreZero,
          required,
          ...this.repeatedBounds(repeated, itemType, where),
          cel: ignoreAlways
            ? []
            : [
                ...fieldCelRules(rules, field, where),
                ...predefinedRulesOf(repeated, fieldType(field), field.message, false, where),
              ],
          items: ignoreAlways
            ? inert(itemType)
            : this.valueModel(itemType, repeated?.items, where.sub("repeated.items"), "item"),
        };
        return ignoreAlways ? { ...model, minItems: undefined, maxItems: undefined, unique: false } : model;
      }
      case "map": {
        const keyType: ValueType = { kind: "scalar", scalar: field.mapKey, asString: false };
        const valueType: ValueType =
          field.mapKind === "scalar"
            ? { kind: "scalar", scalar: field.scalar, asString: false }
            : field.mapKind === "enum"
              ? { kind: "enum", enum: field.enum }
              : { kind: "message", message: field.message };
        if (typed !== undefined && typed.case !== undefined && typed.case !== "map") {
          where.fail(
            `${caseName(typed.case)}${firstRule(typed)}`,
            typed.case === "repeated"
              ? "does not apply to a map field: repeated rules are for repeated fields"
              : "does not apply to a map field; put it under map.keys or map.values",
          );
        }
        const map = typed?.case === "map" ? typed.value : undefined;
        const bounds = this.mapBounds(map, where);
        if (ignoreAlways) {
          return {
            kind: "map",
            desc: field,
            ignoreZero,
            required: false,
            cel: [],
            keys: inert(keyType),
            values: inert(valueType),
          };
        }
        return {
          kind: "map",
          desc: field,
          ignoreZero,
          required,
          ...bounds,
          cel: [
            ...fieldCelRules(rules, field, where),
            ...predefinedRulesOf(map, fieldType(field), field.message, false, where),
          ],
          keys: this.valueModel(keyType, map?.keys, where.sub("map.keys"), "key"),
          values: this.valueModel(valueType, map?.values, where.sub("map.values"), "value"),
        };
      }
      default: {
        const wrapped = typed?.case === undefined ? undefined : wrappedScalar(field);
        const type: ValueType =
          wrapped !== undefined
            ? { kind: "scalar", scalar: wrapped, asString: false, boxed: field.oneof !== undefined }
            : field.fieldKind === "scalar"
              ? { kind: "scalar", scalar: field.scalar, asString: field.longAsString }
              : field.fieldKind === "enum"
                ? { kind: "enum", enum: field.enum }
                : { kind: "message", message: field.message };
        if (typed?.case === "repeated" || typed?.case === "map") {
          where.fail(
            `${caseName(typed.case)}${firstRule(typed)}`,
            `does not apply to ${describeType(type)}, which is not ${typed.case === "map" ? "a map" : "repeated"}`,
          );
        }
        const presence = presenceOf(field);
        const parsed = this.valueModel(type, rules, where, "field", ignore);
        // A field that tracks presence is checked when set, its zero value too:
        // validate.proto gives IGNORE_IF_ZERO_VALUE no effect there.
        const value = presence === "implicit" ? parsed : { ...parsed, ignoreZero: false };
        return {
          kind: "singular",
          desc: field,
          presence,
          required,
          value: ignoreAlways ? inert(type) : value,
        };
      }
    }
  }

  /**
   * The model of one value position from its FieldRules (the field's own, or
   * items/keys/values). `required` on items, keys and values asks nothing:
   * validate.proto calls them always set.
   */
  private valueModel(
    type: ValueType,
    rules: FieldRules | undefined,
    where: Where,
    part: "field" | "item" | "key" | "value",
    fieldIgnore?: Ignore,
  ): ValueModel {
    if (where.prefix !== "" && rules !== undefined) {
      checkSupported(FieldRulesSchema.typeName, rules, where);
    }
    const ignore = fieldIgnore ?? (rules === undefined ? undefined : ruleOf(rules, "ignore")) ?? Ignore.UNSPECIFIED;
    const typed = rules?.type;
    let parsed: ValueRules | undefined;
    // A list item or map value of a wrapper type: its rules are the wrapped scalar's, checked on `.value`.
    const inner = part !== "field" ? boxedScalar(type) : undefined;
    if (typed !== undefined && typed.case !== undefined) {
      if (typed.case === "repeated" || typed.case === "map") {
        where.fail(`${caseName(typed.case)}${firstRule(typed)}`, `does not apply to ${describeType(type)}`);
      }
      const ruled = inner ?? type;
      const expected = typedCaseOf(ruled);
      if (typed.case !== expected) {
        const hint = expected === undefined ? "" : ` (use ${caseName(expected)} rules)`;
        where.fail(`${caseName(typed.case)}${firstRule(typed)}`, `does not apply to ${describeType(type)}${hint}`);
      }
      parsed = parseValueRules(typed, ruled, where);
    }
    const followed = type.kind === "message" && ignore !== Ignore.ALWAYS && this.needsValidator(type.message);
    if (ignore === Ignore.ALWAYS) {
      return inert(type);
    }
    const field = where.field;
    const celThis = part === "field" ? fieldRuleType(field) : elementType(field, part);
    // A list item or map value of a wrapper type is a message in protobuf-es: CEL sees its value.
    const unwrap = part !== "field" && part !== "key" && field.message !== undefined && isWrapperDesc(field.message);
    return {
      type,
      boxed: parsed === undefined ? undefined : inner,
      ignoreZero: ignore === Ignore.IF_ZERO_VALUE,
      rules: parsed,
      nested: followed && type.kind === "message" ? type.message : undefined,
      cel: [
        ...celRulesOf(rules, { this: celThis }, field.message, unwrap, (rule, why) => where.fail(rule, why)),
        ...(typed?.case === undefined ? [] : predefinedRulesOf(typed.value, celThis, field.message, unwrap, where)),
      ],
    };
  }

  private repeatedBounds(
    rules: RepeatedRules | undefined,
    itemType: ValueType,
    where: Where,
  ): { minItems?: number | undefined; maxItems?: number | undefined; unique: boolean } {
    if (rules === undefined) {
      return { unique: false };
    }
    const minItems = count(ruleOf(rules, "minItems"), where, "repeated.min_items");
    const maxItems = count(ruleOf(rules, "maxItems"), where, "repeated.max_items");
    if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) {
      where.fail(
        "repeated.min_items",
        `(${minItems}) is greater than repeated.max_items (${maxItems}): no list is valid`,
      );
    }
    if (rules.unique && itemType.kind === "message") {
      where.fail(
        "repeated.unique",
        `applies to lists of scalars and enums, not to a list of ${itemType.message.typeName} messages`,
      );
    }
    return { minItems, maxItems, unique: rules.unique };
  }

  private mapBounds(
    rules: MapRules | undefined,
    where: Where,
  ): { minPairs?: number | undefined; maxPairs?: number | undefined } {
    if (rules === undefined) {
      return {};
    }
    const minPairs = count(ruleOf(rules, "minPairs"), where, "map.min_pairs");
    const maxPairs = count(ruleOf(rules, "maxPairs"), where, "map.max_pairs");
    if (minPairs !== undefined && maxPairs !== undefined && minPairs > maxPairs) {
      where.fail("map.min_pairs", `(${minPairs}) is greater than map.max_pairs (${maxPairs}): no map is valid`);
    }
    return { minPairs, maxPairs };
  }
}

/** The scalar a wrapper message type holds (`google.protobuf.Int32Value`: int32), else undefined. */
function boxedScalar(type: ValueType): ValueType | undefined {
  if (type.kind !== "message" || !isWrapperDesc(type.message)) {
    return undefined;
  }
  const scalar = type.message.fields[0]?.scalar;
  return scalar === undefined ? undefined : { kind: "scalar", scalar, asString: false };
}

/** A value position without rules or recursion (IGNORE_ALWAYS). */
function inert(type: ValueType): ValueModel {
  return { type, ignoreZero: false, rules: undefined, nested: undefined, cel: [] };
}

/**
 * The predefined rules set in a typed rules message (`StringRules`, ...):
 * its extensions whose declaration carries `(buf.validate.predefined).cel`
 * rules, each checked with `this` the value, `rule` the extension's value
 * and `rules` the typed rules message (both known at generation). Set in
 * the order of their field numbers.
 */
function predefinedRulesOf(
  typed: Message | undefined,
  thisType: CelT,
  shapeDesc: DescMessage | undefined,
  unwrap: boolean,
  where: Where,
): CelRuleModel[] {
  const unknown = (typed as { $unknown?: { no: number }[] } | undefined)?.$unknown;
  if (typed === undefined || unknown === undefined || unknown.length === 0) {
    return [];
  }
  const typeName = typed.$typeName;
  const rulesDesc = ruleMessages.get(typeName) as DescMessage;
  const prefix = `${rulesDesc.name.replace(/Rules$/, "").toLowerCase()}.`;
  const out: CelRuleModel[] = [];
  for (const no of [...new Set(unknown.map((u) => u.no))].sort((a, b) => a - b)) {
    const ext = findExtension(typeName, no, where);
    if (ext === undefined) {
      where.fail(`${prefix}(extension ${no})`, `is an extension of ${typeName} that the schema does not declare`);
    }
    const at = `${prefix}(${ext.typeName})`;
    const rules = hasOption(ext, predefinedOption) ? getOption(ext, predefinedOption).cel : [];
    if (rules.length === 0) {
      where.fail(at, "is an extension of the rules without (buf.validate.predefined).cel rules: it asks for nothing");
    }
    const env: CelCompileEnv = {
      this: thisType,
      rule: { type: fieldRuleType(ext as unknown as DescField), value: getExtension(typed, ext) },
      rules: { desc: rulesDesc, value: typed },
    };
    const found = celRulesOf({ cel: rules, celExpression: [] }, env, shapeDesc, unwrap, (rule, why) =>
      where.fail(`${at}.${rule}`, why),
    );
    for (const rule of found) {
      if (rule.kind === "compiled") {
        out.push(rule);
        continue;
      }
      // The fallback gets `rule` as a literal of the generated code; `rules` not yet.
      const ruleShape = literalShape(env.rule?.type, env.rule?.value);
      if (/\brules\b/.test(rule.expression) || ruleShape === undefined) {
        where.fail(
          at,
          `is not supported by grpckit yet: its CEL rule ${JSON.stringify(rule.expression)} needs the run-time CEL engine (${rule.fallbackReasons.join(", ")}), which does not take ${ruleShape === undefined ? "this rule's value" : "`rules`"} yet`,
        );
      }
      out.push({ ...rule, rule: { value: env.rule?.value, shape: ruleShape } });
    }
  }
  return out;
}

/**
 * The run-time shape of a predefined rule's value that generated code can
 * write as a literal (strings, bools, numbers, bigints, lists of them), or
 * undefined for others (bytes, messages).
 */
function literalShape(type: CelT | undefined, value: unknown): CelValueShape | undefined {
  if (type === undefined) {
    return undefined;
  }
  const scalar = (t: CelT) => t.k === "int" || t.k === "uint" || t.k === "double" || t.k === "bool" || t.k === "string";
  if (type.k === "list" && Array.isArray(value) && scalar(type.e)) {
    return shapeOf(type);
  }
  return scalar(type) ? shapeOf(type) : undefined;
}

/** The CEL rules of a repeated or map field as a whole (`this` is the list or the map). */
function fieldCelRules(rules: FieldRules | undefined, field: DescField, where: Where): CelRuleModel[] {
  return celRulesOf(rules, { this: fieldType(field) }, field.message, false, (rule, why) => where.fail(rule, why));
}

/**
 * The CEL rules of a rules message (`cel_expression`, then `cel`), each
 * type-checked against `env` (compileCel): one that does not parse or
 * type-check fails generation through `fail`, with its position, its id and
 * the CEL error.
 */
function celRulesOf(
  rules: { readonly cel: readonly Rule[]; readonly celExpression: readonly string[] } | undefined,
  env: CelCompileEnv,
  shapeDesc: DescMessage | undefined,
  unwrap: boolean,
  fail: (rule: string, why: string) => never,
): CelRuleModel[] {
  if (rules === undefined) {
    return [];
  }
  const all = [
    ...rules.celExpression.map((expression, i) => ({
      at: `cel_expression[${i}]:`,
      id: expression,
      message: "",
      expression,
    })),
    ...rules.cel.map((r, i) => ({
      at: `cel[${i}] (id ${JSON.stringify(r.id)}):`,
      id: r.id,
      message: r.message,
      expression: r.expression,
    })),
  ];
  return all.map(({ at, id, message, expression }) => {
    const result = compileCel(expression, env);
    if (result.kind === "error") {
      fail(at, result.message);
    }
    let shape: CelValueShape;
    try {
      shape = shapeOf(env.this, shapeDesc);
    } catch (e) {
      fail(at, `is not supported by grpckit yet on this field (${(e as Error).message})`);
    }
    const fallbackReasons = result.kind === "fallback" ? result.reasons : [];
    const bool = result.kind === "compiled" && result.resultType === "bool";
    return { id, message, expression, env, kind: result.kind, bool, fallbackReasons, shape, unwrap };
  });
}

/** Where a rule sits, for error messages: file, message, field, and the rule's path prefix. */
class Where implements RulePlace {
  constructor(
    readonly field: DescField,
    readonly prefix: string,
  ) {}

  get file(): DescFile {
    return this.field.parent.file;
  }

  sub(prefix: string): Where {
    return new Where(this.field, this.prefix === "" ? prefix : `${this.prefix}.${prefix}`);
  }

  /** The full name of a rule at this position, e.g. `repeated.items.string.min_len`. */
  rule(name: string): string {
    return this.prefix === "" ? name : `${this.prefix}.${name}`;
  }

  fail(rule: string, why: string): never {
    const message = this.field.parent;
    throw new RuleError(
      `invalid validation rule in ${message.file.proto.name}: message ${message.typeName}, field ${this.field.name}: ${this.rule(rule)} ${why}`,
    );
  }
}

/**
 * A field's rules: `(buf.validate.field)`, or grpckit's alias
 * `(grpckit.v1.field)` converted field for field (through the JSON form, in
 * which both vocabularies spell every rule the same), so that one model reads
 * both with one meaning.
 */
function fieldRulesOf(field: DescField): FieldRules | undefined {
  const own = hasOption(field, fieldOption) ? getOption(field, fieldOption) : undefined;
  if (!hasOption(field, grpckitFieldOption)) {
    return own;
  }
  if (own !== undefined) {
    new Where(field, "").fail(
      "(grpckit.v1.field)",
      "is set together with (buf.validate.field): (grpckit.v1.field) is an alias of (buf.validate.field); use one",
    );
  }
  const alias = getOption(field, grpckitFieldOption);
  return fromJson(FieldRulesSchema, toJson(GrpckitFieldRulesSchema, alias));
}

/** A oneof's rules: `(buf.validate.oneof)` or its alias `(grpckit.v1.oneof)`. */
function oneofRulesOf(oneof: DescOneof): { required: boolean } | undefined {
  const own = hasOption(oneof, oneofOption) ? getOption(oneof, oneofOption) : undefined;
  const alias = hasOption(oneof, grpckitOneofOption) ? getOption(oneof, grpckitOneofOption) : undefined;
  if (own !== undefined && alias !== undefined) {
    failAt(
      oneof.parent,
      `oneof ${oneof.name}`,
      "(grpckit.v1.oneof) is set together with (buf.validate.oneof): it is an alias of (buf.validate.oneof); use one",
    );
  }
  if (own !== undefined) {
    checkSupported(own.$typeName, own, {
      file: oneof.parent.file,
      rule: (n) => n,
      fail: (r, w) => failAt(oneof.parent, `oneof ${oneof.name}`, `${r} ${w}`),
    });
    return { required: own.required };
  }
  return alias === undefined ? undefined : { required: alias.required };
}

function messageRulesOf(desc: DescMessage): MessageRules | undefined {
  return hasOption(desc, messageOption) ? getOption(desc, messageOption) : undefined;
}

/** `(grpckit.v1.message).disabled`: grpckit's own switch (buf.validate has none: validate.proto v1 removed it). */
function isDisabled(desc: DescMessage): boolean {
  return hasOption(desc, grpckitMessageOption) && getOption(desc, grpckitMessageOption).disabled;
}

/** The checked `(buf.validate.message).oneof` rules of a message, with their fields. */
function messageOneofRules(
  desc: DescMessage,
  rules: MessageRules | undefined,
): { fields: DescField[]; required: boolean }[] {
  if (rules === undefined) {
    return [];
  }
  const at: RulePlace = {
    file: desc.file,
    rule: (n) => n,
    fail: (r, w) => failAt(desc, "(buf.validate.message)", `${r} ${w}`),
  };
  checkSupported(rules.$typeName, rules, at);
  return rules.oneof.map((rule) => {
    if (rule.fields.length === 0) {
      at.fail("oneof", "lists no field: name at least one");
    }
    const fields: DescField[] = [];
    for (const name of rule.fields) {
      const field = desc.fields.find((f) => f.name === name);
      if (field === undefined) {
        at.fail("oneof", `names ${JSON.stringify(name)}, which is not a field of ${desc.typeName}`);
      }
      if (fields.includes(field)) {
        at.fail("oneof", `names ${JSON.stringify(name)} twice`);
      }
      fields.push(field);
    }
    return { fields, required: rule.required };
  });
}

/** Whether a message declares rules of its own (not counting the ones it reaches). */
function declaresRules(desc: DescMessage): boolean {
  for (const field of desc.fields) {
    const rules = fieldRulesOf(field);
    if (
      rules !== undefined &&
      rules.ignore !== Ignore.ALWAYS &&
      (rules.required || rules.type.case !== undefined || rules.cel.length > 0 || rules.celExpression.length > 0)
    ) {
      return true;
    }
  }
  const messageRules = messageRulesOf(desc);
  if (
    messageRules !== undefined &&
    (messageRules.oneof.length > 0 || messageRules.cel.length > 0 || messageRules.celExpression.length > 0)
  ) {
    return true;
  }
  return desc.oneofs.some((o) => oneofRulesOf(o)?.required === true);
}

/** Fails for a rule of a message or a oneof (not of a field): `invalid validation rule in f.proto: message M, oneof o: ...`. */
function failAt(desc: DescMessage, element: string, what: string): never {
  throw new RuleError(
    `invalid validation rule in ${desc.file.proto.name}: message ${desc.typeName}, ${element}: ${what}`,
  );
}

/** Where a rule is, for {@link checkSupported}: a field's {@link Where}, or a message or oneof. */
interface RulePlace {
  readonly file: DescFile;
  rule(name: string): string;
  fail(rule: string, why: string): never;
}

/**
 * The rules of validate.proto grpckit does not check yet, by rules message
 * and field name: none today, since every rule of validate.proto v1.2.2 is
 * checked. A rule listed here fails generation rather than be silently left
 * unchecked. (`example` values document a field; validate.proto gives them
 * no effect on validation.)
 */
const unsupportedRules: Record<string, ReadonlySet<string>> = {};

/** The typed rules messages (StringRules, RepeatedRules, ...): their extensions are predefined rules. */
const typedRuleMessages = new Set(
  FieldRulesSchema.fields.flatMap((f) =>
    f.oneof?.name === "type" && f.message !== undefined ? [f.message.typeName] : [],
  ),
);

const ruleMessages = new Map<string, DescMessage>();
for (const type of nestedTypes(file_buf_validate_validate)) {
  if (type.kind === "message") {
    ruleMessages.set(type.typeName, type);
  }
}

/**
 * Fails for a rule grpckit does not check yet (CEL, a predefined rule, a rule
 * of {@link unsupportedRules}) set in `rules` or in the rules messages it
 * holds (typed rules, but not `items`, `keys` and `values`, which are checked
 * where they are read). A well-known format set to `false` asks for nothing,
 * as in validate.proto, and passes.
 */
function checkSupported(typeName: string, rules: Message, place: RulePlace, prefix = ""): void {
  const desc = ruleMessages.get(typeName);
  if (desc === undefined) {
    return;
  }
  const unknown = (rules as { $unknown?: { no: number }[] }).$unknown;
  // Extensions of the typed rules messages are predefined rules, read where the rules are (predefinedRulesOf).
  if (unknown !== undefined && unknown.length > 0 && !typedRuleMessages.has(typeName)) {
    const no = unknown[0]?.no ?? 0;
    const extension = findExtension(typeName, no, place);
    place.fail(
      `${prefix}${extension === undefined ? `(extension ${no})` : `(${extension.typeName})`}`,
      `is an extension of ${typeName}, which grpckit does not read`,
    );
  }
  const unsupported = unsupportedRules[typeName];
  for (const field of desc.fields) {
    if (!isFieldSet(rules, field)) {
      continue;
    }
    const record = rules as unknown as Record<string, unknown>;
    const value =
      field.oneof === undefined ? record[field.localName] : (record[field.oneof.localName] as { value: unknown }).value;
    if (unsupported?.has(field.name) && !(field.oneof?.name === "well_known" && value === false)) {
      const what = `${typeName.slice("buf.validate.".length)}.${field.name}`;
      place.fail(`${prefix}${field.name}`, `is not supported by grpckit yet (${what})`);
    }
    if (field.fieldKind === "message" && field.oneof?.name === "type" && typeof value === "object" && value !== null) {
      checkSupported(field.message.typeName, value as Message, place, `${prefix}${field.name}.`);
    }
  }
}

/** The predefined rule extension `no` of `typeName` that the schema declares, if grpckit can find it. */
function findExtension(typeName: string, no: number, place: RulePlace): DescExtension | undefined {
  const seen = new Set<DescFile>();
  const files = [place.file];
  while (files.length > 0) {
    const file = files.pop() as DescFile;
    if (seen.has(file)) {
      continue;
    }
    seen.add(file);
    for (const type of nestedTypes(file)) {
      if (type.kind === "extension" && type.extendee.typeName === typeName && type.number === no) {
        return type;
      }
    }
    files.push(...file.dependencies);
  }
  return undefined;
}

/**
 * The value of a rule that validate.proto declares `optional` (proto2), or
 * undefined when it is not set: protobuf-es reads the default then, which
 * must not count as a rule.
 */
function ruleOf<T extends Message, K extends keyof T & string>(rules: T, key: K): T[K] | undefined {
  const desc = ruleMessages.get(rules.$typeName);
  const field = desc?.fields.find((f) => f.localName === key);
  if (field === undefined) {
    throw new Error(`unreachable: ${rules.$typeName} has no field ${key}`);
  }
  return isFieldSet(rules, field) ? rules[key] : undefined;
}

/** The message types a message's validator would recurse into, if they need it. */
function followedTypes(desc: DescMessage): DescMessage[] {
  const types: DescMessage[] = [];
  for (const field of desc.fields) {
    if (field.message === undefined) {
      continue;
    }
    const rules = fieldRulesOf(field);
    if (rules?.ignore === Ignore.ALWAYS) {
      continue;
    }
    const typed = rules?.type;
    if (field.fieldKind === "list" && typed?.case === "repeated" && typed.value.items?.ignore === Ignore.ALWAYS) {
      continue;
    }
    if (field.fieldKind === "map" && typed?.case === "map" && typed.value.values?.ignore === Ignore.ALWAYS) {
      continue;
    }
    types.push(field.message);
  }
  return types;
}

/**
 * The scalar a wrapper field (`google.protobuf.Int32Value`, ...) holds, whose
 * rules validate.proto applies to it (`int32.gt` on an Int32Value field):
 * protobuf-es holds a singular wrapper field outside a oneof as the scalar
 * itself, unset being undefined, and a oneof member as the wrapper message.
 * Undefined for other fields.
 */
function wrappedScalar(field: DescField): ScalarType | undefined {
  if (field.fieldKind !== "message" || !isWrapperDesc(field.message)) {
    return undefined;
  }
  return field.message.fields[0]?.scalar;
}

function presenceOf(field: DescField): Presence {
  if (field.fieldKind === "message" || field.oneof !== undefined) {
    return "undefined";
  }
  if (field.presence === FeatureSet_FieldPresence.IMPLICIT) {
    return "implicit";
  }
  return field.parent.file.edition === Edition.EDITION_PROTO3 ? "undefined" : "own-property";
}

function describeType(type: ValueType): string {
  switch (type.kind) {
    case "scalar":
      return `a field of type ${scalarName(type.scalar)}`;
    case "enum":
      return `a field of enum type ${type.enum.typeName}`;
    case "message":
      return `a field of message type ${type.message.typeName}`;
  }
}

const scalarNames: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: "double",
  [ScalarType.FLOAT]: "float",
  [ScalarType.INT64]: "int64",
  [ScalarType.UINT64]: "uint64",
  [ScalarType.INT32]: "int32",
  [ScalarType.FIXED64]: "fixed64",
  [ScalarType.FIXED32]: "fixed32",
  [ScalarType.BOOL]: "bool",
  [ScalarType.STRING]: "string",
  [ScalarType.BYTES]: "bytes",
  [ScalarType.UINT32]: "uint32",
  [ScalarType.SFIXED32]: "sfixed32",
  [ScalarType.SFIXED64]: "sfixed64",
  [ScalarType.SINT32]: "sint32",
  [ScalarType.SINT64]: "sint64",
};

export function scalarName(scalar: ScalarType): string {
  return scalarNames[scalar];
}

type TypedCase = NonNullable<FieldRules["type"]["case"]>;

/** The well-known message types that have rules of their own, and their FieldRules case. */
const messageCases: Record<string, TypedCase | undefined> = {
  [timestampType]: "timestamp",
  [durationType]: "duration",
  [anyType]: "any",
  [fieldMaskType]: "fieldMask",
};

/** The FieldRules case that fits a value type, or undefined for messages other than Timestamp and Duration. */
function typedCaseOf(type: ValueType): TypedCase | undefined {
  switch (type.kind) {
    case "scalar":
      return scalarNames[type.scalar] as TypedCase;
    case "enum":
      return "enum";
    case "message":
      return messageCases[type.message.typeName];
  }
}

/** A FieldRules case by its name in the .proto: `field_mask` for `fieldMask`. */
function caseName(c: TypedCase): string {
  return FieldRulesSchema.fields.find((f) => f.localName === c)?.name ?? c;
}

/** `.min_len`: the name of the first rule set in a typed rules message, for error messages. */
function firstRule(typed: Typed): string {
  const schema = FieldRulesSchema.fields.find((f) => f.localName === typed.case)?.message;
  const set = schema?.fields.find((f) => isFieldSet(typed.value, f));
  return set === undefined ? "" : `.${set.name}`;
}

/** A uint64 count of a rule (a length, a number of items) as a number. */
function count(value: bigint | undefined, where: Where, rule: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    where.fail(rule, `(${value}) is larger than any length grpckit can check`);
  }
  return Number(value);
}

const int32Range = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const uint32Range = { min: 0, max: 2 ** 32 - 1 };
const numberRanges: Record<NumberType, { min: number; max: number }> = {
  float: { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY },
  double: { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY },
  int32: int32Range,
  sint32: int32Range,
  sfixed32: int32Range,
  uint32: uint32Range,
  fixed32: uint32Range,
};
const int64Range = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const uint64Range = { min: 0n, max: 2n ** 64n - 1n };
const bigintRanges: Record<BigintType, { min: bigint; max: bigint }> = {
  int64: int64Range,
  sint64: int64Range,
  sfixed64: int64Range,
  uint64: uint64Range,
  fixed64: uint64Range,
};

type Typed = Exclude<FieldRules["type"], { case: undefined }>;

function parseValueRules(typed: Typed, type: ValueType, where: Where): ValueRules {
  switch (typed.case) {
    case "string":
      return stringRules(typed.value, where);
    case "bytes":
      return bytesRules(typed.value, where);
    case "bool":
      return { kind: "bool", const: ruleOf(typed.value, "const") };
    case "enum":
      return enumRules(typed.value, type.kind === "enum" ? type.enum : undefined, where);
    case "timestamp":
      return timeRules("timestamp", typed.value, where);
    case "duration":
      return timeRules("duration", typed.value, where);
    case "float":
    case "double":
    case "int32":
    case "uint32":
    case "sint32":
    case "fixed32":
    case "sfixed32":
      return numberRules(typed.case, typed.value, where);
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return bigintRules(typed.case, typed.value, type.kind === "scalar" && type.asString, where);
    case "any":
      return anyRules(typed.value, where);
    case "fieldMask":
      return fieldMaskRules(typed.value, where);
    case "repeated":
    case "map":
      throw new Error("unreachable: checked by the caller");
  }
}

function stringRules(rules: StringRules, where: Where): StringValueRules {
  const r = {
    const: ruleOf(rules, "const"),
    pattern: ruleOf(rules, "pattern"),
    prefix: ruleOf(rules, "prefix"),
    suffix: ruleOf(rules, "suffix"),
    contains: ruleOf(rules, "contains"),
    notContains: ruleOf(rules, "notContains"),
    in: rules.in,
    notIn: rules.notIn,
  };
  const len = count(ruleOf(rules, "len"), where, "string.len");
  const minLen = count(ruleOf(rules, "minLen"), where, "string.min_len");
  const maxLen = count(ruleOf(rules, "maxLen"), where, "string.max_len");
  const minBytes = count(ruleOf(rules, "minBytes"), where, "string.min_bytes");
  const maxBytes = count(ruleOf(rules, "maxBytes"), where, "string.max_bytes");
  const fail = (name: string, why: string) => where.fail(`string.${name}`, why);
  if (minLen !== undefined && maxLen !== undefined && minLen > maxLen) {
    fail("min_len", `(${minLen}) is greater than string.max_len (${maxLen}): no value is valid`);
  }
  if (minBytes !== undefined && maxBytes !== undefined && minBytes > maxBytes) {
    fail("min_bytes", `(${minBytes}) is greater than string.max_bytes (${maxBytes}): no value is valid`);
  }
  if (len !== undefined && minLen !== undefined && len < minLen) {
    fail("len", `(${len}) is less than string.min_len (${minLen}): no value is valid`);
  }
  if (len !== undefined && maxLen !== undefined && len > maxLen) {
    fail("len", `(${len}) is greater than string.max_len (${maxLen}): no value is valid`);
  }
  const fewestChars = len ?? minLen;
  if (fewestChars !== undefined && maxBytes !== undefined && fewestChars > maxBytes) {
    fail(
      len !== undefined ? "len" : "min_len",
      `(${fewestChars}) asks for more characters than string.max_bytes (${maxBytes}) can hold: no value is valid`,
    );
  }
  // A code point takes at most 4 UTF-8 bytes.
  const mostChars = len ?? maxLen;
  if (mostChars !== undefined && minBytes !== undefined && mostChars * 4 < minBytes) {
    fail(
      len !== undefined ? "len" : "max_len",
      `(${mostChars}) allows at most ${mostChars * 4} bytes, fewer than string.min_bytes (${minBytes}): no value is valid`,
    );
  }
  const format = stringFormatOf(rules);
  const httpHeader = httpHeaderOf(rules);
  const lenBytes = count(ruleOf(rules, "lenBytes"), where, "string.len_bytes");
  const known = rules.wellKnown;
  const regexFormat =
    known.value === true && (known.case === "tuuid" || known.case === "ulid")
      ? known.case
      : known.value === true && known.case === "protobufFqn"
        ? "protobuf_fqn"
        : known.value === true && known.case === "protobufDotFqn"
          ? "protobuf_dot_fqn"
          : undefined;
  if (format === "uuid") {
    const bounds: [string, number | undefined, boolean][] = [
      ["len", len, len !== undefined && len !== uuidLength],
      ["min_len", minLen, minLen !== undefined && minLen > uuidLength],
      ["max_len", maxLen, maxLen !== undefined && maxLen < uuidLength],
      ["min_bytes", minBytes, minBytes !== undefined && minBytes > uuidLength],
      ["max_bytes", maxBytes, maxBytes !== undefined && maxBytes < uuidLength],
    ];
    const clash = bounds.find(([, , clashes]) => clashes);
    if (clash !== undefined) {
      fail(
        "uuid",
        `takes ${uuidLength} characters, which string.${clash[0]} (${clash[1]}) rules out: no value is valid`,
      );
    }
  }
  let compiled: RegExp | undefined;
  if (r.pattern !== undefined) {
    const translated = translateRe2(r.pattern);
    if (translated.ok) compiled = new RegExp(translated.source, translated.flags);
    else fail("pattern", `${JSON.stringify(r.pattern)} is not an RE2 regular expression: ${translated.error}`);
  }
  for (const [name, affix] of [
    ["prefix", r.prefix],
    ["suffix", r.suffix],
    ["contains", r.contains],
  ] as const) {
    const chars = affix === undefined ? 0 : [...affix].length;
    const most = len ?? maxLen;
    if (most !== undefined && chars > most) {
      fail(
        name,
        `${JSON.stringify(affix)} has ${chars} characters, more than the ${most} a value may have: no value is valid`,
      );
    }
  }
  if (r.notContains !== undefined && r.notContains === "") {
    fail("not_contains", `is empty, which every value contains: no value is valid`);
  }
  if (r.contains !== undefined && r.notContains !== undefined && r.contains.includes(r.notContains)) {
    fail(
      "not_contains",
      `${JSON.stringify(r.notContains)} is part of string.contains ${JSON.stringify(r.contains)}: no value is valid`,
    );
  }
  checkDisjoint(r.in, r.notIn, (v) => JSON.stringify(v), "string", where);
  checkConst(r.const, r.in, r.notIn, (v) => JSON.stringify(v), "string", where);
  const chars = (v: string) => [...v].length;
  const bytes = (v: string) => Buffer.byteLength(v, "utf8");
  const pattern = compiled;
  const tests: CandidateTest<string>[] = [
    ...bound("string.len", len, (v: string, n) => chars(v) === n),
    ...bound("string.min_len", minLen, (v: string, n) => chars(v) >= n),
    ...bound("string.max_len", maxLen, (v: string, n) => chars(v) <= n),
    ...bound("string.min_bytes", minBytes, (v: string, n) => bytes(v) >= n),
    ...bound("string.max_bytes", maxBytes, (v: string, n) => bytes(v) <= n),
    ...bound("string.prefix", r.prefix, (v: string, a) => v.startsWith(a), JSON.stringify),
    ...bound("string.suffix", r.suffix, (v: string, a) => v.endsWith(a), JSON.stringify),
    ...bound("string.contains", r.contains, (v: string, a) => v.includes(a), JSON.stringify),
    ...bound("string.not_contains", r.notContains, (v: string, a) => !v.includes(a), JSON.stringify),
    ...bound(
      "string.pattern",
      pattern,
      (v: string, re) => re.test(v),
      (re) => `/${re.source}/`,
    ),
    ...(format === undefined ? [] : [{ rule: `string.${format}`, holds: formatChecks[format] }]),
    ...(httpHeader === undefined
      ? []
      : [{ rule: `string.well_known_regex (HTTP header ${httpHeader.part})`, holds: httpHeaderCheck(httpHeader) }]),
    ...bound("string.len_bytes", lenBytes, (v: string, n) => bytes(v) === n),
    ...(regexFormat === undefined
      ? []
      : [{ rule: `string.${regexFormat}`, holds: (v: string) => new RegExp(regexFormats[regexFormat]).test(v) }]),
  ];
  checkCandidates("string", r.const, r.in, tests, JSON.stringify, where);
  return {
    kind: "string",
    const: r.const,
    len,
    minLen,
    maxLen,
    minBytes,
    maxBytes,
    pattern: r.pattern,
    prefix: r.prefix,
    suffix: r.suffix,
    contains: r.contains,
    notContains: r.notContains,
    in: r.in,
    notIn: r.notIn,
    format,
    lenBytes,
    regexFormat,
    httpHeader,
  };
}

function bytesRules(r: BytesRules, where: Where): BytesValueRules {
  const len = count(ruleOf(r, "len"), where, "bytes.len");
  const minLen = count(ruleOf(r, "minLen"), where, "bytes.min_len");
  const maxLen = count(ruleOf(r, "maxLen"), where, "bytes.max_len");
  if (minLen !== undefined && maxLen !== undefined && minLen > maxLen) {
    where.fail("bytes.min_len", `(${minLen}) is greater than bytes.max_len (${maxLen}): no value is valid`);
  }
  if (len !== undefined && ((minLen !== undefined && len < minLen) || (maxLen !== undefined && len > maxLen))) {
    where.fail("bytes.len", `(${len}) is outside bytes.min_len..bytes.max_len: no value is valid`);
  }
  const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
  for (const value of r.in) {
    if (r.notIn.some((other) => Buffer.from(other).equals(value))) {
      where.fail("bytes.in", `and bytes.not_in both list ${hex(value)}`);
    }
  }
  const constValue = ruleOf(r, "const");
  const prefix = ruleOf(r, "prefix");
  const suffix = ruleOf(r, "suffix");
  const contains = ruleOf(r, "contains");
  const pattern = ruleOf(r, "pattern");
  const known = r.wellKnown;
  const format = known.case !== undefined && known.value === true ? known.case : undefined;
  let compiled: RegExp | undefined;
  if (pattern !== undefined) {
    const translated = translateRe2(pattern);
    if (!translated.ok) {
      where.fail("bytes.pattern", `${JSON.stringify(pattern)} is not an RE2 regular expression: ${translated.error}`);
    }
    compiled = new RegExp(translated.source, translated.flags);
  }
  if (constValue !== undefined && r.notIn.some((other) => Buffer.from(other).equals(constValue))) {
    where.fail("bytes.const", `(${hex(constValue)}) is in bytes.not_in: no value is valid`);
  }
  const b = (v: Uint8Array) => Buffer.from(v);
  checkCandidates(
    "bytes",
    constValue,
    r.in,
    [
      ...bound("bytes.len", len, (v: Uint8Array, n) => v.length === n),
      ...bound("bytes.min_len", minLen, (v: Uint8Array, n) => v.length >= n),
      ...bound("bytes.max_len", maxLen, (v: Uint8Array, n) => v.length <= n),
      ...bound("bytes.prefix", prefix, (v: Uint8Array, p) => b(v).subarray(0, p.length).equals(p), hex),
      ...bound(
        "bytes.suffix",
        suffix,
        (v: Uint8Array, p) =>
          v.length >= p.length &&
          b(v)
            .subarray(v.length - p.length)
            .equals(p),
        hex,
      ),
      ...bound("bytes.contains", contains, (v: Uint8Array, p) => b(v).includes(b(p)), hex),
      // Bytes that are not UTF-8 never match: they are a runtime error of the rule.
      ...bound(
        "bytes.pattern",
        compiled,
        (v: Uint8Array, re) => {
          const text = utf8Text(v);
          return text !== undefined && re.test(text);
        },
        () => JSON.stringify(pattern),
      ),
      ...(format === undefined
        ? []
        : [{ rule: `bytes.${format}`, holds: (v: Uint8Array) => bytesFormatLengths[format].includes(v.length) }]),
    ],
    hex,
    where,
  );
  if (constValue !== undefined && r.in.length > 0 && !r.in.some((x) => b(x).equals(constValue))) {
    where.fail("bytes.const", `(${hex(constValue)}) is not in bytes.in: no value is valid`);
  }
  return {
    kind: "bytes",
    const: constValue,
    prefix,
    suffix,
    contains,
    pattern,
    format,
    len,
    minLen,
    maxLen,
    in: r.in,
    notIn: r.notIn,
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The UTF-8 text of bytes, undefined when they are not UTF-8. */
function utf8Text(b: Uint8Array): string | undefined {
  try {
    return utf8.decode(b);
  } catch {
    return undefined;
  }
}

function anyRules(r: AnyRules, where: Where): AnyValueRules {
  checkDisjoint(r.in, r.notIn, (v) => JSON.stringify(v), "any", where);
  return { kind: "any", in: r.in, notIn: r.notIn };
}

/** Whether a field mask path is `rule` or below it (`a.b` is below `a`), as validate.proto matches field_mask.in and not_in. */
function pathMatches(path: string, rule: string): boolean {
  return path === rule || path.startsWith(`${rule}.`);
}

function fieldMaskRules(r: FieldMaskRules, where: Where): FieldMaskValueRules {
  checkDisjoint(r.in, r.notIn, (v) => JSON.stringify(v), "field_mask", where);
  const show = (paths: readonly string[]) => `[${paths.map((p) => JSON.stringify(p)).join(", ")}]`;
  // An `in` path that not_in rules out (itself or a path above it) leaves that part of `in` meaningless.
  for (const path of r.in) {
    const above = r.notIn.find((f) => pathMatches(path, f));
    if (above !== undefined) {
      where.fail(
        "field_mask.in",
        `lists ${JSON.stringify(path)}, which field_mask.not_in rules out (${JSON.stringify(above)}): a path can never be both`,
      );
    }
  }
  const constPaths = r.const === undefined ? undefined : r.const.paths;
  if (constPaths !== undefined) {
    const outside = r.in.length === 0 ? undefined : constPaths.find((p) => !r.in.some((f) => pathMatches(p, f)));
    if (outside !== undefined) {
      where.fail(
        "field_mask.const",
        `(${show(constPaths)}) breaks field_mask.in (${show(r.in)}): ${JSON.stringify(outside)} is not in it, so no value is valid`,
      );
    }
    const banned = constPaths.find((p) => r.notIn.some((f) => pathMatches(p, f)));
    if (banned !== undefined) {
      where.fail(
        "field_mask.const",
        `(${show(constPaths)}) breaks field_mask.not_in (${show(r.notIn)}): ${JSON.stringify(banned)} is in it, so no value is valid`,
      );
    }
  }
  return { kind: "field_mask", const: constPaths, in: r.in, notIn: r.notIn };
}

/** The lengths validate.proto's bytes formats allow (an IP address, a UUID: their binary forms). */
export const bytesFormatLengths: Record<BytesFormat, readonly number[]> = {
  ip: [4, 16],
  ipv4: [4],
  ipv6: [16],
  uuid: [16],
};

/** The numeric rule messages share one shape; the 64-bit ones hold bigints. */
interface NumericRules<T> {
  const?: T | undefined;
  greaterThan: { case: "gt" | "gte"; value: T } | { case: undefined; value?: undefined };
  lessThan: { case: "lt" | "lte"; value: T } | { case: undefined; value?: undefined };
  in: T[];
  notIn: T[];
  finite?: boolean;
}

/** A numeric rules message with `const` undefined when it is not set. */
function numericView<T>(rules: NumericRules<T> & Message): NumericRules<T> {
  return {
    const: ruleOf(rules, "const") as T | undefined,
    greaterThan: rules.greaterThan,
    lessThan: rules.lessThan,
    in: rules.in,
    notIn: rules.notIn,
  };
}

/**
 * The well-known format a string must have, if grpckit checks it; the
 * formats it does not check yet are refused before (checkSupported). A
 * format set to `false` asks for nothing.
 */
function stringFormatOf(rules: StringRules): StringFormat | undefined {
  const known = rules.wellKnown;
  // The oneof case is the rule's JSON name: ipv4WithPrefixlen -> ipv4_with_prefixlen.
  const name = known.case?.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (name === undefined || known.value !== true || !(name in formatChecks)) {
    return undefined;
  }
  return name as StringFormat;
}

/** `well_known_regex` (HTTP_HEADER_NAME or _VALUE) with `strict`, which validate.proto defaults to true. */
function httpHeaderOf(rules: StringRules): HttpHeaderRule | undefined {
  const known = rules.wellKnown;
  if (known.case !== "wellKnownRegex" || (known.value !== 1 && known.value !== 2)) {
    return undefined;
  }
  return { part: known.value === 1 ? "name" : "value", strict: ruleOf(rules, "strict") ?? true };
}

/** The test of an HTTP header rule, as the generated check applies it (an empty name is its own violation). */
function httpHeaderCheck(rule: HttpHeaderRule): (v: string) => boolean {
  return rule.part === "name" ? (v) => isHttpHeaderName(v, rule.strict) : (v) => isHttpHeaderValue(v, rule.strict);
}

function numberRules(type: NumberType, rules: NumericRules<number> & Message, where: Where): NumberValueRules {
  const float = type === "float" || type === "double";
  const r = { ...numericView(rules), finite: float && ruleOf(rules as FloatRules | DoubleRules, "finite") === true };
  const fail = (name: string, why: string) => where.fail(`${type}.${name}`, why);
  const all: [string, number | undefined][] = [
    ["const", r.const],
    [r.greaterThan.case ?? "gt", r.greaterThan.value],
    [r.lessThan.case ?? "lt", r.lessThan.value],
    ...r.in.map((v): [string, number] => ["in", v]),
    ...r.notIn.map((v): [string, number] => ["not_in", v]),
  ];
  for (const [name, value] of all) {
    if (value !== undefined && Number.isNaN(value)) {
      fail(name, "is NaN, which no value equals or compares to: the rule can never hold as meant");
    }
  }
  const gt = r.greaterThan.case === "gt" ? r.greaterThan.value : undefined;
  const gte = r.greaterThan.case === "gte" ? r.greaterThan.value : undefined;
  const lt = r.lessThan.case === "lt" ? r.lessThan.value : undefined;
  const lte = r.lessThan.case === "lte" ? r.lessThan.value : undefined;
  const integer = type !== "float" && type !== "double";
  const range = numberRanges[type];
  if (isExclusive(gt ?? gte, lt ?? lte)) {
    // Outside the range: valid values lie above the lower bound or below the upper one.
    const above = gt !== undefined ? gt < range.max : (gte as number) <= range.max;
    const below = lt !== undefined ? lt > range.min : (lte as number) >= range.min;
    if (!above && !below) {
      failEmptyRange(type, r, where);
    }
  } else {
    // The smallest and largest valid values (for floats, with whether they are excluded).
    let low = range.min;
    let lowOpen = false;
    let high = range.max;
    let highOpen = false;
    if (gt !== undefined) {
      [low, lowOpen] = integer ? [gt + 1, false] : [gt, true];
    } else if (gte !== undefined) {
      low = gte;
    }
    if (lt !== undefined) {
      [high, highOpen] = integer ? [lt - 1, false] : [lt, true];
    } else if (lte !== undefined) {
      high = lte;
    }
    if (low > high || (low === high && (lowOpen || highOpen))) {
      failEmptyRange(type, r, where);
    }
  }
  checkDisjoint(r.in, r.notIn, String, type, where);
  checkConst(r.const, r.in, r.notIn, String, type, where);
  const inBounds = boundsTest(gt, gte, lt, lte);
  if (r.const !== undefined && !inBounds(r.const)) {
    fail("const", `(${r.const}) is outside the range the bounds allow: no value is valid`);
  }
  checkCandidates(type, undefined, r.in, rangeTests(type, gt, gte, lt, lte), String, where);
  return {
    kind: "number",
    type,
    const: r.const,
    gt,
    gte,
    lt,
    lte,
    in: r.in,
    notIn: r.notIn,
    finite: r.finite === true,
  };
}

/** Fails for bounds that leave no valid value: `int32.gt (10) with int32.lt (5) leaves no valid int32 value`. */
function failEmptyRange<T>(type: string, r: NumericRules<T>, where: Where): never {
  const lower = r.greaterThan;
  const upper = r.lessThan;
  if (lower.case !== undefined) {
    const rest = upper.case === undefined ? "" : ` with ${type}.${upper.case} (${String(upper.value)})`;
    where.fail(`${type}.${lower.case}`, `(${String(lower.value)})${rest} leaves no valid ${type} value`);
  }
  where.fail(`${type}.${upper.case ?? "lt"}`, `(${String(upper.value)}) leaves no valid ${type} value`);
}

/**
 * Whether bounds describe the outside of a range: protovalidate reads a
 * lower bound above the upper one (`gt: 10, lt: 5`) as "above 10 or below 5".
 */
export function isExclusive<T extends number | bigint>(lower: T | undefined, upper: T | undefined): boolean {
  return lower !== undefined && upper !== undefined && upper < lower;
}

/** Whether a value satisfies the bounds, as one rule (inside the range, or outside it when exclusive). */
function boundsTest<T extends number | bigint>(
  gt: T | undefined,
  gte: T | undefined,
  lt: T | undefined,
  lte: T | undefined,
): (v: T) => boolean {
  const lowOk = (v: T) => (gt !== undefined ? v > gt : gte !== undefined ? v >= gte : true);
  const highOk = (v: T) => (lt !== undefined ? v < lt : lte !== undefined ? v <= lte : true);
  return isExclusive(gt ?? gte, lt ?? lte) ? (v) => lowOk(v) || highOk(v) : (v) => lowOk(v) && highOk(v);
}

function bigintRules(
  type: BigintType,
  rules: NumericRules<bigint> & Message,
  asString: boolean,
  where: Where,
): BigintValueRules {
  const r = numericView(rules);
  const gt = r.greaterThan.case === "gt" ? r.greaterThan.value : undefined;
  const gte = r.greaterThan.case === "gte" ? r.greaterThan.value : undefined;
  const lt = r.lessThan.case === "lt" ? r.lessThan.value : undefined;
  const lte = r.lessThan.case === "lte" ? r.lessThan.value : undefined;
  const range = bigintRanges[type];
  const low = gt !== undefined ? gt + 1n : (gte ?? range.min);
  const high = lt !== undefined ? lt - 1n : (lte ?? range.max);
  const exclusive = isExclusive(gt ?? gte, lt ?? lte);
  // Exclusive: valid values lie above the lower bound or below the upper one.
  if (exclusive ? low > range.max && high < range.min : low > high) {
    failEmptyRange(type, r, where);
  }
  checkDisjoint(r.in, r.notIn, String, type, where);
  checkConst(r.const, r.in, r.notIn, String, type, where);
  if (r.const !== undefined && !boundsTest(gt, gte, lt, lte)(r.const)) {
    where.fail(`${type}.const`, `(${r.const}) is outside the range the bounds allow: no value is valid`);
  }
  checkCandidates(type, undefined, r.in, rangeTests(type, gt, gte, lt, lte), String, where);
  return { kind: "bigint", type, asString, const: r.const, gt, gte, lt, lte, in: r.in, notIn: r.notIn };
}

function enumRules(r: EnumRules, desc: DescEnum | undefined, where: Where): EnumValueRules {
  if (desc === undefined) {
    throw new Error("unreachable: enum rules on a non-enum are refused by the caller");
  }
  const defined = new Set(desc.values.map((v) => v.number));
  for (const [name, list] of [
    ["in", r.in],
    ["not_in", r.notIn],
  ] as const) {
    for (const v of list) {
      if (!defined.has(v)) {
        where.fail(`enum.${name}`, `lists ${v}, which is not a value of ${desc.typeName}`);
      }
    }
  }
  checkDisjoint(r.in, r.notIn, String, "enum", where);
  const constValue = ruleOf(r, "const");
  checkConst(constValue, r.in, r.notIn, String, "enum", where);
  if (constValue !== undefined && r.definedOnly && !defined.has(constValue)) {
    where.fail("enum.const", `(${constValue}) is not a value of ${desc.typeName}, which enum.defined_only asks for`);
  }
  return { kind: "enum", enum: desc, const: constValue, definedOnly: r.definedOnly, in: r.in, notIn: r.notIn };
}

function timeValue(v: { seconds: bigint; nanos: number }): TimeValue {
  return { seconds: v.seconds, nanos: v.nanos };
}

/** The order of two Timestamps (or Durations): negative, zero or positive. */
export function compareTimes(a: TimeValue, b: TimeValue): number {
  return a.seconds !== b.seconds ? (a.seconds < b.seconds ? -1 : 1) : a.nanos - b.nanos;
}

function timeRules(kind: "timestamp" | "duration", r: TimestampRules | DurationRules, where: Where): TimeValueRules {
  const lower = r.greaterThan;
  const upper = r.lessThan;
  const boundOf = (x: { case: string | undefined; value?: unknown }): TimeValue | undefined =>
    typeof x.value === "object" && x.value !== null ? timeValue(x.value as TimeValue) : undefined;
  const low = boundOf(lower);
  const high = boundOf(upper);
  for (const [name, value] of [
    [lower.case, low],
    [upper.case, high],
  ] as const) {
    if (value !== undefined && !isValidTime(kind, value)) {
      where.fail(
        `${kind}.${name}`,
        `is not a valid google.protobuf.${kind === "timestamp" ? "Timestamp" : "Duration"}`,
      );
    }
  }
  if (low !== undefined && high !== undefined) {
    // A lower bound above the upper one means outside the range (protovalidate's `_exclusive` rules).
    const c = compareTimes(low, high);
    if (c === 0 && (lower.case === "gt" || upper.case === "lt")) {
      where.fail(
        `${kind}.${lower.case}`,
        `with ${kind}.${upper.case} leaves no valid value: the lower bound is not below the upper bound`,
      );
    }
  }
  // `gt_now = false` is set but asks for nothing: validate.proto checks only when it is true.
  const t = r as TimestampRules;
  const gtNow = kind === "timestamp" && t.greaterThan.case === "gtNow" && t.greaterThan.value;
  const ltNow = kind === "timestamp" && t.lessThan.case === "ltNow" && t.lessThan.value;
  if (gtNow && ltNow) {
    where.fail("timestamp.gt_now", "with timestamp.lt_now leaves no valid value: nothing is both future and past");
  }
  let within: TimeValue | undefined;
  if (kind === "timestamp" && (r as TimestampRules).within !== undefined) {
    within = timeValue((r as TimestampRules).within as TimeValue);
    if (within.seconds < 0n || within.nanos < 0 || (within.seconds === 0n && within.nanos === 0)) {
      where.fail("timestamp.within", "must be a positive duration");
    }
  }
  const constValue = r.const === undefined ? undefined : timeValue(r.const);
  if (constValue !== undefined && !isValidTime(kind, constValue)) {
    where.fail(`${kind}.const`, `is not a valid google.protobuf.${kind === "timestamp" ? "Timestamp" : "Duration"}`);
  }
  const list = (values: readonly { seconds: bigint; nanos: number }[]) => values.map(timeValue);
  const inList = kind === "duration" ? list((r as DurationRules).in) : [];
  const notIn = kind === "duration" ? list((r as DurationRules).notIn) : [];
  for (const [name, values] of [
    ["in", inList],
    ["not_in", notIn],
  ] as const) {
    if (values.some((v) => !isValidDuration(v))) {
      where.fail(`duration.${name}`, "lists a value that is not a valid google.protobuf.Duration");
    }
  }
  return {
    kind,
    const: constValue,
    in: inList,
    notIn,
    gt: lower.case === "gt" ? low : undefined,
    gte: lower.case === "gte" ? low : undefined,
    lt: upper.case === "lt" ? high : undefined,
    lte: upper.case === "lte" ? high : undefined,
    gtNow,
    ltNow,
    within,
  };
}

function isValidTime(kind: "timestamp" | "duration", v: TimeValue): boolean {
  return kind === "timestamp" ? isValidTimestamp(v) : isValidDuration(v);
}

function checkDisjoint<T>(
  inList: readonly T[],
  notIn: readonly T[],
  show: (v: T) => string,
  type: string,
  where: Where,
): void {
  for (const v of inList) {
    if (notIn.includes(v)) {
      where.fail(`${type}.in`, `and ${type}.not_in both list ${show(v)}`);
    }
  }
}

function checkConst<T>(
  value: T | undefined,
  inList: readonly T[],
  notIn: readonly T[],
  show: (v: T) => string,
  type: string,
  where: Where,
): void {
  if (value === undefined) {
    return;
  }
  if (inList.length > 0 && !inList.includes(value)) {
    where.fail(`${type}.const`, `(${show(value)}) is not in ${type}.in: no value is valid`);
  }
  if (notIn.includes(value)) {
    where.fail(`${type}.const`, `(${show(value)}) is in ${type}.not_in: no value is valid`);
  }
}

const uuidLength = 36;

/** The generated checks' formats, applied to a rule's own values. */
const formatChecks: Record<StringFormat, (v: string) => boolean> = {
  email: isEmail,
  hostname: isHostname,
  ip: isIp,
  ipv4: isIpv4,
  ipv6: isIpv6,
  uri: isUri,
  uri_ref: isUriRef,
  uuid: isUuid,
  address: (v) => isHostname(v) || isIp(v),
  host_and_port: (v) => isHostAndPort(v, true),
  ip_with_prefixlen: (v) => isIpPrefix(v),
  ipv4_with_prefixlen: (v) => isIpPrefix(v, 4),
  ipv6_with_prefixlen: (v) => isIpPrefix(v, 6),
  ip_prefix: (v) => isIpPrefix(v, 0, true),
  ipv4_prefix: (v) => isIpPrefix(v, 4, true),
  ipv6_prefix: (v) => isIpPrefix(v, 6, true),
};

/** One rule a `const` or `in` value must satisfy: `string.prefix ("ab")` and its test. */
interface CandidateTest<T> {
  readonly rule: string;
  readonly holds: (v: T) => boolean;
}

/** The test of a rule that is set, none for one that is not. */
function bound<T, B>(
  name: string,
  value: B | undefined,
  holds: (v: T, bound: B) => boolean,
  show: (bound: B) => string = String,
): CandidateTest<T>[] {
  return value === undefined ? [] : [{ rule: `${name} (${show(value)})`, holds: (v) => holds(v, value) }];
}

function rangeTests<T extends number | bigint>(
  type: string,
  gt: T | undefined,
  gte: T | undefined,
  lt: T | undefined,
  lte: T | undefined,
): CandidateTest<T>[] {
  const lower = gt !== undefined ? `${type}.gt (${gt})` : gte !== undefined ? `${type}.gte (${gte})` : undefined;
  const upper = lt !== undefined ? `${type}.lt (${lt})` : lte !== undefined ? `${type}.lte (${lte})` : undefined;
  if (lower === undefined && upper === undefined) {
    return [];
  }
  const rule = lower !== undefined && upper !== undefined ? `${lower} with ${upper}` : (lower ?? upper ?? "");
  return [{ rule, holds: boundsTest(gt, gte, lt, lte) }];
}

/**
 * Fails when the values a rule set names break its other rules so that no
 * value is valid: `const` breaking one of them, or every value of `in`
 * breaking one. The first broken rule is named.
 */
function checkCandidates<T>(
  type: string,
  constValue: T | undefined,
  inList: readonly T[],
  tests: readonly CandidateTest<T>[],
  show: (v: T) => string,
  where: Where,
): void {
  const broken = (v: T) => tests.find((t) => !t.holds(v));
  if (constValue !== undefined) {
    const test = broken(constValue);
    if (test !== undefined) {
      where.fail(`${type}.const`, `(${show(constValue)}) breaks ${test.rule}: no value is valid`);
    }
    return;
  }
  if (inList.length === 0) {
    return;
  }
  const first = inList[0] as T;
  const test = broken(first);
  if (test !== undefined && inList.every((v) => broken(v) !== undefined)) {
    where.fail(
      `${type}.in`,
      `lists no value the other rules allow (${show(first)} breaks ${test.rule}): no value is valid`,
    );
  }
}
