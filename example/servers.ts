import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import {
  closeClient,
  createClient,
  createServer,
  httpHandler,
  jwt,
  type Server,
  type ServerAuth,
  type ServerAuthOptions,
  ServerReflection,
  ServerReflectionV1alpha,
} from "grpckit";
import { SignJWT } from "jose";
import { GatewayService } from "../generated-example/ecommerce/v1/gateway_grpckit.js";
import orderOpenApi from "../generated-example/ecommerce/v1/order.openapi.json" with { type: "json" };
import { OrderService } from "../generated-example/ecommerce/v1/order_grpckit.js";
import productOpenApi from "../generated-example/ecommerce/v1/product.openapi.json" with { type: "json" };
import { ProductService } from "../generated-example/ecommerce/v1/product_grpckit.js";
import userOpenApi from "../generated-example/ecommerce/v1/user.openapi.json" with { type: "json" };
import { UserService } from "../generated-example/ecommerce/v1/user_grpckit.js";
import { gatewayService } from "./services/gateway.js";
import { orderService } from "./services/orders.js";
import { productService } from "./services/products.js";
import { userService } from "./services/users.js";
import { createMemoryStore } from "./store/memory.js";
import type { Store } from "./store/repositories.js";

/** How long stopping lets calls in flight finish before it cuts them. */
const SHUTDOWN_GRACE_MS = 2_000;

/** The issuer and audience of the example's tokens. */
export const TOKEN_ISSUER = "https://id.shop.example/";
export const TOKEN_AUDIENCE = "shop";

/*
 * The example's token key: an HS256 secret made at start-up by the first
 * process that loads this module, and inherited by the server processes it
 * starts through the environment (set GRPCKIT_EXAMPLE_JWT_SECRET yourself,
 * 32 bytes or more in base64url, to run the processes by hand). A real
 * deployment verifies an identity provider's tokens with its public keys
 * instead: jwt({ jwksUrl, algorithms: ["RS256"], ... }), see docs/auth.md.
 */
const SECRET_ENV = "GRPCKIT_EXAMPLE_JWT_SECRET";
process.env[SECRET_ENV] ??= randomBytes(32).toString("base64url");
const secret = Buffer.from(process.env[SECRET_ENV] ?? "", "base64url");

/**
 * The example servers' auth: the tokens of {@link mintToken}, and server
 * reflection for admins only. Reflection hands its caller every method,
 * message and auth rule of the server, role names included: the shop's
 * customers have no use for that, and an attacker would. A choice: a server
 * only operators reach may leave it to any authenticated caller (the
 * default), and one exposed to the Internet may not serve it at all.
 */
export function exampleAuth(): ServerAuthOptions {
  return {
    authenticator: jwt({ secret, algorithms: ["HS256"], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE }),
    rules: [
      { match: { service: [ServerReflection.typeName, ServerReflectionV1alpha.typeName] }, rule: { roles: ["admin"] } },
    ],
  };
}

/** Mints a token of the example's issuer for `subject` with `roles`, valid for an hour. */
export function mintToken(subject: string, roles: readonly string[] = []): Promise<string> {
  return new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(secret);
}

/** Where the shop's three services listen, as `host:port`. */
export interface ShopAddresses {
  readonly users: string;
  readonly products: string;
  readonly orders: string;
}

/** Where the shop listens: its three gRPC services, and HTTP/JSON for all three on one port. */
export interface ShopListeners extends ShopAddresses {
  readonly http: string;
}

export interface Running<A> {
  readonly addresses: A;
  /** Lets the calls in flight finish (for a short while), then stops. */
  stop(): Promise<void>;
}

/**
 * Starts UserService, ProductService and OrderService over one store (in
 * memory unless given), each on its own server and port: as three
 * microservices that share a database. Port 0 picks a free port. The
 * servers enforce the auth rules of the .proto files with `auth` (default:
 * the example's tokens). One more port, `http`, serves the three services'
 * google.api.http bindings as HTTP/JSON, through the same auth, and their
 * OpenAPI documents (see {@link shopHttpHandler}).
 */
