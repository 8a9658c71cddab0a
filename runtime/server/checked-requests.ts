import type { RpcError } from "../errors.js";
import type { AnyMessage, ServerCall, ServerResult, ServerStep } from "../interceptor.js";

type StreamResult = Extract<ServerResult, { responseStream: true }>;

/**
 * A request stream checked as the handler pulls it (request validation, the
 * REQUIRED fields of the field-mask interceptor): its first failure, and
 * the responses, cut off at that failure.
 */
export interface CheckedRequestStream {
  readonly failure: RpcError | undefined;
  messages(): AsyncIterable<AnyMessage>;
  responses(source: AsyncIterable<unknown>): AsyncIterable<unknown>;
}

/**
 * Calls `next` with the requests of `stream`. The first failed check is the
 * call's error, whatever the handler made of it (caught it, answered anyway,
 * or failed with an error of its own).
 */
export async function withCheckedRequests(
  next: ServerStep,
  call: Extract<ServerCall, { requestStream: true }>,
  stream: CheckedRequestStream,
): Promise<ServerResult> {
  let result: ServerResult;
  try {
    result = await next({ ...call, requests: stream.messages() });
  } catch (error) {
    throw stream.failure ?? error;
  }
  if (stream.failure !== undefined) {
    throw stream.failure;
  }
  if (!result.responseStream) {
    return result;
  }
  return { responseStream: true, responses: stream.responses(result.responses) as StreamResult["responses"] };
}
