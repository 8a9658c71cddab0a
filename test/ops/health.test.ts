import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, createHealth, Health, OVERALL_HEALTH, ServingStatus } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { userHandlers } from "../support/in-memory-shop.js";
import { serve, within } from "../support/serve.js";
import { requireTools } from "../support/tools.js";

const run = promisify(execFile);

describe("health", () => {
  test("Check answers the server's and each service's status, NOT_FOUND for an unknown service", async () => {
    const { connect, server } = await serve(UserService, userHandlers(), { health: true });
    const health = connect(Health);
    const statusOf = async (service: string) => (await health.check({ service })).status;
    expect(await statusOf(OVERALL_HEALTH)).toBe(ServingStatus.SERVING);
    expect(await statusOf("ecommerce.v1.UserService")).toBe(ServingStatus.SERVING);
    expect(await statusOf("grpc.health.v1.Health")).toBe(ServingStatus.SERVING);
    await expect(health.check({ service: "no.such.Service" })).rejects.toMatchObject({ code: Code.NOT_FOUND });

    server.health?.set("ecommerce.v1.UserService", ServingStatus.NOT_SERVING);
    expect(await statusOf("ecommerce.v1.UserService")).toBe(ServingStatus.NOT_SERVING);
    expect(await statusOf(OVERALL_HEALTH)).toBe(ServingStatus.SERVING);
  });

  test("Watch sends the status, then each change; shutdown turns it NOT_SERVING and ends it, gracefully", async () => {
    const { connect, server } = await serve(UserService, userHandlers(), { health: true });
    const health = connect(Health);
    const watch = health.watch({ service: "ecommerce.v1.UserService" })[Symbol.asyncIterator]();
    const next = async () => (await within(watch.next(), "a Watch message")).value?.status;

    expect(await next()).toBe(ServingStatus.SERVING);
    server.health?.set("ecommerce.v1.UserService", ServingStatus.NOT_SERVING);
    expect(await next()).toBe(ServingStatus.NOT_SERVING);
    server.health?.set("ecommerce.v1.UserService", ServingStatus.NOT_SERVING); // no change, nothing sent
    server.health?.set("ecommerce.v1.UserService", ServingStatus.SERVING);
    expect(await next()).toBe(ServingStatus.SERVING);

    // A long grace period: the Watch must not hold the shutdown up.
    const shutdown = server.shutdown(600_000);
    expect(await next()).toBe(ServingStatus.NOT_SERVING);
    expect(await within(watch.next(), "the Watch to end")).toMatchObject({ done: true });
    await within(shutdown, "a graceful shutdown");
    server.health?.set("ecommerce.v1.UserService", ServingStatus.SERVING); // ignored once shut down
    expect(server.health?.get("ecommerce.v1.UserService")).toBe(ServingStatus.NOT_SERVING);
  });

  test("Watch of an unknown service says SERVICE_UNKNOWN and waits for it to become known", async () => {
    const { connect, server } = await serve(UserService, userHandlers(), { health: true });
    const watch = connect(Health).watch({ service: "ecommerce.v1.Later" })[Symbol.asyncIterator]();
    expect((await within(watch.next(), "a Watch message")).value?.status).toBe(ServingStatus.SERVICE_UNKNOWN);
    server.health?.set("ecommerce.v1.Later", ServingStatus.SERVING);
    expect((await within(watch.next(), "a Watch message")).value?.status).toBe(ServingStatus.SERVING);
    await watch.return?.();
  });

  test("a health status of your own is served as given: the statuses it holds are kept, and shutdown still ends it", async () => {
    const own = createHealth({
      [OVERALL_HEALTH]: ServingStatus.NOT_SERVING, // e.g. until the cache is warm
      "ecommerce.v1.UserService": ServingStatus.NOT_SERVING,
    });
    const { connect, server } = await serve(UserService, userHandlers(), { health: own });
    expect(server.health).toBe(own);
    const health = connect(Health);
    const statusOf = async (service: string) => (await health.check({ service })).status;
    expect(await statusOf(OVERALL_HEALTH)).toBe(ServingStatus.NOT_SERVING);
    expect(await statusOf("ecommerce.v1.UserService")).toBe(ServingStatus.NOT_SERVING);
    expect(await statusOf("grpc.health.v1.Health")).toBe(ServingStatus.SERVING);
    own.set(OVERALL_HEALTH, ServingStatus.SERVING);
    expect(await statusOf(OVERALL_HEALTH)).toBe(ServingStatus.SERVING);
    await server.shutdown();
    expect(own.get(OVERALL_HEALTH)).toBe(ServingStatus.NOT_SERVING);
  });

  test("without the option (or with false), no health service and no server.health", async () => {
    for (const health of [undefined, false]) {
      const { connect, server } = await serve(UserService, userHandlers(), { health });
      expect(server.health).toBeUndefined();
      await expect(connect(Health).check({ service: "" })).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    }
  });

  test("Python's grpcio checks our server's health", async () => {
    requireTools("protoc", "python3-grpcio", "grpc-proto");
    const { address, server } = await serve(UserService, userHandlers(), { health: true });
    server.health?.set("ecommerce.v1.OrderService", ServingStatus.NOT_SERVING);
    // Stubs made now, from Debian's copy of the standard proto; not committed. The proto sits
    // at the root of its own folder, so that the module (health_pb2) does not shadow grpcio's
    // `grpc` package.
    const dir = mkdtempSync(join(tmpdir(), "grpckit-health-py-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync("/usr/share/grpc-proto/grpc/health/v1/health.proto", join(dir, "health.proto"));
    await run("protoc", [`-I${dir}`, `--python_out=${dir}`, join(dir, "health.proto")]);
    const script = fileURLToPath(new URL("./fixtures/health_check.py", import.meta.url));
    const { stdout } = await run(
      "/usr/bin/python3",
      [script, dir, address, "", "ecommerce.v1.UserService", "ecommerce.v1.OrderService", "no.such.Service"],
      { timeout: 30_000 },
    );
    expect(JSON.parse(stdout)).toEqual({
      "": "SERVING",
      "ecommerce.v1.UserService": "SERVING",
      "ecommerce.v1.OrderService": "NOT_SERVING",
      "no.such.Service": "NOT_FOUND",
    });
  });
});