export async function startShop(
  options: { store?: Store; listen?: Partial<ShopListeners>; auth?: ServerAuth } = {},
): Promise<Running<ShopListeners>> {
  const store = options.store ?? createMemoryStore();
  const listen = {
    users: "127.0.0.1:0",
    products: "127.0.0.1:0",
    orders: "127.0.0.1:0",
    http: "127.0.0.1:0",
    ...options.listen,
  };
  const auth = options.auth ?? exampleAuth();
  // With reflection, so that grpcurl and grpcui work without the .proto files (for admins: see exampleAuth).
  const users = createServer({ auth, reflection: true }).add(UserService, userService(store.users));
  const products = createServer({ auth, reflection: true }).add(ProductService, productService(store.products));
  const orders = createServer({ auth, reflection: true }).add(OrderService, orderService(store));
  const http = createHttpServer(shopHttpHandler([users, products, orders]));
  const stop = async () => {
    // HTTP first: its calls in flight count as the servers', which shutdown cancels after the grace.
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    await Promise.all([closed, stopAll([users, products, orders])]);
  };
  try {
    const addresses = {
      users: await listenOn(users, listen.users),
      products: await listenOn(products, listen.products),
      orders: await listenOn(orders, listen.orders),
      http: await listenHttp(http, listen.http),
    };
    return { addresses, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts GatewayService, calling the shop's services at `backends` through
 * grpckit clients, with its callers' tokens. Stopping it closes their channels.
 */
export async function startGateway(
  backends: ShopAddresses,
  options: { listen?: string; auth?: ServerAuth } = {},
): Promise<Running<{ gateway: string }>> {
  const clients = {
    users: createClient(UserService, backends.users),
    products: createClient(ProductService, backends.products),
    orders: createClient(OrderService, backends.orders),
  };
  const server = createServer({ auth: options.auth ?? exampleAuth(), reflection: true }).add(
    GatewayService,
    gatewayService(clients),
  );
  const stop = async () => {
    await stopAll([server]);
    for (const client of Object.values(clients)) {
      closeClient(client);
    }
  };
  try {
    return { addresses: { gateway: await listenOn(server, options.listen ?? "127.0.0.1:0") }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/*
 * The shop's OpenAPI documents, by service, as `npm run generate` wrote them
 * (the grpckit plugin's parameter openapi=true, in buf.gen.yaml). Serialized
 * once: they do not change while the shop runs.
 */
const OPENAPI_DOCUMENTS = new Map<string, string>([
  [`/openapi/${UserService.typeName}.json`, JSON.stringify(userOpenApi)],
  [`/openapi/${ProductService.typeName}.json`, JSON.stringify(productOpenApi)],
  [`/openapi/${OrderService.typeName}.json`, JSON.stringify(orderOpenApi)],
]);

/**
 * The shop's HTTP port: `GET /openapi/<service>.json` answers the service's
 * OpenAPI document (e.g. /openapi/ecommerce.v1.OrderService.json); any other
 * request goes to each server's HTTP/JSON gateway in turn, each passing what
 * none of its bindings match to the next, and the last answering 404 with a
 * google.rpc.Status body.
 */
export function shopHttpHandler(servers: readonly Server[]): RequestListener {
  const [last, ...others] = servers.map((server) => httpHandler(server)).reverse();
  if (last === undefined) {
    throw new TypeError("shopHttpHandler needs a server");
  }
  const gateways = others.reduce<RequestListener>(
    (after, handler) => (req, res) => handler(req, res, () => after(req, res)),
    (req, res) => last(req, res),
  );
  return (req, res) => {
    const document = req.method === "GET" ? OPENAPI_DOCUMENTS.get(req.url ?? "") : undefined;
    if (document === undefined) {
      gateways(req, res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(document);
  };
}

/** Listens on `address` with a node:http server and returns it with the port it got. */
async function listenHttp(http: ReturnType<typeof createHttpServer>, address: string): Promise<string> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject).listen(Number(address.slice(colon + 1)), host.replace(/^\[|\]$/g, ""), () => {
      http.off("error", reject);
      resolve();
    });
  });
  return `${host}:${(http.address() as AddressInfo).port}`;
}

/** Listens on `address` and returns it with the port the server got. */
async function listenOn(server: Server, address: string): Promise<string> {
  const port = await server.listen(address);
  return `${address.slice(0, address.lastIndexOf(":"))}:${port}`;
}

async function stopAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((server) => server.shutdown(SHUTDOWN_GRACE_MS)));
}
