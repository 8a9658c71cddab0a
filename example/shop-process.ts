import { parseArgs } from "node:util";
import { announce, untilStopped } from "./lib/process.js";
import { startShop } from "./servers.js";

/*
 * The shop as a process of its own: UserService, ProductService and
 * OrderService over one in-memory store, on three gRPC ports, and their
 * HTTP/JSON bindings and OpenAPI documents on a fourth.
 *
 *   node dist/example/shop-process.js [--users host:port] [--products host:port] [--orders host:port] [--http host:port]
 *
 * Port 0 picks a free port. The defaults are the ports gateway-process.js
 * expects by default.
 */

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "127.0.0.1:50051" },
    products: { type: "string", default: "127.0.0.1:50052" },
    orders: { type: "string", default: "127.0.0.1:50053" },
    http: { type: "string", default: "127.0.0.1:8080" },
  },
});

const shop = await startShop({ listen: values });
announce({ ...shop.addresses });
await untilStopped();
await shop.stop();
