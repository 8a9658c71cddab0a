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
}

/** Runs `call` with a deadline `timeoutMs` from now and records how it ended. */
export async function outcomeOf<T>(
  timeoutMs: number,
  call: (options: { deadline: number }) => Promise<T>,
): Promise<Outcome<T>> {
  const startedAt = Date.now();
  const deadline = startedAt + timeoutMs;
  try {
    const value = await call({ deadline });
    return { value, code: Code.OK, startedAt, endedAt: Date.now(), deadline };
  } catch (error) {
    return { code: RpcError.from(error).code, startedAt, endedAt: Date.now(), deadline };
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
