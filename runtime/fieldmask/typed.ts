import { create } from "@bufbuild/protobuf";
import { type FieldMask, FieldMaskSchema } from "@bufbuild/protobuf/wkt";

/**
 * The field paths of each message type a field mask can apply to, by type
 * name. Empty here: each generated `_grpckit.ts` whose methods have masks
 * adds the types its masks name (the resources they select or update), so that
 *
 *   declare module "grpckit" {
 *     interface FieldMaskPaths {
 *       "ecommerce.v1.User": UserPaths;
 *     }
 *   }
 *
 * makes `fieldMask<User>(...)` accept exactly the paths of `UserPaths`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by generated code through declaration merging.
export interface FieldMaskPaths {}

/**
 * The valid field paths of message type `T` (a protobuf-es message shape,
 * e.g. `User`), as the generated `UserPaths` lists them: proto field names,
 * dotted into nested messages. `never` when no loaded `_grpckit.ts` declares
 * the type's paths.
 */
export type PathsOf<T extends { readonly $typeName: string }> = T["$typeName"] extends keyof FieldMaskPaths
  ? FieldMaskPaths[T["$typeName"]]
  : never;

/**
 * A google.protobuf.FieldMask of message type `T`, typed: each path must be
 * one of `T`'s (see the generated `<Message>Paths` types), so a typo fails to
 * compile. Give `T` explicitly.
 *
 * @example
 * import { fieldMask } from "grpckit";
 * import type { User } from "./gen/ecommerce/v1/user_pb.js";
 *
 * await users.getUser({ userId, readMask: fieldMask<User>("display_name", "profile.address.city") });
 * fieldMask<User>("dispaly_name"); // does not compile
 */
export function fieldMask<T extends { readonly $typeName: string }>(...paths: PathsOf<T>[]): FieldMask {
  return create(FieldMaskSchema, { paths: paths as string[] });
}
