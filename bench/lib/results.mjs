// Result rows of a suite, the results file bench/results/<suite>.json, the
// printed table and the progress line.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

/**
 * The rows of one suite. A row may name a baseline row of the same suite;
 * its ratio (value / baseline's value) is filled in by `toJSON`, so rows can
 * be added in any order.
 */
export class Rows {
  #rows = [];
  /** What could not be measured: [{ name, error }], written beside the rows. */
  failures = [];

  /** Records that `name` could not be measured (a command failed), with the start of its error. */
  fail(name, error) {
    this.failures.push({ name, error: String(error).split("\n").slice(0, 4).join("\n").slice(0, 600) });
    return this;
  }

  /** { name, value, unit, better: "higher" | "lower", baseline?: name of another row } */
  add(row) {
    if (!Number.isFinite(row.value)) throw new Error(`row "${row.name}" has no value (${row.value})`);
    if (this.#rows.some((r) => r.name === row.name)) throw new Error(`row "${row.name}" twice`);
    this.#rows.push({ ...row });
    return this;
  }

  toJSON() {
    return this.#rows.map((row) => {
      if (row.baseline === undefined) return row;
      const base = this.#rows.find((r) => r.name === row.baseline);
      if (base === undefined) throw new Error(`row "${row.name}": no baseline row "${row.baseline}"`);
      return { ...row, ratio: row.value / base.value };
    });
  }
}

export function writeResults(root, suite, rows) {
  const result = {
    suite,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    rows: rows.toJSON(),
    ...(rows.failures.length > 0 ? { failures: rows.failures } : {}),
  };
  mkdirSync(join(root, "bench/results"), { recursive: true });
  writeFileSync(join(root, `bench/results/${suite}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

const units = {
  ms: (v) => `${format(v, v < 10 ? 2 : v < 100 ? 1 : 0)} ms`,
  us: (v) => `${format(v, v < 10 ? 2 : v < 100 ? 1 : 0)} µs`,
  MB: (v) => `${format(v, v < 100 ? 1 : 0)} MB`,
};

function format(value, digits) {
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatValue(value, unit) {
  return units[unit]?.(value) ?? `${format(value, Math.abs(value) < 100 ? 1 : 0)} ${unit}`;
}

/** Prints a suite's rows as an aligned table. */
export function printTable(result) {
  const header = ["", "value", "ratio", "baseline"];
  const lines = result.rows.map((r) => [
    r.name,
    formatValue(r.value, r.unit),
    r.ratio === undefined ? "" : r.ratio.toFixed(2),
    r.baseline ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) =>
    cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(`\n${result.suite} (${result.date.slice(0, 10)}, Node ${result.node}, ${result.cpus} cpus)`);
  console.log(row(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(row(l).trimEnd());
  for (const f of result.failures ?? []) console.log(`FAILED: ${f.name}: ${f.error}`);
}

/** A one-line progress report on stderr, rewritten in place on a terminal. */
export function progressLine(suite) {
  const tty = process.stderr.isTTY;
  let last = "";
  return {
    update(text) {
      const line = `[${suite}] ${text}`;
      if (tty) {
        const cols = process.stderr.columns || 120;
        process.stderr.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
      } else if (line !== last) {
        process.stderr.write(`${line}\n`);
      }
      last = line;
    },
    done() {
      if (tty) process.stderr.write("\r\x1b[K");
    },
  };
}
