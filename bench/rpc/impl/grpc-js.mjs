// Plain @grpc/grpc-js with a hand-written ServiceDefinition on protoc-gen-es's
// serializers (toBinary / fromBinary of the generated schemas): what a team
// writes without grpckit. The baseline of the RPC suites.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import {
  CHAT_REQUEST,
  CREATE_REQUEST,
  endlessUser,
  GET_REQUEST,
  LARGE_USER,
  listFilter,
  paths,
  SMALL_USER,
  USER,
} from "../fixtures.mjs";
import { callbackClient, callbackHandlers } from "./callback-style.mjs";

function method(path, input, output, requestStream, responseStream) {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (message) => Buffer.from(toBinary(input, message)),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (message) => Buffer.from(toBinary(output, message)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    originalName: path.slice(path.lastIndexOf("/") + 1),
  };
}

function definition(pb) {
  return {
    getUser: method(paths.getUser, pb.GetUserRequestSchema, pb.GetUserResponseSchema, false, false),
    listUsers: method(paths.listUsers, pb.ListUsersRequestSchema, pb.ListUsersResponseSchema, false, true),
    createUsers: method(paths.createUsers, pb.CreateUsersRequestSchema, pb.CreateUsersResponseSchema, true, false),
    chatWithUsers: method(
      paths.chatWithUsers,
      pb.ChatWithUsersRequestSchema,
      pb.ChatWithUsersResponseSchema,
      true,
      true,
    ),
  };
}

export async function serve({ example }) {
  const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
  const small = create(pb.ListUsersResponseSchema, { user: SMALL_USER });
  const large = create(pb.ListUsersResponseSchema, { user: LARGE_USER });
  const server = new grpc.Server();
  server.addService(
    definition(pb),
    callbackHandlers({
      userResponse: create(pb.GetUserResponseSchema, { user: USER }),
      listResponse: (isLarge, i) =>
        i === undefined
          ? isLarge
            ? large
            : small
          : create(pb.ListUsersResponseSchema, { user: endlessUser(isLarge, i) }),
      createResponse: create(pb.CreateUsersResponseSchema),
      chatReply: (request) =>
        create(pb.ChatWithUsersResponseSchema, { userId: request.userId, message: request.message }),
    }),
  );
  const port = await new Promise((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );
  return { port, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

export async function connect({ example, address }) {
  const pb = await import(new URL("ecommerce/v1/user_pb.js", example).href);
  const Client = grpc.makeGenericClientConstructor(definition(pb), "UserService");
  const client = new Client(address, grpc.credentials.createInsecure());
  return callbackClient(client, {
    get: () => create(pb.GetUserRequestSchema, GET_REQUEST),
    list: (count, large) => create(pb.ListUsersRequestSchema, { filter: listFilter(count, large) }),
    create: () => create(pb.CreateUsersRequestSchema, CREATE_REQUEST),
    chat: () => create(pb.ChatWithUsersRequestSchema, CHAT_REQUEST),
  });
}
