import { closeClient, createClient, type ServerAuth, type ServerContext, type ServiceSpec } from "grpckit";
import { onTestFinished } from "vitest";
import { exampleAuth, mintToken } from "../../example/servers.js";
import { gatewayService } from "../../example/services/gateway.js";
import { orderService } from "../../example/services/orders.js";
import { productService } from "../../example/services/products.js";
import { userService } from "../../example/services/users.js";
import { createMemoryStore, MemoryOrders, MemoryProducts, MemoryUsers } from "../../example/store/memory.js";
import type { Store } from "../../example/store/repositories.js";
import { GatewayService } from "../../generated-example/ecommerce/v1/gateway_grpckit.js";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import type { Order } from "../../generated-example/ecommerce/v1/order_pb.js";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import type { Product } from "../../generated-example/ecommerce/v1/product_pb.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import type { User } from "../../generated-example/ecommerce/v1/user_pb.js";
import { deferred, type Served, serve } from "../support/serve.js";

/** The example's three shop services, each on its own server over one store. */
export interface Shop {
  readonly store: Store;
  readonly users: Served<typeof UserService>;
  readonly products: Served<typeof ProductService>;
  readonly orders: Served<typeof OrderService>;
  /** The context of each call of these methods, to check what the gateway passed on. */
  readonly contexts: { getUser: ServerContext[]; getProduct: ServerContext[]; getOrder: ServerContext[] };
}

/**
 * How the example's servers are served in tests: with the example's
 * authenticator unless `auth` says otherwise (`false`: rules not enforced).
 */
export interface ServeExampleOptions {
  readonly auth?: ServerAuth | undefined;
  /** The admin's token the clients send, for an `auth` other than the example's (default: one it mints). */
  readonly adminToken?: string | undefined;
}

/**
 * The served service with its client replaced by one that sends an admin's
 * token (who may call every method), when the server checks tokens.
 */
async function asAdmin<S extends ServiceSpec>(
  served: Served<S>,
  service: S,
  auth: ServerAuth,
  adminToken: string | undefined,
): Promise<Served<S>> {
  if (auth === false) {
    return served;
  }
  const token = adminToken ?? (await mintToken("test-admin", ["admin"]));
  return { ...served, client: served.connect(service, { token, allowInsecureToken: true }) };
}

/**
 * A client of `served` on a channel of its own, calling as `subject` with
 * `roles` (a token of the example's issuer).
 */
export async function connectAs<S extends ServiceSpec>(
  served: Served<S>,
  service: S,
  subject: string,
  roles: readonly string[] = ["customer"],
): Promise<Served<S>["client"]> {
  return served.connect(service, { token: await mintToken(subject, roles), allowInsecureToken: true });
}

/**
 * Serves the example's services on 127.0.0.1, port 0, until the test ends,
 * with the example's auth and server reflection, as startShop serves them; their
 * clients call as an admin.
 */
export async function serveShop(store: Store = createMemoryStore(), options: ServeExampleOptions = {}): Promise<Shop> {
  const auth = options.auth ?? exampleAuth();
  const contexts: Shop["contexts"] = { getUser: [], getProduct: [], getOrder: [] };
  const userHandlers = userService(store.users);
  const productHandlers = productService(store.products);
  const orderHandlers = orderService(store);
  const users = await serve(
    UserService,
    {
      ...userHandlers,
      getUser(request, context) {
        contexts.getUser.push(context);
        return userHandlers.getUser(request, context);
      },
    },
    { auth, reflection: true },
  ).then((served) => asAdmin(served, UserService, auth, options.adminToken));
  const products = await serve(
    ProductService,
    {
      ...productHandlers,
      getProduct(request, context) {
        contexts.getProduct.push(context);
        return productHandlers.getProduct(request, context);
      },
    },
    { auth, reflection: true },
  ).then((served) => asAdmin(served, ProductService, auth, options.adminToken));
  const orders = await serve(
    OrderService,
    {
      ...orderHandlers,
      getOrder(request, context) {
        contexts.getOrder.push(context);
        return orderHandlers.getOrder(request, context);
      },
    },
    { auth, reflection: true },
  ).then((served) => asAdmin(served, OrderService, auth, options.adminToken));
  return { store, users, products, orders, contexts };
}

