import { generateKeyPairSync } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, type JwtOptions, jwt } from "grpckit";
import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type AuthServer, failure, serveUsers } from "./support/harness.js";
import {
  AUDIENCE,
  bearer,
  claims,
  hs256,
  ISSUER,
  type RsaKeys,
  rawToken,
  rsaKeys,
  sign,
  withMetadata,
} from "./support/tokens.js";

/*
 * The JWT authenticator against a real server: each refused token is also a
 * call that must never reach the handler, and each refusal test runs on a
 * server where a valid token passes (the first test of each block), so that
 * a server refusing everything fails them.
 */

const UNAUTHENTICATED_MESSAGE = "missing or invalid credentials";

let keys: RsaKeys;
beforeAll(async () => {
  keys = await rsaKeys();
});

const rs256 = (extra: Partial<JwtOptions> = {}): JwtOptions => ({
  publicKey: keys.publicPem,
  algorithms: ["RS256"],
  issuer: ISSUER,
  audience: AUDIENCE,
  ...extra,
});

/** Expects `token`, sent by `u1` for its own user, to be refused without reaching the handler. */
async function expectRefused(server: AuthServer, token: string, reason: RegExp): Promise<void> {
  const callsBefore = server.seen.calls.length;
  const linesBefore = server.log.lines.length;
  const error = await failure(server.client.getUser({ userId: "u1" }, bearer(token)), Code.UNAUTHENTICATED);
  expect(error.rawMessage).toBe(UNAUTHENTICATED_MESSAGE);
  expect(server.seen.calls.length).toBe(callsBefore);
  const line = server.log.lines[linesBefore];
  expect(line?.fields["auth.reason"]).toMatch(reason);
  // The log says why, never with the token itself.
  expect(JSON.stringify(server.log.lines)).not.toContain(token.slice(0, 40));
}

