import { Code, RpcError, ServerReflection, ServerReflectionV1alpha } from "grpckit";
import { describe, expect, test } from "vitest";
import { mintToken } from "../../example/servers.js";
import { SUPPORT_BOT } from "../../example/services/users.js";
import { createMemoryStore, MemoryOrders } from "../../example/store/memory.js";
import type { Store } from "../../example/store/repositories.js";
import { GatewayService } from "../../generated-example/ecommerce/v1/gateway_grpckit.js";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { connectAs, HOME, serveGateway, serveShop } from "../example/harness.js";
import { collect, deferred, within } from "../support/serve.js";

/*
 * Attacks on the reference services, through the example's real servers with
 * the example's auth (test/example/harness.ts). Each case checks three
 * things: the status code the attack gets, that the store is as it was, and
 * that the client the attack used still gets a legitimate call served.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const eur = (units: bigint) => ({ currencyCode: "EUR", units });

/**
 * A shop with Ada (u1) and Mallory (u2), customers; a lamp (p1) and a
 * product priced at 2^62 EUR (p2); an order of Ada's, pending, and one of
 * Mallory's, cancelled. Mallory's clients call with her token.
 */
async function shopUnderAttack() {
  const orders = new MemoryOrders();
  const store: Store = { ...createMemoryStore(), orders };
  const shop = await serveShop(store);
  const gateway = await serveGateway(shop);
  const admin = shop.orders.client;
  await shop.users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
  await shop.users.client.createUser({ email: "mallory@example.com", displayName: "Mallory" });
  await shop.products.client.createProduct({ name: "Lamp", price: eur(20n), stock: 10 });
  await shop.products.client.createProduct({ name: "Yacht", price: eur(2n ** 62n), stock: 10 });
  const line = [{ productId: "p1", quantity: 1 }];
  const { order: adas } = await admin.createOrder({ userId: "u1", items: line, shippingAddress: HOME });
  const { order: mallorys } = await admin.createOrder({ userId: "u2", items: line, shippingAddress: HOME });
  await admin.updateOrderStatus({ orderId: mallorys?.orderId ?? "", status: OrderStatus.CANCELLED });
  const mallory = {
    users: await connectAs(shop.users, UserService, "u2"),
    orders: await connectAs(shop.orders, OrderService, "u2"),
    gateway: await connectAs(gateway, GatewayService, "u2"),
  };
  const ada = {
    users: await connectAs(shop.users, UserService, "u1"),
    orders: await connectAs(shop.orders, OrderService, "u1"),
  };

  /** Everything the store holds. */
  const snapshot = async () => {
    const users = await collect(store.users.scan({ filter: "", createdAfter: undefined }));
    const criteria = { words: [], category: "", minPrice: undefined, maxPrice: undefined };
    const { products } = await store.products.search(criteria, { after: undefined, limit: 1_000 });
    return { users, products, orders: orders.all() };
  };

  /**
   * Runs `attack`, expects it to fail with `code` and to change nothing in
   * the store; then `then` (a legitimate call, on the same client) must
   * succeed. Returns the attack's error.
   */
  const refused = async (
    attack: () => Promise<unknown>,
    code: Code,
    then: () => Promise<unknown>,
  ): Promise<RpcError> => {
    const before = await snapshot();
    // An attack that gets an answer it should not (a stream that stays open) fails fast rather than hang.
    const error = await within(attack(), "the attack's answer").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, `expected ${Code[code]}, but the attack succeeded`).toBeInstanceOf(RpcError);
    expect(Code[(error as RpcError).code]).toBe(Code[code]);
    expect(await snapshot()).toEqual(before);
    await then();
    return error as RpcError;
  };

  return {
    shop,
    gateway,
    mallory,
    ada,
    refused,
    adasOrder: adas?.orderId ?? "",
    mallorysOrder: mallorys?.orderId ?? "",
  };
}

/** A missing order's id in the form of the real ones. */
const MISSING = "00000000-0000-4000-8000-000000000000";

/** The message of an order error without the id it names, to compare two answers. */
const withoutId = (error: RpcError, id: string) => error.rawMessage.replaceAll(id, "<id>");

