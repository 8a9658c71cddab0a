import { setMaxListeners } from "node:events";
import { create, toBinary } from "@bufbuild/protobuf";
import { type ClientOf, Code, type HandlersOf, Health, RpcError, ServingStatus } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { CreateUsersRequestSchema, GetUserRequestSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { deferred, serve, within } from "../support/serve.js";
import { frame, outcome, rawSession, rawUnary, startCall } from "./raw-grpc.js";

/*
 * Attacks on a server's capacity: many streams over many connections, calls
 * that send nothing, requests trickled a byte at a time. Each case checks
 * the status the attacker gets, that the server still answers a second call
 * on the same channel, and that nothing was written. The servers run with
 * low limits and short timeouts (set through `limits`), so the attacks stay
 * small: a few hundred streams, a few seconds, 127.0.0.1 only.
 */

type Client = ClientOf<typeof UserService>;

/** A store the handlers write to: what the attacks must not change. */
function userStore() {
  const users = new Map<string, string>();
  let opened = 0;
  const handlers: Partial<HandlersOf<typeof UserService>> = {
    async getUser({ userId }) {
      return { user: { userId, displayName: users.get(userId) ?? "" } };
    },
    // Sends one user, then holds the stream open until the call ends.
    async *listUsers(_request, { signal }) {
      opened++;
      yield { user: { userId: "first" } };
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
    },
    // Creates the users once the whole request stream is in: a stream cut short creates none.
    async createUsers(requests) {
      const batch: string[] = [];
      for await (const { user } of requests) batch.push(user?.displayName ?? "");
      for (const name of batch) users.set(`u${users.size + 1}`, name);
      return { users: batch.map((displayName) => ({ displayName })) };
    },
  };
  return { users, handlers, opened: () => opened };
}

/** Opens a ListUsers stream; resolves once the server sent its first user, or with the refusal. */
async function openStream(client: Client, signal: AbortSignal): Promise<"open" | RpcError> {
  try {
    const first = await client.listUsers({}, { signal })[Symbol.asyncIterator]().next();
    expect(first.value?.user?.userId).toBe("first");
    return "open";
  } catch (error) {
    return RpcError.from(error);
  }
}

/** Aborts `controller` when the test finishes, pass or fail. */
function abortAtEnd(): AbortController {
  const controller = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, controller.signal); // one listener per call of the test
  onTestFinished(() => controller.abort());
  return controller;
}

const USER = { user: { email: "ada@example.com", displayName: "Ada" } };

describe("the number of calls in progress is bounded", () => {
  test("a client with many connections gets maxConcurrentCalls streams, the rest RESOURCE_EXHAUSTED, and the slots come back", async () => {
    const store = userStore();
    const { client, connect } = await serve(UserService, store.handlers, {
      auth: false,
      limits: { maxConcurrentCalls: 40 },
    });
    // 300 streams over 4 connections of one client.
    const clients = [client, connect(UserService), connect(UserService), connect(UserService)];
    const first = abortAtEnd();
    const outcomes = await within(
      Promise.all(Array.from({ length: 300 }, (_, i) => openStream(clients[i % 4] as Client, first.signal))),
      "300 streams to open or be refused",
      30_000,
    );
    const refused = outcomes.filter((o) => o !== "open");
    expect(outcomes.filter((o) => o === "open")).toHaveLength(40);
    expect(refused).toHaveLength(260);
    for (const error of refused) {
      expect(error).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
      expect((error as RpcError).rawMessage).toContain("maxConcurrentCalls");
    }
    expect(store.opened()).toBe(40); // the refused calls never reached the handler
    // Unary calls are refused too while the server is full, and create nothing.
    await expect(client.createUsers([USER])).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect(store.users.size).toBe(0);

    // Once the streams end, their slots are free again: all of them.
    first.abort();
    await expect
      .poll(async () => (await client.getUser({ userId: "u1" }).then(() => "ok", RpcError.from)) === "ok")
      .toBe(true);
    const second = abortAtEnd();
    const again = await within(
      Promise.all(Array.from({ length: 40 }, (_, i) => openStream(clients[i % 4] as Client, second.signal))),
      "40 streams to open",
    );
    expect(again.every((o) => o === "open")).toBe(true);
    second.abort();
    await expect
      .poll(async () => (await client.createUsers([USER]).catch(RpcError.from)) instanceof RpcError)
      .toBe(false);
    expect([...store.users.values()]).toEqual(["Ada"]);
  });

  test("maxConcurrentCallsPerMethod caps one method; the others keep being served", async () => {
    const store = userStore();
    const { client } = await serve(UserService, store.handlers, {
      auth: false,
      limits: { maxConcurrentCallsPerMethod: { "/ecommerce.v1.UserService/ListUsers": 5 } },
    });
    const streams = abortAtEnd();
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => openStream(client, streams.signal)));
    expect(outcomes).toEqual(["open", "open", "open", "open", "open"]);
    const sixth = await openStream(client, streams.signal);
    expect(sixth).toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect((sixth as RpcError).rawMessage).toContain("/ecommerce.v1.UserService/ListUsers");
    expect((sixth as RpcError).rawMessage).toContain("maxConcurrentCallsPerMethod");
    expect(await client.createUsers([USER])).toMatchObject({ users: [{ displayName: "Ada" }] });
    expect(store.opened()).toBe(5);
  });

  test("health Watch streams count against the cap; Check still answers when the server is full", async () => {
    const store = userStore();
    const { client, connect } = await serve(UserService, store.handlers, {
      auth: false,
      health: true,
      limits: { maxConcurrentCalls: 10 },
    });
    const health = connect(Health);
    const watches = abortAtEnd();
    const watch = async () => {
      try {
        const first = await health.watch({ service: "" }, { signal: watches.signal })[Symbol.asyncIterator]().next();
        return first.value?.status;
      } catch (error) {
        return RpcError.from(error).code;
      }
    };
    const statuses = await Promise.all(Array.from({ length: 12 }, watch));
    expect(statuses.filter((s) => s === ServingStatus.SERVING)).toHaveLength(10);
    expect(statuses.filter((s) => s === Code.RESOURCE_EXHAUSTED)).toHaveLength(2);
    await expect(client.getUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    expect(await health.check({ service: "" })).toMatchObject({ status: ServingStatus.SERVING });
    watches.abort();
    await expect
      .poll(async () => (await client.getUser({ userId: "u1" }).catch(RpcError.from)) instanceof RpcError)
      .toBe(false);
  });
});

