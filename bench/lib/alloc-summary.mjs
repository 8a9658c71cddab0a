// node bench/lib/alloc-summary.mjs <file.heapprofile> [top] [url-filter] [--per <n>]:
// where a process's allocations went, from a sampling heap profile written
// with BENCH_ALLOC=<dir> (bench/rpc/ipc.mjs): bytes allocated by each
// function itself, largest first; with a filter, only functions whose file's
// URL contains it (e.g. dist/runtime); with --per, bytes divided by n (e.g.
// the calls or messages of the run, for bytes per call). Two processes that
// did the same work (the stream suite's workloads have fixed sizes) compare
// directly. Used to write the findings in bench/README.md; not part of any suite.
import { readFileSync } from "node:fs";
import { allocationsBySite } from "./heap-profile.mjs";

const args = process.argv.slice(2);
const perAt = args.indexOf("--per");
const per = perAt === -1 ? 1 : Number(args.splice(perAt, 2)[1]);
const [file, topArg, filter] = args;
if (file === undefined || !(per > 0)) {
  console.error("usage: node bench/lib/alloc-summary.mjs <file.heapprofile> [top] [url-filter] [--per <n>]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const { total, sites: self } = allocationsBySite(JSON.parse(readFileSync(file, "utf8")));

const unit = per === 1 ? "bytes" : `bytes per unit (1/${per})`;
const format = (bytes) => (bytes / per).toFixed(per === 1 ? 0 : 1);
console.log(`${file}: ${format(total)} ${unit} allocated in all (sampled)`);
const shown = [...self].filter(([, e]) => filter === undefined || (e.url ?? "").includes(filter));
for (const [name, { bytes }] of shown.sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`${format(bytes).padStart(10)}  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`);
}
