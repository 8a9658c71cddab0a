// V8's sampling heap profiler, shared by the RPC processes (BENCH_ALLOC,
// rpc/ipc.mjs), lib/alloc-summary.mjs and lib/in-process.mjs.
import { Session } from "node:inspector";

/**
 * Samples this process's allocations from now on (every `interval` bytes on
 * average, objects already collected included); returns what stops and
 * resolves with the profile.
 */
export function startAllocationSampling(interval = 1024) {
  const session = new Session();
  session.connect();
  session.post("HeapProfiler.enable");
  session.post("HeapProfiler.startSampling", {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return () =>
    new Promise((resolve, reject) =>
      session.post("HeapProfiler.stopSampling", (error, result) => {
        session.disconnect();
        error ? reject(error) : resolve(result.profile);
      }),
    );
}

/**
 * The bytes each function of a profile allocated itself, by
 * `name file:line` (the last two parts of its file's path), with its file's
 * URL; and the total.
 */
export function allocationsBySite(profile) {
  const sites = new Map();
  let total = 0;
  const pending = [profile.head];
  while (pending.length > 0) {
    const node = pending.pop();
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}` : "";
    const name = `${functionName || "(anonymous)"}${where}`;
    const entry = sites.get(name) ?? { bytes: 0, url };
    entry.bytes += node.selfSize;
    sites.set(name, entry);
    total += node.selfSize;
    pending.push(...node.children);
  }
  return { total, sites };
}
