// Other work in the same checkout may rebuild dist/ (`npm run build` starts
// with `rm -rf dist`) while a bench runs. Each run therefore measures a copy
// of dist/ taken when it starts, in bench/.build/dist: the plugin bundle and
// the runtime. The copy sits inside the repository, so that its imports
// ("@bufbuild/protobuf", "@grpc/grpc-js", typescript) resolve from node_modules.
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export function snapshotDir(root) {
  return join(root, "bench/.build/dist");
}

/**
 * Copies dist/ to bench/.build/dist; throws if `npm run build` has not run.
 * BENCH_DIST=<dir> copies another build instead (e.g. of an earlier commit:
 * `git archive <commit> | tar -x -C <dir>`, node_modules linked, `npm run build`
 * there), to measure it with this bench.
 */
export function takeSnapshot(root) {
  const dist = process.env.BENCH_DIST ?? join(root, "dist");
  if (!existsSync(join(dist, "runtime/index.js")) || !existsSync(join(dist, "protoc-gen-grpckit.js"))) {
    throw new Error("dist/ is missing or incomplete: run `npm run build` (npm run bench does)");
  }
  rmSync(snapshotDir(root), { recursive: true, force: true });
  cpSync(dist, snapshotDir(root), { recursive: true });
}

/** The plugin bundle of the snapshot. */
export function pluginPath(root) {
  return join(snapshotDir(root), "protoc-gen-grpckit.js");
}

/** The runtime of the snapshot ("grpckit"): its directory, and the URL of its entry. */
export function runtimeDir(root) {
  return join(snapshotDir(root), "runtime");
}

export function runtimeUrl(root) {
  return pathToFileURL(join(runtimeDir(root), "index.js")).href;
}
