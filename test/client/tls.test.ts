import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Code, closeClient, ServerCredentials, type TlsOptions } from "grpckit";
import { beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { requireTools } from "../support/tools.js";
import { scratchDir } from "./support/bundle.js";
import { fleetClient, replicaService } from "./support/fleet.js";
import { serveReplica } from "./support/in-process.js";

/*
 * TLS and mutual TLS between a pool and a grpc-js server on 127.0.0.1, with
 * a throw-away certificate authority made by openssl for this file.
 */

interface Pem {
  key: Buffer;
  cert: Buffer;
}

let ca: Pem;
let server: Pem;
let renamedServer: Pem;
let client: Pem;

/** Runs openssl with `command`'s words (no word has a space). */
function openssl(command: string): void {
  execFileSync("/usr/bin/openssl", command.split(" "), { stdio: "pipe" });
}

beforeAll(() => {
  requireTools("openssl");
  const file = (name: string) => join(scratchDir(), name);
  const newKey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  openssl(`req -x509 ${newKey} -keyout ${file("ca.key")} -out ${file("ca.pem")} -days 1 -subj /CN=grpckit-test-ca`);
  /** A key and a certificate signed by the test CA: a server's with `san` (e.g. `IP:127.0.0.1`), else a client's. */
  const sign = (name: string, san?: string): Pem => {
    const [key, csr, cert, ext] = ["key", "csr", "pem", "ext"].map((e) => file(`${name}.${e}`)) as [
      string,
      string,
      string,
      string,
    ];
    openssl(`req -new ${newKey} -keyout ${key} -out ${csr} -subj /CN=${name}`);
    writeFileSync(
      ext,
      san === undefined ? "extendedKeyUsage=clientAuth\n" : `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`,
    );
    openssl(
      `x509 -req -in ${csr} -CA ${file("ca.pem")} -CAkey ${file("ca.key")} -CAcreateserial -out ${cert} -days 1 -extfile ${ext}`,
    );
    return { key: readFileSync(key), cert: readFileSync(cert) };
  };
  ca = { key: readFileSync(file("ca.key")), cert: readFileSync(file("ca.pem")) };
  server = sign("localhost", "IP:127.0.0.1,DNS:localhost");
  renamedServer = sign("shop.internal", "DNS:shop.internal");
  client = sign("grpckit-test-client");
});

function serverCredentials(pem: Pem, requireClientCert: boolean): ServerCredentials {
  return ServerCredentials.createSsl(ca.cert, [{ cert_chain: pem.cert, private_key: pem.key }], requireClientCert);
}

/** The code of one Lookup over `tls` (or plaintext) to `address`. */
async function lookupCode(address: string, tls: TlsOptions | undefined): Promise<Code> {
  const c = fleetClient(replicaService(), address, tls === undefined ? {} : { tls });
  onTestFinished(() => closeClient(c));
  try {
    await c.lookup({}, { timeoutMs: 10_000 });
    return Code.OK;
  } catch (error) {
    return (error as { code: Code }).code;
  }
}

describe("TLS", () => {
  test("a client that trusts the server's CA connects; plaintext and an untrusted CA do not", async () => {
    const { address } = await serveReplica("tls", { credentials: serverCredentials(server, false) });
    expect(await lookupCode(address, { ca: ca.cert })).toBe(Code.OK);
    expect(await lookupCode(address, { ca: ca.cert.toString() })).toBe(Code.OK); // PEM as a string
    expect(await lookupCode(address, undefined)).toBe(Code.UNAVAILABLE);
    expect(await lookupCode(address, {})).toBe(Code.UNAVAILABLE); // Node's root store does not know the test CA
  });

  test("mutual TLS: the server takes a client with a certificate of its CA, and refuses one without", async () => {
    const { address } = await serveReplica("mtls", { credentials: serverCredentials(server, true) });
    expect(await lookupCode(address, { ca: ca.cert, cert: client.cert, key: client.key })).toBe(Code.OK);
    expect(await lookupCode(address, { ca: ca.cert })).toBe(Code.UNAVAILABLE);
    expect(() => fleetClient(replicaService(), address, { tls: { ca: ca.cert, cert: client.cert } })).toThrow(
      "give both cert and key",
    );
  });

  test("serverName: the name to check in the certificate of a server reached by IP address", async () => {
    const { address } = await serveReplica("renamed", { credentials: serverCredentials(renamedServer, false) });
    expect(await lookupCode(address, { ca: ca.cert })).toBe(Code.UNAVAILABLE);
    expect(await lookupCode(address, { ca: ca.cert, serverName: "shop.internal" })).toBe(Code.OK);
  });
});
