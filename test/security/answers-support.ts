import { Code, RpcError } from "grpckit";
import { expect } from "vitest";

/*
 * Shared by the answers-* attack tests: a hostile call must get a status the
 * client can read, and the channel it came on must go on serving.
 */

/** Far above what any call here needs: a call cut off by a broken connection fails instead of hanging. */
export const DEADLINE_MS = 10_000;

/** Options of one call: a deadline, so that a broken channel fails the test rather than hanging it. */
export function soon(): { timeoutMs: number } {
  return { timeoutMs: DEADLINE_MS };
}

/** The RpcError `promise` rejects with; fails the test if it resolves or rejects with something else. */
export async function failureOf(promise: Promise<unknown>): Promise<RpcError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError)) {
    throw new Error(`expected the call to fail with an RpcError, got ${String(outcome)}`);
  }
  return outcome;
}

/**
 * What the header block that carried a status costs, counted as RFC 7541
 * does (name + value + 32 per entry): `:status` and, in a trailers-only
 * answer, `content-type` (which then shows in the client's metadata), the
 * status, the message (grpc-js percent-encodes it with encodeURI) and the
 * trailers.
 */
export function wireBytes(error: RpcError): number {
  let bytes = 32 + ":status".length + 3;
  bytes += 32 + "grpc-status".length + 2 + 32 + "grpc-message".length + encodeURI(error.rawMessage).length;
  for (const [key, values] of Object.entries(error.metadata.toHttp2Headers())) {
    for (const value of Array.isArray(values) ? values : [values]) {
      bytes += 32 + key.length + String(value).length;
    }
  }
  return bytes;
}

/**
 * What gRPC's protocol suggests clients accept in one header block, and what
 * grpc-java and gRPC C-core accept by default: the server's default budget
 * (7 KiB of status and trailers) leaves room for the fixed entries below it.
 */
export const CLIENT_LIMIT = 8 * 1024;

/** Asserts the status a hostile call got: its code, and that it fits what every standard client accepts. */
export function expectBounded(error: RpcError, code: Code): void {
  expect(Code[error.code]).toBe(Code[code]);
  expect(wireBytes(error)).toBeLessThanOrEqual(CLIENT_LIMIT);
}

/** A string of `n` characters, for ids and paths far longer than any real one. */
export function long(n: number, char = "x"): string {
  return char.repeat(n);
}
