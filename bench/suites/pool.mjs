// pool: unary calls/s and p50/p99 latency of GetUser at 1, 10 and 100 calls in
// flight, against one server process (bare grpc-js), from a client process
// each: bare grpc-js on one channel (the baseline), and grpckit's createPool
// with 1 and with 4 channels. See bench/README.md.
import { pathToFileURL } from "node:url";
import { buildExample } from "../rpc/build.mjs";
import { medianOf, sideBySide } from "../rpc/harness.mjs";
import { startProcess } from "../rpc/ipc.mjs";

const clients = [
  { id: "grpc-js", name: "grpc-js, 1 channel" },
  { id: "pool-1", name: "grpckit createPool, 1 channel" },
  { id: "pool-4", name: "grpckit createPool, 4 channels" },
];

export async function run({ root, rows, progress, quick }) {
  const example = pathToFileURL(`${buildExample(root)}/`).href;
  const durationMs = quick ? 500 : 2_000;
  const rounds = quick ? 2 : 5;
  const server = await startProcess(
    new URL("../rpc/server-process.mjs", import.meta.url),
    ["grpc-js", root, example],
    "server-pool",
  );
  const pairs = [];
  try {
    const address = `127.0.0.1:${server.hello.port}`;
    for (const variant of clients) {
      const client = await startProcess(
        new URL("../pool/client-process.mjs", import.meta.url),
        [variant.id, root, example, address],
        `client-${variant.id}`,
      );
      pairs.push({ variant, client, server });
    }
    // Warm-up: connections, JIT.
    await sideBySide(
      pairs,
      1,
      (p) => p.client.request("unary", { concurrency: 10, durationMs: quick ? 300 : 2_000 }),
      (t) => progress(`warm-up: ${t}`),
    );
    for (const concurrency of [1, 10, 100]) {
      const samples = await sideBySide(
        pairs,
        rounds,
        (p) => p.client.request("unary", { concurrency, durationMs }),
        (t) => progress(`${concurrency} in flight: ${t}`),
      );
      const base = clients[0];
      const name = (v, what) => `${concurrency} in flight: ${v.name}, ${what}`;
      for (const [what, unit, better, value] of [
        ["calls/s", "calls/s", "higher", (s) => s.calls / s.seconds],
        ["p50 latency", "us", "lower", (s) => s.p50Us],
        ["p99 latency", "us", "lower", (s) => s.p99Us],
        ["client CPU per call", "us", "lower", (s) => s.cpuUs / s.calls],
      ]) {
        for (const v of clients) {
          rows.add({
            name: name(v, what),
            value: medianOf(samples.get(v.id), value),
            unit,
            better,
            ...(v === base ? {} : { baseline: name(base, what) }),
          });
        }
      }
    }
  } finally {
    for (const pair of pairs) await pair.client.stop();
    await server.stop();
  }
}
