// grpckit: the generated UserService (generated-example, compiled by
// bench/rpc/build.mjs), served by createServer and called by createClient,
// written as the README shows. `serverOptions` and `clientOptions` come from
// the variant (bench/rpc/variants.mjs): interceptors and the like; `runtime`
// too: the URL of the runtime (the bench's copy of dist/runtime by default, or
// another build of it, to compare a change side by side).
import { create } from "@bufbuild/protobuf";
import {
  CHAT_REQUEST,
  CREATE_REQUEST,
  endlessUser,
  GET_REQUEST,
  LARGE_USER,
  listFilter,
  parseListFilter,
  SMALL_USER,
  USER,
} from "../fixtures.mjs";

/*
 * The generated method table, or, with `schemaRules: false`, the same table
 * without what the schema declares beyond the method itself (validators, and
 * the like as they land), which the server would otherwise enforce on its own:
 * grpckit as if the .proto declared no rules.
 */
async function load(example, schemaRules) {
  const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
  const { UserService } = await import(new URL("ecommerce/v1/user_grpckit.js", example).href);
  if (schemaRules) return { pb, UserService };
  const methods = Object.fromEntries(
    Object.entries(UserService.methods).map(([localName, { name, path, kind, input, output }]) => [
      localName,
      { name, path, kind, input, output },
    ]),
  );
  return { pb, UserService: { ...UserService, methods } };
}

export async function serve({ example, serverOptions = {}, runtime, schemaRules = true }) {
  const { createServer } = await import(runtime);
  const { pb, UserService } = await load(example, schemaRules);
  const userResponse = create(pb.GetUserResponseSchema, { user: USER });
  const small = create(pb.ListUsersResponseSchema, { user: SMALL_USER });
  const large = create(pb.ListUsersResponseSchema, { user: LARGE_USER });
  const createResponse = create(pb.CreateUsersResponseSchema);
  // No limit of streams per connection, as the grpc-js baseline: the memory suite opens 1,000 on one channel.
  // (2^32 - 1, HTTP/2's largest value, rather than Infinity: earlier builds pass it to grpc-js as it is.)
  const limits = { maxConcurrentStreams: 2 ** 32 - 1, ...serverOptions.limits };
  const server = createServer({ ...serverOptions, limits });
  server.add(UserService, {
    async getUser() {
      return userResponse;
    },
    async *listUsers(request) {
      const { total, large: isLarge } = parseListFilter(request.filter);
      if (total === Number.POSITIVE_INFINITY) {
        // The memory suite's slow readers: a message of its own each (fixtures.mjs, endlessUser).
        for (let i = 0; ; i++) yield create(pb.ListUsersResponseSchema, { user: endlessUser(isLarge, i) });
      }
      const message = isLarge ? large : small;
      for (let i = 0; i < total; i++) yield message;
    },
    async createUsers(requests) {
      for await (const _ of requests) {
        // Each request is decoded as it comes; the handler only reads them.
      }
      return createResponse;
    },
    async *chatWithUsers(requests) {
      for await (const request of requests) yield { userId: request.userId, message: request.message };
    },
  });
  const port = await server.listen("127.0.0.1:0");
  return { port, close: () => server.shutdown(1_000) };
}

export async function connect({ example, address, clientOptions = {}, runtime, schemaRules = true }) {
  const { closeClient, createClient } = await import(runtime);
  const { UserService } = await load(example, schemaRules);
  const client = createClient(UserService, address, clientOptions);
  return {
    async unary() {
      await client.getUser({ ...GET_REQUEST });
    },
    async serverStream(count, large = false) {
      let received = 0;
      for await (const _ of client.listUsers({ filter: listFilter(count, large) })) received++;
      return received;
    },
    async clientStream(count) {
      function* requests() {
        for (let i = 0; i < count; i++) yield { user: { ...CREATE_REQUEST.user } };
      }
      await client.createUsers(requests());
    },
    async pingPong(count) {
      // The next request goes out once the reply to the previous one is in.
      let credits = 0;
      let waiting;
      async function* requests() {
        for (let i = 0; i < count; i++) {
          yield { ...CHAT_REQUEST };
          if (credits > 0) credits--;
          else await new Promise((resolve) => (waiting = resolve));
        }
      }
      let received = 0;
      for await (const _ of client.chatWithUsers(requests())) {
        received++;
        if (waiting !== undefined) {
          const wake = waiting;
          waiting = undefined;
          wake();
        } else credits++;
      }
      return received;
    },
    close() {
      closeClient(client);
    },
  };
}
