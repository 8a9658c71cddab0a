// SCRATCH: hand-written stand-in for the plugin's output; delete once generated-example exists.
import type { ServerStreamingCall, ServerStreamingHandler, UnaryCall, UnaryHandler, ServiceSpec } from "grpckit";
import { grpcDefinition } from "grpckit";
import { OrderService as OrderService$1, CreateOrderRequestSchema, CreateOrderResponseSchema, GetOrderRequestSchema, GetOrderResponseSchema, UpdateOrderStatusRequestSchema, UpdateOrderStatusResponseSchema, StreamOrderUpdatesRequestSchema, StreamOrderUpdatesResponseSchema } from "./order_pb.js";
export const OrderService = {
  typeName: "ecommerce.v1.OrderService",
  desc: OrderService$1,
  methods: {
    createOrder: { name: "CreateOrder", path: "/ecommerce.v1.OrderService/CreateOrder", kind: "unary", input: CreateOrderRequestSchema, output: CreateOrderResponseSchema },
    getOrder: { name: "GetOrder", path: "/ecommerce.v1.OrderService/GetOrder", kind: "unary", input: GetOrderRequestSchema, output: GetOrderResponseSchema },
    updateOrderStatus: { name: "UpdateOrderStatus", path: "/ecommerce.v1.OrderService/UpdateOrderStatus", kind: "unary", input: UpdateOrderStatusRequestSchema, output: UpdateOrderStatusResponseSchema },
    streamOrderUpdates: { name: "StreamOrderUpdates", path: "/ecommerce.v1.OrderService/StreamOrderUpdates", kind: "server_streaming", input: StreamOrderUpdatesRequestSchema, output: StreamOrderUpdatesResponseSchema },
  },
} as const satisfies ServiceSpec;
export interface OrderServiceHandlers {
  createOrder: UnaryHandler<typeof CreateOrderRequestSchema, typeof CreateOrderResponseSchema>;
  getOrder: UnaryHandler<typeof GetOrderRequestSchema, typeof GetOrderResponseSchema>;
  updateOrderStatus: UnaryHandler<typeof UpdateOrderStatusRequestSchema, typeof UpdateOrderStatusResponseSchema>;
  streamOrderUpdates: ServerStreamingHandler<typeof StreamOrderUpdatesRequestSchema, typeof StreamOrderUpdatesResponseSchema>;
}
export interface OrderServiceClient {
  createOrder: UnaryCall<typeof CreateOrderRequestSchema, typeof CreateOrderResponseSchema>;
  getOrder: UnaryCall<typeof GetOrderRequestSchema, typeof GetOrderResponseSchema>;
  updateOrderStatus: UnaryCall<typeof UpdateOrderStatusRequestSchema, typeof UpdateOrderStatusResponseSchema>;
  streamOrderUpdates: ServerStreamingCall<typeof StreamOrderUpdatesRequestSchema, typeof StreamOrderUpdatesResponseSchema>;
}
export const OrderServiceDefinition = grpcDefinition(OrderService);
