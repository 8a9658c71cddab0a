import { type DescField, type DescMessage, getOption } from "@bufbuild/protobuf";
import { FieldBehavior, field_behavior } from "../gen/google/api/field_behavior_pb.js";
import { canDescend } from "./paths.js";

/*
 * google.api.field_behavior (AIP-203), read from the descriptors protoc-gen-es
 * embeds in `_pb.ts` files, which keep their options. What the masks do with
 * it:
 *
 * - OUTPUT_ONLY, IMMUTABLE and IDENTIFIER fields are never changed by an
 *   update: naming one in an update mask is INVALID_ARGUMENT; `*`, an empty
 *   mask and a message replaced whole leave them as they are.
 * - REQUIRED fields must be set in a request (inside the resource of an
 *   update, only when the mask names them).
 */

export { FieldBehavior };

/** Why an update may not change a field, or undefined if it may. */
export type Protection = "OUTPUT_ONLY" | "IMMUTABLE" | "IDENTIFIER";

interface Behaviors {
  readonly protection: Protection | undefined;
  readonly required: boolean;
}

const none: Behaviors = Object.freeze({ protection: undefined, required: false });
const byField = new WeakMap<DescField, Behaviors>();

function behaviorsOf(field: DescField): Behaviors {
  let found = byField.get(field);
  if (found === undefined) {
    const declared = getOption(field, field_behavior);
    found =
      declared.length === 0
        ? none
        : {
            protection: declared.includes(FieldBehavior.OUTPUT_ONLY)
              ? "OUTPUT_ONLY"
              : declared.includes(FieldBehavior.IMMUTABLE)
                ? "IMMUTABLE"
                : declared.includes(FieldBehavior.IDENTIFIER)
                  ? "IDENTIFIER"
                  : undefined,
            required: declared.includes(FieldBehavior.REQUIRED),
          };
    byField.set(field, found);
  }
  return found;
}

/** Why an update may not change `field`: OUTPUT_ONLY, IMMUTABLE or IDENTIFIER; undefined if it may. */
export function protectionOf(field: DescField): Protection | undefined {
  return behaviorsOf(field).protection;
}

/** True when `field` is marked `REQUIRED`. */
export function isRequired(field: DescField): boolean {
  return behaviorsOf(field).required;
}

const protectedInside = new WeakMap<DescMessage, boolean>();

/**
 * True when an update that replaces a whole `desc` would change a protected
 * field: `desc` has one, or a message field whose type has one. Cycles end
 * at a type already being looked at (it answers for itself).
 */
export function hasProtectedFields(desc: DescMessage, visiting = new Set<DescMessage>()): boolean {
  const known = protectedInside.get(desc);
  if (known !== undefined) {
    return known;
  }
  visiting.add(desc);
  let found = false;
  for (const field of desc.fields) {
    if (protectionOf(field) !== undefined) {
      found = true;
      break;
    }
    if (canDescend(field) && !visiting.has(field.message) && hasProtectedFields(field.message, visiting)) {
      found = true;
      break;
    }
  }
  visiting.delete(desc);
  // Only a complete answer is kept: one given inside a cycle may lack the rest of it.
  if (found || visiting.size === 0) {
    protectedInside.set(desc, found);
  }
  return found;
}

/** What an update may not change, as a field violation says it. */
export function describeProtection(protection: Protection): string {
  switch (protection) {
    case "OUTPUT_ONLY":
      return "it is output only: the server sets it";
    case "IMMUTABLE":
      return "it is immutable: it is set when the resource is created";
    case "IDENTIFIER":
      return "it identifies the resource";
  }
}
