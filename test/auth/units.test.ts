import { Metadata } from "@grpc/grpc-js";
import { type Authenticator, AuthFailure, allOf, anyOf, jwt, mtls, type Principal, type ServerContext } from "grpckit";
import { describe, expect, it } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { subjectAltNames } from "../../runtime/auth/mtls.js";
import { compileRule } from "../../runtime/auth/rule.js";

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
