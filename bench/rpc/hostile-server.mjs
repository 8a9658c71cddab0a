// node bench/rpc/hostile-server.mjs <root> <example URL>: the hostile suite's
// server: the generated UserService with the schema's rules (validation, read
// masks) as generated, and the standard health service, at grpckit's default
// limits, without auth. GetUser answers the fixtures' user, and NOT_FOUND naming
// the id asked for otherwise (as the example's UserService does). Reports
// { port, maxConcurrentStreams } and answers "cpu" and "memory" requests.
import { create } from "@bufbuild/protobuf";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { GET_REQUEST, USER } from "./fixtures.mjs";
import { answerRequests, cpu, memory } from "./ipc.mjs";

const [root, example] = process.argv.slice(2);
const grpckit = await import(runtimeUrl(root));
const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
const { UserService } = await import(new URL("ecommerce/v1/user_grpckit.js", example).href);

const found = create(pb.GetUserResponseSchema, { user: USER });
const server = grpckit.createServer({ auth: false, health: true, onError: () => {} }).add(UserService, {
  async getUser({ userId }) {
    if (userId === GET_REQUEST.userId) return found;
    throw new grpckit.RpcError(grpckit.Code.NOT_FOUND, `user ${userId} not found`);
  },
  async batchGetUsers({ userIds }) {
    return { users: userIds.map((userId) => ({ ...USER, userId })) };
  },
  async *chatWithUsers(requests) {
    for await (const request of requests) yield { userId: request.userId, message: request.message };
  },
});
const port = await server.listen("127.0.0.1:0");
answerRequests(
  { cpu, memory },
  // The limit the server runs with: grpckit's default, when it has one.
  { port, maxConcurrentStreams: grpckit.DEFAULT_SERVER_LIMITS.maxConcurrentStreams ?? null },
);
