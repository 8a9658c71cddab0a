import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { partialTarget, type UpdateValidationModel } from "../model/update-validation-model.js";
import {
  type FieldModel,
  hasChecks,
  type ListFieldModel,
  type MapFieldModel,
  type MessageValidationModel,
  type SingularFieldModel,
  type ValueModel,
  valueHasChecks,
} from "../model/validation-model.js";
import {
  type CelCheck,
  type Check,
  type CheckContext,
  celChecks,
  celDescription,
  celKeyChecks,
  hasNumberKeys,
  isSetCondition,
  isZero,
  keyConversion,
  listChecks,
  keyChecks as mapKeyChecks,
  mapSizeChecks,
  messageOneofChecks,
  oneofRequiredViolation,
  requiredViolation,
  stringLiteral,
  valueChecks,
  valueConversion,
} from "./validate-checks.js";

/** What the straight-line validator needs besides the checks' helpers. */
export interface FunctionContext extends CheckContext {
  /** The runtime's checkNested / checkItem / checkEntry / mapEntryPath / checkNestedMasked. */
  runtime(name: "checkNested" | "checkItem" | "checkEntry" | "mapEntryPath" | "checkNestedMasked"): string;
  /** The validator of a message type (a local name, or an import). */
  validator(desc: DescMessage): string;
}

/** What the checks of an update (update-validation-model.ts) need besides the validator's. */
export interface UpdateFunctionContext extends FunctionContext {
  /** The local name of the masked check of a message type. */
  masked(desc: DescMessage): string;
}

/**
 * A message's `check(m, out, limit)` function: its parameters and its body.
 * For each field with rules, in field order, straight-line checks that push
 * a violation when a rule is broken. Nothing is allocated for a valid
 * message; paths with list indexes and map keys are built only for a
 * violation.
 *
 * Collecting stops once `out` holds `limit` violations: each loop over a list
 * or a map returns at the top of an iteration, and nested validators get the
 * limit. Between two such checks a message adds at most as many violations as
 * its schema has rules, so a list of a million bad items costs about what
 * `limit` of them cost; the caller cuts `out` to `limit`. `limit` is a
 * parameter only when the body uses it (loops, nested messages).
 */
export function checkFunction(model: MessageValidationModel, ctx: FunctionContext): { params: string; body: string } {
  const out = new Lines();
  writeCheckFunctionBody(out, model, ctx);
  return { params: out.usesLimit ? "m, out, limit" : "m, out", body: out.text() };
}

/**
 * The update check of a request (`UpdateCheck.check`: `m, out, limit, mask`):
 * its validator's checks, but the resource field's message is checked with
 * the masked check of its type, on the fields of `mask`.
 */
export function updateCheckFunction(
  request: MessageValidationModel,
  update: UpdateValidationModel,
  ctx: UpdateFunctionContext,
): string {
  const { desc, value } = update.resource;
  const nested = `${ctx.runtime("checkNestedMasked")}(${ctx.masked(value.nested)}, v, out, ${fieldPath(desc)}, limit, mask);`;
  // Two levels in: the body of `check` in the update object.
  const body = new Lines(2);
  writeCheckFunctionBody(body, request, ctx, { field: desc, nested });
  return body.text();
}

/**
 * The masked check of a message type (`MaskedCheck`: `m, out, limit, mask`):
 * for each entry of the mask node, in field order, the checks of that field,
 * as the validator has them when the entry names the field whole; when it
 * names part of a message field, the masked check of the field's type on
 * that part, if the message is set. Rules of the message as a whole
 * (required oneofs, message oneof rules) are left out: they apply where the
 * mask names the message whole, and the validator checks it then.
 */
