// A chunk of Google's tree with many services (dialogflow, shopping,
// discoveryengine and their imports: 1,151 RPCs), generated with
// protoc-gen-es alone and with protoc-gen-es + grpckit (dist/), type-checked
// with the typecheck suite's options: tsc's types and symbols
// (--extendedDiagnostics), then CPU and peak RSS over interleaved rounds.
// Finding 11 of bench/README.md measured with it; a quicker loop than the
// whole tree for trying what the plugin emits. Needs `npm run build`.
//
//   node bench/typecheck-chunk.mjs [rounds=5] [more output dirs to compare...]
//
// Extra dirs are outputs edited by hand (copies of bench/.build/typecheck-chunk/grpckit
// with their own tsconfig.json), measured beside the two generated ones.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { plugins, template, tools } from "./lib/corpora.mjs";
import { median, runCommand } from "./lib/measure.mjs";
import { compilerOptions } from "./suites/typecheck.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "bench/.build/typecheck-chunk");
const products = ["google/cloud/dialogflow", "google/shopping", "google/cloud/discoveryengine"];
const [roundsArg = "5", ...extra] = process.argv.slice(2);

const { buf, tsc, env } = tools(root);
const { es, grpckit } = plugins(root);
rmSync(join(build, "es"), { recursive: true, force: true });
rmSync(join(build, "grpckit"), { recursive: true, force: true });
rmSync(join(build, "dist"), { recursive: true, force: true });
cpSync(join(root, "dist"), join(build, "dist"), { recursive: true });
const runtime = join(build, "dist/runtime");
const google = join(root, "node_modules/google-proto-files");
const auth = {
  ...grpckit,
  local: ["node", join(build, "dist/protoc-gen-grpckit.js")],
  opt: [...grpckit.opt, "auth_warnings=false"],
};
for (const [name, entries] of [
  ["es", [es]],
  ["grpckit", [es, auth]],
]) {
  const out = join(build, name);
  const paths = products.flatMap((p) => ["--path", join(google, p)]);
  execFileSync(
    buf,
    ["generate", google, ...paths, "--include-imports", "--template", template(entries, "."), "-o", out],
    {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const tsPaths = { grpckit: [join(runtime, "index.d.ts")], "grpckit/codegen": [join(runtime, "codegen.d.ts")] };
  const config = { compilerOptions: { ...compilerOptions, paths: tsPaths }, include: ["**/*.ts"] };
  writeFileSync(join(out, "tsconfig.json"), JSON.stringify(config, null, 2));
}

const dirs = [join(build, "es"), join(build, "grpckit"), ...extra.map((d) => resolve(d))];
const rows = new Map();
for (const dir of dirs) {
  let text;
  try {
    text = execFileSync(process.execPath, [tsc, "-p", dir, "--extendedDiagnostics"], {
      env,
      maxBuffer: 64 << 20,
    }).toString();
  } catch (error) {
    text = String(error.stdout);
  }
  const count = (label) => Number(text.match(new RegExp(`^${label}:\\s+(\\d+)`, "m"))?.[1]);
  rows.set(dir, {
    types: count("Types"),
    symbols: count("Symbols"),
    errors: (text.match(/error TS\d+/g) ?? []).length,
    cpu: [],
    rss: [],
  });
}
const rounds = Number(roundsArg);
for (let round = 0; round < rounds; round++) {
  // The order rotates, so that a slow spell of a shared machine hits every output alike.
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[(i + round) % dirs.length];
    const { cpuMs, peakTreeRss } = await runCommand([process.execPath, tsc, "-p", dir], {
      cwd: root,
      env,
      allowFailure: true,
    });
    rows.get(dir).cpu.push(cpuMs);
    rows.get(dir).rss.push(peakTreeRss);
  }
  console.error(`round ${round + 1}/${rounds}, load ${loadavg()[0].toFixed(1)}`);
}
const base = median(rows.get(dirs[0]).cpu);
for (const [dir, row] of rows) {
  const cpu = median(row.cpu);
  console.log(
    `${basename(dir)}: ${row.types} types, ${row.symbols} symbols, ${row.errors} errors; CPU median ${(cpu / 1000).toFixed(2)} s` +
      ` (${(cpu / base).toFixed(2)}x, min ${(Math.min(...row.cpu) / 1000).toFixed(2)} s), peak RSS ${Math.round(median(row.rss) / 2 ** 20)} MB`,
  );
}
