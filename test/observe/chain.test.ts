import { create } from "@bufbuild/protobuf";
import {
  type ClientInterceptor,
  Code,
  createContextKey,
  RpcError,
  type ServerContext,
  type ServerInterceptor,
} from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { ChatWithUsersResponseSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { schemaInterceptors } from "../../runtime/server/schema-interceptors.js";
import { userHandlers } from "../support/in-memory-shop.js";
import { collect, deferred, serve, within } from "../support/serve.js";

/** A server interceptor that records when calls enter and leave it. */
function recorder(name: string, log: string[]): ServerInterceptor {
  return (next) => async (call) => {
    log.push(`${name}>`);
    try {
      return await next(call);
    } finally {
      log.push(`<${name}`);
    }
  };
}

describe("server interceptors", () => {
  test("run in order, the first outermost, then the schema's interceptors, then the handler", async () => {
    const log: string[] = [];
    const schemaFactory = (method: { name: string }) =>
      method.name === "GetUser" ? recorder("schema", log) : undefined;
    schemaInterceptors.push(schemaFactory);
    onTestFinished(() => {
      schemaInterceptors.splice(schemaInterceptors.indexOf(schemaFactory), 1);
    });
    const { client } = await serve(
      UserService,
      {
        async getUser() {
          log.push("handler");
          return {};
        },
        async deleteUser() {
          log.push("handler");
          return {};
        },
      },
      { interceptors: [recorder("a", log), recorder("b", log)] },
    );
    await client.getUser({ userId: "u1" });
    expect(log).toEqual(["a>", "b>", "schema>", "handler", "<schema", "<b", "<a"]);
    log.length = 0;
    // The recording schema interceptor is for GetUser only: DeleteUser passes just its validation, which records nothing.
    await client.deleteUser({ userId: "u1" });
    expect(log).toEqual(["a>", "b>", "handler", "<b", "<a"]);
  });

  test("see and may change the messages of all four kinds of method", async () => {
    const seen: string[] = [];
    // Records each request's type, and replaces the chat's replies.
    const tagging: ServerInterceptor = (next) => async (call) => {
      if (!call.requestStream) seen.push(call.request.$typeName);
      const observed = call.requestStream
        ? {
            ...call,
            requests: (async function* () {
              for await (const request of call.requests) {
                seen.push(request.$typeName);
                yield request;
              }
            })(),
          }
        : call;
      const result = await next(observed);
      if (!result.responseStream || call.method.name !== "ChatWithUsers") {
        return result;
      }
      return {
        responseStream: true,
        responses: (async function* () {
          for await (const response of result.responses) {
            yield { ...response, message: "tagged" };
          }
        })(),
      };
    };
    const { client } = await serve(
      UserService,
      {
        ...userHandlers(),
        async *listUsers() {
          yield { user: { userId: "u1" } };
        },
        async *chatWithUsers(messages) {
          for await (const m of messages) yield { userId: m.userId, message: m.message };
        },
      },
      { interceptors: [tagging] },
    );
    await client.createUser({ email: "a@example.com", displayName: "A" });
    await client.createUsers([
      { user: { email: "b@example.com", displayName: "B" } },
      { user: { email: "c@example.com", displayName: "C" } },
    ]);
    await collect(client.listUsers({}));
    const replies = await collect(client.chatWithUsers([{ userId: "u1", message: "hi" }]));
    expect(replies.map((r) => r.message)).toEqual(["tagged"]);
    expect(seen).toEqual([
      "ecommerce.v1.CreateUserRequest",
      "ecommerce.v1.CreateUsersRequest",
      "ecommerce.v1.CreateUsersRequest",
      "ecommerce.v1.ListUsersRequest",
      "ecommerce.v1.ChatWithUsersRequest",
    ]);
  });

  test("may answer without calling the handler, and hand values to it by typed key", async () => {
    const tenantKey = createContextKey<string>("none", { description: "tenant" });
    const tenant: ServerInterceptor = (next) => async (call) => {
      const [value] = call.context.metadata.get("x-tenant");
      if (value === undefined) throw new RpcError(Code.UNAUTHENTICATED, "no tenant");
      call.context.values.set(tenantKey, String(value));
      return next(call);
    };
    const { client } = await serve(
      UserService,
      {
        async getUser(_request, context) {
          return { user: { userId: context.values.get(tenantKey) } };
        },
      },
      { interceptors: [tenant] },
    );
    await expect(client.getUser({ userId: "u1" })).rejects.toMatchObject({
      code: Code.UNAUTHENTICATED,
      rawMessage: "no tenant",
    });
    const { user } = await client.getUser({ userId: "u1" }, { metadata: { "x-tenant": "acme" } });
    expect(user?.userId).toBe("acme");
  });

  test("keep the server's semantics: INTERNAL without leaking, onError, trailers, UNIMPLEMENTED", async () => {
    const reported: unknown[] = [];
    const passThrough: ServerInterceptor = (next) => (call) => next(call);
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }, { trailer }) {
          trailer.set("x-cost", "2");
          if (userId === "boom") throw new Error("secret detail");
          throw new RpcError(Code.NOT_FOUND, "no such user");
        },
        // @ts-expect-error: answers the wrong message type.
        async deleteUser() {
          return create(ChatWithUsersResponseSchema, {});
        },
      },
      { interceptors: [passThrough], onError: (error) => reported.push(error) },
    );
    let trailers: unknown;
    await expect(
      client.getUser({ userId: "u1" }, { onTrailer: (metadata) => (trailers = metadata.get("x-cost")) }),
    ).rejects.toMatchObject({ code: Code.NOT_FOUND, rawMessage: "no such user" });
    expect(trailers).toEqual(["2"]);
    const failure = (await client.getUser({ userId: "boom" }).catch((error: unknown) => error)) as RpcError;
    expect(failure).toMatchObject({ code: Code.INTERNAL, rawMessage: "internal error" });
    expect(failure.message).not.toContain("secret");
    await expect(client.deleteUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.INTERNAL });
    expect(reported.map(String)).toEqual([
      "Error: secret detail",
      expect.stringContaining("returned a ecommerce.v1.ChatWithUsersResponse"),
    ]);
    await expect(client.createUser({ email: "a@example.com", displayName: "A" })).rejects.toMatchObject({
      code: Code.UNIMPLEMENTED,
    });
  });

  test("keep cancellation: breaking out of a stream stops the handler and closes its generator", async () => {
    const aborted = deferred<unknown>();
    const cleanedUp = deferred();
    const passThrough: ServerInterceptor = (next) => (call) => next(call);
    const { client } = await serve(
      UserService,
      {
        async *listUsers(_request, context) {
          context.signal.addEventListener("abort", () => aborted.resolve(context.signal.reason));
          try {
            for (let i = 0; ; i++) yield { user: { userId: `u${i}` } };
          } finally {
            cleanedUp.resolve();
          }
        },
      },
      { interceptors: [passThrough, passThrough] },
    );
    let received = 0;
    for await (const _ of client.listUsers({})) {
      if (++received === 3) break;
    }
    expect(await within(aborted.promise, "the handler's signal to abort")).toMatchObject({ code: Code.CANCELLED });
    await within(cleanedUp.promise, "the generator's finally block");
  });

  test("an interceptor's own exception answers INTERNAL and goes to onError", async () => {
    const reported: unknown[] = [];
    const broken: ServerInterceptor = () => async () => {
      throw new TypeError("interceptor bug");
    };
    const { client } = await serve(
      UserService,
      {
        async getUser() {
          return {};
        },
      },
      { interceptors: [broken], onError: (error) => reported.push(error) },
    );
    await expect(client.getUser({ userId: "u1" })).rejects.toMatchObject({
      code: Code.INTERNAL,
      rawMessage: "internal error",
    });
    expect(reported).toMatchObject([{ message: "interceptor bug" }]);
  });
});

