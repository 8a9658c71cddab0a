import {
  type DescField,
  type DescMessage,
  getOption,
  hasOption,
  isFieldSet,
  type Message,
  ScalarType,
} from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { RE2JS } from "@bufbuild/re2";
import {
  type FieldRules,
  field as fieldOption,
  Ignore,
  message as messageOption,
  oneof as oneofOption,
} from "../../plugin/gen/grpckit/v1/options_pb.js";
import { isEmail, isHostname, isIp, isIpv4, isIpv6, isUri, isUuid } from "../../runtime/validate/formats.js";

/*
 * An independent validator for the property tests: it reads the rules from
 * the descriptors when it runs and checks them one by one with plain
 * JavaScript, in the simplest way that is obviously right (slow is fine).
 * It shares no code with the generator or the generated validators, except
 * the well-known formats (email, uri, ...), which formats.test.ts covers.
 *
 * Violations are `path|REASON` strings; the tests compare them as sorted lists.
 */

type AnyRecord = Record<string, unknown>;

export function referenceViolations(desc: DescMessage, message: Message): string[] {
  const out: string[] = [];
  checkMessage(desc, message as unknown as AnyRecord, "", out);
  return out.sort();
}

const join = (prefix: string, name: string) => (prefix === "" ? name : `${prefix}.${name}`);

function checkMessage(desc: DescMessage, message: AnyRecord, prefix: string, out: string[]): void {
  if (hasOption(desc, messageOption) && getOption(desc, messageOption).disabled) {
    return;
  }
  for (const field of desc.fields) {
    const rules = hasOption(field, fieldOption) ? getOption(field, fieldOption) : undefined;
    if (rules?.ignore === Ignore.ALWAYS) {
      continue;
    }
    checkField(field, rules, message, join(prefix, field.name), out);
  }
  for (const oneof of desc.oneofs) {
    if (hasOption(oneof, oneofOption) && getOption(oneof, oneofOption).required) {
      if ((message[oneof.localName] as { case: unknown }).case === undefined) {
        // protovalidate's rule id for a required oneof is `required`, at the oneof's name.
        out.push(`${join(prefix, oneof.name)}|REQUIRED`);
      }
    }
  }
}

function fieldValue(field: DescField, message: AnyRecord): unknown {
  if (field.oneof !== undefined) {
    const oneof = message[field.oneof.localName] as { case: unknown; value: unknown };
    return oneof.case === field.localName ? oneof.value : undefined;
  }
  return message[field.localName];
}

function checkField(field: DescField, rules: FieldRules | undefined, message: AnyRecord, path: string, out: string[]) {
  const ignoreZero = rules?.ignore === Ignore.IF_ZERO_VALUE;
  const value = fieldValue(field, message);
  const typed = rules?.type;
  switch (field.fieldKind) {
    case "list": {
      const list = value as unknown[];
      if (ignoreZero && list.length === 0) {
        return;
      }
      const r = typed?.case === "repeated" ? typed.value : undefined;
      if (r?.minItems !== undefined && BigInt(list.length) < r.minItems) out.push(`${path}|REPEATED_MIN_ITEMS`);
      if (r?.maxItems !== undefined && BigInt(list.length) > r.maxItems) out.push(`${path}|REPEATED_MAX_ITEMS`);
      if (r?.unique) {
        const keys = list.map((x) => (x instanceof Uint8Array ? Buffer.from(x).toString("hex") : x));
        if (new Set(keys).size !== keys.length) out.push(`${path}|REPEATED_UNIQUE`);
      }
      if (r?.items?.ignore === Ignore.ALWAYS) {
        return;
      }
      list.forEach((item, i) => {
        checkValue(field, r?.items, item, `${path}[${i}]`, out);
      });
      return;
    }
    case "map": {
      const map = value as AnyRecord;
      const keys = Object.keys(map);
      if (ignoreZero && keys.length === 0) {
        return;
      }
      const r = typed?.case === "map" ? typed.value : undefined;
      if (r?.minPairs !== undefined && BigInt(keys.length) < r.minPairs) out.push(`${path}|MAP_MIN_PAIRS`);
      if (r?.maxPairs !== undefined && BigInt(keys.length) > r.maxPairs) out.push(`${path}|MAP_MAX_PAIRS`);
      for (const k of keys) {
        const entry = field.mapKey === ScalarType.STRING ? `${path}[${JSON.stringify(k)}]` : `${path}[${k}]`;
        checkKey(field.mapKey, r?.keys, k, entry, out);
        if (r?.values?.ignore !== Ignore.ALWAYS) {
          checkValue(field, r?.values, map[k], entry, out);
        }
      }
      return;
    }
    default: {
      const hasPresence =
        field.fieldKind === "message" ||
        field.oneof !== undefined ||
        field.presence !== FeatureSet_FieldPresence.IMPLICIT;
      if (hasPresence && !isFieldSet(message as unknown as Message, field)) {
        if (rules?.required) out.push(`${path}|REQUIRED`);
        return;
      }
      // validate.proto: IGNORE_IF_ZERO_VALUE is a no-op on a field that tracks presence.
      checkValue(field, rules, value, path, out, ignoreZero && !hasPresence);
    }
  }
}

