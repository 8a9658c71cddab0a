// SCRATCH: hand-written stand-in for the plugin's output; delete once generated-example exists.
import type { ServerStreamingCall, ServerStreamingHandler, UnaryCall, UnaryHandler, ServiceSpec } from "grpckit";
import { grpcDefinition } from "grpckit";
import { ProductService as ProductService$1, GetProductRequestSchema, GetProductResponseSchema, CreateProductRequestSchema, CreateProductResponseSchema, SearchProductsRequestSchema, SearchProductsResponseSchema, StreamProductUpdatesRequestSchema, StreamProductUpdatesResponseSchema } from "./product_pb.js";
export const ProductService = {
  typeName: "ecommerce.v1.ProductService",
  desc: ProductService$1,
  methods: {
    getProduct: { name: "GetProduct", path: "/ecommerce.v1.ProductService/GetProduct", kind: "unary", input: GetProductRequestSchema, output: GetProductResponseSchema },
    createProduct: { name: "CreateProduct", path: "/ecommerce.v1.ProductService/CreateProduct", kind: "unary", input: CreateProductRequestSchema, output: CreateProductResponseSchema },
    searchProducts: { name: "SearchProducts", path: "/ecommerce.v1.ProductService/SearchProducts", kind: "unary", input: SearchProductsRequestSchema, output: SearchProductsResponseSchema },
    streamProductUpdates: { name: "StreamProductUpdates", path: "/ecommerce.v1.ProductService/StreamProductUpdates", kind: "server_streaming", input: StreamProductUpdatesRequestSchema, output: StreamProductUpdatesResponseSchema },
  },
} as const satisfies ServiceSpec;
export interface ProductServiceHandlers {
  getProduct: UnaryHandler<typeof GetProductRequestSchema, typeof GetProductResponseSchema>;
  createProduct: UnaryHandler<typeof CreateProductRequestSchema, typeof CreateProductResponseSchema>;
  searchProducts: UnaryHandler<typeof SearchProductsRequestSchema, typeof SearchProductsResponseSchema>;
  streamProductUpdates: ServerStreamingHandler<typeof StreamProductUpdatesRequestSchema, typeof StreamProductUpdatesResponseSchema>;
}
export interface ProductServiceClient {
  getProduct: UnaryCall<typeof GetProductRequestSchema, typeof GetProductResponseSchema>;
  createProduct: UnaryCall<typeof CreateProductRequestSchema, typeof CreateProductResponseSchema>;
  searchProducts: UnaryCall<typeof SearchProductsRequestSchema, typeof SearchProductsResponseSchema>;
  streamProductUpdates: ServerStreamingCall<typeof StreamProductUpdatesRequestSchema, typeof StreamProductUpdatesResponseSchema>;
}
export const ProductServiceDefinition = grpcDefinition(ProductService);
