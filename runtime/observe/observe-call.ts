import { Code, RpcError } from "../errors.js";
import type {
  AnyMessage,
  ClientCall,
  ClientResult,
  ClientStep,
  ServerCall,
  ServerResult,
  ServerStep,
} from "../interceptor.js";
import { whenCutShort } from "../internal/cut-short.js";
import type { MethodKind } from "../service.js";

/*
 * The one piece of stream plumbing the observing interceptors (logging,
 * metrics, tracing) share: it counts the messages of a call as they pass and
 * reports the call's end exactly once, whichever way it ends: a response, an
 * error, the end of the response stream, an early close, or (on a server) the
 * call being cut short while the handler still runs.
 */

/** How a call ended, as an observer sees it. */
export interface CallEnd {
  /** The status code the call ended with. */
  readonly code: Code;
  /**
   * The error the call ended with: an RpcError, or (on a server) the
   * exception that the client gets as INTERNAL; undefined for OK.
   */
  readonly error: unknown;
  /** Messages received (server) or sent (client). */
  readonly requests: number;
  /** Messages sent (server) or received (client). */
  readonly responses: number;
}

/** What an observing interceptor does with a call's events. */
export interface CallObserver {
  /** Each request message, as the handler reads it (server) or as it is sent (client). */
  readonly onRequest?: ((message: AnyMessage) => void) | undefined;
  /** Each response message, as the handler answers it (server) or as it is received (client). */
  readonly onResponse?: ((message: unknown) => void) | undefined;
  /** Once, when the call ends. */
  readonly onEnd: (end: CallEnd) => void;
}

/** Runs `fn` in some context, e.g. an OpenTelemetry context; the identity by default. */
export type RunIn = <T>(fn: () => T) => T;

const direct: RunIn = (fn) => fn();

/** The code a server answers for `error`: an RpcError's own, INTERNAL for anything else. */
export function serverCodeOf(error: unknown): Code {
  if (error instanceof RpcError) {
    return error.code === Code.OK ? Code.UNKNOWN : error.code;
  }
  return Code.INTERNAL;
}

/** The code a client sees for `error`. */
export function clientCodeOf(error: unknown): Code {
  return RpcError.from(error).code;
}

const GO_CODE_NAMES: readonly string[] = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

/**
 * The name of a status code as grpc-go spells it (`OK`, `NotFound`,
 * `DeadlineExceeded`): the `grpc_code` label values of go-grpc-prometheus
 * and the `grpc.code` of go-grpc-middleware's logs, so existing dashboards
 * and queries work unchanged.
 */
export function codeName(code: Code): string {
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}

/** The method kind as go-grpc-prometheus's `grpc_type` label spells it. */
export function grpcType(kind: MethodKind): "unary" | "client_stream" | "server_stream" | "bidi_stream" {
  switch (kind) {
    case "unary":
      return "unary";
    case "client_streaming":
      return "client_stream";
    case "server_streaming":
      return "server_stream";
    case "bidi_streaming":
      return "bidi_stream";
  }
}

/** Counts messages and ends once. */
class Tracker {
  requests = 0;
  responses = 0;
  private ended = false;

  constructor(private readonly observer: CallObserver) {}

  request(message: AnyMessage): void {
    this.requests++;
    this.observer.onRequest?.(message);
  }

  response(message: unknown): void {
    this.responses++;
    this.observer.onResponse?.(message);
  }

  end(code: Code, error: unknown): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.observer.onEnd({ code, error, requests: this.requests, responses: this.responses });
  }
}

/**
 * Calls `next` with `call` and reports the call's messages and end to
 * `observer`. `run` wraps the call of `next` and each pull of a response, so
 * that the handler runs in its context.
 */
export async function observeServerCall(
  next: ServerStep,
  call: ServerCall,
  observer: CallObserver,
  run: RunIn = direct,
): Promise<ServerResult> {
  const tracker = new Tracker(observer);
  // A call cut short ends now, even if its handler goes on.
  const stopWatching = whenCutShort(call.context, (reason) => tracker.end(serverCodeOf(reason), reason));
  const end = (code: Code, error: unknown) => {
    stopWatching();
    tracker.end(code, error);
  };
  let observed: ServerCall;
  if (call.requestStream) {
    observed = { ...call, requests: counted(call.requests, tracker) };
  } else {
    tracker.request(call.request);
    observed = call;
  }
  try {
    const result = await run(() => next(observed));
    if (!result.responseStream) {
      tracker.response(result.response);
      end(Code.OK, undefined);
      return result;
    }
    return {
      responseStream: true,
      responses: observedResponses(result.responses, tracker, run, end, serverCodeOf),
    };
  } catch (error) {
    end(serverCodeOf(error), error);
    throw error;
  }
}

/**
 * Calls `next` with `call` and reports the call's messages and end to
 * `observer`. `run` wraps the call of `next` and each pull of a response.
 */
export async function observeClientCall(
  next: ClientStep,
  call: ClientCall,
  observer: CallObserver,
  run: RunIn = direct,
): Promise<ClientResult> {
  const tracker = new Tracker(observer);
  const end = (code: Code, error: unknown) => tracker.end(code, error);
  let observed: ClientCall;
  if (call.requestStream) {
    observed = { ...call, requests: counted(call.requests, tracker) };
  } else {
    tracker.request(call.request);
    observed = call;
  }
  try {
    const result = await run(() => next(observed));
    if (!result.responseStream) {
      tracker.response(result.response);
      end(Code.OK, undefined);
      return result;
    }
    return {
      responseStream: true,
      responses: observedResponses(result.responses, tracker, run, end, clientCodeOf) as AsyncIterable<AnyMessage>,
    };
  } catch (error) {
    const failure = RpcError.from(error);
    end(failure.code, failure);
    throw error;
  }
}

async function* counted(requests: AsyncIterable<AnyMessage>, tracker: Tracker): AsyncGenerator<AnyMessage, void> {
  for await (const request of requests) {
    tracker.request(request);
    yield request;
  }
}

/**
 * The responses, counted; their end, error or early close ends the call. An
 * iterator object rather than a generator, so that each pull runs in `run`.
 */
function observedResponses<T>(
  responses: AsyncIterable<T>,
  tracker: Tracker,
  run: RunIn,
  end: (code: Code, error: unknown) => void,
  codeOf: (error: unknown) => Code,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = responses[Symbol.asyncIterator]();
      // One reaction per message rather than an async function's frames:
      // every observing interceptor wraps the stream once.
      const settled = (result: IteratorResult<T>): IteratorResult<T> => {
        if (result.done === true) {
          end(Code.OK, undefined);
        } else {
          tracker.response(result.value);
        }
        return result;
      };
      const failed = (error: unknown): never => {
        end(codeOf(error), error);
        throw error;
      };
      const pull = () => iterator.next();
      return {
        next() {
          let pulled: Promise<IteratorResult<T>>;
          try {
            pulled = run(pull);
          } catch (error) {
            end(codeOf(error), error);
            return Promise.reject(error);
          }
          return pulled.then(settled, failed);
        },
        async return(value?: unknown) {
          // Closed before its end: the call was cancelled (or its reader stopped).
          end(Code.CANCELLED, new RpcError(Code.CANCELLED, "the response stream was closed before its end"));
          if (iterator.return === undefined) {
            return { done: true, value: undefined };
          }
          return run(() => (iterator.return as (value?: unknown) => Promise<IteratorResult<T>>)(value));
        },
      };
    },
  };
}
