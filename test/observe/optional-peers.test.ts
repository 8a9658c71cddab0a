import { build } from "esbuild";
import { expect, test } from "vitest";
import { root } from "../support/codegen.js";

/** The packages a runtime entry point imports, directly or through its own modules. */
async function packagesImportedBy(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const { path, external } of input.imports) {
      if (external === true)
        packages.add(path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : (path.split("/")[0] ?? path));
    }
  }
  return packages;
}

test("the main entry point imports neither prom-client nor @opentelemetry/api: they are optional peers", async () => {
  const main = await packagesImportedBy("runtime/index.ts");
  expect(main.has("@grpc/grpc-js")).toBe(true); // the check sees packages at all
  expect(main.has("prom-client")).toBe(false);
  expect(main.has("@opentelemetry/api")).toBe(false);
  expect((await packagesImportedBy("runtime/observe/metrics/index.ts")).has("prom-client")).toBe(true);
  expect((await packagesImportedBy("runtime/observe/tracing/index.ts")).has("@opentelemetry/api")).toBe(true);
});
