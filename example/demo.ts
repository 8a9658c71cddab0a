import { toJsonString } from "@bufbuild/protobuf";
import { type ClientOf, Code, closeClient, createClient, RpcError, ServerReflection, type ServiceSpec } from "grpckit";
import { GatewayService } from "../generated-example/ecommerce/v1/gateway_grpckit.js";
import type { OrderDetails } from "../generated-example/ecommerce/v1/gateway_pb.js";
import { OrderService } from "../generated-example/ecommerce/v1/order_grpckit.js";
import { OrderStatus } from "../generated-example/ecommerce/v1/order_pb.js";
import { ProductService } from "../generated-example/ecommerce/v1/product_grpckit.js";
import { type Product, ProductUpdateKind } from "../generated-example/ecommerce/v1/product_pb.js";
import { UserService } from "../generated-example/ecommerce/v1/user_grpckit.js";
import { type User, UserSchema } from "../generated-example/ecommerce/v1/user_pb.js";
import { formatMoney } from "./lib/money.js";
import { mintToken, type ShopListeners } from "./servers.js";

/** Where the demo finds the four services, and the shop's HTTP/JSON port. */
export interface DemoAddresses extends ShopListeners {
  readonly gateway: string;
}

/** Where the demo writes what happens. */
export interface DemoOutput {
  log(line: string): void;
}

/**
 * A client's tour of the shop: every method of the four services, of all
 * four kinds (unary, server streaming, client streaming, bidi), with what
 * grpckit does around them (typed errors, masks, deadlines, cancellation,
 * the auth rules of the .proto). It expects an empty shop.
 */
