import { create } from "@bufbuild/protobuf";
import { Code, excerpt, hasAnyRole, RpcError, requirePrincipal, type ServerContext } from "grpckit";
import type { OrderServiceHandlers } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { type Order, OrderSchema, OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import type { Product } from "../../generated-example/ecommerce/v1/product_pb.js";
import { totalOf } from "../lib/money.js";
import type { StockLine, Store } from "../store/repositories.js";

/** Where an order may go from each status; DELIVERED and CANCELLED are final. */
const NEXT_STATUSES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  [OrderStatus.UNSPECIFIED]: [],
  [OrderStatus.PENDING]: [OrderStatus.PAID, OrderStatus.CANCELLED],
  [OrderStatus.PAID]: [OrderStatus.SHIPPED, OrderStatus.CANCELLED],
  [OrderStatus.SHIPPED]: [OrderStatus.DELIVERED],
  [OrderStatus.DELIVERED]: [],
  [OrderStatus.CANCELLED]: [],
};

function isFinal(status: OrderStatus): boolean {
  return NEXT_STATUSES[status].length === 0;
}

/** The roles that may read every order (see GetOrder in order.proto); others read their own. */
export const ORDER_READER_ROLES: readonly string[] = ["admin", "support"];

/**
 * The answer for an order the caller may not see: the same code and message
 * whether it does not exist or belongs to someone else, so that asking
 * tells nothing about the orders of others.
 */
function orderNotFound(orderId: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `order ${excerpt(orderId)} not found`);
}

/**
 * Whether the caller may read `order`: its owner, or a holder of one of
 * {@link ORDER_READER_ROLES}. The .proto cannot say it (the owner is known
 * only once the order is read), so the handlers check it after the lookup;
 * see docs/auth.md, "Ownership the .proto cannot express". A call without a
 * principal (a server that enforces no auth) reads nothing: the check fails
 * closed.
 */
function mayRead(order: Order, context: ServerContext): boolean {
  const caller = requirePrincipal(context);
  return order.userId === caller.subject || hasAnyRole(caller, ORDER_READER_ROLES);
}

/** The lines of an order, priced from `catalogue`: FAILED_PRECONDITION for a product without a price. */
function linesOf(items: readonly StockLine[], catalogue: ReadonlyMap<string, Product>) {
  return items.map(({ productId, quantity }) => {
    const unitPrice = catalogue.get(productId)?.price;
    if (unitPrice === undefined) {
      throw new RpcError(Code.FAILED_PRECONDITION, `product ${excerpt(productId)} has no price`);
    }
    return { productId, quantity, unitPrice };
  });
}

/** OrderService over the shop's store: orders take their products out of stock. */
export function orderService({ orders, products, users }: Store): OrderServiceHandlers {
  /** The products of `items` as the catalogue has them now, by id: NOT_FOUND for one it does not have. */
  async function catalogue(items: readonly StockLine[], signal: AbortSignal): Promise<Map<string, Product>> {
    const found = new Map<string, Product>();
    for (const { productId } of items) {
      if (!found.has(productId)) {
        const product = await products.get(productId, signal);
        if (product === undefined) {
          throw new RpcError(Code.NOT_FOUND, `product ${excerpt(productId)} not found`);
        }
        found.set(productId, product);
      }
    }
    return found;
  }

  return {
    async createOrder({ userId, items, shippingAddress }, { signal }) {
      if ((await users.get(userId, signal)) === undefined) {
        throw new RpcError(Code.NOT_FOUND, `user ${excerpt(userId)} not found`);
      }
      // An order that has no total (a product without a price, several
      // currencies, more than an amount holds) is refused before anything is
      // taken out of stock: a refused order changes nothing.
      totalOf(linesOf(items, await catalogue(items, signal)));
      const reserved = await products.reserve(items);
      try {
        // Prices come from the catalogue as reserved, whatever unit_price the request says.
        const lines = linesOf(items, reserved);
        const order = create(OrderSchema, {
          userId,
          items: lines,
          status: OrderStatus.PENDING,
          total: totalOf(lines),
          shippingAddress,
        });
        return { order: await orders.create(order) };
      } catch (error) {
        await products.release(items);
        throw error;
      }
    },

    // The server prunes the order to the request's read mask (see order.proto).
    async getOrder({ orderId }, context) {
      const order = await orders.get(orderId, context.signal);
      if (order === undefined || !mayRead(order, context)) {
        throw orderNotFound(orderId);
      }
      return { order };
    },

    async updateOrderStatus({ orderId, status }, { signal }) {
      const order = await orders.get(orderId, signal);
      if (order === undefined) {
        throw orderNotFound(orderId);
      }
      if (!NEXT_STATUSES[order.status].includes(status)) {
        throw new RpcError(
          Code.FAILED_PRECONDITION,
          `order ${orderId} is ${OrderStatus[order.status]}: it cannot become ${OrderStatus[status] ?? status}`,
        );
      }
      // ABORTED if another call moved the order since we read it.
      const updated = await orders.setStatus(orderId, order.status, status);
      if (status === OrderStatus.CANCELLED) {
        await products.release(order.items);
      }
      return { order: updated };
    },

    async *streamOrderUpdates({ orderId }, context) {
      // Listen before reading the order, so that no change falls in between.
      const changes = orders.changes(orderId, context.signal);
      try {
        let last = await orders.get(orderId, context.signal);
        if (last === undefined || !mayRead(last, context)) {
          throw orderNotFound(orderId);
        }
        yield { order: last };
        if (isFinal(last.status)) {
          return;
        }
        // Each change is one step; a change that is not a step from `last`
        // was made before the order was read, and is already in it.
        for await (const order of changes) {
          if (NEXT_STATUSES[last.status].includes(order.status)) {
            yield { order };
            last = order;
            if (isFinal(order.status)) {
              return;
            }
          }
        }
      } finally {
        changes.close();
      }
    },
  };
}
