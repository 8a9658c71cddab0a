import { create } from "@bufbuild/protobuf";
import { Code, RpcError } from "grpckit";
import { describe, expect, test } from "vitest";
import { mintToken } from "../../example/servers.js";
import { createMemoryStore } from "../../example/store/memory.js";
import { GatewayService } from "../../generated-example/ecommerce/v1/gateway_grpckit.js";
import { OrderSchema, OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { collect, within } from "../support/serve.js";
import {
  abortedWith,
  DelayedUsers,
  GatedProducts,
  HOME,
  StuckOrders,
  seedOrder,
  serveGateway,
  serveShop,
} from "./harness.js";

describe("the example's GatewayService", () => {
  test("GetOrderDetails puts together the order, its user and its products", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { user, lamp, mug, order } = await seedOrder(shop);

    const { details } = await gateway.client.getOrderDetails({ orderId: order.orderId });
    expect(details?.order).toEqual(order);
    expect(details?.user).toEqual(user);
    expect(details?.products).toEqual({
      [lamp.productId]: await shop.store.products.get(lamp.productId),
      [mug.productId]: await shop.store.products.get(mug.productId),
    });
    expect(details?.products[lamp.productId]?.stock).toBe(9);
    expect(details?.missingProductIds).toEqual([]);
  });

  test("a product the catalogue no longer has is reported missing, not dropped", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { user, lamp } = await seedOrder(shop);
    // An order from before the catalogue lost a product: made in the store, as no RPC deletes products.
    const old = await shop.store.orders.create(
      create(OrderSchema, {
        userId: user.userId,
        items: [
          { productId: "p-gone", quantity: 1 },
          { productId: lamp.productId, quantity: 1 },
          { productId: "p-gone", quantity: 2 },
        ],
        status: OrderStatus.PAID,
      }),
    );
    const { details } = await gateway.client.getOrderDetails({ orderId: old.orderId });
    expect(Object.keys(details?.products ?? {})).toEqual([lamp.productId]);
    expect(details?.missingProductIds).toEqual(["p-gone"]);
    expect(details?.user?.userId).toBe(user.userId);
  });

  test("products are looked up concurrently: a slow one does not hold back the others", async () => {
    const products = new GatedProducts();
    const shop = await serveShop({ ...createMemoryStore(), products });
    const gateway = await serveGateway(shop);
    const { user } = await seedOrder(shop);
    const others: string[] = [];
    for (const name of ["Mug", "Plate", "Fork", "Spoon"]) {
      const { product } = await shop.products.client.createProduct({
        name,
        price: { currencyCode: "EUR", units: 1n },
        stock: 1,
      });
      others.push(product?.productId ?? "");
    }
    const { product: slow } = await shop.products.client.createProduct({
      name: "Slow lamp",
      price: { currencyCode: "EUR", units: 1n },
      stock: 1,
    });
    const slowId = slow?.productId ?? "";
    // The slow product comes first: looked up one after another, none of the others would start.
    const { order } = await shop.orders.client.createOrder({
      userId: user.userId,
      shippingAddress: HOME,
      items: [slowId, ...others].map((productId) => ({ productId, quantity: 1 })),
    });
    products.gatedId = slowId;

    const details = gateway.client.getOrderDetails({ orderId: order?.orderId ?? "" });
    await within(products.gateReached.promise, "the slow product's lookup to start");
    await within(Promise.all(others.map((id) => products.returned(id))), "the other products' lookups to return");
    products.open();
    const { details: answered } = await within(details, "the gateway's answer");
    expect(Object.keys(answered?.products ?? {}).sort()).toEqual([products.gatedId, ...others].sort());
  });

  test("a 200 ms deadline on the gateway call ends the calls behind it by then", async () => {
    const orders = new StuckOrders();
    const shop = await serveShop({ ...createMemoryStore(), orders });
    const gateway = await serveGateway(shop);
    const { order } = await seedOrder(shop);
    orders.stuck = true;

    const sent = Date.now();
    const failure = gateway.client
      .getOrderDetails({ orderId: order.orderId }, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    // The order service's handler had the gateway's deadline, and its signal fired by then.
    const signal = await within(orders.reached.promise, "the order lookup");
    const [context] = shop.contexts.getOrder;
    const deadline = context?.deadline?.getTime();
    expect(deadline).toBeDefined();
    expect(deadline).toBeGreaterThanOrEqual(sent + 100);
    expect(deadline).toBeLessThanOrEqual(sent + 200 + 1_000);
    const reason = await within(abortedWith(signal), "the order handler's signal");
    expect(Date.now()).toBeLessThan(sent + 200 + 2_000);
    expect(reason).toBeInstanceOf(RpcError);
    expect([Code.DEADLINE_EXCEEDED, Code.CANCELLED]).toContain(reason instanceof RpcError ? reason.code : undefined);
    expect(await failure).toMatchObject({ code: Code.DEADLINE_EXCEEDED });
  });

  test("the calls behind the gateway have its deadline, the user and product lookups too", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { order } = await seedOrder(shop);
    const sent = Date.now();
    await gateway.client.getOrderDetails({ orderId: order.orderId }, { timeoutMs: 30_000 });
    const contexts = [...shop.contexts.getOrder, ...shop.contexts.getUser, ...shop.contexts.getProduct];
    expect(contexts).toHaveLength(4);
    for (const { deadline, method } of contexts) {
      expect(deadline?.getTime(), method.path).toBeGreaterThanOrEqual(sent + 29_000);
      expect(deadline?.getTime(), method.path).toBeLessThanOrEqual(Date.now() + 30_000);
    }
  });

  test("cancelling the gateway call cancels the calls behind it", async () => {
    const products = new GatedProducts();
    const shop = await serveShop({ ...createMemoryStore(), products });
    const gateway = await serveGateway(shop);
    const { lamp, order } = await seedOrder(shop);
    products.gatedId = lamp.productId;

    const controller = new AbortController();
    const call = gateway.client.getOrderDetails({ orderId: order.orderId }, { signal: controller.signal });
    const signal = await within(products.gateReached.promise, "the product lookup");
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: Code.CANCELLED });
    expect(await within(abortedWith(signal), "the product handler's signal")).toMatchObject({ code: Code.CANCELLED });
  });

  test("a failed user lookup fails the call with its code, and cancels the product lookups", async () => {
    const users = new DelayedUsers();
    const products = new GatedProducts();
    const shop = await serveShop({ ...createMemoryStore(), users, products });
    const gateway = await serveGateway(shop);
    const { user, lamp, order } = await seedOrder(shop);
    products.gatedId = lamp.productId;
    await shop.users.client.deleteUser({ userId: user.userId });
    // The user lookup answers NOT_FOUND only once the slow product lookup is under way.
    users.until = products.gateReached.promise;

    await expect(gateway.client.getOrderDetails({ orderId: order.orderId })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: `user ${user.userId} not found`,
    });
    const signal = await products.gateReached.promise;
    expect(await within(abortedWith(signal), "the product handler's signal")).toMatchObject({ code: Code.CANCELLED });
  });

  test("an unknown order is NOT_FOUND", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    await expect(gateway.client.getOrderDetails({ orderId: "o404" })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: "order o404 not found",
    });
    await expect(collect(gateway.client.streamOrderDetails({ orderId: "o404" }))).rejects.toMatchObject({
      code: Code.NOT_FOUND,
    });
  });

  test("a user service that is down makes the call UNAVAILABLE", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { order } = await seedOrder(shop);
    await shop.users.stop();
    const error = await gateway.client.getOrderDetails({ orderId: order.orderId }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Code.UNAVAILABLE, rawMessage: "the user service failed: UNAVAILABLE" });
  });

  test("a product service that is down makes the call UNAVAILABLE: its products are not 'missing'", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { order } = await seedOrder(shop);
    await shop.products.stop();
    await expect(gateway.client.getOrderDetails({ orderId: order.orderId })).rejects.toMatchObject({
      code: Code.UNAVAILABLE,
      rawMessage: "the product service failed: UNAVAILABLE",
    });
  });

  test("the authorization header and the trace context reach the services behind the gateway", async () => {
    // The gateway without auth, so that any header (and none) goes through: what is forwarded, not who may call.
    const shop = await serveShop();
    const gateway = await serveGateway(shop, { auth: false });
    const { user, order } = await seedOrder(shop);
    const token = await mintToken(user.userId, ["customer"]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const headers = { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01`, other: "x" };
    await gateway.client.getOrderDetails({ orderId: order.orderId }, { metadata: headers });
    const contexts = () => [...shop.contexts.getOrder, ...shop.contexts.getUser, ...shop.contexts.getProduct];
    expect(contexts()).toHaveLength(4);
    for (const { metadata, method, deadline } of contexts()) {
      expect(metadata.get("authorization"), method.path).toEqual([`Bearer ${token}`]);
      expect(String(metadata.get("traceparent")[0]), method.path).toContain(traceId);
      expect(metadata.get("other"), method.path).toEqual([]);
      expect(deadline).toBeUndefined();
    }

    // Without a header, none is made up: the order service refuses the call before its handler.
    for (const list of Object.values(shop.contexts)) {
      list.length = 0;
    }
    await expect(gateway.client.getOrderDetails({ orderId: order.orderId })).rejects.toMatchObject({
      code: Code.UNAUTHENTICATED,
    });
    expect(contexts()).toHaveLength(0);
  });

  test("the services behind the gateway check the caller's token, which the gateway passes on", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { user, order } = await seedOrder(shop);
    const asUser = async (subject: string) => ({
      metadata: { authorization: `Bearer ${await mintToken(subject, ["customer"])}` },
    });
    const client = gateway.connect(GatewayService); // without the harness's admin token
    const { details } = await client.getOrderDetails({ orderId: order.orderId }, await asUser(user.userId));
    expect(details?.user?.userId).toBe(user.userId);
    // Another customer learns nothing: the order service answers as for an order that does not exist.
    await expect(client.getOrderDetails({ orderId: order.orderId }, await asUser("u-mallory"))).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: `order ${order.orderId} not found`,
    });
    // Support reads any order, and its user.
    const support = { metadata: { authorization: `Bearer ${await mintToken("agent-7", ["support"])}` } };
    expect((await client.getOrderDetails({ orderId: order.orderId }, support)).details?.user?.userId).toBe(user.userId);
  });

  test("StreamOrderDetails sends the details each time the order changes, until it is final", async () => {
    const shop = await serveShop();
    const gateway = await serveGateway(shop);
    const { order, lamp, mug } = await seedOrder(shop);
    const next = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED];
    const seen: [OrderStatus | undefined, string[], string | undefined][] = [];
    for await (const { details } of gateway.client.streamOrderDetails({ orderId: order.orderId })) {
      seen.push([details?.order?.status, Object.keys(details?.products ?? {}), details?.user?.displayName]);
      const status = next.shift();
      if (status !== undefined) {
        await shop.orders.client.updateOrderStatus({ orderId: order.orderId, status });
      }
    }
    const products = [lamp.productId, mug.productId];
    expect(seen).toEqual([
      [OrderStatus.PENDING, products, "Ada"],
      [OrderStatus.PAID, products, "Ada"],
      [OrderStatus.SHIPPED, products, "Ada"],
      [OrderStatus.DELIVERED, products, "Ada"],
    ]);
  });
});
