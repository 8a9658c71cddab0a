import { type ClientHttp2Session, type ClientHttp2Stream, connect, type OutgoingHttpHeaders } from "node:http2";
import { onTestFinished } from "vitest";

/*
 * gRPC over plain HTTP/2, for what a well-behaved client cannot send: headers
 * grpc-js refuses to send, requests that stop halfway, bytes one at a time.
 */

/** A plain HTTP/2 connection to `address`, closed when the test finishes. */
export function rawSession(address: string): ClientHttp2Session {
  const session = connect(`http://${address}`);
  session.on("error", () => {}); // a server that closes the connection is what some tests provoke
  onTestFinished(() => {
    session.destroy();
  });
  return session;
}

/** A gRPC message frame: uncompressed flag, length, bytes. */
export function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** How a raw call ended: its gRPC status and message, and the response bytes. */
export interface RawOutcome {
  readonly status: number | undefined;
  readonly message: string;
  readonly data: Buffer;
}

/** Starts a call of `path`: the request's headers only; the caller writes its body. */
export function startCall(
  session: ClientHttp2Session,
  path: string,
  headers: OutgoingHttpHeaders = {},
): ClientHttp2Stream {
  const stream = session.request({
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    ...headers,
  });
  stream.on("error", () => {}); // a reset stream reports its end through `outcome`
  return stream;
}

/**
 * Resolves with how the call on `stream` ended: as soon as its status comes
 * (in headers or trailers), or when the stream closes without one. A server
 * that answers before the request ended leaves the request side open (Node
 * does not reset it): a raw client that goes on sending keeps the stream.
 */
export function outcome(stream: ClientHttp2Stream): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const read = (headers: Record<string, unknown>) => {
      if (headers["grpc-status"] !== undefined) {
        const message = decodeURIComponent(String(headers["grpc-message"] ?? ""));
        resolve({ status: Number(headers["grpc-status"]), message, data: Buffer.concat(chunks) });
      }
    };
    stream.on("response", read);
    stream.on("trailers", read);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("close", () => resolve({ status: undefined, message: "", data: Buffer.concat(chunks) }));
  });
}

/** One whole unary call of `path` with `request` as its message. */
export function rawUnary(
  session: ClientHttp2Session,
  path: string,
  request: Uint8Array,
  headers: OutgoingHttpHeaders = {},
): Promise<RawOutcome> {
  const stream = startCall(session, path, headers);
  const ended = outcome(stream);
  stream.end(frame(request));
  return ended;
}
