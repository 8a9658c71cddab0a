import { create } from "@bufbuild/protobuf";
import { Code, excerpt, RpcError } from "grpckit";
import type { OrderServiceHandlers } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderSchema, OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import { totalOf } from "../lib/money.js";
import type { Store } from "../store/repositories.js";

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

/** OrderService over the shop's store: orders take their products out of stock. */
export function orderService({ orders, products, users }: Store): OrderServiceHandlers {
  return {
    async createOrder({ userId, items, shippingAddress }, { signal }) {
      if ((await users.get(userId, signal)) === undefined) {
        throw new RpcError(Code.NOT_FOUND, `user ${excerpt(userId)} not found`);
      }
      const reserved = await products.reserve(items);
      try {
        // Prices come from the catalogue, whatever unit_price the request says.
        const lines = items.map(({ productId, quantity }) => {
          const unitPrice = reserved.get(productId)?.price;
          if (unitPrice === undefined) {
            throw new RpcError(Code.FAILED_PRECONDITION, `product ${excerpt(productId)} has no price`);
          }
          return { productId, quantity, unitPrice };
        });
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
    async getOrder({ orderId }, { signal }) {
      const order = await orders.get(orderId, signal);
      if (order === undefined) {
        throw new RpcError(Code.NOT_FOUND, `order ${excerpt(orderId)} not found`);
      }
      return { order };
    },

    async updateOrderStatus({ orderId, status }, { signal }) {
      const order = await orders.get(orderId, signal);
      if (order === undefined) {
        throw new RpcError(Code.NOT_FOUND, `order ${excerpt(orderId)} not found`);
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

    async *streamOrderUpdates({ orderId }, { signal }) {
      // Listen before reading the order, so that no change falls in between.
      const changes = orders.changes(orderId, signal);
      try {
        let last = await orders.get(orderId, signal);
        if (last === undefined) {
          throw new RpcError(Code.NOT_FOUND, `order ${excerpt(orderId)} not found`);
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
