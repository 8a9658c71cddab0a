import { createServer as createTcpServer, type Socket } from "node:net";
import { Code, createPool } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import {
  type FleetClient,
  fleetClient,
  type Replica,
  replicaService,
  startReplica,
  startReplicas,
} from "./support/fleet.js";
import { type Outcome, outcomeOf, runCalls, until } from "./support/load.js";

/*
 * Faults over real processes: replicas killed, restarted, drained, and a
 * server that accepts connections and never answers. The client's retry
 * policy is the fleet proto's own (Lookup: up to 5 attempts on UNAVAILABLE, from 200 ms;
 * Charge, not idempotent: none), as the plugin turns it into a service
 * config. Every process and socket a test starts is gone when it ends.
 */

/** A margin for "ended by its deadline" on a busy machine: generous, never a timing claim. */
const MARGIN_MS = 1_500;

/** Reconnects soon after a replica comes back (grpc-js backs off up to 120 s by default). */
const fastReconnect = { "grpc.initial_reconnect_backoff_ms": 200, "grpc.max_reconnect_backoff_ms": 1_000 };

async function pooledClient(replicas: readonly Replica[], size = 2): Promise<FleetClient> {
  const service = replicaService("schema");
  const pool = createPool(
    replicas.map((r) => r.address),
    { size, channelOptions: fastReconnect },
  );
  onTestFinished(() => pool.close(1_000));
  return fleetClient(service, pool);
}

/** Calls until every replica has answered: all connections are up. */
async function warmUp(client: FleetClient, replicas: readonly Replica[]): Promise<void> {
  const seen = new Set<string>();
  await until(async () => {
    seen.add((await client.lookup({}, { timeoutMs: 5_000 })).replica);
    return replicas.every((r) => seen.has(r.name));
  }, "every replica to answer");
}

function expectByDeadline(outcomes: readonly Outcome<unknown>[]): void {
  for (const o of outcomes) {
    expect(o.endedAt).toBeLessThanOrEqual(o.deadline + MARGIN_MS);
  }
}

