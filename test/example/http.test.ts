import { readFileSync } from "node:fs";
import { closeClient, createClient } from "grpckit";
import { beforeAll, describe, expect, it } from "vitest";
import { mintToken, startShop } from "../../example/servers.js";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { root } from "../support/codegen.js";
import { HOME } from "./harness.js";

/*
 * The example shop's HTTP port, as startShop (and so shop-process.js) serves
 * it: the three services' google.api.http bindings on one port, chained
 * through `next`, with the example's JWT auth, and their OpenAPI documents.
 * Seeded over gRPC, read with fetch.
 */

interface Seeded {
  readonly base: string;
  readonly adaId: string;
  readonly adasOrder: string;
  readonly alansOrder: string;
  readonly lampId: string;
  /** Stops the shop and closes the clients. */
  readonly stop: () => Promise<void>;
}

async function seededShop(): Promise<Seeded> {
  const shop = await startShop();
  const options = { token: await mintToken("test-admin", ["admin"]), allowInsecureToken: true };
  const users = createClient(UserService, shop.addresses.users, options);
  const products = createClient(ProductService, shop.addresses.products, options);
  const orders = createClient(OrderService, shop.addresses.orders, options);
  const { user: ada } = await users.createUser({ email: "ada@example.com", displayName: "Ada" });
  const { user: alan } = await users.createUser({ email: "alan@example.com", displayName: "Alan" });
  const price = { currencyCode: "EUR", units: 20n };
  const { product: lamp } = await products.createProduct({ name: "Lamp", price, stock: 10 });
  const orderOf = async (userId = "") => {
    const items = [{ productId: lamp?.productId ?? "", quantity: 1, unitPrice: price }];
    const { order } = await orders.createOrder({ userId, shippingAddress: HOME, items });
    return order?.orderId ?? "";
  };
  return {
    base: `http://${shop.addresses.http}`,
    adaId: ada?.userId ?? "",
    adasOrder: await orderOf(ada?.userId),
    alansOrder: await orderOf(alan?.userId),
    lampId: lamp?.productId ?? "",
    stop: async () => {
      for (const client of [users, products, orders]) {
        closeClient(client);
      }
      await shop.stop();
    },
  };
}

const asUser = async (subject: string) => ({ headers: { authorization: `Bearer ${await mintToken(subject)}` } });

describe("the example shop's HTTP/JSON port", () => {
  let shop: Seeded;
  beforeAll(async () => {
    shop = await seededShop();
    return () => shop.stop();
  });

  it("serves the public catalogue without a token", async () => {
    const list = await fetch(`${shop.base}/v1/products?query=lamp&read_mask=name`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ products: [{ name: "Lamp" }], totalSize: 1 });
    const one = await fetch(`${shop.base}/v1/products/${shop.lampId}?read_mask=stock`);
    expect(await one.json()).toEqual({ product: { stock: 8 } }); // two orders of one;
  });

  it("serves users and orders of all three servers on one port, with their auth rules", async () => {
    const ada = await asUser(shop.adaId);
    const own = await fetch(`${shop.base}/v1/orders/${shop.adasOrder}`, ada);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ order: { orderId: shop.adasOrder, userId: shop.adaId } });
    const herself = await fetch(`${shop.base}/v1/users/${shop.adaId}?read_mask=email`, ada);
    expect(await herself.json()).toEqual({ user: { email: "ada@example.com" } });
    const noToken = await fetch(`${shop.base}/v1/users/${shop.adaId}`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ code: 16, message: "missing or invalid credentials", details: [] });
  });

  it("answers another's order 404 with a google.rpc.Status, as a missing one", async () => {
    const ada = await asUser(shop.adaId);
    const foreign = await fetch(`${shop.base}/v1/orders/${shop.alansOrder}`, ada);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get("content-type")).toBe("application/json");
    expect(await foreign.json()).toEqual({ code: 5, message: `order ${shop.alansOrder} not found`, details: [] });
    const missing = await fetch(`${shop.base}/v1/orders/o404`, ada);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: number }).code).toBe(5);
  });

  it("answers a path none of the three servers binds 404 with a google.rpc.Status", async () => {
    const response = await fetch(`${shop.base}/v1/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 5, message: "no binding for GET /v1/nothing", details: [] });
    // A binding under another verb is not served either.
    expect((await fetch(`${shop.base}/v1/products`, { method: "DELETE" })).status).toBe(404);
  });

  it("serves each service's OpenAPI document as npm run generate wrote it", async () => {
    for (const [service, file] of [
      [UserService.typeName, "user"],
      [ProductService.typeName, "product"],
      [OrderService.typeName, "order"],
    ] as const) {
      const response = await fetch(`${shop.base}/openapi/${service}.json`);
      expect(response.status, service).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      const generated = readFileSync(`${root}generated-example/ecommerce/v1/${file}.openapi.json`, "utf8");
      expect(await response.json()).toEqual(JSON.parse(generated));
    }
    const order = (await (await fetch(`${shop.base}/openapi/${OrderService.typeName}.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(order.paths)).toEqual(["/v1/orders", "/v1/orders/{order_id}"]);
    expect((await fetch(`${shop.base}/openapi/ecommerce.v1.GatewayService.json`)).status).toBe(404);
    expect((await fetch(`${shop.base}/openapi/${OrderService.typeName}.json`, { method: "POST" })).status).toBe(404);
  });
});
