import { type DescField, type DescMessage, type DescOneof, ScalarType } from "@bufbuild/protobuf";
import type {
  CelRuleModel,
  FieldModel,
  MessageValidationModel,
  SingularFieldModel,
  ValueModel,
  ValueType,
} from "../model/validation-model.js";
import {
  type CelCheck,
  type Check,
  type CheckContext,
  celChecks,
  celDescription,
  celKeyChecks,
  holds,
  isSetCondition,
  isZero,
  keyChecks,
  keyConversion,
  listChecks,
  mapSizeChecks,
  messageOneofChecks,
  oneofRequiredViolation,
  requiredViolation,
  stringLiteral,
  valueChecks,
  valueConversion,
} from "./validate-checks.js";

/** What the zod schema needs besides the checks' helpers. */
export interface ZodContext extends CheckContext {
  /** The `z` of zod. */
  z(): string;
  /** The zod schema of a message type that gets one (a local name, or an import). */
  zodSchema(desc: DescMessage): string;
  /** The protobuf-es type of a message, imported as a type. */
  shape(desc: DescMessage): string;
  /** The runtime's `ownProperties`. */
  ownProperties(): string;
}

/**
 * A zod expression with its type, spelled out: the export is annotated with
 * it, so that `.d.ts` output (target=dts, transpiled without zod's types at
 * hand) keeps the precise type, and recursive schemas type-check.
 */
export interface ZodExpr {
  readonly expr: string;
  readonly type: string;
  /** It refers to a message's zod schema, so it goes in a getter: the schema may come later, or be this one. */
  readonly lazy: boolean;
}

/**
 * The zod schema of a message, from the same checks as its validator: an
 * object with every field of the message by its protobuf-es property name.
 * A field the input leaves out is its zero value (a list `[]`, a map `{}`); a
 * field with presence (a message, `optional`, a oneof) may be left out or
 * undefined. Messages nest through getters, so recursive types work.
 */
export function zodSchema(model: MessageValidationModel, ctx: ZodContext): ZodExpr {
  const z = ctx.z();
  const entries: string[] = [];
  const types: string[] = [];
  const fieldModels = new Map<DescField, FieldModel>(model.fields.map((f) => [f.desc, f]));
  let ownPresence = false;
  for (const member of model.desc.members) {
    let e: ZodExpr;
    if (member.kind === "oneof") {
      e = oneofExpr(member, model, fieldModels, ctx);
    } else {
      const field = fieldModels.get(member);
      if (field === undefined) {
        continue;
      }
      if (field.kind === "singular" && field.presence === "own-property") {
        ownPresence = true;
      }
      e = fieldExpr(field, model.ignored.has(member), ctx);
    }
    entries.push(property(member.localName, e, "  "));
    types.push(`${member.localName}: ${e.type}`);
  }
  const object = {
    expr: `${z}.object({\n${entries.map((e) => `  ${e},`).join("\n")}\n})${messageOneofRefine(model)}${celRefine(model.cel, ctx, undefined, undefined)}`,
    type: `${z}.ZodObject<{\n${types.map((t) => `  ${t};`).join("\n")}\n}>`,
    lazy: false,
  };
  // proto2 and editions fields read their default through the prototype when
  // unset; the checks see only the message's own properties, as the validator does.
  return ownPresence
    ? {
        expr: `${z}.preprocess(${ctx.ownProperties()}, ${object.expr})`,
        type: `${z}.ZodPreprocess<${object.type}, unknown>`,
        lazy: false,
      }
    : object;
}

/** The `(buf.validate.message).oneof` rules of a message, as a superRefine of its object (no path: the message's own). */
function messageOneofRefine(model: MessageValidationModel): string {
  if (model.messageOneofs.length === 0) {
    return "";
  }
  const lines: string[] = [];
  for (const rule of model.messageOneofs) {
    lines.push("{");
    lines.push(`  const n = ${rule.fields.map((f) => `(${isSetCondition(f, "v")} ? 1 : 0)`).join(" + ")};`);
    for (const c of messageOneofChecks(rule)) {
      lines.push(
        `  if (${c.violated("n")}) ctx.addIssue({ code: "custom", path: [], message: ${stringLiteral(c.description)}, params: { reason: ${JSON.stringify(c.reason)} } });`,
      );
    }
    lines.push("}");
  }
  return `.superRefine((v, ctx) => {\n${lines.map((l) => `  ${l}`).join("\n")}\n})`;
}

