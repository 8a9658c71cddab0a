// node bench/rpc/hostile-client.mjs <root> <example URL> <address>: the hostile
// suite's attacker. It speaks gRPC over a plain HTTP/2 connection (node:http2),
// so that it sends exactly the frames it means to and counts the bytes that go
// each way on its socket. Started by the hostile suite (bench/rpc/ipc.mjs);
// talks only to <address> on 127.0.0.1.
import { connect as connectHttp2, constants } from "node:http2";
import { connect as connectTcp } from "node:net";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { runtimeDir } from "../lib/snapshot.mjs";
import { CHAT_REQUEST, GET_REQUEST } from "./fixtures.mjs";
import { answerRequests, cpu } from "./ipc.mjs";

const [root, example, address] = process.argv.slice(2);
const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
const health = await import(pathToFileURL(join(runtimeDir(root), "ops/gen/grpc/health/v1/health_pb.js")).href);

const USERS = "/ecommerce.v1.UserService";

/**
 * The requests whose error answers may be large, by name: each a method and
 * its encoded request message. `size` scales them down for BENCH_QUICK.
 */
function hostileRequests() {
  const ids = (n) => Array.from({ length: n }, () => "");
  const paths = (n) => Array.from({ length: n }, (_, i) => `f${i}`);
  const batch = (userIds) =>
    toBinary(pb.BatchGetUsersRequestSchema, create(pb.BatchGetUsersRequestSchema, { userIds }));
  const getUser = (init) => toBinary(pb.GetUserRequestSchema, create(pb.GetUserRequestSchema, init));
  return {
    "BatchGetUsers, 1,000 empty ids": { path: `${USERS}/BatchGetUsers`, message: batch(ids(1_000)) },
    "BatchGetUsers, 100,000 empty ids": { path: `${USERS}/BatchGetUsers`, message: batch(ids(100_000)) },
    "GetUser, 10,000 bad read-mask paths": {
      path: `${USERS}/GetUser`,
      message: getUser({ userId: GET_REQUEST.userId, readMask: { paths: paths(10_000) } }),
    },
    "GetUser, a 200 KB id (NOT_FOUND)": {
      path: `${USERS}/GetUser`,
      message: getUser({ userId: "x".repeat(200_000) }),
    },
    "Health Check, a 1 MiB service name (NOT_FOUND)": {
      path: "/grpc.health.v1.Health/Check",
      message: toBinary(
        health.HealthCheckRequestSchema,
        create(health.HealthCheckRequestSchema, { service: "x".repeat(1024 * 1024) }),
      ),
    },
    // An honest call, for comparison.
    "GetUser, found": { path: `${USERS}/GetUser`, message: getUser({ ...GET_REQUEST }) },
  };
}

const requests = hostileRequests();

/** A gRPC length-prefixed message, uncompressed. */
function frame(message) {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/**
 * An HTTP/2 connection whose bytes are counted on the TCP socket, beneath
 * node:http2: `wire.sent` and `wire.received` are the bytes on the wire, and
 * the socket goes on reading (and counting) what the server sends even after
 * the HTTP/2 session has given up on the connection (nghttp2, under every
 * Node gRPC client, refuses a header field over 64 KiB with a
 * COMPRESSION_ERROR, whatever the settings say). The attacker announces no
 * limit on headers. `close()` ends both.
 */
async function open() {
  const [host, port] = address.split(":");
  const socket = connectTcp(Number(port), host);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const wire = { sent: 0, received: 0, lastAt: Date.now(), closed: false };
  const http2Side = new Duplex({
    read() {},
    write(chunk, _encoding, callback) {
      wire.sent += chunk.length;
      socket.write(chunk, callback);
    },
    destroy(error, callback) {
      callback(error); // the socket stays open, counting
    },
  });
  socket.on("data", (chunk) => {
    wire.received += chunk.length;
    wire.lastAt = Date.now();
    if (!http2Side.destroyed) http2Side.push(chunk);
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    wire.closed = true;
    http2Side.destroy();
  });
  const session = connectHttp2(`http://${address}`, {
    createConnection: () => http2Side,
    settings: { maxHeaderListSize: 2 ** 32 - 1, initialWindowSize: 2 ** 31 - 1 },
    maxHeaderListPairs: 100_000,
    maxSessionMemory: 1_000,
  });
  session.on("error", () => {});
  await new Promise((resolve, reject) => session.once("remoteSettings", resolve).once("error", reject));
  return {
    session,
    wire,
    /** Resolves once the server has sent nothing for `ms` (or has closed the connection). */
    async quiet(ms = 200) {
      while (!wire.closed && Date.now() - wire.lastAt < ms) await sleep(ms / 4);
    },
    close() {
      session.destroy();
      socket.destroy();
    },
  };
}

/** How long a call may go unanswered before the attacker cancels it (and notes that it had no answer). */
const ANSWER_TIMEOUT_MS = 5_000;

/**
 * One call: resolves with its status (-1: none came), the sizes of its
 * grpc-message and grpc-status-details-bin and of the response body, and
 * whether it went unanswered for {@link ANSWER_TIMEOUT_MS}.
 */
function call(session, path, message, timeoutMs = ANSWER_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    let bodyBytes = 0;
    let headers = {};
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("data", (chunk) => {
      bodyBytes += chunk.length;
    });
    let trailers = {};
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("error", () => {}); // a reset shows as the stream's rstCode
    let timedOut = false;
    const done = () => {
      clearTimeout(timer);
      const all = { ...headers, ...trailers };
      resolve({
        timedOut,
        status: Number(all["grpc-status"] ?? -1),
        grpcMessageBytes: Buffer.byteLength(String(all["grpc-message"] ?? "")),
        detailsBytes: Buffer.byteLength(String(all["grpc-status-details-bin"] ?? "")),
        bodyBytes,
        rstCode: stream.rstCode,
      });
    };
    // A connection whose server failed to send an answer may never close the stream: give up on it.
    const timer = setTimeout(() => {
      timedOut = true;
      stream.close(constants.NGHTTP2_CANCEL);
      done();
    }, timeoutMs);
    stream.on("close", done);
    stream.end(frame(message));
  });
}

