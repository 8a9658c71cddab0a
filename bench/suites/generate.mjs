// generate: `buf generate` wall time and peak memory, grpckit beside its peers.
// See bench/README.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bigServiceCorpus,
  googleCorpus,
  plugins,
  repoCorpus,
  syntheticCorpus,
  template,
  tools,
} from "../lib/corpora.mjs";
import { measureSideBySide } from "../lib/measure.mjs";

const MB = 1024 * 1024;

/** What is recorded of each command: wall time, CPU time of buf and the plugins, peak memory. */
const metrics = [
  { suffix: "", unit: "ms", get: (r) => r.ms, added: "time" },
  { suffix: ", CPU time", unit: "ms", get: (r) => r.cpuMs, added: "CPU time" },
  { suffix: ", peak RSS", unit: "MB", get: (r) => r.peakTreeRss / MB },
];

export async function run({ root, rows, progress, quick }) {
  const { buf, env } = tools(root);
  const { es, grpckit, tsProto } = plugins(root);
  const googleWhich = process.env.BENCH_GOOGLE ?? "subset";

  const all = ["buf build", "grpckit", "protoc-gen-es", "protoc-gen-es + grpckit", "ts-proto"];
  // ts-proto grows faster than linearly on the synthetic corpus (100 files: ~20 s
  // and 2.3 GB), so it would take most of an hour and most of the memory at
  // 1,000; on google/cloud it takes ~140 s and 12.8 GB (PERFORMANCE.md).
  const noTsProto = all.filter((c) => c !== "ts-proto");
  // protoc-gen-es takes minutes on compute.proto (PERFORMANCE.md): grpckit alone there.
  const grpckitOnly = ["buf build", "grpckit"];
  const cloud = googleWhich === "cloud";
  // [corpus, warm-up rounds, timed rounds, commands]. BENCH_GOOGLE=cloud: the
  // whole of google/cloud (minus compute) once, and nothing else; ~10 minutes.
  const plan = cloud
    ? [
        [googleCorpus(root, "cloud"), 0, 1, noTsProto],
        [googleCorpus(root, "compute"), 0, 1, grpckitOnly],
      ]
    : quick
      ? [
          [repoCorpus(root), 1, 3, all],
          [syntheticCorpus(10), 1, 3, all],
          [syntheticCorpus(100), 1, 3, noTsProto],
          [bigServiceCorpus(2_000), 0, 1, grpckitOnly],
        ]
      : [
          [repoCorpus(root), 1, 5, all],
          [syntheticCorpus(10), 1, 5, all],
          [syntheticCorpus(100), 1, 3, all],
          [syntheticCorpus(1000), 0, 3, noTsProto],
          [googleCorpus(root, "subset"), 1, 3, all],
          [googleCorpus(root, "compute"), 0, 2, grpckitOnly],
          // Linear in the size of one file too, and memory bounded by the request's size (issue 18).
          [bigServiceCorpus(10_000), 0, 2, grpckitOnly],
        ];

  const perFile = {};
  for (const [corpus, warmups, runs, wanted] of plan) {
    const work = mkdtempSync(join(tmpdir(), "grpckit-bench-gen-"));
    const generate = (name, entries) => {
      const out = join(work, name.replace(/\W+/g, "-"));
      return {
        name,
        args: [buf, "generate", corpus.input, ...corpus.paths, "--template", template(entries), "-o", out],
        before: () => rmSync(out, { recursive: true, force: true }),
      };
    };
    const commands = [
      { name: "buf build", args: [buf, "build", corpus.input, ...corpus.paths, "-o", "/dev/null"] },
      generate("grpckit", [grpckit]),
      generate("protoc-gen-es", [es]),
      generate("protoc-gen-es + grpckit", [es, grpckit]),
      generate("ts-proto", [tsProto]),
    ].filter((c) => wanted.includes(c.name));
    const results = await measureSideBySide(commands, {
      runs,
      warmups,
      cwd: work,
      env,
      onProgress: (text) => progress(`${corpus.name}: ${text}`),
    });
    // The request's size: buf's image of the input, which is what a plugin receives.
    const image = join(work, "image.binpb");
    execFileSync(buf, ["build", corpus.input, ...corpus.paths, "-o", image], { env, stdio: "ignore" });
    const requestMb = statSync(image).size / MB;
    rmSync(work, { recursive: true, force: true });
    if (corpus.dir !== undefined) rmSync(corpus.dir, { recursive: true, force: true });

    const name = (command) => `${corpus.name}: ${command}`;
    const es0 = "protoc-gen-es";
    const both = "protoc-gen-es + grpckit";
    const ok = commands.map((c) => c.name).filter((command) => results.get(command).error === undefined);
    for (const command of commands.map((c) => c.name)) {
      const { error } = results.get(command);
      if (error !== undefined) rows.fail(name(command), error.slice(error.indexOf("\n") + 1));
    }
    const withEs = ok.includes(es0) && ok.includes(both);
    for (const metric of metrics) {
      const get = (command) => metric.get(results.get(command));
      const baseline = ok.includes(es0) ? name(`${es0}${metric.suffix}`) : undefined;
      for (const command of ok) {
        rows.add({
          name: name(`${command}${metric.suffix}`),
          value: get(command),
          unit: metric.unit,
          better: "lower",
          ...(command !== es0 && baseline ? { baseline } : {}),
        });
      }
      if (withEs && metric.added) {
        // What adding grpckit to a protoc-gen-es setup costs: the goal is <= 0.5 of protoc-gen-es.
        rows.add({
          name: name(`grpckit's added ${metric.added} (${both} - ${es0})`),
          value: get(both) - get(es0),
          unit: metric.unit,
          better: "lower",
          baseline,
        });
      }
    }
    if (ok.includes("grpckit") && corpus.name.startsWith("one file,")) {
      // buf's and grpckit's processes together, per MB of the request grpckit decodes.
      rows.add({ name: name("request size"), value: requestMb, unit: "MB", better: "lower" });
      rows.add({
        name: name("grpckit, peak RSS per MB of request"),
        value: results.get("grpckit").peakTreeRss / MB / requestMb,
        unit: "MB/MB",
        better: "lower",
      });
    }
    const cpu = (command) => results.get(command).cpuMs;
    const files = corpus.name.match(/^synthetic (\d+) files/)?.[1];
    if (files !== undefined && withEs && ok.includes("grpckit"))
      perFile[files] = { grpckit: cpu("grpckit"), added: cpu(both) - cpu(es0) };
  }

  if (cloud) return { results: "generate-google-cloud" };

  // Linear in files: the CPU time of each further file, 10 -> 100 and 100 -> 1,000
  // (start-up cancels out); a ratio near 1 is linear.
  if (perFile[10] && perFile[100] && perFile[1000]) {
    for (const key of ["grpckit", "added"]) {
      const label = key === "grpckit" ? "grpckit alone" : "grpckit's added CPU time";
      const small = `synthetic: ${label}, CPU ms per further file, 10 -> 100 files`;
      rows.add({ name: small, value: (perFile[100][key] - perFile[10][key]) / 90, unit: "ms", better: "lower" });
      rows.add({
        name: `synthetic: ${label}, CPU ms per further file, 100 -> 1,000 files`,
        value: (perFile[1000][key] - perFile[100][key]) / 900,
        unit: "ms",
        better: "lower",
        baseline: small,
      });
    }
  }
}