/**
 * The CEL rules of a value as refinements, after its other rules. Only the
 * compiled ones: the fallback reads `this` as a protobuf-es message
 * (reflection), which a zod input is not; the validator checks those.
 */
function celRefine(
  rules: readonly CelRuleModel[],
  ctx: ZodContext,
  convert: ((raw: string) => string) | undefined,
  skipZero: string | undefined,
): string {
  const checks = celChecks(
    rules.filter((r) => r.kind === "compiled"),
    ctx,
  );
  const v = convert === undefined ? "v" : convert("v");
  return checks
    .map((c) => {
      if (c.bool) {
        const test = skipZero === undefined ? c.result(v) : `${skipZero} || ${c.result(v)}`;
        return `.refine((v) => ${test}, { message: ${stringLiteral(celDescription(c))}, params: { reason: ${stringLiteral(c.reason)} } })`;
      }
      const lines = celIssueLines(c, v, ctx, "[]");
      const skip = skipZero === undefined ? "" : `if (${skipZero}) return; `;
      return `.superRefine((v, ctx) => { ${skip}${lines.join(" ")} })`;
    })
    .join("");
}

/** Statements that add a CEL rule's violation of `v` as an issue at `path` (inside a superRefine of `ctx`). */
function celIssueLines(c: CelCheck, v: string, ctx: ZodContext, path: string): string[] {
  if (c.bool) {
    return [
      `if (!(${c.result(v)})) ctx.addIssue({ code: "custom", path: ${path}, message: ${stringLiteral(celDescription(c))}, params: { reason: ${stringLiteral(c.reason)} } });`,
    ];
  }
  const violation = ctx.helper("celViolation");
  return [
    `{ const d = ${violation}(${c.result(v)}, ${stringLiteral(c.ruleMessage)}, ${stringLiteral(c.falseMessage)});`,
    `if (d !== undefined) ctx.addIssue({ code: "custom", path: ${path}, message: d, params: { reason: ${stringLiteral(c.reason)} } }); }`,
  ];
}

/** A refinement that a value is not its zero value (`required` without presence); it stops the other checks. */
function requiredRefine(set: string): string {
  const { description, reason } = requiredViolation;
  return `.refine((v) => ${set}, { message: ${stringLiteral(description)}, params: { reason: ${JSON.stringify(reason)} }, abort: true })`;
}

/** A getter for a lazy expression, annotated with its type, or a plain property. */
function property(name: string, e: ZodExpr, indent: string): string {
  return e.lazy ? `get ${name}(): ${e.type} {\n${indent}  return ${e.expr};\n${indent}}` : `${name}: ${e.expr}`;
}

function refine(
  checks: readonly Check[],
  convert: ((raw: string) => string) | undefined,
  skipZero: string | undefined,
): string {
  return checks
    .map((c) => {
      const v = convert === undefined ? "v" : convert("v");
      const assertion = holds(c.violated(v));
      const test = skipZero === undefined ? assertion : `${skipZero} || ${assertion}`;
      return `.refine((v) => ${test}, { message: ${stringLiteral(c.description)}, params: { reason: ${JSON.stringify(c.reason)} } })`;
    })
    .join("");
}

