// node bench/rpc/client-process.mjs <variant> <root> <example URL> <address>:
// a client of the variant on one channel; runs the workloads the parent
// asks for and reports what it measured. Started by the RPC suites.
import { performance } from "node:perf_hooks";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { answerRequests, cpu, memory } from "./ipc.mjs";
import { variant } from "./variants.mjs";

const [id, root, example, address] = process.argv.slice(2);
const v = variant(id);
const impl = await import(`./impl/${v.impl}.mjs`);
const runtime = v.runtime ?? runtimeUrl(root);
const clientOptions = (await v.clientOptions?.(await import(runtime), runtime)) ?? {};
const client = await impl.connect({
  root,
  example,
  address,
  clientOptions,
  runtime,
  schemaRules: v.schemaRules,
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `concurrency` callers on the one channel, each calling again as soon as its call returns. */
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
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    seconds,
    p50Us: percentile(latencies, 50) * 1000,
    p99Us: percentile(latencies, 99) * 1000,
  };
}

/** `total` unary calls, `concurrency` at a time. */
async function unaryCount({ concurrency, total }) {
  let next = 0;
  const caller = async () => {
    while (next < total) {
      next++;
      await client.unary();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  return { calls: total, seconds: (performance.now() - started) / 1000 };
}

async function timed(run) {
  const started = performance.now();
  const messages = await run();
  return { messages, seconds: (performance.now() - started) / 1000 };
}

/** Adds the CPU time the workload took in this process, in µs. */
function withCpu(workload) {
  return async (params) => {
    const before = cpu();
    const result = await workload(params);
    return { ...result, cpuUs: cpu() - before };
  };
}

answerRequests(
  {
    unary: withCpu(unary),
    unaryCount: withCpu(unaryCount),
    serverStream: withCpu(({ count, large }) => timed(() => client.serverStream(count, large))),
    clientStream: withCpu(({ count }) =>
      timed(async () => {
        await client.clientStream(count);
        return count;
      }),
    ),
    pingPong: withCpu(({ count }) => timed(() => client.pingPong(count))),
    memory,
  },
  { ready: true },
);
