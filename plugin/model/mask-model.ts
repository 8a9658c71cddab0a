import { type DescField, type DescMessage, type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { safeIdentifier } from "@bufbuild/protoplugin";
import { mask as maskOption, method as methodOption } from "../gen/grpckit/v1/options_pb.js";

/*
 * The field mask model: which request field of a method is its read mask and
 * what part of the response it applies to, which is its update mask and
 * which resource it updates, and the field paths of every message a mask
 * reaches, for the generated path types. Pure: descriptors in, data out.
 *
 * The rules, shared with the runtime (runtime/fieldmask/paths.ts): a path
 * goes into message fields but not into maps, lists, scalars or
 * google.protobuf well-known types.
 */

/** A method's read mask: the request's FieldMask field, and what it applies to. */
export interface ReadMaskModel {
  readonly field: DescField;
  /** The response field it applies to; undefined for the whole response. */
  readonly target: DescField | undefined;
  /** The message type its paths name fields of. */
  readonly resource: DescMessage;
}

/** A method's update mask: the request's FieldMask field and the request field holding the resource. */
export interface UpdateMaskModel {
  readonly field: DescField;
  readonly resource: DescField & { readonly fieldKind: "message" };
  /**
   * `(grpckit.v1.method).update_mask.validate_whole_resource`: validation
   * checks every rule of the resource, not only those of the masked fields.
   */
  readonly validateWholeResource: boolean;
}

export interface MethodMasksModel {
  readonly read: ReadMaskModel | undefined;
  readonly update: UpdateMaskModel | undefined;
}

/** A mask declaration that cannot work. Its message is one line that names the file, method, field and fix. */
export class MaskRuleError extends Error {
  override name = "MaskRuleError";
}

const FIELD_MASK = "google.protobuf.FieldMask";

/**
 * The masks of `method`, or undefined when it has none. A read mask is the
 * request's FieldMask field named `read_mask` or marked
 * `(grpckit.v1.mask).read`; an update mask, the one named `update_mask` or
 * marked `(grpckit.v1.mask).update`. Only methods with one request have
 * masks: on a client or bidi stream, a conventionally named field is left
 * alone and a declared mask is an error. Throws a {@link MaskRuleError} for a
 * declaration that cannot work.
 */
export function methodMasksModel(method: DescMethod): MethodMasksModel | undefined {
  const where = new Where(method);
  const policy = hasOption(method, methodOption) ? getOption(method, methodOption) : undefined;
  const rule = policy?.readMask;
  const updateRule = policy?.updateMask;
  const marked = method.input.fields.filter((field) => hasOption(field, maskOption));
  for (const field of marked) {
    const option = getOption(field, maskOption);
    if (!isFieldMask(field)) {
      where.fail(`field ${field.name} has (grpckit.v1.mask) but is not a ${FIELD_MASK}`, "remove the option");
    }
    if (option.role.case === undefined) {
      where.fail(
        `field ${field.name} has (grpckit.v1.mask) without read or update`,
        "set `read = true` or `update = true`",
      );
    }
    if (option.resourceField !== "" && option.role.case !== "update") {
      where.fail(`field ${field.name}: (grpckit.v1.mask).resource_field is only for an update mask`, "remove it");
    }
  }
  const readFields = maskFields(method.input, "read");
  const updateFields = maskFields(method.input, "update");
  const declared = rule !== undefined || updateRule !== undefined || marked.length > 0;
  if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    if (declared) {
      where.fail(
        "field masks are declared on a method with a request stream",
        "only methods with one request have masks",
      );
    }
    return undefined;
  }
  if (readFields.length > 1 || updateFields.length > 1) {
    const [which, fields] = readFields.length > 1 ? ["read", readFields] : ["update", updateFields];
    where.fail(
      `${method.input.typeName} has ${fields.length} ${which} masks (${fields.map((f) => f.name).join(", ")})`,
      "keep one",
    );
  }
  const readField = readFields[0];
  if (rule !== undefined && readField === undefined) {
    where.fail(
      `(grpckit.v1.method).read_mask is set but ${method.input.typeName} has no read mask`,
      "add `google.protobuf.FieldMask read_mask`, or mark a FieldMask field with (grpckit.v1.mask).read = true",
    );
  }
  const read = readField === undefined ? undefined : readModel(method, readField, rule?.responseField ?? "", where);
  const updateField = updateFields[0];
  const update =
    updateField === undefined
      ? undefined
      : updateModel(method, updateField, updateRule?.validateWholeResource === true, where);
  if (updateRule !== undefined && update === undefined) {
    where.fail(
      `(grpckit.v1.method).update_mask is set but ${method.input.typeName} has no update mask${updateField === undefined ? "" : " with a resource"}`,
      updateField === undefined
        ? "add `google.protobuf.FieldMask update_mask`, or remove the option"
        : `mark ${updateField.name} [(grpckit.v1.mask) = {update: true, resource_field: "..."}], or remove the option`,
    );
  }
  return read === undefined && update === undefined ? undefined : { read, update };
}

