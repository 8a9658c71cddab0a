import {
  clearField,
  clone,
  create,
  type DescField,
  type DescMessage,
  isFieldSet,
  type MessageShape,
} from "@bufbuild/protobuf";
import { excerpt } from "../excerpt.js";
import { DEFAULT_MAX_VIOLATIONS } from "../status-details.js";
import { invalidMask } from "./errors.js";
import { describeProtection, hasProtectedFields, isRequired, protectionOf } from "./field-behavior.js";
import {
  buildTree,
  canDescend,
  MaskCache,
  type MaskNode,
  type PathProblem,
  pathsKey,
  resolvePath,
  treePaths,
  WILDCARD,
} from "./paths.js";
import type { FieldMaskLike } from "./read-mask.js";

/**
 * An update mask parsed against the resource type (AIP-134): which fields
 * of the patch replace the existing ones. Made by {@link parseUpdateMask}
 * and cached like read masks.
 */
export interface UpdateMask<Desc extends DescMessage = DescMessage> {
  readonly schema: Desc;
  /**
   * `implied`: an empty mask, "the fields set in the patch" (its populated
   * top-level fields). `everything`: `*`, every field. `paths`: the paths given.
   */
  readonly kind: "implied" | "everything" | "paths";
  /** The paths, canonical (proto names, field order, none under another); empty for `implied`, `["*"]` for `everything`. */
  readonly paths: readonly string[];
}

interface ParsedUpdateMask<Desc extends DescMessage> extends UpdateMask<Desc> {
  readonly tree: MaskNode | undefined;
  /** The paths that name a REQUIRED field, which the update may not leave unset, with their index in the mask. */
  readonly required: readonly {
    readonly index: number;
    readonly path: string;
    readonly fields: readonly DescField[];
  }[];
  /** The index of `*` in the mask, for what `everything` leaves unset. */
  readonly wildcardIndex: number;
}

type Raw = Record<string, unknown>;
type OneofValue = { readonly case: string | undefined; readonly value?: unknown };

const cache = new MaskCache<ParsedUpdateMask<DescMessage>>(256);
const implied = new WeakMap<DescMessage, ParsedUpdateMask<DescMessage>>();

/**
 * Parses `paths` as an update mask of the resource type `schema`: the mask,
 * or one problem per refused path. A path is refused when it names nothing
 * (as in a read mask), or when it names, or goes through, a field marked
 * OUTPUT_ONLY, IMMUTABLE or IDENTIFIER with google.api.field_behavior.
 * At most `maxProblems` problems, the first ones: parsing stops there.
 */
export function parseUpdateMask<Desc extends DescMessage>(
  schema: Desc,
  paths: readonly string[],
  maxProblems = Number.POSITIVE_INFINITY,
): UpdateMask<Desc> | PathProblem[] {
  return parse(schema, paths, maxProblems) as UpdateMask<Desc> | PathProblem[];
}

/**
 * What an update mask of `schema` names, for validation: the tree of its
 * paths, `everything` for `*`, `implied` for an empty mask, `invalid` for a
 * mask {@link parseUpdateMask} refuses (the mask interceptor answers it).
 */
export function updateMaskTree(
  schema: DescMessage,
  paths: readonly string[],
  maxProblems: number,
): MaskNode | "everything" | "implied" | "invalid" {
  const parsed = parse(schema, paths, maxProblems);
  if (Array.isArray(parsed)) {
    return "invalid";
  }
  if (parsed.tree !== undefined) {
    return parsed.tree;
  }
  return parsed.kind === "everything" ? "everything" : "implied";
}

