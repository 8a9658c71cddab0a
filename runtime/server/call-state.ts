import type { StatusObject } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { createContextValues } from "../context-values.js";
import { Code, RpcError } from "../errors.js";
import { toMetadata } from "../metadata.js";
import type { AuthContext, MetadataInit, MethodSpec, ServerContext, ServiceSpec } from "../service.js";
import { INTERNAL_MESSAGE } from "./unexpected.js";

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
  once(event: "cancelled", listener: () => void): unknown;
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
 */
export class CallState {
  readonly context: ServerContext;
  private readonly controller = new AbortController();
  private readonly trailer = new Metadata();
  private readonly deadline: Date | undefined;
  private readonly wakers = new Set<() => void>();
  private finished = false;

  constructor(
    service: ServiceSpec,
    method: MethodSpec,
    call: ServerSurfaceCall,
    private readonly inFlight: Set<CallState>,
    private readonly report: ErrorReporter,
  ) {
    const deadline = call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    this.deadline = Number.isFinite(ms) ? new Date(ms) : undefined;
    let headerSent = false;
    this.context = {
      service,
      method,
      metadata: call.metadata,
      deadline: this.deadline,
      signal: this.controller.signal,
      peer: call.getPeer(),
      getAuthContext: () => call.getAuthContext(),
      trailer: this.trailer,
      values: createContextValues(),
      sendHeader: (metadata: MetadataInit) => {
        if (headerSent || this.finished || this.cancelled) {
          return;
        }
        headerSent = true;
        call.sendMetadata(toMetadata(metadata));
      },
    };
    inFlight.add(this);
    call.once("cancelled", () => this.abort(this.cancellationReason()));
    if (call.cancelled) {
      this.abort(this.cancellationReason());
    }
  }

  /** Whether the call was cut short: by the client, its deadline, or a forced shutdown. */
  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  /** Why the call was cut short: the signal's reason, an RpcError. */
  get reason(): unknown {
    return this.controller.signal.reason;
  }

  /**
   * Marks the handler's outcome as handed to grpc-js: from now on the call
   * can no longer be cancelled. Returns the trailers to send.
   */
  finish(): Metadata {
    this.finished = true;
    this.inFlight.delete(this);
    return this.trailer;
  }

  /**
   * Marks the call as failed with `error` and returns the status to send.
   * An RpcError answers with its code, message and metadata; anything else is
   * reported to `onError` and answers INTERNAL with a generic message, so no
   * internal detail reaches the client. The context's trailers go with both.
   */
  fail(error: unknown): StatusObject {
    const trailer = this.finish();
    if (error instanceof RpcError) {
      return error.toStatus(trailer);
    }
    this.reportError(error);
    return { code: Code.INTERNAL, details: INTERNAL_MESSAGE, metadata: trailer.clone() };
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
    if (this.finished || this.cancelled) {
      return;
    }
    this.controller.abort(reason);
    this.inFlight.delete(this);
    for (const wake of this.wakers) {
      wake();
    }
    this.wakers.clear();
  }

  /**
   * Waits for `promise`, or for the call to be cancelled, whichever is first.
   * Cheaper than `Promise.race` against a long-lived promise, which would
   * keep one reaction per call of race until the call ends.
   */
  race<T>(promise: Promise<T>): Promise<T | typeof CANCELLED> {
    if (this.cancelled) {
      promise.catch(() => {});
      return Promise.resolve(CANCELLED);
    }
    return new Promise((resolve, reject) => {
      const wake = () => resolve(CANCELLED);
      this.wakers.add(wake);
      promise.then(
        (value) => {
          this.wakers.delete(wake);
          resolve(value);
        },
        (error: unknown) => {
          this.wakers.delete(wake);
          reject(error);
        },
      );
    });
  }

  private cancellationReason(): RpcError {
    if (this.deadline !== undefined && Date.now() >= this.deadline.getTime() - DEADLINE_MARGIN_MS) {
      return new RpcError(Code.DEADLINE_EXCEEDED, "the deadline passed");
    }
    return new RpcError(Code.CANCELLED, "the call was cancelled");
  }
}
