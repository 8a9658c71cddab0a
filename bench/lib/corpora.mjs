// The inputs the generate and typecheck suites run buf on, and the plugins
// (grpckit and its peers) as their users configure them.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBigServiceCorpus, writeSyntheticCorpus } from "../synthetic-corpus.mjs";
import { pluginPath } from "./snapshot.mjs";

export function tools(root) {
  const bin = (name) => join(root, "node_modules/.bin", name);
  return {
    buf: bin("buf"),
    tsc: join(root, "node_modules/typescript/bin/tsc"),
    env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` },
  };
}

/**
 * buf.gen.yaml plugin entries (v2), `strategy: all` as in
 * /work/shared/design/PERFORMANCE.md: one plugin process for the whole input.
 * protoc-gen-es and grpckit with the options of the README; ts-proto with the
 * options its README gives for grpc-js, plus importSuffix=.js for Node ESM.
 */
export function plugins(root) {
  const es = { local: "protoc-gen-es", opt: ["target=ts", "import_extension=js"], strategy: "all" };
  const grpckit = {
    // packages/protoc-gen-grpckit/bin/protoc-gen-grpckit.js runs the bundle dist/protoc-gen-grpckit.js; this is the bench's copy of it.
    local: ["node", pluginPath(root)],
    opt: ["target=ts", "import_extension=js"],
    strategy: "all",
  };
  const tsProto = {
    local: "protoc-gen-ts_proto",
    opt: ["outputServices=grpc-js", "esModuleInterop=true", "importSuffix=.js"],
    strategy: "all",
  };
  return { es, grpckit, tsProto };
}

/** A buf.gen.yaml (v2) as the JSON string `buf generate --template` takes, all plugins writing to `out`. */
export function template(entries, out = "gen") {
  return JSON.stringify({ version: "v2", plugins: entries.map((p) => ({ ...p, out })) });
}

const googleRoot = (root) => join(root, "node_modules/google-proto-files");

/**
 * The Google API corpus of npm google-proto-files: the "subset" every bench
 * run uses (three whole products: 535 files, 144k lines, 143 services, about
 * a quarter of the files of google/cloud), "cloud" (all of google/cloud but
 * compute: 2,318 files, 838k lines, 801 services; BENCH_GOOGLE=cloud), and
 * compute.proto alone (one file of 96k lines, 125 services, 993 methods).
 */
export const googleProducts = ["aiplatform", "bigquery", "retail"];

export function googleCorpus(root, which) {
  const base = googleRoot(root);
  const paths =
    which === "cloud"
      ? ["--path", join(base, "google/cloud"), "--exclude-path", join(base, "google/cloud/compute")]
      : which === "compute"
        ? ["--path", join(base, "google/cloud/compute/v1/compute.proto")]
        : googleProducts.flatMap((p) => ["--path", join(base, "google/cloud", p)]);
  const names = {
    subset: `google/cloud/{${googleProducts.join(",")}} (535 files)`,
    cloud: "google/cloud minus compute (2,318 files)",
    compute: "google/cloud/compute/v1/compute.proto (1 file, 96k lines)",
  };
  return { name: names[which], input: base, paths };
}

/** The repository's own proto/ module (ecommerce reference services and grpckit options). */
export function repoCorpus(root) {
  return { name: "proto/ (this repo)", input: join(root, "proto"), paths: [] };
}

/** A synthetic corpus in a new temporary directory; see synthetic-corpus.mjs. */
export function syntheticCorpus(files) {
  const dir = mkdtempSync(join(tmpdir(), "grpckit-bench-synth-"));
  writeSyntheticCorpus(join(dir, "proto"), files, 20);
  return { name: `synthetic ${files} files`, input: join(dir, "proto"), paths: [], dir };
}

/** One file with one service of `rpcs` methods, in a new temporary directory; see synthetic-corpus.mjs. */
export function bigServiceCorpus(rpcs) {
  const dir = mkdtempSync(join(tmpdir(), "grpckit-bench-big-"));
  writeBigServiceCorpus(join(dir, "proto"), rpcs);
  return { name: `one file, ${rpcs.toLocaleString("en-US")} RPCs`, input: join(dir, "proto"), paths: [], dir };
}

/**
 * Google's whole API tree in npm google-proto-files (7,211 files, 13,372
 * RPCs): everything but google/protobuf's own protos (the well-known types
 * come from buf, and its test protos are not APIs).
 */
export function googleTreeCorpus(root) {
  const base = googleRoot(root);
  return {
    name: "google-proto-files (whole tree)",
    input: base,
    paths: ["--exclude-path", join(base, "google/protobuf")],
  };
}
