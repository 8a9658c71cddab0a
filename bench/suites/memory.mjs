// memory: server memory under slow readers, and before/after many unary calls
// (a leak check). Client and server in separate processes. See bench/README.md.
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { median, processMemory } from "../lib/measure.mjs";
import { buildExample } from "../rpc/build.mjs";
import { startPair } from "../rpc/harness.mjs";
import { startProcess } from "../rpc/ipc.mjs";
import { variantsOf } from "../rpc/variants.mjs";

const MB = 1024 * 1024;

export async function run({ root, rows, progress, quick }) {
  const variants = variantsOf("memory");
  const base = variants[0];
  await slowReaders({ root, rows, progress, quick, variants, base });
  // The leak check takes a minute or more a variant: the baseline, and grpckit's.
  await leakCheck({
    root,
    rows,
    progress,
    quick,
    variants: variants.filter((v) => v === base || v.impl === "grpckit"),
    base,
  });
}

/**
 * 1,000 server streams, each producing ~1 KB messages without end, each read
 * at one message a second by one client process: with backpressure the
 * server stops producing once a stream's buffers are full, so its memory
 * levels off; without, it grows by ~1 MB a second a stream until it fails.
 */
async function slowReaders({ root, rows, progress, quick, variants, base }) {
  const streams = quick ? 200 : 1_000;
  const holdMs = quick ? 5_000 : 15_000;
  const intervalMs = 1_000;
  const example = pathToFileURL(`${buildExample(root)}/`).href;
  const title = `${streams.toLocaleString("en-US")} slow server streams`;
  for (const v of variants) {
    const server = await startProcess(new URL("../rpc/server-process.mjs", import.meta.url), [v.id, root, example]);
    let readers;
    try {
      await sleep(500);
      const idle = processMemory(server.pid).rss;
      progress(`${title}: ${v.name}: opening`);
      readers = await startProcess(new URL("../rpc/slow-readers.mjs", import.meta.url), [
        root,
        example,
        `127.0.0.1:${server.hello.port}`,
      ]);
      await readers.request("open", { streams, intervalMs });
      const opened = Date.now();
      const samples = [];
      const { received: receivedBefore } = await readers.request("received");
      while (Date.now() - opened < holdMs) {
        await sleep(250);
        samples.push({ at: Date.now() - opened, rss: processMemory(server.pid).rss });
        progress(
          `${title}: ${v.name}: ${((Date.now() - opened) / 1000).toFixed(0)} s, server RSS ${(samples.at(-1).rss / MB).toFixed(0)} MB`,
        );
      }
      const { received, failures } = await readers.request("received");
      if (failures > 0) throw new Error(`${v.name}: ${failures} of the slow streams failed`);
      // Early: the first third of the window; late: the last third.
      const early = median(samples.filter((s) => s.at <= holdMs / 3).map((s) => s.rss));
      const late = median(samples.filter((s) => s.at >= (2 * holdMs) / 3).map((s) => s.rss));
      const name = (what) => `${title}: ${v.name}, ${what}`;
      const baseName = (what) => `${title}: ${base.name}, ${what}`;
      const rel = (what) => (v === base ? {} : { baseline: baseName(what) });
      rows.add({
        name: name("server RSS idle"),
        value: idle / MB,
        unit: "MB",
        better: "lower",
        ...rel("server RSS idle"),
      });
      rows.add({
        name: name("server RSS, first third of the window"),
        value: early / MB,
        unit: "MB",
        better: "lower",
        ...rel("server RSS, first third of the window"),
      });
      // Bounded: the last third is no higher than the first (ratio ~1.00).
      rows.add({
        name: name("server RSS, last third of the window"),
        value: late / MB,
        unit: "MB",
        better: "lower",
        baseline: name("server RSS, first third of the window"),
      });
      rows.add({
        name: name("server RSS, peak"),
        value: Math.max(...samples.map((s) => s.rss)) / MB,
        unit: "MB",
        better: "lower",
        ...rel("server RSS, peak"),
      });
      rows.add({
        name: name(`messages read in ${holdMs / 1000} s`),
        value: received - receivedBefore,
        unit: "msgs",
        better: "higher",
      });
    } finally {
      await readers?.stop();
      await server.stop();
    }
  }
}

/**
 * Warm-up calls, then memory after full collections in both processes
 * ("before"), `total` unary calls 100 at a time, and memory again ("after").
 * No leak: after / before ~1, as for plain grpc-js.
 */
async function leakCheck({ root, rows, progress, quick, variants }) {
  const total = quick ? 20_000 : 200_000;
  const warmup = quick ? 2_000 : 20_000;
  const title = `${total.toLocaleString("en-US")} unary calls`;
  for (const v of variants) {
    const pair = await startPair(root, v);
    try {
      progress(`${title}: ${v.name}: warm-up`);
      await pair.client.request("unaryCount", { concurrency: 100, total: warmup });
      const before = {
        server: await pair.server.request("memory", { gc: true }),
        client: await pair.client.request("memory", { gc: true }),
      };
      const chunk = total / 10;
      for (let done = 0; done < total; done += chunk) {
        progress(`${title}: ${v.name}: ${done.toLocaleString("en-US")} calls`);
        await pair.client.request("unaryCount", { concurrency: 100, total: chunk });
      }
      const after = {
        server: await pair.server.request("memory", { gc: true }),
        client: await pair.client.request("memory", { gc: true }),
      };
      for (const side of ["server", "client"]) {
        for (const [what, key] of [
          ["heap used after GC", "heapUsed"],
          ["RSS", "rss"],
        ]) {
          const name = (when) => `${title}: ${v.name}, ${side} ${what}, ${when}`;
          rows.add({ name: name("before"), value: before[side][key] / MB, unit: "MB", better: "lower" });
          rows.add({
            name: name("after"),
            value: after[side][key] / MB,
            unit: "MB",
            better: "lower",
            baseline: name("before"),
          });
        }
      }
    } finally {
      await pair.stop();
    }
  }
}