function parse(
  schema: DescMessage,
  paths: readonly string[],
  maxProblems = Number.POSITIVE_INFINITY,
): ParsedUpdateMask<DescMessage> | PathProblem[] {
  if (paths.length === 0) {
    let mask = implied.get(schema);
    if (mask === undefined) {
      mask = Object.freeze({ schema, kind: "implied", paths: [], tree: undefined, required: [], wildcardIndex: -1 });
      implied.set(schema, mask);
    }
    return mask;
  }
  const key = pathsKey(paths);
  const cached = cache.get(schema, key);
  if (cached !== undefined) {
    return cached;
  }
  const resolved: DescField[][] = [];
  const required: ParsedUpdateMask<DescMessage>["required"][number][] = [];
  const problems: PathProblem[] = [];
  let wildcardIndex = -1;
  for (let index = 0; index < paths.length; index++) {
    const path = paths[index] as string;
    if (path === WILDCARD) {
      wildcardIndex = index;
      continue;
    }
    if (problems.length >= maxProblems) {
      break;
    }
    const fields = resolvePath(schema, path, index);
    if (!Array.isArray(fields)) {
      problems.push(fields);
      continue;
    }
    const locked = fields.find((field) => protectionOf(field) !== undefined);
    if (locked !== undefined) {
      const protection = protectionOf(locked) as NonNullable<ReturnType<typeof protectionOf>>;
      const what = locked === fields.at(-1) ? `"${excerpt(path)}"` : `"${excerpt(path)}" (in ${locked.name})`;
      problems.push({
        index,
        path,
        description: `${what} cannot be updated: ${describeProtection(protection)}`,
        reason: protection,
      });
      continue;
    }
    resolved.push(fields);
    if (isRequired(fields.at(-1) as DescField)) {
      required.push({ index, path, fields });
    }
  }
  if (problems.length > 0) {
    return problems;
  }
  let mask: ParsedUpdateMask<DescMessage>;
  if (wildcardIndex !== -1) {
    const top = schema.fields.filter((field) => protectionOf(field) === undefined && isRequired(field));
    mask = Object.freeze({
      schema,
      kind: "everything",
      paths: Object.freeze([WILDCARD]),
      tree: undefined,
      required: top.map((field) => ({ index: wildcardIndex, path: field.name, fields: [field] })),
      wildcardIndex,
    });
  } else {
    const tree = buildTree(schema, resolved);
    mask = Object.freeze({
      schema,
      kind: "paths",
      paths: Object.freeze(treePaths(tree)),
      tree,
      required,
      wildcardIndex,
    });
  }
  cache.set(schema, key, mask);
  return mask;
}

/** Options of {@link applyUpdateMask}. */
export interface ApplyUpdateMaskOptions {
  /** The name of the mask's field in the request, for the errors: default `update_mask`. */
  readonly maskField?: string | undefined;
  /** What the errors call the invalid thing: default `update mask of <resource type>`. */
  readonly what?: string | undefined;
}

/**
 * The resource after an update (AIP-134): a new message with the fields of
 * `existing`, and the fields of `patch` that `mask` names in their place.
 * Neither input is changed, and the result shares nothing with them.
 *
 * - A path copies its field from `patch`, set or not: a field the patch
 *   leaves unset is cleared. Lists and maps are replaced, not appended to.
 * - A nested path (`profile.address.city`) changes that field only; a
 *   message above it that is not there is created only when the patch sets
 *   a value below it.
 * - A path naming a message field replaces the whole message.
 * - `*` replaces every field.
 * - An empty or absent mask means the fields set in `patch`: each top-level
 *   field the patch populates is replaced whole.
 * - Fields marked OUTPUT_ONLY, IMMUTABLE or IDENTIFIER (google.api.field_behavior)
 *   never change: naming one fails; `*`, an empty mask and a message replaced
 *   whole keep the existing value.
 * - A path naming a REQUIRED field may not leave it unset; nor may `*`.
 *
 * Throws an `RpcError` (INVALID_ARGUMENT, with a google.rpc.BadRequest
 * naming each bad path as `update_mask.paths[i]`) when the mask is refused.
 * Generated code exports a typed form per updated resource, e.g.
 * `applyUserUpdateMask(existing, patch, mask)`.
 *
 * @example
 * const updated = applyUpdateMask(UserSchema, current, request.user, request.updateMask);
 */