export function maskedCheckFunction(model: MessageValidationModel, ctx: UpdateFunctionContext): string {
  const out = new Lines();
  out.block("for (const e of mask.entries)", () => {
    out.line(STOP);
    out.block("switch (e.field.number)", () => {
      for (const field of model.fields) {
        if (model.ignored.has(field.desc) || !hasChecks(field)) {
          continue;
        }
        out.line(`case ${field.desc.number}:`);
        out.indented(() => {
          const target = partialTarget(model, field);
          if (target === undefined) {
            writeField(out, field, ctx);
          } else {
            const whole = () => writeField(out, field, ctx);
            const read =
              field.desc.oneof !== undefined ? `m.${field.desc.oneof.localName}.value` : `m.${field.desc.localName}`;
            const part = `${ctx.runtime("checkNestedMasked")}(${ctx.masked(target)}, ${read}, out, ${fieldPath(field.desc)}, limit, e.sub);`;
            out.ifElse("e.sub === undefined", whole, () => out.line(`if (${isSetCondition(field, "m")}) ${part}`));
          }
          out.line("break;");
        });
      }
    });
  });
  return out.text();
}

function writeField(out: Lines, field: FieldModel, ctx: FunctionContext, nested?: string): void {
  switch (field.kind) {
    case "singular":
      singular(out, field, ctx, nested);
      break;
    case "list":
      list(out, field, ctx);
      break;
    case "map":
      map(out, field, ctx);
      break;
  }
}

function writeCheckFunctionBody(
  out: Lines,
  model: MessageValidationModel,
  ctx: FunctionContext,
  resource?: { readonly field: DescField; readonly nested: string },
): void {
  for (const field of model.fields) {
    if (model.ignored.has(field.desc) || !hasChecks(field)) {
      continue;
    }
    writeField(out, field, ctx, field.desc === resource?.field ? resource.nested : undefined);
  }
  for (const oneof of model.requiredOneofs) {
    const { description, reason } = oneofRequiredViolation(oneof);
    out.line(`if (m.${oneof.localName}.case === undefined) ${push(JSON.stringify(oneof.name), description, reason)}`);
  }
  for (const rule of model.messageOneofs) {
    out.block("", () => {
      out.line(`const n = ${rule.fields.map((f) => `(${isSetCondition(f, "m")} ? 1 : 0)`).join(" + ")};`);
      // A rule of the message itself: no field (the path of the field that holds the message, once nested).
      writeChecks(out, messageOneofChecks(rule), "n", '""');
    });
  }
  // Rules of the message itself: no field, as above.
  writeCelChecks(out, celChecks(model.cel, ctx), "m", '""', ctx);
}

/** Lines of code at an indentation, two spaces per level, starting inside the function. */
class Lines {
  private readonly lines: string[] = [];
  /** Whether a line uses the `limit` parameter. */
  usesLimit = false;

  constructor(private depth = 1) {}

  /** A line that uses `limit`. */
  limited(code: string): void {
    this.usesLimit = true;
    this.line(code);
  }

  line(code: string): void {
    this.lines.push(`${"  ".repeat(this.depth)}${code}`);
  }

  /** The lines `body` writes, one level deeper. */
  indented(body: () => void): void {
    this.depth++;
    body();
    this.depth--;
  }