/** A superRefine that checks each key of a map and reports a broken rule at the key's entry. */
function keyCheck(
  checks: readonly Check[],
  cel: readonly CelCheck[],
  scalar: ScalarType,
  ignoreZero: boolean,
  type: ValueType,
  ctx: ZodContext,
): string {
  const convert = keyConversion(scalar);
  const key = convert === undefined ? "k" : "key";
  const lines = ["for (const k of Object.keys(v)) {"];
  if (convert !== undefined) {
    lines.push(`  const key = ${convert("k")};`);
  }
  if (ignoreZero) {
    lines.push(`  if (${isZero(type, key)}) continue;`);
  }
  for (const c of checks) {
    lines.push(
      `  if (${c.violated(key)}) ctx.addIssue({ code: "custom", path: [k], message: ${stringLiteral(c.description)}, params: { reason: ${JSON.stringify(c.reason)} } });`,
    );
  }
  for (const c of cel) {
    lines.push(...celIssueLines(c, key, ctx, "[k]").map((l) => `  ${l}`));
  }
  lines.push("}");
  return `.superRefine((v, ctx) => {\n${lines.map((l) => `    ${l}`).join("\n")}\n  })`;
}

function plain(expr: string, type: string): ZodExpr {
  return { expr, type, lazy: false };
}

/** The zod type of a value, without presence. */
function baseType(type: ValueType, value: ValueModel | undefined, ctx: ZodContext): ZodExpr {
  const z = ctx.z();
  switch (type.kind) {
    case "enum":
      return plain(`${z}.int32()`, `${z}.ZodInt32`);
    case "message": {
      if (value?.nested !== undefined) {
        const schema = ctx.zodSchema(value.nested);
        return { expr: schema, type: `typeof ${schema}`, lazy: true };
      }
      if (value?.rules?.kind === "any") {
        // The checks read the type URL; the packed value passes through.
        return plain(
          `${z}.looseObject({ typeUrl: ${z}.string() })`,
          `${z}.ZodObject<{ typeUrl: ${z}.ZodString }, ${z}.core.$loose>`,
        );
      }
      if (value?.rules?.kind === "field_mask") {
        // The checks read the paths.
        return plain(
          `${z}.object({ paths: ${z}.array(${z}.string()) })`,
          `${z}.ZodObject<{ paths: ${z}.ZodArray<${z}.ZodString> }>`,
        );
      }
      if (value?.boxed?.kind === "scalar") {
        // A wrapper item or map value with rules: the checks read its value.
        const inner = scalarType(value.boxed.scalar, false, z);
        return plain(`${z}.object({ value: ${inner.expr} })`, `${z}.ZodObject<{ value: ${inner.type} }>`);
      }
      if (value?.rules !== undefined) {
        // Timestamp or Duration with rules: the checks read seconds and nanos.
        return plain(
          `${z}.object({ seconds: ${z}.bigint(), nanos: ${z}.int32() })`,
          `${z}.ZodObject<{ seconds: ${z}.ZodBigInt; nanos: ${z}.ZodInt32 }>`,
        );
      }
      const shape = ctx.shape(type.message);
      return plain(`${z}.custom<${shape}>()`, `${z}.ZodCustom<${shape}, ${shape}>`);
    }
    case "scalar": {
      const scalar = scalarType(type.scalar, type.asString, z);
      // A wrapper type in a oneof: the wrapper message, whose `value` the checks read.
      return type.boxed === true
        ? plain(`${z}.object({ value: ${scalar.expr} })`, `${z}.ZodObject<{ value: ${scalar.type} }>`)
        : scalar;
    }
  }
}

function scalarType(scalar: ScalarType, asString: boolean, z: string): ZodExpr {
  switch (scalar) {
    case ScalarType.STRING:
      return plain(`${z}.string()`, `${z}.ZodString`);
    case ScalarType.BYTES:
      return plain(`${z}.custom<Uint8Array>((v) => v instanceof Uint8Array)`, `${z}.ZodCustom<Uint8Array, Uint8Array>`);
    case ScalarType.BOOL:
      return plain(`${z}.boolean()`, `${z}.ZodBoolean`);
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      // z.number() refuses NaN and the infinities, which float fields can hold.
      return plain(`${z}.custom<number>((v) => typeof v === "number")`, `${z}.ZodCustom<number, number>`);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return plain(`${z}.int32()`, `${z}.ZodInt32`);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return plain(`${z}.uint32()`, `${z}.ZodUInt32`);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return asString
        ? plain(`${z}.string().regex(/^-?[0-9]+$/, { abort: true })`, `${z}.ZodString`)
        : plain(`${z}.int64()`, `${z}.ZodInt64`);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return asString
        ? plain(`${z}.string().regex(/^[0-9]+$/, { abort: true })`, `${z}.ZodString`)
        : plain(`${z}.uint64()`, `${z}.ZodUInt64`);
  }
}

