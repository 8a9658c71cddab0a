import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile } from "@bufbuild/protoplugin";
import { type MethodMasksModel, maskNames, pathsOf } from "../model/mask-model.js";
import type { FileModel } from "../model/service-model.js";
import type { GrpckitOptions } from "../parameters.js";
import { type Slot, Slots } from "./slots.js";
import { template } from "./templates.js";

/*
 * The field mask part of a `_grpckit.ts` file: the `masks` row of each
 * method's table entry, and after the services, the path types of every
 * message a mask reaches (registered for `fieldMask<T>()`), and a typed
 * `apply<Resource>UpdateMask` per updated resource.
 */

interface PathTypeView {
  readonly typeNameText: string;
  /** The message's shape as protoc-gen-es names it, for the doc comment. */
  readonly shapeText: string;
  readonly typeName: string;
  readonly name: string;
  readonly exportType: Slot;
  /** The paths as string literals. */
  readonly paths: readonly string[];
  /** Some field is named whole because its type is already on the way down. */
  readonly recursive: boolean;
}

interface ApplyView {
  readonly resourceText: string;
  readonly methodsText: string;
  readonly exportFunction: Slot;
  readonly shape: Slot;
  readonly schema: Slot;
}

interface MasksView {
  readonly rt: { readonly applyUpdateMask: Slot; readonly FieldMaskLike: Slot };
  readonly pathTypes: readonly PathTypeView[];
  /** Whether to register the path types with the runtime (not for a relative runtime_import). */
  readonly augment: boolean;
  readonly runtimeModule: string;
  readonly applies: readonly ApplyView[];
}

const render = template<MasksView>("masks.ts.hbs");

/**
 * The `masks` entry of a method's table row, e.g.
 * `{ read: { field: GetUserRequestSchema.field.readMask, target: GetUserResponseSchema.field.user } }`,
 * or "" when the method has no masks.
 */
export function masksLiteral(f: GeneratedFile, slots: Slots, masks: MethodMasksModel | undefined): string {
  if (masks === undefined) {
    return "";
  }
  const ref = (field: DescField) => fieldRef(slots.put(f.importSchema(field.parent)), field);
  const parts: string[] = [];
  if (masks.read !== undefined) {
    const { field, target } = masks.read;
    parts.push(`read: { field: ${ref(field)}${target === undefined ? "" : `, target: ${ref(target)}`} }`);
  }
  if (masks.update !== undefined) {
    const { field, resource, validateWholeResource } = masks.update;
    const whole = validateWholeResource ? ", validateWholeResource: true" : "";
    parts.push(`update: { field: ${ref(field)}, resource: ${ref(resource)}${whole} }`);
  }
  return `{ ${parts.join(", ")} }`;
}

/** The expression of a field's descriptor, given the expression of its message's schema: `UserSchema.field.userId`. */
export function fieldRef(schema: string, field: DescField): string {
  return /^[A-Za-z_$][\w$]*$/.test(field.localName)
    ? `${schema}.field.${field.localName}`
    : `${schema}.field[${JSON.stringify(field.localName)}]`;
}

/** Prints the path types and update helpers of a file whose methods have masks; nothing otherwise. */
export function renderMasks(f: GeneratedFile, model: FileModel, options: GrpckitOptions): void {
  const methods = model.services.flatMap((service) => service.methods);
  // Path types for the types the masks name, not for every type their paths
  // go into: a named type's paths already go down into those. On Google's
  // APIs the nested types' unions were half of the path literals (55,566 ->
  // 29,426), which tsc builds in full for every registered type.
  const roots = new Set<DescMessage>();
  const updaters = new Map<DescMessage, string[]>();
  for (const method of methods) {
    const { masks } = method;
    if (masks?.read !== undefined) {
      roots.add(masks.read.resource);
    }
    if (masks?.update !== undefined) {
      const resource = masks.update.resource.message;
      roots.add(resource);
      updaters.set(resource, [...(updaters.get(resource) ?? []), `${method.desc.parent.name}.${method.name}`]);
    }
  }
  if (roots.size === 0) {
    return;
  }
  const types = [...roots];
  const taken = new Set(
    model.services.flatMap(({ names }) => [names.spec, names.handlers, names.client, names.definition]),
  );
  const names = maskNames(types, [...updaters.keys()], taken);
  const slots = new Slots();
  const runtime = (name: string, typeOnly: boolean): Slot => slots.put(f.import(name, options.runtimeImport, typeOnly));
  const view: MasksView = {
    rt: { applyUpdateMask: runtime("applyUpdateMask", false), FieldMaskLike: runtime("FieldMaskLike", true) },
    pathTypes: types.map((desc) => {
      const name = names.paths.get(desc) as string;
      const paths = pathsOf(desc);
      return {
        typeNameText: desc.typeName,
        shapeText: shapeName(desc),
        typeName: JSON.stringify(desc.typeName),
        name,
        exportType: slots.put(f.export("type", name)),
        paths: paths.map((p) => JSON.stringify(p)),
        recursive: isRecursive(desc),
      };
    }),
    augment: !options.runtimeImport.startsWith("."),
    runtimeModule: JSON.stringify(options.runtimeImport),
    applies: [...updaters].map(([desc, users]) => ({
      resourceText: desc.typeName,
      methodsText: users.join(" and "),
      exportFunction: slots.put(f.export("function", names.apply.get(desc) as string)),
      shape: slots.put(f.importShape(desc)),
      schema: slots.put(f.importSchema(desc)),
    })),
  };
  slots.print(f, render(view).trimEnd());
}

function shapeName(desc: DescMessage): string {
  const offset = desc.file.proto.package.length > 0 ? desc.file.proto.package.length + 1 : 0;
  return desc.typeName.substring(offset).replace(/\./g, "_");
}

/** True when a path down `desc` meets a type already on the way (so a field is named whole). */
function isRecursive(desc: DescMessage, chain = new Set<DescMessage>([desc])): boolean {
  for (const field of desc.fields) {
    if (field.fieldKind !== "message" || field.message.typeName.startsWith("google.protobuf.")) continue;
    if (chain.has(field.message)) return true;
    chain.add(field.message);
    const found = isRecursive(field.message, chain);
    chain.delete(field.message);
    if (found) return true;
  }
  return false;
}
