import { Code, type ResponseInit, RpcError, type ServerContext } from "grpckit";
import type { UserServiceHandlers } from "../../../generated-example/ecommerce/v1/user_grpckit.js";
import type {
  BatchGetUsersRequest,
  BatchGetUsersResponseSchema,
  ChatWithUsersRequest,
  ChatWithUsersResponseSchema,
  CreateUserRequest,
  CreateUserResponseSchema,
  CreateUsersRequest,
  CreateUsersResponseSchema,
  DeleteUserRequest,
  DeleteUserResponseSchema,
  GetUserRequest,
  GetUserResponseSchema,
  ListUsersRequest,
  ListUsersResponseSchema,
  UpdateUserRequest,
  UpdateUserResponseSchema,
} from "../../../generated-example/ecommerce/v1/user_pb.js";

/**
 * Implements ecommerce.v1.UserService. Created by `grpckit scaffold`; this file is yours:
 * re-running the command only adds stubs for new RPCs and reports the rest.
 */
export class UserServiceImpl implements UserServiceHandlers {
  /**
   * GetUser returns one user. The read mask selects the fields returned.
   */
  async getUser(request: GetUserRequest, context: ServerContext): Promise<ResponseInit<typeof GetUserResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.GetUser is not implemented");
  }

  /**
   * CreateUser registers a new user.
   */
  async createUser(request: CreateUserRequest, context: ServerContext): Promise<ResponseInit<typeof CreateUserResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.CreateUser is not implemented");
  }

  /**
   * UpdateUser changes the fields of a user named by the update mask.
   */
  async updateUser(request: UpdateUserRequest, context: ServerContext): Promise<ResponseInit<typeof UpdateUserResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.UpdateUser is not implemented");
  }

  /**
   * DeleteUser removes a user.
   */
  async deleteUser(request: DeleteUserRequest, context: ServerContext): Promise<ResponseInit<typeof DeleteUserResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.DeleteUser is not implemented");
  }

  /**
   * BatchGetUsers returns several users at once, in the order asked.
   */
  async batchGetUsers(request: BatchGetUsersRequest, context: ServerContext): Promise<ResponseInit<typeof BatchGetUsersResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.BatchGetUsers is not implemented");
  }

  /**
   * ListUsers streams the users that match a filter.
   */
  async *listUsers(request: ListUsersRequest, context: ServerContext): AsyncIterable<ResponseInit<typeof ListUsersResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.ListUsers is not implemented");
  }

  /**
   * CreateUsers registers users sent as a stream, and reports the ones that
   * failed without failing the others.
   */
  async createUsers(requests: AsyncIterable<CreateUsersRequest>, context: ServerContext): Promise<ResponseInit<typeof CreateUsersResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.CreateUsers is not implemented");
  }

  /**
   * ChatWithUsers is a bidirectional chat between support and users. Each
   * message is sent as the authenticated caller, whatever it says. A
   * customer's messages go to the support agents online (roles support and
   * admin), and the support bot answers when there is none; an agent's go to
   * the customer its user_id names. No customer reads another's messages.
   */
  async *chatWithUsers(requests: AsyncIterable<ChatWithUsersRequest>, context: ServerContext): AsyncIterable<ResponseInit<typeof ChatWithUsersResponseSchema>> {
    throw new RpcError(Code.UNIMPLEMENTED, "ecommerce.v1.UserService.ChatWithUsers is not implemented");
  }
}
