import { parseArgs } from "node:util";
import { announce, untilStopped } from "./lib/process.js";
import { startGateway } from "./servers.js";

/*
 * The gateway as a process of its own, calling the shop's services.
 *
 *   node dist/example/gateway-process.js [--listen host:port] [--users host:port] [--products host:port] [--orders host:port]
 *
 * The defaults match shop-process.js's.
 */

const { values } = parseArgs({
  options: {
    listen: { type: "string", default: "127.0.0.1:50050" },
    users: { type: "string", default: "127.0.0.1:50051" },
    products: { type: "string", default: "127.0.0.1:50052" },
    orders: { type: "string", default: "127.0.0.1:50053" },
  },
});

const { listen, ...backends } = values;
const gateway = await startGateway(backends, { listen });
announce({ ...gateway.addresses });
await untilStopped();
await gateway.stop();
