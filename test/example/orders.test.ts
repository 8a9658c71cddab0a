import { create } from "@bufbuild/protobuf";
import { Code, RpcError } from "grpckit";
import { describe, expect, test } from "vitest";
import { createMemoryStore, MemoryOrders } from "../../example/store/memory.js";
import type { Store } from "../../example/store/repositories.js";
import { OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { ProductSchema } from "../../generated-example/ecommerce/v1/product_pb.js";
import { collect } from "../support/serve.js";
import { HOME, type Shop, serveShop } from "./harness.js";

const eur = (units: bigint, nanos = 0) => ({ currencyCode: "EUR", units, nanos });

/** A shop with one user (u1) and products p1 (EUR 25.50, 5 in stock) and p2 (EUR 0.99, 10 in stock). */
async function shopWithCatalogue(store: Store = createMemoryStore()): Promise<Shop> {
  const shop = await serveShop(store);
  await shop.users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
  await shop.products.client.createProduct({ name: "Lamp", price: eur(25n, 500_000_000), stock: 5 });
  await shop.products.client.createProduct({ name: "Sticker", price: eur(0n, 990_000_000), stock: 10 });
  return shop;
}

async function stockOf(shop: Shop, productId: string): Promise<number | undefined> {
  return (await shop.store.products.get(productId))?.stock;
}

describe("the example's OrderService", () => {
  test("CreateOrder prices the items from the catalogue, totals them, and takes them out of stock", async () => {
    const shop = await shopWithCatalogue();
    const { order } = await shop.orders.client.createOrder({
      userId: "u1",
      items: [
        // The request's unit_price is not what the order costs.
        { productId: "p1", quantity: 3, unitPrice: eur(1n) },
        { productId: "p2", quantity: 2 },
      ],
      shippingAddress: { city: "London", regionCode: "GB" },
    });
    expect(order).toMatchObject({
      // A random id (a UUID): one order's id tells nothing of another's.
      orderId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      userId: "u1",
      status: OrderStatus.PENDING,
      items: [
        { productId: "p1", quantity: 3, unitPrice: eur(25n, 500_000_000) },
        { productId: "p2", quantity: 2, unitPrice: eur(0n, 990_000_000) },
      ],
      // 3 × 25.50 + 2 × 0.99
      total: eur(78n, 480_000_000),
      shippingAddress: { city: "London" },
    });
    expect(await stockOf(shop, "p1")).toBe(2);
    expect(await stockOf(shop, "p2")).toBe(8);
    const orderId = order?.orderId ?? "";
    expect((await shop.orders.client.getOrder({ orderId })).order).toEqual(order);
    const { order: masked } = await shop.orders.client.getOrder({ orderId, readMask: { paths: ["total"] } });
    expect(masked).toMatchObject({ orderId: "", items: [], total: eur(78n, 480_000_000) });
  });

  test("an order that cannot be served takes nothing out of stock", async () => {
    const orders = new MemoryOrders();
    const shop = await shopWithCatalogue({ ...createMemoryStore(), orders });
    const refused = async (items: { productId: string; quantity: number }[], userId = "u1") => {
      const error = await shop.orders.client.createOrder({ userId, items, shippingAddress: HOME }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RpcError);
      return error instanceof RpcError ? error.code : undefined;
    };
    expect(
      await refused([
        { productId: "p2", quantity: 1 },
        { productId: "p1", quantity: 6 },
      ]),
    ).toBe(Code.FAILED_PRECONDITION);
    // Two lines of one product count together.
    expect(
      await refused([
        { productId: "p1", quantity: 3 },
        { productId: "p1", quantity: 3 },
      ]),
    ).toBe(Code.FAILED_PRECONDITION);
    expect(
      await refused([
        { productId: "p2", quantity: 1 },
        { productId: "p9", quantity: 1 },
      ]),
    ).toBe(Code.NOT_FOUND);
    expect(await refused([{ productId: "p2", quantity: 1 }], "u9")).toBe(Code.NOT_FOUND);
    // A quantity below 1 would add to the stock: refused, whether or not the schema's rules are there.
    expect(
      await refused([
        { productId: "p2", quantity: 1 },
        { productId: "p1", quantity: -4 },
      ]),
    ).toBe(Code.INVALID_ARGUMENT);
    expect(await refused([{ productId: "p1", quantity: 0 }])).toBe(Code.INVALID_ARGUMENT);
    // Products in two currencies have no total: the reservation is undone.
    await shop.store.products.create(
      create(ProductSchema, { name: "Import", price: { currencyCode: "USD", units: 3n }, stock: 1 }),
    );
    expect(
      await refused([
        { productId: "p2", quantity: 1 },
        { productId: "p3", quantity: 1 },
      ]),
    ).toBe(Code.FAILED_PRECONDITION);

    // A product without a price cannot be sold.
    await shop.store.products.create(create(ProductSchema, { name: "Prototype", stock: 1 }));
    expect(await refused([{ productId: "p4", quantity: 1 }])).toBe(Code.FAILED_PRECONDITION);

    expect(await stockOf(shop, "p1")).toBe(5);
    expect(await stockOf(shop, "p2")).toBe(10);
    expect(await stockOf(shop, "p3")).toBe(1);
    expect(await stockOf(shop, "p4")).toBe(1);
    expect(orders.all()).toEqual([]);
  });

  test("of two orders racing for the last units, one wins", async () => {
    const shop = await shopWithCatalogue();
    const order = () =>
      shop.orders.client.createOrder({
        userId: "u1",
        items: [{ productId: "p1", quantity: 3 }],
        shippingAddress: HOME,
      });
    const results = await Promise.allSettled([order(), order()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: Code.FAILED_PRECONDITION } });
    expect(await stockOf(shop, "p1")).toBe(2);
  });

  test("UpdateOrderStatus allows the legal transitions only, and cancelling puts the items back", async () => {
    const shop = await shopWithCatalogue();
    const orders = shop.orders.client;
    const place = async () =>
      (await orders.createOrder({ userId: "u1", items: [{ productId: "p1", quantity: 2 }], shippingAddress: HOME }))
        .order?.orderId ?? "";
    const move = (orderId: string, status: OrderStatus) => orders.updateOrderStatus({ orderId, status });

    const delivered = await place();
    await expect(move(delivered, OrderStatus.SHIPPED)).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
      rawMessage: `order ${delivered} is PENDING: it cannot become SHIPPED`,
    });
    for (const status of [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]) {
      expect((await move(delivered, status)).order?.status).toBe(status);
    }
    for (const status of [OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.PENDING]) {
      await expect(move(delivered, status)).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
    }
    // No order becomes UNSPECIFIED (once the schema's rules are there, the request is INVALID_ARGUMENT).
    const unspecified = await move(delivered, OrderStatus.UNSPECIFIED).catch((e: unknown) => e);
    expect([Code.FAILED_PRECONDITION, Code.INVALID_ARGUMENT]).toContain(
      unspecified instanceof RpcError && unspecified.code,
    );

    const paid = await place();
    await move(paid, OrderStatus.PAID);
    await expect(move(paid, OrderStatus.PAID)).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
    expect(await stockOf(shop, "p1")).toBe(1);
    expect((await move(paid, OrderStatus.CANCELLED)).order?.status).toBe(OrderStatus.CANCELLED);
    expect(await stockOf(shop, "p1")).toBe(3);
    await expect(move(paid, OrderStatus.CANCELLED)).rejects.toMatchObject({ code: Code.FAILED_PRECONDITION });
    expect(await stockOf(shop, "p1")).toBe(3);

    await expect(move("o404", OrderStatus.PAID)).rejects.toMatchObject({ code: Code.NOT_FOUND });
    // The store refuses a move from a status the order no longer has.
    await expect(shop.store.orders.setStatus(paid, OrderStatus.PAID, OrderStatus.SHIPPED)).rejects.toMatchObject({
      code: Code.ABORTED,
    });
  });

  test("StreamOrderUpdates sends the order, then each change, and ends when the order is final", async () => {
    const shop = await shopWithCatalogue();
    const orders = shop.orders.client;
    const { order } = await orders.createOrder({
      userId: "u1",
      items: [{ productId: "p2", quantity: 1 }],
      shippingAddress: HOME,
    });
    const orderId = order?.orderId ?? "";

    const next = [OrderStatus.PAID, OrderStatus.CANCELLED];
    const seen: OrderStatus[] = [];
    for await (const update of orders.streamOrderUpdates({ orderId })) {
      seen.push(update.order?.status ?? OrderStatus.UNSPECIFIED);
      const status = next.shift();
      if (status !== undefined) {
        await orders.updateOrderStatus({ orderId, status });
      }
    }
    expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED]);

    // A final order: its state, and the end.
    expect((await collect(orders.streamOrderUpdates({ orderId }))).map((u) => u.order?.status)).toEqual([
      OrderStatus.CANCELLED,
    ]);
    await expect(collect(orders.streamOrderUpdates({ orderId: "o404" }))).rejects.toMatchObject({
      code: Code.NOT_FOUND,
    });
  });
});
