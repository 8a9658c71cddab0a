import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from "@grpc/grpc-js";
import { Code } from "../errors.js";
import { recordEndedByServer } from "../internal/ended-by-server.js";
import type { ResolvedServerLimits } from "./limits.js";

/*
 * The calls a server lets in, and how long a call may wait on its client.
 * A grpc-js server interceptor, the outermost: it sees each call as its
 * headers arrive, before grpc-js reads a byte of its request and before
 * grpckit's interceptors or the handler run, and it sees each read the
 * handler asks for, so it knows when a call waits on its client rather than
 * on its handler.
 */

type InterceptingServerListener = Parameters<ServerInterceptingCallInterface["start"]>[0];
type PartialStatusObject = Parameters<ServerInterceptingCallInterface["sendStatus"]>[0];

/** Health Check calls are not counted: a server at its limit still answers its probes. */
const UNCOUNTED = "/grpc.health.v1.Health/Check";

/** The open calls of one method, against that method's own limit. */
interface MethodCount {
  open: number;
  readonly max: number;
}

/** The count of the server's open calls. */
interface ServerCount {
  open: number;
}

/** What {@link admission} makes: the interceptor, and the count it keeps. */
export interface Admission {
  readonly interceptor: ServerInterceptor;
  /** Calls in progress now, counted ones only (see `maxConcurrentCalls`). */
  open(): number;
  /** Stops the idle sweep's timer; calls keep being counted. */
  close(): void;
}

/**
 * The interceptor that enforces `maxConcurrentCalls`,
 * `maxConcurrentCallsPerMethod` and `requestIdleTimeoutMs`.
 */
export function admission(limits: ResolvedServerLimits): Admission {
  const { maxConcurrentCalls, maxConcurrentCallsPerMethod: perMethod, requestIdleTimeoutMs } = limits;
  const methods = new Map<string, MethodCount | null>();
  const sweeper = Number.isFinite(requestIdleTimeoutMs) ? new IdleSweeper(requestIdleTimeoutMs) : undefined;
  const server: ServerCount = { open: 0 };

  const methodCount = (path: string): MethodCount | null => {
    let count = methods.get(path);
    if (count === undefined) {
      const max = typeof perMethod === "number" ? perMethod : perMethod?.[path];
      count = max === undefined || max === Number.POSITIVE_INFINITY ? null : { open: 0, max };
      methods.set(path, count);
    }
    return count;
  };

  const interceptor: ServerInterceptor = (method, call) => {
    const { path } = method;
    if (path === UNCOUNTED) {
      return new AdmittedCall(call, sweeper, undefined, null);
    }
    const count = methodCount(path);
    if (server.open >= maxConcurrentCalls) {
      return new RefusedCall(
        call,
        `the server has ${maxConcurrentCalls} calls in progress, its limit (maxConcurrentCalls): try again later`,
      );
    }
    if (count !== null && count.open >= count.max) {
      return new RefusedCall(
        call,
        `${path} has ${count.max} calls in progress, its limit (maxConcurrentCallsPerMethod): try again later`,
      );
    }
    server.open += 1;
    if (count !== null) {
      count.open += 1;
    }
    return new AdmittedCall(call, sweeper, server, count);
  };
  return { interceptor, open: () => server.open, close: () => sweeper?.stop() };
}

/**
 * A call let in. Passes everything through to the call it wraps, without
 * grpc-js's responder machinery (nothing here changes a message): it only
 * watches the call's reads, writes and end. It is its own listener of the
 * call it wraps: no closures per call, on the path of every unary call.
 */
class AdmittedCall extends ServerInterceptingCall implements InterceptingServerListener {
  /** When the handler asked for a request that has not come yet (ms); -1 while it has not. */
  waitingSince = -1;
  private ended = false;
  private listener: InterceptingServerListener | undefined;
  /** The request metadata, which the handler's call holds too: where {@link expire} leaves its reason. */
  private metadata: Metadata | undefined;

  constructor(
    private readonly inner: ServerInterceptingCallInterface,
    private readonly sweeper: IdleSweeper | undefined,
    /** The counts the call is in: none for an uncounted call. */
    private readonly server: ServerCount | undefined,
    private readonly method: MethodCount | null,
  ) {
    super(inner);
  }

  override start(listener: InterceptingServerListener): void {
    this.listener = listener;
    this.inner.start(this);
  }

  onReceiveMetadata(metadata: Metadata): void {
    this.metadata = metadata;
    this.listener?.onReceiveMetadata(metadata);
  }

  onReceiveMessage(message: unknown): void {
    this.received();
    this.listener?.onReceiveMessage(message);
  }

  onReceiveHalfClose(): void {
    this.received();
    this.listener?.onReceiveHalfClose();
  }

  onCancel(): void {
    this.end();
    this.listener?.onCancel();
  }

  override startRead(): void {
    if (this.waitingSince === -1 && !this.ended) {
      this.sweeper?.wait(this);
    }
    this.inner.startRead();
  }

  override sendMetadata(metadata: Metadata): void {
    this.inner.sendMetadata(metadata);
  }

  override sendMessage(message: unknown, callback: () => void): void {
    // A response is activity too: a bidi call that only streams out is not idle.
    if (this.waitingSince !== -1) {
      this.waitingSince = performance.now();
    }
    this.inner.sendMessage(message, callback);
  }

  override sendStatus(status: PartialStatusObject): void {
    this.end();
    this.inner.sendStatus(status);
  }

  /** Ends the call for its client's silence (the sweeper calls it). */
  expire(timeoutMs: number): void {
    const details = `no request message for ${timeoutMs} ms, the server's limit (requestIdleTimeoutMs)`;
    // grpc-js tells the handler only "cancelled": its signal is to abort with what the client got.
    if (this.metadata !== undefined) {
      recordEndedByServer(this.metadata, { code: Code.DEADLINE_EXCEEDED, details });
    }
    this.sendStatus({ code: status.DEADLINE_EXCEEDED, details });
  }

  private received(): void {
    if (this.waitingSince !== -1) {
      this.sweeper?.done(this);
    }
  }

  /** Once, whichever way the call ends: a status sent (by anyone), or the stream closed. */
  private end(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.received();
    if (this.server !== undefined) {
      this.server.open -= 1;
    }
    if (this.method !== null) {
      this.method.open -= 1;
    }
  }
}

/** A call refused at its start: answered at once, its request never read, its handler never run. */
class RefusedCall extends ServerInterceptingCall {
  constructor(
    private readonly inner: ServerInterceptingCallInterface,
    private readonly details: string,
  ) {
    super(inner);
  }

  override start(): void {
    this.inner.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: this.details });
  }
}

/**
 * The calls waiting on their clients, checked every tenth of the timeout by
 * one timer per server rather than one per call: a call's wait starts and
 * stops once or twice per message, far more often than a wait times out.
 */
class IdleSweeper {
  private readonly waiting = new Set<AdmittedCall>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  wait(call: AdmittedCall): void {
    call.waitingSince = performance.now();
    this.waiting.add(call);
    if (this.timer === undefined) {
      this.timer = setInterval(this.sweep, Math.max(1, this.timeoutMs / 10));
      // The sweep alone must not keep a process alive.
      this.timer.unref();
    }
  }

  done(call: AdmittedCall): void {
    call.waitingSince = -1;
    this.waiting.delete(call);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly sweep = (): void => {
    if (this.waiting.size === 0) {
      this.stop();
      return;
    }
    const now = performance.now();
    for (const call of [...this.waiting]) {
      if (now - call.waitingSince >= this.timeoutMs) {
        this.done(call);
        call.expire(this.timeoutMs);
      }
    }
  };
}
