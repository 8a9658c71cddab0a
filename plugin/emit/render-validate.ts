import type { DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, ImportSymbol } from "@bufbuild/protoplugin";
import type { FileValidationModel } from "../model/validation-model.js";
import { validateModulePath, validationNames } from "../model/validation-names.js";
import type { GrpckitOptions } from "../parameters.js";
import { type Slot, Slots } from "./slots.js";
import { template } from "./templates.js";
import { checkFunction, type FunctionContext } from "./validate-function.js";
import { type ZodContext, zodSchema } from "./validate-zod.js";

interface ConstantView {
  readonly name: string;
  readonly code: string;
}

interface MessageView {
  readonly typeName: string;
  readonly validatorName: string;
  readonly exportValidator: Slot;
  readonly schema: Slot;
  readonly body: string;
  /** `m, out`, and `limit` when the body stops at the violations' limit (it has loops or nested messages). */
  readonly params: string;
}

interface ZodView {
  readonly typeName: string;
  readonly validatorName: string;
  readonly exportZod: Slot;
  readonly type: string;
  readonly expr: string;
}

interface FileView {
  readonly rt: { readonly Validator: Slot; readonly defineValidator: Slot };
  readonly constants: readonly ConstantView[];
  readonly messages: readonly MessageView[];
  readonly zodSchemas: readonly ZodView[];
}

const render = template<FileView>("validate.ts.hbs");

/**
 * The module of `celProgram` (the CEL fallback, which loads a CEL engine)
 * beside the runtime module generated code imports: `grpckit/cel` beside
 * `grpckit/codegen`, `<dir>/validate/cel.js` beside a relative
 * `<dir>/codegen-core.js` or `<dir>/codegen.js`, else `<runtime_import>/cel`.
 */
export function celModule(runtimeImport: string): string {
  const entry = /^(.*\/)?codegen(-core)?(\.[cm]?[jt]s)?$/.exec(runtimeImport);
  if (entry === null) {
    return `${runtimeImport}/cel`;
  }
  const dir = entry[1] ?? "";
  return dir.startsWith(".") ? `${dir}validate/cel${entry[3] ?? ""}` : `${dir}cel${entry[3] ?? ""}`;
}

/**
 * Prints the body of one `_validate.ts` file (after its preamble) into `f`:
 * module constants (patterns, sets), then a validator for each message that
 * gets one, then (unless `validate_zod=false`) their zod schemas.
 */
export function renderValidateFile(f: GeneratedFile, model: FileValidationModel, options: GrpckitOptions): void {
  const slots = new Slots();
  const imports = new Map<string, Slot>();
  const cached = (key: string, make: () => ImportSymbol): Slot => {
    let slot = imports.get(key);
    if (slot === undefined) {
      slot = slots.put(make());
      imports.set(key, slot);
    }
    return slot;
  };
  const runtime = (name: string, typeOnly = false) =>
    cached(`rt:${name}`, () => f.import(name, options.runtimeImport, typeOnly));
  const constants: ConstantView[] = [];
  const byCode = new Map<string, string>();
  const constant = (code: string, hint: string): string => {
    let name = byCode.get(code);
    if (name === undefined) {
      name = `${hint}${constants.length}`;
      byCode.set(code, name);
      constants.push({ name, code });
    }
    return name;
  };
  // A message of this file by its local name; of another file, imported from its _validate module.
  const ref = (desc: DescMessage, which: "validator" | "zod"): string => {
    const name = validationNames(desc)[which];
    if (desc.file === model.file) {
      return name;
    }
    return cached(`${which}:${desc.typeName}`, () => f.import(name, validateModulePath(desc.file)));
  };
  const fn: FunctionContext = {
    helper: (name) => runtime(name),
    constant,
    schema: (desc) => cached(`schema:${desc.typeName}`, () => f.importSchema(desc)),
    celProgram: () => cached("celProgram", () => f.import("celProgram", celModule(options.runtimeImport))),
    runtime: (name) => runtime(name),
    validator: (desc) => ref(desc, "validator"),
  };
  const messages = model.messages.map((m): MessageView => {
    const names = validationNames(m.desc);
    return {
      typeName: m.desc.typeName,
      validatorName: names.validator,
      exportValidator: slots.put(f.export("const", names.validator)),
      schema: cached(`schema:${m.desc.typeName}`, () => f.importSchema(m.desc)),
      ...checkFunction(m, fn),
    };
  });
  let zodSchemas: ZodView[] = [];
  if (options.validateZod) {
    const zod: ZodContext = {
      ...fn,
      z: () => cached("zod", () => f.import("z", "zod")),
      zodSchema: (desc) => ref(desc, "zod"),
      shape: (desc) => cached(`shape:${desc.typeName}`, () => f.importShape(desc)),
      ownProperties: () => runtime("ownProperties"),
    };
    zodSchemas = model.messages.map((m) => {
      const names = validationNames(m.desc);
      const schema = zodSchema(m, zod);
      return {
        typeName: m.desc.typeName,
        validatorName: names.validator,
        exportZod: slots.put(f.export("const", names.zod)),
        type: schema.type,
        expr: schema.expr,
      };
    });
  }
  const view: FileView = {
    rt: { Validator: runtime("Validator", true), defineValidator: runtime("defineValidator") },
    constants,
    messages,
    zodSchemas,
  };
  slots.print(f, render(view).trim());
}
