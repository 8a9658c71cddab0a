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
import { encodeMessage } from "../codec.js";
import { Code, RpcError } from "../errors.js";
import { firstEvent, readMessages } from "../internal/streams.js";
import type { MethodSpec, ServerContext, ServiceSpec } from "../service.js";
import { CANCELLED, CallState, type ErrorReporter } from "./call-state.js";

type Message = MessageShape<DescMessage>;

/** A user's handler function, with the object to call it on. */
export interface BoundHandler {
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
  readonly fn: (this: unknown, input: unknown, context: ServerContext) => unknown;
  readonly self: unknown;
  readonly inFlight: Set<CallState>;
  readonly report: ErrorReporter;
}

/** The grpc-js handler type names, as `Server.register` takes them. */
export type GrpcHandlerType = "unary" | "serverStream" | "clientStream" | "bidi";

/**
 * Adapts a user's handler to grpc-js. Responses are encoded here rather than
 * by grpc-js, so that a response that cannot be encoded is reported like any
 * other handler error; grpc-js then sends the bytes as they are.
 */
export function grpcHandler(bound: BoundHandler): { func: UntypedHandleCall; type: GrpcHandlerType } {
  switch (bound.method.kind) {
    case "unary":
      return { func: unaryHandler(bound), type: "unary" };
    case "server_streaming":
      return { func: serverStreamingHandler(bound), type: "serverStream" };
    case "client_streaming":
      return { func: clientStreamingHandler(bound), type: "clientStream" };
    case "bidi_streaming":
      return { func: bidiStreamingHandler(bound), type: "bidi" };
  }
}

/** Serializes nothing: responses reach grpc-js already encoded. */
export function passThrough(bytes: Buffer): Buffer {
  return bytes;
}

function begin(bound: BoundHandler, call: ConstructorParameters<typeof CallState>[2]): CallState {
  return new CallState(bound.service, bound.method, call, bound.inFlight, bound.report);
}

function unaryHandler(bound: BoundHandler): handleUnaryCall<Message, Buffer> {
  return (call, callback) => {
    const state = begin(bound, call);
    respondOnce(state, callback, async () => bound.fn.call(bound.self, call.request, state.context));
  };
}

function clientStreamingHandler(bound: BoundHandler): handleClientStreamingCall<Message, Buffer> {
  return (call, callback) => {
    const state = begin(bound, call);
    const requests = readRequests(call, state);
    respondOnce(state, callback, async () => bound.fn.call(bound.self, requests, state.context));
  };
}

function serverStreamingHandler(bound: BoundHandler): handleServerStreamingCall<Message, Buffer> {
  return (call) => {
    const state = begin(bound, call);
    void respondStreaming(state, call, () => bound.fn.call(bound.self, call.request, state.context));
  };
}

function bidiStreamingHandler(bound: BoundHandler): handleBidiStreamingCall<Message, Buffer> {
  return (call) => {
    const state = begin(bound, call);
    const requests = readRequests(call, state);
    void respondStreaming(state, call, () => bound.fn.call(bound.self, requests, state.context));
  };
}

/**
 * The request stream of a call, for its handler. Throws the cancellation's
 * reason if the call is cancelled before the stream ends.
 */
async function* readRequests(call: Readable, state: CallState): AsyncGenerator<Message, void, undefined> {
  yield* readMessages<Message>(call, () => state.reason ?? closedEarly());
  // A grpc-js client that cancels sends END_STREAM right before RST_STREAM
  // (grpc/grpc-node#2583), so a cancelled call first looks like a complete
  // request stream, and a handler would act on partial input. Both frames
  // leave in one write; one turn of the event loop lets the reset arrive.
  await new Promise(setImmediate);
  if (state.cancelled) {
    throw state.reason;
  }
}

function respondOnce(
  state: CallState,
  callback: Parameters<handleUnaryCall<Message, Buffer>>[1],
  run: () => Promise<unknown>,
): void {
  run()
    .then((response) => encodeResponse(state.context.method, response))
    .then(
      (bytes) => callback(null, bytes, state.finish()),
      (error: unknown) => {
        // A cancelled call has no one to answer; its errors are most often
        // the AbortErrors of the work its signal stopped.
        if (!state.cancelled) {
          callback(state.fail(error));
        }
      },
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
      call.end(state.finish());
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
 * when the call was cancelled first; then, the iterator is closed so the
 * generator's `finally` blocks run.
 */
async function writeAll(state: CallState, call: Writable, output: unknown): Promise<boolean> {
  const { method } = state.context;
  const iterator = asyncIteratorOf(output, method);
  let exhausted = false;
  try {
    for (;;) {
      if (call.destroyed) {
        return false;
      }
      const result = await state.race(iterator.next());
      if (result === CANCELLED) {
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
    if (!exhausted) {
      const closing = closeIterator(iterator, state);
      // A cancelled handler may be stuck in an await its signal will end;
      // the call is over anyway, so do not wait for its cleanup.
      if (!state.cancelled) {
        await closing;
      }
    }
  }
}

async function closeIterator(iterator: AsyncIterator<unknown>, state: CallState): Promise<void> {
  try {
    await iterator.return?.();
  } catch (error) {
    if (!state.cancelled) {
      state.reportError(error);
    }
  }
}

function asyncIteratorOf(output: unknown, method: MethodSpec): AsyncIterator<unknown> {
  if (typeof output === "object" && output !== null && Symbol.asyncIterator in output) {
    return (output as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }
  throw new TypeError(
    `the handler of ${method.path} must return an AsyncIterable, e.g. be an async generator function`,
  );
}

function encodeResponse(method: MethodSpec, response: unknown): Buffer {
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
  return encodeMessage(method.output, response as MessageInitShape<DescMessage>);
}

function closedEarly(): RpcError {
  return new RpcError(Code.CANCELLED, "the request stream closed before it ended");
}
