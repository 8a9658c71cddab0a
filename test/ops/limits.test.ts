import { type ClientHttp2Session, connect as connectHttp2 } from "node:http2";
import { Code, closeClient, createClient, createServer, DEFAULT_SERVER_LIMITS, RpcError } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serverChannelOptions } from "../../runtime/server/limits.js";
import { collect, serve, within } from "../support/serve.js";

/**
 * GetUser echoes a user whose display name is the request's id, as long as asked.
 * ListUsers sends a small user, then one whose display name is as long as the
 * filter says (a number: page_size is at most 100 by the schema's rules).
 */
const echo = {
  async getUser({ userId }: { userId: string }) {
    return { user: { userId: "u1", displayName: userId } };
  },
  async *listUsers({ filter }: { filter: string }) {
    yield { user: { displayName: "small" } };
    yield { user: { displayName: "x".repeat(Number(filter)) } };
  },
};

/** A plain HTTP/2 connection to a server, to watch what the server does to its connections. */
function rawSession(address: string): ClientHttp2Session {
  const session = connectHttp2(`http://${address}`);
  session.on("error", () => {}); // a server closing the connection is what some tests wait for
  onTestFinished(() => {
    session.destroy();
  });
  return session;
}

describe("message size limits", () => {
  test("a request over the server's limit fails RESOURCE_EXHAUSTED, and the server keeps serving", async () => {
    const { client } = await serve(UserService, echo, { limits: { maxReceiveMessageBytes: 1024 } });
    await expect(client.getUser({ userId: "x".repeat(2048) })).rejects.toMatchObject({
      code: Code.RESOURCE_EXHAUSTED,
    });
    expect((await client.getUser({ userId: "small" })).user?.displayName).toBe("small");
  });

  test("a response over the server's send limit fails RESOURCE_EXHAUSTED, also midway through a stream", async () => {
    const { client } = await serve(UserService, echo, { limits: { maxSendMessageBytes: 1024 }, onError: () => {} });
    await expect(client.getUser({ userId: "x".repeat(2048) })).rejects.toMatchObject({
      code: Code.RESOURCE_EXHAUSTED,
    });
    const received: string[] = [];
    const reading = (async () => {
      for await (const { user } of client.listUsers({ filter: "2048" })) received.push(user?.displayName ?? "");
    })();
    await expect(reading).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect(received).toEqual(["small"]);
    expect((await client.getUser({ userId: "small" })).user?.displayName).toBe("small");
  });

  test("a response over the client's limit fails RESOURCE_EXHAUSTED on the client", async () => {
    const { address } = await serve(UserService, echo);
    const client = createClient(UserService, address, { limits: { maxReceiveMessageBytes: 1024 } });
    onTestFinished(() => closeClient(client));
    await expect(client.getUser({ userId: "x".repeat(2048) })).rejects.toMatchObject({
      code: Code.RESOURCE_EXHAUSTED,
    });
    expect((await collect(client.listUsers({ filter: "10" }))).length).toBe(2);
  });

  test("by default, requests are limited to 4 MiB", async () => {
    expect(DEFAULT_SERVER_LIMITS.maxReceiveMessageBytes).toBe(4 * 1024 * 1024);
    const { client } = await serve(UserService, echo);
    const failure = await client.getUser({ userId: "x".repeat(4 * 1024 * 1024 + 1) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect((await client.getUser({ userId: "x".repeat(1024 * 1024) })).user?.displayName).toHaveLength(1024 * 1024);
  });
});

describe("connections", () => {
  test("maxConcurrentStreams is announced to clients in the HTTP/2 settings", async () => {
    const { address } = await serve(UserService, echo, { limits: { maxConcurrentStreams: 7 } });
    const session = rawSession(address);
    const settings = await within(
      new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once("remoteSettings", resolve)),
      "the server's settings",
    );
    expect(settings.maxConcurrentStreams).toBe(7);
  });

  test("keepaliveTimeMs makes the server ping its connections", async () => {
    const { address } = await serve(UserService, echo, { limits: { keepaliveTimeMs: 50 } });
    const session = rawSession(address);
    await within(new Promise((resolve) => session.once("ping", resolve)), "a keepalive ping from the server");
  });

  test("maxConnectionAgeMs closes old connections with GOAWAY; a grpckit client just reconnects", async () => {
    const { address, client } = await serve(UserService, echo, {
      limits: { maxConnectionAgeMs: 100, maxConnectionAgeGraceMs: 1_000 },
    });
    const session = rawSession(address);
    await within(new Promise((resolve) => session.once("goaway", resolve)), "GOAWAY for an old connection");
    expect((await client.getUser({ userId: "again" })).user?.displayName).toBe("again");
  });

  test("channelOptions win over limits", async () => {
    const { address } = await serve(UserService, echo, {
      limits: { maxConcurrentStreams: 7 },
      channelOptions: { "grpc.max_concurrent_streams": 3 },
    });
    const session = rawSession(address);
    const settings = await within(
      new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once("remoteSettings", resolve)),
      "the server's settings",
    );
    expect(settings.maxConcurrentStreams).toBe(3);
  });
});