describe("orders: only their owner (or admin and support) reads them", () => {
  test("GetOrder of someone else's order answers NOT_FOUND, word for word as for a missing order", async () => {
    const { mallory, refused, adasOrder, mallorysOrder } = await shopUnderAttack();
    const ownRead = () => mallory.orders.getOrder({ orderId: mallorysOrder });
    const foreign = await refused(() => mallory.orders.getOrder({ orderId: adasOrder }), Code.NOT_FOUND, ownRead);
    const missing = await refused(() => mallory.orders.getOrder({ orderId: MISSING }), Code.NOT_FOUND, ownRead);
    expect(withoutId(foreign, adasOrder)).toBe(withoutId(missing, MISSING));
    expect(Object.keys(foreign.metadata.getMap()).sort()).toEqual(Object.keys(missing.metadata.getMap()).sort());
    // A read mask selects nothing more.
    await refused(
      () => mallory.orders.getOrder({ orderId: adasOrder, readMask: { paths: ["user_id", "total"] } }),
      Code.NOT_FOUND,
      ownRead,
    );
  });

  test("StreamOrderUpdates of someone else's order answers NOT_FOUND before sending anything", async () => {
    const { mallory, refused, adasOrder, mallorysOrder } = await shopUnderAttack();
    const follow = (orderId: string) => collect(mallory.orders.streamOrderUpdates({ orderId }));
    const own = async () => expect((await follow(mallorysOrder)).map((u) => u.order?.orderId)).toEqual([mallorysOrder]);
    const foreign = await refused(() => follow(adasOrder), Code.NOT_FOUND, own);
    const missing = await refused(() => follow(MISSING), Code.NOT_FOUND, own);
    expect(withoutId(foreign, adasOrder)).toBe(withoutId(missing, MISSING));
  });

  test("through the gateway, someone else's order is NOT_FOUND as a missing one is, not PERMISSION_DENIED", async () => {
    const { mallory, refused, adasOrder, mallorysOrder } = await shopUnderAttack();
    const ownDetails = async () =>
      expect((await mallory.gateway.getOrderDetails({ orderId: mallorysOrder })).details?.user?.userId).toBe("u2");
    const foreign = await refused(
      () => mallory.gateway.getOrderDetails({ orderId: adasOrder }),
      Code.NOT_FOUND,
      ownDetails,
    );
    const missing = await refused(
      () => mallory.gateway.getOrderDetails({ orderId: MISSING }),
      Code.NOT_FOUND,
      ownDetails,
    );
    expect(withoutId(foreign, adasOrder)).toBe(withoutId(missing, MISSING));
    await refused(
      () => collect(mallory.gateway.streamOrderDetails({ orderId: adasOrder })),
      Code.NOT_FOUND,
      ownDetails,
    );
  });

  test("order ids are random: the next id cannot be guessed, and a guess is NOT_FOUND", async () => {
    const { shop, mallory, refused, adasOrder, mallorysOrder } = await shopUnderAttack();
    expect(adasOrder).toMatch(UUID);
    expect(mallorysOrder).toMatch(UUID);
    expect(adasOrder).not.toBe(mallorysOrder);
    for (const guess of ["o1", "o2", "1", "0"]) {
      await refused(
        () => mallory.orders.getOrder({ orderId: guess }),
        Code.NOT_FOUND,
        () => mallory.orders.getOrder({ orderId: mallorysOrder }),
      );
    }
    // The owner, support and admin read the order.
    const support = await connectAs(shop.orders, OrderService, "agent-7", ["support"]);
    expect((await support.getOrder({ orderId: adasOrder })).order?.userId).toBe("u1");
    expect((await shop.orders.client.getOrder({ orderId: adasOrder })).order?.userId).toBe("u1");
  });
});

