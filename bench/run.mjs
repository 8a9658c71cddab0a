// npm run bench [-- suite ...]: runs the benchmark suites side by side with the
// peers, prints a table per suite and writes bench/results/<suite>.json.
// BENCH_QUICK=1 runs every suite at small sizes (for working on the suites:
// the numbers mean little). See bench/README.md.
import { fileURLToPath } from "node:url";
import { printTable, progressLine, Rows, writeResults } from "./lib/results.mjs";
import { takeSnapshot } from "./lib/snapshot.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));

/**
 * Each suite is a module of bench/suites/ exporting `run({ root, rows, progress, quick })`;
 * it may resolve with { results: name } to write bench/results/<name>.json instead.
 */
const suites = [
  "generate",
  "typecheck",
  "unary",
  "stream",
  "memory",
  "validate",
  "cel",
  "mask",
  "pool",
  "scaffold",
  "hostile",
  "http",
];

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : suites;
for (const suite of wanted) {
  if (!suites.includes(suite)) {
    console.error(`unknown suite "${suite}"; suites: ${suites.join(", ")}`);
    process.exit(2);
  }
}
const quick = process.env.BENCH_QUICK === "1";
// What the suites measure: a copy of dist/ as it is now (see lib/snapshot.mjs).
takeSnapshot(root);
for (const suite of wanted) {
  const { run } = await import(`./suites/${suite}.mjs`);
  const rows = new Rows();
  const progress = progressLine(suite);
  const started = Date.now();
  const { results = suite } = (await run({ root, rows, progress: progress.update, quick })) ?? {};
  progress.done();
  const result = writeResults(root, results, rows);
  printTable(result);
  console.log(`(${suite}: ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ", BENCH_QUICK" : ""})`);
}
