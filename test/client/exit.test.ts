import { spawn } from "node:child_process";
import { expect, onTestFinished, test } from "vitest";
import { bundle } from "./support/bundle.js";
import { fleetDescriptors } from "./support/fleet.js";
import { serveReplica } from "./support/in-process.js";
import { until } from "./support/load.js";
import { tcpProxy } from "./support/proxy.js";

test("a process that closes its pools exits by itself: calls in flight finish or are cancelled, no connection stays open", async () => {
  const replica = await serveReplica("r1");
  const proxy = await tcpProxy(replica.address);
  const script = await bundle("test/client/support/exit-child.ts");
  const child = spawn(process.execPath, [script, proxy.address, fleetDescriptors()], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  // Bounded: a process that has not ended 20 s after it was let go is killed, and the test fails.
  const exited = new Promise<{ code: number | null }>((resolve) => child.once("exit", (code) => resolve({ code })));

  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await until(() => output.includes("\n") || child.exitCode !== null, "the child's report", { timeoutMs: 30_000 });
  expect(JSON.parse(output)).toEqual({
    slow: "OK", // finished within the grace period
    hanging: "CANCELLED", // cut when the grace period ended
    ownedSlow: "OK",
    afterClose: "UNAVAILABLE",
    inFlight: 0,
  });
  // The pools closed their connections themselves (the child is still alive: its stdin is open).
  await until(() => proxy.open() === 0, "the child's connections to close", { timeoutMs: 5_000 });

  child.stdin.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const exit = await exited;
  clearTimeout(timer);
  expect(exit).toEqual({ code: 0 });
});
