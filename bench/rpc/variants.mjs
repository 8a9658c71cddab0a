// The implementations the RPC suites run side by side, one row each. The
// first is the baseline of every ratio.
//
// To add a row, add an entry. A grpckit row with interceptors, say:
//
//   {
//     id: "grpckit-logging",
//     name: "grpckit + logging",
//     impl: "grpckit",
//     serverOptions: async (grpckit) => ({ interceptors: [grpckit.serverLogging(...)] }),
//     clientOptions: async (grpckit) => ({}),
//   },
//
// `impl` names a module of bench/rpc/impl/ exporting
// serve({ root, example, serverOptions }) -> { port, close() } and
// connect({ root, example, address, clientOptions }) -> { unary(), serverStream(n, large),
// clientStream(n), pingPong(n), close() }; the options are made in the server's and
// the client's own process, from the runtime module the variant runs (`grpckit`). `schemaRules` (grpckit only): false serves and calls
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
];

export function variant(id) {
  const found = variants.find((v) => v.id === id);
  if (found === undefined)
    throw new Error(`unknown variant "${id}"; variants: ${variants.map((v) => v.id).join(", ")}`);
  return found;
}

/** The variants a suite runs: all, or those whose `suites` name it. */
export function variantsOf(suite) {
  return variants.filter((v) => v.suites === undefined || v.suites.includes(suite));
}