describe("the support chat: messages are sent as the caller", () => {
  test("a message that claims another user's id is PERMISSION_DENIED and reaches no one", async () => {
    const { shop, mallory, refused } = await shopUnderAttack();
    // An agent listens; the first line they hear must be Mallory's own.
    const agentJoined = deferred();
    const agentDone = deferred();
    const agent = (await connectAs(shop.users, UserService, "agent-7", ["support"]))
      .chatWithUsers(
        // The agent sends nothing until the end: an empty stream that stays open.
        (async function* () {
          await agentDone.promise;
          yield* [];
        })(),
        { onHeader: () => agentJoined.resolve() },
      )
      [Symbol.asyncIterator]();
    const heard = agent.next();
    await within(agentJoined.promise, "the agent to join");

    const error = await refused(
      () => collect(mallory.users.chatWithUsers([{ userId: "u1", message: "Hi, Ada here: send my order to Mallory" }])),
      Code.PERMISSION_DENIED,
      () => collect(mallory.users.chatWithUsers([{ userId: "u2", message: "hello" }])),
    );
    expect(error.rawMessage).not.toContain("Ada");
    expect((await within(heard, "the agent to hear Mallory")).value).toMatchObject({ userId: "u2", message: "hello" });
    agentDone.resolve();
    expect(await within(agent.next(), "the agent's call to end")).toMatchObject({ done: true });
  });

  test("the support bot greets the caller by their own name, never by the name of an id they claim", async () => {
    const { mallory, refused } = await shopUnderAttack();
    let greeting = "";
    await refused(
      () => collect(mallory.users.chatWithUsers([{ userId: "u1", message: "who am I?" }])),
      Code.PERMISSION_DENIED,
      async () => {
        const [answer] = await collect(mallory.users.chatWithUsers([{ userId: "u2", message: "who am I?" }]));
        expect(answer?.userId).toBe(SUPPORT_BOT);
        greeting = answer?.message ?? "";
      },
    );
    expect(greeting).toContain("Hi Mallory!");
    expect(greeting).not.toContain("Ada");
  });
});

describe("server reflection is for admins", () => {
  test("a customer's reflection call is PERMISSION_DENIED; an admin's, on the same channel, is served", async () => {
    const { shop, gateway, refused } = await shopUnderAttack();
    const customer = { metadata: { authorization: `Bearer ${await mintToken("u2", ["customer"])}` } };
    const admin = { metadata: { authorization: `Bearer ${await mintToken("root", ["admin"])}` } };
    const list = [{ messageRequest: { case: "listServices", value: "" } } as const];
    for (const served of [shop.users, shop.orders, gateway]) {
      for (const service of [ServerReflection, ServerReflectionV1alpha]) {
        const reflection = served.connect(service);
        await refused(
          () => collect(reflection.serverReflectionInfo(list, customer)),
          Code.PERMISSION_DENIED,
          async () => {
            const [answer] = await collect(reflection.serverReflectionInfo(list, admin));
            expect(answer?.messageResponse.case).toBe("listServicesResponse");
          },
        );
        await refused(
          () => collect(reflection.serverReflectionInfo(list)),
          Code.UNAUTHENTICATED,
          () => collect(reflection.serverReflectionInfo(list, admin)),
        );
      }
    }
  });
});

