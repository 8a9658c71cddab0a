import { Code, RpcError } from "grpckit";
import { clientMetrics, serveMetrics, serverMetrics } from "grpckit/metrics";
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { cancelOnceStarted, collect, deferred, serve, within } from "../support/serve.js";

/** The value of a counter (or a histogram's `_count`) for exactly these labels; 0 when absent. */
async function sampleOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name.replace(/_count$/, ""));
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === name &&
      Object.keys(labels).length === Object.keys(v.labels).filter((k) => k !== "le").length &&
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
  );
  return found?.value ?? 0;
}

const getUser = { grpc_type: "unary", grpc_service: "ecommerce.v1.UserService", grpc_method: "GetUser" };
const listUsers = { grpc_type: "server_stream", grpc_service: "ecommerce.v1.UserService", grpc_method: "ListUsers" };
const createUsers = {
  grpc_type: "client_stream",
  grpc_service: "ecommerce.v1.UserService",
  grpc_method: "CreateUsers",
};
const chat = { grpc_type: "bidi_stream", grpc_service: "ecommerce.v1.UserService", grpc_method: "ChatWithUsers" };

async function serveShop(registry: Registry) {
  const served = await serve(
    UserService,
    {
      async getUser({ userId }) {
        if (userId === "missing") throw new RpcError(Code.NOT_FOUND, "not found");
        if (userId === "boom") throw new Error("bug");
        return { user: { userId } };
      },
      async *listUsers() {
        yield {};
        yield {};
      },
      async createUsers(requests) {
        for await (const _ of requests);
        return {};
      },
      async *chatWithUsers(messages) {
        for await (const m of messages) yield { message: m.message };
      },
    },
    { interceptors: [serverMetrics({ registry })], onError: () => {} },
  );
  const client = served.connect(UserService, { interceptors: [clientMetrics({ registry })] });
  return { ...served, client };
}

