import { create } from "@bufbuild/protobuf";
import {
  credentials,
  type handleServerStreamingCall,
  type handleUnaryCall,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServiceError,
} from "@grpc/grpc-js";
import { closeClient, createClient } from "grpckit";
import { expect, onTestFinished, test } from "vitest";
import { UserService, UserServiceDefinition } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import {
  type GetUserRequest,
  type GetUserResponse,
  GetUserResponseSchema,
  type ListUsersRequest,
  type ListUsersResponse,
  ListUsersResponseSchema,
} from "../../generated-example/ecommerce/v1/user_pb.js";
import { collect, serve } from "../support/serve.js";

test("the generated grpc-js definition serves a plain grpc-js Server, called by a grpckit client", async () => {
  const getUser: handleUnaryCall<GetUserRequest, GetUserResponse> = (call, callback) => {
    callback(null, create(GetUserResponseSchema, { user: { userId: call.request.userId, displayName: "Plain" } }));
  };
  const listUsers: handleServerStreamingCall<ListUsersRequest, ListUsersResponse> = (call) => {
    for (let i = 0; i < call.request.pageSize; i++) {
      call.write(create(ListUsersResponseSchema, { user: { userId: `u${i}` } }));
    }
    call.end();
  };
  const server = new Server();
  onTestFinished(() => server.forceShutdown());
  server.addService(UserServiceDefinition, { getUser, listUsers });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, p) =>
      error ? reject(error) : resolve(p),
    ),
  );

  const client = createClient(UserService, `127.0.0.1:${port}`);
  onTestFinished(() => closeClient(client));
  expect((await client.getUser({ userId: "u7" })).user).toMatchObject({ userId: "u7", displayName: "Plain" });
  expect((await collect(client.listUsers({ pageSize: 2 }))).map((r) => r.user?.userId)).toEqual(["u0", "u1"]);
});

test("a plain grpc-js client built from the definition calls a grpckit server", async () => {
  const { address } = await serve(UserService, {
    async getUser({ userId }) {
      return { user: { userId, displayName: "grpckit" } };
    },
  });
  // What makeGenericClientConstructor builds, as a plain grpc-js user would type it.
  interface PlainUserClient {
    getUser(request: { userId: string }, callback: (error: ServiceError | null, value?: GetUserResponse) => void): void;
    close(): void;
  }
  const PlainClient = makeGenericClientConstructor(UserServiceDefinition, "UserService");
  const plain = new PlainClient(address, credentials.createInsecure()) as unknown as PlainUserClient;
  onTestFinished(() => plain.close());
  const response = await new Promise<GetUserResponse>((resolve, reject) => {
    // The definition's serializers take plain objects too.
    plain.getUser({ userId: "u1" }, (error, value) => (error || value === undefined ? reject(error) : resolve(value)));
  });
  expect(response.user).toMatchObject({ userId: "u1", displayName: "grpckit" });
});
