import type { StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { type ContextValues, createContextValues } from "../context-values.js";
import { Code, RpcError } from "../errors.js";
import { type Answer, type AnswerHook, onAnswer } from "../internal/answered.js";
import { type CutShortHook, onCutShort } from "../internal/cut-short.js";
import { endedByServer } from "../internal/ended-by-server.js";
import { toMetadata } from "../metadata.js";
import type { AuthContext, MetadataInit, MethodSpec, ServerContext, ServiceSpec } from "../service.js";
import { type AnswerLimits, boundStatus, checkHeaders } from "./bounded-answer.js";
import { INTERNAL_MESSAGE } from "./unexpected.js";

function noop(): void {}

/** What observers hear of a call answered OK without trailers. */
const OK_ANSWER: Answer = Object.freeze({ code: Code.OK, message: "", error: undefined });

/** What `CallState.race` resolves with when the call is cancelled first. */
export const CANCELLED: unique symbol = Symbol("cancelled");

/*
 * grpc-js fires a timeout and a client's own RST_STREAM at nearly the same
 * moment; within this margin of the deadline, a cancellation counts as the
 * deadline passing.
 */
const DEADLINE_MARGIN_MS = 50;

/** What a call state needs of any of the four grpc-js server call objects. */
export interface ServerSurfaceCall {
  readonly cancelled: boolean;
  readonly metadata: Metadata;
  getPeer(): string;
  getAuthContext(): AuthContext;
  getDeadline(): Date | number;
  sendMetadata(metadata: Metadata): void;
  on(event: "cancelled", listener: () => void): unknown;
}

/** Receives the unexpected errors of handlers. */
export type ErrorReporter = (error: unknown, context: ServerContext) => void;

/**
 * The life of one server call: its context, its cancellation, and the rule
 * that it ends once. Created when grpc-js hands the call to the server.
 *
 * The grpc-js 'cancelled' event also fires after a call ends normally; once
 * the handler's outcome is handed over (`finish`), it no longer aborts the
 * signal, so `context.signal` means "the call was cut short".
 *
 * A unary call is the hot path, and most handlers use little of their
 * context: what costs an allocation (the signal and its AbortController, the
 * 'cancelled' listener, the trailers, the context values, the deadline's
 * Date, the peer's address) is made on first use. Until someone listens,
 * cancellation is read from grpc-js's own `call.cancelled` flag.
 */
export class CallState {
  readonly context: ServerContext;
  /** Why the call was cut short, once it is known to have been. */
  private abortReason: RpcError | undefined;
  private controller: AbortController | undefined;
  /** Who waits for the call to be cut short: {@link onCutShort} listeners. */
  private wakers: ((reason: RpcError) => void)[] | undefined;
  /** Resolves the current {@link race} with CANCELLED. */
  private racer: ((cancelled: typeof CANCELLED) => void) | undefined;
  private listening = false;
  private finished = false;
  /** The context's trailers, once something asked for them. */
  trailer: Metadata | undefined;
  /** Who waits for the status sent: {@link onAnswer} listeners (the observers). */
  private answerListeners: ((answer: Answer) => void)[] | undefined;

  constructor(
    service: ServiceSpec,
    method: MethodSpec,
    readonly call: ServerSurfaceCall,
    private readonly inFlight: Set<CallState>,
    private readonly report: ErrorReporter,
    private readonly limits: AnswerLimits,
    options: { watch: boolean },
  ) {
    this.context = new CallContext(this, service, method, call.metadata);
    inFlight.add(this);
    if (options.watch) {
      this.watch();
    }
  }

  /** Whether the call was cut short: by the client, its deadline, or a forced shutdown. */
  get cancelled(): boolean {
    if (this.abortReason !== undefined) {
      return true;
    }
    if (!this.finished && this.call.cancelled) {
      this.abort(this.cancellationReason());
      return true;
    }
    return false;
  }

  /** Why the call was cut short: an RpcError; undefined while it was not. */
  get reason(): RpcError | undefined {
    return this.cancelled ? this.abortReason : undefined;
  }

  /** The context's signal; made, with the 'cancelled' listener, on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.cancelled) {
        this.controller.abort(this.abortReason);
      } else {
        this.watch();
      }
    }
    return this.controller.signal;
  }

  /** The call's deadline as a Date, or undefined without one. */
  deadline(): Date | undefined {
    const ms = this.deadlineMs();
    return Number.isFinite(ms) ? new Date(ms) : undefined;
  }

  /** The call's deadline in epoch milliseconds; Infinity without one. */
  private deadlineMs(): number {
    const deadline = this.call.getDeadline();
    return deadline instanceof Date ? deadline.getTime() : deadline;
  }

  /**
   * Marks the handler's outcome as handed to grpc-js: from now on the call
   * can no longer be cancelled. Returns the trailers to send, if any were set.
   */
  finish(): Metadata | undefined {
    this.finished = true;
    this.inFlight.delete(this);
    return this.trailer;
  }

  /** Whether the handler's outcome was handed to grpc-js. */
  get isFinished(): boolean {
    return this.finished;
  }

  /**
   * Marks the call as failed with `error` and returns the status to send.
   * An RpcError answers with its code, message and metadata; anything else is
   * reported to `onError` and answers INTERNAL with a generic message, so no
   * internal detail reaches the client. The context's trailers go with both.
   */
  fail(error: unknown): StatusObject {
    const trailer = this.finish() ?? new Metadata();
    if (error instanceof RpcError) {
      return this.answer(error.toStatus(trailer), error);
    }
    this.reportError(error);
    return this.answer({ code: Code.INTERNAL, details: INTERNAL_MESSAGE, metadata: trailer.clone() }, error);
  }

  /**
   * Marks the call as answered OK and returns the trailers to send (undefined:
   * none), or, when they are too large to send, the INTERNAL status that
   * replaces them (reported to `onError`).
   */
  succeed(): Metadata | StatusObject | undefined {
    const trailer = this.finish();
    if (trailer === undefined) {
      // Nothing to bound: an OK status without trailers is as small as a status gets.
      this.tell(OK_ANSWER);
      return undefined;
    }
    const status = this.answer({ code: Code.OK, details: "", metadata: trailer }, undefined);
    return status.code === Code.OK ? trailer : status;
  }

  /**
   * Every status a call sends with trailers passes here: bounded to the
   * server's answer limits (a replaced one is reported), then told to the
   * observers.
   */
  private answer(status: StatusObject, error: unknown): StatusObject {
    const bounded = boundStatus(status, this.context.method.path, this.limits);
    if (bounded.problem !== undefined) {
      this.reportError(bounded.problem);
    }
    if (this.answerListeners !== undefined) {
      const { code, details } = bounded.status;
      this.tell({ code, message: details, error: bounded.problem ?? error });
    }
    return bounded.status;
  }

  /** Tells the observers the status sent, innermost first, as an outcome travels back through nested interceptors. */
  private tell(answer: Answer): void {
    const listeners = this.answerListeners;
    if (listeners === undefined) {
      return;
    }
    this.answerListeners = undefined;
    for (let i = listeners.length - 1; i >= 0; i--) {
      try {
        (listeners[i] as (answer: Answer) => void)(answer);
      } catch (failure) {
        this.reportError(failure);
      }
    }
  }

  /** Throws if `headers` are too large to send (see {@link checkHeaders}). */
  checkHeaders(headers: Metadata): void {
    checkHeaders(headers, this.context.method.path, this.limits);
  }

  /** Calls `listener` with the status the call is answered with, when it is. */
  whenAnswered(listener: (answer: Answer) => void): void {
    if (this.answerListeners === undefined) {
      this.answerListeners = [listener];
    } else {
      this.answerListeners.push(listener);
    }
  }

  /** Hands an unexpected error to `onError`, which must not break the server. */
  reportError(error: unknown): void {
    try {
      this.report(error, this.context);
    } catch {
      // onError is the last resort; there is nowhere left to report its failure.
    }
  }

  /** Aborts the handler's signal, unless the call already finished. */
  abort(reason: RpcError): void {
    if (this.finished || this.abortReason !== undefined) {
      return;
    }
    this.abortReason = reason;
    this.inFlight.delete(this);
    // Interceptors (which wrap the handler) hear of it before the handler's signal fires.
    const wakers = this.wakers;
    if (wakers !== undefined) {
      this.wakers = undefined;
      // A copy: a listener may stop listening (itself or another) as it runs.
      for (const wake of [...wakers]) {
        wake(reason);
      }
    }
    const racer = this.racer;
    this.racer = undefined;
    racer?.(CANCELLED);
    this.controller?.abort(reason);
  }

  /**
   * Waits for `promise`, or for the call to be cancelled, whichever is first.
   * For the one writer of a call: at most one race at a time (a second one
   * takes over the wake-up of the first). Cheaper than `Promise.race`
   * against a long-lived promise, which would keep one reaction per race
   * until the call ends, and than a waker per race: the promise is settled
   * by whichever comes first, and settling it again does nothing.
   */
  race<T>(promise: Promise<T>): Promise<T | typeof CANCELLED> {
    if (this.cancelled) {
      promise.catch(() => {});
      return Promise.resolve(CANCELLED);
    }
    this.watch();
    return new Promise<T | typeof CANCELLED>((resolve, reject) => {
      this.racer = resolve;
      promise.then(resolve, reject);
    });
  }

  /** Calls `listener` once if the call is cut short, at once if it was; returns what stops listening. */
  whenCutShort(listener: (reason: RpcError) => void): () => void {
    if (this.cancelled) {
      listener(this.abortReason as RpcError);
      return noop;
    }
    this.watch();
    // A list, not a Set: most calls have one listener (the observers'), and
    // a Set's table would be most of what this costs per call.
    let { wakers } = this;
    if (wakers === undefined) {
      // A literal: an empty array's first push would grow it to 16 slots.
      wakers = [listener];
      this.wakers = wakers;
    } else {
      wakers.push(listener);
    }
    return () => {
      const at = wakers.indexOf(listener);
      if (at !== -1) {
        wakers.splice(at, 1);
      }
    };
  }

  /** Listens for grpc-js's 'cancelled' event, which aborts the call (once). */
  private watch(): void {
    if (this.listening) {
      return;
    }
    this.listening = true;
    // `on` rather than `once`: the event comes once per call, and `once`
    // would wrap the listener in a state object and a bound function.
    this.call.on("cancelled", () => {
      if (!this.finished) {
        this.abort(this.cancellationReason());
      }
    });
    if (this.call.cancelled) {
      this.abort(this.cancellationReason());
    }
  }

  private cancellationReason(): RpcError {
    const ended = endedByServer(this.call.metadata);
    if (ended !== undefined) {
      return new RpcError(ended.code, ended.details);
    }
    const ms = this.deadlineMs();
    if (Number.isFinite(ms) && Date.now() >= ms - DEADLINE_MARGIN_MS) {
      return new RpcError(Code.DEADLINE_EXCEEDED, "the deadline passed");
    }
    return new RpcError(Code.CANCELLED, "the call was cancelled");
  }
}

/**
 * A call's {@link ServerContext}. The costly parts are made on first read:
 * see {@link CallState}. Its methods need no `this`, so they can be passed on
 * detached (`const { sendHeader } = context`).
 */
class CallContext implements ServerContext, CutShortHook, AnswerHook {
  readonly #state: CallState;
  #deadline: Date | undefined | null = null;
  #peer: string | undefined;
  #values: ContextValues | undefined;
  #headerSent = false;

  constructor(
    state: CallState,
    readonly service: ServiceSpec,
    readonly method: MethodSpec,
    readonly metadata: Metadata,
  ) {
    this.#state = state;
  }

  get deadline(): Date | undefined {
    if (this.#deadline === null) {
      this.#deadline = this.#state.deadline();
    }
    return this.#deadline;
  }

  get signal(): AbortSignal {
    return this.#state.signal;
  }

  get peer(): string {
    this.#peer ??= this.#state.call.getPeer();
    return this.#peer;
  }

  get trailer(): Metadata {
    this.#state.trailer ??= new Metadata();
    return this.#state.trailer;
  }

  get values(): ContextValues {
    this.#values ??= createContextValues();
    return this.#values;
  }

  [onCutShort](listener: (reason: unknown) => void): () => void {
    return this.#state.whenCutShort(listener);
  }

  [onAnswer](listener: (answer: Answer) => void): void {
    this.#state.whenAnswered(listener);
  }

  getAuthContext = (): AuthContext => this.#state.call.getAuthContext();

  sendHeader = (metadata: MetadataInit): void => {
    const state = this.#state;
    if (this.#headerSent || state.isFinished || state.cancelled) {
      return;
    }
    const headers = toMetadata(metadata);
    // Throws before anything is sent: the handler fails (INTERNAL, reported) unless it catches it.
    state.checkHeaders(headers);
    this.#headerSent = true;
    state.call.sendMetadata(headers);
  };
}