describe("a call whose client sends nothing ends after requestIdleTimeoutMs", () => {
  const limits = { requestIdleTimeoutMs: 300 };

  test("a client stream that sends nothing fails DEADLINE_EXCEEDED, its handler's signal aborts with the same error, it creates nothing; the next call works", async () => {
    const store = userStore();
    const aborted = deferred<unknown>();
    const { client } = await serve(
      UserService,
      {
        ...store.handlers,
        async createUsers(requests, context) {
          context.signal.addEventListener("abort", () => aborted.resolve(context.signal.reason));
          return store.handlers.createUsers?.call(undefined, requests, context) ?? {};
        },
      },
      { auth: false, limits },
    );
    const silence = abortAtEnd();
    async function* nothing() {
      await new Promise((resolve) => silence.signal.addEventListener("abort", resolve));
      yield USER;
    }
    const failure = await within(client.createUsers(nothing()).catch(RpcError.from), "the idle call to end");
    expect(failure).toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    expect((failure as RpcError).rawMessage).toContain("requestIdleTimeoutMs");
    // The handler learns of it through its signal, with the reason the client got.
    const reason = await within(aborted.promise, "the handler's signal to abort");
    expect(reason).toBeInstanceOf(RpcError);
    expect(reason).toMatchObject({ code: Code.DEADLINE_EXCEEDED, rawMessage: (failure as RpcError).rawMessage });
    expect(store.users.size).toBe(0);
    expect(await client.createUsers([USER])).toMatchObject({ users: [{ displayName: "Ada" }] });
    expect(store.users.size).toBe(1);
  });

  test("20 streams that trickle their requests a byte at a time are all ended; the connection keeps serving", async () => {
    const store = userStore();
    let unaryCalls = 0;
    const { address } = await serve(
      UserService,
      {
        ...store.handlers,
        async getUser(request, context) {
          unaryCalls++;
          return store.handlers.getUser?.call(undefined, request, context) ?? {};
        },
      },
      { auth: false, limits },
    );
    const session = rawSession(address);
    const message = frame(toBinary(CreateUsersRequestSchema, create(CreateUsersRequestSchema, USER)));
    const unary = frame(toBinary(GetUserRequestSchema, create(GetUserRequestSchema, { userId: "u1" })));
    const trickles: Promise<{ status: number | undefined }>[] = [];
    const timers: NodeJS.Timeout[] = [];
    onTestFinished(() => {
      for (const timer of timers) clearInterval(timer);
    });
    for (let i = 0; i < 20; i++) {
      // Half client streams, half unary calls: grpc-js waits for a unary request's last byte too.
      const [path, bytes] =
        i % 2 === 0 ? ["/ecommerce.v1.UserService/CreateUsers", message] : ["/ecommerce.v1.UserService/GetUser", unary];
      const stream = startCall(session, path);
      trickles.push(outcome(stream));
      let sent = 0;
      const timer = setInterval(() => {
        if (stream.destroyed || stream.closed || sent >= bytes.length) {
          clearInterval(timer);
          return;
        }
        stream.write(bytes.subarray(sent, sent + 1));
        sent += 1;
      }, 100);
      timers.push(timer);
    }
    const ended = await within(Promise.all(trickles), "the trickling calls to end", 10_000);
    expect(ended.map((e) => e.status)).toEqual(Array(20).fill(Code.DEADLINE_EXCEEDED));
    expect(unaryCalls).toBe(0);
    expect(store.users.size).toBe(0);
    // The same connection still serves a well-behaved call.
    expect(await rawUnary(session, "/ecommerce.v1.UserService/GetUser", unary.subarray(5))).toMatchObject({
      status: 0,
    });
    expect(unaryCalls).toBe(1);
  });

  test("waiting on the handler is not idleness: a slow handler, one that reads late, a bidi stream that only sends", async () => {
    const slow = 3 * limits.requestIdleTimeoutMs;
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          await pause(slow);
          return { user: { userId } };
        },
        async createUsers(requests) {
          await pause(slow); // the requests wait, in grpc-js's buffers
          let count = 0;
          for await (const _ of requests) count++;
          return { users: Array.from({ length: count }, () => ({})) };
        },
        async *chatWithUsers(requests) {
          for await (const { userId } of requests) {
            // One answer every 100 ms for 1 s, while the client sends nothing more.
            for (let i = 0; i < 10; i++) {
              await pause(100);
              yield { userId, message: `tick ${i}` };
            }
            return;
          }
        },
      },
      { auth: false, limits },
    );
    expect(await client.getUser({ userId: "u1" })).toMatchObject({ user: { userId: "u1" } });
    expect((await client.createUsers([USER, USER, USER])).users).toHaveLength(3);
    const done = deferred();
    async function* oneThenWait() {
      yield { userId: "u1", message: "hello" };
      await done.promise;
    }
    const ticks: string[] = [];
    for await (const { message } of client.chatWithUsers(oneThenWait())) ticks.push(message);
    done.resolve();
    expect(ticks).toHaveLength(10);
  });
});