/**
 * Serves the example's gateway over `shop`, with clients of its own (so that
 * stopping one of the shop's servers leaves them pointing at nothing). Its
 * client calls as an admin, whose token the gateway passes on.
 */
export async function serveGateway(
  shop: Shop,
  options: ServeExampleOptions = {},
): Promise<Served<typeof GatewayService>> {
  const auth = options.auth ?? exampleAuth();
  const backends = {
    users: createClient(UserService, shop.users.address),
    products: createClient(ProductService, shop.products.address),
    orders: createClient(OrderService, shop.orders.address),
  };
  onTestFinished(() => {
    for (const client of Object.values(backends)) {
      closeClient(client);
    }
  });
  return asAdmin(
    await serve(GatewayService, gatewayService(backends), { auth, reflection: true }),
    GatewayService,
    auth,
    options.adminToken,
  );
}

/** Resolves with the signal's reason once it aborts. */
export function abortedWith(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(signal.reason);
    }
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

/**
 * A catalogue in which, once `gatedId` is set, getting that product waits
 * until the test calls `open()`, or until the call's signal aborts; from
 * then on, it reports when each get returns. For checking the gateway's
 * concurrency and cancellation.
 */
export class GatedProducts extends MemoryProducts {
  gatedId = "";
  /** Resolves with the gated get's signal when the gated get starts. */
  readonly gateReached = deferred<AbortSignal>();
  readonly #opened = deferred();
  readonly #returned = new Map<string, ReturnType<typeof deferred<void>>>();

  open(): void {
    this.#opened.resolve();
  }

  /** Resolves once a get of `productId` has returned. */
  returned(productId: string): Promise<void> {
    return this.#returnedOf(productId).promise;
  }

  override async get(productId: string, signal?: AbortSignal): Promise<Product | undefined> {
    if (productId === this.gatedId) {
      const callSignal = signal ?? new AbortController().signal;
      this.gateReached.resolve(callSignal);
      await Promise.race([this.#opened.promise, abortedWith(callSignal)]);
      callSignal.throwIfAborted();
    }
    const product = await super.get(productId);
    if (this.gatedId !== "") {
      this.#returnedOf(productId).resolve();
    }
    return product;
  }

  #returnedOf(productId: string) {
    let returned = this.#returned.get(productId);
    if (returned === undefined) {
      returned = deferred();
      this.#returned.set(productId, returned);
    }
    return returned;
  }
}

/** Orders whose gets, once `stuck` is set, wait until their call's signal aborts. */
export class StuckOrders extends MemoryOrders {
  stuck = false;
  /** Resolves with the signal of the first stuck get. */
  readonly reached = deferred<AbortSignal>();

  override async get(orderId: string, signal?: AbortSignal): Promise<Order | undefined> {
    if (this.stuck && signal !== undefined) {
      this.reached.resolve(signal);
      await abortedWith(signal);
      signal.throwIfAborted();
    }
    return super.get(orderId);
  }
}

/** Users whose gets wait for `until` first (when set). */
export class DelayedUsers extends MemoryUsers {
  until: Promise<unknown> | undefined;

  override async get(userId: string): Promise<User | undefined> {
    await this.until;
    return super.get(userId);
  }
}

/** A shipping address, for the orders of the tests. */
export const HOME = { street: "1 Main Street", city: "London", postalCode: "N1 1AA", regionCode: "GB" };

/** A user, two products and an order of both, made through the services. */
export async function seedOrder(shop: Shop) {
  const { user } = await shop.users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
  const eur = (units: bigint) => ({ currencyCode: "EUR", units });
  const { product: lamp } = await shop.products.client.createProduct({ name: "Lamp", price: eur(20n), stock: 10 });
  const { product: mug } = await shop.products.client.createProduct({ name: "Mug", price: eur(5n), stock: 10 });
  const { order } = await shop.orders.client.createOrder({
    userId: user?.userId ?? "",
    shippingAddress: HOME,
    items: [
      { productId: lamp?.productId ?? "", quantity: 1, unitPrice: eur(20n) },
      { productId: mug?.productId ?? "", quantity: 2, unitPrice: eur(5n) },
    ],
  });
  if (user === undefined || lamp === undefined || mug === undefined || order === undefined) {
    throw new Error("seeding failed");
  }
  return { user, lamp, mug, order };
}
