import { Code, RpcError } from "../errors.js";
import {
  type AnyMessage,
  type ClientCall,
  type ClientInterceptor,
  type ClientResult,
  type ClientStep,
  fuseInterceptors,
  fusesWith,
  type ServerCall,
  type ServerInterceptor,
  type ServerResult,
  type ServerStep,
} from "../interceptor.js";
import { type Answer, whenAnswered } from "../internal/answered.js";
import { whenCutShort } from "../internal/cut-short.js";
import { relay } from "../internal/streams.js";
import { INTERNAL_MESSAGE } from "../server/unexpected.js";
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
  /** The status code the call ended with: on a server, the code sent to the client. */
  readonly code: Code;
  /**
   * The status message the call ended with, empty for OK: on a server, the
   * message sent to the client (an exception's own message never is); on a
   * client, the message received.
   */
  readonly message: string;
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

/** The message a server answers for `error`: an RpcError's own, the generic one for anything else. */
export function serverMessageOf(error: unknown): string {
  return error instanceof RpcError ? error.rawMessage : INTERNAL_MESSAGE;
}

// Lives with Code in the core, so that a concern outside observe/ names codes the same way.
export { codeName } from "../errors.js";

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

/** How one observing interceptor watches one call: its observer, and what to run the call in. */
export interface Observation {
  readonly observer: CallObserver;
  /** Runs the rest of the chain and each pull of a response, e.g. in a trace context. */
  readonly run?: RunIn | undefined;
}

/**
 * Set on the interceptors {@link observingServerInterceptor} and
 * {@link observingClientInterceptor} make: how they observe a call, so that
 * `chain` can run neighbours together (see {@link fuseObservers}).
 */
export const observes: unique symbol = Symbol("grpckit.observes");

interface Observes<Call, Result, Step> {
  readonly start: (call: Call) => Observation;
  readonly observe: (next: Step, call: Call, observer: CallObserver, run?: RunIn) => Promise<Result>;
}

type Observing<I, Call, Result, Step> = I & { readonly [observes]: Observes<Call, Result, Step> };

/**
 * An interceptor that only watches calls: `start` is called once per call,
 * before the rest of the chain, and returns the call's observer (and,
 * optionally, what to run the rest in). The built-in logging, metrics and
 * tracing interceptors are made this way; neighbours in a chain then share
 * one pass over the call's messages instead of one each.
 */
export function observingServerInterceptor(
  start: (call: ServerCall) => Observation,
): Observing<ServerInterceptor, ServerCall, ServerResult, ServerStep> {
  return observing(start, observeServerCall);
}

/** The client-side {@link observingServerInterceptor}. */
export function observingClientInterceptor(
  start: (call: ClientCall) => Observation,
): Observing<ClientInterceptor, ClientCall, ClientResult, ClientStep> {
  return observing(start, observeClientCall);
}

function observing<Call, Result, Step>(
  start: (call: Call) => Observation,
  observe: (next: Step, call: Call, observer: CallObserver, run?: RunIn) => Promise<Result>,
): Observing<(next: Step) => (call: Call) => Promise<Result>, Call, Result, Step> {
  const interceptor = (next: Step) => (call: Call) => {
    const { observer, run } = start(call);
    return observe(next, call, observer, run);
  };
  return Object.assign(interceptor, { [observes]: { start, observe }, [fusesWith]: fusedInterceptor });
}

/**
 * Replaces each run of two or more neighbouring observing interceptors in
 * `interceptors` by one that observes the call once on behalf of all. What
 * each observer sees is unchanged: requests reach them outermost first,
 * responses and the end innermost first (as through nested interceptors), and
 * each starts, in order, before the rest of the chain runs, inside the `run`
 * of those before it... (the outermost's `run` wraps the others').
 */
export function fuseObservers<I>(interceptors: readonly I[]): I[] {
  return fuseInterceptors(interceptors);
}

function observesOf(interceptor: unknown): Observes<unknown, unknown, unknown> | undefined {
  return typeof interceptor === "function"
    ? (interceptor as Partial<Observing<unknown, unknown, unknown, unknown>>)[observes]
    : undefined;
}

function fusedInterceptor<I>(group: readonly I[]): I {
  const parts = group.map((interceptor) => observesOf(interceptor) as Observes<unknown, unknown, unknown>);
  const { observe } = parts[0] as Observes<unknown, unknown, unknown>;
  const fused = (next: unknown) => (call: unknown) => {
    const observers = new ObserverGroup(parts, call as ServerCall | ClientCall);
    return observe(next, call, observers, observers.run());
  };
  return fused as I;
}

/** Runs `fn` inside each of `runs`, the first outermost. */
function inRuns<T>(runs: readonly RunIn[], fn: () => T, from = 0): T {
  const run = runs[from];
  return run === undefined ? fn() : run(() => inRuns(runs, fn, from + 1));
}

/** Marks that no response waits in an ObserverGroup. */
const NO_RESPONSE: unique symbol = Symbol("no response");

/**
 * One observer for several, in the order nested interceptors would see the
 * call: requests outermost first; responses and the end innermost first. An
 * observer that throws does not keep the others from their turn; the first
 * error is thrown after.
 */
