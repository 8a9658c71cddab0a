import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/**
 * A node:http request listener that answers `GET <path>` (default
 * `/metrics`) with the registry's metrics in the Prometheus text format, and
 * 404 to anything else.
 *
 * @example
 * http.createServer(metricsHandler(registry)).listen(9464);
 */
export function metricsHandler(
  registry: Registry,
  path = "/metrics",
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== path || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(`cannot collect metrics: ${String(error)}\n`);
      },
    );
  };
}

/** Options of {@link serveMetrics}. */
export interface ServeMetricsOptions {
  /** Default 0: a free port, see {@link MetricsServer.port}. */
  port?: number | undefined;
  /** Default `0.0.0.0` (all interfaces), for a Prometheus scraping from elsewhere. */
  host?: string | undefined;
  /** Default `/metrics`. */
  path?: string | undefined;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** The port it listens on. */
  readonly port: number;
  /** The endpoint's URL, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves the registry's metrics over plain HTTP for Prometheus to scrape.
 *
 * @example
 * const endpoint = await serveMetrics(registry, { port: 9464 });
 * // ... on shutdown:
 * await endpoint.close();
 */
export async function serveMetrics(registry: Registry, options: ServeMetricsOptions = {}): Promise<MetricsServer> {
  const path = options.path ?? "/metrics";
  const host = options.host ?? "0.0.0.0";
  const server = createServer(metricsHandler(registry, path));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    port,
    url: `http://${urlHost}:${port}${path}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
