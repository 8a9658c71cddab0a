// node bench/pool/client-process.mjs <client> <root> <example URL> <address>: one
// client of UserService.GetUser in a process of its own, for the pool suite
// (bench/suites/pool.mjs). <client> is "grpc-js" (bare grpc-js, one channel,
// bench/rpc/impl/grpc-js.mjs) or "pool-<n>" (grpckit's createPool with n
// channels, from the bench's copy of dist/runtime, bench/lib/snapshot.mjs).
// Answers "unary" requests over IPC.
import { performance } from "node:perf_hooks";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { GET_REQUEST } from "../rpc/fixtures.mjs";
import { answerRequests, cpu } from "../rpc/ipc.mjs";

const [kind, root, example, address] = process.argv.slice(2);

async function connect() {
  if (kind === "grpc-js") {
    const impl = await import("../rpc/impl/grpc-js.mjs");
    return impl.connect({ root, example, address });
  }
  const size = Number(/^pool-(\d+)$/.exec(kind)?.[1]);
  if (!Number.isInteger(size)) throw new Error(`unknown client "${kind}"`);
  const { createClient, createPool } = await import(runtimeUrl(root));
  const { UserService } = await import(new URL("ecommerce/v1/user_grpckit.js", example).href);
  const pool = createPool(address, { size });
  const client = createClient(UserService, pool);
  return {
    async unary() {
      await client.getUser({ ...GET_REQUEST });
    },
  };
}

const client = await connect();

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `concurrency` callers, each calling again as soon as its call returns, for `durationMs`. */
async function unary({ concurrency, durationMs }) {
  const latencies = [];
  const end = performance.now() + durationMs;
  const caller = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await client.unary();
      latencies.push(performance.now() - started);
    }
  };
  const cpuBefore = cpu();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    seconds,
    p50Us: percentile(latencies, 50) * 1000,
    p99Us: percentile(latencies, 99) * 1000,
    cpuUs: cpu() - cpuBefore,
  };
}

answerRequests({ unary }, { ready: true });
