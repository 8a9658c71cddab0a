import { generateKeyPairSync } from "node:crypto";
import { Code } from "grpckit";
import { describe, expect, it } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { bearer, claims, hs256, rawToken, rsaKeys, sign, withMetadata } from "../auth/support/tokens.js";
import { HOME } from "../example/harness.js";
import { channelTo, expectHeld, type ShopUnderAttack, serveShopUnderAttack } from "./support.js";

/*
 * Forged and stolen-looking tokens against the example's OrderService behind
 * an RS256 authenticator: each tries to place an order for the seeded user
 * as an admin. Each must fail UNAUTHENTICATED, leave the store unwritten,
 * and leave its channel serving an honest admin's call. (test/auth/jwt.test.ts
 * checks the authenticator's reasons and logs; this checks what the attacker
 * gets and what it leaves behind.)
 */

const ADMIN = "test-admin";
const now = () => Math.floor(Date.now() / 1000);

/** An order for the seeded user of two of the seeded products, as an attacker would place it. */
function orderRequest(s: ShopUnderAttack) {
  const eur = (units: bigint) => ({ currencyCode: "EUR", units });
  return {
    userId: s.seed.user.userId,
    shippingAddress: HOME,
    items: [{ productId: s.seed.lamp.productId, quantity: 2, unitPrice: eur(20n) }],
  };
}

/** The attack's channel: an attacker's client and an honest admin's, side by side. */
function clientsOf(s: ShopUnderAttack) {
  const channel = channelTo(s.shop.orders.address);
  return {
    attacker: channel.client(OrderService),
    admin: channel.client(OrderService, s.adminToken),
  };
}

/** Expects an order placed with `token` to be refused UNAUTHENTICATED, with the channel and store intact. */
async function expectTokenRefused(s: ShopUnderAttack, token: string): Promise<void> {
  const { attacker, admin } = clientsOf(s);
  const error = await expectHeld(() => attacker.createOrder(orderRequest(s), bearer(token)), {
    code: Code.UNAUTHENTICATED,
    honest: () => admin.getOrder({ orderId: s.seed.order.orderId }),
    store: s.store,
  });
  // The same answer for every bad token: nothing tells the attacker which check failed.
  expect(error.rawMessage).toBe("missing or invalid credentials");
}

const forged: [string, (s: ShopUnderAttack) => string | Promise<string>][] = [
  ["alg none without a signature", () => rawToken({ alg: "none", typ: "JWT" }, claims(ADMIN, { roles: ["admin"] }))],
  ["alg none with a signature", () => rawToken({ alg: "none" }, claims(ADMIN, { roles: ["admin"] }), "AAAA")],
  [
    "HS256 signed with the server's RSA public key as the secret (algorithm confusion)",
    (s) => hs256(claims(ADMIN, { roles: ["admin"] }), s.keys.publicPem),
  ],
  [
    "ES256 signed with the attacker's own key",
    () =>
      sign(claims(ADMIN, { roles: ["admin"] }), generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, {
        alg: "ES256",
      }),
  ],
  [
    "an RS256 token of another key",
    async () => sign(claims(ADMIN, { roles: ["admin"] }), (await rsaKeys()).privateKey),
  ],
  ["an expired token", (s) => sign(claims(ADMIN, { roles: ["admin"], exp: now() - 120 }), s.keys.privateKey)],
  ["a token not valid yet", (s) => sign(claims(ADMIN, { roles: ["admin"], nbf: now() + 120 }), s.keys.privateKey)],
  [
    "a token for another audience",
    (s) => sign(claims(ADMIN, { roles: ["admin"], aud: "other-api" }), s.keys.privateKey),
  ],
  [
    "a token of another issuer",
    (s) => sign(claims(ADMIN, { roles: ["admin"], iss: "https://evil.example/" }), s.keys.privateKey),
  ],
  [
    "a customer's token whose payload is rewritten to claim admin (tampered payload)",
    async (s) => {
      const [header, , signature] = (await s.tokenFor("mallory", ["customer"])).split(".");
      const payload = Buffer.from(JSON.stringify(claims(ADMIN, { roles: ["admin"] }))).toString("base64url");
      return `${header}.${payload}.${signature}`;
    },
  ],
  [
    "an admin token with one character of its signature changed (tampered signature)",
    (s) => {
      const [header, payload, signature = ""] = s.adminToken.split(".");
      const flipped = `${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`;
      return `${header}.${payload}.${flipped}`;
    },
  ],
];

describe("forged tokens cannot place an order", () => {
  it("a valid admin token can (so that the refusals below are the tokens')", async () => {
    const s = await serveShopUnderAttack();
    const { attacker } = clientsOf(s);
    const writesBefore = s.store.writes.length;
    const { order } = await attacker.createOrder(orderRequest(s), bearer(s.adminToken));
    expect(order?.userId).toBe(s.seed.user.userId);
    expect(s.store.writes.slice(writesBefore)).toContain("orders.create");
  });

  for (const [what, make] of forged) {
    it(`refuses ${what}`, async () => {
      const s = await serveShopUnderAttack();
      await expectTokenRefused(s, await make(s));
    });
  }
});

describe("spoofed principal headers", () => {
  const spoofed = (userId: string) => ({
    "x-user-id": userId,
    "x-roles": "admin",
    "x-forwarded-user": userId,
    "x-scopes": "orders.write",
    "x-principal": JSON.stringify({ subject: userId, roles: ["admin"] }),
  });

  it("without a token, headers naming a user and a role do not authenticate", async () => {
    const s = await serveShopUnderAttack();
    const { attacker, admin } = clientsOf(s);
    await expectHeld(() => attacker.createOrder(orderRequest(s), withMetadata(spoofed(s.seed.user.userId))), {
      code: Code.UNAUTHENTICATED,
      honest: () => admin.getOrder({ orderId: s.seed.order.orderId }),
      store: s.store,
    });
  });

  it("with a customer's token, they neither make the customer another user nor an admin", async () => {
    const s = await serveShopUnderAttack();
    const { attacker, admin } = clientsOf(s);
    const mallory = await s.tokenFor("mallory", ["customer"]);
    const headers = spoofed(s.seed.user.userId);
    const held = {
      code: Code.PERMISSION_DENIED,
      honest: () => admin.getOrder({ orderId: s.seed.order.orderId }),
      store: s.store,
    };
    // An order for another user: the self rule reads the token's subject, not x-user-id.
    await expectHeld(() => attacker.createOrder(orderRequest(s), bearer(mallory, headers)), held);
    // A staff-only method: the roles are the token's, not x-roles.
    await expectHeld(
      () =>
        attacker.updateOrderStatus(
          { orderId: s.seed.order.orderId, status: OrderStatus.CANCELLED },
          bearer(mallory, headers),
        ),
      held,
    );
    const { order } = await admin.getOrder({ orderId: s.seed.order.orderId });
    expect(order?.status).toBe(s.seed.order.status);
  });
});
