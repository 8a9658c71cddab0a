import { EventEmitter, on } from "node:events";
import { clone, create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, RpcError } from "grpckit";
import type { OrderServiceHandlers } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { type Order, OrderSchema, OrderStatus } from "../../generated-example/ecommerce/v1/order_pb.js";
import type { ProductServiceHandlers } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import {
  type Product,
  ProductSchema,
  ProductUpdateKind,
  type StreamProductUpdatesResponse,
} from "../../generated-example/ecommerce/v1/product_pb.js";
import type { UserServiceHandlers } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import {
  type CreateUserRequest,
  CreateUserRequestSchema,
  type User,
  UserSchema,
} from "../../generated-example/ecommerce/v1/user_pb.js";

/*
 * A small in-memory shop behind the three services, as plain handler objects.
 * It keeps just enough behaviour for end-to-end tests to check real answers.
 */

function notFound(kind: string, id: string): RpcError {
  return new RpcError(Code.NOT_FOUND, `${kind} ${id} not found`);
}

export function userHandlers(): UserServiceHandlers {
  const users = new Map<string, User>();
  let lastId = 0;
  const find = (userId: string) => {
    const user = users.get(userId);
    if (user === undefined) throw notFound("user", userId);
    return user;
  };
  const insert = (request: CreateUserRequest) => {
    if (request.email === "") throw new RpcError(Code.INVALID_ARGUMENT, "email is required");
    const user = create(UserSchema, {
      userId: `u${++lastId}`,
      email: request.email,
      displayName: request.displayName,
      metadata: request.metadata,
      createTime: timestampNow(),
    });
    if (request.profile !== undefined) user.profile = request.profile;
    users.set(user.userId, user);
    return user;
  };
  return {
    async getUser({ userId }) {
      return { user: find(userId) };
    },
    async createUser(request) {
      return { user: insert(request) };
    },
    async updateUser({ user: changes, updateMask }) {
      if (changes === undefined) throw new RpcError(Code.INVALID_ARGUMENT, "user is required");
      const user = find(changes.userId);
      for (const path of updateMask?.paths ?? []) {
        if (path === "email") user.email = changes.email;
        else if (path === "display_name") user.displayName = changes.displayName;
        else throw new RpcError(Code.INVALID_ARGUMENT, `cannot update ${path}`);
      }
      user.updateTime = timestampNow();
      return { user };
    },
    async deleteUser({ userId }) {
      find(userId);
      users.delete(userId);
      return {};
    },
    async batchGetUsers({ userIds }) {
      return { users: userIds.map(find) };
    },
    async *listUsers({ filter, pageSize }) {
      let sent = 0;
      for (const user of users.values()) {
        if (pageSize > 0 && sent === pageSize) return;
        if (user.email.includes(filter) || user.displayName.includes(filter)) {
          sent++;
          yield { user };
        }
      }
    },
    async createUsers(requests) {
      const created: User[] = [];
      const errors: { index: number; code: number; message: string }[] = [];
      let index = 0;
      for await (const { user } of requests) {
        try {
          created.push(insert(user ?? create(CreateUserRequestSchema)));
        } catch (error) {
          const { code, rawMessage } = RpcError.from(error);
          errors.push({ index, code, message: rawMessage });
        }
        index++;
      }
      return { users: created, errors };
    },
    async *chatWithUsers(messages) {
      for await (const { userId, message } of messages) {
        yield { userId: "support", message: `${userId} said: ${message}`, sendTime: timestampNow() };
      }
    },
  };
}

export function productHandlers(): ProductServiceHandlers {
  const products = new Map<string, Product>();
  const updates = new EventEmitter();
  let lastId = 0;
  return {
    async getProduct({ productId }) {
      const product = products.get(productId);
      if (product === undefined) throw notFound("product", productId);
      return { product };
    },
    async createProduct(request) {
      const product = create(ProductSchema, {
        productId: `p${++lastId}`,
        name: request.name,
        description: request.description,
        stock: request.stock,
        attributes: request.attributes,
        imageUrls: request.imageUrls,
        category: request.category,
        createTime: timestampNow(),
      });
      if (request.price !== undefined) product.price = request.price;
      products.set(product.productId, product);
      updates.emit("update", { product, kind: ProductUpdateKind.CREATED });
      return { product };
    },
    async searchProducts({ query, category, pageSize, pageToken }) {
      const matches = [...products.values()].filter(
        (p) =>
          (query === "" || `${p.name} ${p.description}`.includes(query)) &&
          (category === "" || p.category === category),
      );
      const start = pageToken === "" ? 0 : Number(pageToken);
      const end = pageSize > 0 ? start + pageSize : matches.length;
      return {
        products: matches.slice(start, end),
        nextPageToken: end < matches.length ? String(end) : "",
        totalSize: matches.length,
      };
    },
    async *streamProductUpdates({ productIds }, context) {
      // Listening starts here; the header tells the client it may now change products.
      const events = on(updates, "update", { signal: context.signal });
      context.sendHeader({ subscribed: "true" });
      for await (const [update] of events as AsyncIterable<[Omit<StreamProductUpdatesResponse, "$typeName">]>) {
        const id = update.product?.productId ?? "";
        if (productIds.length === 0 || productIds.includes(id)) yield update;
      }
    },
  };
}

export function orderHandlers(): OrderServiceHandlers {
  const orders = new Map<string, Order>();
  const changes = new EventEmitter();
  let lastId = 0;
  const find = (orderId: string) => {
    const order = orders.get(orderId);
    if (order === undefined) throw notFound("order", orderId);
    return order;
  };
  const isFinal = (status: OrderStatus) => status === OrderStatus.DELIVERED || status === OrderStatus.CANCELLED;
  return {
    async createOrder({ userId, items, shippingAddress }) {
      const currencyCode = items[0]?.unitPrice?.currencyCode ?? "EUR";
      const units = items.reduce((sum, item) => sum + (item.unitPrice?.units ?? 0n) * BigInt(item.quantity), 0n);
      const order = create(OrderSchema, {
        orderId: `o${++lastId}`,
        userId,
        items,
        status: OrderStatus.PENDING,
        total: { currencyCode, units },
        createTime: timestampNow(),
      });
      if (shippingAddress !== undefined) order.shippingAddress = shippingAddress;
      orders.set(order.orderId, order);
      return { order };
    },
    async getOrder({ orderId }) {
      return { order: find(orderId) };
    },
    async updateOrderStatus({ orderId, status }) {
      const order = find(orderId);
      if (isFinal(order.status)) throw new RpcError(Code.FAILED_PRECONDITION, `order ${orderId} is closed`);
      order.status = status;
      order.updateTime = timestampNow();
      changes.emit(orderId, clone(OrderSchema, order));
      return { order };
    },
    async *streamOrderUpdates({ orderId }, context) {
      const order = find(orderId);
      // Listen before sending the current state, so no change falls in between.
      const updates = on(changes, orderId, { signal: context.signal });
      yield { order };
      if (isFinal(order.status)) return;
      for await (const [changed] of updates as AsyncIterable<[Order]>) {
        yield { order: changed };
        if (isFinal(changed.status)) return;
      }
    },
  };
}
