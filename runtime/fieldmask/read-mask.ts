import { create, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  buildTree,
  MaskCache,
  type MaskNode,
  type PathProblem,
  pathsKey,
  resolvePath,
  treePaths,
  WILDCARD,
} from "./paths.js";

/** A google.protobuf.FieldMask, or anything with its `paths`. */
export interface FieldMaskLike {
  readonly paths: readonly string[];
}

/**
 * A read mask parsed against a message type: which fields a response keeps.
 * Made by {@link parseReadMask}, cached per type and list of paths, so that
 * parsing the same mask again is a lookup.
 */
export interface ReadMask<Desc extends DescMessage = DescMessage> {
  readonly schema: Desc;
  /** True for an empty mask or `*`: every field is kept, and {@link ReadMask.apply} is the identity. */
  readonly everything: boolean;
  /** The paths, canonical: proto names, in field order, none under another (`["*"]` for everything). */
  readonly paths: readonly string[];
  /**
   * A copy of `message` with only the masked fields set; `message` itself
   * when the mask keeps everything. The copy shares the kept values with
   * `message` (nested messages kept whole, lists, maps): change neither
   * afterwards. Nested paths make new nested messages that hold only what
   * the mask names below them.
   */
  apply(message: MessageShape<Desc>): MessageShape<Desc>;
}

/** A message as a record of its properties, which is what protobuf-es messages are. */
type Raw = Record<string, unknown>;
type Copy = (from: Raw, to: Raw) => void;
type OneofValue = { readonly case: string | undefined; readonly value?: unknown };

// google.protobuf.FeatureSet.FieldPresence.IMPLICIT: lists, maps and proto3 scalars.
const IMPLICIT = 2;

/** Parsed masks per message type: a few hundred per type at most (see MaskCache). */
const cache = new MaskCache<ReadMask>(256);

const identity = <T>(message: T): T => message;

/**
 * Parses `paths` as a read mask of `schema`: the mask, or one problem per
 * path that names nothing, at most `maxProblems` of them (the first ones:
 * parsing stops there). See paths.ts for what a path may be.
 */
export function parseReadMask<Desc extends DescMessage>(
  schema: Desc,
  paths: readonly string[],
  maxProblems = Number.POSITIVE_INFINITY,
): ReadMask<Desc> | PathProblem[] {
  if (paths.length === 0) {
    return everythingOf(schema);
  }
  const key = pathsKey(paths);
  const cached = cache.get(schema, key);
  if (cached !== undefined) {
    return cached as ReadMask<Desc>;
  }
  const resolved: (readonly DescField[])[] = [];
  const problems: PathProblem[] = [];
  let wildcard = false;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as string;
    if (path === WILDCARD) {
      wildcard = true;
      continue;
    }
    const fields = resolvePath(schema, path, i);
    if (Array.isArray(fields)) {
      resolved.push(fields);
    } else if (problems.push(fields) >= maxProblems) {
      break;
    }
  }
  if (problems.length > 0) {
    return problems;
  }
  const mask = wildcard ? everythingOf(schema) : partOf(schema, buildTree(schema, resolved));
  cache.set(schema, key, mask);
  return mask;
}

const everythingCache = new WeakMap<DescMessage, ReadMask>();

function everythingOf<Desc extends DescMessage>(schema: Desc): ReadMask<Desc> {
  let mask = everythingCache.get(schema);
  if (mask === undefined) {
    mask = Object.freeze({ schema, everything: true, paths: Object.freeze([WILDCARD]), apply: identity });
    everythingCache.set(schema, mask);
  }
  return mask as ReadMask<Desc>;
}

function partOf<Desc extends DescMessage>(schema: Desc, tree: MaskNode): ReadMask<Desc> {
  const prune = compileNode(tree);
  return Object.freeze({
    schema,
    everything: false,
    paths: Object.freeze(treePaths(tree)),
    apply: (message: MessageShape<Desc>) => prune(message as unknown as Raw) as unknown as MessageShape<Desc>,
  });
}

/**
 * Compiles the pruning of one message type into a list of copies, once per
 * mask: pruning is then a new message and one closure call per masked field.
 */
function compileNode(node: MaskNode): (from: Raw) => Raw {
  const copies = node.entries.map(compileEntry);
  const { schema } = node;
  return (from) => {
    const to = create(schema) as unknown as Raw;
    for (let i = 0; i < copies.length; i++) {
      (copies[i] as Copy)(from, to);
    }
    return to;
  };
}

function compileEntry({ field, sub }: { field: DescField; sub: MaskNode | undefined }): Copy {
  const name = field.localName;
  const prune = sub === undefined ? undefined : compileNode(sub);
  if (field.oneof !== undefined) {
    const group = field.oneof.localName;
    if (prune === undefined) {
      return (from, to) => {
        const value = from[group] as OneofValue;
        if (value.case === name) {
          to[group] = value;
        }
      };
    }
    return (from, to) => {
      const value = from[group] as OneofValue;
      if (value.case === name) {
        to[group] = { case: name, value: prune(value.value as Raw) };
      }
    };
  }
  if (field.presence === IMPLICIT) {
    // Always an own property (a fresh message has the zero value).
    return (from, to) => {
      to[name] = from[name];
    };
  }
  // Explicit presence: set when an own, defined property (proto2 defaults live on the prototype).
  if (prune === undefined) {
    return (from, to) => {
      const value = from[name];
      if (value !== undefined && Object.hasOwn(from, name)) {
        to[name] = value;
      }
    };
  }
  return (from, to) => {
    const value = from[name];
    if (value !== undefined && Object.hasOwn(from, name)) {
      to[name] = prune(value as Raw);
    }
  };
}

/** The number of read masks of `schema` in the cache: for tests. */
export function cachedReadMasks(schema: DescMessage): number {
  return cache.size(schema);
}
