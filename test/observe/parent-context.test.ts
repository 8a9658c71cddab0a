import { Code, closeClient, createClient, RpcError, type ServerContext } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { deferred, serve, within } from "../support/serve.js";

/**
 * A downstream OrderService whose GetOrder records its context and waits
 * until its call is cut short (or answers at once when asked to).
 */
async function serveDownstream() {
  const contexts: ServerContext[] = [];
  const downstreamAborted = deferred<unknown>();
  const reached = deferred();
  const { address } = await serve(OrderService, {
    async getOrder({ orderId }, context) {
      contexts.push(context);
      if (orderId === "quick") return {};
      context.signal.addEventListener("abort", () => downstreamAborted.resolve(context.signal.reason));
      reached.resolve();
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      return {};
    },
  });
  const orders = createClient(OrderService, address);
  onTestFinished(() => closeClient(orders));
  return { orders, contexts, downstreamAborted, reached };
}

describe("a call made with `parent`", () => {
  test("inherits the parent's deadline when it has none, and the earlier one when it has its own", async () => {
    const { orders, contexts } = await serveDownstream();
    const { client } = await serve(UserService, {
      async getUser({ userId }, ctx) {
        const options = userId === "own-later" ? { parent: ctx, timeoutMs: 600_000 } : { parent: ctx };
        await orders.getOrder({ orderId: "quick" }, options);
        return {};
      },
    });
    await client.getUser({ userId: "none" }, { timeoutMs: 10_000 });
    await client.getUser({ userId: "own-later" }, { timeoutMs: 10_000 });
    await client.getUser({ userId: "none" }); // a parent without a deadline gives none
    const [inherited, earlier, unbounded] = contexts.map((c) => c.deadline);
    const aMinute = Date.now() + 60_000;
    expect(inherited).toBeInstanceOf(Date);
    expect(inherited?.getTime()).toBeLessThan(aMinute);
    expect(earlier?.getTime()).toBeLessThan(aMinute); // not the child's own 10 minutes
    expect(unbounded).toBeUndefined();
  });

  test("fails DEADLINE_EXCEEDED downstream when the parent's deadline passes", async () => {
    const { orders, downstreamAborted } = await serveDownstream();
    const childFailure = deferred<unknown>();
    const { client } = await serve(UserService, {
      async getUser(_request, ctx) {
        await orders.getOrder({ orderId: "slow" }, { parent: ctx }).catch((error: unknown) => {
          childFailure.resolve(error);
        });
        return {};
      },
    });
    await expect(client.getUser({ userId: "u1" }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
    });
    expect(await within(childFailure.promise, "the child call to fail")).toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
    });
    expect(await within(downstreamAborted.promise, "the downstream handler's signal")).toMatchObject({
      code: Code.DEADLINE_EXCEEDED,
    });
  });

  test("is cancelled when its parent is: the caller's cancellation reaches the downstream handler", async () => {
    const { orders, downstreamAborted, reached } = await serveDownstream();
    const childFailure = deferred<unknown>();
    const { client } = await serve(UserService, {
      async getUser(_request, ctx) {
        await orders.getOrder({ orderId: "slow" }, { parent: ctx }).catch((error: unknown) => {
          childFailure.resolve(error);
        });
        return {};
      },
    });
    const controller = new AbortController();
    const call = client.getUser({ userId: "u1" }, { signal: controller.signal });
    await within(reached.promise, "the downstream handler");
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: Code.CANCELLED });
    const failure = await within(childFailure.promise, "the child call to fail");
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.CANCELLED });
    expect(await within(downstreamAborted.promise, "the downstream handler's signal")).toMatchObject({
      code: Code.CANCELLED,
    });
  });

  test("its own signal still cancels it", async () => {
    const { orders, downstreamAborted, reached } = await serveDownstream();
    const { client } = await serve(UserService, {
      async getUser(_request, ctx) {
        const own = new AbortController();
        const child = orders.getOrder({ orderId: "slow" }, { parent: ctx, signal: own.signal });
        await reached.promise;
        own.abort();
        await child.catch(() => {});
        return { user: { userId: "answered" } };
      },
    });
    expect((await client.getUser({ userId: "u1" })).user?.userId).toBe("answered");
    expect(await within(downstreamAborted.promise, "the downstream handler's signal")).toMatchObject({
      code: Code.CANCELLED,
    });
  });
});
