import {
  type AuthRule,
  type HandlersOf,
  type Principal,
  principalOf,
  type ServerContext,
  type ServiceSpec,
} from "grpckit";
import { UserService } from "../../../generated-example/ecommerce/v1/user_grpckit.js";

/*
 * The reference UserService with the auth rules of each test set here, not
 * taken from its .proto: the runtime's tests do not depend on what the
 * plugin generates (test/auth/plugin.test.ts checks that).
 */

type Rules = { [K in keyof (typeof UserService)["methods"]]: AuthRule | undefined };

/** The rules of {@link Users}: one of each kind. */
export const userRules: Rules = {
  getUser: { self: { field: "user_id", overrideRoles: ["admin"] } },
  updateUser: { self: { field: "user.user_id", overrideRoles: ["admin"] } },
  createUser: { public: true },
  deleteUser: { roles: ["admin"] },
  batchGetUsers: { scopes: ["users.read"] },
  listUsers: undefined, // no rule: any authenticated caller
  createUsers: { roles: ["admin"] },
  chatWithUsers: undefined,
};

/** `service` with `rules` in place of its own (a method left out has none). */
export function withRules<S extends ServiceSpec>(
  service: S,
  rules: { [K in keyof S["methods"]]?: AuthRule | undefined },
): S {
  const methods = Object.fromEntries(
    Object.entries(service.methods).map(([name, method]) => [name, { ...method, auth: rules[name] }]),
  );
  return { ...service, methods } as S;
}

export const Users = withRules(UserService, userRules);

/** What the handlers saw: which ran, who called, how many request messages were read. */
export interface Seen {
  readonly calls: string[];
  /** The principal of each call, in order; undefined for an anonymous one. */
  readonly callers: (Principal | undefined)[];
  requestsRead: number;
}

/**
 * Handlers that record what they see and answer with the caller's subject
 * (in `displayName`), so a test sees who the server thinks called.
 */
export function userHandlers(): { handlers: HandlersOf<typeof Users>; seen: Seen } {
  const seen: Seen = { calls: [], callers: [], requestsRead: 0 };
  const record = (name: string, ctx: ServerContext) => {
    seen.calls.push(name);
    const principal = principalOf(ctx);
    seen.callers.push(principal);
    return principal?.subject ?? "anonymous";
  };
  const handlers: HandlersOf<typeof Users> = {
    getUser(req, ctx) {
      return { user: { userId: req.userId, displayName: record("getUser", ctx) } };
    },
    updateUser(req, ctx) {
      return { user: { userId: req.user?.userId ?? "", displayName: record("updateUser", ctx) } };
    },
    createUser(_req, ctx) {
      return { user: { userId: "u-new", displayName: record("createUser", ctx) } };
    },
    deleteUser(_req, ctx) {
      record("deleteUser", ctx);
      return {};
    },
    batchGetUsers(req, ctx) {
      const caller = record("batchGetUsers", ctx);
      return { users: req.userIds.map((userId) => ({ userId, displayName: caller })) };
    },
    async *listUsers(_req, ctx) {
      yield { user: { userId: "u1", displayName: record("listUsers", ctx) } };
    },
    async createUsers(requests, ctx) {
      record("createUsers", ctx);
      const users = [];
      for await (const request of requests) {
        seen.requestsRead++;
        users.push({ userId: `u${users.length}`, email: request.user?.email ?? "" });
      }
      return { users };
    },
    async *chatWithUsers(messages, ctx) {
      const caller = record("chatWithUsers", ctx);
      for await (const message of messages) {
        seen.requestsRead++;
        yield { userId: caller, message: message.message };
      }
    },
  };
  return { handlers, seen };
}
