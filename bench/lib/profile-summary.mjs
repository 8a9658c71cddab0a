// node bench/lib/profile-summary.mjs <file.cpuprofile> [top] [url-filter]:
// the functions a V8 CPU profile (node --cpu-prof) spends most time in, by
// self time and by total (inclusive) time, in % of the busy (not idle)
// samples; with a filter, only functions whose file's URL contains it (e.g.
// dist/runtime). Used to write the findings in bench/README.md; not part of any suite.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const [file, topArg, filter] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfCount = new Map();
for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
const total = profile.samples.filter((id) => !idleIds.has(id)).length;

const label = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, count] of selfCount) {
  if (idleIds.has(id)) continue;
  const n = nodes.get(id);
  self.set(label(n), (self.get(label(n)) ?? 0) + count);
  // Count each function once per sample, however deep its recursion.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(nodes.get(cur));
    if (!seen.has(l)) {
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + count);
    }
  }
}
const ms = (profile.endTime - profile.startTime) / 1000;
const busyMs = (ms * total) / profile.samples.length;
console.log(
  `${file}: ${profile.samples.length} samples over ${ms.toFixed(0)} ms, ${busyMs.toFixed(0)} ms busy; % of busy time`,
);
const urlOf = new Map(profile.nodes.map((n) => [label(n), n.callFrame.url]));
for (const [title, map] of [
  ["self", self],
  ["total", inclusive],
]) {
  console.log(`\nby ${title} time`);
  const shown = [...map].filter(([name]) => filter === undefined || (urlOf.get(name) ?? "").includes(filter));
  for (const [name, count] of shown.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}
