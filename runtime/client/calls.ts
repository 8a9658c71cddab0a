import type { EventEmitter } from "node:events";
import type { Readable, Writable } from "node:stream";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { CallOptions as GrpcCallOptions, MethodDefinition, StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { Code, RpcError } from "../errors.js";
import { firstEvent, iterationDone, type ReadHooks, readMessages } from "../internal/streams.js";
import { toMetadata } from "../metadata.js";
import type { CallOptions, RequestStream } from "../service.js";
import type { PickOptions, Transport } from "./transport.js";

type Message = MessageShape<DescMessage>;
/** A method's grpc-js definition: its path and (de)serializers. */
export type GrpcMethod = MethodDefinition<Message, Message>;
type AnyRequests = RequestStream<DescMessage>;

/** A grpc-js client call of any kind: they all are EventEmitters with cancel(). */
type GrpcCall = EventEmitter & { cancel(): void };

/** A grpc-js callback of a call with one response. */
type ResponseCallback = (error: unknown, value?: Message) => void;

/** Unary: one request, one response. */
export function callUnary(
  transport: Transport,
  method: GrpcMethod,
  request: unknown,
  options: CallOptions = {},
): Promise<Message> {
  return oneResponse(transport, options, (start, callback) =>
    transport
      .pick(start.pick)
      .makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request as Message,
        start.metadata,
        start.grpcOptions,
        callback,
      ),
  );
}

/** Client streaming: requests from any iterable, written with backpressure; one response. */
export function callClientStreaming(
  transport: Transport,
  method: GrpcMethod,
  requests: AnyRequests,
  options: CallOptions = {},
): Promise<Message> {
  return oneResponse(
    transport,
    options,
    (start, callback) =>
      transport
        .pick(start.pick)
        .makeClientStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          start.metadata,
          start.grpcOptions,
          callback,
        ),
    (call, observer) => writeRequests(call, requests, observer),
  );
}

/** Server streaming: one request, a stream of responses, pulled as the caller iterates. */
export function callServerStreaming(
  transport: Transport,
  method: GrpcMethod,
  request: unknown,
  options: CallOptions = {},
): AsyncIterableIterator<Message> {
  return streamOfResponses(transport, options, (start) =>
    transport
      .pick(start.pick)
      .makeServerStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request as Message,
        start.metadata,
        start.grpcOptions,
      ),
  );
}

/**
 * Bidi streaming: requests are written from the iterable while responses are
 * read, concurrently; both sides keep backpressure.
 */
export function callBidiStreaming(
  transport: Transport,
  method: GrpcMethod,
  requests: AnyRequests,
  options: CallOptions = {},
): AsyncIterableIterator<Message> {
  return streamOfResponses(
    transport,
    options,
    (start) =>
      transport
        .pick(start.pick)
        .makeBidiStreamRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          start.metadata,
          start.grpcOptions,
        ),
    (call, observer) => writeRequests(call, requests, observer),
  );
}

/** Writes a call's requests; see {@link writeRequests}. */
type RequestWriter<C> = (call: C, observer: CallObserver) => Promise<void>;

/**
 * A call with one response (unary, client streaming). With `write`, writes
 * the requests to the call; an error of their iterable cancels the call and
 * is what the caller sees.
 */
function oneResponse<C extends GrpcCall>(
  transport: Transport,
  callOptions: CallOptions,
  open: (start: Start, callback: ResponseCallback) => C,
  write?: RequestWriter<C>,
): Promise<Message> {
  const options = withParent(callOptions);
  return new Promise((resolve, reject) => {
    const start = startCall(options);
    if (start instanceof RpcError) {
      reject(start);
      return;
    }
    let response: Message | undefined;
    let error: unknown;
    let inputFailure: RpcError | undefined;
    try {
      const call = open(start, (err, value) => {
        if (err) {
          error = err;
        } else {
          response = value;
        }
      });
      // grpc-js emits 'status' right after the callback: settle then, once
      // onTrailer has seen the trailers.
      const observer: CallObserver = new CallObserver(call, options, transport.track?.(call), () => {
        const failure = inputFailure ?? observer.failureOf(error);
        failure === undefined ? resolve(response as Message) : reject(failure);
      });
      if (write !== undefined) {
        write(call, observer).catch((cause: unknown) => {
          inputFailure ??= RpcError.from(cause);
          observer.cancelIfRunning();
        });
      }
    } catch (cause) {
      reject(RpcError.from(cause, Code.UNAVAILABLE));
    }
  });
}

/**
 * A call with a stream of responses (server streaming, bidi). The call starts
 * on the first `next()`; leaving the loop early (break, throw, return)
 * cancels it. With `write`, writes the requests concurrently; an error of
 * their iterable cancels the call and is what the caller sees.
 */
