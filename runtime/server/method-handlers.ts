import type { Readable, Writable } from "node:stream";
import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  ServerWritableStream,
  UntypedHandleCall,
} from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { encodeMessage } from "../codec.js";
import { Code, RpcError } from "../errors.js";
import type { AnyMessage, ServerCall, ServerResult, ServerStep } from "../interceptor.js";
import { firstEvent, readMessages } from "../internal/streams.js";
import type { MethodSpec, ServerContext, ServiceSpec } from "../service.js";
import type { AnswerLimits } from "./bounded-answer.js";
import { CANCELLED, CallState, type ErrorReporter, type ServerSurfaceCall } from "./call-state.js";

type Message = MessageShape<DescMessage>;

/** A user's handler function, with the object to call it on. */
export interface BoundHandler {
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
  readonly fn: (this: unknown, input: unknown, context: ServerContext) => unknown;
  readonly self: unknown;
  readonly inFlight: Set<CallState>;
  readonly report: ErrorReporter;
  /** The size limits of what the call answers. */
  readonly limits: AnswerLimits;
  /**
   * The method's interceptors composed around the handler (see
   * {@link handlerStep}); undefined when the method has none, and then the
   * handler is called directly.
   */
  readonly step?: ServerStep | undefined;
}

/** What runs a call: the handler itself, or the interceptor chain around it. */
export type Invoke = (input: unknown, context: ServerContext) => unknown;

/** The grpc-js handler type names, as `Server.register` takes them. */
export type GrpcHandlerType = "unary" | "serverStream" | "clientStream" | "bidi";

/**
 * Adapts a user's handler to grpc-js. Responses are encoded here rather than
 * by grpc-js, so that a response that cannot be encoded is reported like any
 * other handler error; grpc-js then sends the bytes as they are.
 */
export function grpcHandler(bound: BoundHandler): { func: UntypedHandleCall; type: GrpcHandlerType } {
  const invoke = invoker(bound);
  switch (bound.method.kind) {
    case "unary":
      return { func: unaryHandler(bound, invoke), type: "unary" };
    case "server_streaming":
      return { func: serverStreamingHandler(bound, invoke), type: "serverStream" };
    case "client_streaming":
      return { func: clientStreamingHandler(bound, invoke), type: "clientStream" };
    case "bidi_streaming":
      return { func: bidiStreamingHandler(bound, invoke), type: "bidi" };
  }
}

/**
 * The innermost step of a method's interceptor chain: calls the handler and
 * answers its outcome as a {@link ServerResult}. A one-response handler's
 * answer is checked here, so that the interceptors around it see a bad answer
 * as the error the client gets.
 */
export function handlerStep(bound: Pick<BoundHandler, "fn" | "self" | "method">): ServerStep {
  const { fn, self, method } = bound;
  if (hasResponseStream(method)) {
    return async (call) => {
      const responses = fn.call(self, inputOf(call), call.context);
      checkIterable(responses, method); // fails early, in the chain, if it is not one
      return { responseStream: true, responses: responses as AsyncIterable<AnyMessage> };
    };
  }
  const answered = (response: unknown): ServerResult => {
    checkResponse(method, response);
    return { responseStream: false, response: response as AnyMessage };
  };
  // Not async: one reaction on the handler's promise, no frame of its own.
  return (call) => {
    try {
      const response = fn.call(self, inputOf(call), call.context);
      return isThenable(response) ? Promise.resolve(response).then(answered) : Promise.resolve(answered(response));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function inputOf(call: ServerCall): unknown {
  return call.requestStream ? call.requests : call.request;
}

function hasResponseStream(method: MethodSpec): boolean {
  return method.kind === "server_streaming" || method.kind === "bidi_streaming";
}

/**
 * Runs a call through the chain when there is one, else calls the handler
 * directly. The HTTP gateway (runtime/http) runs its calls through it too.
 */
export function invoker(bound: BoundHandler): Invoke {
  const { fn, self, step, service, method } = bound;
  if (step === undefined) {
    return (input, context) => fn.call(self, input, context);
  }
  const requestStream = method.kind === "client_streaming" || method.kind === "bidi_streaming";
  const callOf = requestStream
    ? (input: unknown, context: ServerContext): ServerCall => ({
        service,
        method,
        context,
        requestStream: true,
        requests: input as AsyncIterable<AnyMessage>,
      })
    : (input: unknown, context: ServerContext): ServerCall => ({
        service,
        method,
        context,
        requestStream: false,
        request: input as AnyMessage,
      });
  if (hasResponseStream(method)) {
    return (input, context) => streamOf(step(callOf(input, context)), method);
  }
  const oneResponse = (result: ServerResult): unknown => {
    if (result.responseStream) {
      throw new TypeError(`an interceptor of ${method.path} answered a stream; the method has one response`);
    }
    return result.response;
  };
  return (input, context) => step(callOf(input, context)).then(oneResponse);
}

/**
 * The responses of a chain's result, pulled on demand; closing it closes the
 * chain's iterable. Once the result is in, each pull goes straight to the
 * chain's iterator (no generator in between: one fewer hop per message).
 */
function streamOf(result: Promise<ServerResult>, method: MethodSpec): AsyncIterable<unknown> {
  let iterator: AsyncIterator<unknown> | undefined;
  const opened = result.then((settled) => {
    if (!settled.responseStream) {
      throw new TypeError(`an interceptor of ${method.path} answered one response; the method streams them`);
    }
    iterator = settled.responses[Symbol.asyncIterator]();
    return iterator;
  });
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => (iterator === undefined ? opened.then((opening) => opening.next()) : iterator.next()),
      return: async (value?: unknown) => {
        // Closed before the chain answered: close what it answers, if anything.
        const closing = iterator ?? (await opened.catch(() => undefined));
        return (await closing?.return?.(value)) ?? { done: true, value: undefined };
      },
    }),
  };
}

