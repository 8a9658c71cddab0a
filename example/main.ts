import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { runDemo } from "./demo.js";
import type { ShopListeners } from "./servers.js";

/*
 * `npm run example`: starts the shop (UserService, ProductService,
 * OrderService) in one process and the gateway in another, each on free
 * ports of 127.0.0.1, runs the demo client against them in this process,
 * then stops both. Exits 0 when all went well.
 */

const shop = await launch("shop-process.js", isShopAddresses, [
  ["--users", "127.0.0.1:0"],
  ["--products", "127.0.0.1:0"],
  ["--orders", "127.0.0.1:0"],
  ["--http", "127.0.0.1:0"],
]);
const gateway = await launch("gateway-process.js", isGatewayAddress, [
  ["--listen", "127.0.0.1:0"],
  ["--users", shop.addresses.users],
  ["--products", shop.addresses.products],
  ["--orders", shop.addresses.orders],
]);
console.log(`shop process ${shop.pid}:`);
console.log(`  UserService    on ${shop.addresses.users}`);
console.log(`  ProductService on ${shop.addresses.products}`);
console.log(`  OrderService   on ${shop.addresses.orders}`);
console.log(`  HTTP/JSON      on ${shop.addresses.http}`);
console.log(`gateway process ${gateway.pid}:`);
console.log(`  GatewayService on ${gateway.addresses.gateway}\n`);
try {
  await runDemo({ ...shop.addresses, gateway: gateway.addresses.gateway });
} finally {
  await gateway.stop();
  await shop.stop();
}

interface Launched<A> {
  readonly addresses: A;
  readonly pid: number | undefined;
  /** Asks the process to stop and waits for it; throws if it fails. */
  stop(): Promise<void>;
}

/** Forks one of the example's server processes and waits until it listens. */
async function launch<A>(
  script: string,
  isAddresses: (message: unknown) => message is A,
  options: readonly [string, string][],
): Promise<Launched<A>> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), options.flat());
  // The process announces its addresses once it listens (lib/process.ts), or exits.
  const [message] = await Promise.race([once(child, "message"), once(child, "exit")]);
  if (!isAddresses(message)) {
    child.kill();
    throw new Error(`${script} did not start (${String(message)})`);
  }
  return { addresses: message, pid: child.pid, stop: () => stop(child, script) };
}

async function stop(child: ChildProcess, script: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.disconnect();
    await exited;
  }
  if (child.exitCode !== 0) {
    throw new Error(`${script} exited with ${child.exitCode ?? child.signalCode}`);
  }
}

function isShopAddresses(message: unknown): message is ShopListeners {
  return hasStrings(message, ["users", "products", "orders", "http"]);
}

function isGatewayAddress(message: unknown): message is { gateway: string } {
  return hasStrings(message, ["gateway"]);
}

function hasStrings(value: unknown, keys: readonly string[]): boolean {
  return (
    typeof value === "object" && value !== null && keys.every((key) => typeof Reflect.get(value, key) === "string")
  );
}