function readModel(method: DescMethod, field: DescField, responseField: string, where: Where): ReadMaskModel {
  if (responseField === "") {
    return { field, target: undefined, resource: method.output };
  }
  const target = method.output.fields.find((f) => f.name === responseField);
  if (target === undefined) {
    where.fail(
      `(grpckit.v1.method).read_mask.response_field names "${responseField}", which is not a field of ${method.output.typeName}`,
      "name a field of the response by its proto name",
    );
  }
  const resource = messageOf(target);
  if (resource === undefined) {
    where.fail(
      `(grpckit.v1.method).read_mask.response_field "${responseField}" does not hold messages`,
      "name a message field, a repeated message field or a map of messages",
    );
  }
  return { field, target, resource };
}

/** The request's FieldMask fields marked for `role`, or named by the convention (`read_mask`, `update_mask`). */
function maskFields(input: DescMessage, role: "read" | "update"): DescField[] {
  const roleOf = (field: DescField) =>
    hasOption(field, maskOption) ? getOption(field, maskOption).role.case : undefined;
  return input.fields.filter(
    (f) => roleOf(f) === role || (f.name === `${role}_mask` && isFieldMask(f) && roleOf(f) === undefined),
  );
}

/**
 * The update mask of a request message and the field holding the resource it
 * updates, when the message declares exactly one update mask and its
 * resource is known; as {@link methodMasksModel} finds them, without its
 * errors. What the validators of a request rely on: the method (and its
 * errors) is not known where the message is generated.
 */
export function requestUpdateMask(
  input: DescMessage,
): { readonly field: DescField; readonly resource: DescField & { readonly fieldKind: "message" } } | undefined {
  const fields = maskFields(input, "update");
  const field = fields[0];
  if (fields.length !== 1 || field === undefined) {
    return undefined;
  }
  const { resource } = resourceCandidates(input, field);
  return resource === undefined ? undefined : { field, resource };
}

function resourceCandidates(input: DescMessage, field: DescField) {
  const explicit = hasOption(field, maskOption);
  const named = explicit ? getOption(field, maskOption).resourceField : "";
  const candidates = input.fields.filter(
    (f): f is DescField & { fieldKind: "message" } => f.fieldKind === "message" && !isFieldMask(f),
  );
  const resource =
    named !== "" ? candidates.find((f) => f.name === named) : candidates.length === 1 ? candidates[0] : undefined;
  return { explicit, named, candidates, resource };
}

function updateModel(
  method: DescMethod,
  field: DescField,
  validateWholeResource: boolean,
  where: Where,
): UpdateMaskModel | undefined {
  const { explicit, named, candidates, resource } = resourceCandidates(method.input, field);
  if (named !== "" && resource === undefined) {
    where.fail(
      `(grpckit.v1.mask).resource_field of ${field.name} names "${named}", which is not a message field of ${method.input.typeName}`,
      "name the request field that holds the resource",
    );
  }
  if (named === "" && candidates.length !== 1) {
    // A field that is an update mask by its name only, in a schema that does
    // not say which resource it updates (many public APIs): no helper for it.
    // A schema without grpckit options never fails to generate.
    if (!explicit) {
      return undefined;
    }
    where.fail(
      `the update mask ${field.name} needs the resource it updates, and ${method.input.typeName} has ${candidates.length === 0 ? "no message field" : `${candidates.length} message fields`}`,
      `mark it [(grpckit.v1.mask) = {update: true, resource_field: "..."}]`,
    );
  }
  if (resource === undefined) {
    throw new Error("unreachable: checked above");
  }
  return { field, resource, validateWholeResource };
}

