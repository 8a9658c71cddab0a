import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTools } from "../../support/tools.js";

/*
 * Certificates for the tests, made by openssl at test time in a scratch
 * folder that is removed afterwards: no private key is ever committed.
 * P-256 keys, valid for a day.
 */

/** A certificate and its key, as PEM, and where they are on disk. */
export interface Issued {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Pki {
  readonly dir: string;
  /** The CA the server trusts for client certificates, and that signs the server's. */
  readonly ca: Issued;
  /** The server's certificate: CN=localhost, SAN DNS:localhost, IP:127.0.0.1. */
  readonly server: Issued;
  /**
   * Issues a client certificate signed by `ca` (or another CA), valid for
   * `days` (default 1; -1: expired since yesterday).
   */
  client(name: string, options?: { san?: string; by?: Issued; days?: number }): Issued;
  /** A CA the server does not trust. */
  readonly otherCa: Issued;
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function issued(dir: string, name: string): Issued {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile, keyFile };
}

function makeCa(dir: string, name: string): Issued {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    dir,
  );
  return issued(dir, name);
}

function makeLeaf(dir: string, name: string, cn: string, extensions: string, ca: Issued, days = 1): Issued {
  openssl(
    [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-CAcreateserial",
      "-days",
      String(days),
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    ],
    dir,
  );
  return issued(dir, name);
}

/** Makes a CA, a server certificate and another CA in a scratch folder. */
export function makePki(): Pki {
  requireTools("openssl");
  const dir = mkdtempSync(join(tmpdir(), "grpckit-pki-"));
  const ca = makeCa(dir, "test-ca");
  const otherCa = makeCa(dir, "other-ca");
  const server = makeLeaf(
    dir,
    "server",
    "localhost",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    ca,
  );
  let clients = 0;
  return {
    dir,
    ca,
    server,
    otherCa,
    client(name, options = {}) {
      const san = options.san === undefined ? "" : `subjectAltName=${options.san}\n`;
      return makeLeaf(
        dir,
        `client-${clients++}`,
        name,
        `${san}extendedKeyUsage=clientAuth\n`,
        options.by ?? ca,
        options.days,
      );
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
