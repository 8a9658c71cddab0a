import { RpcError } from "../../errors.js";
import type { ServerCall, ServerInterceptor } from "../../interceptor.js";
import { internalError, logUnexpectedError } from "../../server/unexpected.js";

/** Options of {@link recovery}. */
export interface RecoveryOptions {
  /**
   * Receives each exception that is not an RpcError, with the call it broke:
   * report it (Sentry, a log line, a metric). It must not throw; if it does,
   * its error is ignored. Default: one `console.error` with the method's path
   * and the stack, as the server's own `onError`.
   */
  onError?: ((error: unknown, call: ServerCall) => void) | undefined;
  /**
   * Turns an unexpected exception into the error the client gets, for
   * exceptions that deserve a better code (a driver's "connection refused" as
   * UNAVAILABLE, say). Mind what the message tells the client. Returning
   * undefined, the default, answers `INTERNAL` with a generic message.
   */
  toRpcError?: ((error: unknown, call: ServerCall) => RpcError | undefined) | undefined;
}

/**
 * Turns any exception that is not an `RpcError`, from the handler or an
 * interceptor inside this one, into the `RpcError` the client gets: `INTERNAL`
 * with the same generic message the server itself answers, the exception
 * kept as `cause` (never sent). The exception goes to `onError` once; it does
 * not reach the server's `onError` as well, since what reaches the server is
 * then an `RpcError`.
 *
 * The server already answers `INTERNAL` without this interceptor; recovery
 * adds a reporting hook that sees the call, the choice of code, and, placed
 * first, makes the interceptors after it (tracing, metrics, logging) see the
 * exception while everything before it sees the final `RpcError`. Errors of a
 * call that was already cancelled are nobody's answer and are not reported.
 *
 * @example
 * createServer({ interceptors: [recovery({ onError: (error, call) => sentry.captureException(error) }), serverTracing()] });
 */
export function recovery(options: RecoveryOptions = {}): ServerInterceptor {
  const report = options.onError ?? ((error: unknown, call: ServerCall) => logUnexpectedError(error, call.context));
  const recover = (error: unknown, call: ServerCall): unknown => {
    if (error instanceof RpcError || call.context.signal.aborted) {
      return error;
    }
    try {
      report(error, call);
    } catch {
      // The reporter is the last resort; there is nowhere left to report its failure.
    }
    return options.toRpcError?.(error, call) ?? internalError(error);
  };
  // Promise reactions rather than an async function: no frame of its own per call.
  return (next) => (call) => {
    let pending: ReturnType<typeof next>;
    try {
      pending = next(call);
    } catch (error) {
      return Promise.reject(recover(error, call));
    }
    return pending.then(
      (result) =>
        result.responseStream
          ? { responseStream: true, responses: recovered(result.responses, (error) => recover(error, call)) }
          : result,
      (error: unknown) => {
        throw recover(error, call);
      },
    );
  };
}

async function* recovered<T>(responses: AsyncIterable<T>, recover: (error: unknown) => unknown): AsyncGenerator<T> {
  try {
    yield* responses;
  } catch (error) {
    throw recover(error);
  }
}
