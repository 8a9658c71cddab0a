import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Money } from "../../generated-example/ecommerce/v1/common_pb.js";
import type { Order, OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import type { Product, ProductUpdateKind } from "../../generated-example/ecommerce/v1/product_pb.js";
import type { User } from "../../generated-example/ecommerce/v1/user_pb.js";
import type { Subscription } from "../lib/mailbox.js";

/*
 * Where the services keep their data: one small interface per resource. The
 * example's store is in memory (store/memory.ts); a SQL store would implement
 * the same interfaces, with the same guarantees (the "all or none" and
 * "ABORTED if it changed" below are what a transaction or a
 * `WHERE update_time = ?` gives).
 *
 * Values go in and out as protobuf-es messages, copied: changing a message a
 * repository returned does not change the store.
 *
 * Failures a client should see come out as RpcErrors with their gRPC code
 * (NOT_FOUND, ALREADY_EXISTS, ABORTED, FAILED_PRECONDITION): these
 * repositories belong to the services, which pass those errors on as they are.
 * Reads take the handler's AbortSignal, so a cancelled call stops its query.
 */

export type { Subscription };

export interface UserCriteria {
  /** A substring of the email or display name, in any case; everyone when empty. */
  readonly filter: string;
  /** Only users created strictly after this time, when set. */
  readonly createdAfter: Timestamp | undefined;
}

export interface UserRepository {
  /** The user, or undefined if there is none. */
  get(userId: string, signal?: AbortSignal): Promise<User | undefined>;
  /**
   * Stores a new user and returns it with its user_id, create_time and
   * update_time. ALREADY_EXISTS if another user has its email.
   */
  create(user: User): Promise<User>;
  /**
   * Replaces `previous` with `next` (the same user) and returns it with a new
   * update_time. NOT_FOUND if the user is gone, ABORTED if it changed since
   * `previous` was read, ALREADY_EXISTS if another user has `next`'s email.
   */
  update(next: User, previous: User): Promise<User>;
  /** NOT_FOUND if there is no such user. */
  delete(userId: string): Promise<void>;
  /** The users that match, oldest first. */
  scan(criteria: UserCriteria, signal?: AbortSignal): AsyncIterable<User>;
}

export interface ProductCriteria {
  /** Words that must all occur in the name or description, in any case. */
  readonly words: readonly string[];
  /** Only this category, when not empty. */
  readonly category: string;
  /** Only prices at or above this one, in its currency, when set. */
  readonly minPrice: Money | undefined;
  /** Only prices at or below this one, in its currency, when set. */
  readonly maxPrice: Money | undefined;
}

export interface ProductPage {
  readonly products: Product[];
  /** How many products match, on all pages. */
  readonly totalSize: number;
  /** Whether more products match after the last of this page. */
  readonly hasMore: boolean;
}

/** A quantity of one product, as an order takes it out of stock. */
export interface StockLine {
  readonly productId: string;
  readonly quantity: number;
}

/** A change of the catalogue, as StreamProductUpdates reports it. */
export interface ProductChange {
  readonly product: Product;
  readonly kind: ProductUpdateKind;
}

export interface ProductRepository {
  /** The product, or undefined if there is none. */
  get(productId: string, signal?: AbortSignal): Promise<Product | undefined>;
  /** Stores a new product and returns it with its product_id and times. */
  create(product: Product): Promise<Product>;
  /** The matching products after `after` (a product id; from the start when undefined), oldest first. */
  search(
    criteria: ProductCriteria,
    page: { readonly after: string | undefined; readonly limit: number },
    signal?: AbortSignal,
  ): Promise<ProductPage>;
  /** Changes the price of a product. NOT_FOUND if there is none. */
  setPrice(productId: string, price: Money): Promise<Product>;
  /**
   * Takes the quantities out of stock, all or none, and returns the products
   * as they are then, by id. NOT_FOUND for an unknown product,
   * FAILED_PRECONDITION when there is not enough of one, INVALID_ARGUMENT for
   * a quantity below 1 (which would add to the stock).
   */
  reserve(lines: readonly StockLine[]): Promise<Map<string, Product>>;
  /** Puts the quantities back in stock; products that are gone are skipped. */
  release(lines: readonly StockLine[]): Promise<void>;
  /**
   * The changes from now on of the products named (all when none), until
   * `signal` aborts or the subscription is closed.
   */
  changes(productIds: readonly string[], signal: AbortSignal): Subscription<ProductChange>;
}

export interface OrderRepository {
  /** The order, or undefined if there is none. */
  get(orderId: string, signal?: AbortSignal): Promise<Order | undefined>;
  /** Stores a new order and returns it with its order_id and times. */
  create(order: Order): Promise<Order>;
  /**
   * Moves an order from status `from` to `to` and returns it. NOT_FOUND if
   * there is no such order, ABORTED if its status is no longer `from`.
   */
  setStatus(orderId: string, from: OrderStatus, to: OrderStatus): Promise<Order>;
  /** The order each time it changes from now on, until `signal` aborts or the subscription is closed. */
  changes(orderId: string, signal: AbortSignal): Subscription<Order>;
}

/** The shop's data. */
export interface Store {
  readonly users: UserRepository;
  readonly products: ProductRepository;
  readonly orders: OrderRepository;
}