export function applyUpdateMask<Desc extends DescMessage>(
  schema: Desc,
  existing: MessageShape<Desc>,
  patch: MessageShape<Desc>,
  mask: FieldMaskLike | undefined,
  options: ApplyUpdateMaskOptions = {},
): MessageShape<Desc> {
  const maskField = options.maskField ?? "update_mask";
  const what = options.what ?? `update mask of ${schema.typeName}`;
  // One problem past the limit tells the error that there were more.
  const parsed = parse(schema, mask?.paths ?? [], DEFAULT_MAX_VIOLATIONS + 1);
  if (Array.isArray(parsed)) {
    throw invalidMask(what, parsed, maskField);
  }
  const result = clone(schema, existing) as unknown as Raw;
  const source = clone(schema, patch) as unknown as Raw;
  switch (parsed.kind) {
    case "implied":
      for (const field of schema.fields) {
        if (protectionOf(field) === undefined && isSet(source, field)) {
          replaceField(field, result, source);
        }
      }
      break;
    case "everything":
      replaceAll(schema, result, source);
      break;
    case "paths":
      mergeNode(parsed.tree as MaskNode, result, source);
      break;
  }
  const cleared = parsed.required.filter(({ fields }) => !isSetAt(result, fields));
  if (cleared.length > 0) {
    throw invalidMask(
      what,
      cleared.map(({ index, path }) => ({
        index,
        path,
        description: `"${path}" is required: the update may not leave it unset`,
        reason: "REQUIRED",
      })),
      maskField,
    );
  }
  return result as unknown as MessageShape<Desc>;
}

function isSet(message: Raw, field: DescField): boolean {
  return isFieldSet(message as unknown as MessageShape<DescMessage>, field);
}

function getField(message: Raw, field: DescField): unknown {
  if (field.oneof !== undefined) {
    const value = message[field.oneof.localName] as OneofValue;
    return value.case === field.localName ? value.value : undefined;
  }
  return isSet(message, field) || field.fieldKind !== "message" ? message[field.localName] : undefined;
}

function setField(message: Raw, field: DescField, value: unknown): void {
  if (field.oneof !== undefined) {
    message[field.oneof.localName] = { case: field.localName, value };
  } else {
    message[field.localName] = value;
  }
}

/** Copies one field from `from` to `to`, set or not; a message with protected fields keeps them. */
function replaceField(field: DescField, to: Raw, from: Raw): void {
  if (canDescend(field) && hasProtectedFields(field.message)) {
    const source = getField(from, field) as Raw | undefined;
    let target = getField(to, field) as Raw | undefined;
    if (target === undefined) {
      if (source === undefined) {
        return;
      }
      target = create(field.message) as unknown as Raw;
      setField(to, field, target);
    }
    replaceAll(field.message, target, source ?? (create(field.message) as unknown as Raw));
    return;
  }
  if (isSet(from, field)) {
    setField(to, field, getField(from, field));
  } else {
    clearField(to as unknown as MessageShape<DescMessage>, field);
  }
}

/** Copies every field but the protected ones. */
function replaceAll(schema: DescMessage, to: Raw, from: Raw): void {
  for (const field of schema.fields) {
    if (protectionOf(field) === undefined) {
      replaceField(field, to, from);
    }
  }
}

function mergeNode(node: MaskNode, to: Raw, from: Raw): void {
  for (const { field, sub } of node.entries) {
    if (sub === undefined) {
      replaceField(field, to, from);
      continue;
    }
    const source = getField(from, field) as Raw | undefined;
    const target = getField(to, field) as Raw | undefined;
    if (target !== undefined) {
      mergeNode(sub, target, source ?? (create(sub.schema) as unknown as Raw));
      continue;
    }
    // A message that is not there is created only to hold what the patch sets below it:
    // clearing fields of a message that is not there changes nothing.
    if (source !== undefined) {
      const fresh = create(sub.schema) as unknown as Raw;
      mergeNode(sub, fresh, source);
      if (sub.schema.fields.some((f) => isSet(fresh, f))) {
        setField(to, field, fresh);
      }
    }
  }
}

function isSetAt(message: Raw, fields: readonly DescField[]): boolean {
  let current: Raw = message;
  for (let i = 0; i < fields.length - 1; i++) {
    const next = getField(current, fields[i] as DescField) as Raw | undefined;
    if (next === undefined) {
      return false;
    }
    current = next;
  }
  return isSet(current, fields.at(-1) as DescField);
}
