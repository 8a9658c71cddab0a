import { create, createFileRegistry, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ValidationPlanner } from "../../plugin/model/validation-model.js";
import { validationNames } from "../../plugin/model/validation-names.js";
import { requestFor, root, runGrpckit } from "../support/codegen.js";

/*
 * Which messages get a validator and what the plugin writes for them; the
 * output itself is the golden case test/golden/validate.
 */

const fixture = `${root}test/golden/validate/proto`;

function files(dir: string): Map<string, DescFile> {
  const request = requestFor(dir, "");
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
  return new Map([...registry.files].map((f) => [f.proto.name, f]));
}

describe("the validation plan", () => {
  const all = files(fixture);
  const rules = all.get("rules/v1/rules.proto");
  const message = (name: string) => {
    const found = rules?.messages.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no message ${name}`);
    return found;
  };

  it("gives a validator to messages with rules and to messages that reach one, not to the others", () => {
    const planner = new ValidationPlanner();
    const has = (name: string) => planner.needsValidator(message(name));
    expect(has("Item")).toBe(true); // its own rules
    expect(has("Messages")).toBe(true); // holds Item
    expect(has("Tree")).toBe(true); // recursive, with a rule: terminates
    expect(has("Plain")).toBe(false); // no rules, reaches none
    expect(has("Unchecked")).toBe(false); // validation disabled, rules and all
  });

  it("decides the same whatever the order messages are asked in", () => {
    const names = ["Messages", "Tree", "Plain", "Unchecked", "Item", "Oneofs", "Lists", "Maps", "Times"];
    const forward = new ValidationPlanner();
    const backward = new ValidationPlanner();
    const a = names.map((n) => forward.needsValidator(message(n)));
    const b = [...names].reverse().map((n) => backward.needsValidator(message(n)));
    expect(a).toEqual(b.reverse());
  });

  it("lists the file's messages that get a validator, in file order", () => {
    const model = new ValidationPlanner().fileModel(rules as DescFile);
    expect(model.messages.map((m) => m.desc.name)).toEqual([
      "Strings",
      "Bytes",
      "Numbers",
      "Enums",
      "Bools",
      "Item",
      "Lists",
      "Maps",
      "Messages",
      "Tree",
      "Oneofs",
      "Times",
    ]);
  });

  it("names the exports as protoc-gen-es names the message, with a suffix", () => {
    expect(validationNames(message("Item"))).toEqual({ validator: "ItemValidator", zod: "ItemZod" });
  });
});

describe("the plugin", () => {
  it("writes _validate files only for files with messages to validate, and _grpckit files refer to them", () => {
    const out = runGrpckit(requestFor(fixture, "target=ts,import_extension=js"));
    expect([...out.keys()].sort()).toEqual([
      "rules/v1/legacy_validate.ts",
      "rules/v1/modern_validate.ts",
      "rules/v1/patterns_grpckit.ts",
      "rules/v1/patterns_validate.ts",
      "rules/v1/rules_grpckit.ts",
      "rules/v1/rules_validate.ts",
      "rules/v1/shared_validate.ts",
    ]);
    const grpckit = out.get("rules/v1/rules_grpckit.ts") ?? "";
    expect(grpckit).toContain('import { ItemValidator, MessagesValidator } from "./rules_validate.js";');
    expect(grpckit).toContain("inputValidator: MessagesValidator,");
    expect(grpckit).not.toContain("PlainValidator");
  });

  it("keeps precise types in .d.ts output, where TypeScript cannot see zod's types", () => {
    const out = runGrpckit(requestFor(fixture, "target=js+dts,import_extension=js"));
    const dts = out.get("rules/v1/rules_validate.d.ts") ?? "";
    expect(dts).toContain("export declare const ItemValidator: Validator<typeof ItemSchema>;");
    expect(dts).toContain("export declare const TreeZod: z.ZodObject<{");
    expect(dts).not.toMatch(/: any;/);
    expect(out.get("rules/v1/rules_validate.js")).toContain("defineValidator(ItemSchema, (m, out) => {");
  });
});
