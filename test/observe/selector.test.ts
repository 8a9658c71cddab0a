import { type ClientInterceptor, type ServerInterceptor, selector } from "grpckit";
import { expect, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { orderHandlers, userHandlers } from "../support/in-memory-shop.js";
import { collect, serve } from "../support/serve.js";

/** A server interceptor that records the name of each method it sees. */
function recording(seen: string[]): ServerInterceptor {
  return (next) => (call) => {
    seen.push(call.method.name);
    return next(call);
  };
}

test("selector applies a server interceptor to the methods that match service, method, kind or a predicate", async () => {
  const byService: string[] = [];
  const byMethod: string[] = [];
  const byKind: string[] = [];
  const byPredicate: string[] = [];
  const { client, connect } = await serve(UserService, userHandlers(), {
    setup: (server) => server.add(OrderService, orderHandlers()),
    interceptors: [
      selector(recording(byService), { service: "ecommerce.v1.OrderService" }),
      selector(recording(byMethod), { method: ["GetUser", "/ecommerce.v1.OrderService/GetOrder"] }),
      selector(recording(byKind), { kind: "server_streaming", service: ["ecommerce.v1.UserService"] }),
      selector(
        recording(byPredicate),
        (method, service) => method.name.startsWith("Create") && service.typeName.includes("User"),
      ),
    ],
  });
  const orders = connect(OrderService);
  await client.createUser({ email: "a@example.com", displayName: "A" });
  await client.getUser({ userId: "u1" });
  await collect(client.listUsers({}));
  const { order } = await orders.createOrder({
    userId: "u1",
    items: [{ productId: "p1", quantity: 1, unitPrice: { currencyCode: "EUR", units: 10n } }],
    shippingAddress: { street: "1 Main Street", city: "Paris", postalCode: "75001", regionCode: "FR" },
  });
  await orders.getOrder({ orderId: order?.orderId ?? "" });

  expect(byService).toEqual(["CreateOrder", "GetOrder"]);
  expect(byMethod).toEqual(["GetUser", "GetOrder"]);
  expect(byKind).toEqual(["ListUsers"]); // all criteria must hold: OrderService's stream is not a user stream
  expect(byPredicate).toEqual(["CreateUser"]);
});

test("selector works for client interceptors", async () => {
  const { connect } = await serve(UserService, userHandlers());
  const seen: string[] = [];
  const recordingClient: ClientInterceptor = (next) => (call) => {
    seen.push(call.method.name);
    return next(call);
  };
  const client = connect(UserService, { interceptors: [selector(recordingClient, { kind: "unary" })] });
  await client.createUser({ email: "a@example.com", displayName: "A" });
  await collect(client.listUsers({}));
  await client.getUser({ userId: "u1" });
  expect(seen).toEqual(["CreateUser", "GetUser"]);
});

test("selector decides each method once, when the service is added, not per call", async () => {
  const asked: string[] = [];
  const { client } = await serve(UserService, userHandlers(), {
    interceptors: [
      selector(recording([]), (method) => {
        asked.push(method.name);
        return method.name === "GetUser";
      }),
    ],
  });
  expect(asked.sort()).toEqual(
    Object.values(UserService.methods)
      .map((m) => m.name)
      .sort(),
  );
  const { user } = await client.createUser({ email: "a@example.com", displayName: "A" });
  await client.getUser({ userId: user?.userId ?? "" });
  await client.getUser({ userId: user?.userId ?? "" });
  await collect(client.listUsers({}));
  expect(asked).toHaveLength(Object.keys(UserService.methods).length);
});
