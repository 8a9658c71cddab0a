// node bench/rpc/slow-readers.mjs <root> <example URL> <address>: opens server
// streams (ListUsers, endless, ~1 KB messages) on one channel and reads each
// slowly: one message, then a pause. The same plain grpc-js client for every
// server variant; it keeps the bytes undecoded. Started by the memory suite.
import { create, toBinary } from "@bufbuild/protobuf";
import { Client, credentials } from "@grpc/grpc-js";
import { ENDLESS, listFilter, paths } from "./fixtures.mjs";
import { answerRequests, memory } from "./ipc.mjs";

const [, example, address] = process.argv.slice(2);
const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
const request = Buffer.from(
  toBinary(pb.ListUsersRequestSchema, create(pb.ListUsersRequestSchema, { filter: listFilter(ENDLESS, true) })),
);
const client = new Client(address, credentials.createInsecure());
const calls = [];
let received = 0;
let failures = 0;

/** Opens `streams` streams, each reading a message every `intervalMs`; resolves once each has had one. */
function open({ streams, intervalMs }) {
  let started = 0;
  return new Promise((resolve) => {
    for (let i = 0; i < streams; i++) {
      const call = client.makeServerStreamRequest(
        paths.listUsers,
        () => request,
        (bytes) => bytes,
        null,
      );
      calls.push(call);
      let first = true;
      call.on("data", () => {
        received++;
        if (first) {
          first = false;
          if (++started === streams) resolve({ streams });
        }
        call.pause();
        setTimeout(() => call.resume(), intervalMs);
      });
      call.on("error", () => {
        failures++;
      });
    }
  });
}

answerRequests(
  {
    open,
    received: () => ({ received, failures }),
    memory,
  },
  { ready: true },
);
