import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { build, type Plugin } from "esbuild";
import { afterAll } from "vitest";
import { root } from "../../support/codegen.js";

/*
 * Programs that tests run in processes of their own, bundled with esbuild
 * into one JavaScript file each, the runtime (from source) included: they
 * run with plain `node`, without a TypeScript loader or an earlier build.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-client-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bundles = new Map<string, Promise<string>>();

/** The runtime's entry points, from source, as vitest.config.ts maps them (generated code imports grpckit/codegen). */
const runtimeEntries: Record<string, string> = {
  grpckit: "runtime/index.ts",
  "grpckit/codegen": "runtime/codegen.ts",
  "grpckit/metrics": "runtime/observe/metrics/index.ts",
  "grpckit/tracing": "runtime/observe/tracing/index.ts",
};

const runtimeFromSource: Plugin = {
  name: "grpckit-from-source",
  setup(b) {
    b.onResolve({ filter: /^grpckit(\/|$)/ }, (args) => {
      const path = runtimeEntries[args.path];
      return path === undefined ? undefined : { path: join(root, path) };
    });
  },
};

/** A scratch folder removed after the test file. */
export function scratchDir(): string {
  return scratch;
}

/** Bundles `entry` (a path from the repository's root), once per test file; resolves with the .mjs file. */
export function bundle(entry: string): Promise<string> {
  let bundled = bundles.get(entry);
  if (bundled === undefined) {
    const outfile = join(scratch, `${basename(entry, ".ts")}.mjs`);
    bundled = build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      plugins: [runtimeFromSource],
      // grpc-js is CommonJS and requires Node's modules: give the bundle a require.
      banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
      logLevel: "error",
    }).then(() => outfile);
    bundles.set(entry, bundled);
  }
  return bundled;
}
