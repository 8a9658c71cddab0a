import { Code, RpcError } from "grpckit";

/** How many undelivered items a mailbox holds before it gives up on its reader. */
const DEFAULT_CAPACITY = 1_000;

/**
 * An async queue with one reader: `push` from anywhere, `for await` to read.
 * It is how a change in the store reaches a stream that is open right now.
 *
 * A reader that falls `capacity` items behind is cut off: its loop throws
 * `RESOURCE_EXHAUSTED` instead of the mailbox growing without bound.
 */
export class Mailbox<T> implements Subscription<T> {
  readonly #items: T[] = [];
  readonly #capacity: number;
  readonly #onClose: (() => void) | undefined;
  #waiting: { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void } | undefined;
  #closed = false;
  #failure: unknown;

  /**
   * `signal`: closes the mailbox when it aborts (pass the handler's
   * `context.signal`); `onClose`: called once, when the mailbox closes.
   */
  constructor(options: { signal?: AbortSignal; onClose?: () => void; capacity?: number } = {}) {
    const { signal, onClose } = options;
    this.#capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (signal?.aborted) {
      // Closed from the start: there is nothing to clean up.
      this.#closed = true;
      return;
    }
    if (signal === undefined) {
      this.#onClose = onClose;
      return;
    }
    const end = () => this.close();
    signal.addEventListener("abort", end, { once: true });
    this.#onClose = () => {
      signal.removeEventListener("abort", end);
      onClose?.();
    };
  }

  /** Delivers `item`, unless the mailbox is closed. */
  push(item: T): void {
    if (this.#closed) {
      return;
    }
    if (this.#waiting !== undefined) {
      this.#waiting.resolve({ value: item, done: false });
      this.#waiting = undefined;
    } else if (this.#items.length < this.#capacity) {
      this.#items.push(item);
    } else {
      this.close(new RpcError(Code.RESOURCE_EXHAUSTED, "the stream's reader fell too far behind"));
    }
  }

  /**
   * Ends the mailbox: the reader gets the items already in it, then the end,
   * or `failure` if one is given. Later pushes are dropped.
   */
  close(failure?: unknown): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#failure = failure;
    this.#onClose?.();
    if (this.#waiting !== undefined) {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      failure === undefined ? waiting.resolve({ value: undefined, done: true }) : waiting.reject(failure);
    }
  }

  next(): Promise<IteratorResult<T, undefined>> {
    const item = this.#items.shift();
    if (item !== undefined) {
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#closed) {
      return this.#failure === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.#failure);
    }
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Called when the reader leaves its loop: closes the mailbox and drops what is left. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    this.#items.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * A live feed: an async iterable of what happens from the moment it was
 * opened. Close it when done; leaving a `for await` loop over it closes it too.
 */
export interface Subscription<T> extends AsyncIterableIterator<T> {
  close(): void;
}

/**
 * Publish/subscribe inside one process: every subscriber gets every value
 * published after it subscribed, that its `accept` lets through.
 */
export class Topic<T> {
  readonly #subscribers = new Set<{ mailbox: Mailbox<T>; accept: (value: T) => boolean }>();

  publish(value: T): void {
    for (const { mailbox, accept } of this.#subscribers) {
      if (accept(value)) {
        mailbox.push(value);
      }
    }
  }

  /**
   * Subscribes now (not when iteration starts, so nothing published from
   * here on is missed). The subscription ends when `signal` aborts; pass the
   * handler's `context.signal`.
   */
  subscribe(signal: AbortSignal, accept: (value: T) => boolean = () => true): Subscription<T> {
    const mailbox: Mailbox<T> = new Mailbox({ signal, onClose: () => this.#subscribers.delete(subscriber) });
    const subscriber = { mailbox, accept };
    if (!signal.aborted) {
      this.#subscribers.add(subscriber);
    }
    return mailbox;
  }
}
