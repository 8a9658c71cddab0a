import { Code, RpcError } from "./errors.js";
import {
  DEFAULT_MAX_VIOLATIONS,
  describeViolations,
  encodeBadRequestStatus,
  type FieldViolation,
  STATUS_DETAILS_KEY,
} from "./status-details.js";

/**
 * The error of an invalid request: `INVALID_ARGUMENT`, a message that lists
 * the violations, and a `google.rpc.Status` with a `google.rpc.BadRequest`
 * detail in the `grpc-status-details-bin` trailer, which any gRPC client can
 * decode (grpckit's as `RpcError.fieldViolations`).
 *
 * At most `maxViolations` violations are sent, the first ones; when there are
 * more, the message says so. (The server's answer limits may drop more of
 * them: see "Bounded answers" in docs/operations.md.)
 *
 * @param what the invalid thing, e.g. `ecommerce.v1.CreateOrderRequest`.
 */
export function invalidArgument(
  what: string,
  violations: readonly FieldViolation[],
  maxViolations = DEFAULT_MAX_VIOLATIONS,
): RpcError {
  const more = violations.length > maxViolations;
  const sent = more ? violations.slice(0, Math.max(0, maxViolations)) : violations;
  const message = `invalid ${what}: ${describeViolations(sent, 10, more)}`;
  const details = encodeBadRequestStatus(Code.INVALID_ARGUMENT, message, sent);
  return new RpcError(Code.INVALID_ARGUMENT, message, { metadata: { [STATUS_DETAILS_KEY]: details } });
}
