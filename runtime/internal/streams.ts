import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";

/** What a reader of messages does besides reading; see {@link readMessages}. */
export interface ReadHooks {
  /** Called before each message is handed out; what it throws ends the reading with that error. */
  readonly beforeEach?: (() => void) | undefined;
  /** Awaited once the stream has ended, before the end is reported; what it throws is reported instead. */
  readonly atEnd?: (() => Promise<void> | void) | undefined;
  /**
   * Turns what the reading throws (the stream's error, `closedEarly()`, what
   * `beforeEach` throws) into what the reader sees. Called once the event
   * that caused it is over: a grpc-js client call emits 'status' right
   * after 'error', and the failure may depend on it.
   */
  readonly failure?: ((error: unknown) => unknown) | undefined;
}

/**
 * Pulls the messages of an object-mode Readable (a grpc-js call stream) one
 * at a time. The reader holds at most the stream's high-water mark of
 * messages: beyond it the stream is paused (and buffers up to its high-water
 * mark itself), so a slow consumer holds back the sender through HTTP/2 flow
 * control instead of buffering without bound.
 *
 * Unlike `Readable[Symbol.asyncIterator]`, stopping early does not destroy the
 * stream (it is paused, and keeps what it has not handed out): a bidi handler
 * may stop reading and keep writing.
 *
 * Ends when the stream ends; throws the stream's 'error'; throws
 * `closedEarly()` when the stream closes without ending (a cancelled call),
 * without handing out what it still held.
 *
 * An iterator object rather than an async generator, and fed by the stream's
 * 'data' events rather than by `read()` after 'readable': a message is handed
 * to a waiting pull as it arrives, with one promise and without a turn of the
 * event loop in between, once per message of every stream.
 */
export function readMessages<T>(
  stream: Readable,
  closedEarly: () => unknown,
  hooks: ReadHooks = {},
): AsyncIterableIterator<T> {
  return new MessageReader<T>(stream, closedEarly, hooks);
}

/** What `poll` says when nothing can be handed out yet. */
const WAIT: unique symbol = Symbol("wait");
/** What `poll` says when the stream has ended and the end hook is still to run. */
const AT_END: unique symbol = Symbol("atEnd");

class MessageReader<T> implements AsyncIterableIterator<T> {
  private ended: boolean;
  private closed = false;
  private failed = false;
  private streamError: unknown;
  /** The iteration is over: ended, failed, or closed by its reader. */
  private done = false;
  /**
   * The pull waiting for the stream (or for the end hook): later pulls wait
   * for it, so that they settle in order. Settled by `notify`, through
   * `settle`/`fail`, when an event of the stream lets it.
   */
  private pending: Promise<IteratorResult<T>> | undefined;
  private settle: ((result: IteratorResult<T> | Promise<IteratorResult<T>>) => void) | undefined;
  private fail: ((error: unknown) => void) | undefined;
  /** The end hook's run, once the stream has ended. */
  private ending: Promise<IteratorResult<T>> | undefined;
  /** Messages received and not handed out yet, oldest first. */
  private readonly queue: T[] = [];
  /** How many messages the reader holds before it pauses the stream. */
  private readonly limit: number;
  /** `poll` is taking a message from the stream's own buffer (see there). */
  private pulling = false;

