import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

const TOTAL = 100_000;
/*
 * How far the server may run ahead of the client. What legitimately sits in
 * between: the HTTP/2 flow-control window (64 KiB, ~700 of these messages),
 * and the high-water marks of the streams on both sides (16 each). Without
 * backpressure the server runs ahead by the whole stream.
 */
const MAX_AHEAD = 5_000;
/* Holding 100,000 messages would take tens of MB; the window takes ~100 KB. */
const MAX_HEAP_GROWTH_BYTES = 16 * 1024 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap and ArrayBuffers (encoded messages live there) after a full GC. */
function usedMemory(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Resolves once `read()` has stopped changing for `quietMs`: the producer is stalled (or done). */
async function settled(read: () => number, quietMs = 100): Promise<void> {
  let last = read();
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    await sleep(10);
    const now = read();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

test("a fast server stream waits for a slow reader instead of buffering 100,000 messages", async () => {
  let produced = 0;
  const { client } = await serve(UserService, {
    async *listUsers() {
      for (let i = 0; i < TOTAL; i++) {
        produced++;
        yield { user: { userId: `user-${i}`, email: `user-${i}@example.com`, displayName: `User number ${i}` } };
      }
    },
  });

  const baseline = usedMemory();
  let consumed = 0;
  let outOfOrder = 0;
  let maxAhead = 0;
  for await (const { user } of client.listUsers({})) {
    if (user?.userId !== `user-${consumed}`) outOfOrder++;
    consumed++;
    maxAhead = Math.max(maxAhead, produced - consumed);
    if (consumed === 1) {
      // A reader that has stopped: give the server every chance to run ahead.
      await settled(() => produced);
      expect(produced - consumed).toBeLessThan(MAX_AHEAD);
      expect(usedMemory() - baseline).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    } else if (consumed <= 200) {
      await sleep(1); // a slow reader
    }
  }

  expect(outOfOrder).toBe(0);
  expect(consumed).toBe(TOTAL);
  expect(produced).toBe(TOTAL);
  expect(maxAhead).toBeLessThan(MAX_AHEAD);
});
