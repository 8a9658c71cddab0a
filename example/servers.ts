import { randomBytes } from "node:crypto";
import {
  closeClient,
  createClient,
  createServer,
  jwt,
  type Server,
  type ServerAuth,
  type ServerAuthOptions,
  ServerReflection,
  ServerReflectionV1alpha,
} from "grpckit";
import { SignJWT } from "jose";
import { GatewayService } from "../generated-example/ecommerce/v1/gateway_grpckit.js";
import { OrderService } from "../generated-example/ecommerce/v1/order_grpckit.js";
import { ProductService } from "../generated-example/ecommerce/v1/product_grpckit.js";
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
 * the example's tokens).
 */
export async function startShop(
  options: { store?: Store; listen?: Partial<ShopAddresses>; auth?: ServerAuth } = {},
): Promise<Running<ShopAddresses>> {
  const store = options.store ?? createMemoryStore();
  const listen = { users: "127.0.0.1:0", products: "127.0.0.1:0", orders: "127.0.0.1:0", ...options.listen };
  const auth = options.auth ?? exampleAuth();
  // With reflection, so that grpcurl and grpcui work without the .proto files (for admins: see exampleAuth).
  const users = createServer({ auth, reflection: true }).add(UserService, userService(store.users));
  const products = createServer({ auth, reflection: true }).add(ProductService, productService(store.products));
  const orders = createServer({ auth, reflection: true }).add(OrderService, orderService(store));
  const stop = () => stopAll([users, products, orders]);
  try {
    const addresses = {
      users: await listenOn(users, listen.users),
      products: await listenOn(products, listen.products),
      orders: await listenOn(orders, listen.orders),
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

/** Listens on `address` and returns it with the port the server got. */
async function listenOn(server: Server, address: string): Promise<string> {
  const port = await server.listen(address);
  return `${address.slice(0, address.lastIndexOf(":"))}:${port}`;
}

async function stopAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((server) => server.shutdown(SHUTDOWN_GRACE_MS)));
}
