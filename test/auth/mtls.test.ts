import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allOf, anyOf, Code, jwt, mtls, readPemFiles, ServerCredentials, serverTls } from "grpckit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure } from "./support/harness.js";
import { makePki, type Pki } from "./support/pki.js";
import { serveUsersOver } from "./support/tls-server.js";
import { AUDIENCE, bearer, claims, ISSUER, type RsaKeys, rsaKeys, sign } from "./support/tokens.js";

/*
 * Mutual TLS with certificates openssl makes for this file: a server that
 * requires client certificates of its CA, the mtls() authenticator reading
 * the caller from the verified certificate, and its compositions with JWT.
 */

let pki: Pki;
let keys: RsaKeys;
beforeAll(async () => {
  pki = makePki();
  keys = await rsaKeys();
});
afterAll(() => pki.remove());

const mutualTls = () => serverTls({ cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert });
const clientTls = (client?: { cert: Buffer; key: Buffer }) => ({
  // The certificate names localhost; an IP address as TLS server name is deprecated (RFC 6066).
  tls: {
    ca: pki.ca.cert,
    serverName: "localhost",
    ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
  },
});
const jwtAuth = () => jwt({ publicKey: keys.publicPem, algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE });

describe("mtls", () => {
  it("takes the caller from the verified client certificate", async () => {
    const s = await serveUsersOver(mutualTls(), mtls());
    const alice = pki.client("alice", { san: "URI:spiffe://shop.test/alice,DNS:alice.shop.test" });
    const { user } = await s.connect(clientTls(alice)).getUser({ userId: "alice" });
    expect(user?.displayName).toBe("alice");
    const principal = s.seen.callers[0];
    expect(principal).toMatchObject({ subject: "alice", via: "mtls", roles: [], scopes: [] });
    expect(principal?.claims).toMatchObject({
      cn: "alice",
      issuer: "test-ca",
      san: [
        { type: "URI", value: "spiffe://shop.test/alice" },
        { type: "DNS", value: "alice.shop.test" },
      ],
    });
    // The self rule holds for alice's own id only.
    await failure(s.connect(clientTls(alice)).getUser({ userId: "bob" }), Code.PERMISSION_DENIED);
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("refuses at the handshake a client certificate from another CA", async () => {
    const s = await serveUsersOver(mutualTls(), mtls());
    const mallory = pki.client("alice", { by: pki.otherCa });
    const error = await failure(
      s.connect(clientTls(mallory)).getUser({ userId: "alice" }, { timeoutMs: 5_000 }),
      Code.UNAVAILABLE,
    );
    expect(error.rawMessage).not.toContain("alice");
    expect(s.seen.calls).toEqual([]);
    expect(s.log.lines).toEqual([]); // refused by TLS, before any call
    // The same name from the trusted CA gets in.
    await s.connect(clientTls(pki.client("alice"))).getUser({ userId: "alice" });
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("refuses at the handshake a client without a certificate", async () => {
    const s = await serveUsersOver(mutualTls(), mtls());
    await failure(s.connect(clientTls()).getUser({ userId: "alice" }, { timeoutMs: 5_000 }), Code.UNAVAILABLE);
    await failure(s.connect().getUser({ userId: "alice" }, { timeoutMs: 5_000 }), Code.UNAVAILABLE); // plaintext
    expect(s.seen.calls).toEqual([]);
  });

  it("reads the subject from a SAN and the roles from a table", async () => {
    const s = await serveUsersOver(
      mutualTls(),
      mtls({ subject: "uri", roles: { "spiffe://shop.test/ops": ["admin"] } }),
    );
    const ops = pki.client("ops", { san: "URI:spiffe://shop.test/ops" });
    await s.connect(clientTls(ops)).deleteUser({ userId: "u1" });
    expect(s.seen.callers[0]?.subject).toBe("spiffe://shop.test/ops");
    const other = pki.client("ops", { san: "URI:spiffe://shop.test/ops2" });
    await failure(s.connect(clientTls(other)).deleteUser({ userId: "u1" }), Code.PERMISSION_DENIED);
    // A certificate without a URI SAN has no usable name.
    await failure(s.connect(clientTls(pki.client("nameless"))).deleteUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toEqual(["deleteUser"]);
  });

  it("finds no credentials over plaintext", async () => {
    const s = await serveUsersOver(ServerCredentials.createInsecure(), mtls());
    await failure(s.connect().getUser({ userId: "alice" }), Code.UNAUTHENTICATED);
    expect(s.log.lines[0]?.fields["auth.reason"]).toBe("no credentials");
    expect(s.seen.calls).toEqual([]);
  });
});

describe("composed authenticators", () => {
  it("allOf: a certificate and a token, the principal the token's", async () => {
    const s = await serveUsersOver(mutualTls(), allOf(mtls(), jwtAuth()));
    const gateway = clientTls(pki.client("gateway"));
    const token = await sign(claims("u1", { roles: ["customer"] }), keys.privateKey);
    await s.connect(gateway).getUser({ userId: "u1" }, bearer(token));
    const principal = s.seen.callers[0];
    expect(principal).toMatchObject({ subject: "u1", via: "mtls+jwt", roles: ["customer"] });
    expect(principal?.factors?.map((f) => f.subject)).toEqual(["gateway", "u1"]);
    // The certificate alone is not enough.
    await failure(s.connect(gateway).getUser({ userId: "gateway" }), Code.UNAUTHENTICATED);
    expect(s.log.lines[0]?.fields["auth.reason"]).toMatch(/no jwt credentials/);
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("anyOf: either a certificate or a token; a bad token is never skipped over", async () => {
    const s = await serveUsersOver(mutualTls(), anyOf(jwtAuth(), mtls()));
    const alice = clientTls(pki.client("alice"));
    await s.connect(alice).getUser({ userId: "alice" });
    const token = await sign(claims("bob"), keys.privateKey);
    await s.connect(alice).getUser({ userId: "bob" }, bearer(token));
    expect(s.seen.callers.map((p) => [p?.subject, p?.via])).toEqual([
      ["alice", "mtls"],
      ["bob", "jwt"],
    ]);
    const expired = await sign(claims("alice", { exp: Math.floor(Date.now() / 1000) - 600 }), keys.privateKey);
    await failure(s.connect(alice).getUser({ userId: "alice" }, bearer(expired)), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toHaveLength(2);
  });
});

describe("PEM files", () => {
  it("readPemFiles reads the files for serverTls and the client's tls option", async () => {
    const server = readPemFiles({ cert: pki.server.certFile, key: pki.server.keyFile, clientCa: pki.ca.certFile });
    const bob = pki.client("bob");
    const client = readPemFiles({ ca: pki.ca.certFile, cert: bob.certFile, key: bob.keyFile });
    const s = await serveUsersOver(serverTls(server), mtls());
    await s.connect({ tls: { ...client, serverName: "localhost" } }).getUser({ userId: "bob" });
    expect(s.seen.callers[0]?.subject).toBe("bob");
  });

  it("readPemFiles refuses a file that is not PEM", () => {
    const path = join(pki.dir, "not.pem");
    writeFileSync(path, "hello");
    expect(() => readPemFiles({ ca: path })).toThrow(/not a PEM file/);
  });
});
