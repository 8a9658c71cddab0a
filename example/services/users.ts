import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, excerpt, hasAnyRole, RpcError, requirePrincipal } from "grpckit";
import { applyUserUpdateMask, type UserServiceHandlers } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import {
  type ChatWithUsersRequest,
  CreateUserErrorSchema,
  type CreateUserRequest,
  CreateUserRequestSchema,
  CreateUsersResponseSchema,
  type User,
  UserSchema,
} from "../../generated-example/ecommerce/v1/user_pb.js";
import type { Mailbox } from "../lib/mailbox.js";
import type { UserRepository } from "../store/repositories.js";
import { type ChatLine, type ChatMember, ChatRoom } from "./chat-room.js";

/** ListUsers sends at most this many users when the request's page_size is 0... */
const DEFAULT_LIST_SIZE = 50;
/** ...and never more than this many. */
const MAX_LIST_SIZE = 1_000;

/** The user id the support chat's automatic answers come from. */
export const SUPPORT_BOT = "support-bot";

/** The roles that answer customers in the support chat. */
export const SUPPORT_AGENT_ROLES: readonly string[] = ["support", "admin"];

/** UserService over a user repository. */
export function userService(users: UserRepository): UserServiceHandlers {
  const chat = new ChatRoom();

  async function findUser(userId: string, signal: AbortSignal): Promise<User> {
    const user = await users.get(userId, signal);
    if (user === undefined) {
      throw new RpcError(Code.NOT_FOUND, `user ${excerpt(userId)} not found`);
    }
    return user;
  }

  /** The support bot's answer to a customer, for when no agent is in the chat room. */
  async function botAnswer(customer: string, message: string, signal: AbortSignal): Promise<ChatLine> {
    // The name of the caller, whose id comes from their credentials: never of an id a message names.
    const user = await users.get(customer, signal);
    const name = user?.displayName || customer;
    return {
      userId: SUPPORT_BOT,
      message: `Hi ${name}! No one from support is online right now; we will answer "${message}" as soon as we are back.`,
      sendTime: timestampNow(),
    };
  }

  /**
   * Posts what `caller` sends to the chat room, until they stop sending; then
   * closes their inbox, which ends their call once it is read. Each line is
   * sent as the caller. A customer's lines go to the agents, and must name the
   * customer themself: a self rule cannot check a request stream (its
   * messages arrive one by one), so this does, for each message. An agent's
   * lines go to the customer they name.
   */
  async function relay(
    messages: AsyncIterable<ChatWithUsersRequest>,
    inbox: Mailbox<ChatLine>,
    caller: ChatMember,
    signal: AbortSignal,
  ) {
    try {
      for await (const { userId, message } of messages) {
        if (!caller.agent && userId !== caller.subject) {
          throw new RpcError(Code.PERMISSION_DENIED, "permission denied: user_id must be your own user id");
        }
        const line = { userId: caller.subject, message, sendTime: timestampNow() };
        if (caller.agent) {
          if (chat.post(inbox, line, (member) => member.subject === userId) === 0) {
            inbox.push({ userId: SUPPORT_BOT, message: `${userId} is not in the chat`, sendTime: timestampNow() });
          }
        } else if (chat.post(inbox, line, (member) => member.agent) === 0) {
          inbox.push(await botAnswer(caller.subject, message, signal));
        }
      }
      inbox.close();
    } catch (error) {
      inbox.close(error);
    }
  }

  return {
    // The server prunes the user to the request's read mask (see user.proto).
    async getUser({ userId }, { signal }) {
      return { user: await findUser(userId, signal) };
    },

    async createUser(request) {
      return { user: await users.create(newUser(request)) };
    },

    // The schema requires `user`; without it, no user is found.
    async updateUser({ user: changes = create(UserSchema), updateMask }, { signal }) {
      const current = await findUser(changes.userId, signal);
      // The server has checked the mask's paths; the fields marked OUTPUT_ONLY or IDENTIFIER never change.
      const updated = applyUserUpdateMask(current, changes, updateMask);
      return { user: await users.update(updated, current) };
    },

    async deleteUser({ userId }) {
      await users.delete(userId);
      return {};
    },

    async batchGetUsers({ userIds }, { signal }) {
      // All or nothing (AIP-231): one unknown id fails the call with NOT_FOUND.
      return { users: await Promise.all(userIds.map((userId) => findUser(userId, signal))) };
    },

    async *listUsers({ filter, pageSize, createdAfter }, { signal }) {
      const limit = pageSize > 0 ? Math.min(pageSize, MAX_LIST_SIZE) : DEFAULT_LIST_SIZE;
      let sent = 0;
      for await (const user of users.scan({ filter, createdAfter }, signal)) {
        yield { user };
        if (++sent === limit) {
          return;
        }
      }
    },

    async createUsers(requests) {
      const response = create(CreateUsersResponseSchema);
      let index = 0;
      for await (const { user: request = create(CreateUserRequestSchema) } of requests) {
        try {
          response.users.push(await users.create(newUser(request)));
        } catch (error) {
          // A request the store refuses is reported; anything else fails the call.
          if (!(error instanceof RpcError)) {
            throw error;
          }
          response.errors.push(create(CreateUserErrorSchema, { index, code: error.code, message: error.rawMessage }));
        }
        index++;
      }
      return response;
    },

    async *chatWithUsers(messages, context) {
      const principal = requirePrincipal(context);
      const caller = { subject: principal.subject, agent: hasAnyRole(principal, SUPPORT_AGENT_ROLES) };
      const inbox = chat.join(caller, context.signal);
      // Headers now tell the client it is in the room.
      context.sendHeader({});
      // Reads what the user sends while the loop below sends what the room says.
      void relay(messages, inbox, caller, context.signal);
      try {
        yield* inbox;
      } finally {
        inbox.close();
      }
    },
  };
}

function newUser({ email, displayName, profile, metadata }: CreateUserRequest): User {
  return create(UserSchema, { email, displayName, profile, metadata });
}
