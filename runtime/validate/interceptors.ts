import type { DescMessage } from "@bufbuild/protobuf";
import { invalidArgument } from "../bad-request.js";
import { Code, RpcError } from "../errors.js";
import type { AnyMessage, ClientInterceptor, ServerInterceptor } from "../interceptor.js";
import {
  CheckedRequests,
  type RequestCheck,
  streamMessage,
  withCheckedRequests,
} from "../internal/checked-requests.js";
import { registerSchemaInterceptor } from "../server/schema-interceptors.js";
import { CelEvalError } from "./cel-ops.js";
import type { Validator } from "./validator.js";
import { DEFAULT_MAX_VIOLATIONS, type FieldViolation } from "./violation.js";

export { invalidArgument };

/** Options of {@link requestValidation} and {@link clientValidation}. */
export interface ValidationOptions {
  /**
   * Most violations an error collects and sends; the validator stops once it
   * has them. Default {@link DEFAULT_MAX_VIOLATIONS} (100); a server passes its
   * `limits.maxViolations`.
   */
  maxViolations?: number | undefined;
}

/**
 * Checks one message, collecting at most one violation past `maxViolations`
 * (which tells the error there were more); the error to throw if it is
 * invalid, else undefined.
 */
function check(
  validator: Validator,
  message: AnyMessage,
  position: number | undefined,
  maxViolations: number,
): RpcError | undefined {
  const out: FieldViolation[] = [];
  const what = () =>
    position === undefined ? validator.schema.typeName : streamMessage(validator.schema.typeName, position);
  try {
    validator.check(message, out, maxViolations + 1);
  } catch (error) {
    if (error instanceof CelEvalError) {
      return ruleRuntimeError(what(), error);
    }
    throw error;
  }
  if (out.length === 0) {
    return undefined;
  }
  return invalidArgument(what(), out, maxViolations);
}

/**
 * The error of a request on which a CEL rule fails to evaluate (a CEL
 * runtime error: overflow, division by zero, a missing map key): the rule
 * cannot say the request is valid, so it is refused, with
 * `INVALID_ARGUMENT` as protovalidate's Connect interceptors answer any
 * validation error, and no field violations (no rule was broken: one could
 * not be evaluated).
 */
function ruleRuntimeError(what: string, error: CelEvalError): RpcError {
  return new RpcError(
    Code.INVALID_ARGUMENT,
    `invalid ${what}: a validation rule failed to evaluate: ${error.message}`,
    {
      cause: error,
    },
  );
}

/**
 * The server interceptor that checks each request with `validator` before
 * the handler sees it: a unary or server-streaming request before the handler
 * runs, each message of a client or bidi stream as the handler pulls it. An
 * invalid message fails the call with {@link invalidArgument}'s error, also
 * when the handler catches it: the call's outcome is the validation error.
 */
export function requestValidation(validator: Validator, options: ValidationOptions = {}): ServerInterceptor {
  const maxViolations = options.maxViolations ?? DEFAULT_MAX_VIOLATIONS;
  const inStream: RequestCheck = (message, position) => check(validator, message, position, maxViolations);
  // Not async for one request: a valid one goes straight on, without a frame or a hop of its own.
  return (next) => (call) => {
    if (call.requestStream) {
      return withCheckedRequests(next, call, inStream);
    }
    const failure = check(validator, call.request, undefined, maxViolations);
    return failure === undefined ? next(call) : Promise.reject(failure);
  };
}

// Every method whose request declares rules is validated by the server,
// after auth and before the handler (see schema-interceptors.ts).
registerSchemaInterceptor("validation", (method, { options }) =>
  method.inputValidator === undefined
    ? undefined
    : requestValidation(method.inputValidator as Validator, { maxViolations: options.limits?.maxViolations }),
);

/**
 * A client interceptor that checks requests before they are sent, with the
 * validators of the generated method table: an invalid request fails the call
 * with the `INVALID_ARGUMENT` error a grpckit server would answer, without a
 * round trip. In a stream, the first invalid message cancels the call.
 *
 * @example
 * const orders = createClient(OrderService, address, { interceptors: [clientValidation()] });
 */
export function clientValidation(options: ValidationOptions = {}): ClientInterceptor {
  const maxViolations = options.maxViolations ?? DEFAULT_MAX_VIOLATIONS;
  return (next) => async (call) => {
    const validator = call.method.inputValidator as Validator<DescMessage> | undefined;
    if (validator === undefined) {
      return next(call);
    }
    if (!call.requestStream) {
      const failure = check(validator, call.request, undefined, maxViolations);
      if (failure !== undefined) {
        throw failure;
      }
      return next(call);
    }
    const checked = new CheckedRequests(call.requests, (message, position) =>
      check(validator, message, position, maxViolations),
    );
    return next({ ...call, requests: checked.messages() });
  };
}
