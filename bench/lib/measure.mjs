// Timing and memory of child processes: wall time from spawn to exit, and the
// peak resident memory of the whole process tree (buf and the plugins it
// starts), read from /proc while the command runs.
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Resident memory of one process in bytes: { rss, hwm } from /proc/<pid>/status, or undefined once it exited. */
export function processMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (key) => {
    const m = status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** The pid and every descendant of it, found through /proc/<pid>/task/<tid>/children. */
function processTree(pid) {
  const pids = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop();
    pids.push(p);
    let tasks;
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      let children = "";
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8");
      } catch {}
      for (const c of children.split(" ")) if (c !== "") stack.push(Number(c));
    }
  }
  return pids;
}

/**
 * Samples the resident memory of a process tree every `intervalMs`.
 * `stop()` returns { peakTreeRss, peakProcessRss }: the largest sum over the
 * tree seen at one sample, and the largest single process's high-water mark
 * (VmHWM, exact even between samples, as last read before it exited).
 */
export function sampleTreeMemory(pid, intervalMs = 50) {
  let peakTreeRss = 0;
  const hwm = new Map();
  const sample = () => {
    let sum = 0;
    for (const p of processTree(pid)) {
      const m = processMemory(p);
      if (m === undefined) continue;
      sum += m.rss;
      hwm.set(p, Math.max(hwm.get(p) ?? 0, m.hwm));
    }
    peakTreeRss = Math.max(peakTreeRss, sum);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakTreeRss, peakProcessRss: Math.max(0, ...hwm.values()) };
    },
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
  } catch {
    return 100;
  }
})();

/*
 * Runs the command under sh, which then prints its own /proc/<pid>/stat:
 * cutime and cstime there hold the CPU time of every descendant it waited
 * for, and each process of the tree waits for its own (buf for its plugins),
 * so they add up the CPU time of the whole tree. Node has no
 * getrusage(RUSAGE_CHILDREN).
 */
const CPU_MARK = "__grpckit_bench_cpu__";
const WRAPPER = `"$@"; rc=$?; echo "${CPU_MARK} $(cat /proc/$$/stat)" >&2; exit $rc`;

function cpuMs(stderr) {
  const line = stderr.split("\n").find((l) => l.startsWith(CPU_MARK));
  if (line === undefined) return Number.NaN;
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  // fields[0] is stat's 3rd field (state); cutime and cstime are its 16th and 17th.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
}

/**
 * Runs a command to completion; resolves with { ms, cpuMs, peakTreeRss,
 * peakProcessRss, code }: wall time, CPU time (user + system) of the whole
 * process tree, peak memory. Rejects, with the end of its stderr, if it
 * fails, unless `allowFailure`.
 */
export function runCommand(args, { cwd, env, allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn("sh", ["-c", WRAPPER, "sh", ...args], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    const memory = sampleTreeMemory(child.pid);
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.on("error", (error) => {
      memory.stop();
      reject(error);
    });
    child.on("close", (code, signal) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const peaks = memory.stop();
      if (code === 0 || (allowFailure && code !== null)) resolve({ ms, cpuMs: cpuMs(stderr), ...peaks, code });
      else {
        // The error's lines, without the CPU time line and without warnings (a plugin may print hundreds).
        const lines = stderr
          .split("\n")
          .filter((l) => l.trim() !== "" && !l.startsWith(CPU_MARK) && !/warning/i.test(l));
        reject(new Error(`${args.join(" ")} failed (${code ?? signal}):\n${lines.join("\n")}`));
      }
    });
  });
}

/**
 * Measures several commands side by side: `warmups` rounds that are not
 * recorded, then `runs` rounds, each running every command once, in an
 * order that rotates from round to round, so that a slow spell of a shared
 * machine hits all of them alike. Resolves with, per command name, the median
 * wall time, CPU time and peak memory, and the wall time samples; or, for a
 * command that failed, { error } (it is not run again).
 */
export async function measureSideBySide(commands, { runs, warmups = 1, cwd, env, onProgress = () => {} }) {
  const samples = new Map(commands.map((c) => [c.name, []]));
  const failed = new Map();
  const total = (warmups + runs) * commands.length;
  let done = 0;
  for (let round = 0; round < warmups + runs; round++) {
    for (let i = 0; i < commands.length; i++) {
      const command = commands[(i + round) % commands.length];
      done++;
      // A command that failed once is not run again; the suite reports it.
      if (failed.has(command.name)) continue;
      onProgress(
        `${command.name} (${round < warmups ? "warm-up" : `run ${round - warmups + 1}/${runs}`}) ${done}/${total}`,
      );
      command.before?.();
      try {
        const result = await runCommand(command.args, {
          cwd: command.cwd ?? cwd,
          env: command.env ?? env,
          allowFailure: command.allowFailure,
        });
        if (round >= warmups) samples.get(command.name).push(result);
      } catch (error) {
        failed.set(command.name, error instanceof Error ? error.message : String(error));
      }
    }
  }
  const out = new Map();
  for (const [name, results] of samples) {
    if (failed.has(name)) {
      out.set(name, { error: failed.get(name) });
      continue;
    }
    out.set(name, {
      ms: median(results.map((r) => r.ms)),
      cpuMs: median(results.map((r) => r.cpuMs)),
      peakTreeRss: median(results.map((r) => r.peakTreeRss)),
      peakProcessRss: median(results.map((r) => r.peakProcessRss)),
      samples: results.map((r) => r.ms),
    });
  }
  return out;
}
