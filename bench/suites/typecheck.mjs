// typecheck: `tsc --noEmit` over generated code: protoc-gen-es + grpckit,
// protoc-gen-es alone, ts-proto. See bench/README.md.
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { googleCorpus, googleTreeCorpus, plugins, template, tools } from "../lib/corpora.mjs";
import { measureSideBySide } from "../lib/measure.mjs";
import { runtimeDir } from "../lib/snapshot.mjs";

const MB = 1024 * 1024;

/*
 * The compiler options generated code must pass in this repository
 * (tsconfig.json), with TypeScript's own declarations skipped as there.
 */
export const compilerOptions = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: true,
  noEmit: true,
};

function countLines(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (!String(entry).endsWith(".ts")) continue;
    files++;
    bytes += statSync(join(dir, entry)).size;
  }
  return { files, bytes };
}

export async function run({ root, rows, progress, quick }) {
  const { es, grpckit, tsProto } = plugins(root);
  // The generated code has to sit inside the repository: its imports of
  // "@bufbuild/protobuf" and "@grpc/grpc-js" resolve through node_modules.
  const build = join(root, "bench/.build/typecheck");
  // One product of the Google corpus: ts-proto's code takes tsc ~5x longer than
  // protoc-gen-es's, ~35 s a run for this one; the whole subset would take half an hour.
  const google = googleCorpus(root, "subset");
  const retail = {
    ...google,
    name: "google/cloud/retail",
    paths: ["--path", join(google.input, "google/cloud/retail")],
  };
  const esAndGrpckit = { name: "protoc-gen-es + grpckit", entries: [es, grpckit], flags: ["--include-imports"] };
  const esAlone = { name: "protoc-gen-es", entries: [es], flags: ["--include-imports"] };
  const setups = [
    // Imported files too: a product's code does not compile without them.
    esAndGrpckit,
    esAlone,
    // protoc-gen-es's code plus one file that imports grpckit's types: what the
    // runtime's declarations (and @grpc/grpc-js's, which they import) cost by
    // themselves, once per program, whatever the number of generated files.
    {
      name: "protoc-gen-es + grpckit's runtime types",
      entries: [es],
      flags: ["--include-imports"],
      extra: { "grpckit-types.ts": 'export type { ServiceSpec } from "grpckit/codegen";\n' },
    },
    // ts-proto writes the well-known types as modules of their own.
    { name: "ts-proto", entries: [tsProto], flags: ["--include-imports", "--include-wkt"] },
  ];
  // BENCH_TYPECHECK=tree: only Google's whole tree below, without the retail rows.
  if (process.env.BENCH_TYPECHECK !== "tree") {
    await checkCorpus({ root, rows, progress, build }, retail, setups, { runs: quick ? 1 : 5, warmups: quick ? 0 : 1 });
  }
  // Google's whole tree (issue 18): the type errors in it (the goal: none) and
  // the cost of type-checking grpckit's code beside protoc-gen-es's (the goal:
  // <= 1.2x). Three interleaved runs each, medians (one run of the same output
  // moved by up to 20% from run to run on these VMs), ~12 minutes;
  // BENCH_GOOGLE_TREE=0 leaves it out.
  if (!quick && process.env.BENCH_GOOGLE_TREE !== "0") {
    const tree = googleTreeCorpus(root);
    const auth = { ...grpckit, opt: [...grpckit.opt, "auth_warnings=false"] };
    const treeSetups = [{ ...esAndGrpckit, entries: [es, auth] }, esAlone];
    await checkCorpus({ root, rows, progress, build }, tree, treeSetups, { runs: 3, warmups: 0 });
  }
}

/** Generates `corpus` with each setup, counts tsc's errors in the output, and times `tsc --noEmit` side by side. */
async function checkCorpus({ root, rows, progress, build }, corpus, setups, { runs, warmups }) {
  const { buf, tsc, env } = tools(root);
  rmSync(build, { recursive: true, force: true });
  const label = (setup, what = "") => `${corpus.name}: tsc --noEmit, ${setup.name}${what}`;
  const commands = [];
  for (const setup of setups) {
    const dir = join(build, setup.name.replace(/\W+/g, "-"));
    progress(`${corpus.name}: generating with ${setup.name}`);
    try {
      execFileSync(
        buf,
        [
          "generate",
          corpus.input,
          ...corpus.paths,
          ...setup.flags,
          "--template",
          template(setup.entries, "."),
          "-o",
          dir,
        ],
        { env, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * MB },
      );
    } catch (error) {
      // The plugin failed: nothing to check. Its error, without the warnings.
      const lines = String(error.stderr ?? error).split("\n");
      rows.fail(label(setup), lines.filter((l) => l.trim() !== "" && !/warning/i.test(l)).join("\n"));
      continue;
    }
    for (const [file, text] of Object.entries(setup.extra ?? {})) writeFileSync(join(dir, file), text);
    // "grpckit" and "grpckit/codegen" (what generated code imports): the bench's copy of dist/runtime (lib/snapshot.mjs).
    const paths = {
      grpckit: [join(runtimeDir(root), "index.d.ts")],
      "grpckit/codegen": [join(runtimeDir(root), "codegen.d.ts")],
    };
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { ...compilerOptions, paths }, include: ["**/*.ts"] }, null, 2),
    );
    // One checked run first: how many errors does the compiler report?
    let errors = 0;
    try {
      execFileSync(process.execPath, [tsc, "-p", dir], { env, stdio: "pipe", maxBuffer: 256 * MB });
    } catch (error) {
      errors = (String(error.stdout).match(/error TS\d+/g) ?? []).length;
    }
    setup.size = countLines(dir);
    setup.errors = errors;
    commands.push({ name: setup.name, args: [process.execPath, tsc, "-p", dir], allowFailure: true });
  }

  const results = await measureSideBySide(commands, {
    runs,
    warmups,
    cwd: root,
    env,
    onProgress: (text) => progress(`${corpus.name}: tsc ${text}`),
  });
  rmSync(build, { recursive: true, force: true });

  const measured = setups.filter((setup) => results.has(setup.name));
  const base = measured.find((s) => s.name === "protoc-gen-es");
  for (const [what, value, unit] of [
    ["", (setup) => results.get(setup.name).ms, "ms"],
    [", CPU time", (setup) => results.get(setup.name).cpuMs, "ms"],
    [", peak RSS", (setup) => results.get(setup.name).peakTreeRss / MB, "MB"],
  ]) {
    for (const setup of measured) {
      rows.add({
        name: label(setup, what),
        value: value(setup),
        unit,
        better: "lower",
        ...(setup === base || base === undefined ? {} : { baseline: label(base, what) }),
      });
    }
  }
  // What was checked, for reading the ratios: the amount of code and the errors tsc reported in it.
  for (const setup of measured) {
    rows.add({ name: label(setup, ", generated .ts files"), value: setup.size.files, unit: "files", better: "lower" });
    rows.add({ name: label(setup, ", generated code"), value: setup.size.bytes / MB, unit: "MB", better: "lower" });
    rows.add({ name: label(setup, ", type errors"), value: setup.errors, unit: "errors", better: "lower" });
  }
}
