import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { invalidMask } from "./errors.js";
import { type FieldMaskLike, parseReadMask } from "./read-mask.js";

/** Options of {@link applyReadMask}. */
export interface ApplyReadMaskOptions {
  /** The name of the mask's field in the request, for the errors: default `read_mask`. */
  readonly maskField?: string | undefined;
  /** What the errors call the invalid thing: default `read mask of <type>`. */
  readonly what?: string | undefined;
}

/**
 * `message` pruned to `mask` (AIP-157): a copy with only the fields the
 * mask names; `message` itself for an absent or empty mask or `*`. A path
 * naming a message keeps all of it; a nested path (`profile.address.city`)
 * keeps that field only; lists and maps are kept whole. The mask is parsed
 * once per type and list of paths, then cached.
 *
 * Servers do this themselves for the read masks the schema declares; call it
 * for a mask of your own. Throws an `RpcError` (INVALID_ARGUMENT, with a
 * google.rpc.BadRequest naming each bad path as `read_mask.paths[i]`) when a
 * path names no field.
 *
 * @example
 * const brief = applyReadMask(UserSchema, user, { paths: ["display_name", "profile.avatar_url"] });
 */
export function applyReadMask<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  mask: FieldMaskLike | undefined,
  options: ApplyReadMaskOptions = {},
): MessageShape<Desc> {
  const parsed = parseReadMask(schema, mask?.paths ?? []);
  if (Array.isArray(parsed)) {
    throw invalidMask(options.what ?? `read mask of ${schema.typeName}`, parsed, options.maskField ?? "read_mask");
  }
  return parsed.apply(message);
}