/** Serializes nothing: responses reach grpc-js already encoded. */
export function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

/**
 * The state of a new call. `watch`: listen for cancellation from the start,
 * as the streaming calls, which wait on their streams, must; a unary call
 * listens only if its handler reads `context.signal` (see CallState).
 */
function begin(bound: BoundHandler, call: ServerSurfaceCall, watch: boolean): CallState {
  return new CallState(bound.service, bound.method, call, bound.inFlight, bound.report, bound.limits, { watch });
}

function unaryHandler(bound: BoundHandler, invoke: Invoke): handleUnaryCall<Message, Buffer> {
  return (call, callback) => {
    const state = begin(bound, call, false);
    respondOnce(state, callback, call.request, invoke);
  };
}

function clientStreamingHandler(bound: BoundHandler, invoke: Invoke): handleClientStreamingCall<Message, Buffer> {
  return (call, callback) => {
    const state = begin(bound, call, true);
    respondOnce(state, callback, readRequests(call, state), invoke);
  };
}

function serverStreamingHandler(bound: BoundHandler, invoke: Invoke): handleServerStreamingCall<Message, Buffer> {
  return (call) => {
    const state = begin(bound, call, true);
    void respondStreaming(state, call, () => invoke(call.request, state.context));
  };
}

function bidiStreamingHandler(bound: BoundHandler, invoke: Invoke): handleBidiStreamingCall<Message, Buffer> {
  return (call) => {
    const state = begin(bound, call, true);
    const requests = readRequests(call, state);
    void respondStreaming(state, call, () => invoke(requests, state.context));
  };
}

/**
 * The request stream of a call, for its handler. Throws the cancellation's
 * reason if the call is cancelled before the stream ends.
 */
function readRequests(call: Readable, state: CallState): AsyncIterableIterator<Message> {
  return readMessages<Message>(call, () => state.reason ?? closedEarly(), {
    // A grpc-js client that cancels sends END_STREAM right before RST_STREAM
    // (grpc/grpc-node#2583), so a cancelled call first looks like a complete
    // request stream, and a handler would act on partial input. Both frames
    // leave in one write; one turn of the event loop lets the reset arrive.
    atEnd: async () => {
      await new Promise(setImmediate);
      if (state.cancelled) {
        throw state.reason;
      }
    },
  });
}

/**
 * Calls the handler (or the chain) with `input` and answers its one response,
 * or its error as the status. The unary hot path: one reaction on the
 * handler's promise, none if it answers synchronously.
 */
