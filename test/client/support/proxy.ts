import { connect, createServer, type Socket } from "node:net";
import { onTestFinished } from "vitest";

/** A TCP proxy on 127.0.0.1 in front of a server. */
export interface TcpProxy {
  readonly address: string;
  /** Bytes the clients sent through it so far: what went over the wire. */
  sent(): number;
  /** Client connections open now. */
  open(): number;
}

/** Starts a {@link TcpProxy} to `target` (`127.0.0.1:port`), closed when the test ends. */
export async function tcpProxy(target: string): Promise<TcpProxy> {
  const [host, port] = target.split(":");
  const open = new Set<Socket>();
  let sent = 0;
  const proxy = createServer((client) => {
    open.add(client);
    const upstream = connect(Number(port), host);
    client.on("data", (chunk: Buffer) => {
      sent += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const close = () => {
      open.delete(client);
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
        for (const socket of open) socket.destroy();
        proxy.close(() => resolve());
      }),
  );
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("no proxy address");
  return { address: `127.0.0.1:${address.port}`, sent: () => sent, open: () => open.size };
}
