// unary: calls/s and latency of GetUser at 1, 10 and 100 calls in flight on
// one channel, client and server in separate processes. See bench/README.md.
import { measure, medianOf, sideBySide, withPairs } from "../rpc/harness.mjs";
import { variantsOf } from "../rpc/variants.mjs";

export async function run({ root, rows, progress, quick }) {
  const variants = variantsOf("unary");
  const durationMs = quick ? 500 : 2_000;
  const rounds = quick ? 2 : 5;
  await withPairs(root, variants, async (pairs) => {
    // Warm-up: connections, JIT.
    await sideBySide(
      pairs,
      1,
      (p) => p.client.request("unary", { concurrency: 10, durationMs: quick ? 300 : 2_000 }),
      (t) => progress(`warm-up: ${t}`),
    );
    for (const concurrency of [1, 10, 100]) {
      await sideBySide(pairs, 1, (p) => p.client.request("unary", { concurrency, durationMs: 300 }));
      const samples = await sideBySide(
        pairs,
        rounds,
        (p) => measure(p, "unary", { concurrency, durationMs }),
        (t) => progress(`${concurrency} in flight: ${t}`),
      );
      const base = variants[0];
      const name = (v, what) => `${concurrency} in flight: ${v.name}, ${what}`;
      for (const [what, unit, better, value] of [
        ["calls/s", "calls/s", "higher", (s) => s.calls / s.seconds],
        ["p50 latency", "us", "lower", (s) => s.p50Us],
        ["p99 latency", "us", "lower", (s) => s.p99Us],
        // CPU time per call: less disturbed than calls/s when other work shares the machine.
        ["server CPU per call", "us", "lower", (s) => s.serverCpuUs / s.calls],
        ["client CPU per call", "us", "lower", (s) => s.cpuUs / s.calls],
      ]) {
        for (const v of variants) {
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
  });
}