function streamOfResponses<C extends GrpcCall & Readable>(
  transport: Transport,
  callOptions: CallOptions,
  open: (start: Start) => C,
  write?: RequestWriter<C>,
): AsyncIterableIterator<Message> {
  return new ResponseStream(transport, callOptions, open, write);
}

/**
 * The iterator of {@link streamOfResponses}. An object rather than an async
 * generator: each pull goes straight to the call's message reader, without a
 * generator's frames in between, once per message.
 */
class ResponseStream<C extends GrpcCall & Readable> implements AsyncIterableIterator<Message> {
  /** The call's responses, once it has started. */
  private reader: AsyncIterator<Message> | undefined;
  private observer: CallObserver | undefined;
  private inputFailure: RpcError | undefined;
  /** The iteration is over before it started: closed, or the call could not start. */
  private over = false;

  constructor(
    private readonly transport: Transport,
    private readonly callOptions: CallOptions,
    private readonly open: (start: Start) => C,
    private readonly write: RequestWriter<C> | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this;
  }

  next(): Promise<IteratorResult<Message>> {
    if (this.reader === undefined) {
      if (this.over) {
        return iterationDone();
      }
      try {
        this.reader = this.start();
      } catch (error) {
        this.over = true;
        return Promise.reject(error);
      }
    }
    return this.reader.next();
  }

  /** Leaving the loop early: stops the server, and ends the iteration. */
  return(): Promise<IteratorResult<Message>> {
    this.over = true;
    this.observer?.cancelIfRunning();
    return this.reader?.return?.() ?? iterationDone();
  }

  throw(error?: unknown): Promise<IteratorResult<Message>> {
    void this.return();
    return Promise.reject(error);
  }

  private start(): AsyncIterator<Message> {
    const options = withParent(this.callOptions);
    const start = startCall(options);
    if (start instanceof RpcError) {
      throw start;
    }
    let call: C;
    try {
      call = this.open(start);
    } catch (cause) {
      throw RpcError.from(cause, Code.UNAVAILABLE);
    }
    const observer = new CallObserver(call, options, this.transport.track?.(call));
    this.observer = observer;
    if (this.write !== undefined) {
      this.write(call, observer).catch((cause: unknown) => {
        this.inputFailure ??= RpcError.from(cause);
        observer.cancelIfRunning();
      });
    }
    return observer.responses(call, {
      failure: (error) => {
        observer.cancelIfRunning();
        return this.inputFailure ?? observer.failureOf(error);
      },
      atEnd: () => {
        if (this.inputFailure !== undefined) {
          throw this.inputFailure;
        }
        observer.throwIfFailed();
      },
    });
  }
}

/**
 * Writes each request once the previous one is accepted, waiting for 'drain'
 * when the stream's buffer is full, then half-closes. Stops pulling requests
 * as soon as the call has ended. Rejects with the error of the iterable.
 */
async function writeRequests(call: Writable, requests: AnyRequests, observer: CallObserver): Promise<void> {
  for await (const request of requests) {
    if (observer.ended) {
      return;
    }
    if (!call.write(request)) {
      if (observer.ended) {
        return;
      }
      await firstEvent(call, ["drain", "status", "close"]);
    }
  }
  if (!observer.ended) {
    call.end();
  }
}

interface Start {
  metadata: Metadata;
  grpcOptions: GrpcCallOptions;
  pick: PickOptions | undefined;
}

/**
 * The options of a call made with a `parent`: the parent's signal cancels
 * it too, and its deadline is the earlier of its own and the parent's.
 */
function withParent(options: CallOptions): CallOptions {
  const { parent } = options;
  if (parent === undefined) {
    return options;
  }
  const signal = options.signal === undefined ? parent.signal : anySignal(options.signal, parent.signal);
  const own = deadlineOf(options);
  const inherited = parent.deadline?.getTime();
  const deadline = own === undefined ? inherited : inherited === undefined ? own : Math.min(own, inherited);
  return { ...options, signal, timeoutMs: undefined, deadline };
}

/** A signal aborted when either is, with its reason. */
function anySignal(a: AbortSignal, b: AbortSignal): AbortSignal {
  if (typeof AbortSignal.any === "function") {
    return AbortSignal.any([a, b]);
  }
  // Node before 20.3.
  const controller = new AbortController();
  for (const signal of [a, b]) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  }
  return controller.signal;
}

/** Checks the signal and converts the options, or says why the call cannot start. */
function startCall(options: CallOptions): Start | RpcError {
  if (options.signal?.aborted) {
    return abortedError(options.signal);
  }
  try {
    // Copied: grpc-js adds headers of its own to the metadata of a call.
    const metadata =
      options.metadata === undefined
        ? new Metadata()
        : options.metadata instanceof Metadata
          ? options.metadata.clone()
          : toMetadata(options.metadata);
    if (options.waitForReady !== undefined) {
      metadata.setOptions({ ...metadata.getOptions(), waitForReady: options.waitForReady });
    }
    const grpcOptions: GrpcCallOptions = {};
    const deadline = deadlineOf(options);
    if (deadline !== undefined) {
      grpcOptions.deadline = deadline;
    }
    const pick = options.compression === undefined ? undefined : { compression: options.compression };
    return { metadata, grpcOptions, pick };
  } catch (cause) {
    return RpcError.from(cause, Code.INTERNAL);
  }
}

