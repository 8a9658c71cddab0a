import { Code, mtls, serverTls } from "grpckit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePki, type Pki } from "../auth/support/pki.js";
import { serveUsersOver } from "../auth/support/tls-server.js";
import { expectHeld } from "./support.js";

/*
 * Client certificates a mutual-TLS server must refuse at the handshake: the
 * call fails UNAVAILABLE (no connection), no handler runs, and the server
 * goes on serving a client with a certificate of its CA. A refused channel
 * cannot serve: the honest call after each attack is a trusted client's.
 */

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => pki.remove());

const mutualTls = () => serverTls({ cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert });
const clientTls = (client?: { cert: Buffer; key: Buffer }) => ({
  tls: {
    ca: pki.ca.cert,
    serverName: "localhost",
    ...(client === undefined ? {} : { cert: client.cert, key: client.key }),
  },
});

describe("client certificates a server refuses", () => {
  const cases: [string, () => { cert: Buffer; key: Buffer } | undefined][] = [
    [
      "a certificate of a CA the server does not trust, naming a real user",
      () => pki.client("admin", { by: pki.otherCa }),
    ],
    ["an expired certificate of the server's own CA", () => pki.client("admin", { days: -1 })],
    ["no certificate", () => undefined],
  ];
  for (const [what, certificate] of cases) {
    it(`refuses ${what} at the handshake, and keeps serving`, async () => {
      const s = await serveUsersOver(mutualTls(), mtls({ roles: { admin: ["admin"] } }));
      const attacker = s.connect(clientTls(certificate()));
      const error = await expectHeld(() => attacker.deleteUser({ userId: "u1" }, { timeoutMs: 5_000 }), {
        code: Code.UNAVAILABLE,
        honest: () => s.connect(clientTls(pki.client("alice"))).getUser({ userId: "alice" }),
        unchanged: () => {
          expect(s.seen.calls).toEqual([]); // no handler ran
          expect(s.log.lines).toEqual([]); // refused by TLS, before any call
        },
      });
      expect(error.rawMessage).not.toContain("admin");
      expect(s.seen.calls).toEqual(["getUser"]);
      // The same name, from a valid certificate, is admin: the refusals were the certificates'.
      await s.connect(clientTls(pki.client("admin"))).deleteUser({ userId: "u1" });
      expect(s.seen.calls).toEqual(["getUser", "deleteUser"]);
    });
  }
});
