import { fileURLToPath } from "node:url";
import { create, type DescMessage } from "@bufbuild/protobuf";
import {
  Code,
  clientLogging,
  type HandlersOf,
  type Logger,
  REDACTED,
  RpcError,
  redactedJson,
  serverLogging,
} from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { compileProtos, serviceOf } from "../support/dynamic-service.js";
import { collect, serve } from "../support/serve.js";

interface Line {
  level: "info" | "warn" | "error";
  fields: Record<string, unknown>;
  message: string;
}

/** A Logger that keeps its lines, as pino would write them. */
function memoryLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const write = (level: Line["level"]) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return { lines, info: write("info"), warn: write("warn"), error: write("error") };
}

const registry = compileProtos(fileURLToPath(new URL("./fixtures", import.meta.url)));
const Accounts = serviceOf(registry, "fixture.v1.Accounts");

function schema(typeName: string): DescMessage {
  const desc = registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`no message ${typeName}`);
  return desc;
}

describe("serverLogging", () => {
  test("writes one line per call with service, method, kind, code, duration, peer and message counts", async () => {
    const logger = memoryLogger();
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          if (userId === "missing") throw new RpcError(Code.NOT_FOUND, "user missing not found");
          if (userId === "boom") throw new Error("db down");
          return { user: { userId } };
        },
        async *listUsers() {
          yield { user: { userId: "u1" } };
          yield { user: { userId: "u2" } };
        },
        async createUsers(requests) {
          for await (const _ of requests);
          return {};
        },
        async *chatWithUsers(messages) {
          for await (const m of messages) yield { message: m.message };
        },
      },
      { interceptors: [serverLogging({ logger })], onError: () => {} },
    );

    await client.getUser({ userId: "u1" });
    await expect(client.getUser({ userId: "missing" })).rejects.toBeInstanceOf(RpcError);
    await expect(client.getUser({ userId: "boom" })).rejects.toMatchObject({ code: Code.INTERNAL });
    await collect(client.listUsers({}));
    await client.createUsers(
      [1, 2, 3].map((n) => ({ user: { email: `u${n}@example.com`, displayName: `User ${n}` } })),
    );
    await collect(
      client.chatWithUsers([
        { userId: "u1", message: "a" },
        { userId: "u1", message: "b" },
      ]),
    );

    expect(logger.lines.map((l) => l.message)).toEqual(Array(6).fill("finished call"));
    const [ok, notFound, internal, list, create, chat] = logger.lines;
    expect(ok).toMatchObject({
      level: "info",
      fields: {
        "grpc.component": "server",
        "grpc.service": "ecommerce.v1.UserService",
        "grpc.method": "GetUser",
        "grpc.method_type": "unary",
        "grpc.code": "OK",
        "peer.address": expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      },
    });
    expect(ok?.fields["grpc.time_ms"]).toBeTypeOf("number");
    expect(ok?.fields).not.toHaveProperty("trace_id"); // no tracing interceptor runs
    expect(ok?.fields).not.toHaveProperty("grpc.request.count"); // counts are for streams
    expect(ok?.fields).not.toHaveProperty("grpc.request.content"); // bodies only when asked
    expect(notFound).toMatchObject({
      level: "info",
      fields: { "grpc.code": "NotFound", "grpc.error": "user missing not found" },
    });
    // The log has what the client got, and the exception's message, which the client did not get.
    expect(internal).toMatchObject({
      level: "error",
      fields: { "grpc.code": "Internal", "grpc.error": "internal error", "grpc.exception": "db down" },
    });
    expect(list?.fields).toMatchObject({
      "grpc.method_type": "server_stream",
      "grpc.request.count": 1,
      "grpc.response.count": 2,
    });
    expect(create?.fields).toMatchObject({
      "grpc.method_type": "client_stream",
      "grpc.request.count": 3,
      "grpc.response.count": 1,
    });
    expect(chat?.fields).toMatchObject({
      "grpc.method_type": "bidi_stream",
      "grpc.request.count": 2,
      "grpc.response.count": 2,
    });
  });

  test("levelFor chooses the level, or no line", async () => {
    const logger = memoryLogger();
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          if (userId === "not-an-id") throw new RpcError(Code.INVALID_ARGUMENT, "not-an-id is not a user id");
          return {};
        },
      },
      {
        interceptors: [
          serverLogging({ logger, levelFor: (code) => (code === Code.OK ? "off" : code === 3 ? "warn" : "error") }),
        ],
      },
    );
    await client.getUser({ userId: "u1" });
    await expect(client.getUser({ userId: "not-an-id" })).rejects.toBeInstanceOf(RpcError);
    expect(logger.lines.map((l) => [l.level, l.fields["grpc.code"]])).toEqual([["warn", "InvalidArgument"]]);
  });

  test("with logBodies, logs the messages with every debug_redact field redacted, at any depth", async () => {
    const logger = memoryLogger();
    const handlers = {
      async login() {
        return create(schema("fixture.v1.LoginResponse"), { token: "t0k3n", user: "ada" });
      },
      async *sync(requests: AsyncIterable<unknown>) {
        let n = 0;
        for await (const _ of requests) yield create(schema("fixture.v1.SyncResponse"), { n: ++n });
      },
    } as unknown as HandlersOf<typeof Accounts>;
    const { client } = await serve(Accounts, handlers, {
      interceptors: [serverLogging({ logger, logBodies: true, maxStreamBodies: 2 })],
    });
    const calls = client as unknown as {
      login(request: unknown): Promise<unknown>;
      sync(requests: unknown[]): AsyncIterable<unknown>;
    };
    const credentials = { user: "ada", password: "hunter2" };
    await calls.login(
      create(schema("fixture.v1.LoginRequest"), {
        credentials,
        others: [credentials, { user: "bob", password: "swordfish" }],
        byRealm: { main: credentials },
        at: { seconds: 0n },
        note: "visible",
      } as never),
    );
    await collect(
      calls.sync([1, 2, 3].map((n) => create(schema("fixture.v1.SyncRequest"), { secret: `s${n}`, n } as never))),
    );

    const [login, sync] = logger.lines;
    expect(login?.fields["grpc.request.content"]).toEqual({
      credentials: { user: "ada", password: REDACTED },
      others: [
        { user: "ada", password: REDACTED },
        { user: "bob", password: REDACTED },
      ],
      byRealm: { main: { user: "ada", password: REDACTED } },
      at: "1970-01-01T00:00:00Z",
      note: "visible",
    });
    expect(login?.fields["grpc.response.content"]).toEqual({ token: REDACTED, user: "ada" });
    // Streams: the first maxStreamBodies messages of each side.
    expect(sync?.fields["grpc.request.content"]).toEqual([
      { secret: REDACTED, n: 1 },
      { secret: REDACTED, n: 2 },
    ]);
    expect(sync?.fields["grpc.response.content"]).toEqual([{ n: 1 }, { n: 2 }]);
    expect(sync?.fields).toMatchObject({ "grpc.request.count": 3, "grpc.response.count": 3 });
    expect(JSON.stringify(logger.lines)).not.toMatch(/hunter2|swordfish|t0k3n|"s1"/);
  });
});

