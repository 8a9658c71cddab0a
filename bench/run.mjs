// npm run bench [-- suite ...]: runs the benchmark suites side by side with the
// peers and writes bench/results/<suite>.json. See bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSyntheticCorpus } from "./synthetic-corpus.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const bin = (name) => join(root, "node_modules/.bin", name);
const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall time of a command in ms: median of `runs` after one warm-up. */
function time(args, cwd, runs) {
  execFileSync(args[0], args.slice(1), { cwd, env, stdio: "ignore" });
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(args[0], args.slice(1), { cwd, env, stdio: "ignore" });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

function template(plugins) {
  return JSON.stringify({ version: "v2", plugins });
}
const es = { local: "protoc-gen-es", out: "out", opt: ["target=ts", "import_extension=js"] };
const grpckit = {
  local: ["node", join(root, "bin/protoc-gen-grpckit.js")],
  out: "out",
  opt: ["target=ts", "import_extension=js"],
};

const suites = {
  generate() {
    const rows = [];
    for (const files of [10, 100, 1000]) {
      const runs = files >= 1000 ? 3 : 5;
      const dir = mkdtempSync(join(tmpdir(), "grpckit-bench-"));
      writeSyntheticCorpus(join(dir, "proto"), files, 20);
      const input = join(dir, "proto");
      const gen = (plugins) => [bin("buf"), "generate", input, "--template", template(plugins), "-o", join(dir, "gen")];
      process.stderr.write(`generate: synthetic ${files} files ...\n`);
      const build = time([bin("buf"), "build", input, "-o", "/dev/null"], dir, runs);
      const esAlone = time(gen([{ ...es, strategy: "all" }]), dir, runs);
      const alone = time(gen([{ ...grpckit, strategy: "all" }]), dir, runs);
      const both = time(
        gen([
          { ...es, strategy: "all" },
          { ...grpckit, strategy: "all" },
        ]),
        dir,
        runs,
      );
      const name = `synthetic ${files} files x 20 messages`;
      rows.push(
        { name: `${name}: buf build`, value: build, unit: "ms", better: "lower" },
        { name: `${name}: protoc-gen-es`, value: esAlone, unit: "ms", better: "lower" },
        {
          name: `${name}: grpckit`,
          value: alone,
          unit: "ms",
          better: "lower",
          baseline: `${name}: protoc-gen-es`,
          ratio: alone / esAlone,
        },
        {
          name: `${name}: protoc-gen-es + grpckit`,
          value: both,
          unit: "ms",
          better: "lower",
          baseline: `${name}: protoc-gen-es`,
          ratio: both / esAlone,
        },
      );
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(suites);
mkdirSync(join(root, "bench/results"), { recursive: true });
for (const suite of wanted) {
  const run = suites[suite];
  if (run === undefined) {
    console.error(`unknown suite "${suite}"; suites: ${Object.keys(suites).join(", ")}`);
    process.exit(2);
  }
  const rows = run();
  const result = { suite, date: new Date().toISOString(), node: process.version, cpus: cpus().length, rows };
  writeFileSync(join(root, `bench/results/${suite}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${suite}`);
  console.table(
    rows.map((r) => ({ name: r.name, value: `${r.value.toFixed(1)} ${r.unit}`, ratio: r.ratio?.toFixed(2) ?? "" })),
  );
}
