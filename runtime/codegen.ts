/**
 * What the code protoc-gen-grpckit generates imports, and nothing else: the
 * service and call types, `grpcDefinition`, `applyUpdateMask`, and the
 * validators' helpers. Generated files import this entry (`grpckit/codegen`)
 * rather than the whole runtime, so that type-checking them does not read
 * the declarations of everything else (authenticators, clients, pools,
 * observability and what those import), and its cost does not grow as the
 * runtime does. Application code imports `grpckit`, which exports all of
 * this too.
 *
 * The types of the concerns' per-method data (below) are exported also so
 * that every program that type-checks generated code loads the modules that
 * add those properties to `MethodSpec` and `ServiceSpec` (see `MethodSpec`):
 * without them, a method table's `auth:` or `masks:` would be an unknown
 * property. The exports are type-only (but `httpBinding`, which the `http:`
 * rows call): loading this entry runs none of the concerns.
 *
 * @module
 */

export type { AuthRule } from "./auth/rule.js";
export type { ServiceConfigJson } from "./client/service-config.js";
export * from "./codegen-core.js";
export type { MethodMasks } from "./fieldmask/method-masks.js";
export type { MaskNode } from "./fieldmask/paths.js";
export type { FieldMaskLike } from "./fieldmask/read-mask.js";
export type { FieldMaskPaths } from "./fieldmask/typed.js";
export { applyUpdateMask } from "./fieldmask/update-mask.js";
export { type HttpBinding, httpBinding } from "./http/binding.js";
export * from "./validate/cel-ops.js";
export * from "./validate/checks.js";
export * from "./validate/formats.js";
export { type PatternTester, re2Pattern } from "./validate/pattern.js";
export {
  checkEntry,
  checkItem,
  checkNested,
  checkNestedMasked,
  defineValidator,
  type MaskedCheck,
  type UpdateCheck,
  type Validator,
} from "./validate/validator.js";
export { mapEntryPath } from "./validate/violation.js";