describe("clientLogging", () => {
  test("writes one line per client call, also for a call that fails", async () => {
    const logger = memoryLogger();
    const { connect } = await serve(UserService, {
      async getUser({ userId }) {
        if (userId === "not-an-id") throw new RpcError(Code.INVALID_ARGUMENT, "not-an-id is not a user id");
        return { user: { userId } };
      },
      async *listUsers() {
        yield {};
        yield {};
        yield {};
      },
    });
    const client = connect(UserService, { interceptors: [clientLogging({ logger })] });
    await client.getUser({ userId: "u1" });
    await expect(client.getUser({ userId: "not-an-id" })).rejects.toBeInstanceOf(RpcError);
    for await (const _ of client.listUsers({})) {
      break; // stops reading early: the call is cancelled
    }
    expect(logger.lines.map((l) => l.fields)).toEqual([
      expect.objectContaining({ "grpc.component": "client", "grpc.method": "GetUser", "grpc.code": "OK" }),
      expect.objectContaining({ "grpc.code": "InvalidArgument", "grpc.error": "not-an-id is not a user id" }),
      expect.objectContaining({
        "grpc.method": "ListUsers",
        "grpc.code": "Canceled",
        "grpc.request.count": 1,
        "grpc.response.count": 1,
      }),
    ]);
  });
});

test("redactedJson turns what cannot be written as JSON into a note, not an exception", () => {
  const message = create(schema("fixture.v1.LoginRequest"), { at: { seconds: 253402300800n } } as never);
  // Year 10000 is out of range for a JSON Timestamp.
  expect(redactedJson(schema("fixture.v1.LoginRequest"), message)).toEqual(
    expect.stringContaining("fixture.v1.LoginRequest not printable"),
  );
});
