import { Metadata, setLogger } from "@grpc/grpc-js";
import grpcLogging from "@grpc/grpc-js/build/src/logging.js";
import { createServer } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { redactGrpcLogMessage } from "../../runtime/internal/grpc-log-redaction.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl";
const MORE = "For more information see https://github.com/grpc/grpc-node/issues/1173";

describe("redactGrpcLogMessage", () => {
  test("a refused header loses its value, also where grpc-js repeats it in the reason", () => {
    const line = `Failed to add metadata entry authorization: Bearer\t${TOKEN}. Metadata string value "Bearer\t${TOKEN}" contains illegal characters. ${MORE}`;
    expect(redactGrpcLogMessage(line)).toBe(
      `Failed to add metadata entry authorization: [REDACTED] (the value contains illegal characters). ${MORE}`,
    );
  });

  test("a refused key is named, at most 64 characters of it", () => {
    const key = `x-${"k".repeat(100)}!`;
    const line = `Failed to add metadata entry ${key}: ${TOKEN}. Metadata key "${key}" contains illegal characters. ${MORE}`;
    const redacted = redactGrpcLogMessage(line);
    expect(redacted).toBe(
      `Failed to add metadata entry ${key.slice(0, 64)}...: [REDACTED] (the key contains illegal characters). ${MORE}`,
    );
  });

  test("a header trace keeps its other headers", () => {
    const headers = {
      authorization: [`Bearer ${TOKEN}`],
      "x-session-id": ["s1"],
      "user-agent": ["grpc-node-js/1.14.7"],
    };
    const line = `2026-12-04T00:00:00.000Z | v1.14.7 1 | server_call | Request to /a.B/C received headers ${JSON.stringify(headers)}`;
    expect(redactGrpcLogMessage(line)).toBe(
      `2026-12-04T00:00:00.000Z | v1.14.7 1 | server_call | Request to /a.B/C received headers ${JSON.stringify({
        authorization: ["[REDACTED]"],
        "x-session-id": ["[REDACTED]"],
        "user-agent": ["grpc-node-js/1.14.7"],
      })}`,
    );
  });

  test("a client's trace of response headers, one per line", () => {
    const line = `[1] Received server headers:\n\t\tcontent-type: application/grpc\n\t\tset-cookie: sid=${TOKEN}\n\t\tx-auth-token: ${TOKEN}\n`;
    expect(redactGrpcLogMessage(line)).toBe(
      "[1] Received server headers:\n\t\tcontent-type: application/grpc\n\t\tset-cookie: [REDACTED]\n\t\tx-auth-token: [REDACTED]\n",
    );
  });

  test("grpc-js's other messages pass unchanged", () => {
    for (const line of [
      "Server constructed",
      "Request to /a.B/C ended with status code: OK details: OK",
      "Received a second request message for server streaming method /a.B/C",
    ]) {
      expect(redactGrpcLogMessage(line)).toBe(line);
    }
  });
});

test("once a server is made, grpc-js's own metadata parsing logs the redacted line to whatever logger is set", () => {
  createServer();
  const previous = grpcLogging.getLogger();
  onTestFinished(() => setLogger(previous));
  const lines: unknown[] = [];
  setLogger({ error: (message: unknown) => lines.push(message) });
  // What grpc-js does with the headers of every incoming call.
  const metadata = Metadata.fromHttp2Headers({ authorization: `Bearer\t${TOKEN}`, "x-request-id": "r1" });
  expect(metadata.get("authorization")).toEqual([]);
  expect(lines).toEqual([
    `Failed to add metadata entry authorization: [REDACTED] (the value contains illegal characters). ${MORE}`,
  ]);
});
