// cel: validations per second of one message with three CEL rules (one on
// the message, two on fields: a string and a repeated string with the `all`
// macro), valid and invalid, by the expressions compiled to TypeScript
// (plugin/model/cel, the code the generator emits), by grpckit's run-time
// fallback (@bufbuild/cel, "grpckit/cel"), and by @bufbuild/protovalidate with
// the same buf.validate rules, side by side in one process. Issue 19's goal:
// compiled ≥ 10× protovalidate on both. See bench/README.md.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { create, createFileRegistry, fromJson, setExtension } from "@bufbuild/protobuf";
import { FieldOptionsSchema, FileDescriptorProtoSchema, MessageOptionsSchema } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import {
  field as bufField,
  message as bufMessage,
  FieldRulesSchema,
  MessageRulesSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { build } from "esbuild";
import { runtimeDir, runtimeUrl } from "../lib/snapshot.mjs";
import { nsPerCall } from "./validate.mjs";

const rules = {
  message: { id: "range.ordered", expression: "this.min <= this.max ? '' : 'min must not exceed max'" },
  name: { id: "name.format", expression: "this.startsWith('item-') && size(this) <= 32" },
  tags: { id: "tags.sized", expression: "this.all(t, size(t) > 0 && size(t) <= 16)" },
};

/** The last violations of a measured call: they escape the loop. */
export let kept;

const validInit = { min: 1n, max: 10n, name: "item-42", tags: ["red", "green", "blue"] };
const invalidInit = { min: 10n, max: 1n, name: "x", tags: ["", "green"] };

/** The message, with its rules as buf.validate options, for protovalidate (and its descriptor for grpckit). */
function schema() {
  const fieldOptions = (rule) => {
    const options = create(FieldOptionsSchema);
    setExtension(options, bufField, create(FieldRulesSchema, { cel: [rule] }));
    return options;
  };
  const messageOptions = create(MessageOptionsSchema);
  setExtension(messageOptions, bufMessage, create(MessageRulesSchema, { cel: [rules.message] }));
  const file = fromJson(FileDescriptorProtoSchema, {
    name: "bench/cel/v1/range.proto",
    package: "bench.cel.v1",
    syntax: "proto3",
    messageType: [
      {
        name: "Range",
        field: [
          { name: "min", number: 1, type: "TYPE_INT64", label: "LABEL_OPTIONAL", jsonName: "min" },
          { name: "max", number: 2, type: "TYPE_INT64", label: "LABEL_OPTIONAL", jsonName: "max" },
          { name: "name", number: 3, type: "TYPE_STRING", label: "LABEL_OPTIONAL", jsonName: "name" },
          { name: "tags", number: 4, type: "TYPE_STRING", label: "LABEL_REPEATED", jsonName: "tags" },
        ],
      },
    ],
  });
  const message = file.messageType[0];
  message.options = messageOptions;
  message.field[2].options = fieldOptions(rules.name);
  message.field[3].options = fieldOptions(rules.tags);
  return createFileRegistry(file, () => undefined).getMessage("bench.cel.v1.Range");
}

/** plugin/model/cel, bundled for this process (the plugin ships it inside its one-file bundle). */
async function loadCompiler(root) {
  const outfile = join(root, "bench/.build/cel-compile.mjs");
  await build({
    entryPoints: [join(root, "plugin/model/cel/index.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    packages: "external",
    outfile,
    logLevel: "error",
  });
  return import(pathToFileURL(outfile).href);
}

/**
 * The message with its three CEL rules, and its validators: the expressions
 * compiled (as the generator emits them), and grpckit's run-time fallback.
 * (The validate suite measures generated CEL rules: its Cel message has these three.)
 */
export async function celValidators(root) {
  const desc = schema();
  const cel = await loadCompiler(root);
  const runtime = await import(runtimeUrl(root));
  const { celProgram } = await import(pathToFileURL(join(runtimeDir(root), "validate/cel.js")).href);
  const field = (name) => desc.fields.find((f) => f.name === name);

  // Compiled: each expression as the generator emits it, called on the value it validates.
  const compile = (expression, env) => {
    const result = cel.compileCel(expression, env);
    if (result.kind !== "compiled") throw new Error(`${expression} did not compile: ${JSON.stringify(result)}`);
    const fn = new Function(...result.helpers, "value", `return ${result.code};`);
    const helpers = result.helpers.map((h) => runtime[h]);
    return fn.bind(undefined, ...helpers);
  };
  // As a validator does: a violation record per failed rule (protovalidate builds one too).
  // The generator writes each rule's false message as a literal.
  for (const rule of Object.values(rules)) rule.falseMessage = runtime.celFalseMessage(rule.expression);
  const check = (out, path, rule, result) => {
    const message = runtime.celViolation(result, "", rule.falseMessage);
    if (message !== undefined) out.push({ field: path, ruleId: rule.id, message });
  };
  const validator = (range, name, tags) => (m) => {
    const out = [];
    check(out, "", rules.message, range(m));
    check(out, "name", rules.name, name(m.name));
    check(out, "tags", rules.tags, tags(m.tags));
    return out;
  };
  const compiled = validator(
    compile(rules.message.expression, { this: cel.messageType(desc) }),
    compile(rules.name.expression, { this: cel.fieldRuleType(field("name")) }),
    compile(rules.tags.expression, { this: cel.fieldRuleType(field("tags")) }),
  );
  const fallback = validator(
    celProgram(rules.message.expression, { this: desc }),
    celProgram(rules.name.expression, { this: "string" }),
    celProgram(rules.tags.expression, { this: { list: "string" } }),
  );

  return { desc, compiled, fallback, validInit, invalidInit, violations: 3 };
}

export async function run({ root, rows, progress, quick }) {
  const { desc, compiled, fallback } = await celValidators(root);
  const protovalidate = createValidator();
  const iterations = quick ? 2_000 : 200_000;
  const rounds = quick ? 3 : 7;
  for (const [kind, init, violations] of [
    ["valid", validInit, 0],
    ["invalid", invalidInit, 3],
  ]) {
    const message = create(desc, init);
    // The three judge the message alike, or the comparison means nothing.
    const counts = {
      compiled: compiled(message).length,
      fallback: fallback(message).length,
      protovalidate: protovalidate.validate(desc, message).violations?.length ?? 0,
    };
    for (const [who, count] of Object.entries(counts)) {
      if (count !== violations)
        throw new Error(`${who} finds ${count} violations in the ${kind} message, not ${violations}`);
    }
    const name = (who) => `3 CEL rules, ${kind}${violations > 0 ? ` (${violations} violations)` : ""}: ${who}`;
    progress(`${kind}: protovalidate ...`);
    const pv = nsPerCall(() => protovalidate.validate(desc, message).kind === "valid", iterations / 20, rounds);
    progress(`${kind}: fallback ...`);
    // The violations escape (as a validator returns them), so that the JIT cannot drop them.
    const keep = (violations) => {
      kept = violations;
      return violations.length === 0;
    };
    const fb = nsPerCall(() => keep(fallback(message)), iterations / 10, rounds);
    progress(`${kind}: compiled ...`);
    const fast = nsPerCall(() => keep(compiled(message)), iterations, rounds);
    const perSecond = (ns) => 1e9 / ns;
    const base = name("@bufbuild/protovalidate");
    rows.add({ name: base, value: perSecond(pv), unit: "validations/s", better: "higher" });
    rows.add({
      name: name("grpckit CEL fallback (@bufbuild/cel)"),
      value: perSecond(fb),
      unit: "validations/s",
      better: "higher",
      baseline: base,
    });
    rows.add({
      name: name("grpckit CEL compiled"),
      value: perSecond(fast),
      unit: "validations/s",
      better: "higher",
      baseline: base,
    });
  }
}
