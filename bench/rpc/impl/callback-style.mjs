// Server handlers and client calls written the way grpc-js users write them
// (callbacks and events), shared by the plain grpc-js variant and the
// @grpc/proto-loader one: only how messages are made differs.
// Server streams and client streams wait for 'drain' when write() returns
// false, as grpckit does: a fair comparison, and bounded memory.
import { parseListFilter } from "../fixtures.mjs";

/**
 * `messages`: { userResponse, listResponse(large, i), createResponse, chatReply(request) },
 * each in the form the variant's serializers take. `listResponse(large)` is the
 * one prebuilt message of a counted stream; with `i`, a message of its own,
 * made for each write of an endless one (fixtures.mjs, endlessUser).
 */
export function callbackHandlers(messages) {
  return {
    getUser(_call, callback) {
      callback(null, messages.userResponse);
    },
    listUsers(call) {
      const { total, large } = parseListFilter(call.request.filter);
      const endless = total === Number.POSITIVE_INFINITY;
      const message = messages.listResponse(large);
      let sent = 0;
      let cancelled = false;
      call.on("cancelled", () => {
        cancelled = true;
      });
      const write = () => {
        while (!cancelled && sent < total) {
          const next = endless ? messages.listResponse(large, sent) : message;
          sent++;
          if (!call.write(next)) {
            call.once("drain", write);
            return;
          }
        }
        if (!cancelled) call.end();
      };
      write();
    },
    createUsers(call, callback) {
      // Each request is decoded by grpc-js as it comes; the handler only reads them.
      call.on("data", () => {});
      call.on("end", () => callback(null, messages.createResponse));
      call.on("error", () => {});
    },
    chatWithUsers(call) {
      call.on("data", (request) => call.write(messages.chatReply(request)));
      call.on("end", () => call.end());
      call.on("error", () => {});
    },
  };
}

/**
 * `requests`: { get(), list(count, large), create(), chat() }, each call
 * making a fresh request in the variant's form, as a caller would.
 */
export function callbackClient(client, requests) {
  return {
    unary() {
      return new Promise((resolve, reject) => {
        client.getUser(requests.get(), (error, response) => (error ? reject(error) : resolve(response)));
      });
    },
    serverStream(count, large = false) {
      return new Promise((resolve, reject) => {
        let received = 0;
        const call = client.listUsers(requests.list(count, large));
        call.on("data", () => {
          received++;
        });
        call.on("end", () => resolve(received));
        call.on("error", reject);
      });
    },
    clientStream(count) {
      return new Promise((resolve, reject) => {
        const call = client.createUsers((error, response) => (error ? reject(error) : resolve(response)));
        let sent = 0;
        const write = () => {
          while (sent < count) {
            sent++;
            if (!call.write(requests.create())) {
              call.once("drain", write);
              return;
            }
          }
          call.end();
        };
        write();
      });
    },
    pingPong(count) {
      return new Promise((resolve, reject) => {
        let received = 0;
        const call = client.chatWithUsers();
        call.on("data", () => {
          received++;
          if (received < count) call.write(requests.chat());
          else call.end();
        });
        call.on("end", () => resolve(received));
        call.on("error", reject);
        call.write(requests.chat());
      });
    },
    close() {
      client.close();
    },
  };
}