  /** `head {`, the lines `body` writes one level deeper, `}`; a bare block without a head. */
  block(head: string, body: () => void): void {
    this.line(head === "" ? "{" : `${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line("}");
  }

  /** `if (condition) { then } else { otherwise }` */
  ifElse(condition: string, then: () => void, otherwise: () => void): void {
    this.line(`if (${condition}) {`);
    this.depth++;
    then();
    this.depth--;
    this.line("} else {");
    this.depth++;
    otherwise();
    this.depth--;
    this.line("}");
  }

  text(): string {
    return this.lines.join("\n");
  }
}

/** The first line of each loop: stop once the violations reach the limit. */
const STOP = "if (out.length >= limit) return;";

function push(pathExpr: string, description: string, reason: string): string {
  return `out.push({ field: ${pathExpr}, description: ${stringLiteral(description)}, reason: ${stringLiteral(reason)} });`;
}

/** Writes `if (violated) out.push(...)` for each check of a value. */
function writeChecks(out: Lines, checks: readonly Check[], v: string, pathExpr: string): void {
  for (const c of checks) {
    out.line(`if (${c.violated(v)}) ${push(pathExpr, c.description, c.reason)}`);
  }
}

/**
 * Writes the CEL rules of a value: a bool result breaks its rule when false;
 * any other result (a string, or the fallback's) goes through celViolation.
 * The rule id is the violation's reason.
 */
function writeCelChecks(out: Lines, checks: readonly CelCheck[], v: string, pathExpr: string, ctx: CheckContext): void {
  for (const c of checks) {
    // A rule that fails to evaluate (a CEL runtime error) is named in the error: its field and id.
    out.line("try {");
    out.indented(() => {
      if (c.bool) {
        out.line(`if (!(${c.result(v)})) ${push(pathExpr, celDescription(c), c.reason)}`);
        return;
      }
      const violation = ctx.helper("celViolation");
      out.line(
        `const d = ${violation}(${c.result(v)}, ${stringLiteral(c.ruleMessage)}, ${stringLiteral(c.falseMessage)});`,
      );
      out.line(
        `if (d !== undefined) out.push({ field: ${pathExpr}, description: d, reason: ${stringLiteral(c.reason)} });`,
      );
    });
    out.line("} catch (e) {");
    out.indented(() => out.line(`${ctx.helper("celRuleFailed")}(e, ${pathExpr}, ${stringLiteral(c.reason)});`));
    out.line("}");
  }
}

/**
 * Writes the checks of one value (rules, then the nested message's
 * validator), skipping the zero value if the value says so. `raw` is a
 * variable holding the value.
 */
function writeValue(
  out: Lines,
  value: ValueModel,
  raw: string,
  pathExpr: string,
  ctx: FunctionContext,
  nested: (validator: string) => string,
): void {
  const body = () => {
    const convert = valueConversion(value.boxed ?? value.type);
    let v = raw;
    if (value.boxed !== undefined) {
      out.line(`const n = ${convert === undefined ? `${raw}.value` : convert(`${raw}.value`)};`);
      v = "n";
    } else if (convert !== undefined && (value.rules !== undefined || value.cel.length > 0)) {
      out.line(`const n = ${convert(raw)};`);
      v = "n";
    }
    if (value.rules !== undefined) {
      writeChecks(out, valueChecks(value.rules, ctx), v, pathExpr);
    }
    // A CEL rule of a wrapper item binds `this` to its `.value` itself.
    writeCelChecks(out, celChecks(value.cel, ctx), value.boxed !== undefined ? raw : v, pathExpr, ctx);
    if (value.nested !== undefined) {
      out.limited(nested(ctx.validator(value.nested)));
    }
  };
  if (value.ignoreZero && value.type.kind !== "message") {
    out.block(`if (!(${isZero(value.type, raw)}))`, body);
  } else {
    body();
  }
}

/** `if (unset) <required> else { rest }`; just the first part when there is no rest. */
function requiredOrElse(out: Lines, unset: string, path: string, hasRest: boolean, rest: () => void): void {
  const required = push(path, requiredViolation.description, requiredViolation.reason);
  if (hasRest) {
    out.ifElse(unset, () => out.line(required), rest);
  } else {
    out.line(`if (${unset}) ${required}`);
  }
}

function fieldPath(field: DescField): string {
  return JSON.stringify(field.name);
}

/** A singular field's checks; `nestedCall` replaces the check of its message (for an update's resource). */
function singular(out: Lines, field: SingularFieldModel, ctx: FunctionContext, nestedCall?: string): void {
  const { desc, value } = field;
  const path = fieldPath(desc);
  const nested = (validator: string) =>
    nestedCall ?? `${ctx.runtime("checkNested")}(${validator}, v, out, ${path}, limit);`;
  const check = () => writeValue(out, value, "v", path, ctx, nested);
  const oneof = desc.oneof;
  if (oneof !== undefined || field.presence === "own-property") {
    const read = oneof !== undefined ? `m.${oneof.localName}.value` : `m.${desc.localName}`;
    const set = () => {
      out.line(`const v = ${read};`);
      check();
    };
    if (field.required) {
      requiredOrElse(out, `!(${isSetCondition(field, "m")})`, path, valueHasChecks(value), set);
    } else {
      out.block(`if (${isSetCondition(field, "m")})`, set);
    }
    return;
  }
  out.block("", () => {
    out.line(`const v = m.${desc.localName};`);
    const unset = field.presence === "implicit" ? isZero(value.type, "v") : "v === undefined";
    if (field.required) {
      requiredOrElse(out, unset, path, valueHasChecks(value), check);
    } else if (field.presence === "implicit") {
      check();
    } else {
      out.block("if (v !== undefined)", check);
    }
  });
}

function list(out: Lines, field: ListFieldModel, ctx: FunctionContext): void {
  const { desc, items } = field;
  const path = fieldPath(desc);
  out.block("", () => {
    out.line(`const v = m.${desc.localName};`);
    const body = () => {
      writeChecks(out, listChecks(field, ctx), "v", path);
      writeCelChecks(out, celChecks(field.cel, ctx), "v", path, ctx);
      if (!valueHasChecks(items)) {
        return;
      }
      out.line("let i = 0;");
      out.block("for (const x of v)", () => {
        out.limited(STOP);
        writeValue(
          out,
          items,
          "x",
          `\`${desc.name}[\${i}]\``,
          ctx,
          (validator) => `${ctx.runtime("checkItem")}(${validator}, x, out, ${path}, i, limit);`,
        );
        out.line("i++;");
      });
    };
    if (field.required) {
      requiredOrElse(
        out,
        "v.length === 0",
        path,
        field.minItems !== undefined ||
          field.maxItems !== undefined ||
          field.unique ||
          field.cel.length > 0 ||
          valueHasChecks(items),
        body,
      );
    } else if (field.ignoreZero) {
      out.block("if (v.length !== 0)", body);
    } else {
      body();
    }
  });
}