describe("jwt: tokens a server refuses", () => {
  // serve() stops a server when its test ends: one server per test.
  const fresh = () => serveUsers(jwt(rs256()));

  it("accepts a valid token, and the handler gets its principal", async () => {
    const s = await fresh();
    const token = await sign(claims("u1", { roles: ["customer"], scope: "users.read users.write" }), keys.privateKey);
    const { user } = await s.client.getUser({ userId: "u1" }, bearer(token));
    expect(user?.displayName).toBe("u1");
    const principal = s.seen.callers[0];
    expect(principal?.subject).toBe("u1");
    expect(principal?.roles).toEqual(["customer"]);
    expect(principal?.scopes).toEqual(["users.read", "users.write"]);
    expect(principal?.via).toBe("jwt");
    expect(principal?.claims.iss).toBe(ISSUER);
  });

  it("refuses alg none, with or without a signature", async () => {
    const s = await fresh();
    await expectRefused(s, rawToken({ alg: "none", typ: "JWT" }, claims("u1")), /not a JWS/);
    await expectRefused(s, rawToken({ alg: "none" }, claims("u1"), "AAAA"), /ERR_JOSE_ALG_NOT_ALLOWED/);
    await expectRefused(s, rawToken({ alg: "NONE" }, claims("u1"), "AAAA"), /ERR_JOSE_ALG_NOT_ALLOWED/);
  });

  it("refuses an HS256 token signed with the server's RSA public key as the secret (algorithm confusion)", async () => {
    const s = await fresh();
    await expectRefused(s, hs256(claims("u1"), keys.publicPem), /ERR_JOSE_ALG_NOT_ALLOWED/);
    await expectRefused(
      s,
      hs256(claims("u1"), keys.publicKey.export({ type: "spki", format: "der" })),
      /ALG_NOT_ALLOWED/,
    );
  });

  it("refuses a token signed with another algorithm than the allowed one", async () => {
    const s = await fresh();
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await expectRefused(s, await sign(claims("u1"), ec.privateKey, { alg: "ES256" }), /ALG_NOT_ALLOWED/);
  });

  it("refuses an expired token and one not valid yet", async () => {
    const s = await fresh();
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(s, await sign(claims("u1", { exp: now - 120 }), keys.privateKey), /ERR_JWT_EXPIRED/);
    await expectRefused(s, await sign(claims("u1", { nbf: now + 120 }), keys.privateKey), /nbf/);
  });

  it("refuses a wrong issuer and a wrong audience, and tokens without them", async () => {
    const s = await fresh();
    await expectRefused(s, await sign(claims("u1", { iss: "https://evil.example/" }), keys.privateKey), /iss/);
    await expectRefused(s, await sign(claims("u1", { aud: "other-api" }), keys.privateKey), /aud/);
    const { iss: _iss, ...noIssuer } = claims("u1");
    await expectRefused(s, await sign(noIssuer, keys.privateKey), /iss/);
    const { aud: _aud, ...noAudience } = claims("u1");
    await expectRefused(s, await sign(noAudience, keys.privateKey), /aud/);
  });

  it("refuses a token without exp or without sub", async () => {
    const s = await fresh();
    const { exp: _exp, ...noExpiry } = claims("u1");
    await expectRefused(s, await sign(noExpiry, keys.privateKey), /exp/);
    const { sub: _sub, ...noSubject } = claims("u1");
    await expectRefused(s, await sign(noSubject, keys.privateKey), /sub/);
    await expectRefused(s, await sign(claims(""), keys.privateKey), /sub/);
  });

  it("refuses a tampered payload and a tampered signature", async () => {
    const s = await fresh();
    const token = await sign(claims("u1", { roles: ["customer"] }), keys.privateKey);
    const [header, , signature] = token.split(".");
    const forged = Buffer.from(JSON.stringify(claims("u1", { roles: ["admin"] }))).toString("base64url");
    await expectRefused(s, `${header}.${forged}.${signature}`, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    const flipped = `${signature?.slice(0, 10)}${signature?.[10] === "A" ? "B" : "A"}${signature?.slice(11)}`;
    await expectRefused(s, `${header}.${token.split(".")[1]}.${flipped}`, /SIGNATURE_VERIFICATION_FAILED/);
  });

  it("refuses a token of 64 KiB unread, even with a valid signature", async () => {
    const s = await fresh();
    // Padded to 64 KiB, within what HTTP/2 lets through (larger header blocks are reset by the transport).
    let padding = 48 * 1024;
    let big = "";
    for (let i = 0; i < 3; i++) {
      big = await sign(claims("u1", { padding: "x".repeat(padding) }), keys.privateKey);
      padding += Math.floor(((64 * 1024 - big.length) * 3) / 4);
    }
    expect(Math.abs(big.length - 64 * 1024)).toBeLessThan(8);
    await expectRefused(s, big, /over the limit of 8192/);
    // The same claims without the padding pass: the size is what is refused.
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1", { padding: "x" }), keys.privateKey)));
  });

  it("finds no credentials in a token without the Bearer prefix or in another header", async () => {
    const s = await fresh();
    const token = await sign(claims("u1"), keys.privateKey);
    const tries = [
      { authorization: token },
      { authorization: `Basic ${token}` },
      { authorization: `Bearer: ${token}` },
      { "x-access-token": `Bearer ${token}` },
      { "x-authorization": `Bearer ${token}` },
      { token },
    ];
    for (const metadata of tries) {
      const error = await failure(s.client.getUser({ userId: "u1" }, withMetadata(metadata)), Code.UNAUTHENTICATED);
      expect(error.rawMessage).toBe(UNAUTHENTICATED_MESSAGE);
    }
    expect(s.seen.calls).toEqual([]);
    expect(s.log.lines.map((line) => line.fields["auth.reason"])).toEqual(tries.map(() => "no credentials"));
    // The scheme's case does not matter (RFC 7235).
    await s.client.getUser({ userId: "u1" }, withMetadata({ authorization: `bearer ${token}` }));
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("refuses a token that is not a JWS in compact form", async () => {
    const s = await fresh();
    await expectRefused(s, "not-a-jwt", /not a JWS/);
    await expectRefused(s, "a.b.c.d.e", /not a JWS/);
    await expectRefused(s, "a.b.c d", /not a JWS/);
  });

  it("refuses a roles claim of the wrong type, rather than reading a role in it", async () => {
    const s = await fresh();
    const admin = await sign(claims("root", { roles: ["admin"] }), keys.privateKey);
    await s.client.deleteUser({ userId: "u9" }, bearer(admin));
    expect(s.seen.calls).toEqual(["deleteUser"]);
    for (const roles of ["admin", "superadmin", { 0: "admin", length: 1 }, ["admin", 1], [["admin"]], true, null]) {
      const token = await sign(claims("root", { roles }), keys.privateKey);
      const error = await failure(s.client.deleteUser({ userId: "u9" }, bearer(token)), Code.UNAUTHENTICATED);
      expect(error.rawMessage).toBe(UNAUTHENTICATED_MESSAGE);
    }
    expect(s.seen.calls).toEqual(["deleteUser"]);
    expect(s.log.lines.at(-1)?.fields["auth.reason"]).toBe("the roles claim is not a list of strings");
  });

  it("refuses a scope claim of the wrong type", async () => {
    const s = await fresh();
    const token = await sign(claims("u1", { scope: { "users.read": true } }), keys.privateKey);
    await failure(s.client.batchGetUsers({ userIds: ["u1"] }, bearer(token)), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toEqual([]);
  });
});

describe("jwt: keys", () => {
  it("verifies with an HMAC secret", async () => {
    const secret = "a-32-byte-long-secret-for-hs256!";
    const s = await serveUsers(jwt({ secret, algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE }));
    await s.client.getUser({ userId: "u1" }, bearer(hs256(claims("u1"), secret)));
    await failure(s.client.getUser({ userId: "u1" }, bearer(hs256(claims("u1"), `${secret}?`))), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("verifies with a public JWK and with a Node KeyObject", async () => {
    for (const publicKey of [keys.publicJwk, keys.publicKey]) {
      const s = await serveUsers(jwt(rs256({ publicKey })));
      await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), keys.privateKey)));
      const other = await rsaKeys();
      await failure(
        s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), other.privateKey))),
        Code.UNAUTHENTICATED,
      );
      expect(s.seen.calls).toEqual(["getUser"]);
    }
  });

  it("chooses the key of a key set by kid, and refuses an unknown kid", async () => {
    const [k1, k2, k3] = await Promise.all([rsaKeys("k1"), rsaKeys("k2"), rsaKeys("k3")]);
    const s = await serveUsers(jwt(rs256({ publicKey: undefined, jwks: { keys: [k1.publicJwk, k2.publicJwk] } })));
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), k2.privateKey, { kid: "k2" })));
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), k1.privateKey, { kid: "k1" })));
    expect(s.seen.calls).toEqual(["getUser", "getUser"]);
    // Signed by k3, which the set does not have, under each kid: unknown, and known but the wrong key.
    await expectRefused(s, await sign(claims("u1"), k3.privateKey, { kid: "k3" }), /ERR_JWKS_NO_MATCHING_KEY/);
    await expectRefused(s, await sign(claims("u1"), k3.privateKey, { kid: "k1" }), /SIGNATURE_VERIFICATION_FAILED/);
  });

  it("rotates keys through a key set function", async () => {
    const [old, next] = await Promise.all([rsaKeys("2024"), rsaKeys("2025")]);
    let set = { keys: [old.publicJwk] };
    const s = await serveUsers(jwt(rs256({ publicKey: undefined, jwks: () => set })));
    const oldToken = await sign(claims("u1"), old.privateKey, { kid: "2024" });
    const nextToken = await sign(claims("u1"), next.privateKey, { kid: "2025" });
    await s.client.getUser({ userId: "u1" }, bearer(oldToken));
    await failure(s.client.getUser({ userId: "u1" }, bearer(nextToken)), Code.UNAUTHENTICATED);
    set = { keys: [old.publicJwk, next.publicJwk] }; // the new key is published
    await s.client.getUser({ userId: "u1" }, bearer(nextToken));
    set = { keys: [next.publicJwk] }; // the old one is retired
    await failure(s.client.getUser({ userId: "u1" }, bearer(oldToken)), Code.UNAUTHENTICATED);
    await s.client.getUser({ userId: "u1" }, bearer(nextToken));
    expect(s.seen.calls).toEqual(["getUser", "getUser", "getUser"]);
  });

  it("fetches a remote key set (jwksUrl), and refuses a kid it does not have", async () => {
    const [k1, k2] = await Promise.all([rsaKeys("k1"), rsaKeys("k2")]);
    let fetches = 0;
    const issuer = createHttpServer((_req, res) => {
      fetches++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [k1.publicJwk] }));
    });
    await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => issuer.close(() => resolve())));
    const { port } = issuer.address() as AddressInfo;
    const s = await serveUsers(jwt(rs256({ publicKey: undefined, jwksUrl: `http://127.0.0.1:${port}/jwks.json` })));
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), k1.privateKey, { kid: "k1" })));
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), k1.privateKey, { kid: "k1" })));
    expect(fetches).toBe(1); // cached
    await expectRefused(s, await sign(claims("u1"), k2.privateKey, { kid: "k2" }), /NO_MATCHING_KEY/);
    expect(s.seen.calls).toEqual(["getUser", "getUser"]);
  });

  it("checks exp and nbf with the clock tolerance", async () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const at = Math.floor(now.getTime() / 1000);
    const expired3sAgo = await sign(claims("u1", { iat: at - 600, exp: at - 3 }), keys.privateKey);
    const valid3sFromNow = await sign(claims("u1", { iat: at, nbf: at + 3, exp: at + 600 }), keys.privateKey);
    const lenient = await serveUsers(jwt(rs256({ now: () => now, clockToleranceSec: 5 })));
    await lenient.client.getUser({ userId: "u1" }, bearer(expired3sAgo));
    await lenient.client.getUser({ userId: "u1" }, bearer(valid3sFromNow));
    expect(lenient.seen.calls).toEqual(["getUser", "getUser"]);
    const strict = await serveUsers(jwt(rs256({ now: () => now, clockToleranceSec: 0 })));
    await failure(strict.client.getUser({ userId: "u1" }, bearer(expired3sAgo)), Code.UNAUTHENTICATED);
    await failure(strict.client.getUser({ userId: "u1" }, bearer(valid3sFromNow)), Code.UNAUTHENTICATED);
    expect(strict.seen.calls).toEqual([]);
  });

  it("reads roles from a nested claim path, or from a claim whose name has dots", async () => {
    const nested = await serveUsers(jwt(rs256({ rolesClaim: "realm_access.roles" })));
    const admin = await sign(claims("root", { realm_access: { roles: ["admin"] } }), keys.privateKey);
    await nested.client.deleteUser({ userId: "u9" }, bearer(admin));
    const flat = await sign(claims("root", { roles: ["admin"] }), keys.privateKey);
    await failure(nested.client.deleteUser({ userId: "u9" }, bearer(flat)), Code.PERMISSION_DENIED);
    const wrongType = await sign(claims("root", { realm_access: { roles: "admin" } }), keys.privateKey);
    await failure(nested.client.deleteUser({ userId: "u9" }, bearer(wrongType)), Code.UNAUTHENTICATED);
    expect(nested.seen.calls).toEqual(["deleteUser"]);

    const named = await serveUsers(jwt(rs256({ rolesClaim: "https://shop.example/roles" })));
    const auth0 = await sign(claims("root", { "https://shop.example/roles": ["admin"] }), keys.privateKey);
    await named.client.deleteUser({ userId: "u9" }, bearer(auth0));
    expect(named.seen.calls).toEqual(["deleteUser"]);
  });

  it("checks the typ header when asked to", async () => {
    const s = await serveUsers(jwt(rs256({ type: "at+jwt" })));
    await s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), keys.privateKey, { typ: "at+jwt" })));
    await failure(
      s.client.getUser({ userId: "u1" }, bearer(await sign(claims("u1"), keys.privateKey, { typ: "JWT" }))),
      Code.UNAUTHENTICATED,
    );
    expect(s.seen.calls).toEqual(["getUser"]);
  });
});

