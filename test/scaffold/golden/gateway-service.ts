import { Code, type ResponseInit, RpcError, type ServerContext } from "grpckit";
import type {
  GatewayServiceHandlers,
} from "../../../generated-example/ecommerce/v1/gateway_grpckit.js";
import type {
  GetOrderDetailsRequest,
  GetOrderDetailsResponseSchema,
  StreamOrderDetailsRequest,
  StreamOrderDetailsResponseSchema,
} from "../../../generated-example/ecommerce/v1/gateway_pb.js";

/**
 * Implements ecommerce.v1.GatewayService. Created by `grpckit scaffold`; this file is yours:
 * re-running the command only adds stubs for new RPCs and reports the rest.
 */
export class GatewayServiceImpl implements GatewayServiceHandlers {
  /**
   * GetOrderDetails returns an order with its user and the products of its
   * items, fetched concurrently.
   */
  async getOrderDetails(request: GetOrderDetailsRequest, context: ServerContext): Promise<ResponseInit<typeof GetOrderDetailsResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.GatewayService.GetOrderDetails is not implemented");
  }

  /**
   * StreamOrderDetails sends the order details each time the order changes.
   */
  async *streamOrderDetails(request: StreamOrderDetailsRequest, context: ServerContext): AsyncIterable<ResponseInit<typeof StreamOrderDetailsResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.GatewayService.StreamOrderDetails is not implemented");
  }
}
