import { createPool } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { fleetClient, replicaService, startReplicas } from "./support/fleet.js";
import { runCalls } from "./support/load.js";

/*
 * Scale-out over real processes: three replicas of a service, each a Node
 * process on 127.0.0.1, and one pooled client that balances its calls over
 * them with grpc-js's round_robin.
 */

describe("a pool over three replicas", () => {
  test("spreads 3,000 unary calls: each replica gets between 25% and 42% of them", async () => {
    const replicas = await startReplicas(3);
    const service = replicaService();
    const pool = createPool(
      replicas.map((r) => r.address),
      { size: 2 },
    );
    onTestFinished(() => pool.close(1_000));
    const client = fleetClient(service, pool);

    const answers = await runCalls(3_000, 32, () => client.lookup({}, { timeoutMs: 10_000 }));

    const byReplica = new Map<string, number>();
    for (const { replica } of answers) {
      byReplica.set(replica, (byReplica.get(replica) ?? 0) + 1);
    }
    const stats = await Promise.all(replicas.map((r) => r.stats()));
    for (const [i, replica] of replicas.entries()) {
      const share = (stats[i]?.lookup.received ?? 0) / 3_000;
      expect(share, `${replica.name}'s share`).toBeGreaterThanOrEqual(0.25);
      expect(share, `${replica.name}'s share`).toBeLessThanOrEqual(0.42);
      // What the replica counted is what the client saw it answer.
      expect(byReplica.get(replica.name)).toBe(stats[i]?.lookup.received);
    }
  });
});