function keyValue(scalar: ScalarType, key: string): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      return key;
    case ScalarType.BOOL:
      return key === "true";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return BigInt(key);
    default:
      return Number(key);
  }
}

function checkKey(scalar: ScalarType, rules: FieldRules | undefined, key: string, path: string, out: string[]) {
  if (rules === undefined || rules.ignore === Ignore.ALWAYS) {
    return;
  }
  const value = keyValue(scalar, key);
  if (rules.ignore === Ignore.IF_ZERO_VALUE && isZero(value)) {
    return;
  }
  out.push(...typedViolations(rules, value, undefined).map((reason) => `${path}|MAP_KEYS_${reason}`));
}

/** The zero value is the value of an unset field: "", 0, false, empty bytes, the first value of an enum. */
function isZero(value: unknown, field?: DescField): boolean {
  if (field?.enum !== undefined) {
    return value === field.enum.values[0]?.number;
  }
  if (value instanceof Uint8Array) {
    return value.length === 0;
  }
  return value === "" || value === 0 || value === 0n || value === false || value === "0";
}

/** A singular value, a list item or a map value: its rules, then the message it holds. */
function checkValue(
  field: DescField,
  rules: FieldRules | undefined,
  value: unknown,
  path: string,
  out: string[],
  ignoreZero = rules?.ignore === Ignore.IF_ZERO_VALUE,
): void {
  if (ignoreZero && field.message === undefined && isZero(value, field)) {
    return;
  }
  if (rules !== undefined) {
    out.push(...typedViolations(rules, value, field).map((reason) => `${path}|${reason}`));
  }
  if (field.message !== undefined && value !== undefined) {
    checkMessage(field.message, value as AnyRecord, path, out);
  }
}

const codePoints = (s: string) => Array.from(s).length;
const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
const nanosOf = (t: { seconds: bigint; nanos: number }) => t.seconds * 1_000_000_000n + BigInt(t.nanos);
const nowNanos = () => BigInt(Date.now()) * 1_000_000n;

