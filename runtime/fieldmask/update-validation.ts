import { type DescField, type DescMessage, isFieldSet, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { protectionOf } from "./field-behavior.js";
import type { UpdateMaskSpec } from "./method-masks.js";
import type { MaskEntry, MaskNode } from "./paths.js";
import { updateMaskTree } from "./update-mask.js";

/*
 * Update-aware validation (AIP-134): which fields of an update's resource
 * its rules are checked on. An update changes the fields its mask names and
 * nothing else, so the rules of the fields it leaves alone (a `title` with
 * min_len 1 that a `pages` update does not send) are not the request's
 * concern; the resource's identifier always is, since it says which
 * resource the update changes.
 */

type Raw = Record<string, unknown>;

const identifiers = new WeakMap<DescMessage, readonly DescField[]>();

/**
 * The identifier fields of a resource type, which validation checks in every
 * update: the fields marked `(google.api.field_behavior) = IDENTIFIER`
 * (AIP-203), or else a string field called `name` (AIP-122's resource name).
 * Often none.
 */
export function identifierFields(schema: DescMessage): readonly DescField[] {
  let fields = identifiers.get(schema);
  if (fields === undefined) {
    fields = schema.fields.filter((field) => protectionOf(field) === "IDENTIFIER");
    if (fields.length === 0) {
      fields = schema.fields.filter(
        (field) => field.name === "name" && field.fieldKind === "scalar" && field.scalar === ScalarType.STRING,
      );
    }
    identifiers.set(schema, fields);
  }
  return fields;
}

/** The node of the identifiers alone: for a mask that is refused (its answer is the mask's error). */
const identifierNodes = new WeakMap<DescMessage, MaskNode>();
/** A parsed mask's tree with the identifiers added, per tree (trees are cached with their masks). */
const withIdentifiers = new WeakMap<MaskNode, MaskNode>();

/**
 * The fields of the resource whose rules validation checks in one update
 * request, as a node of the resource's type; undefined when every rule
 * applies. With paths: the fields they name (a path naming a message, all of
 * it; a nested path, that field only). With `*`: every rule. With an empty
 * mask (AIP-134: the fields the patch sets, as `applyUpdateMask` reads it):
 * the populated fields that an update may change. Always, the resource's
 * {@link identifierFields}. With a mask the update refuses (a path naming
 * nothing, or a field the update may not change): the identifiers only, and
 * the field-mask interceptor answers the bad paths.
 */
export function updateValidationMask(
  update: UpdateMaskSpec,
  request: unknown,
  maxProblems: number,
): MaskNode | undefined {
  const schema = resourceSchema(update.resource);
  const mask = (request as Raw)[update.field.localName] as { paths?: readonly string[] } | undefined;
  const tree = updateMaskTree(schema, mask?.paths ?? [], maxProblems);
  switch (tree) {
    case "everything":
      return undefined;
    case "invalid":
      return identifierNode(schema);
    case "implied":
      return impliedNode(schema, resourceOf(update.resource, request as Raw));
    default:
      return treeWithIdentifiers(tree);
  }
}

function resourceSchema(resource: DescField): DescMessage {
  if (resource.fieldKind !== "message") {
    throw new TypeError(
      `the update mask resource ${resource.parent.typeName}.${resource.name} must be a message field`,
    );
  }
  return resource.message;
}

function resourceOf(field: DescField, request: Raw): Raw | undefined {
  if (field.oneof !== undefined) {
    const value = request[field.oneof.localName] as { case: string | undefined; value?: unknown };
    return value.case === field.localName ? (value.value as Raw) : undefined;
  }
  return request[field.localName] as Raw | undefined;
}

function identifierNode(schema: DescMessage): MaskNode {
  let node = identifierNodes.get(schema);
  if (node === undefined) {
    node = Object.freeze({
      schema,
      entries: Object.freeze(identifierFields(schema).map((field) => Object.freeze({ field, sub: undefined }))),
    });
    identifierNodes.set(schema, node);
  }
  return node;
}

function treeWithIdentifiers(tree: MaskNode): MaskNode {
  const ids = identifierFields(tree.schema);
  if (ids.length === 0) {
    return tree;
  }
  let node = withIdentifiers.get(tree);
  if (node === undefined) {
    // An identifier is never in a parsed mask (the update may not name it), unless it is
    // a `name` field without IDENTIFIER: then it is there already.
    const named = new Set(tree.entries.map((entry) => entry.field));
    const extra = ids.filter((field) => !named.has(field));
    node = Object.freeze({
      schema: tree.schema,
      entries: Object.freeze(
        inFieldOrder(tree.schema, [...tree.entries, ...extra.map((field) => ({ field, sub: undefined }))]),
      ),
    });
    withIdentifiers.set(tree, node);
  }
  return node;
}

/** The fields an empty mask updates (those the patch populates and an update may change), and the identifiers. */
function impliedNode(schema: DescMessage, resource: Raw | undefined): MaskNode {
  if (resource === undefined) {
    return identifierNode(schema);
  }
  const ids = identifierFields(schema);
  const entries: MaskEntry[] = [];
  for (const field of schema.fields) {
    if (
      ids.includes(field) ||
      (protectionOf(field) === undefined && isFieldSet(resource as unknown as MessageShape<DescMessage>, field))
    ) {
      entries.push({ field, sub: undefined });
    }
  }
  return { schema, entries };
}

function inFieldOrder(schema: DescMessage, entries: readonly MaskEntry[]): MaskEntry[] {
  const order = new Map(schema.fields.map((field, index) => [field, index]));
  return [...entries].sort((a, b) => (order.get(a.field) ?? 0) - (order.get(b.field) ?? 0));
}