const idle = [];

/**
 * Each named request once, on one warm connection: the bytes the attacker
 * sent and received on the wire for it (socket counters: HTTP/2 frames,
 * HPACK-compressed headers and all), and its answer.
 */
async function answers({ names }) {
  const out = {};
  for (const name of names) {
    const { path, message } = requests[name];
    // A connection of its own each: an answer may cost the connection.
    const connection = await open();
    const { session: s, wire } = connection;
    try {
      let sent = wire.sent;
      let received = wire.received;
      let answer = await call(s, path, message);
      let calls = 1;
      if (!answer.timedOut && !s.destroyed) {
        calls++;
        await connection.quiet();
        sent = wire.sent;
        received = wire.received;
        answer = await call(s, path, message);
      }
      // Everything the server sent for it, also what came after the HTTP/2 session gave up.
      await connection.quiet();
      const requestBytes = wire.sent - sent;
      const responseBytes = wire.received - received;
      // And then an honest call on the same connection: does it still serve?
      const honest = s.destroyed
        ? { status: -1 }
        : await call(s, requests["GetUser, found"].path, requests["GetUser, found"].message, 2_000);
      out[name] = {
        ...answer,
        calls,
        requestBytes,
        responseBytes,
        sessionFailed: s.destroyed || s.closed,
        connectionServesAfter: honest.status === 0,
      };
    } finally {
      connection.close();
    }
  }
  return out;
}

/**
 * Opens `count` ChatWithUsers streams on one new connection, each with its
 * headers and one small message, and leaves them open: idle request streams.
 * Resolves once the server has answered a message on each (so each is in
 * the handler), or after `waitMs`, with how many are open.
 */
async function openIdle({ count, waitMs }) {
  const connection = await open();
  const { session: s } = connection;
  idle.push(connection);
  let answered = 0;
  let closed = 0;
  const all = [];
  for (let i = 0; i < count; i++) {
    const stream = s.request({
      ":method": "POST",
      ":path": `${USERS}/ChatWithUsers`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    stream.on("error", () => {});
    all.push(
      new Promise((resolve) => {
        stream.once("data", () => {
          answered++;
          resolve();
        });
        stream.once("close", () => {
          closed++;
          resolve();
        });
      }),
    );
    stream.write(frame(toBinary(pb.ChatWithUsersRequestSchema, create(pb.ChatWithUsersRequestSchema, CHAT_REQUEST))));
  }
  await Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, waitMs))]);
  return { answered, closed, open: count - closed };
}

function closeIdle() {
  for (const connection of idle.splice(0)) connection.close();
}

/**
 * Repeats the named request for `durationMs`, `inFlight` at a time, each on a
 * connection that it replaces with a new one when an answer does not come
 * within a second (as an attacker whose request wedges its connection would).
 */
async function repeat({ name, durationMs, inFlight }) {
  const { path, message } = requests[name];
  const end = Date.now() + durationMs;
  let calls = 0;
  let unanswered = 0;
  const attacker = async () => {
    let current = await open();
    while (Date.now() < end) {
      const answer = await call(current.session, path, message, 1_000);
      calls++;
      if (answer.timedOut) {
        unanswered++;
        current.close();
        current = await open();
      }
    }
    current.close();
  };
  await Promise.all(Array.from({ length: inFlight }, attacker));
  return { calls, unanswered };
}

answerRequests({ answers, openIdle, closeIdle, repeat, cpu }, { names: Object.keys(requests) });