function map(out: Lines, field: MapFieldModel, ctx: FunctionContext): void {
  const { desc, keys, values } = field;
  if (desc.fieldKind !== "map") {
    return;
  }
  const path = fieldPath(desc);
  const keyScalar = desc.mapKey;
  const quoted = keyScalar === ScalarType.STRING;
  const entryPath = `${ctx.runtime("mapEntryPath")}(${path}, k, ${quoted})`;
  out.block("", () => {
    out.line(`const v = m.${desc.localName};`);
    const body = () => {
      if (field.minPairs !== undefined || field.maxPairs !== undefined || field.ignoreZero || field.required) {
        out.line("const size = Object.keys(v).length;");
      }
      const inner = () => {
        writeChecks(out, mapSizeChecks(field), "size", path);
        writeCelChecks(out, celChecks(field.cel, ctx), "v", path, ctx);
        const checkKeys = keys.rules !== undefined || keys.cel.length > 0;
        const checkValues = valueHasChecks(values);
        if (!checkKeys && !checkValues) {
          return;
        }
        out.block("for (const k in v)", () => {
          out.limited(STOP);
          if (checkKeys) {
            const convert = keyConversion(keyScalar);
            let key = "k";
            if (convert !== undefined) {
              out.line(`const key = ${convert("k")};`);
              key = "key";
            }
            const rules = keys.rules;
            const write = () => {
              if (rules !== undefined) {
                writeChecks(out, mapKeyChecks(rules, ctx), key, entryPath);
              }
              writeCelChecks(out, celKeyChecks(keys.cel, ctx), key, entryPath, ctx);
            };
            if (keys.ignoreZero) {
              out.block(`if (!(${isZero(keys.type, key)}))`, write);
            } else {
              write();
            }
          }
          if (checkValues) {
            const index = hasNumberKeys(keyScalar) ? "k as unknown as number" : "k";
            out.line(`const x = v[${index}];`);
            out.block("if (x !== undefined)", () =>
              writeValue(
                out,
                values,
                "x",
                entryPath,
                ctx,
                (validator) => `${ctx.runtime("checkEntry")}(${validator}, x, out, ${path}, k, ${quoted}, limit);`,
              ),
            );
          }
        });
      };
      if (field.required) {
        const more =
          field.minPairs !== undefined ||
          field.maxPairs !== undefined ||
          field.cel.length > 0 ||
          keys.rules !== undefined ||
          keys.cel.length > 0 ||
          valueHasChecks(values);
        requiredOrElse(out, "size === 0", path, more, inner);
      } else if (field.ignoreZero) {
        out.block("if (size !== 0)", inner);
      } else {
        inner();
      }
    };
    body();
  });
}
