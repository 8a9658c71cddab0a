import { Code, closeClient, createClient, createPool, RpcError } from "grpckit";
import { fleetSpec } from "./fleet-spec.js";

/*
 * A client process that must exit by itself once it has closed its pools:
 * started by test/client/exit.test.ts (bundled), against a server at the
 * address it is given.
 *
 *   node exit-child.mjs <address> <descriptor set file>
 *
 * It makes calls on a pool of three channels (one with gzip, so that a
 * second set of channels opens) and on a client that owns its channel,
 * leaves a slow call and a hanging one in flight, closes everything with a
 * grace period, and prints how each call ended as one JSON line. It then
 * reads stdin until the parent closes it, and does nothing more: no
 * process.exit. If a timer, socket or handle stayed open, the process would
 * not end.
 */

const [address = "", descriptorFile = ""] = process.argv.slice(2);
const service = fleetSpec(descriptorFile);

interface Fleet {
  lookup(request: { delayMs?: number }, options?: object): Promise<{ replica: string }>;
  charge(request: { hang?: boolean }, options?: object): Promise<{ replica: string }>;
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "OK",
    (error: unknown) => Code[RpcError.from(error).code],
  );

const pool = createPool(address, { size: 3 });
const pooled = createClient(service, pool) as unknown as Fleet;
const owned = createClient(service, address, { waitForReady: true }) as unknown as Fleet;

for (let i = 0; i < 30; i++) {
  await pooled.lookup({});
}
await pooled.lookup({}, { compression: "gzip" });
await owned.lookup({});

const slow = codeOf(pooled.lookup({ delayMs: 300 }));
const hanging = codeOf(pooled.charge({ hang: true }));
const ownedSlow = codeOf(owned.lookup({ delayMs: 300 }));
await new Promise((resolve) => setTimeout(resolve, 100)); // the calls are on their way
await Promise.all([pool.close(1_500), closeClient(owned)]);
const afterClose = await codeOf(pooled.lookup({}));

console.log(
  JSON.stringify({
    slow: await slow,
    hanging: await hanging,
    ownedSlow: await ownedSlow,
    afterClose,
    inFlight: pool.inFlight,
  }),
);
// The parent now checks that no connection is left, then closes stdin: its
// pipe was the last handle, and the process ends.
process.stdin.resume();
