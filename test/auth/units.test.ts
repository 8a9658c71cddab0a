import { Metadata } from "@grpc/grpc-js";
import { type Authenticator, AuthFailure, allOf, anyOf, jwt, mtls, type Principal, type ServerContext } from "grpckit";
import { describe, expect, it } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { VerifiedTokens } from "../../runtime/auth/jwt.js";
import { subjectAltNames } from "../../runtime/auth/mtls.js";
import { compileRule } from "../../runtime/auth/rule.js";
import { hs256 } from "./support/tokens.js";

/* The parts that need no server: rules checked at add time, header parsing, composition. */

const context = (metadata: Record<string, string | string[]> = {}, auth = {}): ServerContext => {
  const md = new Metadata();
  for (const [key, value] of Object.entries(metadata)) {
    for (const v of Array.isArray(value) ? value : [value]) md.add(key, v);
  }
  return { metadata: md, getAuthContext: () => auth } as unknown as ServerContext;
};

const principal = (subject: string, roles: string[] = []): Principal => ({
  subject,
  roles,
  scopes: [],
  claims: {},
  via: "test",
});

describe("rules that cannot work are refused when the service is added", () => {
  const { getUser, createUsers, chatWithUsers, updateUser } = UserService.methods;
  it.each([
    ["a field that does not exist", getUser, { self: { field: "owner_id" } }, /has no field owner_id/],
    [
      "a field that is not a string",
      UserService.methods.listUsers,
      { self: { field: "page_size" } },
      /not a singular string/,
    ],
    ["a repeated field", UserService.methods.batchGetUsers, { self: { field: "user_ids" } }, /not a singular string/],
    ["a message field", updateUser, { self: { field: "user" } }, /not a singular string/],
    ["a path through a scalar", getUser, { self: { field: "user_id.x" } }, /not a singular string/],
    ["a self rule on a client stream", createUsers, { self: { field: "user.user_id" } }, /streams requests/],
    ["a self rule on a bidi stream", chatWithUsers, { self: { field: "user_id" } }, /streams requests/],
    ["public with roles", getUser, { public: true, roles: ["admin"] }, /public and also/],
  ])("%s", (_what, method, rule, error) => {
    expect(() => compileRule(method, rule)).toThrow(error);
  });

  it("a path through a nested message works", () => {
    const rule = compileRule(updateUser, { self: { field: "user.user_id" } });
    const request = { user: { userId: "u1" } } as never;
    expect(rule.denial(principal("u1"), request)).toBeUndefined();
    expect(rule.denial(principal("u2"), request)).toMatch(/not the owner/);
    expect(rule.denial(principal("u1"), {} as never)).toMatch(/not the owner/);
  });

  it("an empty rule needs only a principal", () => {
    expect(compileRule(getUser, {}).denial(principal("anyone"), undefined)).toBeUndefined();
    expect(compileRule(getUser, undefined).public).toBe(false);
  });
});

describe("jwt: the authorization header", () => {
  const auth = jwt({ secret: "x".repeat(32), algorithms: ["HS256"] });
  it("has no credentials without it, or with another scheme", async () => {
    expect(await auth.authenticate(context())).toBeUndefined();
    expect(await auth.authenticate(context({ authorization: "Basic dXNlcjpwdw==" }))).toBeUndefined();
  });

  it("refuses two of them", async () => {
    await expect(auth.authenticate(context({ authorization: ["Bearer a.b.c", "Bearer a.b.c"] }))).rejects.toThrow(
      AuthFailure,
    );
  });

  it("reads no other header, authorization-bin included", async () => {
    const ctx = context();
    ctx.metadata.set("authorization-bin", Buffer.from("Bearer a.b.c"));
    expect(await auth.authenticate(ctx)).toBeUndefined(); // another header: not read
  });
});

describe("mtls: certificate names", () => {
  it("parses Node's subjectaltname, quoted values included", () => {
    expect(subjectAltNames('DNS:a.example, URI:spiffe://x/y, IP Address:127.0.0.1, DNS:"b, c"')).toEqual([
      { type: "DNS", value: "a.example" },
      { type: "URI", value: "spiffe://x/y" },
      { type: "IP Address", value: "127.0.0.1" },
      { type: "DNS", value: "b, c" },
    ]);
    expect(subjectAltNames(undefined)).toEqual([]);
  });

  it("does not take a common name that appears twice", () => {
    const certificate = { subject: { CN: ["alice", "admin"] }, issuer: {}, subjectaltname: "" };
    expect(() => mtls().authenticate(context({}, { sslPeerCertificate: certificate }))).toThrow(AuthFailure);
  });
});

