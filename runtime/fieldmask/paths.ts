import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { excerpt } from "../excerpt.js";

/*
 * Field paths (AIP-161): resolving the dotted paths of a google.protobuf.FieldMask
 * against a message type, and merging them into a tree of the fields they name.
 *
 * A path is field names joined by dots, from the message down:
 * `profile.address.city`. Each name is the field's proto name (`avatar_url`)
 * or its JSON name (`avatarUrl`). A path may go into a message field; it may
 * not go into a map, a list, a scalar, or a google.protobuf well-known type
 * (Timestamp, Duration, the wrappers, Struct, ...): those are leaves, named
 * whole. `*`, anywhere in the mask, names every field; so does an empty mask.
 */

/** One field a mask names: the whole field, or the parts of its message that `sub` names. */
export interface MaskEntry {
  readonly field: DescField;
  /** Undefined: the whole field. Otherwise only these fields of its message. */
  readonly sub: MaskNode | undefined;
}

/** The fields a mask names in one message type, in the order the type declares them. */
export interface MaskNode {
  readonly schema: DescMessage;
  readonly entries: readonly MaskEntry[];
}

/** Why a path of a mask is refused; `index` is its position in the mask's paths. */
export interface PathProblem {
  readonly index: number;
  readonly path: string;
  readonly description: string;
  /** UPPER_SNAKE_CASE, as google.rpc.BadRequest asks: `UNKNOWN_FIELD`, `INVALID_FIELD_PATH`, ... */
  readonly reason: string;
}

/** The wildcard path: every field. */
export const WILDCARD = "*";

/** True for the messages of google/protobuf/*.proto, which paths treat as leaves. */
export function isWellKnownType(desc: DescMessage): boolean {
  return desc.typeName.startsWith("google.protobuf.");
}

/** True when a path may continue below `field`: a singular message that is not a well-known type. */
export function canDescend(field: DescField): field is DescField & { fieldKind: "message"; message: DescMessage } {
  return field.fieldKind === "message" && !isWellKnownType(field.message);
}

const namesCache = new WeakMap<DescMessage, Map<string, DescField>>();

/** The field of `schema` called `name`, by proto name or JSON name. */
export function fieldNamed(schema: DescMessage, name: string): DescField | undefined {
  let names = namesCache.get(schema);
  if (names === undefined) {
    names = new Map();
    // Proto names win over JSON names: `foo_bar` and a field named `fooBar` can coexist.
    for (const field of schema.fields) {
      names.set(field.jsonName, field);
    }
    for (const field of schema.fields) {
      names.set(field.name, field);
    }
    namesCache.set(schema, names);
  }
  return names.get(name);
}

/**
 * The fields `path` goes through, from `schema` down, or why it names
 * nothing. Does not accept `*` (the caller handles it).
 */
export function resolvePath(schema: DescMessage, path: string, index: number): DescField[] | PathProblem {
  const fields: DescField[] = [];
  // Descriptions quote the path as the caller sent it: an excerpt, however long it is.
  const quoted = excerpt(path);
  let message: DescMessage = schema;
  let parent: DescField | undefined;
  for (const name of path.split(".")) {
    if (name === "") {
      return problem(index, path, `"${quoted}" is not a field path: it has an empty field name`, "INVALID_FIELD_PATH");
    }
    if (parent !== undefined) {
      if (!canDescend(parent)) {
        return problem(
          index,
          path,
          `"${quoted}" goes into ${describeLeaf(parent)}, which a path cannot go into`,
          "INVALID_FIELD_PATH",
        );
      }
      message = parent.message;
    }
    const field = fieldNamed(message, name);
    if (field === undefined) {
      const where = message === schema ? "" : ` (${message.typeName} has no field "${excerpt(name)}")`;
      return problem(index, path, `"${quoted}" is not a field of ${schema.typeName}${where}`, "UNKNOWN_FIELD");
    }
    fields.push(field);
    parent = field;
  }
  return fields;
}

function describeLeaf(field: DescField): string {
  switch (field.fieldKind) {
    case "map":
      return `${field.name}, a map`;
    case "list":
      return `${field.name}, a repeated field`;
    case "message":
      return `${field.name}, a ${field.message.typeName}`;
    default:
      return `${field.name}, a ${field.fieldKind}`;
  }
}

function problem(index: number, path: string, description: string, reason: string): PathProblem {
  return { index, path, description, reason };
}

/** A node under construction: each field named, whole (`true`) or in part. */
type Building = Map<DescField, true | Building>;

/**
 * Merges resolved paths into a tree: a path under a field already named
 * whole adds nothing, and a field named whole drops the parts named before.
 */
export function buildTree(schema: DescMessage, paths: readonly (readonly DescField[])[]): MaskNode {
  const root: Building = new Map();
  for (const fields of paths) {
    let node = root;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i] as DescField;
      if (i === fields.length - 1) {
        node.set(field, true);
        break;
      }
      const existing = node.get(field);
      if (existing === true) {
        break;
      }
      let child = existing;
      if (child === undefined) {
        child = new Map();
        node.set(field, child);
      }
      node = child;
    }
  }
  return freeze(schema, root);
}

function freeze(schema: DescMessage, node: Building): MaskNode {
  const entries: MaskEntry[] = [];
  for (const field of schema.fields) {
    const part = node.get(field);
    if (part === true) {
      entries.push({ field, sub: undefined });
    } else if (part !== undefined && field.fieldKind === "message") {
      entries.push({ field, sub: freeze(field.message, part) });
    }
  }
  return { schema, entries };
}

/** The canonical paths of a tree (proto names), in field order: what a mask means, without redundancy. */
export function treePaths(node: MaskNode, prefix = ""): string[] {
  const out: string[] = [];
  for (const { field, sub } of node.entries) {
    const path = `${prefix}${field.name}`;
    if (sub === undefined) {
      out.push(path);
    } else {
      out.push(...treePaths(sub, `${path}.`));
    }
  }
  return out;
}

/**
 * The cache key of a list of paths. The count comes first so that one path
 * with a comma in it (invalid) never meets the key of several valid paths.
 */
export function pathsKey(paths: readonly string[]): string {
  return paths.length === 1 ? `1:${paths[0]}` : `${paths.length}:${paths.join(",")}`;
}

/**
 * A bounded cache of parsed masks per message type. Clients choose the
 * paths, so the number of distinct masks is not bounded by the schema: past
 * `capacity` masks of a type, the oldest is dropped. Only valid masks are
 * cached.
 */
export class MaskCache<T> {
  readonly #byType = new WeakMap<DescMessage, Map<string, T>>();

  constructor(readonly capacity: number) {}

  get(schema: DescMessage, key: string): T | undefined {
    return this.#byType.get(schema)?.get(key);
  }

  set(schema: DescMessage, key: string, value: T): void {
    let masks = this.#byType.get(schema);
    if (masks === undefined) {
      masks = new Map();
      this.#byType.set(schema, masks);
    }
    if (masks.size >= this.capacity) {
      const oldest = masks.keys().next();
      if (oldest.done !== true) {
        masks.delete(oldest.value);
      }
    }
    masks.set(key, value);
  }

  /** How many masks of `schema` are cached: for tests. */
  size(schema: DescMessage): number {
    return this.#byType.get(schema)?.size ?? 0;
  }
}
