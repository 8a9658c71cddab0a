import { createServer as createTcpServer } from "node:net";
import {
  Code,
  closeClient,
  createPool,
  createTransport,
  credentials,
  type MethodConfigJson,
  RpcError,
  type ServiceConfigJson,
} from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { fleetClient, replicaService } from "./support/fleet.js";
import { serveReplica, sleep } from "./support/in-process.js";
import { outcomeOf, runCalls, until } from "./support/load.js";
import { tcpProxy } from "./support/proxy.js";

/*
 * The pool against in-process servers on 127.0.0.1: its channels and
 * targets, its service config (retries, timeouts, waitForReady), closing.
 */

const lookupPolicy = (policy: Omit<MethodConfigJson, "name">): ServiceConfigJson => ({
  methodConfig: [{ name: [{ service: "fleet.v1.ReplicaService", method: "Lookup" }], ...policy }],
});

const retryUnavailable = {
  maxAttempts: 4,
  initialBackoff: "0.01s",
  maxBackoff: "0.05s",
  backoffMultiplier: 2,
  retryableStatusCodes: ["UNAVAILABLE"],
} as const;

/** A port nothing listens on (for now). */
async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("channels and targets", () => {
  test("a pool of 4 opens 4 connections to one server and hands calls to them in turn", async () => {
    const replica = await serveReplica("r1");
    const pool = createPool(replica.address, { size: 4 });
    onTestFinished(() => pool.close());
    const client = fleetClient(replicaService(), pool);

    await runCalls(400, 1, () => client.lookup({}));

    const perPeer = new Map<string, number>();
    for (const peer of replica.peers) perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1);
    expect([...perPeer.values()]).toEqual([100, 100, 100, 100]);
    expect(pool.size).toBe(4);
  });

  test("a pool is not capped by one connection's stream limit: 4 channels run 4 times the calls at once", async () => {
    // The server lets each connection carry 5 calls at once. Each call is
    // held until `target` calls run at once, or for `holdMs`.
    let running = 0;
    let most = 0;
    let target = 0;
    let holdMs = 0;
    let release = () => {};
    let gate = Promise.resolve();
    const replica = await serveReplica("r1", {
      server: { limits: { maxConcurrentStreams: 5 } },
      handlers: {
        async lookup(_, __, signal) {
          most = Math.max(most, ++running);
          if (running >= target) release();
          await Promise.race([gate, sleep(holdMs, signal)]).finally(() => running--);
          return { replica: "r1" };
        },
      },
    });
    const mostAtOnce = async (size: number, calls: number, until: { target: number; holdMs: number }) => {
      const pool = createPool(replica.address, { size });
      onTestFinished(() => pool.close());
      const client = fleetClient(replicaService(), pool);
      ({ target, holdMs } = { target: 0, holdMs: 0 });
      await runCalls(size, size, () => client.lookup({})); // every channel connected
      ({ target, holdMs } = until);
      gate = new Promise((resolve) => {
        release = resolve;
      });
      most = 0;
      await Promise.all(Array.from({ length: calls }, () => client.lookup({}, { timeoutMs: 60_000 })));
      return most;
    };
    // One channel: 10 calls, held 1 s each; never more than 5 at once.
    expect(await mostAtOnce(1, 10, { target: 6, holdMs: 1_000 })).toBe(5);
    // Four channels: 40 calls, held until 20 run at once.
    expect(await mostAtOnce(4, 40, { target: 20, holdMs: 20_000 })).toBe(20);
  });

  test("without a pool, clients of one address share one connection, as grpc-js does", async () => {
    const replica = await serveReplica("r1");
    const a = createTransport(replica.address);
    const b = createTransport(replica.address);
    onTestFinished(async () => {
      await a.close();
      await b.close();
    });
    await fleetClient(replicaService(), a).lookup({});
    await fleetClient(replicaService(), b).lookup({});
    expect(new Set(replica.peers).size).toBe(1);
  });

  test("a list of addresses: calls go round robin over the servers", async () => {
    const replicas = await Promise.all(["r1", "r2", "r3"].map((name) => serveReplica(name)));
    const client = fleetClient(
      replicaService(),
      replicas.map((r) => r.address),
      { size: 1 },
    );
    onTestFinished(() => closeClient(client));
    // Once the three connections are up, each turn of three calls visits each server once.
    await until(
      async () => new Set(await runCalls(3, 1, async () => (await client.lookup({})).replica)).size === 3,
      "the three servers to be connected",
    );
    const answers = await runCalls(300, 1, async () => (await client.lookup({})).replica);
    for (const name of ["r1", "r2", "r3"]) {
      expect(answers.filter((r) => r === name)).toHaveLength(100);
    }
  });

  test("a dns:/// target is resolved by grpc-js", async () => {
    const replica = await serveReplica("r1");
    const client = fleetClient(replicaService(), `dns:///localhost:${replica.port}`);
    onTestFinished(() => closeClient(client));
    expect((await client.lookup({})).replica).toBe("r1");
  });

  test("compression: a gzip pool compresses the requests on each of its channels; a call may choose otherwise", async () => {
    const replica = await serveReplica("r1");
    const proxy = await tcpProxy(replica.address);
    const pool = createPool(proxy.address, { size: 2, compression: "gzip" });
    onTestFinished(() => pool.close());
    const client = fleetClient(replicaService(), pool);
    const padding = "grpckit ".repeat(64 * 1024); // 512 KiB that compress to almost nothing
    const bytesOf = async (options: { compression?: "identity" }) => {
      const before = proxy.sent();
      await client.lookup({ padding }, options);
      return proxy.sent() - before;
    };
    for (let i = 0; i < 2; i++) {
      expect(await bytesOf({})).toBeLessThan(padding.length / 10);
      expect(await bytesOf({ compression: "identity" })).toBeGreaterThan(padding.length);
    }
    expect(new Set(replica.peers).size).toBe(4); // two channels of each compression
  });

  test("channel options belong to the transport when a client is given one", () => {
    const pool = createPool("127.0.0.1:1");
    onTestFinished(() => pool.close());
    for (const options of [{ size: 2 }, { tls: true as const }, { loadBalancing: "pick_first" as const }]) {
      expect(() => fleetClient(replicaService(), pool, options)).toThrow(TypeError);
    }
  });

  test("bad pools fail at creation, with what to change", () => {
    expect(() => createPool("127.0.0.1:1", { size: 0 })).toThrow("size: 0 channels?");
    expect(() => createPool(["db-1:5432", "db-2:5432"])).toThrow('use one "dns:///name:port" target');
    expect(() => createPool("127.0.0.1:1", { tls: true, credentials: credentials.createInsecure() })).toThrow(
      "either tls or credentials",
    );
    // grpc-js checks the service config when it makes a channel.
    expect(() =>
      createPool("127.0.0.1:1", {
        serviceConfig: { methodConfig: [{ name: [{ service: "a" }], timeout: "soon" }] },
      }),
    ).toThrow("Invalid method config: invalid timeout");
  });
});

