import { Code, type ResponseInit, RpcError, type ServerContext } from "grpckit";
import type {
  ProductServiceHandlers,
} from "../../../generated-example/ecommerce/v1/product_grpckit.js";
import type {
  CreateProductRequest,
  CreateProductResponseSchema,
  GetProductRequest,
  GetProductResponseSchema,
  SearchProductsRequest,
  SearchProductsResponseSchema,
  StreamProductUpdatesRequest,
  StreamProductUpdatesResponseSchema,
} from "../../../generated-example/ecommerce/v1/product_pb.js";

/**
 * Implements ecommerce.v1.ProductService. Created by `grpckit scaffold`; this file is yours:
 * re-running the command only adds stubs for new RPCs and reports the rest.
 */
export class ProductServiceImpl implements ProductServiceHandlers {
  /**
   * GetProduct returns one product. The read mask selects the fields returned.
   */
  async getProduct(request: GetProductRequest, context: ServerContext): Promise<ResponseInit<typeof GetProductResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.ProductService.GetProduct is not implemented");
  }

  /**
   * CreateProduct adds a product to the catalogue.
   */
  async createProduct(request: CreateProductRequest, context: ServerContext): Promise<ResponseInit<typeof CreateProductResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.ProductService.CreateProduct is not implemented");
  }

  /**
   * SearchProducts returns one page of the products that match a query.
   */
  async searchProducts(request: SearchProductsRequest, context: ServerContext): Promise<ResponseInit<typeof SearchProductsResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.ProductService.SearchProducts is not implemented");
  }

  /**
   * StreamProductUpdates sends a product each time its price or stock changes.
   */
  async *streamProductUpdates(request: StreamProductUpdatesRequest, context: ServerContext): AsyncIterable<ResponseInit<typeof StreamProductUpdatesResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.ProductService.StreamProductUpdates is not implemented");
  }
}