/** The zod type of a value with its rules, without presence. Refinements keep the type. */
function valueExpr(value: ValueModel, ctx: ZodContext, requireNonZero = false): ZodExpr {
  const base = baseType(value.type, value, ctx);
  const required = requireNonZero ? requiredRefine(`!(${isZero(value.type, "v")})`) : "";
  const skip = value.ignoreZero && value.type.kind !== "message" ? isZero(value.type, "v") : undefined;
  const convert = valueConversion(value.type);
  const inner = value.boxed === undefined ? undefined : valueConversion(value.boxed);
  const ruleConvert =
    value.boxed === undefined
      ? convert
      : (raw: string) => (inner === undefined ? `${raw}.value` : inner(`${raw}.value`));
  const rules = value.rules === undefined ? "" : refine(valueChecks(value.rules, ctx), ruleConvert, skip);
  return { ...base, expr: base.expr + required + rules + celRefine(value.cel, ctx, convert, skip) };
}

function zeroLiteral(type: ValueType): string {
  if (type.kind === "enum") {
    return String(type.enum.values[0]?.number ?? 0);
  }
  if (type.kind === "message") {
    return "undefined";
  }
  switch (type.scalar) {
    case ScalarType.STRING:
      return '""';
    case ScalarType.BYTES:
      return "new Uint8Array(0)";
    case ScalarType.BOOL:
      return "false";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return type.asString ? '"0"' : "0n";
    default:
      return "0";
  }
}

function fieldExpr(field: FieldModel, ignored: boolean, ctx: ZodContext): ZodExpr {
  const z = ctx.z();
  switch (field.kind) {
    case "singular":
      return singularExpr(field, ignored, ctx);
    case "list": {
      const item = valueExpr(field.items, ctx);
      const skip = field.ignoreZero ? "v.length === 0" : undefined;
      const required = field.required ? requiredRefine("v.length !== 0") : "";
      return {
        expr: `${z}.array(${item.expr})${required}${refine(listChecks(field, ctx), undefined, skip)}${celRefine(field.cel, ctx, undefined, skip)}.prefault([])`,
        type: `${z}.ZodPrefault<${z}.ZodArray<${item.type}>>`,
        lazy: item.lazy,
      };
    }
    case "map": {
      const desc = field.desc;
      const keyScalar = desc.fieldKind === "map" ? desc.mapKey : ScalarType.STRING;
      const keyRules = field.keys.rules;
      const keyCel = celKeyChecks(
        field.keys.cel.filter((r) => r.kind === "compiled"),
        ctx,
      );
      // Key rules run on the whole map, not in the key schema: zod skips the
      // value of an entry whose key schema fails, and the validator does not.
      const keys =
        keyRules === undefined && keyCel.length === 0
          ? ""
          : keyCheck(
              keyRules === undefined ? [] : keyChecks(keyRules, ctx),
              keyCel,
              keyScalar,
              field.keys.ignoreZero,
              field.keys.type,
              ctx,
            );
      const value = valueExpr(field.values, ctx);
      const skip = field.ignoreZero ? "Object.keys(v).length === 0" : undefined;
      const size = refine(mapSizeChecks(field), (raw) => `Object.keys(${raw}).length`, skip);
      const required = field.required ? requiredRefine("Object.keys(v).length !== 0") : "";
      const cel = celRefine(field.cel, ctx, undefined, skip);
      return {
        expr: `${z}.record(${z}.string(), ${value.expr})${required}${keys}${size}${cel}.prefault({})`,
        type: `${z}.ZodPrefault<${z}.ZodRecord<${z}.ZodString, ${value.type}>>`,
        lazy: value.lazy,
      };
    }
  }
}

