import { type HttpListener, type Server, serveHttp } from "grpckit";
import { describe, expect, it, onTestFinished } from "vitest";
import { mintToken } from "../../example/servers.js";
import { seedOrder, serveShop } from "../example/harness.js";

/*
 * The reference services' google.api.http bindings (proto/ecommerce/v1),
 * served over HTTP/JSON beside gRPC: the example's handlers, its JWT
 * authenticator and its rules (public catalogue, "the user themself, or an
 * admin"), reached with fetch.
 */

async function http(server: Server): Promise<string> {
  const listener: HttpListener = await serveHttp(server, "127.0.0.1:0");
  onTestFinished(() => listener.close());
  return `http://127.0.0.1:${listener.port}`;
}

const bearer = async (subject: string, roles: string[] = []) => ({
  authorization: `Bearer ${await mintToken(subject, roles)}`,
});

describe("the reference services over HTTP/JSON", () => {
  it("GET /v1/products/{product_id} with a read mask, and the public search, without a token", async () => {
    const shop = await serveShop();
    const { lamp } = await seedOrder(shop);
    const base = await http(shop.products.server);
    const one = await fetch(`${base}/v1/products/${lamp.productId}?read_mask=name,price.units`);
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ product: { name: "Lamp", price: { units: "20" } } });
    const search = await fetch(`${base}/v1/products?query=lamp`);
    expect(search.status).toBe(200);
    const found = (await search.json()) as { products: { name: string }[] };
    expect(found.products.map((p) => p.name)).toEqual(["Lamp"]);
    expect((await fetch(`${base}/v1/products/p404`)).status).toBe(404);
  });

  it("GET /v1/users/{user_id} for the user themself or an admin; 401 without a token, 403 for another user", async () => {
    const shop = await serveShop();
    const { user } = await seedOrder(shop);
    const base = await http(shop.users.server);
    const url = `${base}/v1/users/${user.userId}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: await bearer("someone-else") })).status).toBe(403);
    const own = await fetch(url, { headers: await bearer(user.userId) });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ user: { userId: user.userId, displayName: "Ada" } });
  });

  it("PATCH /v1/users/{user.user_id} with update_mask in the query", async () => {
    const shop = await serveShop();
    const { user } = await seedOrder(shop);
    const base = await http(shop.users.server);
    const res = await fetch(`${base}/v1/users/${user.userId}?update_mask=display_name`, {
      method: "PATCH",
      headers: await bearer(user.userId),
      body: JSON.stringify({ displayName: "Ada L.", email: "not-changed@example.com" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { displayName: "Ada L.", email: "ada@example.com" } });
  });

  it("POST /v1/orders with the whole request as the body; validation answers 400 with BadRequest", async () => {
    const shop = await serveShop();
    const { user, lamp } = await seedOrder(shop);
    const base = await http(shop.orders.server);
    const headers = await bearer(user.userId);
    const bad = await fetch(`${base}/v1/orders`, {
      method: "POST",
      headers,
      body: JSON.stringify({ userId: user.userId }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 3,
      details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest" }],
    });
    const created = await fetch(`${base}/v1/orders`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        userId: user.userId,
        items: [{ productId: lamp.productId, quantity: 1, unitPrice: { currencyCode: "EUR", units: "20" } }],
        shippingAddress: { street: "1 Main Street", city: "London", postalCode: "N1 1AA", regionCode: "GB" },
      }),
    });
    expect(created.status).toBe(200);
    const { order } = (await created.json()) as { order: { orderId: string } };
    const read = await fetch(`${base}/v1/orders/${order.orderId}`, { headers });
    expect(await read.json()).toMatchObject({ order: { orderId: order.orderId } });
  });
});
