import { randomUUID } from "node:crypto";
import { clone, equals } from "@bufbuild/protobuf";
import { type Timestamp, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, excerpt, RpcError } from "grpckit";
import { type Money, MoneySchema } from "../../generated-example/ecommerce/v1/common_pb.js";
import { type Order, OrderSchema, type OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { type Product, ProductSchema, ProductUpdateKind } from "../../generated-example/ecommerce/v1/product_pb.js";
import { type User, UserSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { type Subscription, Topic } from "../lib/mailbox.js";
import { compareMoney } from "../lib/money.js";
import type {
  OrderRepository,
  ProductChange,
  ProductCriteria,
  ProductPage,
  ProductRepository,
  StockLine,
  Store,
  UserCriteria,
  UserRepository,
} from "./repositories.js";

/*
 * The embedded store: Maps in this process. Each method runs without an
 * await between its reads and its writes, which makes it atomic here as a
 * transaction would in a database. Reads of one item finish at once, so they
 * have no use for the caller's AbortSignal; scans check it.
 *
 * Order ids are random UUIDs: an id that can be guessed invites asking for
 * the orders of others (the service answers them NOT_FOUND anyway, but the
 * id should not be the only thing to find). Users and products keep short
 * sequential ids (u1, p1) so that the demo's output is easy to follow: the
 * catalogue is public, and every user method checks who calls before it
 * looks a user up. A real store would make all of them random.
 */

/** A new in-memory store. */
export function createMemoryStore(): Store {
  return { users: new MemoryUsers(), products: new MemoryProducts(), orders: new MemoryOrders() };
}

function isAfter(a: Timestamp, b: Timestamp): boolean {
  return a.seconds > b.seconds || (a.seconds === b.seconds && a.nanos > b.nanos);
}

export class MemoryUsers implements UserRepository {
  readonly #users = new Map<string, User>();
  #lastId = 0;

  async get(userId: string): Promise<User | undefined> {
    const user = this.#users.get(userId);
    return user && clone(UserSchema, user);
  }

  async create(user: User): Promise<User> {
    this.#checkEmailIsFree(user.email, undefined);
    const now = timestampNow();
    const stored = clone(UserSchema, user);
    stored.userId = `u${++this.#lastId}`;
    stored.createTime = now;
    stored.updateTime = now;
    this.#users.set(stored.userId, stored);
    return clone(UserSchema, stored);
  }

  async update(next: User, previous: User): Promise<User> {
    const current = this.#users.get(next.userId);
    if (current === undefined) {
      throw new RpcError(Code.NOT_FOUND, `user ${excerpt(next.userId)} not found`);
    }
    if (!equals(UserSchema, current, previous)) {
      throw new RpcError(Code.ABORTED, `user ${excerpt(next.userId)} changed meanwhile; read it again and retry`);
    }
    this.#checkEmailIsFree(next.email, next.userId);
    const stored = clone(UserSchema, next);
    stored.createTime = current.createTime;
    stored.updateTime = timestampNow();
    this.#users.set(stored.userId, stored);
    return clone(UserSchema, stored);
  }

  async delete(userId: string): Promise<void> {
    if (!this.#users.delete(userId)) {
      throw new RpcError(Code.NOT_FOUND, `user ${excerpt(userId)} not found`);
    }
  }

  async *scan({ filter, createdAfter }: UserCriteria, signal?: AbortSignal): AsyncGenerator<User> {
    const needle = filter.toLowerCase();
    for (const user of this.#users.values()) {
      signal?.throwIfAborted();
      const text = `${user.email}\n${user.displayName}`.toLowerCase();
      const recent =
        createdAfter === undefined || (user.createTime !== undefined && isAfter(user.createTime, createdAfter));
      if (text.includes(needle) && recent) {
        yield clone(UserSchema, user);
      }
    }
  }

  #checkEmailIsFree(email: string, userId: string | undefined): void {
    const owner = [...this.#users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (owner !== undefined && owner.userId !== userId) {
      throw new RpcError(Code.ALREADY_EXISTS, `a user with email ${excerpt(email)} already exists`);
    }
  }
}

export class MemoryProducts implements ProductRepository {
  readonly #products = new Map<string, Product>();
  readonly #changes = new Topic<ProductChange>();
  #lastId = 0;

  async get(productId: string): Promise<Product | undefined> {
    const product = this.#products.get(productId);
    return product && clone(ProductSchema, product);
  }

  async create(product: Product): Promise<Product> {
    const now = timestampNow();
    const stored = clone(ProductSchema, product);
    stored.productId = `p${++this.#lastId}`;
    stored.createTime = now;
    stored.updateTime = now;
    this.#products.set(stored.productId, stored);
    return this.#changed(stored, ProductUpdateKind.CREATED);
  }

  async search(
    criteria: ProductCriteria,
    page: { readonly after: string | undefined; readonly limit: number },
    signal?: AbortSignal,
  ): Promise<ProductPage> {
    signal?.throwIfAborted();
    const matches = [...this.#products.values()].filter((product) => matchesCriteria(product, criteria));
    const start = page.after === undefined ? 0 : matches.findIndex((p) => p.productId === page.after) + 1;
    const products = matches.slice(start, start + page.limit);
    return {
      products: products.map((p) => clone(ProductSchema, p)),
      totalSize: matches.length,
      hasMore: start + products.length < matches.length,
    };
  }

  async setPrice(productId: string, price: Money): Promise<Product> {
    const product = this.#find(productId);
    product.price = clone(MoneySchema, price);
    product.updateTime = timestampNow();
    return this.#changed(product, ProductUpdateKind.PRICE_CHANGED);
  }

  async reserve(lines: readonly StockLine[]): Promise<Map<string, Product>> {
    // Check everything first: a reservation is all or none.
    const wanted = new Map<string, number>();
    for (const { productId, quantity } of lines) {
      if (!Number.isInteger(quantity) || quantity < 1) {
        throw new RpcError(
          Code.INVALID_ARGUMENT,
          `quantity of ${excerpt(productId)} must be at least 1, not ${quantity}`,
        );
      }
      wanted.set(productId, (wanted.get(productId) ?? 0) + quantity);
    }
    for (const [productId, quantity] of wanted) {
      const { stock } = this.#find(productId);
      if (stock < quantity) {
        throw new RpcError(
          Code.FAILED_PRECONDITION,
          `not enough of product ${excerpt(productId)} in stock: ${quantity} wanted, ${stock} left`,
        );
      }
    }
    const reserved = new Map<string, Product>();
    for (const [productId, quantity] of wanted) {
      const product = this.#find(productId);
      product.stock -= quantity;
      product.updateTime = timestampNow();
      reserved.set(productId, this.#changed(product, ProductUpdateKind.STOCK_CHANGED));
    }
    return reserved;
  }

  async release(lines: readonly StockLine[]): Promise<void> {
    for (const { productId, quantity } of lines) {
      const product = this.#products.get(productId);
      if (product !== undefined && quantity > 0) {
        product.stock += quantity;
        product.updateTime = timestampNow();
        this.#changed(product, ProductUpdateKind.STOCK_CHANGED);
      }
    }
  }

  changes(productIds: readonly string[], signal: AbortSignal): Subscription<ProductChange> {
    return this.#changes.subscribe(
      signal,
      (change) => productIds.length === 0 || productIds.includes(change.product.productId),
    );
  }

  #find(productId: string): Product {
    const product = this.#products.get(productId);
    if (product === undefined) {
      throw new RpcError(Code.NOT_FOUND, `product ${excerpt(productId)} not found`);
    }
    return product;
  }

  /** Tells the subscribers, and returns a copy of the product for the caller. */
  #changed(product: Product, kind: ProductUpdateKind): Product {
    this.#changes.publish({ product: clone(ProductSchema, product), kind });
    return clone(ProductSchema, product);
  }
}

