// The RPC suites run each server and each client in a process of its own; the
// suite (the parent) drives them with requests over Node's IPC channel.
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startAllocationSampling } from "../lib/heap-profile.mjs";

/**
 * Starts `script` with Node (--expose-gc, so that memory can be read after a
 * full collection) and resolves, once it has sent its first message, with
 * { pid, hello, request(op, args), stop() }.
 *
 * With BENCH_PROFILE=<dir>, each process writes a V8 CPU profile there when
 * stopped, named after `label` (e.g. server-grpckit.cpuprofile); read it with
 * `node bench/lib/profile-summary.mjs <file>`.
 *
 * With BENCH_ALLOC=<dir>, each process samples what it allocates (V8's
 * sampling heap profiler, objects already collected included) and writes
 * <label>.heapprofile there when stopped; read it with
 * `node bench/lib/alloc-summary.mjs <file>`. Allocation, unlike time, does
 * not move with the machine's load.
 */
export function startProcess(script, args = [], label = "process") {
  const profile = process.env.BENCH_PROFILE;
  const execArgv = ["--expose-gc"];
  if (profile) execArgv.push("--cpu-prof", `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${label}.cpuprofile`);
  const alloc = process.env.BENCH_ALLOC;
  const env = alloc ? { ...process.env, BENCH_ALLOC_FILE: join(alloc, `${label}.heapprofile`) } : process.env;
  const child = fork(script, args, { execArgv, env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let nextId = 0;
  const pending = new Map();
  let failure;
  return new Promise((resolve, reject) => {
    const fail = (error) => {
      failure = error;
      for (const { reject: r } of pending.values()) r(error);
      pending.clear();
      reject(error);
    };
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      if (!stopped) fail(new Error(`${script} ${args.join(" ")} exited (${code ?? signal})`));
    });
    let stopped = false;
    child.on("message", (message) => {
      if (message.id === undefined) {
        resolve({
          pid: child.pid,
          hello: message,
          request(op, params = {}) {
            if (failure) return Promise.reject(failure);
            const id = nextId++;
            return new Promise((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              child.send({ id, op, params });
            });
          },
          /** Asks the process to exit (so that a CPU profile gets written); kills it after 5 s. */
          stop() {
            stopped = true;
            return new Promise((res) => {
              if (child.exitCode !== null || child.signalCode !== null) return res();
              const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
              child.once("exit", () => {
                clearTimeout(timer);
                res();
              });
              child.send({ op: "exit" }, (error) => error && child.kill("SIGKILL"));
            });
          },
        });
        return;
      }
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) entry?.reject(new Error(message.error));
      else entry?.resolve(message.result);
    });
  });
}

/** In a child: answers the parent's requests with `handlers[op](params)`, after sending `hello`. */
export function answerRequests(handlers, hello) {
  const stopSampling = sampleAllocations(process.env.BENCH_ALLOC_FILE);
  process.on("message", async ({ id, op, params }) => {
    if (op === "exit") stopSampling(() => process.exit(0));
    try {
      const handler = handlers[op];
      if (handler === undefined) throw new Error(`unknown op "${op}"`);
      process.send({ id, result: await handler(params) });
    } catch (error) {
      process.send({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  // The parent kills its children when done; should it die first, so do they.
  process.on("disconnect", () => process.exit(0));
  process.send(hello);
}

/**
 * With a file, samples this process's allocations from now on (every 1 KB on
 * average, objects collected since included); returns what writes the
 * profile there and then calls `done`.
 */
function sampleAllocations(file) {
  if (!file) return (done) => done();
  const stop = startAllocationSampling(1024);
  return (done) =>
    stop().then(
      (profile) => {
        writeFileSync(file, JSON.stringify(profile));
        done();
      },
      () => done(),
    );
}

/** CPU time (user + system) this process has used, in µs. */
export function cpu() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Memory of this process, after two full collections if `gc`. */
export function memory({ gc = false } = {}) {
  if (gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}
