// @grpc/grpc-js with @grpc/proto-loader: the .proto loaded at run time,
// messages as plain objects, encoded by protobufjs. The options are those of
// proto-loader's README (camelCase names instead of keepCase, so that the
// fixtures serve every variant).
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  CHAT_REQUEST,
  CREATE_REQUEST,
  endlessUser,
  GET_REQUEST,
  LARGE_USER,
  listFilter,
  SMALL_USER,
  USER,
} from "../fixtures.mjs";
import { callbackClient, callbackHandlers } from "./callback-style.mjs";

function loadService(root) {
  const definition = protoLoader.loadSync("ecommerce/v1/user.proto", {
    includeDirs: [join(root, "proto")],
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).ecommerce.v1.UserService;
}

export async function serve({ root }) {
  const UserService = loadService(root);
  const small = { user: SMALL_USER };
  const large = { user: LARGE_USER };
  const server = new grpc.Server();
  server.addService(
    UserService.service,
    callbackHandlers({
      userResponse: { user: USER },
      listResponse: (isLarge, i) => (i === undefined ? (isLarge ? large : small) : { user: endlessUser(isLarge, i) }),
      createResponse: {},
      chatReply: (request) => ({ userId: request.userId, message: request.message }),
    }),
  );
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export async function connect({ root, address }) {
  const UserService = loadService(root);
  const client = new UserService(address, grpc.credentials.createInsecure());
  return callbackClient(client, {
    get: () => ({ ...GET_REQUEST }),
    list: (count, large) => ({ filter: listFilter(count, large) }),
    create: () => ({ user: { ...CREATE_REQUEST.user } }),
    chat: () => ({ ...CHAT_REQUEST }),
  });
}