function singularExpr(field: SingularFieldModel, ignored: boolean, ctx: ZodContext): ZodExpr {
  const z = ctx.z();
  const value = ignored ? { ...field.value, rules: undefined, nested: undefined, cel: [] } : field.value;
  const inner = valueExpr(value, ctx, field.required && field.presence === "implicit");
  if (field.presence === "implicit") {
    return {
      expr: `${inner.expr}.prefault(${zeroLiteral(field.value.type)})`,
      type: `${z}.ZodPrefault<${inner.type}>`,
      lazy: inner.lazy,
    };
  }
  if (field.required) {
    // Not `.optional().refine(...)`: zod skips an optional property the input leaves out.
    const { description, reason } = requiredViolation;
    const present = `${z}.custom<unknown>((v) => v !== undefined, { message: ${stringLiteral(description)}, params: { reason: ${JSON.stringify(reason)} }, abort: true })`;
    return {
      expr: `${present}.pipe(${inner.expr})`,
      type: `${z}.ZodPipe<${z}.ZodCustom<unknown, unknown>, ${inner.type}>`,
      lazy: inner.lazy,
    };
  }
  return { expr: `${inner.expr}.optional()`, type: `${z}.ZodOptional<${inner.type}>`, lazy: inner.lazy };
}

/**
 * A oneof as protobuf-es holds it, `{ case: "email", value: "a@b.c" }` or
 * `{ case: undefined }`: a union discriminated by `case`.
 */
function oneofExpr(
  oneof: DescOneof,
  model: MessageValidationModel,
  fields: ReadonlyMap<DescField, FieldModel>,
  ctx: ZodContext,
): ZodExpr {
  const z = ctx.z();
  const options: ZodExpr[] = oneof.fields.map((member) => {
    const field = fields.get(member);
    const value: ZodExpr =
      field?.kind !== "singular"
        ? plain(`${z}.unknown()`, `${z}.ZodUnknown`)
        : valueExpr(
            model.ignored.has(member) ? { ...field.value, rules: undefined, nested: undefined, cel: [] } : field.value,
            ctx,
          );
    const literal = JSON.stringify(member.localName);
    return plain(
      `${z}.object({ case: ${z}.literal(${literal}), ${property("value", value, "").replace(/\n\s*/g, " ")} })`,
      `${z}.ZodObject<{ case: ${z}.ZodLiteral<${literal}>; value: ${value.type} }>`,
    );
  });
  options.push(
    plain(
      `${z}.object({ case: ${z}.undefined(), value: ${z}.undefined().optional() })`,
      `${z}.ZodObject<{ case: ${z}.ZodUndefined; value: ${z}.ZodOptional<${z}.ZodUndefined> }>`,
    ),
  );
  let expr = `${z}.discriminatedUnion("case", [\n${options.map((o) => `    ${o.expr},`).join("\n")}\n  ])`;
  if (model.requiredOneofs.includes(oneof)) {
    const { description, reason } = oneofRequiredViolation(oneof);
    expr += `.refine((v) => v.case !== undefined, { message: ${stringLiteral(description)}, params: { reason: ${JSON.stringify(reason)} } })`;
  }
  for (const member of oneof.fields) {
    const field = fields.get(member);
    if (field?.kind === "singular" && field.required) {
      // `required` on a member: the oneof must hold that member.
      const { description, reason } = requiredViolation;
      expr += `.refine((v) => v.case === ${JSON.stringify(member.localName)}, { message: ${stringLiteral(description)}, params: { reason: ${JSON.stringify(reason)} } })`;
    }
  }
  return {
    expr: `${expr}.prefault({ case: undefined })`,
    type: `${z}.ZodPrefault<${z}.ZodDiscriminatedUnion<[\n    ${options.map((o) => o.type).join(",\n    ")},\n  ], "case">>`,
    lazy: false,
  };
}
