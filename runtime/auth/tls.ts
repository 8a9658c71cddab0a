import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";

/** PEM text or bytes. */
export type Pem = string | Buffer;

/** Options of {@link serverTls}: PEM contents (see {@link readPemFiles} to load files). */
export interface ServerTlsOptions {
  /** The server's certificate chain, leaf first. */
  cert: Pem;
  /** The server's private key. */
  key: Pem;
  /**
   * Mutual TLS: the certificates of the authorities that sign client
   * certificates. With it, the TLS handshake requires a client certificate
   * signed by one of them, and refuses a client without one; `mtls()` then
   * reads the caller from it.
   */
  clientCa?: Pem | undefined;
}

/**
 * TLS credentials for `server.listen`, and with `clientCa` mutual TLS: the
 * handshake refuses any client without a certificate from that CA, before
 * a single call.
 *
 * @example
 * const pem = readPemFiles({ cert: "tls/server.pem", key: "tls/server-key.pem", clientCa: "tls/ca.pem" });
 * await createServer({ auth: mtls() }).add(OrderService, orders).listen("0.0.0.0:8443", serverTls(pem));
 */
export function serverTls(options: ServerTlsOptions): ServerCredentials {
  if (options.cert === undefined || options.key === undefined) {
    throw new TypeError("serverTls(): cert and key are required");
  }
  const clientCa = options.clientCa === undefined ? null : bytes(options.clientCa);
  return ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: bytes(options.cert), private_key: bytes(options.key) }],
    clientCa !== null,
  );
}

/**
 * Reads PEM files: each value a path, each result the file's bytes under the
 * same key. For {@link serverTls} and for the client's `tls` option.
 *
 * @example
 * createClient(OrderService, "orders.shop.internal:8443", {
 *   tls: readPemFiles({ ca: "tls/ca.pem", cert: "tls/gateway.pem", key: "tls/gateway-key.pem" }),
 * });
 */
export function readPemFiles<K extends string>(paths: Readonly<Record<K, string | undefined>>): Record<K, Buffer> {
  const out = {} as Record<K, Buffer>;
  for (const [key, path] of Object.entries(paths) as [K, string | undefined][]) {
    if (path !== undefined) {
      const content = readFileSync(path);
      if (!content.includes("-----BEGIN ")) {
        throw new TypeError(`readPemFiles(): ${path} (${key}) is not a PEM file`);
      }
      out[key] = content;
    }
  }
  return out;
}

function bytes(pem: Pem): Buffer {
  return typeof pem === "string" ? Buffer.from(pem) : pem;
}