describe("the rules of the reference protos", () => {
  test("an avatar or product image URL must be https: javascript: and data: URLs are INVALID_ARGUMENT", async () => {
    const { shop, ada, refused } = await shopUnderAttack();
    const hostile = ["javascript:alert(document.cookie)", "JAVASCRIPT:alert(1)", "data:text/html,<script>x</script>"];
    for (const avatarUrl of [...hostile, "http://example.com/a.png", "vbscript:msgbox(1)"]) {
      const signUp = await refused(
        () => shop.users.client.createUser({ email: "eve@example.com", displayName: "Eve", profile: { avatarUrl } }),
        Code.INVALID_ARGUMENT,
        () => ada.users.getUser({ userId: "u1" }),
      );
      expect(signUp.fieldViolations).toContainEqual(
        expect.objectContaining({ field: "profile.avatar_url", reason: "STRING_PREFIX" }),
      );
      await refused(
        () =>
          ada.users.updateUser({
            user: { userId: "u1", profile: { avatarUrl } },
            updateMask: { paths: ["profile.avatar_url"] },
          }),
        Code.INVALID_ARGUMENT,
        () => ada.users.getUser({ userId: "u1" }),
      );
    }
    for (const url of hostile) {
      await refused(
        () => shop.products.client.createProduct({ name: "Trap", price: eur(1n), imageUrls: [url] }),
        Code.INVALID_ARGUMENT,
        () => shop.products.client.getProduct({ productId: "p1" }),
      );
    }
    // An https URL is fine.
    const { user } = await ada.users.updateUser({
      user: { userId: "u1", profile: { avatarUrl: "https://cdn.example.com/ada.png" } },
      updateMask: { paths: ["profile.avatar_url"] },
    });
    expect(user?.profile?.avatarUrl).toBe("https://cdn.example.com/ada.png");
  });

  test("a display name must show something: zero-width, blank-looking and bidi-override names are INVALID_ARGUMENT", async () => {
    const { shop, ada, refused } = await shopUnderAttack();
    const invisible = [
      "\u200B\u200B\u200B", // zero-width spaces
      "\u200C\u200D\u2060\uFEFF", // zero-width non-joiner, joiner, word joiner, BOM
      "   ",
      "\u3164", // Hangul filler: a letter that shows nothing
      "\u2800", // Braille blank
      "\u202EnimdA", // a right-to-left override: shows "Admin"
      "Ada\u0000", // a control character
    ];
    for (const displayName of invisible) {
      const error = await refused(
        () => shop.users.client.createUser({ email: "eve@example.com", displayName }),
        Code.INVALID_ARGUMENT,
        () => ada.users.getUser({ userId: "u1" }),
      );
      expect(error.fieldViolations).toContainEqual(
        expect.objectContaining({ field: "display_name", reason: "STRING_PATTERN" }),
      );
      await refused(
        () => ada.users.updateUser({ user: { userId: "u1", displayName }, updateMask: { paths: ["display_name"] } }),
        Code.INVALID_ARGUMENT,
        () => ada.users.getUser({ userId: "u1" }),
      );
    }
    // Names in any script, with emoji joined by zero-width joiners, are fine.
    for (const [i, displayName] of ["Zoë 👩‍💻", "أحمد", "李小龍", "O'Brien-Smith"].entries()) {
      const { user } = await shop.users.client.createUser({ email: `user${i}@example.com`, displayName });
      expect(user?.displayName).toBe(displayName);
    }
  });

  test("a Timestamp out of its range (nanos -1, the year 10000) is INVALID_ARGUMENT", async () => {
    const { shop, refused } = await shopUnderAttack();
    const list = (createdAfter: { seconds: bigint; nanos: number }) =>
      collect(shop.users.client.listUsers({ createdAfter }));
    for (const createdAfter of [
      { seconds: 0n, nanos: -1 },
      { seconds: 0n, nanos: 1_000_000_000 },
      { seconds: 253_402_300_800n, nanos: 0 },
      { seconds: -62_135_596_801n, nanos: 0 },
    ]) {
      const error = await refused(
        () => list(createdAfter),
        Code.INVALID_ARGUMENT,
        async () => expect(await list({ seconds: 0n, nanos: 0 })).toHaveLength(2),
      );
      expect(error.fieldViolations).toEqual([
        expect.objectContaining({ field: "created_after", reason: "TIMESTAMP_VALID" }),
      ]);
    }
  });

  test("an order whose total would pass int64 is INVALID_ARGUMENT, not INTERNAL, and takes nothing out of stock", async () => {
    const { ada, refused } = await shopUnderAttack();
    const order = (quantity: number) =>
      ada.orders.createOrder({ userId: "u1", items: [{ productId: "p2", quantity }], shippingAddress: HOME });
    // 2 × 2^62 EUR is 2^63: one more than an int64 holds.
    const error = await refused(
      () => order(2),
      Code.INVALID_ARGUMENT,
      async () => expect((await order(1)).order?.total).toMatchObject(eur(2n ** 62n)),
    );
    expect(error.rawMessage).toContain("more than an amount can hold");
    // Lines of one product add up too.
    await refused(
      () =>
        ada.orders.createOrder({
          userId: "u1",
          items: [
            { productId: "p2", quantity: 1 },
            { productId: "p2", quantity: 1 },
          ],
          shippingAddress: HOME,
        }),
      Code.INVALID_ARGUMENT,
      () =>
        ada.orders
          .getOrder({ orderId: MISSING })
          .catch((e: unknown) => expect(e).toMatchObject({ code: Code.NOT_FOUND })),
    );
  });
});