class ObserverGroup implements CallObserver {
  private readonly observers: CallObserver[];
  /** The runs of the observers that have one, outermost first. */
  private runs: RunIn[] | undefined;
  /** The observers saw the call's one request as they started: it is only counted. */
  private requestSeen: boolean;
  /** The call's one response, held back until its end (see {@link deferResponse}). */
  private pending: unknown = NO_RESPONSE;

  /** Starts the observers of `parts` for `call`, in order. */
  constructor(parts: readonly Observes<unknown, unknown, unknown>[], call: ServerCall | ClientCall) {
    this.observers = new Array<CallObserver>(parts.length);
    this.requestSeen = !call.requestStream;
    this.startFrom(parts, call, 0);
  }

  /**
   * Starts the observers from `from` on. Each starts inside the runs of those
   * before it and, for a call with one request, sees it right after it
   * starts, before the next one starts: as it would nested.
   */
  private startFrom(
    parts: readonly Observes<unknown, unknown, unknown>[],
    call: ServerCall | ClientCall,
    from: number,
  ) {
    for (let i = from; i < parts.length; i++) {
      const { observer, run } = (parts[i] as Observes<unknown, unknown, unknown>).start(call);
      if (!call.requestStream) {
        observer.onRequest?.(call.request);
      }
      this.observers[i] = observer;
      if (run !== undefined) {
        if (this.runs === undefined) {
          this.runs = [run];
        } else {
          this.runs.push(run);
        }
        if (i + 1 < parts.length) {
          run(() => this.startFrom(parts, call, i + 1));
        }
        return;
      }
    }
  }

  /** What to run the rest of the call in: the observers' runs, the first outermost. */
  run(): RunIn | undefined {
    const { runs } = this;
    if (runs === undefined || runs.length <= 1) {
      return runs?.[0];
    }
    return (fn) => inRuns(runs, fn);
  }

  onRequest(message: AnyMessage): void {
    if (this.requestSeen) {
      this.requestSeen = false;
      return;
    }
    for (const observer of this.observers) {
      observer.onRequest?.(message);
    }
  }

  onResponse(message: unknown): void {
    for (let i = this.observers.length - 1; i >= 0; i--) {
      this.observers[i]?.onResponse?.(message);
    }
  }

  /** The call's one response: each observer sees it right before its end, as nested. */
  deferResponse(message: unknown): void {
    this.pending = message;
  }

  onEnd(end: CallEnd): void {
    const { pending } = this;
    this.pending = NO_RESPONSE;
    let failure: { error: unknown } | undefined;
    for (let i = this.observers.length - 1; i >= 0; i--) {
      const observer = this.observers[i] as CallObserver;
      try {
        if (pending !== NO_RESPONSE) {
          observer.onResponse?.(pending);
        }
        observer.onEnd(end);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) {
      throw failure.error;
    }
  }
}

/**
 * One observed call: counts its messages and reports its end once, to
 * `observer`; `run` (when not the identity) wraps the call of the next step
 * and each pull of a response. One object per call, whose methods the
 * promise reactions call, rather than a closure per event.
 */
class ObservedCall {
  requests = 0;
  responses = 0;
  private ended = false;
  /** Stops listening for the call being cut short (a server's). */
  stopWatching: (() => void) | undefined;
  /**
   * A server's call whose end is the status the server tells (see
   * {@link observeServerCall}): what this observer sees of the outcome only
   * waits for it.
   */
  awaitsAnswer = false;
  /** The error this observer saw the call fail with, while it awaits the answer. */
  private seen: unknown;
  /** The call's one response, held back until its end (see {@link response}). */
  private pending: unknown = NO_RESPONSE;

  constructor(
    private readonly observer: CallObserver,
    readonly run: RunIn | undefined,
    /** A client's: its failures are reported as RpcErrors. */
    private readonly client: boolean,
  ) {}

  request(message: AnyMessage): void {
    this.requests++;
    this.observer.onRequest?.(message);
  }

  /**
   * A response; `last`: the call's one response, its end comes next. The
   * observer sees that one right before the end, as nested interceptors
   * would show it when the end waits for the server's answer.
   */
  response(message: unknown, last = false): void {
    this.responses++;
    if (last && !this.ended && this.observer instanceof ObserverGroup) {
      this.observer.deferResponse(message);
    } else if (last && !this.ended && this.awaitsAnswer) {
      this.pending = message;
    } else {
      this.observer.onResponse?.(message);
    }
  }

  end(code: Code, error: unknown, message: string): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.stopWatching?.();
    const { pending } = this;
    if (pending !== NO_RESPONSE) {
      this.pending = NO_RESPONSE;
      this.observer.onResponse?.(pending);
    }
    this.observer.onEnd({ code, message, error, requests: this.requests, responses: this.responses });
  }

  /** The call (the next step, its result, or its response stream) succeeded. */
  succeeded(): void {
    if (!this.awaitsAnswer) {
      this.end(Code.OK, undefined, "");
    }
  }

