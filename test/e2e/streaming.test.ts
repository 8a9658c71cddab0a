import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { CreateUsersRequestSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { deferred, serve, within } from "../support/serve.js";

/** CreateUsers answering with one user per request, its id taken from the display name. */
async function serveCreateUsers() {
  return serve(UserService, {
    async createUsers(requests) {
      const users = [];
      for await (const { user } of requests) users.push({ userId: user?.displayName ?? "" });
      return { users };
    },
  });
}

/** A valid CreateUsersRequest (the schema's rules ask for an email and a name). */
const userNamed = (name: string) => ({ user: { email: `${name}@example.com`, displayName: name } });

describe("client streaming", () => {
  test("from an array of plain objects and messages", async () => {
    const { client } = await serveCreateUsers();
    const { users } = await client.createUsers([userNamed("a"), create(CreateUsersRequestSchema, userNamed("b"))]);
    expect(users.map((u) => u.userId)).toEqual(["a", "b"]);
    expect((await client.createUsers([])).users).toEqual([]);
  });

  test("from an async generator and from any sync iterable", async () => {
    const { client } = await serveCreateUsers();
    async function* requests() {
      for (const email of ["a", "b", "c"]) {
        await sleep(1);
        yield userNamed(email);
      }
    }
    expect((await client.createUsers(requests())).users.map((u) => u.userId)).toEqual(["a", "b", "c"]);
    const set = new Set([userNamed("x"), userNamed("y")]);
    expect((await client.createUsers(set)).users.map((u) => u.userId)).toEqual(["x", "y"]);
  });

  test("a fast request generator waits for a slow server", async () => {
    /*
     * grpc-js acknowledges a client's writes at once until 1 MiB per call is
     * buffered (grpc.per_rpc_retry_buffer_size, kept for retries); with ~1 KB
     * messages, ~1,000 of them, plus the 64 KiB flow-control window. Without
     * backpressure the generator runs to the end: all 20,000.
     */
    const total = 20_000;
    const maxAhead = 3_000;
    const padding = "x".repeat(250);
    const firstRead = deferred();
    const carryOn = deferred();
    let read = 0;
    const { client } = await serve(UserService, {
      async createUsers(requests) {
        for await (const _ of requests) {
          if (++read === 1) {
            firstRead.resolve();
            await carryOn.promise;
          }
        }
        return {};
      },
    });
    let produced = 0;
    function* requests() {
      for (let i = 0; i < total; i++) {
        produced++;
        const metadata = { a: padding, b: padding, c: padding, d: padding };
        yield { user: { email: `user-${i}@example.com`, displayName: `user ${i}`, metadata } };
      }
    }
    const call = client.createUsers(requests());
    call.catch(() => {}); // awaited below; a failed expectation must not also leave it unhandled
    await firstRead.promise;
    // Give the client every chance to run ahead while the handler is stopped.
    let last = -1;
    while (produced !== last) {
      last = produced;
      await sleep(50);
    }
    expect(produced - read).toBeLessThan(maxAhead);
    carryOn.resolve();
    await call;
    expect(read).toBe(total);
  });
});

describe("bidi streaming", () => {
  test("interleaves: the server answers each message before the client sends the next", async () => {
    const { client } = await serve(UserService, {
      async *chatWithUsers(requests) {
        for await (const { message } of requests) yield { message: `echo: ${message}` };
      },
    });
    let answered = deferred();
    async function* conversation() {
      for (const message of ["one", "two", "three"]) {
        answered = deferred();
        yield { userId: "u1", message };
        await answered.promise; // sent only once the previous reply arrived
      }
    }
    const replies: string[] = [];
    const chatting = (async () => {
      for await (const { message } of client.chatWithUsers(conversation())) {
        replies.push(message);
        answered.resolve();
      }
    })();
    await within(chatting, "the conversation to finish");
    expect(replies).toEqual(["echo: one", "echo: two", "echo: three"]);
  });

  test("the server may answer without waiting for requests, and the client may stop reading early", async () => {
    const { client } = await serve(UserService, {
      async *chatWithUsers() {
        for (let i = 0; ; i++) yield { message: `tick ${i}` };
      },
    });
    const replies: string[] = [];
    for await (const { message } of client.chatWithUsers([])) {
      replies.push(message);
      if (replies.length === 3) break;
    }
    expect(replies).toEqual(["tick 0", "tick 1", "tick 2"]);
  });
});

test("500 concurrent unary calls on one client", async () => {
  const calls = 500;
  const allArrived = deferred();
  let arrived = 0;
  const { client } = await serve(
    UserService,
    {
      async getUser({ userId }) {
        // Nobody answers before all calls are in: they are truly concurrent.
        if (++arrived === calls) allArrived.resolve();
        await allArrived.promise;
        return { user: { userId } };
      },
    },
    {
      // Past the default of 100 streams per connection, the client would queue the rest, and the handlers wait for all.
      limits: { maxConcurrentStreams: calls },
    },
  );
  const ids = Array.from({ length: calls }, (_, i) => `u${i}`);
  const responses = await within(
    Promise.all(ids.map((userId) => client.getUser({ userId }))),
    "all calls to complete",
    30_000,
  );
  expect(responses.map((r) => r.user?.userId)).toEqual(ids);
});
