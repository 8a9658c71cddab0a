import { EventEmitter, on } from "node:events";
import { Code, RpcError, type ServerContext } from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { cancelOnceStarted, deferred, serve, within } from "../support/serve.js";

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * An endless ListUsers whose handler reports when its signal aborts and when
 * its generator's finally block runs, plus a GetUser to check the server
 * still answers afterwards.
 */
async function serveEndlessStream() {
  const aborted = deferred<unknown>();
  const cleanedUp = deferred();
  const served = await serve(UserService, {
    async *listUsers(_request, context) {
      context.signal.addEventListener("abort", () => aborted.resolve(context.signal.reason));
      try {
        for (let i = 0; ; i++) {
          yield { user: { userId: `u${i}` } };
        }
      } finally {
        cleanedUp.resolve();
      }
    },
    async getUser({ userId }) {
      return { user: { userId } };
    },
  });
  const expectHandlerStopped = async () => {
    expect(await within(aborted.promise, "the handler's signal to abort")).toMatchObject({ code: Code.CANCELLED });
    await within(cleanedUp.promise, "the generator's finally block");
    expect(await served.client.getUser({ userId: "after" })).toMatchObject({ user: { userId: "after" } });
  };
  return { client: served.client, expectHandlerStopped };
}

describe("cancelling a server stream midway stops the handler, and the server keeps serving", () => {
  test("through the call's AbortSignal", async () => {
    const { client, expectHandlerStopped } = await serveEndlessStream();
    const controller = new AbortController();
    let received = 0;
    const reading = (async () => {
      for await (const _ of client.listUsers({}, { signal: controller.signal })) {
        if (++received === 3) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: "RpcError", code: Code.CANCELLED });
    expect(received).toBe(3); // nothing more is handed out once the signal aborts
    await expectHandlerStopped();
  });

  test("by breaking out of for await", async () => {
    const { client, expectHandlerStopped } = await serveEndlessStream();
    let received = 0;
    for await (const _ of client.listUsers({})) {
      if (++received === 3) break;
    }
    await expectHandlerStopped();
  });

  test("by throwing in the loop body", async () => {
    const { client, expectHandlerStopped } = await serveEndlessStream();
    const reading = (async () => {
      for await (const _ of client.listUsers({})) {
        throw new Error("stop reading");
      }
    })();
    await expect(reading).rejects.toThrow("stop reading");
    await expectHandlerStopped();
  });

  test("a handler waiting on a subscription (events.on) is closed at once, without another event", async () => {
    const feed = new EventEmitter();
    const closed = deferred();
    const { client } = await serve(UserService, {
      listUsers() {
        // A subscription: each event is a message; nothing else ends its wait.
        const events = on(feed, "user");
        return {
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              const { done, value } = await events.next();
              return done === true ? { done: true, value: undefined } : { done: false, value: value[0] };
            },
            return: async () => {
              closed.resolve();
              await events.return?.();
              return { done: true, value: undefined };
            },
          }),
        };
      },
    });
    let received = 0;
    const reading = (async () => {
      for await (const _ of client.listUsers({})) {
        if (++received === 2) break;
      }
    })();
    // The handler's first pull is waiting for its first event once a listener is on.
    await within(
      waitFor(() => feed.listenerCount("user") > 0),
      "the handler to subscribe",
    );
    feed.emit("user", { user: { userId: "u1" } });
    feed.emit("user", { user: { userId: "u2" } });
    await reading;
    await within(closed.promise, "the subscription to be closed");
    expect(feed.listenerCount("user")).toBe(0);
  });
});

describe("deadlines", () => {
  test("a unary call past its deadline fails DEADLINE_EXCEEDED and the handler's signal fires", async () => {
    const seen = deferred<ServerContext>();
    const aborted = deferred<unknown>();
    const { client } = await serve(UserService, {
      async getUser(_request, context) {
        seen.resolve(context);
        // Answers only once the call is cut short.
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
        aborted.resolve(context.signal.reason);
        return {};
      },
    });
    const sent = Date.now();
    await expect(client.getUser({ userId: "u1" }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
    });
    const reason = await within(aborted.promise, "the handler's signal to abort");
    expect(reason).toBeInstanceOf(RpcError);
    expect(reason).toMatchObject({ code: Code.DEADLINE_EXCEEDED });
    const { deadline } = await seen.promise;
    // grpc-timeout is relative: the server's deadline is 200 ms from when the
    // request arrived, so it can be a little later than the client's.
    expect(deadline?.getTime()).toBeGreaterThanOrEqual(sent + 150);
    expect(deadline?.getTime()).toBeLessThan(sent + 200 + 2_000);
  });

  test("the earlier of timeoutMs and deadline wins", async () => {
    const deadlines: (Date | undefined)[] = [];
    const { client } = await serve(UserService, {
      async getUser(_request, { deadline }) {
        deadlines.push(deadline);
        return {};
      },
    });
    const inAnHour = Date.now() + 3_600_000;
    await client.getUser({ userId: "u1" }, { timeoutMs: 60_000, deadline: inAnHour });
    await client.getUser({ userId: "u1" }, { timeoutMs: 7_200_000, deadline: new Date(inAnHour) });
    await client.getUser({ userId: "u1" });
    const [first, second, none] = deadlines;
    expect(first?.getTime()).toBeLessThan(Date.now() + 61_000);
    expect(Math.abs((second?.getTime() ?? 0) - inAnHour)).toBeLessThan(5_000);
    expect(none).toBeUndefined();
  });

  test("a call that completes normally does not abort its handler's signal", async () => {
    const signals: AbortSignal[] = [];
    const { client } = await serve(UserService, {
      async getUser(_request, { signal }) {
        signals.push(signal);
        return {};
      },
      async *listUsers(_request, { signal }) {
        signals.push(signal);
        yield {};
      },
    });
    await client.getUser({ userId: "u1" });
    for await (const _ of client.listUsers({})) {
      // drain
    }
    // grpc-js emits 'cancelled' for finished calls too, a tick after their status.
    await client.getUser({ userId: "u1" });
    expect(signals.map((s) => s.aborted)).toEqual([false, false, false]);
  });
});