describe("defaults and checks", () => {
  test("by default, a connection may open 100 streams, announced in the HTTP/2 settings", async () => {
    expect(DEFAULT_SERVER_LIMITS.maxConcurrentStreams).toBe(100);
    const { address } = await serve(UserService, echo);
    const session = rawSession(address);
    const settings = await within(
      new Promise<{ maxConcurrentStreams?: number }>((resolve) => session.once("remoteSettings", resolve)),
      "the server's settings",
    );
    expect(settings.maxConcurrentStreams).toBe(100);
  });

  test("the defaults are set as grpc-js options; Infinity leaves an option out, which grpc-js reads as none", () => {
    expect(serverChannelOptions()).toMatchObject({
      "grpc.max_concurrent_streams": 100,
      "grpc.max_connection_age_ms": 3_600_000,
      "grpc.max_connection_age_grace_ms": 300_000,
      "grpc.max_connection_idle_ms": 3_600_000,
    });
    const none = serverChannelOptions({
      maxConcurrentStreams: Number.POSITIVE_INFINITY,
      maxConnectionAgeMs: Number.POSITIVE_INFINITY,
      maxConnectionAgeGraceMs: Number.POSITIVE_INFINITY,
      maxConnectionIdleMs: Number.POSITIVE_INFINITY,
    });
    expect(none).not.toHaveProperty("grpc.max_concurrent_streams");
    expect(none).not.toHaveProperty("grpc.max_connection_age_ms");
    expect(none).not.toHaveProperty("grpc.max_connection_age_grace_ms");
    expect(none).not.toHaveProperty("grpc.max_connection_idle_ms");
    // grpckit's own limits are not grpc-js options.
    expect(Object.keys(serverChannelOptions()).every((key) => key.startsWith("grpc."))).toBe(true);
  });

  test("a limit of the wrong kind is refused by createServer, naming the field", () => {
    const bad: [object, RegExp][] = [
      [{ maxConcurrentCalls: 0 }, /limits\.maxConcurrentCalls must be a whole number >= 1 or Infinity, not 0/],
      [{ requestIdleTimeoutMs: -5 }, /limits\.requestIdleTimeoutMs .* not -5/],
      [{ maxConcurrentStreams: 1.5 }, /limits\.maxConcurrentStreams .* not 1\.5/],
      [{ maxReceiveMessageBytes: -2 }, /limits\.maxReceiveMessageBytes must be a whole number >= -1/],
      [{ keepaliveTimeMs: "1000" }, /limits\.keepaliveTimeMs .* not "1000"/],
      [{ maxConcurrentCallsPerMethod: { ListUsers: 5 } }, /"ListUsers" is not a method path/],
      [
        { maxConcurrentCallsPerMethod: { "/ecommerce.v1.UserService/ListUsers": 0 } },
        /maxConcurrentCallsPerMethod\["\/ecommerce\.v1\.UserService\/ListUsers"\] must be/,
      ],
      [{ maxConcurrentCallsPerMethod: [5] }, /maxConcurrentCallsPerMethod must be a number or an object/],
      // A typo, or a client's limit, would otherwise leave its default in place without a word.
      [{ maxConcurentCalls: 10 }, /limits\.maxConcurentCalls is no server limit; they are maxReceiveMessageBytes, /],
      [{ idleTimeoutMs: 1000 }, /limits\.idleTimeoutMs is no server limit/],
      // The answer bounds are budgets: never Infinity.
      [
        { maxViolations: Number.POSITIVE_INFINITY },
        /limits\.maxViolations must be an integer of at least 1, not Infinity/,
      ],
    ];
    for (const [limits, message] of bad) {
      expect(() => createServer({ limits: limits as never })).toThrow(message);
    }
    // -1 (no limit) stays valid for message sizes; Infinity for the others.
    expect(() =>
      createServer({
        limits: {
          maxReceiveMessageBytes: -1,
          maxConcurrentCalls: Number.POSITIVE_INFINITY,
          maxConcurrentCallsPerMethod: 10,
        },
      }),
    ).not.toThrow();
  });
});
