import type { DescMessage } from "@bufbuild/protobuf";
import { invalidArgument } from "../bad-request.js";
import { Code, RpcError } from "../errors.js";
import { type UpdateMaskSpec, updateValidationMask } from "../fieldmask/index.js";
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
  /**
   * The method's update mask (its table's `masks.update`): the resource's
   * rules then apply to the fields the request's mask names (AIP-134; see
   * docs/validation.md), unless `validateWholeResource` is set. The server
   * passes it for each method that has one.
   */
  update?: UpdateMaskSpec | undefined;
}

type Check = (message: AnyMessage, out: FieldViolation[], limit: number) => void;

/**
 * How requests of a method are checked: with the validator's `check`, or,
 * for an update whose validator has an update check for the same resource,
 * with the rules restricted to the request's mask. Decided once per method:
 * a method without an update mask pays nothing per call.
 */
function requestCheck(validator: Validator, update: UpdateMaskSpec | undefined): Check {
  const updateCheck = validator.update;
  if (
    update === undefined ||
    update.validateWholeResource === true ||
    updateCheck === undefined ||
    updateCheck.resource.number !== update.resource.number ||
    update.resource.parent.typeName !== validator.schema.typeName
  ) {
    return (message, out, limit) => validator.check(message, out, limit);
  }
  return (message, out, limit) => {
    const mask = updateValidationMask(update, message, limit);
    if (mask === undefined) {
      validator.check(message, out, limit);
    } else {
      updateCheck.check(message, out, limit, mask);
    }
  };
}

/**
 * Checks one message, collecting at most one violation past `maxViolations`
 * (which tells the error there were more); the error to throw if it is
 * invalid, else undefined. A rule the message makes fail to evaluate (a
 * runtime error of the rule: `bytes.pattern` on bytes that are not UTF-8)
 * fails it too, `INVALID_ARGUMENT` with the error's text and no details:
 * the message is what the rule cannot be applied to.
 */
function check(
  validator: Validator,
  run: Check,
  message: AnyMessage,
  position: number | undefined,
  maxViolations: number,
): RpcError | undefined {
  const out: FieldViolation[] = [];
  const what = () =>
    position === undefined ? validator.schema.typeName : streamMessage(validator.schema.typeName, position);
  try {
    run(message, out, maxViolations + 1);
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
  const run = requestCheck(validator, options.update);
  const inStream: RequestCheck = (message, position) => check(validator, run, message, position, maxViolations);
  // Not async for one request: a valid one goes straight on, without a frame or a hop of its own.
  return (next) => (call) => {
    if (call.requestStream) {
      return withCheckedRequests(next, call, inStream);
    }
    const failure = check(validator, run, call.request, undefined, maxViolations);
    return failure === undefined ? next(call) : Promise.reject(failure);
  };
}

// Every method whose request declares rules is validated by the server,
// after auth and before the handler (see schema-interceptors.ts).
registerSchemaInterceptor("validation", (method, { options }) =>
  method.inputValidator === undefined
    ? undefined
    : requestValidation(method.inputValidator as Validator, {
        maxViolations: options.limits?.maxViolations,
        update: method.masks?.update,
      }),
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
  const checks = new WeakMap<object, Check>();
  return (next) => async (call) => {
    const validator = call.method.inputValidator as Validator<DescMessage> | undefined;
    if (validator === undefined) {
      return next(call);
    }
    let run = checks.get(call.method);
    if (run === undefined) {
      run = requestCheck(validator, call.method.masks?.update);
      checks.set(call.method, run);
    }
    if (!call.requestStream) {
      const failure = check(validator, run, call.request, undefined, maxViolations);
      if (failure !== undefined) {
        throw failure;
      }
      return next(call);
    }
    const stream = run;
    const checked = new CheckedRequests(call.requests, (message, position) =>
      check(validator, stream, message, position, maxViolations),
    );
    return next({ ...call, requests: checked.messages() });
  };
}
