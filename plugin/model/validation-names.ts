import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { safeIdentifier } from "@bufbuild/protoplugin";
import { generatedStem } from "./file-names.js";

/** What `<file>_validate.ts` exports for one message. */
export interface ValidationNames {
  /** The validator, e.g. `CreateOrderRequestValidator`. */
  readonly validator: string;
  /** The zod schema, e.g. `CreateOrderRequestZod`. */
  readonly zod: string;
}

/*
 * Names are a function of the message's file alone, computed once per file
 * and cached: `_grpckit.ts` files and other `_validate.ts` files import them,
 * and must agree with the file that exports them. (protoplugin's own name
 * helpers walk the whole file on every call; a cache keeps that linear.)
 */
const cache = new WeakMap<DescFile, Map<DescMessage, ValidationNames>>();

/** The exports of `desc` in its file's `_validate.ts`. */
export function validationNames(desc: DescMessage): ValidationNames {
  let names = cache.get(desc.file);
  if (names === undefined) {
    names = namesOfFile(desc.file);
    cache.set(desc.file, names);
  }
  const found = names.get(desc);
  if (found === undefined) {
    throw new Error(`no validation names for ${desc.typeName}`);
  }
  return found;
}

/** The module a message's validator lives in, relative to the output root, as protoplugin takes it. */
export function validateModulePath(file: DescFile): string {
  return `./${generatedStem(file.name, "validate")}.js`;
}

/** The generated file's name. */
export function validateFileName(file: DescFile): string {
  return `${generatedStem(file.name, "validate")}.ts`;
}

function namesOfFile(file: DescFile): Map<DescMessage, ValidationNames> {
  const taken = new Set<string>();
  const claim = (wanted: string): string => {
    let name = safeIdentifier(wanted);
    for (let i = 1; taken.has(name); i++) {
      name = safeIdentifier(`${wanted}$${i}`);
    }
    taken.add(name);
    return name;
  };
  const names = new Map<DescMessage, ValidationNames>();
  const offset = file.proto.package.length > 0 ? file.proto.package.length + 1 : 0;
  for (const desc of nestedTypes(file)) {
    if (desc.kind === "message") {
      // As protoc-gen-es names the message: its type name without the package, `_` for dots.
      const id = desc.typeName.substring(offset).replace(/\./g, "_");
      names.set(desc, { validator: claim(`${id}Validator`), zod: claim(`${id}Zod`) });
    }
  }
  return names;
}