describe("metrics", () => {
  test("handling_seconds measures the call's time, in seconds, on both sides", async () => {
    const registry = new Registry();
    const served = await serve(
      UserService,
      {
        async getUser({ userId }) {
          await new Promise((resolve) => setTimeout(resolve, 60));
          return { user: { userId } };
        },
      },
      { interceptors: [serverMetrics({ registry })] },
    );
    const client = served.connect(UserService, { interceptors: [clientMetrics({ registry })] });
    await client.getUser({ userId: "u1" });
    for (const side of ["server", "client"] as const) {
      const { values } = await (registry.getSingleMetric(`grpc_${side}_handling_seconds`) as Histogram).get();
      const sum = values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_sum"))?.value;
      expect(sum).toBeGreaterThanOrEqual(0.055);
      expect(sum).toBeLessThan(5);
      const bucket = (le: number) =>
        values.find((v) => (v as { metricName?: string }).metricName?.endsWith("_bucket") && v.labels.le === le)?.value;
      expect(bucket(0.05)).toBe(0);
      expect(bucket(10)).toBe(1);
    }
  });

  test("count server and client calls with go-grpc-prometheus's names and labels", async () => {
    const registry = new Registry();
    const { client } = await serveShop(registry);
    await client.getUser({ userId: "u1" });
    await client.getUser({ userId: "u2" });
    await expect(client.getUser({ userId: "missing" })).rejects.toBeInstanceOf(RpcError);
    await expect(client.getUser({ userId: "boom" })).rejects.toBeInstanceOf(RpcError);
    await collect(client.listUsers({}));
    await client.createUsers(
      [1, 2, 3].map((n) => ({ user: { email: `u${n}@example.com`, displayName: `User ${n}` } })),
    );
    await collect(
      client.chatWithUsers([
        { userId: "u1", message: "a" },
        { userId: "u1", message: "b" },
      ]),
    );

    for (const side of ["server", "client"] as const) {
      const name = (suffix: string) => `grpc_${side}_${suffix}`;
      expect(await sampleOf(registry, name("started_total"), getUser)).toBe(4);
      expect(await sampleOf(registry, name("handled_total"), { ...getUser, grpc_code: "OK" })).toBe(2);
      expect(await sampleOf(registry, name("handled_total"), { ...getUser, grpc_code: "NotFound" })).toBe(1);
      expect(await sampleOf(registry, name("handled_total"), { ...getUser, grpc_code: "Internal" })).toBe(1);
      expect(await sampleOf(registry, name("handling_seconds_count"), getUser)).toBe(4);
      expect(await sampleOf(registry, name("handled_total"), { ...listUsers, grpc_code: "OK" })).toBe(1);
      expect(await sampleOf(registry, name("handled_total"), { ...createUsers, grpc_code: "OK" })).toBe(1);
      expect(await sampleOf(registry, name("handled_total"), { ...chat, grpc_code: "OK" })).toBe(1);
    }
    // Messages: what the server receives, the client sends, and the other way round.
    for (const [labels, requests, responses] of [
      [getUser, 4, 2],
      [listUsers, 1, 2],
      [createUsers, 3, 1],
      [chat, 2, 2],
    ] as const) {
      expect(await sampleOf(registry, "grpc_server_msg_received_total", labels)).toBe(requests);
      expect(await sampleOf(registry, "grpc_client_msg_sent_total", labels)).toBe(requests);
      expect(await sampleOf(registry, "grpc_server_msg_sent_total", labels)).toBe(responses);
      expect(await sampleOf(registry, "grpc_client_msg_received_total", labels)).toBe(responses);
    }
  });

  test("a call cut short counts as handled with its code when it is cut, even if the handler runs on", async () => {
    const registry = new Registry();
    const started = deferred();
    const aborted = deferred();
    const release = deferred();
    const settled = deferred();
    const { client } = await serve(
      UserService,
      {
        async getUser(_request, { signal }) {
          // The interceptor listened to the signal first, so it has counted by the time this runs.
          signal.addEventListener("abort", () => aborted.resolve());
          started.resolve();
          await release.promise; // ignores its signal
          return {};
        },
      },
      {
        interceptors: [
          // Tells when the chain inside it has settled.
          (next) => (call) => next(call).finally(() => settled.resolve()),
          serverMetrics({ registry }),
        ],
      },
    );
    onTestFinished(() => release.resolve());
    await cancelOnceStarted((signal) => client.getUser({ userId: "u1" }, { signal }), started.promise);
    await within(aborted.promise, "the handler's signal to abort");
    const handled = (code: string) => sampleOf(registry, "grpc_server_handled_total", { ...getUser, grpc_code: code });
    expect(await handled("Canceled")).toBe(1);
    expect(await sampleOf(registry, "grpc_server_handling_seconds_count", getUser)).toBe(1);
    release.resolve(); // the handler answers after all: nothing more is counted
    await within(settled.promise, "the handler to answer");
    expect(await handled("OK")).toBe(0);
    expect(await sampleOf(registry, "grpc_server_handling_seconds_count", getUser)).toBe(1);
  });

  test("a call cut short is counted even when its handler never looks at its signal", async () => {
    const registry = new Registry();
    const started = deferred();
    const release = deferred();
    const { client } = await serve(
      UserService,
      {
        async getUser() {
          started.resolve();
          await release.promise;
          return {};
        },
      },
      { interceptors: [serverMetrics({ registry })] },
    );
    onTestFinished(() => release.resolve());
    await cancelOnceStarted((signal) => client.getUser({ userId: "u1" }, { signal }), started.promise);
    const handled = () => sampleOf(registry, "grpc_server_handled_total", { ...getUser, grpc_code: "Canceled" });
    // The server hears of the cancellation (RST_STREAM) a moment after the client gives up.
    for (let i = 0; i < 100 && (await handled()) !== 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await handled()).toBe(1);
  });

  test("interceptors made for one registry share its metrics; /metrics serves them over HTTP", async () => {
    const registry = new Registry();
    const { client } = await serveShop(registry);
    await serve(
      UserService,
      {
        async getUser() {
          return {};
        },
      },
      {
        interceptors: [serverMetrics({ registry })], // a second server, same registry: no "already registered"
      },
    );
    await client.getUser({ userId: "u1" });

    const endpoint = await serveMetrics(registry, { host: "127.0.0.1" });
    onTestFinished(() => endpoint.close());
    const response = await within(fetch(endpoint.url), "the metrics endpoint");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain("# TYPE grpc_server_handled_total counter");
    expect(text).toContain(
      'grpc_server_handled_total{grpc_type="unary",grpc_service="ecommerce.v1.UserService",grpc_method="GetUser",grpc_code="OK"} 1',
    );
    expect(text).toContain("# TYPE grpc_client_handling_seconds histogram");
    expect((await fetch(new URL("/other", endpoint.url))).status).toBe(404);
  });

  test("counts are exact however often they are read, and a metric registered beforehand is used as it is", async () => {
    const registry = new Registry();
    // A counter of grpckit's name that the application registered itself: counted into directly.
    const ownStarted = new Counter({
      name: "grpc_server_started_total",
      help: "registered by the application",
      labelNames: ["grpc_type", "grpc_service", "grpc_method"],
      registers: [registry],
    });
    const { client } = await serveShop(registry);
    const handledOk = () => sampleOf(registry, "grpc_server_handled_total", { ...getUser, grpc_code: "OK" });
    await client.getUser({ userId: "u1" });
    await client.getUser({ userId: "u2" });
    expect(await handledOk()).toBe(2);
    expect(await handledOk()).toBe(2); // a second read adds nothing
    await client.getUser({ userId: "u3" });
    expect(await registry.metrics()).toContain(
      'grpc_server_handled_total{grpc_type="unary",grpc_service="ecommerce.v1.UserService",grpc_method="GetUser",grpc_code="OK"} 3',
    );
    expect(await handledOk()).toBe(3);
    expect((await ownStarted.get()).values.find((v) => v.labels.grpc_method === "GetUser")?.value).toBe(3);
    // The histogram: each call's duration is in it when it is read.
    expect(await sampleOf(registry, "grpc_server_handling_seconds_count", getUser)).toBe(3);
    for (let i = 0; i < 70; i++) await client.getUser({ userId: `v${i}` });
    expect(await sampleOf(registry, "grpc_server_handling_seconds_count", getUser)).toBe(73);
    expect(await sampleOf(registry, "grpc_client_handling_seconds_count", getUser)).toBe(73);
  });

  test("a histogram registered beforehand is observed into as it is", async () => {
    const registry = new Registry();
    const own = new Histogram({
      name: "grpc_server_handling_seconds",
      help: "registered by the application",
      labelNames: ["grpc_type", "grpc_service", "grpc_method"],
      buckets: [1],
      registers: [registry],
    });
    const { client } = await serveShop(registry);
    await client.getUser({ userId: "u1" });
    await client.getUser({ userId: "u2" });
    const count = (await own.get()).values.find(
      (v) => (v as { metricName?: string }).metricName === "grpc_server_handling_seconds_count",
    );
    expect(count?.value).toBe(2);
  });
});
