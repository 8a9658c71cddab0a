import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";

/** What a reader of messages does besides reading; see {@link readMessages}. */
export interface ReadHooks {
  /** Called before each message is handed out; what it throws ends the reading with that error. */
  readonly beforeEach?: (() => void) | undefined;
  /** Awaited once the stream has ended, before the end is reported; what it throws is reported instead. */
  readonly atEnd?: (() => Promise<void>) | undefined;
}

/**
 * Pulls the messages of an object-mode Readable (a grpc-js call stream) one
 * at a time. The stream reads ahead only up to its high-water mark, so a slow
 * consumer holds back the sender through HTTP/2 flow control instead of
 * buffering without bound.
 *
 * Unlike `Readable[Symbol.asyncIterator]`, stopping early does not destroy the
 * stream: a bidi handler may stop reading and keep writing.
 *
 * Ends when the stream ends; throws the stream's 'error'; throws
 * `closedEarly()` when the stream closes without ending (a cancelled call).
 *
 * An iterator object rather than an async generator: a message already
 * buffered is handed out with one resolved promise, without a generator's
 * frames, once per message of every stream.
 */
export function readMessages<T>(
  stream: Readable,
  closedEarly: () => unknown,
  hooks: ReadHooks = {},
): AsyncIterableIterator<T> {
  return new MessageReader<T>(stream, closedEarly, hooks);
}

class MessageReader<T> implements AsyncIterableIterator<T> {
  private ended: boolean;
  private closed = false;
  private failed = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  /** The iteration is over: ended, failed, or closed by its reader. */
  private done = false;
  /** A pull waiting for the stream: later pulls wait for it, so that they settle in order. */
  private pending: Promise<IteratorResult<T>> | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly closedEarly: () => unknown,
    private readonly hooks: ReadHooks,
  ) {
    this.ended = stream.readableEnded;
    stream.on("readable", this.notify);
    stream.on("end", this.onEnd);
    stream.on("close", this.onClose);
    stream.on("error", this.onError);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.pending !== undefined) {
      return this.pending.then(
        () => this.next(),
        () => this.next(),
      );
    }
    if (this.done) {
      return Promise.resolve({ done: true, value: undefined });
    }
    const message = this.read();
    if (message !== null) {
      try {
        this.hooks.beforeEach?.();
      } catch (error) {
        this.finish();
        return Promise.reject(error);
      }
      return Promise.resolve({ done: false, value: message });
    }
    const pending = this.waitForMessage();
    this.pending = pending;
    const clear = () => {
      if (this.pending === pending) {
        this.pending = undefined;
      }
    };
    pending.then(clear, clear);
    return pending;
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    this.notify(); // a pull waiting for the stream ends too
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    this.notify();
    return Promise.reject(error);
  }

  private read(): T | null {
    return this.stream.destroyed ? null : (this.stream.read() as T | null);
  }

  private async waitForMessage(): Promise<IteratorResult<T>> {
    try {
      for (;;) {
        if (this.done) {
          return { done: true, value: undefined };
        }
        const message = this.read();
        if (message !== null) {
          this.hooks.beforeEach?.();
          return { done: false, value: message };
        }
        if (this.failed) {
          throw this.failure;
        }
        if (this.ended) {
          await this.hooks.atEnd?.();
          this.finish();
          return { done: true, value: undefined };
        }
        if (this.closed || this.stream.destroyed) {
          throw this.closedEarly();
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } catch (error) {
      this.finish();
      throw error;
    }
  }

  /** Stops listening to the stream, once. */
  private finish(): void {
    if (this.done) {
      return;
    }
    this.done = true;
    this.stream.off("readable", this.notify);
    this.stream.off("end", this.onEnd);
    this.stream.off("close", this.onClose);
    this.stream.off("error", this.onError);
  }

  private readonly notify = (): void => {
    const resolve = this.wake;
    this.wake = undefined;
    resolve?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private readonly onClose = (): void => {
    this.closed = true;
    this.notify();
  };

  private readonly onError = (error: unknown): void => {
    if (!this.failed) {
      this.failed = true;
      this.failure = error;
    }
    this.notify();
  };
}

/**
 * Resolves with the name of the first of `events` that `emitter` emits, and
 * stops listening to all of them.
 */
export function firstEvent<E extends string>(emitter: EventEmitter, events: readonly E[]): Promise<E> {
  return new Promise((resolve) => {
    const listeners = events.map((event) => {
      const listener = () => {
        for (const [e, l] of listeners) {
          emitter.off(e, l);
        }
        resolve(event);
      };
      emitter.on(event, listener);
      return [event, listener] as const;
    });
  });
}
