import { Code, RpcError, recovery, type ServerCall, type ServerInterceptor } from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

class ConnectionRefused extends Error {}

/** GetUser fails as told by the user id; ListUsers fails after one message. */
const failingHandlers = {
  async getUser({ userId }: { userId: string }) {
    if (userId === "boom") throw new Error("password=hunter2");
    if (userId === "db") throw new ConnectionRefused("db 10.0.0.7 refused");
    if (userId === "missing") throw new RpcError(Code.NOT_FOUND, "no such user");
    return { user: { userId } };
  },
  async *listUsers() {
    yield { user: { userId: "u1" } };
    throw new TypeError("stream bug");
  },
};

async function statusOf(promise: Promise<unknown>): Promise<{ code: Code; rawMessage: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(error)}`);
  return { code: error.code, rawMessage: error.rawMessage };
}

describe("recovery", () => {
  test("answers INTERNAL as the server itself would, and reports the exception once, to its own hook", async () => {
    const recovered: { error: unknown; call: ServerCall }[] = [];
    const serverReported: unknown[] = [];
    const withRecovery = await serve(UserService, failingHandlers, {
      interceptors: [recovery({ onError: (error, call) => recovered.push({ error, call }) })],
      onError: (error) => serverReported.push(error),
    });
    const without = await serve(UserService, failingHandlers, { onError: () => {} });

    const status = await statusOf(withRecovery.client.getUser({ userId: "boom" }));
    expect(status).toEqual({ code: Code.INTERNAL, rawMessage: "internal error" });
    expect(status).toEqual(await statusOf(without.client.getUser({ userId: "boom" })));

    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.error).toMatchObject({ message: "password=hunter2" });
    expect(recovered[0]?.call.method.path).toBe("/ecommerce.v1.UserService/GetUser");
    expect(serverReported).toEqual([]); // not reported twice

    // An RpcError is an answer, not an exception: passed on, not reported.
    expect(await statusOf(withRecovery.client.getUser({ userId: "missing" }))).toEqual({
      code: Code.NOT_FOUND,
      rawMessage: "no such user",
    });
    expect(recovered).toHaveLength(1);
  });

  test("recovers a stream that fails midway, after the messages sent before", async () => {
    const recovered: unknown[] = [];
    const { client } = await serve(UserService, failingHandlers, {
      interceptors: [recovery({ onError: (error) => recovered.push(error) })],
      onError: () => {},
    });
    const received: string[] = [];
    const reading = (async () => {
      for await (const { user } of client.listUsers({})) received.push(user?.userId ?? "");
    })();
    expect(await statusOf(reading)).toEqual({ code: Code.INTERNAL, rawMessage: "internal error" });
    expect(received).toEqual(["u1"]);
    expect(recovered).toMatchObject([{ name: "TypeError", message: "stream bug" }]);
  });

  test("toRpcError chooses a better code; interceptors inside it are recovered too; a throwing hook is ignored", async () => {
    const brokenInside: ServerInterceptor = (next) => async (call) => {
      if (!call.requestStream && (call.request as { userId?: string }).userId === "interceptor") {
        throw new Error("interceptor bug");
      }
      return next(call);
    };
    const seen: unknown[] = [];
    const { client } = await serve(UserService, failingHandlers, {
      interceptors: [
        recovery({
          onError: (error) => {
            seen.push(error);
            throw new Error("the reporter is down");
          },
          toRpcError: (error) =>
            error instanceof ConnectionRefused ? new RpcError(Code.UNAVAILABLE, "try again later") : undefined,
        }),
        brokenInside,
      ],
      onError: () => {},
    });
    expect(await statusOf(client.getUser({ userId: "db" }))).toEqual({
      code: Code.UNAVAILABLE,
      rawMessage: "try again later",
    });
    expect(await statusOf(client.getUser({ userId: "interceptor" }))).toEqual({
      code: Code.INTERNAL,
      rawMessage: "internal error",
    });
    expect(seen).toMatchObject([{ message: "db 10.0.0.7 refused" }, { message: "interceptor bug" }]);
    expect((await client.getUser({ userId: "u1" })).user?.userId).toBe("u1");
  });
});
