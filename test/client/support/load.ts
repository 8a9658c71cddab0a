import { Code, RpcError } from "grpckit";

/** Runs `total` calls of `call`, `concurrency` at a time, and returns their results in order. */
export async function runCalls<T>(total: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** How one call ended, and whether it ended by its deadline. */
export interface Outcome<T> {
  readonly value?: T;
  readonly code: Code;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly deadline: number;
  /** The response had begun (its headers came) when the call ended: gRPC never retries such a call. */
  readonly responseBegun: boolean;
}

/**
 * Runs `call` with a deadline `timeoutMs` from now and records how it ended;
 * a call that passes `onHeader` on to the client also records whether its
 * response had begun.
 */
export async function outcomeOf<T>(
  timeoutMs: number,
  call: (options: { deadline: number; onHeader: () => void }) => Promise<T>,
): Promise<Outcome<T>> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  let responseBegun = false;
  const onHeader = () => {
    responseBegun = true;
  };
  try {
    const value = await call({ deadline, onHeader });
    return { value, code: Code.OK, startedAt, endedAt: Date.now(), deadline, responseBegun };
  } catch (error) {
    return { code: RpcError.from(error).code, startedAt, endedAt: Date.now(), deadline, responseBegun };
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true; fails with "timed
 * out waiting for <what>" after `timeoutMs`. Bounded in time and in count.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 20 } = {},
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / intervalMs) + 1; i++) {
    if (await check()) {
      return;
    }
    if (Date.now() > end) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
