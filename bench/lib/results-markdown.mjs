// node bench/lib/results-markdown.mjs <suite> [regexp]: the rows of
// bench/results/<suite>.json (those whose name matches the regexp) as a
// Markdown table, for bench/README.md.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatValue } from "./results.mjs";

const [suite, pattern] = process.argv.slice(2);
if (suite === undefined) {
  console.error("usage: node bench/lib/results-markdown.mjs <suite> [regexp]");
  process.exit(2);
}
const file = fileURLToPath(new URL(`../results/${suite}.json`, import.meta.url));
const result = JSON.parse(readFileSync(file, "utf8"));
const match = pattern === undefined ? () => true : (name) => new RegExp(pattern).test(name);
console.log(`${result.suite}, ${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus} cpus\n`);
console.log("| row | value | ratio |");
console.log("| --- | ---: | ---: |");
for (const row of result.rows.filter((r) => match(r.name))) {
  const ratio = row.ratio === undefined ? "" : row.ratio.toFixed(2);
  console.log(`| ${row.name.replaceAll("|", "\\|")} | ${formatValue(row.value, row.unit)} | ${ratio} |`);
}