/** The reasons `value` breaks the typed rules of `rules`. */
function typedViolations(rules: FieldRules, value: unknown, field: DescField | undefined): string[] {
  const reasons: string[] = [];
  const fail = (rule: string) => reasons.push(rule.replace(/\./g, "_").toUpperCase());
  const typed = rules.type;
  switch (typed.case) {
    case undefined:
    case "repeated":
    case "map":
      break;
    case "string": {
      const r = typed.value;
      const s = value as string;
      if (r.const !== undefined && s !== r.const) fail("string.const");
      if (r.len !== undefined && BigInt(codePoints(s)) !== r.len) fail("string.len");
      if (r.minLen !== undefined && BigInt(codePoints(s)) < r.minLen) fail("string.min_len");
      if (r.maxLen !== undefined && BigInt(codePoints(s)) > r.maxLen) fail("string.max_len");
      if (r.minBytes !== undefined && BigInt(utf8Bytes(s)) < r.minBytes) fail("string.min_bytes");
      if (r.maxBytes !== undefined && BigInt(utf8Bytes(s)) > r.maxBytes) fail("string.max_bytes");
      // RE2's own engine, as protovalidate-es runs it: the generated check is a translation.
      if (r.pattern !== undefined && !RE2JS.compile(r.pattern).test(s)) fail("string.pattern");
      if (r.prefix !== undefined && s.slice(0, r.prefix.length) !== r.prefix) fail("string.prefix");
      if (r.suffix !== undefined && (s.length < r.suffix.length || s.slice(s.length - r.suffix.length) !== r.suffix)) {
        fail("string.suffix");
      }
      if (r.contains !== undefined && s.indexOf(r.contains) < 0) fail("string.contains");
      if (r.notContains !== undefined && s.indexOf(r.notContains) >= 0) fail("string.not_contains");
      if (r.in.length > 0 && !r.in.includes(s)) fail("string.in");
      if (r.notIn.includes(s)) fail("string.not_in");
      const format = r.wellKnown.case;
      if (format !== undefined && r.wellKnown.value) {
        const ok = {
          email: isEmail,
          hostname: isHostname,
          ip: isIp,
          ipv4: isIpv4,
          ipv6: isIpv6,
          uri: isUri,
          uuid: isUuid,
        }[format](s);
        // As validate.proto: the empty string is its own rule (string.email_empty).
        if (s === "") fail(`string.${format}_empty`);
        else if (!ok) fail(`string.${format}`);
      }
      break;
    }
    case "bytes": {
      const r = typed.value;
      const b = Buffer.from(value as Uint8Array);
      if (r.len !== undefined && BigInt(b.length) !== r.len) fail("bytes.len");
      if (r.minLen !== undefined && BigInt(b.length) < r.minLen) fail("bytes.min_len");
      if (r.maxLen !== undefined && BigInt(b.length) > r.maxLen) fail("bytes.max_len");
      if (r.in.length > 0 && !r.in.some((x) => b.equals(x))) fail("bytes.in");
      if (r.notIn.some((x) => b.equals(x))) fail("bytes.not_in");
      break;
    }
    case "bool":
      if (typed.value.const !== undefined && value !== typed.value.const) fail("bool.const");
      break;
    case "enum": {
      const r = typed.value;
      const n = value as number;
      const defined = field?.enum?.values.map((v) => v.number) ?? [];
      if (r.definedOnly && !defined.includes(n)) fail("enum.defined_only");
      if (r.in.length > 0 && !r.in.includes(n)) fail("enum.in");
      if (r.notIn.includes(n)) fail("enum.not_in");
      break;
    }
    case "float":
    case "double": {
      const r = typed.value;
      // A float is checked as it goes on the wire, in 32 bits.
      const x = typed.case === "float" ? Math.fround(value as number) : (value as number);
      const name = typed.case;
      if (r.const !== undefined && !(x === r.const)) fail(`${name}.const`);
      const num = (y: unknown) => y as number;
      checkBounds(name, x, boundOf(r.greaterThan, num), boundOf(r.lessThan, num), fail);
      if (r.in.length > 0 && !r.in.some((y) => y === x)) fail(`${name}.in`);
      if (r.notIn.some((y) => y === x)) fail(`${name}.not_in`);
      if (r.finite && !Number.isFinite(x)) fail(`${name}.finite`);
      break;
    }
    case "timestamp":
    case "duration": {
      const t = nanosOf(value as { seconds: bigint; nanos: number });
      const r = typed.value;
      const name = typed.case;
      const lower = r.greaterThan;
      const upper = r.lessThan;
      if (!isValidTime(typed.case, value as { seconds: bigint; nanos: number })) {
        // An invalid value is not compared with anything.
        fail(`${name}.valid`);
        break;
      }
      const time = (y: unknown) => nanosOf(y as { seconds: bigint; nanos: number });
      checkBounds(name, t, boundOf(lower, time), boundOf(upper, time), fail);
      if (lower.case === "gtNow" && lower.value && t < nowNanos()) fail(`${name}.gt_now`);
      if (upper.case === "ltNow" && upper.value && t > nowNanos()) fail(`${name}.lt_now`);
      if (typed.case === "timestamp" && typed.value.within !== undefined) {
        const diff = t - nowNanos();
        if ((diff < 0n ? -diff : diff) > nanosOf(typed.value.within)) fail(`${name}.within`);
      }
      break;
    }
    default: {
      // Every integer type, compared exactly as a bigint, whatever form the field holds it in.
      const r = typed.value;
      const name = typed.case;
      const x = BigInt(value as number | bigint | string);
      const big = (y: number | bigint) => BigInt(y);
      if (r.const !== undefined && x !== big(r.const)) fail(`${name}.const`);
      const int = (y: unknown) => big(y as number | bigint);
      checkBounds(name, x, boundOf(r.greaterThan, int), boundOf(r.lessThan, int), fail);
      if (r.in.length > 0 && !r.in.some((y: number | bigint) => big(y) === x)) fail(`${name}.in`);
      if (r.notIn.some((y: number | bigint) => big(y) === x)) fail(`${name}.not_in`);
    }
  }
  return reasons;
}