export async function runDemo(addresses: DemoAddresses, out: DemoOutput = console): Promise<void> {
  // Three callers: a guest without a token, an admin, and Ada once she has
  // signed up, each with tokens the demo mints (the example's servers trust
  // them; see servers.ts). Plaintext on 127.0.0.1, so the token is allowed
  // without TLS.
  const clients: object[] = [];
  const connect = <S extends ServiceSpec>(service: S, address: string, token?: string): ClientOf<S> => {
    const client = createClient(service, address, token === undefined ? {} : { token, allowInsecureToken: true });
    clients.push(client);
    return client;
  };
  const guest = {
    users: connect(UserService, addresses.users),
    products: connect(ProductService, addresses.products),
  };
  const adminToken = await mintToken("admin", ["admin"]);
  const admin = {
    users: connect(UserService, addresses.users, adminToken),
    products: connect(ProductService, addresses.products, adminToken),
    orders: connect(OrderService, addresses.orders, adminToken),
  };
  const step = (method: string, kind: string, what: string) => out.log(`\n${method} (${kind}) ${what}`);
  const show = (line: string) => out.log(`  ${line}`);
  try {
    out.log("== UserService");

    step("CreateUser", "unary", "registers Ada");
    const { user: ada = absent("user") } = await guest.users.createUser({
      email: "ada@example.com",
      displayName: "Ada Lovelace",
      profile: { firstName: "Ada", lastName: "Lovelace", address: { city: "London", regionCode: "GB" } },
      metadata: { source: "demo" },
    });
    show(`created ${describeUser(ada)}, signing up without a token (a public method)`);
    const adaToken = await mintToken(ada.userId, ["customer"]);
    const asAda = {
      users: connect(UserService, addresses.users, adaToken),
      orders: connect(OrderService, addresses.orders, adaToken),
      gateway: connect(GatewayService, addresses.gateway, adaToken),
    };
    show(`minted a token for ${ada.userId} (roles: customer) and one for admin (roles: admin)`);

    step("CreateUsers", "client streaming", "sends three users; one has Ada's email");
    const batch = await admin.users.createUsers(
      (async function* () {
        yield { user: { email: "grace@example.com", displayName: "Grace Hopper" } };
        yield { user: { email: "ADA@example.com", displayName: "Not Ada" } };
        yield { user: { email: "alan@example.com", displayName: "Alan Turing" } };
      })(),
    );
    for (const user of batch.users) {
      show(`created ${describeUser(user)}`);
    }
    for (const { index, code, message } of batch.errors) {
      show(`the request at index ${index} failed: ${Code[code]}: ${message}`);
    }

    step("GetUser", "unary", `reads ${ada.userId} with read_mask "email,profile.address.city"`);
    const { user: masked } = await asAda.users.getUser({
      userId: ada.userId,
      readMask: { paths: ["email", "profile.address.city"] },
    });
    show(masked === undefined ? "(no user)" : toJsonString(UserSchema, masked));

    step("UpdateUser", "unary", `sets display_name and profile.address.city of ${ada.userId}, nothing else`);
    const { user: updated = absent("user") } = await asAda.users.updateUser({
      user: {
        userId: ada.userId,
        displayName: "Ada King",
        email: "ignored@example.com",
        profile: { address: { city: "Ockham" } },
      },
      updateMask: { paths: ["display_name", "profile.address.city"] },
    });
    show(
      `${describeUser(updated)}, living in ${updated.profile?.address?.city}, first name still ${updated.profile?.firstName}`,
    );

    step("BatchGetUsers", "unary", "reads three users in the order asked");
    const userIds = [...batch.users.map((user) => user.userId).reverse(), ada.userId];
    const { users: found } = await admin.users.batchGetUsers({ userIds });
    show(found.map(describeUser).join(", "));

    step("ListUsers", "server streaming", 'streams the users matching "example.com", at most 2');
    for await (const { user } of admin.users.listUsers({ filter: "example.com", pageSize: 2 })) {
      show(`received ${user === undefined ? "(no user)" : describeUser(user)}`);
    }

    step("ChatWithUsers", "bidi streaming", "Ada writes to support while no agent is online");
    const chat = asAda.users.chatWithUsers([
      { userId: ada.userId, message: "Hello!" },
      { userId: ada.userId, message: "Where is my lamp?" },
    ]);
    for await (const { userId, message } of chat) {
      show(`${userId}: ${message}`);
    }

    step("GetUser", "unary", "asks for a user who does not exist");
    const missing = await failure(admin.users.getUser({ userId: "u404" }));
    show(`failed as expected: ${Code[missing.code]}: ${missing.rawMessage}`);

    const grace = batch.users[0] ?? absent("user");
    step("DeleteUser", "unary", `removes ${grace.userId}`);
    await admin.users.deleteUser({ userId: grace.userId });
    const gone = await failure(admin.users.getUser({ userId: grace.userId }));
    show(`deleted; GetUser now answers ${Code[gone.code]}`);

    out.log("\n== ProductService");

    step("CreateProduct", "unary", "fills the catalogue");
    const addProduct = async (request: Parameters<typeof admin.products.createProduct>[0]) => {
      const { product = absent("product") } = await admin.products.createProduct(request);
      show(`created ${describeProduct(product)}`);
      return product;
    };
    const eur = (units: bigint, nanos = 0) => ({ currencyCode: "EUR", units, nanos });
    const deskLamp = await addProduct({
      name: "Desk lamp",
      description: "A warm light",
      category: "home",
      price: eur(25n, 500_000_000),
      stock: 5,
    });
    const floorLamp = await addProduct({
      name: "Floor lamp",
      description: "Tall and bright",
      category: "home",
      price: eur(89n),
      stock: 3,
    });
    await addProduct({
      name: "Kettle",
      description: "Boils water",
      category: "kitchen",
      price: eur(39n, 900_000_000),
      stock: 10,
    });
    const mug = await addProduct({
      name: "Mug",
      description: "Holds tea",
      category: "kitchen",
      price: eur(8n),
      stock: 20,
    });

    step("GetProduct", "unary", `reads ${mug.productId} with read_mask "name,price"`);
    const { product: mugNameAndPrice } = await guest.products.getProduct({
      productId: mug.productId,
      readMask: { paths: ["name", "price"] },
    });
    show(
      `${mugNameAndPrice?.name}, ${formatMoney(mugNameAndPrice?.price)}, stock ${mugNameAndPrice?.stock} (not read)`,
    );

    step("SearchProducts", "unary", 'pages through "lamp", one product per page');
    let pageToken = "";
    let page = 1;
    do {
      const result = await guest.products.searchProducts({ query: "lamp", pageSize: 1, pageToken });
      show(`page ${page++}: ${result.products.map((p) => p.name).join(", ")} (${result.totalSize} in all)`);
      pageToken = result.nextPageToken;
    } while (pageToken !== "");

    step("SearchProducts", "unary", "finds kitchen products up to EUR 10");
    const cheap = await guest.products.searchProducts({ category: "kitchen", maxPrice: eur(10n) });
    show(cheap.products.map(describeProduct).join(", "));

    out.log("\n== OrderService");

    step("StreamProductUpdates", "server streaming", `follows ${deskLamp.productId} and ${mug.productId}`);
    // The server sends its headers once it is subscribed: from then on, no change is missed.
    const { promise: subscribed, resolve: onHeader } = deferred();
    const stockChanges = take(
      guest.products.streamProductUpdates({ productIds: [deskLamp.productId, mug.productId] }, { onHeader }),
      2,
    );
    await subscribed;
    show("subscribed");

    const home = { street: "12 St James's Square", city: "London", postalCode: "SW1Y 4LB", regionCode: "GB" };
    step("CreateOrder", "unary", "Ada orders 2 desk lamps and 3 mugs (the request's prices are ignored)");
    const { order: firstOrder = absent("order") } = await asAda.orders.createOrder({
      userId: ada.userId,
      items: [
        { productId: deskLamp.productId, quantity: 2, unitPrice: eur(1n) },
        { productId: mug.productId, quantity: 3, unitPrice: eur(1n) },
      ],
      shippingAddress: home,
    });
    show(`order ${firstOrder.orderId}: ${OrderStatus[firstOrder.status]}, total ${formatMoney(firstOrder.total)}`);
    for (const { product, kind } of await stockChanges) {
      show(`update: ${product?.name} ${ProductUpdateKind[kind]}, stock now ${product?.stock}`);
    }

    step("CreateOrder", "unary", "asks for more floor lamps than there are");
    const tooMany = await failure(
      asAda.orders.createOrder({
        userId: ada.userId,
        items: [{ productId: floorLamp.productId, quantity: 50, unitPrice: eur(1n) }],
        shippingAddress: home,
      }),
    );
    show(`failed as expected: ${Code[tooMany.code]}: ${tooMany.rawMessage}`);

    step(
      "StreamOrderUpdates",
      "server streaming",
      `follows ${firstOrder.orderId} while it is paid, shipped and delivered`,
    );
    const next = [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED];
    for await (const { order } of asAda.orders.streamOrderUpdates({ orderId: firstOrder.orderId })) {
      show(`order ${order?.orderId} is ${OrderStatus[order?.status ?? OrderStatus.UNSPECIFIED]}`);
      const status = next.shift();
      if (status !== undefined) {
        await admin.orders.updateOrderStatus({ orderId: firstOrder.orderId, status });
      }
    }
    show("the stream ended with the delivery");

    step("UpdateOrderStatus", "unary", "tries to cancel the delivered order");
    const late = await failure(
      admin.orders.updateOrderStatus({ orderId: firstOrder.orderId, status: OrderStatus.CANCELLED }),
    );
    show(`failed as expected: ${Code[late.code]}: ${late.rawMessage}`);

    step("GetOrder", "unary", `reads ${firstOrder.orderId} with read_mask "status,total"`);
    const { order: summary } = await asAda.orders.getOrder({
      orderId: firstOrder.orderId,
      readMask: { paths: ["status", "total"] },
    });
    show(
      `${OrderStatus[summary?.status ?? OrderStatus.UNSPECIFIED]}, ${formatMoney(summary?.total)}, ${summary?.items.length} items (not read)`,
    );

    out.log("\n== GatewayService");

    step(
      "GetOrderDetails",
      "unary",
      `gathers ${firstOrder.orderId}, its user and its products (looked up concurrently)`,
    );
    const { details } = await asAda.gateway.getOrderDetails(
      { orderId: firstOrder.orderId },
      // The gateway passes the deadline, cancellation and Ada's token on to the services behind it.
      { timeoutMs: 2_000 },
    );
    show(describeDetails(details));

    step("StreamOrderDetails", "server streaming", "follows a new order while it is paid, then cancelled");
    const { order: secondOrder = absent("order") } = await asAda.orders.createOrder({
      userId: ada.userId,
      items: [{ productId: floorLamp.productId, quantity: 1, unitPrice: eur(1n) }],
      shippingAddress: home,
    });
    const changes = [OrderStatus.PAID, OrderStatus.CANCELLED];
    for await (const update of asAda.gateway.streamOrderDetails({ orderId: secondOrder.orderId })) {
      show(describeDetails(update.details));
      const status = changes.shift();
      if (status !== undefined) {
        await admin.orders.updateOrderStatus({ orderId: secondOrder.orderId, status });
      }
    }
    const { product: restocked } = await guest.products.getProduct({ productId: floorLamp.productId });
    show(`cancelling put the floor lamp back in stock: ${restocked?.stock} left`);

    step("GetOrderDetails", "unary", "asks for an order that does not exist");
    const noOrder = await failure(asAda.gateway.getOrderDetails({ orderId: "o404" }));
    show(`failed as expected: ${Code[noOrder.code]}: ${noOrder.rawMessage}`);

    out.log("\n== Auth: the rules of the .proto, checked before any handler runs");

    step("GetUser", "unary", `Ada reads herself with her token (rule: the user themself, or admin or support)`);
    const { user: herself } = await asAda.users.getUser({ userId: ada.userId });
    show(`allowed: ${herself === undefined ? "(no user)" : describeUser(herself)}`);

    const alan = batch.users[1] ?? absent("user");
    step("GetUser", "unary", `Ada reads ${alan.userId}, another user`);
    const notHers = await failure(asAda.users.getUser({ userId: alan.userId }));
    show(`refused as expected: ${Code[notHers.code]}: ${notHers.rawMessage}`);

    step(
      "UpdateOrderStatus",
      "unary",
      `Ada marks her order ${secondOrder.orderId} as delivered (rule: staff or admin)`,
    );
    const notStaff = await failure(
      asAda.orders.updateOrderStatus({ orderId: secondOrder.orderId, status: OrderStatus.DELIVERED }),
    );
    show(`refused as expected: ${Code[notStaff.code]}: ${notStaff.rawMessage}`);

    step("GetOrder", "unary", `Ada reads an order of ${alan.userId} (rule: its owner, or admin or support)`);
    const { order: alansOrder = absent("order") } = await admin.orders.createOrder({
      userId: alan.userId,
      items: [{ productId: mug.productId, quantity: 1 }],
      shippingAddress: home,
    });
    const notHerOrder = await failure(asAda.orders.getOrder({ orderId: alansOrder.orderId }));
    show(`refused as if it did not exist: ${Code[notHerOrder.code]}: ${notHerOrder.rawMessage}`);
    show(`(order ids are random: ${alansOrder.orderId} tells nothing of the others)`);

    step("ChatWithUsers", "bidi streaming", `Ada writes to support as ${alan.userId}`);
    const impersonation = await failure(
      drain(asAda.users.chatWithUsers([{ userId: alan.userId, message: "Hi, Alan here" }])),
    );
    show(`refused as expected: ${Code[impersonation.code]}: ${impersonation.rawMessage}`);

    step("ServerReflectionInfo", "bidi streaming", "lists the order server's services, as Ada and as admin");
    const listServices = [{ messageRequest: { case: "listServices", value: "" } } as const];
    const adaReflects = await failure(
      drain(connect(ServerReflection, addresses.orders, adaToken).serverReflectionInfo(listServices)),
    );
    show(`Ada: refused as expected: ${Code[adaReflects.code]}: ${adaReflects.rawMessage}`);
    const [listing] = await drain(
      connect(ServerReflection, addresses.orders, adminToken).serverReflectionInfo(listServices),
    );
    const services =
      listing?.messageResponse.case === "listServicesResponse" ? listing.messageResponse.value.service : [];
    show(`admin: ${services.map((service) => service.name).join(", ")}`);

    step("GetUser", "unary", `a guest without a token reads ${ada.userId}`);
    const noToken = await failure(guest.users.getUser({ userId: ada.userId }));
    show(`refused as expected: ${Code[noToken.code]}: ${noToken.rawMessage}`);

    out.log("\n== HTTP/JSON: the same methods, rules and handlers, for callers that cannot speak gRPC");
    const base = `http://${addresses.http}`;
    const get = async (path: string, token?: string) => {
      out.log(`\nGET ${path}${token === undefined ? "" : " (Authorization: Bearer <Ada's token>)"}`);
      const response = await fetch(
        `${base}${path}`,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
      show(`${response.status} ${await response.text()}`);
    };
    await get("/v1/products?query=lamp&read_mask=name,price");
    await get(`/v1/orders/${secondOrder.orderId}?read_mask=status,total`, adaToken);
    await get(`/v1/orders/${alansOrder.orderId}`, adaToken);
    const openapi = await fetch(`${base}/openapi/${OrderService.typeName}.json`);
    const { paths = {} } = (await openapi.json()) as { paths?: Record<string, unknown> };
    out.log(`\nGET /openapi/${OrderService.typeName}.json`);
    show(`${openapi.status}, an OpenAPI 3.1 document of ${Object.keys(paths).join(", ")}`);

    out.log("\nDone: every method of the four services was called.");
  } finally {
    for (const client of clients) {
      closeClient(client);
    }
  }
}

function describeUser(user: User): string {
  return `${user.userId} <${user.email}> "${user.displayName}"`;
}

function describeProduct(product: Product): string {
  return `${product.productId} ${product.name} ${formatMoney(product.price)} (stock ${product.stock})`;
}

function describeDetails(details: OrderDetails | undefined): string {
  if (details === undefined) {
    return "(no details)";
  }
  const { order, user, products, missingProductIds } = details;
  const items = order?.items.map((item) => `${item.quantity} × ${products[item.productId]?.name ?? item.productId}`);
  const missing = missingProductIds.length === 0 ? "" : `; missing products: ${missingProductIds.join(", ")}`;
  return `order ${order?.orderId} ${OrderStatus[order?.status ?? OrderStatus.UNSPECIFIED]} for ${user?.displayName}: ${items?.join(", ")}, total ${formatMoney(order?.total)}${missing}`;
}

/** The RpcError a call failed with; throws if it succeeded. */
async function failure(call: Promise<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RpcError) {
      return error;
    }
    throw error;
  }
  throw new Error("the call was expected to fail");
}

/** Every item of a stream. */
async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) {
    items.push(item);
  }
  return items;
}

/** The first `count` items of a stream; leaving the loop then cancels the call. */
async function take<T>(stream: AsyncIterable<T>, count: number): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) {
    items.push(item);
    if (items.length === count) {
      break;
    }
  }
  return items;
}

/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** For a response field the server always sets: `const { user = absent("user") } = await ...`. */
function absent(field: string): never {
  throw new Error(`the response has no ${field}`);
}
