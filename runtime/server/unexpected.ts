import { Code, RpcError } from "../errors.js";
import type { ServerContext } from "../service.js";

/*
 * What a server answers for an exception that is not an RpcError, in one
 * place: the server's own last-resort mapping (CallState.fail) and the
 * recovery interceptor both use it, so a client sees the same status with or
 * without the interceptor.
 */

/** The status message a client gets for an exception that is not an RpcError. */
export const INTERNAL_MESSAGE = "internal error";

/** The RpcError answered for an unexpected exception: INTERNAL, a generic message, the exception as `cause` (never sent). */
export function internalError(cause: unknown): RpcError {
  return new RpcError(Code.INTERNAL, INTERNAL_MESSAGE, { cause });
}

/** The default reporter of unexpected errors: one `console.error` with the method's path and the stack. */
export function logUnexpectedError(error: unknown, context: ServerContext): void {
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  console.error(`grpckit: ${context.method.path} failed: ${detail}`);
}