describe("client interceptors", () => {
  test("add metadata, see each message both ways, for all four kinds, the first outermost", async () => {
    const seenByServer: (string | undefined)[] = [];
    const { connect } = await serve(UserService, {
      ...userHandlers(),
      async getUser({ userId }, context: ServerContext) {
        seenByServer.push(String(context.metadata.get("x-trace")[0]));
        return { user: { userId } };
      },
      async *chatWithUsers(messages, context) {
        seenByServer.push(String(context.metadata.get("x-trace")[0]));
        for await (const m of messages) yield { message: m.message.toUpperCase() };
      },
    });
    const log: string[] = [];
    const stamp =
      (name: string): ClientInterceptor =>
      (next) =>
      async (call) => {
        log.push(`${name}>`);
        call.metadata.add("x-trace", name);
        const result = await next(
          call.requestStream
            ? {
                ...call,
                requests: (async function* () {
                  for await (const r of call.requests) {
                    log.push(`${name} sends ${r.$typeName}`);
                    yield r;
                  }
                })(),
              }
            : call,
        );
        log.push(`<${name}`);
        if (!result.responseStream) return result;
        return {
          responseStream: true,
          responses: (async function* () {
            for await (const r of result.responses) {
              log.push(`${name} receives ${r.$typeName}`);
              yield r;
            }
          })(),
        };
      };
    const client = connect(UserService, { interceptors: [stamp("a"), stamp("b")] });

    expect((await client.getUser({ userId: "u1" })).user?.userId).toBe("u1");
    expect(log).toEqual(["a>", "b>", "<b", "<a"]);
    log.length = 0;

    const replies = await collect(client.chatWithUsers([{ userId: "u1", message: "hi" }]));
    expect(replies.map((r) => r.message)).toEqual(["HI"]);
    expect(log).toEqual([
      "a>",
      "b>",
      "<b",
      "<a",
      // The outermost sees each request first and each response last.
      "a sends ecommerce.v1.ChatWithUsersRequest",
      "b sends ecommerce.v1.ChatWithUsersRequest",
      "b receives ecommerce.v1.ChatWithUsersResponse",
      "a receives ecommerce.v1.ChatWithUsersResponse",
    ]);
    expect(seenByServer).toEqual(["a, b", "a, b"]);

    // Client streaming and server streaming work through the chain too.
    const { users } = await client.createUsers([{ user: { email: "a@example.com", displayName: "A" } }]);
    expect(users).toHaveLength(1);
    expect((await collect(client.listUsers({}))).map((r) => r.user?.email)).toEqual(["a@example.com"]);
  });

  test("a streaming call starts when iteration starts, and breaking out cancels it", async () => {
    const aborted = deferred<unknown>();
    const { connect } = await serve(UserService, {
      async *listUsers(_request, context) {
        context.signal.addEventListener("abort", () => aborted.resolve(context.signal.reason));
        for (let i = 0; ; i++) yield { user: { userId: `u${i}` } };
      },
    });
    let started = 0;
    const counting: ClientInterceptor = (next) => (call) => {
      started++;
      return next(call);
    };
    const client = connect(UserService, { interceptors: [counting] });
    const stream = client.listUsers({});
    expect(started).toBe(0);
    for await (const _ of stream) {
      break;
    }
    expect(started).toBe(1);
    expect(await within(aborted.promise, "the server's signal to abort")).toMatchObject({ code: Code.CANCELLED });
  });

  test("an interceptor's exception reaches the caller as an RpcError", async () => {
    const { connect } = await serve(UserService, userHandlers());
    const broken: ClientInterceptor = () => async () => {
      throw new Error("client interceptor bug");
    };
    const client = connect(UserService, { interceptors: [broken] });
    const failure = await client.getUser({ userId: "u1" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.UNKNOWN, rawMessage: "client interceptor bug" });
    await expect(collect(client.listUsers({}))).rejects.toBeInstanceOf(RpcError);
  });
});
