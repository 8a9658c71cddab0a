import { invalidArgument } from "../bad-request.js";
import type { RpcError } from "../errors.js";
import type { FieldViolation } from "../status-details.js";
import type { PathProblem } from "./paths.js";

/**
 * The field violations of refused mask paths, named from the request:
 * `read_mask.paths[1]`, as google.rpc.BadRequest names fields.
 */
export function maskViolations(problems: readonly PathProblem[], maskField: string): FieldViolation[] {
  return problems.map(({ index, description, reason }) => ({
    field: `${maskField}.paths[${index}]`,
    description,
    reason,
  }));
}

/**
 * The INVALID_ARGUMENT error of a refused mask, with a google.rpc.BadRequest
 * detail naming each bad path, as request validation sends it.
 *
 * @param what the invalid thing, e.g. `ecommerce.v1.GetUserRequest`.
 */
export function invalidMask(what: string, problems: readonly PathProblem[], maskField: string): RpcError {
  return invalidArgument(what, maskViolations(problems, maskField));
}
