import { expect, onTestFinished, test } from "vitest";
import { runDemo } from "../../example/demo.js";
import { startGateway, startShop } from "../../example/servers.js";

test("the demo calls every method of the four services and gets the answers it expects", async () => {
  const shop = await startShop();
  onTestFinished(() => shop.stop());
  const gateway = await startGateway(shop.addresses);
  onTestFinished(() => gateway.stop());

  const lines: string[] = [];
  await runDemo({ ...shop.addresses, ...gateway.addresses }, { log: (line) => lines.push(line) });
  const output = lines.join("\n");

  const methods = {
    UserService: [
      "GetUser",
      "CreateUser",
      "UpdateUser",
      "DeleteUser",
      "BatchGetUsers",
      "ListUsers",
      "CreateUsers",
      "ChatWithUsers",
    ],
    ProductService: ["GetProduct", "CreateProduct", "SearchProducts", "StreamProductUpdates"],
    OrderService: ["CreateOrder", "GetOrder", "UpdateOrderStatus", "StreamOrderUpdates"],
    GatewayService: ["GetOrderDetails", "StreamOrderDetails"],
  };
  for (const method of Object.values(methods).flat()) {
    expect(output).toMatch(new RegExp(`^${method} \\(`, "m"));
  }
  for (const kind of ["unary", "server streaming", "client streaming", "bidi streaming"]) {
    expect(output).toContain(`(${kind})`);
  }
  expect(output).toContain("the request at index 1 failed: ALREADY_EXISTS");
  expect(output).toContain('{"email":"ada@example.com","profile":{"address":{"city":"London"}}}');
  expect(output).toContain('"Ada King", living in Ockham, first name still Ada');
  expect(output).toContain("support-bot: Hi Ada King!");
  expect(output).toContain("page 2: Floor lamp (2 in all)");
  // Order ids are random UUIDs.
  const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
  expect(output).toMatch(new RegExp(`order ${uuid}: PENDING, total EUR 75\\.00`));
  expect(output).toContain("update: Mug STOCK_CHANGED, stock now 17");
  expect(output).toContain("failed as expected: FAILED_PRECONDITION: not enough of product p2 in stock");
  expect(output).toMatch(new RegExp(`order ${uuid} is DELIVERED\n {2}the stream ended with the delivery`));
  expect(output).toMatch(new RegExp(`order ${uuid} DELIVERED for Ada King: 2 × Desk lamp, 3 × Mug, total EUR 75\\.00`));
  expect(output).toMatch(new RegExp(`order ${uuid} CANCELLED for Ada King`));
  expect(output).toContain("cancelling put the floor lamp back in stock: 3 left");
  // Auth: tokens minted for Ada and an admin; an allowed call, and refused ones.
  expect(output).toContain("minted a token for u1 (roles: customer) and one for admin (roles: admin)");
  expect(output).toMatch(/Ada reads herself with her token.*\n {2}allowed: u1 <ada@example\.com>/);
  expect(output).toMatch(/Ada reads u3, another user\n {2}refused as expected: PERMISSION_DENIED: permission denied/);
  expect(output).toMatch(/as delivered \(rule: staff or admin\)\n {2}refused as expected: PERMISSION_DENIED/);
  expect(output).toMatch(
    /a guest without a token reads u1\n {2}refused as expected: UNAUTHENTICATED: missing or invalid credentials/,
  );
  // Another's order answers as a missing one; a chat message as someone else, and reflection, are refused.
  expect(output).toMatch(new RegExp(`refused as if it did not exist: NOT_FOUND: order ${uuid} not found`));
  expect(output).toMatch(/Ada writes to support as u3\n {2}refused as expected: PERMISSION_DENIED/);
  expect(output).toContain("Ada: refused as expected: PERMISSION_DENIED: permission denied");
  expect(output).toMatch(/admin: .*ecommerce\.v1\.OrderService/);
  // HTTP/JSON on the shop's one HTTP port: public, the owner's, refused as missing, and the OpenAPI document.
  expect(output).toContain(
    'GET /v1/products?query=lamp&read_mask=name,price\n  200 {"products":[{"name":"Desk lamp","price":{"currencyCode":"EUR","units":"25","nanos":500000000}},{"name":"Floor lamp","price":{"currencyCode":"EUR","units":"89"}}],"totalSize":2}',
  );
  expect(output).toMatch(
    new RegExp(
      `GET /v1/orders/${uuid}\\?read_mask=status,total \\(Authorization: Bearer <Ada's token>\\)\n {2}200 \\{"order":\\{"status":"ORDER_STATUS_CANCELLED","total":\\{"currencyCode":"EUR","units":"89"\\}\\}\\}`,
    ),
  );
  expect(output).toMatch(new RegExp(`\n {2}404 \\{"code":5,"message":"order ${uuid} not found","details":\\[\\]\\}`));
  expect(output).toContain("200, an OpenAPI 3.1 document of /v1/orders, /v1/orders/{order_id}");
  expect(output).toContain("Done: every method of the four services was called.");
});
