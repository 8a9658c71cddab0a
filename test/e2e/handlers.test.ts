import { create } from "@bufbuild/protobuf";
import { Code, createServer, RpcError, type ServerContext } from "grpckit";
import { describe, expect, test } from "vitest";
import type { UserServiceHandlers } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import {
  type GetUserRequest,
  GetUserResponseSchema,
  type ListUsersRequest,
  UserSchema,
} from "../../generated-example/ecommerce/v1/user_pb.js";
import { collect, serve } from "../support/serve.js";

describe("handlers", () => {
  test("may be methods of a class instance, called with `this` bound to it", async () => {
    class Users implements Pick<UserServiceHandlers, "getUser" | "listUsers"> {
      private readonly names = new Map([["u1", "Ada"]]);

      async getUser({ userId }: GetUserRequest) {
        return { user: { userId, displayName: this.names.get(userId) ?? "" } };
      }

      async *listUsers(_request: ListUsersRequest, { peer }: ServerContext) {
        for (const [userId, displayName] of this.names) yield { user: { userId, displayName, email: peer } };
      }
    }
    const { client } = await serve(UserService, new Users());
    expect((await client.getUser({ userId: "u1" })).user?.displayName).toBe("Ada");
    const [listed] = await collect(client.listUsers({}));
    expect(listed?.user?.displayName).toBe("Ada");
    expect(listed?.user?.email).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("may return a message or a plain object", async () => {
    const { client } = await serve(UserService, {
      async getUser({ userId }) {
        if (userId === "message") return create(GetUserResponseSchema, { user: create(UserSchema, { userId }) });
        return { user: { userId } };
      },
    });
    expect((await client.getUser({ userId: "message" })).user?.userId).toBe("message");
    expect((await client.getUser({ userId: "plain" })).user?.userId).toBe("plain");
  });

  test("may answer synchronously; a synchronous throw answers as a rejection does", async () => {
    const { client } = await serve(UserService, {
      getUser({ userId }) {
        if (userId === "missing") throw new RpcError(Code.NOT_FOUND, `no user ${userId}`);
        return { user: { userId } };
      },
    });
    expect((await client.getUser({ userId: "u1" })).user?.userId).toBe("u1");
    await expect(client.getUser({ userId: "missing" })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: "no user missing",
    });
  });

  test("may take the context apart: its methods work detached", async () => {
    const { client } = await serve(UserService, {
      async getUser({ userId }, { sendHeader, getAuthContext, trailer, deadline, peer, values }) {
        sendHeader({ "x-detached": "yes" });
        trailer.set("x-transport", getAuthContext().transportSecurityType ?? "none");
        return { user: { userId, email: peer, displayName: `${deadline === undefined} ${values !== undefined}` } };
      },
    });
    const headers: string[] = [];
    const trailers: string[] = [];
    const { user } = await client.getUser(
      { userId: "u1" },
      {
        onHeader: (metadata) => headers.push(String(metadata.get("x-detached")[0])),
        onTrailer: (metadata) => trailers.push(String(metadata.get("x-transport")[0])),
      },
    );
    expect(user?.email).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(user?.displayName).toBe("true true");
    expect(headers).toEqual(["yes"]);
    expect(trailers).toEqual(["none"]);
  });

  test("a plain object with a key that is not a method is refused: a typo", () => {
    const handlers = { getUsr: async () => ({}) };
    expect(() => createServer().add(UserService, handlers as never)).toThrow(
      'ecommerce.v1.UserService has no method "getUsr"',
    );
  });

  test("a method served twice is refused, and a refused add registers nothing", () => {
    async function* listUsers() {
      yield {};
    }
    const server = createServer().add(UserService, { listUsers });
    expect(() => server.add(UserService, { listUsers })).toThrow(
      "/ecommerce.v1.UserService/ListUsers is already served",
    );
    // createUser comes before listUsers in the service: it must not be left registered.
    expect(() => server.add(UserService, { createUser: async () => ({}), listUsers })).toThrow("already served");
    expect(() => server.add(UserService, { createUser: async () => ({}) })).not.toThrow();
  });

  test("a server-streaming handler that returns no iterable answers INTERNAL and is reported", async () => {
    const reported: unknown[] = [];
    const { client } = await serve(
      UserService,
      // @ts-expect-error: not an async generator.
      { listUsers: async () => [{ user: {} }] },
      { onError: (error) => reported.push(error) },
    );
    await expect(collect(client.listUsers({}))).rejects.toMatchObject({ code: Code.INTERNAL });
    expect(String(reported[0])).toContain("must return an AsyncIterable");
  });
});
