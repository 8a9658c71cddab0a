import type { RpcError } from "../errors.js";
import type { AnyMessage, ServerCall, ServerResult, ServerStep } from "../interceptor.js";
import { iterationDone, relay } from "./streams.js";

type StreamResult = Extract<ServerResult, { responseStream: true }>;

/**
 * Checks one message of a request stream (`position` counts from 0): the
 * error that ends the call, or undefined when the message passes.
 */
export type RequestCheck = (message: AnyMessage, position: number) => RpcError | undefined;

/** How an error names the message at `position` of a request stream of `what` (a message type). */
export function streamMessage(what: string, position: number): string {
  return `${what} (message ${position + 1} of the request stream)`;
}

/**
 * A request stream whose messages are checked as they are pulled (request
 * validation, the REQUIRED fields of the field-mask interceptor). The first
 * one that fails is never handed out: the stream throws its error instead,
 * and keeps it as `failure`.
 */
export class CheckedRequests {
  failure: RpcError | undefined;

  constructor(
    private readonly source: AsyncIterable<AnyMessage>,
    private readonly check: RequestCheck,
  ) {}

  /**
   * The requests, each checked as it is pulled. (Here and in `responses`,
   * one reaction per message rather than async generators: every message of
   * the stream passes through.)
   */
  messages(): AsyncIterable<AnyMessage> {
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = this.source[Symbol.asyncIterator]();
        let position = 0;
        let over = false;
        const checked = (result: IteratorResult<AnyMessage>): IteratorResult<AnyMessage> => {
          if (result.done === true) {
            over = true;
            return result;
          }
          const failure = this.check(result.value, position);
          if (failure !== undefined) {
            over = true;
            this.failure = failure;
            void closeQuietly(iterator);
            throw failure;
          }
          position++;
          return result;
        };
        return {
          next: (): Promise<IteratorResult<AnyMessage>> => {
            if (over) {
              return iterationDone();
            }
            if (this.failure !== undefined) {
              over = true;
              return Promise.reject(this.failure);
            }
            return iterator.next().then(checked);
          },
          return: async (): Promise<IteratorResult<AnyMessage>> => {
            over = true;
            await closeQuietly(iterator);
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /**
   * The handler's responses; once a request failed its check, the call ends
   * with that failure, whatever the handler does about it.
   */
  responses(source: AsyncIterable<unknown>): AsyncIterable<unknown> {
    return relay(
      source,
      (result, iterator) => {
        if (this.failure !== undefined) {
          if (result.done !== true) {
            void closeQuietly(iterator);
          }
          throw this.failure;
        }
        return result;
      },
      (error) => {
        throw this.failure ?? error;
      },
    );
  }
}

/**
 * Calls `next` with the requests of `call` checked by `check` as the handler
 * pulls them. The first failed check is the call's error, whatever the
 * handler made of it (caught it, answered anyway, or failed with an error of
 * its own).
 */
export async function withCheckedRequests(
  next: ServerStep,
  call: Extract<ServerCall, { requestStream: true }>,
  check: RequestCheck,
): Promise<ServerResult> {
  const stream = new CheckedRequests(call.requests, check);
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

/** Closes an iterator the consumer no longer reads; its cleanup's error is not the call's. */
function closeQuietly(iterator: AsyncIterator<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(iterator.return?.()).catch(() => undefined);
  } catch {
    return Promise.resolve(undefined);
  }
}