/** Whether a Timestamp or Duration is one the well-known type allows (its documented ranges, spelled out again here). */
function isValidTime(kind: "timestamp" | "duration", { seconds, nanos }: { seconds: bigint; nanos: number }): boolean {
  if (kind === "timestamp") {
    const min = BigInt(Date.parse("0001-01-01T00:00:00Z") / 1000);
    const max = BigInt(Date.parse("9999-12-31T23:59:59Z") / 1000);
    return seconds >= min && seconds <= max && nanos >= 0 && nanos < 1e9;
  }
  const limit = 10_000n * 31_557_600n; // 10,000 Julian years
  return (
    seconds >= -limit &&
    seconds <= limit &&
    nanos > -1e9 &&
    nanos < 1e9 &&
    (seconds === 0n || nanos === 0 || seconds > 0n === nanos > 0)
  );
}

interface Bound<T> {
  readonly op: "gt" | "gte" | "lt" | "lte";
  readonly value: T;
}

/** A gt/gte/lt/lte bound of a rules oneof (not gt_now, lt_now), its value converted. */
function boundOf<T>(
  b: { case: string | undefined; value?: unknown },
  convert: (v: unknown) => T,
): Bound<T> | undefined {
  return b.case === "gt" || b.case === "gte" || b.case === "lt" || b.case === "lte"
    ? { op: b.case, value: convert(b.value) }
    : undefined;
}

/**
 * validate.proto's bounds: a bound alone is its rule (`int32.gt`); a lower
 * and an upper bound are one rule, inside the range (`int32.gt_lt`), or
 * outside it when the upper bound is below the lower (`int32.gt_lt_exclusive`).
 */
function checkBounds<T extends number | bigint>(
  name: string,
  x: T,
  lower: Bound<T> | undefined,
  upper: Bound<T> | undefined,
  fail: (rule: string) => void,
): void {
  const holds = ({ op, value }: Bound<T>) =>
    op === "gt" ? x > value : op === "gte" ? x >= value : op === "lt" ? x < value : x <= value;
  if (lower === undefined || upper === undefined) {
    const one = lower ?? upper;
    if (one !== undefined && !holds(one)) fail(`${name}.${one.op}`);
    return;
  }
  const exclusive = upper.value < lower.value;
  const ok = exclusive ? holds(lower) || holds(upper) : holds(lower) && holds(upper);
  if (!ok) fail(`${name}.${lower.op}_${upper.op}${exclusive ? "_exclusive" : ""}`);
}
