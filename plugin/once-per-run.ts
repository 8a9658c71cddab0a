import { execFileSync } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

/*
 * buf starts one plugin process per directory of its input (its default
 * strategy), all children of the one buf process; protoc starts one per run.
 * So a warning printed "once per run" is printed by the first plugin process
 * of a buf run to claim a marker file: its name holds buf's process id and
 * start time (a later process that reuses the id starts at another time, so an
 * old marker never silences a new run), and it is created with O_EXCL, which
 * exactly one of several concurrent siblings wins. Any doubt (a parent that is
 * not buf, a platform where the parent cannot be identified, a marker folder
 * not owned by this user) prints: a warning shown twice is better than none.
 */

/** Markers older than this are removed when a new one is made: no buf run lasts a day. */
const staleAfterMs = 24 * 60 * 60 * 1000;

/**
 * Wraps `print` so that, when this process's parent is buf, only the first
 * plugin process of that buf run to call it prints; elsewhere every call prints.
 */
export function oncePerBufRun(print: (line: string) => void): (line: string) => void {
  return (line) => {
    if (claimRun(process.ppid)) print(line);
  };
}

/** Whether this process is the first of its buf run to claim the warning (true when not under buf). */
export function claimRun(ppid: number, dir = markerFolder()): boolean {
  const parent = describeProcess(ppid);
  if (parent === undefined || parent.name !== "buf") return true;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const folder = lstatSync(dir);
    // Another user's folder (a shared /tmp) could hold markers that silence us.
    if (!folder.isDirectory() || (process.getuid !== undefined && folder.uid !== process.getuid())) return true;
    removeStale(dir);
    closeSync(openSync(join(dir, `buf-${ppid}-${parent.start}`), "wx"));
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "EEXIST";
  }
}

function markerFolder(): string {
  return join(tmpdir(), `protoc-gen-grpckit-${process.getuid?.() ?? "user"}`);
}

function removeStale(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (now - lstatSync(path).mtimeMs > staleAfterMs) rmSync(path, { force: true });
    } catch {
      // A sibling removed it first.
    }
  }
}

/** A process's command name and start time (opaque, only compared), or undefined where they cannot be read. */
export function describeProcess(pid: number): { name: string; start: string } | undefined {
  if (process.platform === "linux") {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and
      // parentheses, so fields are counted after the last ")". starttime is field 22.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const start = stat
        .slice(close + 2)
        .split(" ")
        .at(22 - 3);
      return start === undefined ? undefined : { name, start };
    } catch {
      return undefined;
    }
  }
  if (process.platform === "win32") return undefined;
  try {
    // macOS and the BSDs: lstart is a fixed-width date (24 characters), then the command.
    const out = execFileSync("ps", ["-o", "lstart=,comm=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return { name: basename(out.slice(24).trim()), start: out.slice(0, 24).replace(/\W+/g, "-") };
  } catch {
    return undefined;
  }
}
