import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readMessages } from "../../runtime/internal/streams.js";

/** An object-mode stream the test feeds by hand, as grpc-js feeds a call's. */
function feed(highWaterMark = 4): Readable {
  return new Readable({ objectMode: true, highWaterMark, read() {} });
}

const closedEarly = () => new Error("closed early");

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterator) out.push(value);
  return out;
}

/** Reads until the reader throws: what it handed out, and what it threw. */
async function readUntilFailure<T>(reader: AsyncIterable<T>): Promise<{ seen: T[]; failure: unknown }> {
  const seen: T[] = [];
  try {
    for await (const value of reader) seen.push(value);
  } catch (failure) {
    return { seen, failure };
  }
  throw new Error(`the reader ended without failing, after ${seen.length} messages`);
}

describe("readMessages", () => {
  it("hands out messages pushed before and after the pull, then ends", async () => {
    const stream = feed();
    stream.push("a");
    const reader = readMessages<string>(stream, closedEarly);
    const all = collect(reader);
    setImmediate(() => {
      stream.push("b");
      stream.push("c");
      stream.push(null);
    });
    expect(await all).toEqual(["a", "b", "c"]);
  });

  it("settles pulls made at once in order, each with its own message", async () => {
    const stream = feed();
    const reader = readMessages<string>(stream, closedEarly);
    const pulls = [reader.next(), reader.next(), reader.next(), reader.next()];
    stream.push("a");
    stream.push("b");
    stream.push("c");
    stream.push(null);
    expect(await Promise.all(pulls)).toEqual([
      { done: false, value: "a" },
      { done: false, value: "b" },
      { done: false, value: "c" },
      { done: true, value: undefined },
    ]);
  });

  it("delivers the messages held when the stream fails, also those a full reader left in the stream", async () => {
    const stream = feed(2);
    const reader = readMessages<string>(stream, closedEarly);
    await new Promise(setImmediate); // flowing
    for (const m of ["a", "b", "c", "d", "e"]) stream.push(m);
    stream.emit("error", new Error("boom"));
    const { seen, failure } = await readUntilFailure(reader);
    expect(failure).toMatchObject({ message: "boom" });
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("delivers the messages buffered before an error, then throws it", async () => {
    // grpc-js emits a failed status as 'error' on a call stream it does not destroy.
    const stream = feed();
    const reader = readMessages<string>(stream, closedEarly);
    stream.push("a");
    stream.push("b");
    stream.emit("error", new Error("boom"));
    const { seen, failure } = await readUntilFailure(reader);
    expect(failure).toMatchObject({ message: "boom" });
    expect(seen).toEqual(["a", "b"]);
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it("hands out nothing more once the stream is destroyed with an error", async () => {
    const stream = feed();
    const reader = readMessages<string>(stream, closedEarly);
    stream.push("a");
    stream.destroy(new Error("boom"));
    await new Promise(setImmediate); // 'error' and 'close' come on the next tick
    await expect(reader.next()).rejects.toThrow("boom");
  });

  it("throws closedEarly() for a stream that closes without ending, also to a waiting pull", async () => {
    const stream = feed();
    const reader = readMessages<string>(stream, closedEarly);
    const waiting = reader.next();
    stream.destroy();
    await expect(waiting).rejects.toThrow("closed early");
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it("ends a waiting pull when the reader returns, and leaves the stream open", async () => {
    const stream = feed();
    const reader = readMessages<string>(stream, closedEarly);
    const waiting = reader.next();
    await reader.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(stream.destroyed).toBe(false);
    expect(stream.listenerCount("readable")).toBe(0);
  });

  it("runs atEnd once before reporting the end, and reports what it throws", async () => {
    const stream = feed();
    let runs = 0;
    const reader = readMessages<string>(stream, closedEarly, {
      atEnd: async () => {
        runs++;
        await new Promise(setImmediate);
        throw new Error("not complete");
      },
    });
    const first = reader.next();
    const second = reader.next();
    stream.push(null);
    await expect(first).rejects.toThrow("not complete");
    expect(await second).toEqual({ done: true, value: undefined });
    expect(runs).toBe(1);
  });

  it("stops at a message when beforeEach throws, with its error", async () => {
    const stream = feed();
    let allowed = 1;
    const reader = readMessages<string>(stream, closedEarly, {
      beforeEach: () => {
        if (allowed-- <= 0) throw new Error("stop");
      },
    });
    stream.push("a");
    stream.push("b");
    expect(await reader.next()).toEqual({ done: false, value: "a" });
    await expect(reader.next()).rejects.toThrow("stop");
  });

  it("maps failures with the failure hook once the emitting event is over", async () => {
    const stream = feed();
    let statusSeen = false;
    const reader = readMessages<string>(stream, closedEarly, {
      failure: (error) => new Error(`${(error as Error).message}, status seen: ${statusSeen}`),
    });
    const waiting = reader.next();
    // grpc-js emits 'status' right after 'error', in the same turn.
    stream.emit("error", new Error("failed"));
    statusSeen = true;
    await expect(waiting).rejects.toThrow("failed, status seen: true");
    // A pull made after the failure gets it mapped too.
    const late = readMessages<string>(stream, closedEarly, { failure: () => new Error("mapped") });
    stream.emit("error", new Error("again"));
    await expect(late.next()).rejects.toThrow("mapped");
  });

  it("holds back the producer: reads ahead only up to the high-water mark", async () => {
    let reads = 0;
    const stream = new Readable({
      objectMode: true,
      highWaterMark: 2,
      read() {
        reads++;
        this.push(`m${reads}`);
      },
    });
    const reader = readMessages<string>(stream, closedEarly);
    expect(await reader.next()).toEqual({ done: false, value: "m1" });
    await new Promise(setImmediate);
    // One handed out; held: up to the high-water mark by the reader, as much
    // by the paused stream, and one read in flight.
    expect(reads).toBeLessThanOrEqual(6);
    const before = reads;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toBe(before);
    await reader.return?.();
  });
});