function isFieldMask(field: DescField): boolean {
  return field.fieldKind === "message" && field.message.typeName === FIELD_MASK;
}

/** The message type a field holds: a message, a list of messages or a map of messages. */
function messageOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

class Where {
  constructor(readonly method: DescMethod) {}

  fail(why: string, fix: string): never {
    const { method } = this;
    const service = method.parent;
    throw new MaskRuleError(
      `invalid field mask in ${service.file.proto.name}: service ${service.typeName}, method ${method.name}: ${why}; ${fix}`,
    );
  }
}

/** True when a path may go below `field`: a message field that is not a well-known type. */
export function canDescend(field: DescField): field is DescField & { fieldKind: "message" } {
  return field.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.");
}

/**
 * At most this many paths per type: past it, the deepest level that would
 * overflow is left out (its fields are still named whole one level up).
 */
export const MAX_PATHS = 1_000;

/**
 * The paths of `desc` a mask can name: each field by its proto name, and,
 * dotted, the paths of the message fields a path can go into. A recursive
 * field is named whole (its type is not entered again on the way down), so
 * the list is finite; it is a function of the type alone, whatever reaches it.
 */
export function pathsOf(desc: DescMessage): string[] {
  let best: string[] = [];
  for (let depth = 1; ; depth++) {
    const { paths, truncated } = pathsToDepth(desc, depth, new Set([desc]), "");
    // The fields themselves are always named, however many there are.
    if (paths.length > MAX_PATHS && depth > 1) {
      return best;
    }
    best = paths;
    if (!truncated) {
      return best;
    }
  }
}

function pathsToDepth(
  desc: DescMessage,
  depth: number,
  chain: Set<DescMessage>,
  prefix: string,
): { paths: string[]; truncated: boolean } {
  const paths: string[] = [];
  let truncated = false;
  for (const field of desc.fields) {
    const path = `${prefix}${field.name}`;
    paths.push(path);
    if (!canDescend(field) || chain.has(field.message)) {
      continue;
    }
    if (depth <= 1) {
      truncated ||= field.message.fields.length > 0;
      continue;
    }
    chain.add(field.message);
    const below = pathsToDepth(field.message, depth - 1, chain, `${path}.`);
    chain.delete(field.message);
    // A loop, not push(...): a spread of a long list overflows the stack.
    for (const p of below.paths) paths.push(p);
    truncated ||= below.truncated;
  }
  return { paths, truncated };
}

/** The names one file exports for its masks. */
export interface MaskNames {
  /** `UserPaths` for ecommerce.v1.User. */
  readonly paths: ReadonlyMap<DescMessage, string>;
  /** `applyUserUpdateMask` for an updated ecommerce.v1.User. */
  readonly apply: ReadonlyMap<DescMessage, string>;
}

/**
 * Names the file's exports: as protoc-gen-es names a message (its type name
 * without the package, `_` for dots), then `Paths`, or `apply` ... `UpdateMask`;
 * a name taken (by `taken`, or by an earlier export) gets a `$` suffix.
 */
export function maskNames(
  pathTypes: readonly DescMessage[],
  updated: readonly DescMessage[],
  taken: Set<string>,
): MaskNames {
  const claim = (wanted: string): string => {
    let name = safeIdentifier(wanted);
    while (taken.has(name)) {
      name = `${name}$`;
    }
    taken.add(name);
    return name;
  };
  const id = (desc: DescMessage) => {
    const offset = desc.file.proto.package.length > 0 ? desc.file.proto.package.length + 1 : 0;
    return desc.typeName.substring(offset).replace(/\./g, "_");
  };
  return {
    paths: new Map(pathTypes.map((desc) => [desc, claim(`${id(desc)}Paths`)])),
    apply: new Map(updated.map((desc) => [desc, claim(`apply${id(desc)}UpdateMask`)])),
  };
}