describe("faults", () => {
  test("a replica killed under load: idempotent calls all succeed elsewhere; a non-idempotent one in flight there fails UNAVAILABLE, not retried; a restart gets calls again", async () => {
    const replicas = await startReplicas(3);
    const [victim, ...survivors] = replicas as [Replica, Replica, Replica];
    const client = await pooledClient(replicas);
    await warmUp(client, replicas);

    // Charges that never answer, two per replica (round_robin): in flight until cut.
    const stopCharges = new AbortController();
    const charges = Array.from({ length: 6 }, () =>
      outcomeOf(60_000, (o) => client.charge({ hang: true }, { ...o, signal: stopCharges.signal })),
    );
    onTestFinished(() => stopCharges.abort());
    const chargesInFlight = async () =>
      (await Promise.all(replicas.map((r) => r.stats()))).reduce((n, s) => n + s.charge.inFlight, 0);
    await until(async () => (await chargesInFlight()) === 6, "six charges in flight");
    const onVictim = (await victim.stats()).charge.inFlight;
    expect(onVictim).toBeGreaterThan(0);
    const survivorsReceived = await Promise.all(survivors.map(async (r) => (await r.stats()).charge.received));

    // Load: 16 callers, each call waits 20 ms on the replica, so that some are
    // always in flight on the victim when it dies.
    let completed = 0;
    const load = runCalls(1_200, 16, () =>
      outcomeOf(5_000, (o) => client.lookup({ delayMs: 20 }, o)).finally(() => completed++),
    );
    await until(() => completed >= 200, "200 calls before the kill", { timeoutMs: 30_000 });
    const victimLookups = await victim.stats();
    await victim.kill();
    const lookups = await load;

    expect(victimLookups.lookup.received).toBeGreaterThan(0);
    // Every lookup succeeds, on another replica if need be, but one whose
    // response had begun on the victim when it died: gRPC commits a call once
    // its headers come and never retries it (the retry design, A6). The
    // victim writes headers, message and trailers at once, so that window is
    // narrow; on a loaded machine a kill can still land inside it.
    const lost = lookups.filter((o) => o.code !== Code.OK);
    expect(lost.filter((o) => !(o.code === Code.UNAVAILABLE && o.responseBegun))).toEqual([]);
    expect(lost.length).toBeLessThanOrEqual(16); // at most the calls in flight at the kill
    expectByDeadline(lookups);

    // The charges that were on the victim failed, UNAVAILABLE; none went to another replica.
    const failed = await settledCharges(charges, onVictim);
    expect(failed.map((o) => o.code)).toEqual(Array(onVictim).fill(Code.UNAVAILABLE));
    expectByDeadline(failed);
    expect(await Promise.all(survivors.map(async (r) => (await r.stats()).charge.received))).toEqual(survivorsReceived);
    stopCharges.abort();
    expect((await Promise.all(charges)).filter((o) => o.code === Code.UNAVAILABLE)).toHaveLength(onVictim);

    // Restarted on its port, the victim gets calls again within a few seconds.
    const restarted = await startReplica("r1-restarted", victim.port);
    await until(
      async () => (await client.lookup({}, { timeoutMs: 5_000 })).replica === restarted.name,
      "the restarted replica to answer",
      { timeoutMs: 10_000, intervalMs: 10 },
    );
  });

  test("a replica drained gracefully: its calls in flight complete, new calls go to the others", async () => {
    const replicas = await startReplicas(3);
    const [drained] = replicas as [Replica, Replica, Replica];
    const client = await pooledClient(replicas);
    await warmUp(client, replicas);

    // Slow calls on every replica, then the drain starts while they run.
    const slow = Array.from({ length: 12 }, () => outcomeOf(20_000, (o) => client.lookup({ delayMs: 1_000 }, o)));
    await until(async () => (await drained.stats()).lookup.inFlight > 0, "slow calls on the drained replica");
    const shutdown = drained.shutdown(15_000);
    const receivedAtDrain = await shutdown.draining;

    const after = await runCalls(300, 10, () => outcomeOf(10_000, (o) => client.lookup({}, o)));
    const final = await shutdown.done;

    expect((await Promise.all(slow)).map((o) => o.code)).toEqual(Array(12).fill(Code.OK));
    expect(after.filter((o) => o.code !== Code.OK)).toEqual([]);
    expect(after.map((o) => o.value?.replica)).not.toContain(drained.name);
    expect(final.lookup.received).toBe(receivedAtDrain.lookup);
    expectByDeadline(after);
  });

  test("a server that accepts connections and never answers: calls end with DEADLINE_EXCEEDED at their deadline", async () => {
    const hole = await startBlackHole();
    const service = replicaService("schema");
    const pool = createPool(hole.address, { size: 2 });
    onTestFinished(() => pool.close(1_000));
    const client = fleetClient(service, pool);

    const outcomes = await Promise.all(
      [300, 600, 900].flatMap((ms) => [
        outcomeOf(ms, (o) => client.lookup({}, o)),
        outcomeOf(ms, (o) => client.charge({}, o)),
        outcomeOf(ms, (o) => client.lookup({}, { ...o, waitForReady: true })),
      ]),
    );
    expect(hole.connections()).toBeGreaterThan(0); // the calls did reach it
    for (const o of outcomes) {
      expect(o.code).toBe(Code.DEADLINE_EXCEEDED);
      // At the deadline: not before it (grpc-js's timer may round a few ms), not long after.
      expect(o.endedAt).toBeGreaterThanOrEqual(o.deadline - 50);
    }
    expectByDeadline(outcomes);
  });

  test("beside a black hole, a healthy replica answers every call; a call left hanging there ends at its deadline", async () => {
    const hole = await startBlackHole();
    const [replica] = (await startReplicas(1)) as [Replica];
    const service = replicaService("schema");
    const pool = createPool([hole.address, replica.address], { size: 1 });
    onTestFinished(() => pool.close(500));
    const client = fleetClient(service, pool);

    const answers = await runCalls(200, 10, () => outcomeOf(5_000, (o) => client.lookup({}, o)));
    expect(answers.filter((o) => o.code !== Code.OK)).toEqual([]);
    expect(new Set(answers.map((o) => o.value?.replica))).toEqual(new Set([replica.name]));
    expectByDeadline(answers);

    const hanging = await outcomeOf(500, (o) => client.charge({ hang: true }, o));
    expect(hanging.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(hanging.endedAt).toBeGreaterThanOrEqual(hanging.deadline - 50);
    expectByDeadline([hanging]);
    // The replica saw the deadline too, and let go of the call.
    await until(async () => (await replica.stats()).charge.inFlight === 0, "the replica to drop the call");
  });
});

/** Waits until `count` of the charges have ended, and returns those. */
async function settledCharges(
  charges: readonly Promise<Outcome<unknown>>[],
  count: number,
): Promise<Outcome<unknown>[]> {
  const done: Outcome<unknown>[] = [];
  for (const charge of charges) {
    void charge.then((o) => done.push(o));
  }
  await until(() => done.length >= count, `${count} charges to end`);
  return done;
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word; closed when the test ends. */
async function startBlackHole(): Promise<{ address: string; connections(): number }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { address: `127.0.0.1:${address.port}`, connections: () => sockets.size };
}