describe("composition", () => {
  const fixed = (name: string, answer: Principal | undefined | Error): Authenticator => ({
    name,
    authenticate() {
      if (answer instanceof Error) throw answer;
      return answer;
    },
  });

  it("anyOf: the first principal; a failure stops the search", async () => {
    const a = fixed("a", undefined);
    const b = fixed("b", principal("bob"));
    const bad = fixed("bad", new AuthFailure("expired"));
    expect((await anyOf(a, b).authenticate(context()))?.subject).toBe("bob");
    expect(await anyOf(a, a).authenticate(context())).toBeUndefined();
    await expect(anyOf(bad, b).authenticate(context())).rejects.toThrow("expired");
  });

  it("allOf: every one, or none at all", async () => {
    const p = fixed("p", principal("gateway"));
    const q = fixed("q", principal("u1", ["customer"]));
    const none = fixed("none", undefined);
    const both = await allOf(p, q).authenticate(context());
    expect(both).toMatchObject({ subject: "u1", roles: ["customer"], via: "p+q" });
    expect(await allOf(none, none).authenticate(context())).toBeUndefined();
    await expect(allOf(p, none).authenticate(context())).rejects.toThrow(/no none credentials/);
  });

  it("refuses an empty list", () => {
    expect(() => anyOf()).toThrow(/at least one/);
    expect(() => allOf({} as Authenticator)).toThrow(/takes authenticators/);
  });
});

describe("VerifiedTokens: the tokens jwt() remembers", () => {
  const principal = (subject: string): Principal =>
    Object.freeze({ subject, roles: [], scopes: [], claims: {}, via: "jwt" });
  const keys = {};

  it("answers a remembered token until its exp, then forgets it", () => {
    const tokens = new VerifiedTokens(10, 60_000);
    tokens.set("t1", keys, principal("u1"), 10_000, 0);
    expect(tokens.get("t1", keys, 9_999)?.subject).toBe("u1");
    expect(tokens.get("t1", keys, 10_000)).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it("forgets a token maxAge after it was verified, even if it expires later", () => {
    const tokens = new VerifiedTokens(10, 60_000);
    tokens.set("t1", keys, principal("u1"), 3_600_000, 1_000);
    expect(tokens.get("t1", keys, 60_999)?.subject).toBe("u1");
    expect(tokens.get("t1", keys, 61_000)).toBeUndefined();
  });

  it("answers only under the keys that verified it", () => {
    const tokens = new VerifiedTokens(10, 60_000);
    tokens.set("t1", keys, principal("u1"), 60_000, 0);
    expect(tokens.get("t1", {}, 1)).toBeUndefined(); // another key set: a rotation
    expect(tokens.get("t1", keys, 1)).toBeUndefined(); // and it is forgotten
    tokens.set("t2", undefined, principal("u2"), 60_000, 0); // keys not known: not remembered
    expect(tokens.get("t2", undefined, 1)).toBeUndefined();
  });

  it("forgets what it verified when the clock goes back", () => {
    const tokens = new VerifiedTokens(10, 60_000);
    tokens.set("t1", keys, principal("u1"), 60_000, 30_000);
    expect(tokens.get("t1", keys, 29_500)?.subject).toBe("u1"); // within a second: jitter
    expect(tokens.get("t1", keys, 20_000)).toBeUndefined();
  });

  it("forgets the token verified longest ago when full", () => {
    const tokens = new VerifiedTokens(2, 60_000);
    tokens.set("t1", keys, principal("u1"), 60_000, 0);
    tokens.set("t2", keys, principal("u2"), 60_000, 0);
    tokens.set("t3", keys, principal("u3"), 60_000, 0);
    expect(tokens.size).toBe(2);
    expect(tokens.get("t1", keys, 1)).toBeUndefined();
    expect(tokens.get("t2", keys, 1)?.subject).toBe("u2");
    expect(tokens.get("t3", keys, 1)?.subject).toBe("u3");
  });
});

describe("jwt(): remembered tokens", () => {
  const secret = "a-32-byte-long-secret-for-hs256!";
  const bearerContext = (token: string) => context({ authorization: `Bearer ${token}` });

  it("refuses a remembered token once it expires, and its principal cannot be changed", async () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const at = Math.floor(now.getTime() / 1000);
    const auth = jwt({ secret, algorithms: ["HS256"], clockToleranceSec: 0, now: () => now });
    const token = hs256({ sub: "u1", exp: at + 30, roles: ["admin"], nested: { level: 1 } }, secret);
    const first = await auth.authenticate(bearerContext(token));
    expect(first?.subject).toBe("u1");
    expect(await auth.authenticate(bearerContext(token))).toBe(first); // remembered: the same principal
    expect(() => {
      (first?.claims.nested as { level: number }).level = 2;
    }).toThrow(TypeError);
    now = new Date(now.getTime() + 31_000);
    await expect(auth.authenticate(bearerContext(token))).rejects.toThrow(AuthFailure);
  });

  it("with cache: false, checks every token in full", async () => {
    const auth = jwt({ secret, algorithms: ["HS256"], cache: false });
    const token = hs256({ sub: "u1", exp: Math.floor(Date.now() / 1000) + 60 }, secret);
    const first = await auth.authenticate(bearerContext(token));
    expect(await auth.authenticate(bearerContext(token))).not.toBe(first);
  });

  it("refuses bad cache options", () => {
    expect(() => jwt({ secret, algorithms: ["HS256"], cache: { maxEntries: -1 } })).toThrow(/cache.maxEntries/);
    expect(() => jwt({ secret, algorithms: ["HS256"], cache: { maxAgeSec: Number.NaN } })).toThrow(/cache.maxAgeSec/);
  });
});