function matchesCriteria(product: Product, { words, category, minPrice, maxPrice }: ProductCriteria): boolean {
  const text = `${product.name}\n${product.description}`.toLowerCase();
  const { price } = product;
  const inRange = (bound: Money | undefined, sign: -1 | 1) => {
    if (bound === undefined) {
      return true;
    }
    const comparison = price === undefined ? undefined : compareMoney(price, bound);
    return comparison !== undefined && comparison !== -sign;
  };
  return (
    words.every((word) => text.includes(word.toLowerCase())) &&
    (category === "" || product.category === category) &&
    inRange(minPrice, 1) &&
    inRange(maxPrice, -1)
  );
}

export class MemoryOrders implements OrderRepository {
  readonly #orders = new Map<string, Order>();
  readonly #changes = new Topic<Order>();

  async get(orderId: string): Promise<Order | undefined> {
    const order = this.#orders.get(orderId);
    return order && clone(OrderSchema, order);
  }

  async create(order: Order): Promise<Order> {
    const now = timestampNow();
    const stored = clone(OrderSchema, order);
    stored.orderId = randomUUID();
    stored.createTime = now;
    stored.updateTime = now;
    this.#orders.set(stored.orderId, stored);
    return clone(OrderSchema, stored);
  }

  /** Every order, oldest first: not part of OrderRepository (the services never list orders), for tests. */
  all(): Order[] {
    return [...this.#orders.values()].map((order) => clone(OrderSchema, order));
  }

  async setStatus(orderId: string, from: OrderStatus, to: OrderStatus): Promise<Order> {
    const order = this.#orders.get(orderId);
    if (order === undefined) {
      throw new RpcError(Code.NOT_FOUND, `order ${excerpt(orderId)} not found`);
    }
    if (order.status !== from) {
      throw new RpcError(Code.ABORTED, `order ${excerpt(orderId)} changed meanwhile; read it again and retry`);
    }
    order.status = to;
    order.updateTime = timestampNow();
    this.#changes.publish(clone(OrderSchema, order));
    return clone(OrderSchema, order);
  }

  changes(orderId: string, signal: AbortSignal): Subscription<Order> {
    return this.#changes.subscribe(signal, (order) => order.orderId === orderId);
  }
}
