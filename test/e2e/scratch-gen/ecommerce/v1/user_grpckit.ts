// SCRATCH: hand-written stand-in for the plugin's output; delete once generated-example exists.
import type { BidiStreamingCall, BidiStreamingHandler, ClientStreamingCall, ClientStreamingHandler, ServerStreamingCall, ServerStreamingHandler, UnaryCall, UnaryHandler, ServiceSpec } from "grpckit";
import { grpcDefinition } from "grpckit";
import { UserService as UserService$1, GetUserRequestSchema, GetUserResponseSchema, CreateUserRequestSchema, CreateUserResponseSchema, UpdateUserRequestSchema, UpdateUserResponseSchema, DeleteUserRequestSchema, DeleteUserResponseSchema, BatchGetUsersRequestSchema, BatchGetUsersResponseSchema, ListUsersRequestSchema, ListUsersResponseSchema, CreateUsersRequestSchema, CreateUsersResponseSchema, ChatWithUsersRequestSchema, ChatWithUsersResponseSchema } from "./user_pb.js";
export const UserService = {
  typeName: "ecommerce.v1.UserService",
  desc: UserService$1,
  methods: {
    getUser: { name: "GetUser", path: "/ecommerce.v1.UserService/GetUser", kind: "unary", input: GetUserRequestSchema, output: GetUserResponseSchema },
    createUser: { name: "CreateUser", path: "/ecommerce.v1.UserService/CreateUser", kind: "unary", input: CreateUserRequestSchema, output: CreateUserResponseSchema },
    updateUser: { name: "UpdateUser", path: "/ecommerce.v1.UserService/UpdateUser", kind: "unary", input: UpdateUserRequestSchema, output: UpdateUserResponseSchema },
    deleteUser: { name: "DeleteUser", path: "/ecommerce.v1.UserService/DeleteUser", kind: "unary", input: DeleteUserRequestSchema, output: DeleteUserResponseSchema },
    batchGetUsers: { name: "BatchGetUsers", path: "/ecommerce.v1.UserService/BatchGetUsers", kind: "unary", input: BatchGetUsersRequestSchema, output: BatchGetUsersResponseSchema },
    listUsers: { name: "ListUsers", path: "/ecommerce.v1.UserService/ListUsers", kind: "server_streaming", input: ListUsersRequestSchema, output: ListUsersResponseSchema },
    createUsers: { name: "CreateUsers", path: "/ecommerce.v1.UserService/CreateUsers", kind: "client_streaming", input: CreateUsersRequestSchema, output: CreateUsersResponseSchema },
    chatWithUsers: { name: "ChatWithUsers", path: "/ecommerce.v1.UserService/ChatWithUsers", kind: "bidi_streaming", input: ChatWithUsersRequestSchema, output: ChatWithUsersResponseSchema },
  },
} as const satisfies ServiceSpec;
export interface UserServiceHandlers {
  getUser: UnaryHandler<typeof GetUserRequestSchema, typeof GetUserResponseSchema>;
  createUser: UnaryHandler<typeof CreateUserRequestSchema, typeof CreateUserResponseSchema>;
  updateUser: UnaryHandler<typeof UpdateUserRequestSchema, typeof UpdateUserResponseSchema>;
  deleteUser: UnaryHandler<typeof DeleteUserRequestSchema, typeof DeleteUserResponseSchema>;
  batchGetUsers: UnaryHandler<typeof BatchGetUsersRequestSchema, typeof BatchGetUsersResponseSchema>;
  listUsers: ServerStreamingHandler<typeof ListUsersRequestSchema, typeof ListUsersResponseSchema>;
  createUsers: ClientStreamingHandler<typeof CreateUsersRequestSchema, typeof CreateUsersResponseSchema>;
  chatWithUsers: BidiStreamingHandler<typeof ChatWithUsersRequestSchema, typeof ChatWithUsersResponseSchema>;
}
export interface UserServiceClient {
  getUser: UnaryCall<typeof GetUserRequestSchema, typeof GetUserResponseSchema>;
  createUser: UnaryCall<typeof CreateUserRequestSchema, typeof CreateUserResponseSchema>;
  updateUser: UnaryCall<typeof UpdateUserRequestSchema, typeof UpdateUserResponseSchema>;
  deleteUser: UnaryCall<typeof DeleteUserRequestSchema, typeof DeleteUserResponseSchema>;
  batchGetUsers: UnaryCall<typeof BatchGetUsersRequestSchema, typeof BatchGetUsersResponseSchema>;
  listUsers: ServerStreamingCall<typeof ListUsersRequestSchema, typeof ListUsersResponseSchema>;
  createUsers: ClientStreamingCall<typeof CreateUsersRequestSchema, typeof CreateUsersResponseSchema>;
  chatWithUsers: BidiStreamingCall<typeof ChatWithUsersRequestSchema, typeof ChatWithUsersResponseSchema>;
}
export const UserServiceDefinition = grpcDefinition(UserService);
