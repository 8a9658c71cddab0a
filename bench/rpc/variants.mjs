// The implementations the RPC suites run side by side, one row each. The
// first is the baseline of every ratio.
import { chainClientOptions, chainServerOptions } from "./chain.mjs";
//
// To add a row, add an entry. A grpckit row with interceptors, say:
//
//   {
//     id: "grpckit-logging",
//     name: "grpckit + logging",
//     impl: "grpckit",
//     serverOptions: async (grpckit, runtime) => ({ interceptors: [grpckit.serverLogging(...)] }),
//     clientOptions: async (grpckit, runtime) => ({}),
//   },
//
// `impl` names a module of bench/rpc/impl/ exporting
// serve({ root, example, serverOptions }) -> { port, close() } and
// connect({ root, example, address, clientOptions }) -> { unary(), serverStream(n, large),
// clientStream(n), pingPong(n), close() }; the options are made in the server's and
// the client's own process, from the runtime module the variant runs (`grpckit`;
// `runtime` is its URL, to import its subpaths, e.g. observe/metrics/index.js). `schemaRules` (grpckit only): false serves and calls
// the method table without what the .proto declares beyond the methods
// (validators, ...), true as generated. `runtime` (grpckit only) is the module to import
// createServer and createClient from: the bench's copy of dist/runtime by default,
// or the file URL of another build of the runtime (a copy of dist/runtime with
// a change), to measure a change side by side. `suites` limits the entry to some suites.
export const variants = [
  {
    id: "grpc-js",
    name: "grpc-js, hand-written definition (protoc-gen-es)",
    impl: "grpc-js",
  },
  {
    id: "proto-loader",
    name: "grpc-js + @grpc/proto-loader (protobufjs)",
    impl: "proto-loader",
  },
  {
    id: "grpckit",
    name: "grpckit, no interceptors",
    impl: "grpckit",
    // The generated method table without the schema's rules: nothing runs around the handler.
    schemaRules: false,
  },
  {
    id: "grpckit-validation",
    name: "grpckit + schema rules (validation)",
    impl: "grpckit",
    // The generated method table as is: the server checks each request against
    // the rules of user.proto before the handler (grpckit's default).
    schemaRules: true,
  },
  {
    id: "grpckit-chain",
    name: "grpckit + recovery, tracing, metrics, logging, validation (server)",
    impl: "grpckit",
    // The full server chain of docs/interceptors.md (bench/rpc/chain.mjs) and
    // the schema's rules; the client is grpckit without interceptors.
    schemaRules: true,
    serverOptions: (grpckit, runtime) => chainServerOptions(grpckit, runtime),
    suites: ["unary", "stream"],
  },
  {
    id: "grpckit-full",
    name: "grpckit + JWT auth (HS256) + the chain on server and client",
    impl: "grpckit",
    // As grpckit-chain, plus the schema's auth rules enforced with an HS256
    // JWT authenticator, and tracing, metrics and logging on the client too.
    schemaRules: true,
    serverOptions: (grpckit, runtime) => chainServerOptions(grpckit, runtime, { auth: true }),
    clientOptions: (grpckit, runtime) => chainClientOptions(grpckit, runtime, { auth: true }),
    suites: ["unary", "stream"],
  },
  // BENCH_RUNTIME_B=<file URL of a runtime's index.js> adds rows that run
  // another build of the runtime, without interceptors and with the server
  // chain, for an A/B of a change.
  ...(process.env.BENCH_RUNTIME_B === undefined
    ? []
    : [
        {
          id: "grpckit-b",
          name: "grpckit B (BENCH_RUNTIME_B), no interceptors",
          impl: "grpckit",
          schemaRules: false,
          runtime: process.env.BENCH_RUNTIME_B,
        },
        {
          id: "grpckit-chain-b",
          name: "grpckit B (BENCH_RUNTIME_B) + the server chain",
          impl: "grpckit",
          schemaRules: true,
          runtime: process.env.BENCH_RUNTIME_B,
          serverOptions: (grpckit, runtime) => chainServerOptions(grpckit, runtime),
          suites: ["unary", "stream"],
        },
      ]),
];

export function variant(id) {
  const found = variants.find((v) => v.id === id);
  if (found === undefined)
    throw new Error(`unknown variant "${id}"; variants: ${variants.map((v) => v.id).join(", ")}`);
  return found;
}

/**
 * The variants a suite runs: all, or those whose `suites` name it; and only
 * those BENCH_VARIANTS lists (ids, comma-separated), when it is set.
 */
export function variantsOf(suite) {
  const only = process.env.BENCH_VARIANTS?.split(",").map((id) => id.trim());
  for (const id of only ?? []) variant(id); // an unknown id fails here, with the list
  return variants.filter(
    (v) => (v.suites === undefined || v.suites.includes(suite)) && (only === undefined || only.includes(v.id)),
  );
}
