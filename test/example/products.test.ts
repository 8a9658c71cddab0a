import { create } from "@bufbuild/protobuf";
import { Code } from "grpckit";
import { describe, expect, test } from "vitest";
import { MoneySchema } from "../../generated-example/ecommerce/v1/common_pb.js";
import { ProductSchema, ProductUpdateKind } from "../../generated-example/ecommerce/v1/product_pb.js";
import { deferred, within } from "../support/serve.js";
import { HOME, serveShop } from "./harness.js";

const eur = (units: bigint, nanos = 0) => ({ currencyCode: "EUR", units, nanos });

describe("the example's ProductService", () => {
  test("creates and reads products, with a read mask", async () => {
    const { products } = await serveShop();
    const { product: lamp } = await products.client.createProduct({
      name: "Desk lamp",
      description: "A warm light",
      price: eur(25n, 500_000_000),
      stock: 3,
      attributes: { color: "red" },
      imageUrls: ["https://example.com/lamp.png"],
      category: "home",
    });
    expect(lamp).toMatchObject({ productId: "p1", stock: 3, attributes: { color: "red" }, category: "home" });
    expect(lamp?.createTime).toBeDefined();
    expect((await products.client.getProduct({ productId: "p1" })).product).toEqual(lamp);
    const { product: masked } = await products.client.getProduct({
      productId: "p1",
      readMask: { paths: ["name", "price.units"] },
    });
    expect(masked).toEqual(create(ProductSchema, { name: "Desk lamp", price: { units: 25n } }));
    await expect(products.client.getProduct({ productId: "p9" })).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  test("SearchProducts filters by words, category and price, and pages with page tokens", async () => {
    const { products, store } = await serveShop();
    const catalogue: [string, string, bigint, string][] = [
      ["Desk lamp", "A warm light", 25n, "home"],
      ["Floor lamp", "Tall light", 89n, "home"],
      ["Kettle", "Boils water", 40n, "kitchen"],
      ["Lamp oil", "For the old LAMP", 8n, "home"],
      ["Lava lamp", "Warm and slow", 30n, "home"],
      ["Mug", "Holds tea", 8n, "kitchen"],
    ];
    for (const [name, description, units, category] of catalogue) {
      await store.products.create(create(ProductSchema, { name, description, price: eur(units), category, stock: 1 }));
    }
    await store.products.create(
      create(ProductSchema, { name: "Lamp (USD)", price: { currencyCode: "USD", units: 9n } }),
    );
    const names = async (request: Parameters<typeof products.client.searchProducts>[0]) =>
      (await products.client.searchProducts(request)).products.map((p) => p.name);

    expect(await names({ query: "warm LIGHT" })).toEqual(["Desk lamp"]);
    expect(await names({ query: "lamp", category: "home" })).toEqual([
      "Desk lamp",
      "Floor lamp",
      "Lamp oil",
      "Lava lamp",
    ]);
    expect(await names({ category: "kitchen", maxPrice: eur(10n) })).toEqual(["Mug"]);
    expect(await names({ minPrice: eur(25n), maxPrice: eur(40n) })).toEqual(["Desk lamp", "Kettle", "Lava lamp"]);
    expect(await names({ query: "lamp", maxPrice: { currencyCode: "USD", units: 10n } })).toEqual(["Lamp (USD)"]);

    // Page by page, with a page size that does not divide the count.
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await products.client.searchProducts({
        query: "lamp",
        pageSize: 2,
        pageToken,
        readMask: { paths: ["name"] },
      });
      expect(page.totalSize).toBe(5);
      expect(page.products.every((p) => p.productId === "")).toBe(true);
      seen.push(...page.products.map((p) => p.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== "");
    expect(pages).toBe(3);
    expect(seen).toEqual(["Desk lamp", "Floor lamp", "Lamp oil", "Lava lamp", "Lamp (USD)"]);

    // A product added between pages shows up at the end, not twice nor instead of another.
    const first = await products.client.searchProducts({ query: "lamp", pageSize: 2 });
    await store.products.create(create(ProductSchema, { name: "Night lamp" }));
    const rest = await products.client.searchProducts({ query: "lamp", pageSize: 10, pageToken: first.nextPageToken });
    expect(rest.products.map((p) => p.name)).toEqual(["Lamp oil", "Lava lamp", "Lamp (USD)", "Night lamp"]);

    // A token belongs to its query.
    await expect(
      products.client.searchProducts({ query: "kettle", pageSize: 2, pageToken: first.nextPageToken }),
    ).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
    await expect(products.client.searchProducts({ pageToken: "garbage" })).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });
  });

  test("SearchProducts returns 20 products per page when page_size is 0", async () => {
    const { products, store } = await serveShop();
    for (let i = 0; i < 25; i++) {
      await store.products.create(create(ProductSchema, { name: `thing ${i}` }));
    }
    const page = await products.client.searchProducts({});
    expect(page.products).toHaveLength(20);
    expect(page.totalSize).toBe(25);
    expect(page.nextPageToken).not.toBe("");
  });

  test("StreamProductUpdates sends the changes of the products followed, as the store makes them", async () => {
    const { products, orders, users, store } = await serveShop();
    await users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
    const { product: lamp } = await products.client.createProduct({ name: "Lamp", price: eur(20n), stock: 5 });
    const { product: mug } = await products.client.createProduct({ name: "Mug", price: eur(5n), stock: 5 });
    const lampId = lamp?.productId ?? "";
    const mugId = mug?.productId ?? "";

    const subscribed = deferred();
    const all = products.client
      .streamProductUpdates({}, { onHeader: () => subscribed.resolve() })
      [Symbol.asyncIterator]();
    const firstOfAll = all.next();
    await within(subscribed.promise, "the subscription to all products");
    const lampSubscribed = deferred();
    const lampOnly = products.client
      .streamProductUpdates({ productIds: [lampId] }, { onHeader: () => lampSubscribed.resolve() })
      [Symbol.asyncIterator]();
    const firstOfLamp = lampOnly.next();
    await within(lampSubscribed.promise, "the subscription to the lamp");

    await products.client.createProduct({ name: "Kettle", price: eur(30n), stock: 1 });
    await orders.client.createOrder({
      userId: "u1",
      items: [{ productId: mugId, quantity: 1 }],
      shippingAddress: HOME,
    });
    await orders.client.createOrder({
      userId: "u1",
      items: [{ productId: lampId, quantity: 2 }],
      shippingAddress: HOME,
    });
    await store.products.setPrice(lampId, create(MoneySchema, eur(18n)));

    const next = async (
      updates: AsyncIterator<{ product?: { name: string; stock: number } | undefined; kind: ProductUpdateKind }>,
    ) => {
      const { value } = await within(updates.next(), "an update");
      return value && [value.product?.name, ProductUpdateKind[value.kind], value.product?.stock];
    };
    const { value: first } = await within(firstOfAll, "the first update");
    expect([first?.product?.name, first && ProductUpdateKind[first.kind]]).toEqual(["Kettle", "CREATED"]);
    expect(await next(all)).toEqual(["Mug", "STOCK_CHANGED", 4]);
    expect(await next(all)).toEqual(["Lamp", "STOCK_CHANGED", 3]);
    expect(await next(all)).toEqual(["Lamp", "PRICE_CHANGED", 3]);

    // The kettle and the mug changed first, but the lamp's stream only has the lamp.
    const { value: lampFirst } = await within(firstOfLamp, "the lamp's first update");
    expect([lampFirst?.product?.name, lampFirst && ProductUpdateKind[lampFirst.kind]]).toEqual([
      "Lamp",
      "STOCK_CHANGED",
    ]);
    const { value: lampPrice } = await within(lampOnly.next(), "the lamp's price change");
    expect(lampPrice?.product?.price?.units).toBe(18n);

    // Leaving a stream cancels it; the other one goes on.
    await lampOnly.return?.();
    await products.client.createProduct({ name: "Teapot", price: eur(15n), stock: 2 });
    expect(await next(all)).toEqual(["Teapot", "CREATED", 2]);
    await all.return?.();
  });
});
