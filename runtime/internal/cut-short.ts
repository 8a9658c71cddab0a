import type { ServerContext } from "../service.js";

/**
 * The hook a server's own call contexts carry (runtime/server/call-state.ts):
 * calls `listener` with the reason if the call is cut short (cancelled, its
 * deadline passed, or a forced shutdown), and returns what stops listening.
 * Interceptors use it rather than `context.signal`, whose AbortController and
 * EventTarget listeners would cost every call that never reads the signal.
 */
export const onCutShort: unique symbol = Symbol("grpckit.onCutShort");

export interface CutShortHook {
  [onCutShort](listener: (reason: unknown) => void): () => void;
}

function noop(): void {}

/**
 * Calls `listener` once if the call of `context` is cut short (at once if it
 * already was); returns what stops listening. Works with any context, also
 * one made outside the server (tests, adapters), through its signal.
 */
export function whenCutShort(context: ServerContext, listener: (reason: unknown) => void): () => void {
  const hook = (context as Partial<CutShortHook>)[onCutShort];
  if (hook !== undefined) {
    return hook.call(context, listener);
  }
  const { signal } = context;
  if (signal.aborted) {
    listener(signal.reason);
    return noop;
  }
  const onAbort = () => listener(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
