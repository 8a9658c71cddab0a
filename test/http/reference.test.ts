import { type HttpListener, type Server, serveHttp } from "grpckit";
import { describe, expect, it, onTestFinished } from "vitest";
import { mintToken } from "../../example/servers.js";
import { HOME, seedOrder, serveShop } from "../example/harness.js";

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

  it("GET /v1/orders/{order_id} for its owner; NOT_FOUND for someone else's", async () => {
    const shop = await serveShop();
    const { user, order } = await seedOrder(shop);
    const base = await http(shop.orders.server);
    const own = await fetch(`${base}/v1/orders/${order.orderId}`, { headers: await bearer(user.userId) });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ order: { orderId: order.orderId, userId: user.userId } });
    const other = await fetch(`${base}/v1/orders/${order.orderId}`, { headers: await bearer("someone-else") });
    expect(other.status).toBe(404);
  });

  it("POST /v1/orders with the request as the body, for the user themself; 403 for another user", async () => {
    const shop = await serveShop();
    const { user, lamp } = await seedOrder(shop);
    const base = await http(shop.orders.server);
    const body = JSON.stringify({
      userId: user.userId,
      shippingAddress: HOME,
      items: [{ productId: lamp.productId, quantity: 1 }],
    });
    const json = { "content-type": "application/json" };
    const other = await fetch(`${base}/v1/orders`, {
      method: "POST",
      body,
      headers: { ...json, ...(await bearer("someone-else")) },
    });
    expect(other.status).toBe(403);
    const own = await fetch(`${base}/v1/orders`, {
      method: "POST",
      body,
      headers: { ...json, ...(await bearer(user.userId)) },
    });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ order: { userId: user.userId, items: [{ productId: lamp.productId }] } });
  });

  it("PATCH /v1/users/{user.user_id} with the user as the body and the update mask from the query", async () => {
    const shop = await serveShop();
    const { user } = await seedOrder(shop);
    const base = await http(shop.users.server);
    const patched = await fetch(`${base}/v1/users/${user.userId}?update_mask=display_name`, {
      method: "PATCH",
      body: JSON.stringify({ displayName: "Ada L." }),
      headers: { "content-type": "application/json", ...(await bearer(user.userId)) },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ user: { userId: user.userId, displayName: "Ada L." } });
    const { user: stored } = await shop.users.client.getUser({ userId: user.userId });
    expect(stored).toMatchObject({ displayName: "Ada L.", email: "ada@example.com" });
  });
});
