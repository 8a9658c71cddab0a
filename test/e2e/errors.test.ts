import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { Code, RpcError, type ServerContext } from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, serve } from "../support/serve.js";

/** A server whose onError records what it receives. */
async function serveRecordingErrors(handlers: Parameters<typeof serve<typeof UserService>>[1]) {
  const reported: { error: unknown; path: string }[] = [];
  const served = await serve(UserService, handlers, {
    onError: (error: unknown, context: ServerContext) => reported.push({ error, path: context.method.path }),
  });
  return { ...served, reported };
}

describe("errors", () => {
  test("a method without a handler answers UNIMPLEMENTED, naming the method", async () => {
    const { client } = await serve(UserService, {
      async getUser() {
        return {};
      },
    });
    await expect(client.deleteUser({ userId: "u1" })).rejects.toMatchObject({
      code: Code.UNIMPLEMENTED,
      rawMessage: expect.stringContaining("/ecommerce.v1.UserService/DeleteUser"),
    });
    await expect(collect(client.listUsers({}))).rejects.toMatchObject({
      code: Code.UNIMPLEMENTED,
      rawMessage: expect.stringContaining("/ecommerce.v1.UserService/ListUsers"),
    });
    await expect(client.getUser({ userId: "u1" })).resolves.toBeDefined();
  });

  test("an unexpected exception answers INTERNAL without its message, goes to onError, and the server keeps serving", async () => {
    const { client, reported } = await serveRecordingErrors({
      async getUser({ userId }) {
        if (userId === "boom") throw new Error("db password is hunter2");
        return { user: { userId } };
      },
    });
    const failure = await client.getUser({ userId: "boom" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.INTERNAL, rawMessage: "internal error" });
    expect(String((failure as RpcError).message)).not.toContain("hunter2");
    expect(String((failure as RpcError).stack)).not.toContain("hunter2");

    expect(reported).toHaveLength(1);
    expect(reported[0]?.path).toBe("/ecommerce.v1.UserService/GetUser");
    expect(reported[0]?.error).toMatchObject({ message: "db password is hunter2" });

    expect(await client.getUser({ userId: "u1" })).toMatchObject({ user: { userId: "u1" } });
  });

  test("a stream that fails midway delivers what it sent, then the error", async () => {
    const { client, reported } = await serveRecordingErrors({
      async *listUsers() {
        yield { user: { userId: "u1" } };
        yield { user: { userId: "u2" } };
        throw new TypeError("secret detail");
      },
      async *chatWithUsers() {
        yield { message: "hello" };
        throw new RpcError(Code.RESOURCE_EXHAUSTED, "too chatty");
      },
    });
    const received: string[] = [];
    const reading = (async () => {
      for await (const { user } of client.listUsers({})) received.push(user?.userId ?? "");
    })();
    await expect(reading).rejects.toMatchObject({ code: Code.INTERNAL, rawMessage: "internal error" });
    expect(received).toEqual(["u1", "u2"]);
    expect(reported.map((r) => r.error)).toMatchObject([{ name: "TypeError", message: "secret detail" }]);

    const replies: string[] = [];
    const chatting = (async () => {
      for await (const { message } of client.chatWithUsers([])) replies.push(message);
    })();
    await expect(chatting).rejects.toMatchObject({ code: Code.RESOURCE_EXHAUSTED, rawMessage: "too chatty" });
    expect(replies).toEqual(["hello"]);
    expect(reported).toHaveLength(1); // an RpcError is an answer, not an unexpected error
  });

  test("an RpcError's code, message and metadata reach the client, with the context's trailers", async () => {
    const { client, reported } = await serveRecordingErrors({
      async getUser(_request, { trailer }) {
        trailer.set("x-request-cost", "3");
        throw new RpcError(Code.PERMISSION_DENIED, "admins only", {
          metadata: { "x-required-role": "admin", "x-detail-bin": Buffer.from([1, 2, 3]) },
        });
      },
    });
    let trailers: Metadata | undefined;
    const failure = await client
      .getUser({ userId: "u1" }, { onTrailer: (metadata) => (trailers = metadata) })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    const { code, rawMessage, message, metadata } = failure as RpcError;
    expect({ code, rawMessage, message }).toEqual({
      code: Code.PERMISSION_DENIED,
      rawMessage: "admins only",
      message: "7 PERMISSION_DENIED: admins only",
    });
    expect(metadata.get("x-required-role")).toEqual(["admin"]);
    expect(metadata.get("x-detail-bin")).toEqual([Buffer.from([1, 2, 3])]);
    expect(metadata.get("x-request-cost")).toEqual(["3"]);
    expect(trailers?.get("x-required-role")).toEqual(["admin"]);
    expect(reported).toEqual([]);
  });

  test("a handler that returns nothing answers INTERNAL and is reported", async () => {
    const { client, reported } = await serveRecordingErrors({
      // @ts-expect-error: the handler forgets to return a response.
      async deleteUser() {},
    });
    await expect(client.deleteUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.INTERNAL });
    expect(reported.map((r) => String(r.error))).toEqual([expect.stringContaining("returned undefined")]);
  });

  test("a request that does not decode answers INTERNAL, and the server keeps serving", async () => {
    const { client, address, reported } = await serveRecordingErrors({
      async getUser({ userId }) {
        return { user: { userId } };
      },
    });
    const raw = new Client(address, credentials.createInsecure());
    try {
      const failure = await new Promise<unknown>((resolve) => {
        raw.makeUnaryRequest(
          "/ecommerce.v1.UserService/GetUser",
          () => Buffer.from([0xff, 0xff, 0xff, 0xff]), // a tag that never ends
          (bytes: Buffer) => bytes,
          {},
          new Metadata(),
          {},
          (error) => resolve(error),
        );
      });
      expect(failure).toMatchObject({ code: Code.INTERNAL });
    } finally {
      raw.close();
    }
    expect(reported).toEqual([]);
    expect(await client.getUser({ userId: "u1" })).toMatchObject({ user: { userId: "u1" } });
  });
});