describe("the service config", () => {
  test("retries a method with a retry policy until it succeeds, on grpc-js's own retry machinery", async () => {
    const replica = await serveReplica("r1", {
      handlers: {
        async lookup(_, attempt) {
          if (attempt < 3) throw new RpcError(Code.UNAVAILABLE, `attempt ${attempt} failed`);
          return { replica: `r1 after ${attempt} attempts` };
        },
      },
    });
    const client = fleetClient(replicaService(lookupPolicy({ retryPolicy: retryUnavailable })), replica.address);
    onTestFinished(() => closeClient(client));
    expect((await client.lookup({})).replica).toBe("r1 after 3 attempts");
    // grpc-js numbers its attempts in a header.
    expect(replica.headers.map((h) => h["grpc-previous-rpc-attempts"])).toEqual([undefined, "1", "2"]);
  });

  test("does not retry a code the policy does not list, nor a method without a policy", async () => {
    const replica = await serveReplica("r1", {
      handlers: {
        async lookup() {
          throw new RpcError(Code.INTERNAL, "no");
        },
        async charge() {
          throw new RpcError(Code.UNAVAILABLE, "no");
        },
      },
    });
    const client = fleetClient(replicaService(lookupPolicy({ retryPolicy: retryUnavailable })), replica.address);
    onTestFinished(() => closeClient(client));
    await expect(client.lookup({})).rejects.toMatchObject({ code: Code.INTERNAL });
    await expect(client.charge({})).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    expect(replica.peers).toHaveLength(2);
  });

  test("a shared transport applies the retry policies of the services whose clients use it", async () => {
    let failures = 1;
    const replica = await serveReplica("r1", {
      handlers: {
        async lookup() {
          if (failures-- > 0) throw new RpcError(Code.UNAVAILABLE, "once");
          return { replica: "r1" };
        },
      },
    });
    const pool = createPool(replica.address, { size: 2 });
    onTestFinished(() => pool.close());
    const plain = fleetClient(replicaService(), pool);
    await expect(plain.lookup({})).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    failures = 1;
    const retrying = fleetClient(replicaService(lookupPolicy({ retryPolicy: retryUnavailable })), pool);
    expect((await retrying.lookup({})).replica).toBe("r1");
  });

  test("the method's timeout is the default; a call's own timeoutMs replaces it, longer or shorter", async () => {
    const replica = await serveReplica("r1");
    const client = fleetClient(replicaService(lookupPolicy({ timeout: "0.3s" })), replica.address, {
      timeoutMs: 200, // for the methods without a timeout of their own
    });
    onTestFinished(() => closeClient(client));

    const byDefault = await outcomeOf(300, () => client.lookup({ delayMs: 3_000 }));
    expect(byDefault.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(byDefault.endedAt).toBeGreaterThanOrEqual(byDefault.deadline - 50);
    expect(byDefault.endedAt).toBeLessThan(byDefault.deadline + 1_500);

    expect((await client.lookup({ delayMs: 600 }, { timeoutMs: 5_000 })).replica).toBe("r1");
    const shorter = await outcomeOf(100, (o) => client.lookup({ delayMs: 3_000 }, o));
    expect(shorter.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(shorter.endedAt).toBeLessThan(shorter.deadline + 1_500);

    // Charge has no timeout in the config: the client's timeoutMs applies.
    const charge = await outcomeOf(200, () => client.charge({ hang: true }));
    expect(charge.code).toBe(Code.DEADLINE_EXCEEDED);
  });

  test("outlier ejection, grpc-js's own: a replica that fails most calls stops getting any", async () => {
    const sick = await serveReplica("sick", {
      handlers: {
        async lookup() {
          throw new RpcError(Code.UNAVAILABLE, "sick");
        },
      },
    });
    const healthy = await Promise.all(["r1", "r2"].map((name) => serveReplica(name)));
    const pool = createPool([sick.address, ...healthy.map((r) => r.address)], {
      serviceConfig: {
        loadBalancingConfig: [
          {
            outlier_detection: {
              interval: { seconds: 0, nanos: 200_000_000 },
              base_ejection_time: { seconds: 60, nanos: 0 },
              failure_percentage_ejection: { threshold: 50, minimum_hosts: 3, request_volume: 5 },
              child_policy: [{ round_robin: {} }],
            },
          },
        ],
      },
    });
    onTestFinished(() => pool.close());
    const client = fleetClient(replicaService(), pool);
    const codes = async (count: number) =>
      runCalls(count, 3, async () => (await outcomeOf(5_000, (o) => client.lookup({}, o))).code);

    expect(await codes(30)).toContain(Code.UNAVAILABLE); // it does get calls, at first
    // Once grpc-js has counted (every 200 ms), the sick replica is ejected: 60 calls in a row succeed.
    await until(async () => (await codes(60)).every((code) => code === Code.OK), "the sick replica to be ejected");
    const before = sick.peers.length;
    expect(await codes(60)).toEqual(Array(60).fill(Code.OK));
    expect(sick.peers.length).toBe(before);
  });

  test("waitForReady: a call waits for a server that is not up yet, instead of failing at once", async () => {
    const port = await freePort();
    const fastReconnect = { "grpc.initial_reconnect_backoff_ms": 100, "grpc.max_reconnect_backoff_ms": 200 };
    const waiting = fleetClient(replicaService(lookupPolicy({ waitForReady: true })), `127.0.0.1:${port}`, {
      channelOptions: fastReconnect,
    });
    const failing = fleetClient(replicaService(), `127.0.0.1:${port}`, { channelOptions: fastReconnect });
    onTestFinished(async () => {
      await closeClient(waiting);
      await closeClient(failing);
    });

    const waited = outcomeOf(20_000, (o) => waiting.lookup({}, o));
    const perCall = outcomeOf(20_000, (o) => failing.lookup({}, { ...o, waitForReady: true }));
    await expect(failing.lookup({}, { timeoutMs: 20_000 })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    await sleep(300); // the waiting calls have certainly found no server by now
    await serveReplica("late", { port });
    expect((await waited).value?.replica).toBe("late");
    expect((await perCall).value?.replica).toBe("late");
  });
});

describe("closing", () => {
  test("a call in flight finishes; new calls fail UNAVAILABLE; close resolves once the call is done", async () => {
    const replica = await serveReplica("r1");
    const pool = createPool(replica.address, { size: 3 });
    const client = fleetClient(replicaService(), pool);
    await client.lookup({});
    const inFlight = client.lookup({ delayMs: 500 });
    await until(() => pool.inFlight === 1 && replica.peers.length === 2, "the call to reach the server");

    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await expect(client.lookup({})).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    expect(closed).toBe(false);
    expect((await inFlight).replica).toBe("r1");
    await closing;
    expect(pool.inFlight).toBe(0);
  });

  test("with a grace period, calls still running after it are cancelled", async () => {
    const replica = await serveReplica("r1");
    const pool = createPool(replica.address);
    const client = fleetClient(replicaService(), pool);
    const hanging = outcomeOf(60_000, (o) => client.charge({ hang: true }, o));
    await until(() => replica.peers.length === 1, "the call to reach the server");
    await pool.close(200);
    expect((await hanging).code).toBe(Code.CANCELLED);
  });
});
