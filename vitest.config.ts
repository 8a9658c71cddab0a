import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Generated code imports the runtime by package name; tests run it from source.
    // The subpaths come first: an alias also matches the paths below its key.
    alias: {
      "grpckit/codegen": fileURLToPath(new URL("./runtime/codegen.ts", import.meta.url)),
      "grpckit/cel": fileURLToPath(new URL("./runtime/validate/cel.ts", import.meta.url)),
      "grpckit/metrics": fileURLToPath(new URL("./runtime/observe/metrics/index.ts", import.meta.url)),
      "grpckit/tracing": fileURLToPath(new URL("./runtime/observe/tracing/index.ts", import.meta.url)),
      grpckit: fileURLToPath(new URL("./runtime/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
