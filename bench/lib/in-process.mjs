// node bench/lib/in-process.mjs [--calls n] [--rounds n] [--alloc] [--client grpckit] <row> <row> ...
//
// Servers of several rows and their clients in ONE process, unary GetUser
// calls one at a time, the rows taking turns round after round (the order
// reversed every other round): the CPU time per call (client and server
// together) of each row, median over the rounds, and its difference from the
// first row. With --alloc, the bytes allocated per call instead (V8's
// sampling heap profiler, collected objects included; 3 rounds unless
// --rounds), which moves much less from run to run.
//
// Not a suite: a tool to tell apart changes of a few µs per call that the
// unary suite's noise (separate processes, wall-clock calls/s) hides. Every
// row shares the machine's state of the moment, its heap and its JIT, so
// differences between rows are what the rows do. Absolute numbers are not
// those of the suites. Used for finding 7 in bench/README.md.
//
// A row is `<id>[@<runtime>]`:
// - <id>: a variant of rpc/variants.mjs (grpc-js, grpckit, grpckit-chain, ...),
//   or `interceptors:<name>,...`, grpckit with these server interceptors
//   only, in this order: recovery, tracing, metrics, logging (as in
//   rpc/chain.mjs), observer (an observing interceptor that does nothing),
//   pass (an interceptor that only calls the next step); `+rules` among the
//   names serves the schema's rules too.
// - <runtime>: the path of another build of the runtime's index.js (a copy of
//   dist/runtime inside the repository, as for BENCH_RUNTIME_B) for grpckit
//   rows; default the bench's copy of dist/runtime.
// The client is plain grpc-js for every row, so differences are the
// servers'; `--client grpckit` makes grpckit rows call with grpckit's
// client (of the row's runtime) instead.
//
// Example, a change to the interceptors against the build before it:
//   cp -r dist/runtime bench/.build/runtime-before   # before the change
//   npm run build                                    # after it
//   node bench/lib/in-process.mjs grpckit grpckit-chain@bench/.build/runtime-before/index.js grpckit-chain
import { isAbsolute, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildExample } from "../rpc/build.mjs";
import { nullLogger } from "../rpc/chain.mjs";
import { variants } from "../rpc/variants.mjs";
import { allocationsBySite, startAllocationSampling } from "./heap-profile.mjs";
import { runtimeUrl, takeSnapshot } from "./snapshot.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { values: flags, positionals: rowArgs } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: "string", default: "3000" },
    rounds: { type: "string" },
    alloc: { type: "boolean", default: false },
    client: { type: "string", default: "grpc-js" },
  },
});
if (rowArgs.length === 0 || !["grpc-js", "grpckit"].includes(flags.client)) {
  console.error(
    "usage: node bench/lib/in-process.mjs [--calls n] [--rounds n] [--alloc] [--client grpckit] <row> <row> ...",
  );
  process.exit(2);
}
const calls = Number(flags.calls);
const rounds = Number(flags.rounds ?? (flags.alloc ? 3 : 10));

takeSnapshot(root);
const example = pathToFileURL(`${buildExample(root)}/`).href;

/** The variant of a row id. */
function variantOf(id) {
  if (id.startsWith("interceptors:")) {
    const names = id.slice("interceptors:".length).split(",");
    return {
      impl: "grpckit",
      schemaRules: names.includes("+rules"),
      serverOptions: async (grpckit, runtime) => ({
        interceptors: await Promise.all(
          names.filter((n) => n !== "+rules").map((n) => interceptor(n, grpckit, runtime)),
        ),
      }),
    };
  }
  const variant = variants.find((v) => v.id === id);
  if (variant === undefined) throw new Error(`no variant ${id} in rpc/variants.mjs`);
  return variant;
}

async function interceptor(name, grpckit, runtime) {
  switch (name) {
    case "recovery":
      return grpckit.recovery();
    case "tracing":
      return (await import(new URL("observe/tracing/index.js", runtime).href)).serverTracing();
    case "metrics": {
      const { Registry } = await import("prom-client");
      const { serverMetrics } = await import(new URL("observe/metrics/index.js", runtime).href);
      return serverMetrics({ registry: new Registry() });
    }
    case "logging":
      return grpckit.serverLogging({ logger: nullLogger });
    case "observer":
      return grpckit.observingServerInterceptor(() => ({ observer: { onEnd() {} } }));
    case "pass":
      return (next) => (call) => next(call);
    default:
      throw new Error(`unknown interceptor ${name}: recovery, tracing, metrics, logging, observer, pass`);
  }
}

const plain = await import("../rpc/impl/grpc-js.mjs");
const rows = [];
for (const arg of rowArgs) {
  const at = arg.indexOf("@");
  const id = at === -1 ? arg : arg.slice(0, at);
  const variant = variantOf(id);
  const runtime =
    at === -1
      ? (variant.runtime ?? runtimeUrl(root))
      : pathToFileURL(isAbsolute(arg.slice(at + 1)) ? arg.slice(at + 1) : join(root, arg.slice(at + 1))).href;
  const impl = await import(`../rpc/impl/${variant.impl}.mjs`);
  const serverOptions = (await variant.serverOptions?.(await import(runtime), runtime)) ?? {};
  const server = await impl.serve({ root, example, serverOptions, runtime, schemaRules: variant.schemaRules });
  const clientImpl = flags.client === "grpckit" && variant.impl === "grpckit" ? impl : plain;
  const client = await clientImpl.connect({
    root,
    example,
    address: `127.0.0.1:${server.port}`,
    runtime,
    schemaRules: variant.schemaRules,
  });
  for (let i = 0; i < 2_000; i++) await client.unary(); // warm-up
  rows.push({ arg, server, client, samples: [] });
}

async function measure(row) {
  if (flags.alloc) {
    const stop = startAllocationSampling(256);
    for (let i = 0; i < calls; i++) await row.client.unary();
    return allocationsBySite(await stop()).total / calls;
  }
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await row.client.unary();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / calls;
}

for (let round = 0; round < rounds; round++) {
  for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
    row.samples.push(await measure(row));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const unit = flags.alloc ? "bytes allocated per call" : "µs of CPU per call (median)";
const base = median(rows[0].samples);
console.log(`${calls} unary calls a round, one at a time; ${unit}, and the difference from the first row:`);
for (const row of rows) {
  const value = median(row.samples);
  const spread = `  [${[...row.samples]
    .sort((a, b) => a - b)
    .map((v) => v.toFixed(0))
    .join(" ")}]`;
  const delta = value - base;
  console.log(
    `${value.toFixed(0).padStart(8)}  ${delta >= 0 ? "+" : ""}${delta.toFixed(0).padStart(6)}  ${row.arg}${spread}`,
  );
}
for (const row of rows) {
  row.client.close();
  await row.server.close();
}
process.exit(0);
