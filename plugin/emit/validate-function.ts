import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import {
  hasChecks,
  type ListFieldModel,
  type MapFieldModel,
  type MessageValidationModel,
  type SingularFieldModel,
  type ValueModel,
} from "../model/validation-model.js";
import {
  type Check,
  type CheckContext,
  hasNumberKeys,
  isZero,
  keyConversion,
  listChecks,
  keyChecks as mapKeyChecks,
  mapSizeChecks,
  oneofRequiredViolation,
  requiredViolation,
  valueChecks,
  valueConversion,
} from "./validate-checks.js";

/** What the straight-line validator needs besides the checks' helpers. */
export interface FunctionContext extends CheckContext {
  /** The runtime's checkNested / checkItem / checkEntry / mapEntryPath. */
  runtime(name: "checkNested" | "checkItem" | "checkEntry" | "mapEntryPath"): string;
  /** The validator of a message type (a local name, or an import). */
  validator(desc: DescMessage): string;
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

function writeCheckFunctionBody(out: Lines, model: MessageValidationModel, ctx: FunctionContext): void {
  for (const field of model.fields) {
    if (model.ignored.has(field.desc) || !hasChecks(field)) {
      continue;
    }
    switch (field.kind) {
      case "singular":
        singular(out, field, ctx);
        break;
      case "list":
        list(out, field, ctx);
        break;
      case "map":
        map(out, field, ctx);
        break;
    }
  }
  for (const oneof of model.requiredOneofs) {
    const { description, reason } = oneofRequiredViolation(oneof);
    out.line(`if (m.${oneof.localName}.case === undefined) ${push(JSON.stringify(oneof.name), description, reason)}`);
  }
}

/** Lines of code at an indentation, two spaces per level, starting inside the function. */
class Lines {
  private readonly lines: string[] = [];
  private depth = 1;
  /** Whether a line uses the `limit` parameter. */
  usesLimit = false;

  /** A line that uses `limit`. */
  limited(code: string): void {
    this.usesLimit = true;
    this.line(code);
  }

  line(code: string): void {
    this.lines.push(`${"  ".repeat(this.depth)}${code}`);
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
  return `out.push({ field: ${pathExpr}, description: ${JSON.stringify(description)}, reason: ${JSON.stringify(reason)} });`;
}

/** Writes `if (violated) out.push(...)` for each check of a value. */
function writeChecks(out: Lines, checks: readonly Check[], v: string, pathExpr: string): void {
  for (const c of checks) {
    out.line(`if (${c.violated(v)}) ${push(pathExpr, c.description, c.reason)}`);
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
    const convert = valueConversion(value.type);
    let v = raw;
    if (convert !== undefined && value.rules !== undefined) {
      out.line(`const n = ${convert(raw)};`);
      v = "n";
    }
    if (value.rules !== undefined) {
      writeChecks(out, valueChecks(value.rules, ctx), v, pathExpr);
    }
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

function fieldPath(field: DescField): string {
  return JSON.stringify(field.name);
}

function singular(out: Lines, field: SingularFieldModel, ctx: FunctionContext): void {
  const { desc, value } = field;
  const path = fieldPath(desc);
  const nested = (validator: string) => `${ctx.runtime("checkNested")}(${validator}, v, out, ${path}, limit);`;
  const oneof = desc.oneof;
  if (oneof !== undefined) {
    out.block(`if (m.${oneof.localName}.case === ${JSON.stringify(desc.localName)})`, () => {
      out.line(`const v = m.${oneof.localName}.value;`);
      writeValue(out, value, "v", path, ctx, nested);
    });
    return;
  }
  if (field.presence === "own-property") {
    out.block(`if (Object.prototype.hasOwnProperty.call(m, ${JSON.stringify(desc.localName)}))`, () => {
      out.line(`const v = m.${desc.localName};`);
      writeValue(out, value, "v", path, ctx, nested);
    });
    return;
  }
  out.block("", () => {
    out.line(`const v = m.${desc.localName};`);
    if (field.presence === "implicit") {
      writeValue(out, value, "v", path, ctx, nested);
      return;
    }
    const required = push(path, requiredViolation.description, requiredViolation.reason);
    if (field.required) {
      out.ifElse(
        "v === undefined",
        () => out.line(required),
        () => writeValue(out, value, "v", path, ctx, nested),
      );
    } else {
      out.block("if (v !== undefined)", () => writeValue(out, value, "v", path, ctx, nested));
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
      if (items.rules === undefined && items.nested === undefined) {
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
    if (field.ignoreZero) {
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
      if (field.minPairs !== undefined || field.maxPairs !== undefined || field.ignoreZero) {
        out.line("const size = Object.keys(v).length;");
      }
      const inner = () => {
        writeChecks(out, mapSizeChecks(field), "size", path);
        const checkKeys = keys.rules !== undefined;
        const checkValues = values.rules !== undefined || values.nested !== undefined;
        if (!checkKeys && !checkValues) {
          return;
        }
        out.block("for (const k in v)", () => {
          out.limited(STOP);
          if (checkKeys && keys.rules !== undefined) {
            const convert = keyConversion(keyScalar);
            let key = "k";
            if (convert !== undefined) {
              out.line(`const key = ${convert("k")};`);
              key = "key";
            }
            const rules = keys.rules;
            const write = () => writeChecks(out, mapKeyChecks(rules, ctx), key, entryPath);
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
      if (field.ignoreZero) {
        out.block("if (size !== 0)", inner);
      } else {
        inner();
      }
    };
    body();
  });
}
