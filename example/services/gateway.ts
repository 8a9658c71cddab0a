import { create } from "@bufbuild/protobuf";
import { type CallOptions, Code, Metadata, RpcError, type ServerContext } from "grpckit";
import type { GatewayServiceHandlers } from "../../generated-example/ecommerce/v1/gateway_grpckit.js";
import { type OrderDetails, OrderDetailsSchema } from "../../generated-example/ecommerce/v1/gateway_pb.js";
import type { OrderServiceClient } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import type { Order } from "../../generated-example/ecommerce/v1/order_pb.js";
import type { ProductServiceClient } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import type { Product } from "../../generated-example/ecommerce/v1/product_pb.js";
import type { UserServiceClient } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import type { User } from "../../generated-example/ecommerce/v1/user_pb.js";

/** The services behind the gateway, as grpckit clients. */
export interface Backends {
  readonly users: UserServiceClient;
  readonly products: ProductServiceClient;
  readonly orders: OrderServiceClient;
}

/** The request headers the gateway passes on to the services behind it. */
const FORWARDED_HEADERS = ["authorization", "traceparent", "tracestate"];

/**
 * The options of a call the gateway makes while serving `context`: the call
 * inherits the gateway call's deadline and ends when it does (or when
 * `signal` aborts), and carries the caller's credentials and trace context.
 * (Without the `parent` option, the same is
 * `{ deadline: context.deadline, signal: AbortSignal.any([context.signal, signal ?? context.signal]), metadata }`.)
 */
function downstream(context: ServerContext, signal?: AbortSignal): CallOptions {
  const metadata = new Metadata();
  for (const key of FORWARDED_HEADERS) {
    for (const value of context.metadata.get(key)) {
      metadata.add(key, value);
    }
  }
  return { parent: context, signal, metadata };
}

/**
 * A failure of a service behind the gateway, as the gateway's caller sees it:
 * the same code, and the service's message only for NOT_FOUND (the others may
 * name hosts and ports), without the service's trailers.
 */
function failureOf(service: string, error: unknown): unknown {
  if (!(error instanceof RpcError)) {
    return error;
  }
  const message =
    error.code === Code.NOT_FOUND ? error.rawMessage : `the ${service} service failed: ${Code[error.code]}`;
  return new RpcError(error.code, message, { cause: error });
}

/** GatewayService: order details put together from the services behind it. */
export function gatewayService({ users, products, orders }: Backends): GatewayServiceHandlers {
  async function getOrder(orderId: string, context: ServerContext): Promise<Order> {
    try {
      return orderOf((await orders.getOrder({ orderId }, downstream(context))).order);
    } catch (error) {
      throw failureOf("order", error);
    }
  }

  async function* orderUpdates(orderId: string, context: ServerContext): AsyncGenerator<Order> {
    try {
      for await (const update of orders.streamOrderUpdates({ orderId }, downstream(context))) {
        yield orderOf(update.order);
      }
    } catch (error) {
      throw failureOf("order", error);
    }
  }

  async function findUser(userId: string, options: CallOptions): Promise<User | undefined> {
    try {
      return (await users.getUser({ userId }, options)).user;
    } catch (error) {
      throw failureOf("user", error);
    }
  }

  /** The product, or undefined if the product service does not know it. */
  async function findProduct(productId: string, options: CallOptions): Promise<Product | undefined> {
    try {
      return (await products.getProduct({ productId }, options)).product;
    } catch (error) {
      if (error instanceof RpcError && error.code === Code.NOT_FOUND) {
        return undefined;
      }
      throw failureOf("product", error);
    }
  }

  /** The order with its user and products, all looked up at once. */
  async function detailsOf(order: Order, context: ServerContext): Promise<OrderDetails> {
    // The first failure cancels the other lookups: their answers are no longer needed.
    const failFast = new AbortController();
    const options = downstream(context, failFast.signal);
    const productIds = [...new Set(order.items.map((item) => item.productId))];
    try {
      const [user, ...found] = await Promise.all([
        findUser(order.userId, options),
        ...productIds.map((productId) => findProduct(productId, options)),
      ]);
      const details = create(OrderDetailsSchema, { order, user });
      for (const [i, productId] of productIds.entries()) {
        const product = found[i];
        if (product === undefined) {
          details.missingProductIds.push(productId);
        } else {
          details.products[productId] = product;
        }
      }
      return details;
    } catch (error) {
      failFast.abort();
      throw error;
    }
  }

  return {
    async getOrderDetails({ orderId }, context) {
      const order = await getOrder(orderId, context);
      return { details: await detailsOf(order, context) };
    },

    async *streamOrderDetails({ orderId }, context) {
      for await (const order of orderUpdates(orderId, context)) {
        yield { details: await detailsOf(order, context) };
      }
    },
  };
}

/** The order of an OrderService response, which always has one. */
function orderOf(order: Order | undefined): Order {
  if (order === undefined) {
    throw new RpcError(Code.INTERNAL, "the order service answered without an order");
  }
  return order;
}
