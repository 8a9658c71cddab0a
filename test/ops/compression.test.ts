import { connect as connectTcp, createServer as createTcpServer, type Socket } from "node:net";
import { closeClient, createClient, createTransport } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

/**
 * A TCP proxy in front of `target` that counts the bytes clients send: what
 * actually goes over the wire, compressed or not.
 */
async function countingProxy(target: string): Promise<{ address: string; sent: () => number }> {
  const [host, port] = target.split(":");
  let sent = 0;
  const sockets = new Set<Socket>();
  const proxy = createTcpServer((client) => {
    const upstream = connectTcp(Number(port), host);
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  );
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("no proxy address");
  return { address: `127.0.0.1:${address.port}`, sent: () => sent };
}

/** A megabyte that compresses to almost nothing. */
const BIG = "grpckit ".repeat(128 * 1024);

/**
 * GetUser answers the length of the user id it got, as the display name: small,
 * whatever came in. (The schema bounds the id's length from below only, unlike
 * CreateUser's display name, which is at most 64 characters.)
 */
function serveEcho() {
  return serve(UserService, {
    async getUser({ userId }) {
      return { user: { displayName: String(userId.length) } };
    },
  });
}

describe("compression", () => {
  test("a client with compression gzip sends compressed requests, and the server takes them", async () => {
    const { address } = await serveEcho();
    const proxy = await countingProxy(address);
    const plain = createClient(UserService, proxy.address);
    const gzip = createClient(UserService, proxy.address, { compression: "gzip" });
    onTestFinished(() => {
      closeClient(plain);
      closeClient(gzip);
    });

    let before = proxy.sent();
    expect((await plain.getUser({ userId: BIG })).user?.displayName).toBe(String(BIG.length));
    const plainBytes = proxy.sent() - before;
    before = proxy.sent();
    expect((await gzip.getUser({ userId: BIG })).user?.displayName).toBe(String(BIG.length));
    const gzipBytes = proxy.sent() - before;

    expect(plainBytes).toBeGreaterThan(BIG.length);
    expect(gzipBytes).toBeLessThan(BIG.length / 10);
  });

  test("a call can choose its compression, whatever its transport's", async () => {
    const { address } = await serveEcho();
    const proxy = await countingProxy(address);
    const transport = createTransport(proxy.address);
    onTestFinished(() => transport.close());
    const client = createClient(UserService, transport);

    const bytesOf = async (compression?: "gzip" | "deflate" | "identity") => {
      const before = proxy.sent();
      const { user } = await client.getUser({ userId: BIG }, compression === undefined ? {} : { compression });
      expect(user?.displayName).toBe(String(BIG.length));
      return proxy.sent() - before;
    };
    expect(await bytesOf()).toBeGreaterThan(BIG.length);
    expect(await bytesOf("gzip")).toBeLessThan(BIG.length / 10);
    expect(await bytesOf("deflate")).toBeLessThan(BIG.length / 10);
    expect(await bytesOf("identity")).toBeGreaterThan(BIG.length);
    expect(await bytesOf()).toBeGreaterThan(BIG.length); // the transport's own choice again

    // And the other way round: a gzip transport, one call without.
    const gzipTransport = createTransport(proxy.address, { compression: "gzip" });
    onTestFinished(() => gzipTransport.close());
    const gzipClient = createClient(UserService, gzipTransport);
    let before = proxy.sent();
    await gzipClient.getUser({ userId: BIG }, { compression: "identity" });
    expect(proxy.sent() - before).toBeGreaterThan(BIG.length);
    before = proxy.sent();
    await gzipClient.getUser({ userId: BIG });
    expect(proxy.sent() - before).toBeLessThan(BIG.length / 10);
  });
});
