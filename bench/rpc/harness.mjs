// Starts the server and client processes of the RPC variants and measures
// them side by side.
import { pathToFileURL } from "node:url";
import { median } from "../lib/measure.mjs";
import { buildExample } from "./build.mjs";
import { startProcess } from "./ipc.mjs";

const here = new URL("./", import.meta.url);

/** A server process of `variant` and a client process of it, on one channel. */
export async function startPair(root, variant) {
  const example = pathToFileURL(`${buildExample(root)}/`).href;
  const server = await startProcess(
    new URL("server-process.mjs", here),
    [variant.id, root, example],
    `server-${variant.id}`,
  );
  try {
    const address = `127.0.0.1:${server.hello.port}`;
    const client = await startProcess(
      new URL("client-process.mjs", here),
      [variant.id, root, example, address],
      `client-${variant.id}`,
    );
    return {
      variant,
      server,
      client,
      async stop() {
        await client.stop();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Runs `fn(pairs)` with a pair of processes per variant, started one after the other; stops them all after. */
export async function withPairs(root, variants, fn) {
  const pairs = [];
  try {
    for (const v of variants) pairs.push(await startPair(root, v));
    return await fn(pairs);
  } finally {
    for (const pair of pairs) await pair.stop();
  }
}

/**
 * `rounds` rounds, each measuring every pair once, in an order that rotates
 * from round to round, so that a busy spell of the shared machine hits all
 * variants alike. Returns, per variant id, the samples `measure(pair)` gave.
 */
export async function sideBySide(pairs, rounds, measure, onProgress = () => {}) {
  const samples = new Map(pairs.map((p) => [p.variant.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[(i + round) % pairs.length];
      onProgress(`${pair.variant.name} (round ${round + 1}/${rounds})`);
      samples.get(pair.variant.id).push(await measure(pair));
    }
  }
  return samples;
}

/**
 * Runs the client's workload `op`; its result, plus `serverCpuUs`: the CPU
 * time the server process used meanwhile (the client reports its own, `cpuUs`).
 */
export async function measure(pair, op, params) {
  const before = await pair.server.request("cpu");
  const result = await pair.client.request(op, params);
  const after = await pair.server.request("cpu");
  return { ...result, serverCpuUs: after - before };
}

/** The median of one field of the samples. */
export function medianOf(samples, field) {
  return median(samples.map((s) => (typeof field === "function" ? field(s) : s[field])));
}