describe("jwt: configuration that could not be safe is refused", () => {
  const base = { issuer: ISSUER, audience: AUDIENCE };
  const cases: [string, () => unknown, RegExp][] = [
    [
      "no algorithms",
      () => jwt({ ...base, publicKey: keys.publicPem } as unknown as JwtOptions),
      /algorithms is required/,
    ],
    [
      "an empty allow-list",
      () => jwt({ ...base, publicKey: keys.publicPem, algorithms: [] }),
      /algorithms is required/,
    ],
    [
      "alg none",
      () => jwt({ ...base, publicKey: keys.publicPem, algorithms: ["none"] as unknown as ["RS256"] }),
      /"none" is not supported/,
    ],
    [
      "HS256 beside a public key",
      () => jwt({ ...base, publicKey: keys.publicPem, algorithms: ["RS256", "HS256"] }),
      /HS256 need a secret/,
    ],
    [
      "HS256 with a key set",
      () => jwt({ ...base, jwks: { keys: [keys.publicJwk] }, algorithms: ["HS256"] }),
      /need a secret/,
    ],
    [
      "RS256 with a secret",
      () => jwt({ ...base, secret: "x".repeat(64), algorithms: ["RS256"] }),
      /HMAC algorithms only/,
    ],
    ["a short secret", () => jwt({ ...base, secret: "short", algorithms: ["HS256"] }), /at least 32 bytes/],
    ["a 32-byte secret for HS512", () => jwt({ ...base, secret: "x".repeat(32), algorithms: ["HS512"] }), /64 bytes/],
    ["no key", () => jwt({ ...base, algorithms: ["RS256"] }), /exactly one of/],
    [
      "two keys",
      () => jwt({ ...base, publicKey: keys.publicPem, jwks: { keys: [] }, algorithms: ["RS256"] }),
      /exactly one of/,
    ],
    [
      "an algorithm the key cannot verify",
      () => jwt({ ...base, publicKey: keys.publicPem, algorithms: ["RS256", "ES256"] }),
      /cannot verify ES256/,
    ],
    [
      "a secret key in a key set",
      () => jwt({ ...base, jwks: { keys: [{ kty: "oct", k: "AAAA" }] }, algorithms: ["RS256"] }),
      /public keys only/,
    ],
  ];
  for (const [what, make, error] of cases) {
    it(`refuses ${what}`, () => {
      expect(make).toThrow(error);
    });
  }
});
