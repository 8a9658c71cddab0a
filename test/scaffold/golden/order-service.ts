import { Code, type ResponseInit, RpcError, type ServerContext } from "grpckit";
import type {
  OrderServiceHandlers,
} from "../../../generated-example/ecommerce/v1/order_grpckit.js";
import type {
  CreateOrderRequest,
  CreateOrderResponseSchema,
  GetOrderRequest,
  GetOrderResponseSchema,
  StreamOrderUpdatesRequest,
  StreamOrderUpdatesResponseSchema,
  UpdateOrderStatusRequest,
  UpdateOrderStatusResponseSchema,
} from "../../../generated-example/ecommerce/v1/order_pb.js";

/**
 * Implements ecommerce.v1.OrderService. Created by `grpckit scaffold`; this file is yours:
 * re-running the command only adds stubs for new RPCs and reports the rest.
 */
export class OrderServiceImpl implements OrderServiceHandlers {
  /**
   * CreateOrder places an order for the items of a user.
   */
  async createOrder(request: CreateOrderRequest, context: ServerContext): Promise<ResponseInit<typeof CreateOrderResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.OrderService.CreateOrder is not implemented");
  }

  /**
   * GetOrder returns one order: the caller's own, or any order to admin and
   * support. An order of someone else answers NOT_FOUND, as a missing one
   * does, so that asking tells nothing about the orders of others.
   */
  async getOrder(request: GetOrderRequest, context: ServerContext): Promise<ResponseInit<typeof GetOrderResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.OrderService.GetOrder is not implemented");
  }

  /**
   * UpdateOrderStatus moves an order to a new status.
   */
  async updateOrderStatus(request: UpdateOrderStatusRequest, context: ServerContext): Promise<ResponseInit<typeof UpdateOrderStatusResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.OrderService.UpdateOrderStatus is not implemented");
  }

  /**
   * StreamOrderUpdates sends the order each time its status changes, until it
   * is delivered or cancelled. Who may follow an order: as for GetOrder.
   */
  async *streamOrderUpdates(request: StreamOrderUpdatesRequest, context: ServerContext): AsyncIterable<ResponseInit<typeof StreamOrderUpdatesResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.OrderService.StreamOrderUpdates is not implemented");
  }
}
