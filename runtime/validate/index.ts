/*
 * Validation declared in the .proto: the runtime of the validators that
 * protoc-gen-grpckit generates into `<file>_validate.ts`. See docs/validation.md.
 */

export { encodeBadRequestStatus, fieldViolationsOf, STATUS_DETAILS_KEY, statusDetailsOf } from "../status-details.js";
export {
  bytesEqual,
  bytesIn,
  charCountIsNot,
  codePointCount,
  compareTime,
  compareTimeToNow,
  fewerCharsThan,
  fewerUtf8BytesThan,
  hasDuplicateBytes,
  hasDuplicates,
  isWithinOfNow,
  moreCharsThan,
  moreUtf8BytesThan,
  ownProperties,
  type SecondsAndNanos,
  utf8Length,
} from "./checks.js";
export { isEmail, isHostname, isIp, isIpv4, isIpv6, isUri, isUuid } from "./formats.js";
export { clientValidation, invalidArgument, requestValidation } from "./interceptors.js";
export {
  checkEntry,
  checkItem,
  checkNested,
  defineValidator,
  getValidator,
  type Validator,
  validate,
} from "./validator.js";
export { type FieldViolation, mapEntryPath } from "./violation.js";
