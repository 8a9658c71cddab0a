import type { Code } from "../errors.js";
import type { ServerContext } from "../service.js";

/** The status a server sent, as its client gets it. */
export interface Answer {
  readonly code: Code;
  /** The status message as sent (bounded: see server/bounded-answer.ts); empty for OK. */
  readonly message: string;
  /** The error the server's last resort was handed (an RpcError, or an exception answered INTERNAL); undefined for OK. */
  readonly error: unknown;
}

/**
 * The hook a server's own call contexts carry (server/call-state.ts): calls
 * `listener` once with the status the call is answered with, right before
 * grpc-js sends it, after every interceptor had its say and the answer was
 * bounded. Not called for a call cut short (no status is sent): see
 * cut-short.ts. Observers use it to record what the client sees.
 */
export const onAnswer: unique symbol = Symbol("grpckit.onAnswer");

export interface AnswerHook {
  [onAnswer](listener: (answer: Answer) => void): void;
}

/**
 * Calls `listener` with the status the call of `context` is answered with;
 * false when the context has no such hook (one made outside the server: the
 * caller then decides the status itself).
 */
export function whenAnswered(context: ServerContext, listener: (answer: Answer) => void): boolean {
  const hook = (context as Partial<AnswerHook>)[onAnswer];
  if (hook === undefined) {
    return false;
  }
  hook.call(context, listener);
  return true;
}
