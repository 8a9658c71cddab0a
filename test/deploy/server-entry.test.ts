import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { join, relative } from "node:path";
import { Code, closeClient, createClient, Health, ServingStatus } from "grpckit";
import { afterAll, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { bundle } from "../client/support/bundle.js";
import { until } from "../client/support/load.js";
import { docSnippets } from "../docs/snippets.js";
import { root } from "../support/codegen.js";

/*
 * The server entry docs/deploy.md shows, run as the container runs it (its
 * own process, SIGTERM from outside), bound to 127.0.0.1: it turns
 * NOT_SERVING at once, goes on serving through the drain period, then shuts
 * down and exits 0.
 */

const dir = mkdtempSync(join(root, "test/deploy/.entry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The doc's entry, with the in-memory users of the tests as its handlers. */
function writeEntry(): string {
  const entry = docSnippets(join(root, "docs")).find((s) => s.doc === "deploy.md" && s.code.includes('"SIGTERM"'));
  if (entry === undefined) throw new Error("docs/deploy.md has no server entry");
  mkdirSync(join(dir, "src"));
  symlinkSync(join(root, "generated-example"), join(dir, "src", "gen"));
  // Tests talk to 127.0.0.1 only.
  const code = entry.code.replace("`0.0.0.0:", "`127.0.0.1:");
  expect(code).not.toBe(entry.code);
  const handlers = relative(join(dir, "src"), join(root, "test/support/in-memory-shop.js"));
  writeFileSync(
    join(dir, "src", "server.ts"),
    `import { userHandlers as users } from "${handlers}";\nconst userHandlers = users();\n${code}`,
  );
  return relative(root, join(dir, "src", "server.ts"));
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

test("the deploy entry drains on SIGTERM: NOT_SERVING at once, still serving, then shut down, exit 0", async () => {
  const script = await bundle(writeEntry());
  const port = await freePort();
  const drainMs = 1_500;
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      PORT: String(port),
      DRAIN_MS: String(drainMs),
      // Never fetched: no call below carries a token.
      JWKS_URL: "http://127.0.0.1:9/jwks.json",
      TOKEN_ISSUER: "https://id.example.com/",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;
  const health = createClient(Health, address);
  const users = createClient(UserService, address);
  onTestFinished(async () => {
    await closeClient(health);
    await closeClient(users);
  });
  const status = async (service: string) => (await health.check({ service }, { timeoutMs: 1_000 })).status;
  await until(async () => (await status("").catch(() => undefined)) === ServingStatus.SERVING, "the server to listen", {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  expect(await status("liveness")).toBe(ServingStatus.SERVING);
  // Auth is on: a call without a token is refused, served all the same.
  await expect(users.getUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });

  const signalled = Date.now();
  child.kill("SIGTERM");
  await until(async () => (await status("")) === ServingStatus.NOT_SERVING, "NOT_SERVING", { timeoutMs: 5_000 });
  expect(await status("liveness")).toBe(ServingStatus.NOT_SERVING);
  // Draining: calls still arrive and are answered by the handlers' chain, not refused.
  await expect(users.getUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });

  // Bounded: a process still alive 20 s after SIGTERM is killed and the test fails.
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await exited;
  clearTimeout(timer);
  expect(code).toBe(0);
  // It served through the drain period before shutting down.
  expect(Date.now() - signalled).toBeGreaterThanOrEqual(drainMs);
  await expect(status("")).rejects.toMatchObject({ code: Code.UNAVAILABLE });
});
