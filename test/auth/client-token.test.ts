import { bearerToken, Code, cachedToken, createClient, createTransport, credentials, jwt, serverTls } from "grpckit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../support/serve.js";
import { failure } from "./support/harness.js";
import { makePki, type Pki } from "./support/pki.js";
import { serveUsersOver } from "./support/tls-server.js";
import { AUDIENCE, claims, ISSUER, type RsaKeys, rsaKeys, sign } from "./support/tokens.js";
import { Users, userHandlers } from "./support/users.js";

/*
 * The client side: a token (or a provider of fresh ones) sent as grpc-js
 * call credentials over TLS, and over plaintext only when the user says so.
 */

let pki: Pki;
let keys: RsaKeys;
beforeAll(async () => {
  pki = makePki();
  keys = await rsaKeys();
});
afterAll(() => pki.remove());

const authenticator = () =>
  jwt({ publicKey: keys.publicPem, algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE });
const tls = () => ({ tls: { ca: pki.ca.cert, serverName: "localhost" } });
const tlsServer = () => serverTls({ cert: pki.server.cert, key: pki.server.key });
const nowSec = () => Math.floor(Date.now() / 1000);

describe("createClient's token option", () => {
  it("sends a token as call credentials over TLS", async () => {
    const s = await serveUsersOver(tlsServer(), authenticator());
    const token = await sign(claims("u1"), keys.privateKey);
    await s.connect({ ...tls(), token }).getUser({ userId: "u1" });
    await failure(s.connect(tls()).getUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    expect(s.seen.callers.map((p) => p?.subject)).toEqual(["u1"]);
  });

  it("asks a provider for a token, and for a new one only when it is about to expire", async () => {
    const s = await serveUsersOver(tlsServer(), authenticator());
    const issued: string[] = [];
    const provider = async () => {
      // Each token expires in 10 s, within the 30 s refresh margin: every call needs a new one.
      const token = await sign(claims("u1", { exp: nowSec() + 10, jti: `t${issued.length}` }), keys.privateKey);
      issued.push(token);
      return token;
    };
    const client = s.connect({ ...tls(), token: provider });
    await client.getUser({ userId: "u1" });
    await client.getUser({ userId: "u1" });
    expect(issued).toHaveLength(2);
    const lasting = s.connect({
      ...tls(),
      token: async () => {
        issued.push("lasting");
        return sign(claims("u1", { exp: nowSec() + 3600 }), keys.privateKey);
      },
    });
    await Promise.all([lasting.getUser({ userId: "u1" }), lasting.getUser({ userId: "u1" })]);
    await lasting.getUser({ userId: "u1" });
    expect(issued.filter((t) => t === "lasting")).toHaveLength(1);
    expect(s.seen.calls).toHaveLength(5);
  });

  it("fails the call UNAUTHENTICATED, before sending it, when the provider fails", async () => {
    const s = await serveUsersOver(tlsServer(), authenticator());
    const client = s.connect({
      ...tls(),
      token: () => {
        throw new Error("the identity provider is down");
      },
    });
    const error = await failure(client.getUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    expect(error.rawMessage).toContain("could not get a token: the identity provider is down");
    expect(s.seen.calls).toEqual([]);
    expect(s.log.lines).toEqual([]); // the call never reached the server
  });

  it("refuses to send a token over plaintext, unless allowed", async () => {
    const { handlers, seen } = userHandlers();
    const s = await serve(Users, handlers, { auth: authenticator() });
    const token = await sign(claims("u1"), keys.privateKey);
    expect(() => createClient(Users, s.address, { token })).toThrow(/no TLS, and the token would travel in the clear/);
    const insecure = credentials.createInsecure();
    expect(() => createClient(Users, s.address, { token, credentials: insecure })).toThrow(/in the clear/);
    const transport = createTransport(s.address);
    try {
      expect(() => createClient(Users, transport, { token })).toThrow(/cannot tell whether its channel uses TLS/);
      await createClient(Users, transport, { token, allowInsecureToken: true }).getUser({ userId: "u1" });
    } finally {
      await transport.close();
    }
    await s.connect(Users, { token, allowInsecureToken: true }).getUser({ userId: "u1" });
    expect(seen.callers.map((p) => p?.subject)).toEqual(["u1", "u1"]);
  });
});

describe("bearerToken", () => {
  it("requires allowInsecure: true", () => {
    expect(() => bearerToken("t", {} as { allowInsecure: true })).toThrow(/allowInsecure: true/);
  });

  it("gets a new token after the server answers UNAUTHENTICATED", async () => {
    const { handlers, seen } = userHandlers();
    const s = await serve(Users, handlers, { auth: { authenticator: authenticator(), logger: { warn() {} } } });
    let calls = 0;
    const provider = async () => {
      calls++;
      // The first token is signed by a key the server does not know.
      const key = calls === 1 ? (await rsaKeys()).privateKey : keys.privateKey;
      return sign(claims("u1", { exp: nowSec() + 3600 }), key);
    };
    const client = s.connect(Users, { interceptors: [bearerToken(provider, { allowInsecure: true })] });
    await failure(client.getUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    await client.getUser({ userId: "u1" });
    await client.getUser({ userId: "u1" });
    expect(calls).toBe(2);
    expect(seen.calls).toEqual(["getUser", "getUser"]);
  });
});

describe("cachedToken", () => {
  it("keeps a token until refreshBeforeSec before its expiry, by the clock it is given", async () => {
    let now = 1_000_000;
    let made = 0;
    const get = cachedToken(
      () => {
        made++;
        return { token: `t${made}`, expiresAt: now + 120_000 };
      },
      { refreshBeforeSec: 30, now: () => now },
    );
    expect(await get()).toBe("t1");
    now += 89_999;
    expect(await get()).toBe("t1");
    now += 1; // 30 s before expiry
    expect(await get()).toBe("t2");
    get.invalidate("t1"); // not the current one: nothing happens
    expect(await get()).toBe("t2");
    get.invalidate("t2");
    expect(await get()).toBe("t3");
  });

  it("reads a JWT's exp when the provider gives no expiry, and does not keep a token without one", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const exp = now / 1000 + 60;
    const jwtToken = await sign({ sub: "u1", exp }, keys.privateKey);
    let made = 0;
    const get = cachedToken(
      () => {
        made++;
        return jwtToken;
      },
      { refreshBeforeSec: 10, now: () => now },
    );
    await get();
    now += 49_000;
    await get();
    expect(made).toBe(1);
    now += 1_000;
    await get();
    expect(made).toBe(2);
    let opaque = 0;
    const getOpaque = cachedToken(() => `opaque-${++opaque}`);
    expect([await getOpaque(), await getOpaque()]).toEqual(["opaque-1", "opaque-2"]);
  });

  it("shares one request among concurrent calls, and asks again after a failure", async () => {
    let made = 0;
    let fail = true;
    const get = cachedToken(async () => {
      made++;
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) {
        throw new Error("down");
      }
      return { token: "t", expiresAt: Date.now() + 3_600_000 };
    });
    const results = await Promise.allSettled([get(), get(), get()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(made).toBe(1);
    fail = false;
    expect(await Promise.all([get(), get()])).toEqual(["t", "t"]);
    expect(made).toBe(2);
  });

  it("refuses an empty token", async () => {
    await expect(cachedToken(() => "")()).rejects.toThrow(/no token/);
    expect(() => createClient(Users, "127.0.0.1:1", { token: "", allowInsecureToken: true })).toThrow(/empty string/);
  });
});
