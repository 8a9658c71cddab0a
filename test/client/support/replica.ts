import { createServer, type ServerContext } from "grpckit";
import { fleetSpec } from "./fleet-spec.js";

/*
 * One replica of fleet.v1.ReplicaService, in a process of its own: started
 * by test/client/support/fleet.ts (bundled with esbuild, so it runs as plain
 * JavaScript), on 127.0.0.1 at the port it is given (0: a free one).
 *
 *   node replica.mjs <name> <descriptor set file> <port>
 *
 * It tells its parent { port } over IPC once it listens, then answers:
 *   { op: "stats" }            -> calls received and in flight, per method
 *   { op: "shutdown", graceMs } -> { shuttingDown: calls received so far } once it takes no
 *                                  more calls; { shutDown: stats } once the calls in flight are
 *                                  done (graceful shutdown), then it exits
 * and exits when its parent goes away.
 */

const [name = "replica", descriptorFile = "", port = "0"] = process.argv.slice(2);
const service = fleetSpec(descriptorFile);

const stats = { lookup: { received: 0, inFlight: 0 }, charge: { received: 0, inFlight: 0 } };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

const server = createServer().add(service, {
  async lookup(request: { delayMs: number }, context: ServerContext) {
    stats.lookup.received++;
    stats.lookup.inFlight++;
    try {
      if (request.delayMs > 0) {
        await sleep(request.delayMs, context.signal);
      }
      return { replica: name };
    } finally {
      stats.lookup.inFlight--;
    }
  },
  async charge(request: { hang: boolean }, context: ServerContext) {
    stats.charge.received++;
    stats.charge.inFlight++;
    try {
      if (request.hang) {
        await sleep(2 ** 31 - 1, context.signal);
      }
      return { replica: name };
    } finally {
      stats.charge.inFlight--;
    }
  },
  // biome-ignore lint/suspicious/noExplicitAny: a dynamic service's handlers are untyped
} as any);

const bound = await server.listen(`127.0.0.1:${port}`);

process.on("message", async (message: { op: string; graceMs?: number }) => {
  if (message.op === "stats") {
    process.send?.({ stats });
  } else if (message.op === "shutdown") {
    // What it had received when it stopped taking calls: nothing may come after.
    const receivedAtShutdown = { lookup: stats.lookup.received, charge: stats.charge.received };
    const done = server.shutdown(message.graceMs ?? 5_000);
    process.send?.({ shuttingDown: receivedAtShutdown });
    await done;
    process.send?.({ shutDown: stats }, () => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
process.send?.({ port: bound });