/** The earlier of `timeoutMs` from now and `deadline`, in epoch milliseconds. */
function deadlineOf(options: CallOptions): number | undefined {
  const { timeoutMs, deadline } = options;
  const fromTimeout = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const absolute = deadline === undefined ? undefined : deadline instanceof Date ? deadline.getTime() : deadline;
  if (fromTimeout === undefined || absolute === undefined) {
    return fromTimeout ?? absolute;
  }
  return Math.min(fromTimeout, absolute);
}

function abortedError(signal: AbortSignal): RpcError {
  const reason: unknown = signal.reason;
  if (reason instanceof RpcError) {
    // A parent call's cut short: its code says why (CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE).
    return new RpcError(reason.code, reason.rawMessage, { cause: reason });
  }
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new RpcError(Code.DEADLINE_EXCEEDED, "the call's signal timed out", { cause: reason });
  }
  return new RpcError(Code.CANCELLED, "the call's signal was aborted", { cause: reason });
}

function ignore(): void {}

function responsesClosedEarly(): RpcError {
  return new RpcError(Code.CANCELLED, "the response stream closed before it ended");
}

/**
 * Watches one call: passes headers and trailers to the caller's callbacks,
 * cancels the call when its signal aborts, and decides which error the caller
 * sees. A callback that throws fails the call with its error.
 */
class CallObserver {
  private status: StatusObject | undefined;
  private callbackFailure: RpcError | undefined;
  /** Cancels the call when the caller's signal aborts; made only for a call with a signal. */
  private readonly onAbort: (() => void) | undefined;

  constructor(
    private readonly call: GrpcCall,
    private readonly options: CallOptions,
    untrack: (() => void) | undefined,
    private readonly onEnd?: () => void,
  ) {
    const { onHeader } = options;
    if (onHeader !== undefined) {
      call.on("metadata", (metadata: Metadata) => this.invoke(onHeader, metadata));
    }
    call.on("status", (status: StatusObject) => {
      this.status = status;
      untrack?.();
      if (this.onAbort !== undefined) {
        options.signal?.removeEventListener("abort", this.onAbort);
      }
      this.invoke(options.onTrailer, status.metadata);
      this.onEnd?.();
    });
    // Streams emit the failed status as 'error' too; the status is what
    // counts. (A unary call is no stream and emits no 'error'.)
    if ("write" in call || "read" in call) {
      call.on("error", ignore);
    }
    if (options.signal !== undefined) {
      this.onAbort = () => this.cancelIfRunning();
      options.signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  /** Whether the call has its final status. */
  get ended(): boolean {
    return this.status !== undefined;
  }

  cancelIfRunning(): void {
    if (this.status === undefined) {
      this.call.cancel();
    }
  }

  /** The error the caller sees for `error` (a grpc-js error or undefined). */
  failureOf(error: unknown): RpcError | undefined {
    if (this.callbackFailure !== undefined) {
      return this.callbackFailure;
    }
    if (error === undefined) {
      return undefined;
    }
    const failure = RpcError.from(error);
    const { signal } = this.options;
    if (signal?.aborted && failure.code === Code.CANCELLED) {
      const aborted = abortedError(signal);
      return new RpcError(aborted.code, aborted.rawMessage, { metadata: failure.metadata, cause: aborted.cause });
    }
    return failure;
  }

  /**
   * The responses of a streaming call, in order, then its error if it failed.
   * Once the caller's signal aborts, no buffered response is handed out.
   */
  responses(stream: Readable, hooks: Pick<ReadHooks, "failure" | "atEnd">): AsyncIterableIterator<Message> {
    const { signal } = this.options;
    return readMessages<Message>(stream, responsesClosedEarly, {
      ...hooks,
      beforeEach:
        signal === undefined
          ? undefined
          : () => {
              if (signal.aborted) {
                throw abortedError(signal);
              }
            },
    });
  }

  /** Throws the error of a header or trailer callback, if one threw. */
  throwIfFailed(): void {
    if (this.callbackFailure !== undefined) {
      throw this.callbackFailure;
    }
  }

  private invoke(callback: ((metadata: Metadata) => void) | undefined, metadata: Metadata): void {
    if (callback === undefined) {
      return;
    }
    try {
      callback(metadata);
    } catch (error) {
      this.callbackFailure ??= RpcError.from(error);
      this.cancelIfRunning();
    }
  }
}
