// node bench/idle-streams.mjs [streams] [channels] [limits JSON]: server memory per idle stream.
//
// A server (dist/runtime, `npm run build` first) serving health, in a process
// of its own; this process opens `streams` health Watch calls over `channels`
// connections with a plain grpc-js client. Each Watch gets SERVING, then
// waits: an idle server stream, as an attacker holds them. Prints the
// server's RSS before and after, per stream, and how many calls were
// refused. `limits` are the server's (default: no limit of calls or streams,
// to measure the cost of each; pass "{}" for grpckit's defaults).
//
//   node bench/idle-streams.mjs 5000 50
//   node bench/idle-streams.mjs 12000 120 '{}'
import { fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Client, credentials } from "@grpc/grpc-js";
import { processMemory } from "./lib/measure.mjs";

const MB = 1024 * 1024;
const WATCH = "/grpc.health.v1.Health/Watch";

if (process.argv[2] === "serve") {
  const { createServer } = await import("../dist/runtime/index.js");
  const server = createServer({ health: true, limits: JSON.parse(process.argv[3]) });
  const port = await server.listen("127.0.0.1:0");
  process.send({ port });
} else {
  const streams = Number(process.argv[2] ?? 5_000);
  const channels = Number(process.argv[3] ?? 50);
  const limits = process.argv[4] ?? JSON.stringify({ maxConcurrentCalls: 1e9, maxConcurrentStreams: 2 ** 32 - 1 });
  const server = fork(new URL(import.meta.url).pathname, ["serve", limits], { stdio: "inherit" });
  const { port } = await new Promise((resolve) => server.once("message", resolve));
  await sleep(1_000);
  const before = processMemory(server.pid).rss;
  const clients = Array.from(
    { length: channels },
    // Distinct options: grpc-js shares a connection between clients of equal target and options.
    (_, i) => new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.bench_channel": i }),
  );
  let open = 0;
  let refused = 0;
  const calls = [];
  const started = Date.now();
  await new Promise((resolve) => {
    const settled = () => open + refused === streams && resolve();
    for (let i = 0; i < streams; i++) {
      const call = clients[i % channels].makeServerStreamRequest(
        WATCH,
        () => Buffer.alloc(0),
        (bytes) => bytes,
        null,
      );
      calls.push(call);
      let first = true;
      call.on("data", () => {
        if (first) {
          first = false;
          open++;
          settled();
        }
      });
      call.on("error", (error) => {
        if (!first || error.code === 1) return; // cancelled by this process, once measured
        if (error.code === 8) refused++;
        else console.error(`stream ${i}: ${error.message}`);
        settled();
      });
    }
  });
  const openedMs = Date.now() - started;
  await sleep(2_000);
  const after = processMemory(server.pid).rss;
  console.log(
    JSON.stringify({
      streams,
      channels,
      limits: JSON.parse(limits),
      open,
      refused,
      openedMs,
      serverRssBeforeMB: +(before / MB).toFixed(1),
      serverRssAfterMB: +(after / MB).toFixed(1),
      perOpenStreamKB: open === 0 ? null : +((after - before) / open / 1024).toFixed(1),
    }),
  );
  for (const call of calls) call.cancel();
  for (const client of clients) client.close();
  server.kill();
}
