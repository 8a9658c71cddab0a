import { create, toBinary } from "@bufbuild/protobuf";
import { Code, excerpt, RpcError } from "grpckit";
import type { ProductServiceHandlers } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import {
  ProductSchema,
  type SearchProductsRequest,
  SearchProductsRequestSchema,
} from "../../generated-example/ecommerce/v1/product_pb.js";
import { decodePageToken, encodePageToken, fingerprint } from "../lib/page-token.js";
import type { ProductRepository } from "../store/repositories.js";

/** SearchProducts returns this many products when the request's page_size is 0... */
const DEFAULT_PAGE_SIZE = 20;
/** ...and never more than this many. */
const MAX_PAGE_SIZE = 100;

/** ProductService over a product repository. */
export function productService(products: ProductRepository): ProductServiceHandlers {
  return {
    // The server prunes the product(s) to the request's read mask (see product.proto).
    async getProduct({ productId }, { signal }) {
      const product = await products.get(productId, signal);
      if (product === undefined) {
        throw new RpcError(Code.NOT_FOUND, `product ${excerpt(productId)} not found`);
      }
      return { product };
    },

    async createProduct({ name, description, price, stock, attributes, imageUrls, category }) {
      const product = create(ProductSchema, { name, description, price, stock, attributes, imageUrls, category });
      return { product: await products.create(product) };
    },

    async searchProducts(request, { signal }) {
      const { query, category, minPrice, maxPrice, pageSize, pageToken } = request;
      const queryFingerprint = fingerprintOf(request);
      const after = decodePageToken(pageToken, queryFingerprint);
      const limit = pageSize > 0 ? Math.min(pageSize, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
      const words = query.split(/\s+/).filter((word) => word !== "");
      const page = await products.search({ words, category, minPrice, maxPrice }, { after, limit }, signal);
      const last = page.products.at(-1);
      return {
        products: page.products,
        nextPageToken: page.hasMore && last !== undefined ? encodePageToken(queryFingerprint, last.productId) : "",
        totalSize: page.totalSize,
      };
    },

    async *streamProductUpdates({ productIds }, context) {
      const changes = products.changes(productIds, context.signal);
      // Headers now tell the client it is subscribed: it sees every change from here on.
      context.sendHeader({});
      try {
        yield* changes;
      } finally {
        changes.close();
      }
    },
  };
}

/** What a page token must match: the request without its paging fields and read mask (AIP-158). */
function fingerprintOf({ query, category, minPrice, maxPrice }: SearchProductsRequest): string {
  const search = create(SearchProductsRequestSchema, { query, category, minPrice, maxPrice });
  return fingerprint(toBinary(SearchProductsRequestSchema, search));
}
