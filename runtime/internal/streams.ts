import type { EventEmitter } from "node:events";
import type { Readable } from "node:stream";

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
 */
export async function* readMessages<T>(
  stream: Readable,
  closedEarly: () => unknown,
): AsyncGenerator<T, void, undefined> {
  let ended = stream.readableEnded;
  let closed = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onClose = () => {
    closed = true;
    notify();
  };
  const onError = (error: unknown) => {
    if (!failed) {
      failed = true;
      failure = error;
    }
    notify();
  };
  stream.on("readable", notify);
  stream.on("end", onEnd);
  stream.on("close", onClose);
  stream.on("error", onError);
  try {
    for (;;) {
      const message: T | null = stream.destroyed ? null : stream.read();
      if (message !== null) {
        yield message;
        continue;
      }
      if (failed) {
        throw failure;
      }
      if (ended) {
        return;
      }
      if (closed || stream.destroyed) {
        throw closedEarly();
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off("readable", notify);
    stream.off("end", onEnd);
    stream.off("close", onClose);
    stream.off("error", onError);
  }
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
