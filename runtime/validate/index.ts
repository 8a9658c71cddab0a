/*
 * Validation declared in the .proto: the runtime of the validators that
 * protoc-gen-grpckit generates into `<file>_validate.ts`. See docs/validation.md.
 */

export { encodeBadRequestStatus, fieldViolationsOf, STATUS_DETAILS_KEY, statusDetailsOf } from "../status-details.js";
export * from "./cel-ops.js";
export * from "./checks.js";
export * from "./formats.js";
export { clientValidation, invalidArgument, requestValidation, type ValidationOptions } from "./interceptors.js";
export { type PatternTester, re2Pattern } from "./pattern.js";
export {
  checkEntry,
  checkItem,
  checkNested,
  checkNestedMasked,
  defineValidator,
  getValidator,
  type MaskedCheck,
  type UpdateCheck,
  type Validator,
  validate,
} from "./validator.js";
export { DEFAULT_MAX_VIOLATIONS, type FieldViolation, mapEntryPath } from "./violation.js";
