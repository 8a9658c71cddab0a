/*
 * Field masks (AIP-157 read masks, AIP-134 update masks) and the
 * google.api.field_behavior rules they follow. See docs/field-masks.md.
 */

export { type ApplyReadMaskOptions, applyReadMask } from "./api.js";
export { FieldBehavior, isRequired, type Protection, protectionOf } from "./field-behavior.js";
export { fieldMaskInterceptor } from "./interceptor.js";
export type { MethodMasks, ReadMaskSpec, UpdateMaskSpec } from "./method-masks.js";
export type { MaskEntry, MaskNode, PathProblem } from "./paths.js";
export { type FieldMaskLike, parseReadMask, type ReadMask } from "./read-mask.js";
export { type FieldMaskPaths, fieldMask, type PathsOf } from "./typed.js";
export { type ApplyUpdateMaskOptions, applyUpdateMask, parseUpdateMask, type UpdateMask } from "./update-mask.js";
export { identifierFields, updateValidationMask } from "./update-validation.js";
