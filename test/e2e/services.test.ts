import { Code } from "grpckit";
import { describe, expect, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import { ProductUpdateKind } from "../../generated-example/ecommerce/v1/product_pb.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { orderHandlers, productHandlers, userHandlers } from "../support/in-memory-shop.js";
import { collect, deferred, serve } from "../support/serve.js";

describe("every method of the shop's services, through generated clients", () => {
  test("UserService", async () => {
    const { client: users } = await serve(UserService, userHandlers());

    const { user: ada } = await users.createUser({
      email: "ada@example.com",
      displayName: "Ada",
      profile: { firstName: "Ada", address: { city: "London" } },
      metadata: { source: "test" },
    });
    expect(ada).toMatchObject({ userId: "u1", email: "ada@example.com", metadata: { source: "test" } });
    expect(ada?.profile?.address?.city).toBe("London");
    expect(ada?.createTime).toBeDefined();

    expect((await users.getUser({ userId: "u1" })).user?.displayName).toBe("Ada");

    const { user: updated } = await users.updateUser({
      user: { userId: "u1", displayName: "Ada L.", email: "ignored@example.com" },
      updateMask: { paths: ["display_name"] },
    });
    expect(updated).toMatchObject({ displayName: "Ada L.", email: "ada@example.com" });

    const { users: created, errors } = await users.createUsers([
      { user: { email: "grace@example.com", displayName: "Grace" } },
      { user: { email: "alan@example.com", displayName: "Alan" } },
    ]);
    expect(created.map((u) => u.userId)).toEqual(["u2", "u3"]);
    expect(errors).toEqual([]);

    const batch = await users.batchGetUsers({ userIds: ["u3", "u1"] });
    expect(batch.users.map((u) => u.displayName)).toEqual(["Alan", "Ada L."]);

    const listed = await collect(users.listUsers({ filter: "a", pageSize: 2 }));
    expect(listed.map((r) => r.user?.userId)).toEqual(["u1", "u2"]);

    const replies = await collect(
      users.chatWithUsers([
        { userId: "u1", message: "hello" },
        { userId: "u2", message: "where is my order?" },
      ]),
    );
    expect(replies.map((r) => r.message)).toEqual(["u1 said: hello", "u2 said: where is my order?"]);
    expect(replies[0]?.sendTime).toBeDefined();

    expect(await users.deleteUser({ userId: "u2" })).toEqual({ $typeName: "ecommerce.v1.DeleteUserResponse" });
    await expect(users.getUser({ userId: "u2" })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: "user u2 not found",
    });
  });

  test("ProductService", async () => {
    const { client: products } = await serve(ProductService, productHandlers());

    // Follow the updates first; the server's header says it is listening.
    const subscribed = deferred();
    const updates = products.streamProductUpdates({}, { onHeader: () => subscribed.resolve() })[Symbol.asyncIterator]();
    const firstUpdate = updates.next();
    await subscribed.promise;

    const { product: lamp } = await products.createProduct({
      name: "Desk lamp",
      description: "a warm light",
      price: { currencyCode: "EUR", units: 25n, nanos: 500_000_000 },
      stock: 3,
      attributes: { color: "red" },
      imageUrls: ["https://example.com/lamp.png"],
      category: "home",
    });
    const price = { currencyCode: "EUR", units: 30n };
    await products.createProduct({ name: "Floor lamp", category: "home", price });
    await products.createProduct({ name: "Kettle", category: "kitchen", price });
    expect(lamp).toMatchObject({
      productId: "p1",
      price: { units: 25n, nanos: 500_000_000 },
      attributes: { color: "red" },
    });

    expect((await products.getProduct({ productId: "p1" })).product?.name).toBe("Desk lamp");

    const page1 = await products.searchProducts({ query: "lamp", pageSize: 1 });
    expect(page1.products.map((p) => p.name)).toEqual(["Desk lamp"]);
    expect(page1.totalSize).toBe(2);
    const page2 = await products.searchProducts({ query: "lamp", pageSize: 1, pageToken: page1.nextPageToken });
    expect(page2.products.map((p) => p.name)).toEqual(["Floor lamp"]);
    expect(page2.nextPageToken).toBe("");
    expect((await products.searchProducts({ category: "kitchen" })).products.map((p) => p.name)).toEqual(["Kettle"]);

    const first = await firstUpdate;
    const second = await updates.next();
    expect([first.value?.product?.name, second.value?.product?.name]).toEqual(["Desk lamp", "Floor lamp"]);
    expect(first.value?.kind).toBe(ProductUpdateKind.CREATED);
    await updates.return?.(); // The stream never ends by itself: leaving it cancels it.
  });

  test("OrderService", async () => {
    const { client: orders } = await serve(OrderService, orderHandlers());

    const { order } = await orders.createOrder({
      userId: "u1",
      items: [
        { productId: "p1", quantity: 2, unitPrice: { currencyCode: "EUR", units: 10n } },
        { productId: "p2", quantity: 1, unitPrice: { currencyCode: "EUR", units: 5n } },
      ],
      shippingAddress: { city: "Paris", regionCode: "FR" },
    });
    expect(order).toMatchObject({
      orderId: "o1",
      status: OrderStatus.PENDING,
      total: { currencyCode: "EUR", units: 25n },
    });

    expect((await orders.getOrder({ orderId: "o1" })).order?.shippingAddress?.city).toBe("Paris");

    // Each update received drives the next change; the stream ends at delivery.
    const changes = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED];
    const seen: (OrderStatus | undefined)[] = [];
    for await (const { order: update } of orders.streamOrderUpdates({ orderId: "o1" })) {
      seen.push(update?.status);
      const status = changes.shift();
      if (status !== undefined) {
        expect((await orders.updateOrderStatus({ orderId: "o1", status })).order?.status).toBe(status);
      }
    }
    expect(seen).toEqual([OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]);

    await expect(orders.updateOrderStatus({ orderId: "o1", status: OrderStatus.CANCELLED })).rejects.toMatchObject({
      code: Code.FAILED_PRECONDITION,
    });
  });
});
