import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, onTestFinished, test } from "vitest";
import { GetUserRequestSchema, GetUserResponseSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { bundle } from "../client/support/bundle.js";
import { within } from "../support/serve.js";
import { rawSession, rawUnary } from "./raw-grpc.js";

/*
 * grpc-js logs a header value it cannot take as metadata, verbatim, on
 * stderr: any client could have a server print the token it sent. These
 * tests run a server in a process of its own and read what it writes.
 */

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2VjcmV0LXNpZ25hdHVyZS1kby1ub3QtbG9n";
const GET_USER = "/ecommerce.v1.UserService/GetUser";

interface Child {
  readonly address: string;
  /** All the child wrote on stderr so far. */
  stderr(): string;
}

/** Starts test/security/logging-child.ts with `args` and `env`; killed when the test finishes. */
async function startChild(args: string[] = [], env: Record<string, string> = {}): Promise<Child> {
  const script = await bundle("test/security/logging-child.ts");
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, GRPC_TRACE: "", GRPC_VERBOSITY: "", ...env },
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let stdout = "";
  const port = await within(
    new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("\n")) resolve(stdout.trim());
      });
      child.once("exit", (code) => reject(new Error(`the child exited (${code}): ${stderr}`)));
    }),
    "the child's port",
    30_000,
  );
  return { address: `127.0.0.1:${port}`, stderr: () => stderr };
}

function getUser(userId: string): Uint8Array {
  return toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId }));
}

/** Sends a GetUser with `authorization: <value>`; checks it is answered OK, without the refused header. */
async function callWithAuthorization(address: string, value: string): Promise<void> {
  const session = rawSession(address);
  const first = await within(rawUnary(session, GET_USER, getUser("u1"), { authorization: value }), "the first call");
  expect(first.status).toBe(0);
  // The refused header did not reach the handler (it echoes what it got).
  expect(fromBinary(GetUserResponseSchema, first.data.subarray(5)).user?.displayName).toBe("");
  // The server keeps serving, on the same connection.
  const second = await within(rawUnary(session, GET_USER, getUser("u2")), "the second call");
  expect(second.status).toBe(0);
  expect(fromBinary(GetUserResponseSchema, second.data.subarray(5)).user?.userId).toBe("u2");
}

/** Waits until the child's stderr has `text`: grpc-js writes it while the call is answered. */
async function logged(child: Child, text: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  while (!child.stderr().includes(text) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(child.stderr()).toContain(text);
  return child.stderr();
}

describe("no secret in grpc-js's logs", () => {
  test("a header with a tab in its value is logged without its value, and the call goes on without it", async () => {
    const child = await startChild();
    await callWithAuthorization(child.address, `Bearer\t${TOKEN}`);
    const stderr = await logged(child, "Failed to add metadata entry authorization: [REDACTED]");
    expect(stderr).toContain("(the value contains illegal characters)");
    expect(stderr).not.toContain(TOKEN);
    expect(stderr).not.toContain(TOKEN.slice(0, 20));
  });

  test("the value is redacted whatever its key, also a non-ASCII one", async () => {
    const child = await startChild();
    const session = rawSession(child.address);
    const clean = await rawUnary(session, GET_USER, getUser("u3"), { authorization: "Bearer ok" });
    expect(fromBinary(GetUserResponseSchema, clean.data.subarray(5)).user?.displayName).toBe("Bearer ok");
    const answered = await rawUnary(session, GET_USER, getUser("u3"), { "x-note": `caf\u00e9 ${TOKEN}` });
    expect(answered.status).toBe(0);
    const stderr = await logged(child, "Failed to add metadata entry x-note: [REDACTED]");
    expect(stderr).not.toContain(TOKEN);
    expect(stderr.match(/Failed to add metadata entry/g)).toHaveLength(1);
  });

  test("a logger of the user's own, set with grpc-js's setLogger after the server was made, gets the redacted line", async () => {
    const child = await startChild(["own-logger"]);
    await callWithAuthorization(child.address, `Bearer\t${TOKEN}`);
    const stderr = await logged(child, "own logger: Failed to add metadata entry authorization: [REDACTED]");
    expect(stderr).not.toContain(TOKEN);
  });

  test("with grpc-js's header tracing on, credential values are redacted and the other headers stay", async () => {
    const child = await startChild([], { GRPC_TRACE: "server_call", GRPC_VERBOSITY: "DEBUG" });
    const session = rawSession(child.address);
    const answered = await rawUnary(session, GET_USER, getUser("u4"), {
      authorization: `Bearer ${TOKEN}`,
      "x-api-key": TOKEN,
      "x-request-id": "req-42",
    });
    expect(answered.status).toBe(0);
    const stderr = await logged(child, "received headers");
    expect(stderr).toContain('"authorization":["[REDACTED]"]');
    expect(stderr).toContain('"x-api-key":["[REDACTED]"]');
    expect(stderr).toContain('"x-request-id":["req-42"]');
    expect(stderr).not.toContain(TOKEN);
  });
});