describe("aborting on the client", () => {
  test("an already aborted signal fails at once with CANCELLED, without a call", async () => {
    let calls = 0;
    const { client } = await serve(UserService, {
      async getUser() {
        calls++;
        return {};
      },
      async *listUsers() {
        calls++;
        yield {};
      },
      async createUsers() {
        calls++;
        return {};
      },
      async *chatWithUsers() {
        calls++;
        yield {};
      },
    });
    const signal = AbortSignal.abort();
    await expect(client.getUser({ userId: "u1" }, { signal })).rejects.toMatchObject({ code: Code.CANCELLED });
    await expect(client.listUsers({}, { signal })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: Code.CANCELLED,
    });
    await expect(client.createUsers([], { signal })).rejects.toMatchObject({ code: Code.CANCELLED });
    await expect(client.chatWithUsers([], { signal })[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: Code.CANCELLED,
    });
    await client.getUser({ userId: "u1" });
    expect(calls).toBe(1);
  });

  test("a signal aborted during a unary call cancels it on both sides", async () => {
    const started = deferred();
    const aborted = deferred<unknown>();
    const { client } = await serve(UserService, {
      async getUser(_request, { signal }) {
        started.resolve();
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
        aborted.resolve(signal.reason);
        return {};
      },
    });
    await cancelOnceStarted((signal) => client.getUser({ userId: "u1" }, { signal }), started.promise);
    expect(await within(aborted.promise, "the handler's signal to abort")).toMatchObject({ code: Code.CANCELLED });
  });

  test("a unary handler that first reads its signal after the client cancelled finds it aborted", async () => {
    // The server makes a unary call's signal on first read (runtime/server/call-state.ts).
    const started = deferred();
    const cancelled = deferred();
    const seen = deferred<{ aborted: boolean; reason: unknown }>();
    const { client } = await serve(UserService, {
      async getUser(_request, context) {
        started.resolve();
        await cancelled.promise;
        // Give the RST_STREAM a moment to arrive before looking.
        await new Promise((resolve) => setTimeout(resolve, 100));
        seen.resolve({ aborted: context.signal.aborted, reason: context.signal.reason });
        return {};
      },
    });
    await cancelOnceStarted((signal) => client.getUser({ userId: "u1" }, { signal }), started.promise);
    cancelled.resolve();
    const { aborted, reason } = await within(seen.promise, "the handler to look at its signal");
    expect(aborted).toBe(true);
    expect(reason).toMatchObject({ code: Code.CANCELLED });
    expect(await client.getUser({ userId: "after" })).toBeDefined();
  });

  test("an error in the client's request stream cancels the call and surfaces", async () => {
    const received = deferred();
    const aborted = deferred<unknown>();
    const { client } = await serve(UserService, {
      async createUsers(requests, { signal }) {
        for await (const _ of requests) {
          received.resolve();
          break;
        }
        await new Promise((resolve) => signal.addEventListener("abort", resolve));
        aborted.resolve(signal.reason);
        return {};
      },
    });
    async function* failingRequests() {
      yield { user: { email: "a@example.com", displayName: "Ada" } };
      await received.promise; // the server has the call
      throw new Error("the request source broke");
    }
    const failure = await client.createUsers(failingRequests()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ rawMessage: "the request source broke" });
    expect((failure as RpcError).cause).toBeInstanceOf(Error);
    expect(await within(aborted.promise, "the handler's signal to abort")).toMatchObject({ code: Code.CANCELLED });
  });

  test("a cancelled request stream does not look complete to the handler (grpc/grpc-node#2583)", async () => {
    const received = deferred();
    const outcome = deferred<string>();
    const { client } = await serve(UserService, {
      async createUsers(requests) {
        try {
          for await (const _ of requests) {
            received.resolve();
          }
          outcome.resolve("the handler saw a complete request stream");
        } catch (error) {
          outcome.resolve(`the handler's stream failed: ${RpcError.from(error).code}`);
        }
        return {};
      },
    });
    const controller = new AbortController();
    async function* requests() {
      yield { user: { email: "a@example.com", displayName: "Ada" } };
      await received.promise;
      controller.abort();
      await new Promise(() => {}); // never ends by itself
    }
    await expect(client.createUsers(requests(), { signal: controller.signal })).rejects.toMatchObject({
      code: Code.CANCELLED,
    });
    expect(await within(outcome.promise, "the handler to finish")).toBe(
      `the handler's stream failed: ${Code.CANCELLED}`,
    );
  });
});
