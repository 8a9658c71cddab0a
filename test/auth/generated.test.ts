import { Code, jwt } from "grpckit";
import { beforeAll, describe, expect, it } from "vitest";
import { orderService } from "../../example/services/orders.js";
import { productService } from "../../example/services/products.js";
import { userService } from "../../example/services/users.js";
import { createMemoryStore } from "../../example/store/memory.js";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";
import { failure } from "./support/harness.js";
import { AUDIENCE, bearer, claims, ISSUER, type RsaKeys, rsaKeys, sign } from "./support/tokens.js";

/*
 * The rules of the reference protos (proto/ecommerce/v1), as the plugin
 * generated them into generated-example/, enforced by a real server: the
 * whole path from the .proto to a refused call.
 */

let keys: RsaKeys;
beforeAll(async () => {
  keys = await rsaKeys();
});

const auth = () => ({
  authenticator: jwt({ publicKey: keys.publicPem, algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE }),
  logger: { warn() {} },
});
const as = async (sub: string, roles: string[] = []) => bearer(await sign(claims(sub, { roles }), keys.privateKey));

describe("the generated rules of the reference services", () => {
  it("UserService: sign-up is public; a user reads and updates themself; admins and support read anyone", async () => {
    const store = createMemoryStore();
    const { client } = await serve(UserService, userService(store.users), { auth: auth() });
    const { user: ada } = await client.createUser({ email: "ada@example.com", displayName: "Ada" });
    const { user: bob } = await client.createUser({ email: "bob@example.com", displayName: "Bob" });
    const adaId = ada?.userId ?? "";
    const bobId = bob?.userId ?? "";
    await client.getUser({ userId: adaId }, await as(adaId));
    await failure(client.getUser({ userId: bobId }, await as(adaId)), Code.PERMISSION_DENIED);
    await client.getUser({ userId: bobId }, await as("agent", ["support"]));
    await client.updateUser(
      { user: { userId: adaId, displayName: "Ada L." }, updateMask: { paths: ["display_name"] } },
      await as(adaId),
    );
    await failure(
      client.updateUser(
        { user: { userId: bobId, displayName: "x" }, updateMask: { paths: ["display_name"] } },
        await as(adaId),
      ),
      Code.PERMISSION_DENIED,
    );
    // support may read, not update
    await failure(
      client.updateUser(
        { user: { userId: bobId, displayName: "x" }, updateMask: { paths: ["display_name"] } },
        await as("agent", ["support"]),
      ),
      Code.PERMISSION_DENIED,
    );
    await failure(client.batchGetUsers({ userIds: [adaId] }, await as(adaId)), Code.PERMISSION_DENIED);
    expect((await client.batchGetUsers({ userIds: [adaId, bobId] }, await as("root", ["admin"]))).users).toHaveLength(
      2,
    );
    await failure(client.getUser({ userId: adaId }), Code.UNAUTHENTICATED);
  });

  it("ProductService: reads are public, changes are for staff", async () => {
    const store = createMemoryStore();
    const { client } = await serve(ProductService, productService(store.products), { auth: auth() });
    const product = { name: "Lamp", price: { currencyCode: "EUR", units: 20n }, stock: 1 };
    await failure(client.createProduct(product), Code.UNAUTHENTICATED);
    await failure(client.createProduct(product, await as("ada", ["customer"])), Code.PERMISSION_DENIED);
    const { product: lamp } = await client.createProduct(product, await as("clerk", ["staff"]));
    expect((await client.getProduct({ productId: lamp?.productId ?? "" })).product?.name).toBe("Lamp");
    expect((await client.searchProducts({ query: "lamp" })).products).toHaveLength(1);
  });

  it("OrderService: a user orders for themself; staff change the status", async () => {
    const store = createMemoryStore();
    const { user } = await serve(UserService, userService(store.users), { auth: auth() }).then((s) =>
      s.client.createUser({ email: "ada@example.com", displayName: "Ada" }),
    );
    const { client: products } = await serve(ProductService, productService(store.products), { auth: auth() });
    const { product } = await products.createProduct(
      { name: "Mug", price: { currencyCode: "EUR", units: 5n }, stock: 5 },
      await as("clerk", ["staff"]),
    );
    const { client } = await serve(OrderService, orderService(store), { auth: auth() });
    const adaId = user?.userId ?? "";
    const request = {
      userId: adaId,
      items: [{ productId: product?.productId ?? "", quantity: 1, unitPrice: { currencyCode: "EUR", units: 5n } }],
      shippingAddress: { street: "1 Main Street", city: "London", postalCode: "N1 1AA", regionCode: "GB" },
    };
    await failure(client.createOrder(request, await as("mallory")), Code.PERMISSION_DENIED);
    const { order } = await client.createOrder(request, await as(adaId));
    const orderId = order?.orderId ?? "";
    await client.getOrder({ orderId }, await as(adaId));
    await failure(
      client.updateOrderStatus({ orderId, status: OrderStatus.PAID }, await as(adaId)),
      Code.PERMISSION_DENIED,
    );
    await client.updateOrderStatus({ orderId, status: OrderStatus.PAID }, await as("clerk", ["staff"]));
  });
});
