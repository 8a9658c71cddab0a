import { Code, closeClient, createClient, createTransport, credentials, RpcError } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { orderHandlers, userHandlers } from "../support/in-memory-shop.js";
import { serve } from "../support/serve.js";

describe("clients and their channels", () => {
  test("clients may share one transport; closeClient leaves a shared transport open", async () => {
    const { address } = await serve(UserService, userHandlers(), {
      setup: (server) => server.add(OrderService, orderHandlers()),
    });
    const transport = createTransport(address);
    onTestFinished(() => transport.close());
    const users = createClient(UserService, transport);
    const orders = createClient(OrderService, transport);

    const { user } = await users.createUser({ email: "ada@example.com", displayName: "Ada" });
    const { order } = await orders.createOrder({
      userId: user?.userId ?? "",
      items: [{ productId: "p1", quantity: 1, unitPrice: { currencyCode: "EUR", units: 1n } }],
      shippingAddress: { city: "London", regionCode: "GB" },
    });
    expect(order?.userId).toBe("u1");

    closeClient(users); // not its transport to close
    expect((await users.getUser({ userId: "u1" })).user?.email).toBe("ada@example.com");

    transport.close();
    const failure = await orders.getOrder({ orderId: "o1" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.UNAVAILABLE });
  });

  test("closeClient closes the channel a client opened for itself", async () => {
    const { address } = await serve(UserService, userHandlers());
    const users = createClient(UserService, address);
    await users.createUser({ email: "ada@example.com", displayName: "Ada" });
    closeClient(users);
    const failure = await users.getUser({ userId: "u1" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure).toMatchObject({ code: Code.UNAVAILABLE });
    expect(Object.keys(users)).toEqual(Object.keys(UserService.methods)); // nothing else shows
  });

  test("channel options belong to createTransport when a transport is given", () => {
    const transport = createTransport("127.0.0.1:1");
    onTestFinished(() => transport.close());
    expect(() => createClient(UserService, transport, { credentials: credentials.createInsecure() })).toThrow(
      TypeError,
    );
  });

  test("a server that is not there fails the call with UNAVAILABLE", async () => {
    const transport = createTransport("127.0.0.1:1");
    onTestFinished(() => transport.close());
    const users = createClient(UserService, transport);
    await expect(users.getUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });
});