  /** The call (the next step, its result, or its response stream) failed with `error`. */
  failed(error: unknown): void {
    if (this.awaitsAnswer) {
      this.seen ??= error;
    } else if (this.client) {
      const failure = RpcError.from(error);
      this.end(failure.code, failure, failure.rawMessage);
    } else {
      this.end(serverCodeOf(error), error, serverMessageOf(error));
    }
  }

  /** The response stream was closed before its end: the call was cancelled, or (on a server) failed outside it. */
  closedEarly(): void {
    if (!this.awaitsAnswer) {
      const reason = new RpcError(Code.CANCELLED, "the response stream was closed before its end");
      this.end(Code.CANCELLED, reason, reason.rawMessage);
    }
  }

  /** The status the server answered: the end, with what this observer saw fail, if anything. */
  answered(answer: Answer): void {
    const error = answer.code === Code.OK ? undefined : (this.seen ?? answer.error);
    this.end(answer.code, error, answer.message);
  }

  /** The result of the next step: one response ends the call; a stream is observed as it is pulled. */
  settled<R extends ServerResult | ClientResult>(result: R): R {
    if (!result.responseStream) {
      this.response(result.response, true);
      this.succeeded();
      return result;
    }
    return { responseStream: true, responses: observedResponses(result.responses, this) } as R;
  }
}

/**
 * Calls `next` with `call` and reports the call's messages and end to
 * `observer`. `run` wraps the call of `next` and each pull of a response, so
 * that the handler runs in its context.
 *
 * (Here and below, promise reactions rather than async functions: every
 * observing interceptor of a chain runs this once per call, and wraps each
 * message of a stream once.)
 */
export function observeServerCall(
  next: ServerStep,
  call: ServerCall,
  observer: CallObserver,
  run: RunIn = direct,
): Promise<ServerResult> {
  const observed = new ObservedCall(observer, run === direct ? undefined : run, false);
  // A call cut short ends now, even if its handler goes on.
  observed.stopWatching = whenCutShort(call.context, (reason) =>
    observed.end(serverCodeOf(reason), reason, serverMessageOf(reason)),
  );
  // Otherwise it ends with the status the server sends, once it is known.
  observed.awaitsAnswer = whenAnswered(call.context, (answer) => observed.answered(answer));
  return observe(next, call, observed);
}

/**
 * Calls `next` with `call` and reports the call's messages and end to
 * `observer`. `run` wraps the call of `next` and each pull of a response.
 */
export function observeClientCall(
  next: ClientStep,
  call: ClientCall,
  observer: CallObserver,
  run: RunIn = direct,
): Promise<ClientResult> {
  return observe(next, call, new ObservedCall(observer, run === direct ? undefined : run, true));
}

/** What the two sides share: a call's request(s), result and end, observed. */
function observe<C extends ServerCall | ClientCall, R extends ServerResult | ClientResult>(
  next: (call: C) => Promise<R>,
  call: C,
  observed: ObservedCall,
): Promise<R> {
  let pending: Promise<R>;
  try {
    let input: C;
    if (call.requestStream) {
      input = { ...call, requests: counted(call.requests, observed) };
    } else {
      observed.request(call.request);
      input = call;
    }
    const { run } = observed;
    pending = run === undefined ? next(input) : run(() => next(input));
  } catch (error) {
    observed.failed(error);
    return Promise.reject(error);
  }
  return pending.then(
    (result) => observed.settled(result),
    (error: unknown) => {
      observed.failed(error);
      throw error;
    },
  );
}

/** The requests, each counted as the handler (server) or the transport (client) pulls it. */
function counted(requests: AsyncIterable<AnyMessage>, observed: ObservedCall): AsyncIterable<AnyMessage> {
  return relay(requests, (result) => {
    if (result.done !== true) {
      observed.request(result.value);
    }
    return result;
  });
}

/**
 * The responses, counted; their end, error or early close ends the call. An
 * iterator object rather than a generator, so that each pull runs in `run`.
 */
function observedResponses<T>(responses: AsyncIterable<T>, observed: ObservedCall): AsyncIterable<T> {
  const run = observed.run ?? direct;
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = responses[Symbol.asyncIterator]();
      // One reaction per message rather than an async function's frames:
      // every observing interceptor wraps the stream once.
      const settled = (result: IteratorResult<T>): IteratorResult<T> => {
        if (result.done === true) {
          observed.succeeded();
        } else {
          observed.response(result.value);
        }
        return result;
      };
      const failed = (error: unknown): never => {
        observed.failed(error);
        throw error;
      };
      const pull = () => iterator.next();
      return {
        next() {
          let pulled: Promise<IteratorResult<T>>;
          try {
            pulled = run(pull);
          } catch (error) {
            observed.failed(error);
            return Promise.reject(error);
          }
          return pulled.then(settled, failed);
        },
        async return(value?: unknown) {
          // Closed before its end: the call was cancelled (or its reader stopped).
          observed.closedEarly();
          if (iterator.return === undefined) {
            return { done: true, value: undefined };
          }
          return run(() => (iterator.return as (value?: unknown) => Promise<IteratorResult<T>>)(value));
        },
      };
    },
  };
}