function respondOnce(
  state: CallState,
  callback: Parameters<handleUnaryCall<Message, Buffer>>[1],
  input: unknown,
  invoke: Invoke,
): void {
  const fail = (error: unknown): void => {
    // A cancelled call has no one to answer; its errors are most often
    // the AbortErrors of the work its signal stopped.
    if (!state.cancelled) {
      callback(state.fail(error));
    }
  };
  const answer = (response: unknown): void => {
    let bytes: Buffer;
    try {
      bytes = encodeResponse(state.context.method, response);
    } catch (error) {
      fail(error);
      return;
    }
    const trailer = state.succeed();
    if (trailer === undefined || trailer instanceof Metadata) {
      callback(null, bytes, trailer);
    } else {
      callback(trailer);
    }
  };
  let outcome: unknown;
  try {
    outcome = invoke(input, state.context);
  } catch (error) {
    fail(error);
    return;
  }
  if (isThenable(outcome)) {
    outcome.then(answer, fail);
  } else {
    answer(outcome);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Writes the handler's output as it comes, then the status with the trailers.
 * An error thrown by the handler or its iterator is sent as the status, after
 * the messages written before it.
 */
async function respondStreaming(
  state: CallState,
  call: ServerWritableStream<Message, Buffer> | ServerDuplexStream<Message, Buffer>,
  run: () => unknown,
): Promise<void> {
  try {
    const completed = await writeAll(state, call, run());
    if (completed) {
      const trailer = state.succeed();
      if (trailer === undefined || trailer instanceof Metadata) {
        call.end(trailer);
      } else {
        call.emit("error", trailer);
      }
    } else if (!state.cancelled) {
      // The stream was destroyed under the writer: no status will be sent, so
      // the call ends as cut short (observers waiting for its answer hear it).
      state.abort(new RpcError(Code.CANCELLED, "the call's stream closed"));
    }
  } catch (error) {
    if (!state.cancelled) {
      // grpc-js's streams send an 'error' event's status as the call's status.
      call.emit("error", state.fail(error));
    }
  }
}

/**
 * Pulls each message of `output` only once the previous one is written, and
 * waits for 'drain' when the stream's buffer is full: a fast generator never
 * runs ahead of a slow client by more than the HTTP/2 flow-control window and
 * the stream's high-water mark. Returns true when `output` is exhausted, false
 * when the call was cancelled first.
 *
 * Once the call is cut short, the iterator is closed at once, so that the
 * generator's `finally` blocks run and an iterator waiting for events that
 * may never come (e.g. `events.on()`) stops: one listener per call rather
 * than a race per message. An async generator busy in an `await` closes once
 * that settles.
 */
async function writeAll(state: CallState, call: Writable, output: unknown): Promise<boolean> {
  const { method } = state.context;
  const closer = new IteratorCloser(asyncIteratorOf(output, method), state);
  const { iterator } = closer;
  const stopWatching = state.whenCutShort(closer.close);
  let exhausted = false;
  try {
    for (;;) {
      if (call.destroyed || state.cancelled) {
        return false;
      }
      const result = await iterator.next();
      if (state.cancelled) {
        return false;
      }
      if (result.done === true) {
        exhausted = true;
        return true;
      }
      if (!call.write(encodeResponse(method, result.value))) {
        if ((await state.race(firstEvent(call, ["drain", "close"]))) === CANCELLED) {
          return false;
        }
      }
    }
  } finally {
    stopWatching();
    if (!exhausted) {
      const closing = closer.close();
      // A cancelled handler may be stuck in an await its signal will end;
      // the call is over anyway, so do not wait for its cleanup.
      if (!state.cancelled) {
        await closing;
      }
    }
  }
}

/** Closes a handler's iterator once; an error of its cleanup is reported unless the call was cut short. */
class IteratorCloser {
  private closing: Promise<void> | undefined;

  constructor(
    readonly iterator: AsyncIterator<unknown>,
    private readonly state: CallState,
  ) {}

  readonly close = (): Promise<void> => {
    this.closing ??= this.run();
    return this.closing;
  };

  private async run(): Promise<void> {
    try {
      await this.iterator.return?.();
    } catch (error) {
      if (!this.state.cancelled) {
        this.state.reportError(error);
      }
    }
  }
}

function asyncIteratorOf(output: unknown, method: MethodSpec): AsyncIterator<unknown> {
  checkIterable(output, method);
  return output[Symbol.asyncIterator]();
}

function checkIterable(output: unknown, method: MethodSpec): asserts output is AsyncIterable<unknown> {
  if (typeof output !== "object" || output === null || !(Symbol.asyncIterator in output)) {
    throw new TypeError(
      `the handler of ${method.path} must return an AsyncIterable, e.g. be an async generator function`,
    );
  }
}

function encodeResponse(method: MethodSpec, response: unknown): Buffer {
  checkResponse(method, response);
  return encodeMessage(method.output, response as MessageInitShape<DescMessage>);
}

/** Throws a TypeError that says what is wrong when `response` cannot be a response of `method`. */
export function checkResponse(method: MethodSpec, response: unknown): void {
  if (typeof response !== "object" || response === null) {
    throw new TypeError(
      `the handler of ${method.path} returned ${String(response)}: return a message or a plain object ({} for an empty message)`,
    );
  }
  const typeName = (response as { $typeName?: unknown }).$typeName;
  if (typeName !== undefined && typeName !== method.output.typeName) {
    throw new TypeError(
      `the handler of ${method.path} returned a ${String(typeName)}, not a ${method.output.typeName}`,
    );
  }
}

function closedEarly(): RpcError {
  return new RpcError(Code.CANCELLED, "the request stream closed before it ended");
}
