import type { DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, ImportSymbol } from "@bufbuild/protoplugin";
import { updateValidationModel } from "../model/update-validation-model.js";
import type { FileValidationModel, ValidationPlanner } from "../model/validation-model.js";
import { validateModulePath, validationNames } from "../model/validation-names.js";
import type { GrpckitOptions } from "../parameters.js";
import { fieldRef } from "./render-masks.js";
import { type Slot, Slots } from "./slots.js";
import { template } from "./templates.js";
import {
  checkFunction,
  type FunctionContext,
  maskedCheckFunction,
  type UpdateFunctionContext,
  updateCheckFunction,
} from "./validate-function.js";
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
  /** The update check of a request with an update mask (update-validation-model.ts). */
  readonly update: { readonly resource: string; readonly body: string } | undefined;
}

interface MaskedView {
  readonly typeName: string;
  readonly name: string;
  readonly schema: Slot;
  readonly body: string;
}

interface ZodView {
  readonly typeName: string;
  readonly validatorName: string;
  readonly exportZod: Slot;
  readonly type: string;
  readonly expr: string;
}

interface FileView {
  readonly rt: { readonly Validator: Slot; readonly defineValidator: Slot; readonly MaskedCheck: Slot };
  readonly constants: readonly ConstantView[];
  readonly messages: readonly MessageView[];
  readonly masked: readonly MaskedView[];
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
 * gets one, then (unless `validate_zod=false`) their zod schemas. Returns
 * whether the file imports the CEL fallback (and so needs `@bufbuild/cel`).
 */
export function renderValidateFile(
  f: GeneratedFile,
  model: FileValidationModel,
  options: GrpckitOptions,
  planner: ValidationPlanner,
): { readonly usesCelEngine: boolean } {
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
  // The masked checks of the types requests of this file update, local to the file.
  const masked: MaskedView[] = [];
  const maskedNames = new Map<DescMessage, string>();
  const maskedTaken = new Set<string>();
  const maskedWritten = new Set<DescMessage>();
  const upd: UpdateFunctionContext = {
    ...fn,
    masked: (desc) => {
      let name = maskedNames.get(desc);
      if (name === undefined) {
        const offset = desc.file.proto.package.length > 0 ? desc.file.proto.package.length + 1 : 0;
        const id = `masked$${desc.typeName.substring(offset).replace(/\./g, "_")}`;
        name = id;
        for (let i = 1; maskedTaken.has(name); i++) name = `${id}$${i}`;
        maskedTaken.add(name);
        maskedNames.set(desc, name);
      }
      return name;
    },
  };
  const schemaOf = (desc: DescMessage) => cached(`schema:${desc.typeName}`, () => f.importSchema(desc));
  const messages = model.messages.map((m): MessageView => {
    const names = validationNames(m.desc);
    const update = updateValidationModel(m, planner);
    if (update !== undefined) {
      for (const type of update.masked) {
        if (!maskedWritten.has(type.desc)) {
          maskedWritten.add(type.desc);
          masked.push({
            typeName: type.desc.typeName,
            name: upd.masked(type.desc),
            schema: schemaOf(type.desc),
            body: maskedCheckFunction(type, upd),
          });
        }
      }
    }
    return {
      typeName: m.desc.typeName,
      validatorName: names.validator,
      exportValidator: slots.put(f.export("const", names.validator)),
      schema: schemaOf(m.desc),
      ...checkFunction(m, fn),
      update:
        update === undefined
          ? undefined
          : {
              resource: fieldRef(schemaOf(m.desc), update.resource.desc),
              body: updateCheckFunction(m, update, upd),
            },
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
    rt: {
      Validator: runtime("Validator", true),
      defineValidator: runtime("defineValidator"),
      MaskedCheck: runtime("MaskedCheck", true),
    },
    constants,
    messages,
    masked,
    zodSchemas,
  };
  slots.print(f, render(view).trim());
  return { usesCelEngine: imports.has("celProgram") };
}