  constructor(
    private readonly stream: Readable,
    private readonly closedEarly: () => unknown,
    private readonly hooks: ReadHooks,
  ) {
    this.ended = stream.readableEnded;
    this.limit = Math.max(1, stream.readableHighWaterMark);
    stream.on("data", this.onData);
    stream.resume(); // also a stream an earlier reader paused
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
    let result: IteratorResult<T> | typeof WAIT | typeof AT_END;
    try {
      result = this.poll();
    } catch (error) {
      this.finish();
      return Promise.reject(this.failureOf(error));
    }
    if (result === AT_END) {
      return this.end();
    }
    if (result !== WAIT) {
      return Promise.resolve(result);
    }
    // One promise per wait, settled from the stream's events: no async
    // function and no timer in between, once per message of a slow stream.
    this.pending = new Promise<IteratorResult<T>>((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    return this.pending;
  }

  return(): Promise<IteratorResult<T>> {
    this.finish();
    this.notify(); // a pull waiting for the stream ends too
    return iterationDone();
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.finish();
    this.notify();
    return Promise.reject(error);
  }

  /**
   * What a pull gets now: a message, the end, or WAIT until the stream has
   * news. Throws the stream's error, or `closedEarly()` for a stream that
   * closed without ending.
   */
  private poll(): IteratorResult<T> | typeof WAIT | typeof AT_END {
    if (this.done) {
      return { done: true, value: undefined };
    }
    const { stream, queue } = this;
    // A destroyed stream that did not end was cut short: what it held is not handed out.
    if (!(stream.destroyed && !this.ended)) {
      if (queue.length === 0 && stream.readableLength > 0) {
        // Paused with messages left (the queue was full), or not flowing yet:
        // take one now, so none is lost to an error or an end reported first.
        this.pulling = true;
        try {
          stream.read(); // emits it as 'data', into the queue
        } finally {
          this.pulling = false;
        }
      }
      if (queue.length > 0) {
        const message = queue.shift() as T;
        if (queue.length === 0 && stream.isPaused() && !stream.destroyed) {
          stream.resume();
        }
        this.hooks.beforeEach?.();
        return { done: false, value: message };
      }
    }
    if (this.failed) {
      throw this.streamError;
    }
    if (this.ended) {
      return AT_END;
    }
    if (this.closed || stream.destroyed) {
      throw this.closedEarly();
    }
    return WAIT;
  }

  /** What the reader sees of `error`: see `ReadHooks.failure`. */
  private failureOf(error: unknown): unknown {
    const { failure } = this.hooks;
    if (failure === undefined) {
      return error;
    }
    try {
      return failure(error);
    } catch (thrown) {
      return thrown;
    }
  }

  /** The end of the iteration, once the end hook has run (once). */
  private end(): Promise<IteratorResult<T>> {
    if (this.ending === undefined) {
      const { atEnd } = this.hooks;
      const ran = atEnd === undefined ? Promise.resolve() : Promise.resolve().then(atEnd);
      this.ending = ran.then(
        () => {
          this.finish();
          return { done: true, value: undefined };
        },
        (error: unknown) => {
          this.finish();
          throw error;
        },
      );
    }
    return this.ending;
  }

  /** Stops listening to the stream, once. */
  private finish(): void {
    if (this.done) {
      return;
    }
    this.done = true;
    // Whatever comes next stays in the stream, which holds back the sender.
    this.stream.pause();
    this.stream.off("data", this.onData);
    this.stream.off("end", this.onEnd);
    this.stream.off("close", this.onClose);
    this.stream.off("error", this.onError);
  }

  /** Settles the waiting pull, if there is one and the stream now has an answer for it. */
  private readonly notify = (): void => {
    const { settle, fail } = this;
    if (settle === undefined || fail === undefined) {
      return;
    }
    let result: IteratorResult<T> | typeof WAIT | typeof AT_END;
    try {
      result = this.poll();
    } catch (error) {
      this.finish();
      this.release();
      if (this.hooks.failure === undefined) {
        fail(error);
      } else {
        // Inside the stream's event: let the emitter finish first.
        queueMicrotask(() => fail(this.failureOf(error)));
      }
      return;
    }
    if (result === WAIT) {
      return;
    }
    this.release();
    settle(result === AT_END ? this.end() : result);
  };

  /** Forgets the waiting pull, which is about to be settled. */
  private release(): void {
    this.pending = undefined;
    this.settle = undefined;
    this.fail = undefined;
  }

  private readonly onData = (message: T): void => {
    this.queue.push(message);
    if (this.queue.length >= this.limit) {
      this.stream.pause();
    }
    if (!this.pulling) {
      this.notify();
    }
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
      this.streamError = error;
    }
    this.notify();
  };
}

/** The end of an iteration, as a settled pull. */
export function iterationDone<T>(): Promise<IteratorResult<T>> {
  return Promise.resolve({ done: true, value: undefined });
}

/**
 * `source` with each pull passed through `settled` (and a failed pull through
 * `failed`): one promise reaction per message, where an async generator
 * wrapping the source would add its own frames and hops. Closing the relay
 * closes the source, as `for await` would.
 */
export function relay<T, U = T>(
  source: AsyncIterable<T>,
  settled: (result: IteratorResult<T>, iterator: AsyncIterator<T>) => IteratorResult<U>,
  failed?: (error: unknown) => never,
): AsyncIterable<U> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = source[Symbol.asyncIterator]();
      const onResult = (result: IteratorResult<T>) => settled(result, iterator);
      return {
        next: () => iterator.next().then(onResult, failed),
        return: (value?: unknown) =>
          (iterator.return?.(value) as Promise<IteratorResult<U>> | undefined) ?? iterationDone<U>(),
      };
    },
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
