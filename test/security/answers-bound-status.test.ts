import { Metadata } from "@grpc/grpc-js";
import {
  boundStatus,
  Code,
  createServer,
  DEFAULT_ANSWER_LIMITS,
  excerpt,
  fieldViolationsOf,
  invalidArgument,
} from "grpckit";
import { describe, expect, test } from "vitest";

/*
 * boundStatus is the one place every status passes before grpc-js sends it
 * (runtime/server/bounded-answer.ts). These check its rules on their own;
 * answers.test.ts checks them through real calls.
 */

const PATH = "/test.v1.S/M";
const limits = DEFAULT_ANSWER_LIMITS;

/** What grpc-js puts in the trailer block for `status`, counted as RFC 7541 does. */
function trailerBytes(status: { code: number; details: string; metadata: Metadata }): number {
  let bytes = 32 + "grpc-status".length + String(status.code).length;
  bytes += 32 + "grpc-message".length + encodeURI(status.details).length;
  for (const [name, value] of Object.entries(status.metadata.toHttp2Headers())) {
    for (const item of Array.isArray(value) ? value : [value]) bytes += 32 + name.length + String(item).length;
  }
  return bytes;
}

describe("boundStatus", () => {
  test("a status that fits is sent as it is", () => {
    const status = { code: Code.NOT_FOUND, details: "user u1 not found", metadata: new Metadata() };
    expect(boundStatus(status, PATH, limits)).toEqual({ status, problem: undefined });
    expect(boundStatus(status, PATH, limits).status).toBe(status);
  });

  test("a long message is cut under the limit, on a character boundary, with a marker", () => {
    for (const char of ["a", " ", "é", "€", "😀"]) {
      const details = char.repeat(5000);
      const { status } = boundStatus({ code: Code.NOT_FOUND, details, metadata: new Metadata() }, PATH, limits);
      expect(encodeURI(status.details).length).toBeLessThanOrEqual(limits.maxStatusMessageBytes);
      expect(status.details.endsWith("… (truncated)")).toBe(true);
      expect(details.startsWith(status.details.slice(0, -"… (truncated)".length))).toBe(true);
    }
  });

  test("too many violations: the first ones that fit are kept, in order, and the message says how many were not", () => {
    const violations = Array.from({ length: 100 }, (_, i) => ({
      field: `items[${i}].name`,
      description: "must be at least 1 character long",
      reason: "STRING_MIN_LEN",
    }));
    const error = invalidArgument("test.v1.Request", violations);
    const { status, problem } = boundStatus(error.toStatus(), PATH, limits);
    expect(problem).toBeUndefined();
    expect(status.code).toBe(Code.INVALID_ARGUMENT);
    expect(trailerBytes(status)).toBeLessThanOrEqual(limits.maxTrailerBytes);
    const kept = fieldViolationsOf(status.metadata);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(100);
    expect(kept).toEqual(violations.slice(0, kept.length));
    expect(status.details).toContain(`(${100 - kept.length} more violations not sent`);
  });

  test("trailers of the handler's own that cannot fit: INTERNAL without them, and a problem for onError", () => {
    const metadata = new Metadata();
    metadata.set("x-a", "a".repeat(5000));
    metadata.set("x-b", "b".repeat(5000));
    const { status, problem } = boundStatus({ code: Code.ABORTED, details: "retry", metadata }, PATH, limits);
    expect(status.code).toBe(Code.INTERNAL);
    expect(status.metadata.toHttp2Headers()).toEqual({});
    expect(problem?.name).toBe("OversizedAnswerError");
    expect(problem?.message).toContain(PATH);
    expect(problem?.message).toMatch(/x-a: \d+ bytes/);
  });

  test("an OK status with trailers that fit goes out unchanged; too large ones turn it INTERNAL", () => {
    const small = new Metadata();
    small.set("x-request-cost", "12");
    const ok = { code: Code.OK, details: "", metadata: small };
    expect(boundStatus(ok, PATH, limits).status).toBe(ok);
    const big = new Metadata();
    big.set("x-debug-bin", Buffer.alloc(10_000));
    expect(boundStatus({ code: Code.OK, details: "", metadata: big }, PATH, limits).status.code).toBe(Code.INTERNAL);
  });
});

describe("excerpt", () => {
  test("quotes short input whole, long input by its start and its length, never half a surrogate pair", () => {
    expect(excerpt("u1")).toBe("u1");
    expect(excerpt("x".repeat(64))).toBe("x".repeat(64));
    expect(excerpt("x".repeat(200_000))).toBe(`${"x".repeat(64)}… (truncated: 200000 characters)`);
    expect(excerpt(`${"x".repeat(63)}😀tail`)).toBe(`${"x".repeat(63)}… (truncated: 69 characters)`);
    expect(excerpt("abcdef", 3)).toBe("abc… (truncated: 6 characters)");
  });
});

describe("the answer limits of createServer", () => {
  test("a limit that cannot work is refused with the field's name", () => {
    expect(() => createServer({ limits: { maxViolations: 0 } })).toThrow(
      "limits.maxViolations must be an integer of at least 1, not 0",
    );
    expect(() => createServer({ limits: { maxStatusMessageBytes: 10 } })).toThrow(/limits\.maxStatusMessageBytes/);
    expect(() => createServer({ limits: { maxTrailerBytes: 1000, maxStatusMessageBytes: 1000 } })).toThrow(
      "limits.maxTrailerBytes must be an integer of at least 1256, not 1000",
    );
    expect(() => createServer({ limits: { maxViolations: 1.5 } })).toThrow(/maxViolations/);
  });
});
