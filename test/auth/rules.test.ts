import {
  Code,
  createServer,
  Health,
  jwt,
  type Principal,
  principalKey,
  requirePrincipal,
  type ServerInterceptor,
  ServerReflection,
  ServerReflectionV1alpha,
} from "grpckit";
import { afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { deferred, serve, within } from "../support/serve.js";
import { drain, failure, serveUsers } from "./support/harness.js";
import { AUDIENCE, bearer, claims, ISSUER, type RsaKeys, rsaKeys, sign, withMetadata } from "./support/tokens.js";
import { Users, userHandlers, withRules } from "./support/users.js";

/*
 * The schema's rules, enforced by the server before the handler: each
 * refusal next to a call the same rule allows, so that neither a server that
 * refuses everything nor one that allows everything passes.
 */

let keys: RsaKeys;
beforeAll(async () => {
  keys = await rsaKeys();
});

const authenticator = () =>
  jwt({ publicKey: keys.publicPem, algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE });
const tokenFor = (sub: string, extra: Record<string, unknown> = {}) => sign(claims(sub, extra), keys.privateKey);

describe("the caller's own resource", () => {
  it("lets a user read themself, and refuses another user's id", async () => {
    const s = await serveUsers(authenticator());
    const u1 = await tokenFor("u1");
    expect((await s.client.getUser({ userId: "u1" }, bearer(u1))).user?.displayName).toBe("u1");
    const error = await failure(s.client.getUser({ userId: "u2" }, bearer(u1)), Code.PERMISSION_DENIED);
    expect(error.rawMessage).toBe("permission denied");
    expect(s.seen.calls).toEqual(["getUser"]);
    expect(s.log.lines[0]?.fields).toMatchObject({
      "grpc.code": "PermissionDenied",
      "grpc.method": "GetUser",
      "auth.subject": "u1",
      "auth.reason": 'u1 is not the owner named by user_id ("u2") and holds none of the roles admin',
    });
  });

  it("lets an override role act on anyone's resource", async () => {
    const s = await serveUsers(authenticator());
    const admin = await tokenFor("root", { roles: ["admin"] });
    await s.client.getUser({ userId: "u2" }, bearer(admin));
    const staff = await tokenFor("clerk", { roles: ["staff"] });
    await failure(s.client.getUser({ userId: "u2" }, bearer(staff)), Code.PERMISSION_DENIED);
    expect(s.seen.calls).toEqual(["getUser"]);
  });

  it("follows a nested field path, and refuses when the message on the way is unset", async () => {
    const s = await serveUsers(authenticator());
    const u1 = await tokenFor("u1");
    await s.client.updateUser({ user: { userId: "u1", displayName: "Ada" } }, bearer(u1));
    await failure(s.client.updateUser({ user: { userId: "u2" } }, bearer(u1)), Code.PERMISSION_DENIED);
    await failure(s.client.updateUser({}, bearer(u1)), Code.PERMISSION_DENIED);
    expect(s.seen.calls).toEqual(["updateUser"]);
  });

  it("ignores identity passed in other metadata", async () => {
    const s = await serveUsers(authenticator());
    const forged = { "x-user-id": "u1", "x-roles": "admin", "x-forwarded-user": "u1", "x-scopes": "users.read" };
    // Without a token: no one.
    await failure(s.client.getUser({ userId: "u1" }, withMetadata(forged)), Code.UNAUTHENTICATED);
    await failure(s.client.deleteUser({ userId: "u1" }, withMetadata(forged)), Code.UNAUTHENTICATED);
    // With u2's token: u2, without the roles and scopes the headers claim.
    const u2 = await tokenFor("u2");
    await failure(s.client.getUser({ userId: "u1" }, bearer(u2, forged)), Code.PERMISSION_DENIED);
    await failure(s.client.deleteUser({ userId: "u1" }, bearer(u2, forged)), Code.PERMISSION_DENIED);
    await failure(s.client.batchGetUsers({ userIds: ["u1"] }, bearer(u2, forged)), Code.PERMISSION_DENIED);
    const { user } = await s.client.getUser({ userId: "u2" }, bearer(u2, forged));
    expect(user?.displayName).toBe("u2");
    expect(s.seen.callers.map((p) => [p?.subject, p?.roles, p?.scopes])).toEqual([["u2", [], []]]);
  });
});

describe("the principal comes from the authenticator only", () => {
  it("an interceptor that sets a principal before auth is overruled", async () => {
    const forged: Principal = { subject: "u1", roles: ["admin"], scopes: [], claims: {}, via: "forged" };
    const forger: ServerInterceptor = (next) => (call) => {
      call.context.values.set(principalKey, forged);
      return next(call);
    };
    const s = await serveUsers(authenticator(), { server: { interceptors: [forger] } });
    await failure(s.client.deleteUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    await s.client.createUser({ email: "a@example.com", displayName: "A" }); // public, no token
    await s.client.getUser({ userId: "u2" }, bearer(await tokenFor("u2")));
    expect(s.seen.callers.map((p) => p?.via)).toEqual([undefined, "jwt"]);
  });
});

describe("roles and scopes", () => {
  it("compares role names exactly: no case folding, no prefix or substring match", async () => {
    const s = await serveUsers(authenticator());
    for (const roles of [["Admin"], ["ADMIN"], ["admin "], [" admin"], ["administrator"], ["adm"], ["admins"], ["*"]]) {
      const token = await tokenFor("root", { roles });
      await failure(s.client.deleteUser({ userId: "u9" }, bearer(token)), Code.PERMISSION_DENIED);
    }
    expect(s.seen.calls).toEqual([]);
    await s.client.deleteUser({ userId: "u9" }, bearer(await tokenFor("root", { roles: ["customer", "admin"] })));
    expect(s.seen.calls).toEqual(["deleteUser"]);
  });

  it("reads scopes from a space-separated scope claim, or a list, and compares them exactly", async () => {
    const s = await serveUsers(authenticator());
    await s.client.batchGetUsers({ userIds: ["u1"] }, bearer(await tokenFor("app", { scope: "openid users.read" })));
    await s.client.batchGetUsers({ userIds: ["u1"] }, bearer(await tokenFor("app", { scope: ["users.read"] })));
    for (const scope of ["users", "users.reader", "Users.Read", "openid", "", "users.read:all"]) {
      await failure(
        s.client.batchGetUsers({ userIds: ["u1"] }, bearer(await tokenFor("app", { scope }))),
        Code.PERMISSION_DENIED,
      );
    }
    await failure(s.client.batchGetUsers({ userIds: ["u1"] }, bearer(await tokenFor("app"))), Code.PERMISSION_DENIED);
    // A role of the same name is not a scope.
    await failure(
      s.client.batchGetUsers({ userIds: ["u1"] }, bearer(await tokenFor("app", { roles: ["users.read"] }))),
      Code.PERMISSION_DENIED,
    );
    expect(s.seen.calls).toEqual(["batchGetUsers", "batchGetUsers"]);
  });

  it("requires every condition of a rule: roles and scopes and self", async () => {
    const Strict = withRules(UserService, {
      getUser: { roles: ["customer"], scopes: ["users.read"], self: { field: "user_id" } },
    });
    const { handlers, seen } = userHandlers();
    const s = await serve(Strict, handlers, { auth: { authenticator: authenticator(), logger: { warn() {} } } });
    const all = { roles: ["customer"], scope: "users.read" };
    await s.client.getUser({ userId: "u1" }, bearer(await tokenFor("u1", all)));
    await failure(
      s.client.getUser({ userId: "u1" }, bearer(await tokenFor("u1", { ...all, roles: [] }))),
      Code.PERMISSION_DENIED,
    );
    await failure(
      s.client.getUser({ userId: "u1" }, bearer(await tokenFor("u1", { ...all, scope: "" }))),
      Code.PERMISSION_DENIED,
    );
    await failure(s.client.getUser({ userId: "u2" }, bearer(await tokenFor("u1", all))), Code.PERMISSION_DENIED);
    expect(seen.calls).toEqual(["getUser"]);
  });
});

describe("secure by default", () => {
  it("needs an authenticated caller for a method without a rule", async () => {
    const s = await serveUsers(authenticator());
    await failure(drain(s.client.listUsers({})), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toEqual([]);
    const users = await drain(s.client.listUsers({}, bearer(await tokenFor("anyone"))));
    expect(users.map((u) => u.user?.displayName)).toEqual(["anyone"]);
  });

  it("serves a public method without credentials, and with valid ones knows the caller", async () => {
    const s = await serveUsers(authenticator());
    const request = { email: "ada@example.com", displayName: "Ada" };
    expect((await s.client.createUser(request)).user?.displayName).toBe("anonymous");
    expect((await s.client.createUser(request, bearer(await tokenFor("u1")))).user?.displayName).toBe("u1");
    // Bad credentials on a public method: served as anonymous, never as the token's subject.
    const expired = await tokenFor("u1", { exp: Math.floor(Date.now() / 1000) - 600 });
    expect((await s.client.createUser(request, bearer(expired))).user?.displayName).toBe("anonymous");
    expect(s.seen.callers.map((p) => p?.subject)).toEqual([undefined, "u1", undefined]);
  });

  it("answers the same for no credentials and for bad ones, so the answer tells nothing", async () => {
    const s = await serveUsers(authenticator());
    const none = await failure(s.client.getUser({ userId: "u1" }), Code.UNAUTHENTICATED);
    const expired = await tokenFor("u1", { exp: Math.floor(Date.now() / 1000) - 600 });
    const bad = await failure(s.client.getUser({ userId: "u1" }, bearer(expired)), Code.UNAUTHENTICATED);
    expect(bad.rawMessage).toBe(none.rawMessage);
    const keys = (error: typeof bad) => Object.keys(error.metadata.getMap()).filter((k) => k !== "date");
    expect(keys(bad)).toEqual(keys(none));
    // The logs tell the two apart.
    expect(s.log.lines.map((l) => l.fields["auth.reason"])).toEqual(["no credentials", expect.stringMatching(/exp/)]);
  });

  it("checks auth before validation: an unauthenticated caller learns nothing of what is valid", async () => {
    const s = await serveUsers(authenticator());
    const invalid = { pageSize: -1 };
    await failure(drain(s.client.listUsers(invalid)), Code.UNAUTHENTICATED);
    await failure(drain(s.client.listUsers(invalid, bearer(await tokenFor("u1")))), Code.INVALID_ARGUMENT);
    expect(s.seen.calls).toEqual([]);
  });

  it("serves the health service without credentials, unless told otherwise", async () => {
    const open = await serve(Users, userHandlers().handlers, { health: true, auth: authenticator() });
    const health = open.connect(Health);
    expect((await health.check({ service: "" })).status).toBe(1);
    const closed = await serve(Users, userHandlers().handlers, {
      health: true,
      auth: { authenticator: authenticator(), publicMethods: () => false, logger: { warn() {} } },
    });
    await failure(closed.connect(Health).check({ service: "" }), Code.UNAUTHENTICATED);
    const ok = await closed.connect(Health).check({ service: "" }, bearer(await tokenFor("probe")));
    expect(ok.status).toBe(1);
  });

  it("makes more methods public with publicMethods", async () => {
    const s = await serveUsers(authenticator(), { publicMethods: { method: "ListUsers" } });
    expect((await drain(s.client.listUsers({}))).length).toBe(1);
    await failure(s.client.deleteUser({ userId: "u1" }), Code.UNAUTHENTICATED);
  });

  it("gives the rules option's rule to methods the schema leaves without one, reflection among them", async () => {
    const reflectionServices = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
    const s = await serveUsers(authenticator(), {
      rules: [
        { match: { service: reflectionServices }, rule: { roles: ["admin"] } },
        // Matches every method of Users too, but only ListUsers has no rule of its schema.
        { match: { service: "ecommerce.v1.UserService" }, rule: { roles: ["staff"] } },
      ],
      server: { reflection: true },
    });
    const list = { messageRequest: { case: "listServices", value: "" } } as const;
    const customer = await tokenFor("u1", { roles: ["customer"] });
    const admin = await tokenFor("root", { roles: ["admin"] });
    for (const service of [ServerReflection, ServerReflectionV1alpha]) {
      const reflection = s.served.connect(service);
      await failure(drain(reflection.serverReflectionInfo([list], bearer(customer))), Code.PERMISSION_DENIED);
      await failure(drain(reflection.serverReflectionInfo([list])), Code.UNAUTHENTICATED);
      // The same channel still serves a caller the rule allows.
      const [answer] = await drain(reflection.serverReflectionInfo([list], bearer(admin)));
      expect(answer?.messageResponse.case).toBe("listServicesResponse");
    }
    // The rule of the schema stays: GetUser is still the user themself's, whatever the entry says.
    expect((await s.client.getUser({ userId: "u1" }, bearer(customer))).user?.displayName).toBe("u1");
    // ListUsers had none: it takes the entry's.
    await failure(drain(s.client.listUsers({}, bearer(customer))), Code.PERMISSION_DENIED);
    expect(await drain(s.client.listUsers({}, bearer(await tokenFor("clerk", { roles: ["staff"] }))))).toHaveLength(1);
    expect(s.seen.calls).toEqual(["getUser", "listUsers"]);
  });
});

describe("the principal in handlers", () => {
  it("is frozen, typed, and requirePrincipal refuses a call without one", async () => {
    let principal: Principal | undefined;
    let anonymous: unknown;
    const s = await serve(
      Users,
      {
        getUser(req, ctx) {
          principal = requirePrincipal(ctx);
          return { user: { userId: req.userId } };
        },
        createUser(_req, ctx) {
          anonymous = ctx.values.get(principalKey);
          requirePrincipal(ctx);
          return {};
        },
      },
      { auth: authenticator() },
    );
    await s.client.getUser({ userId: "u1" }, bearer(await tokenFor("u1", { roles: ["customer"] })));
    expect(Object.isFrozen(principal)).toBe(true);
    expect(Object.isFrozen(principal?.roles)).toBe(true);
    expect(principal?.roles).toEqual(["customer"]);
    await failure(s.client.createUser({ email: "a@example.com", displayName: "A" }), Code.UNAUTHENTICATED);
    expect(anonymous).toBeUndefined();
  });
});

describe("streams", () => {
  /** Counts the request messages pulled from the stream, outside of the schema's interceptors. */
  function pullCounter(): { interceptor: ServerInterceptor; pulled: () => number } {
    let pulled = 0;
    const interceptor: ServerInterceptor = (next) => (call) => {
      if (!call.requestStream) {
        return next(call);
      }
      const source = call.requests;
      const counted = (async function* () {
        for await (const request of source) {
          pulled++;
          yield request;
        }
      })();
      return next({ ...call, requests: counted });
    };
    return { interceptor, pulled: () => pulled };
  }

  it("a client stream with bad credentials never reaches the handler nor reads a message", async () => {
    const counter = pullCounter();
    const s = await serveUsers(authenticator(), { server: { interceptors: [counter.interceptor] } });
    const requests = [
      { user: { email: "a@example.com", displayName: "A" } },
      { user: { email: "b@example.com", displayName: "B" } },
    ];
    await failure(s.client.createUsers(requests), Code.UNAUTHENTICATED);
    const customer = await tokenFor("u1", { roles: ["customer"] });
    await failure(s.client.createUsers(requests, bearer(customer)), Code.PERMISSION_DENIED);
    expect(s.seen.calls).toEqual([]);
    expect(counter.pulled()).toBe(0);
    expect(s.seen.requestsRead).toBe(0);
    // The same stream with an admin's token is read in full.
    const admin = await tokenFor("root", { roles: ["admin"] });
    expect((await s.client.createUsers(requests, bearer(admin))).users).toHaveLength(2);
    expect(counter.pulled()).toBe(2);
  });

  it("a bidi stream with bad credentials ends at once, though the client keeps its stream open", async () => {
    const counter = pullCounter();
    const s = await serveUsers(authenticator(), { server: { interceptors: [counter.interceptor] } });
    const release = deferred();
    onTestFinished(() => release.resolve());
    const endless = async function* () {
      yield { userId: "u1", message: "hello" };
      await release.promise; // never sends END_STREAM on its own
    };
    await within(failure(drain(s.client.chatWithUsers(endless())), Code.UNAUTHENTICATED), "the refusal");
    const expired = await tokenFor("u1", { exp: Math.floor(Date.now() / 1000) - 600 });
    await within(
      failure(drain(s.client.chatWithUsers(endless(), bearer(expired))), Code.UNAUTHENTICATED),
      "the refusal",
    );
    expect(s.seen.calls).toEqual([]);
    expect(counter.pulled()).toBe(0);
    const replies = await drain(
      s.client.chatWithUsers([{ userId: "u1", message: "hi" }], bearer(await tokenFor("u1"))),
    );
    expect(replies.map((r) => r.message)).toEqual(["hi"]);
    expect(counter.pulled()).toBe(1);
  });

  it("a server stream with bad credentials never runs the handler", async () => {
    const s = await serveUsers(authenticator());
    const forged = await tokenFor("u1");
    await failure(drain(s.client.listUsers({}, bearer(`${forged}x`))), Code.UNAUTHENTICATED);
    expect(s.seen.calls).toEqual([]);
    await drain(s.client.listUsers({}, bearer(forged)));
    expect(s.seen.calls).toEqual(["listUsers"]);
  });
});

describe("authenticators that fail", () => {
  it("an unexpected error answers INTERNAL and goes to onError, never letting the call through", async () => {
    const errors: unknown[] = [];
    const broken = {
      name: "broken",
      authenticate(): never {
        throw new Error("the key store is down");
      },
    };
    const { handlers, seen } = userHandlers();
    const s = await serve(Users, handlers, { auth: broken, onError: (error) => errors.push(error) });
    const error = await failure(s.client.getUser({ userId: "u1" }), Code.INTERNAL);
    expect(error.rawMessage).not.toContain("key store");
    expect(errors.map((e) => (e as Error).message)).toEqual(["the key store is down"]);
    expect(seen.calls).toEqual([]);
  });

  it("a principal without a subject is an error of the authenticator, not a caller", async () => {
    const sloppy = {
      name: "sloppy",
      authenticate: () => ({ subject: "", roles: ["admin"], scopes: [], claims: {}, via: "sloppy" }),
    };
    const { handlers, seen } = userHandlers();
    const s = await serve(Users, handlers, { auth: sloppy, onError: () => {} });
    await failure(s.client.deleteUser({ userId: "u1" }), Code.INTERNAL);
    expect(seen.calls).toEqual([]);
  });
});

describe("servers without an authenticator", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("do not enforce the rules, and warn once per service that declares some", async () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const s = await serve(Users, userHandlers().handlers);
    s.server.add(withRules(UserService, {}), {}); // no rules: no warning (and no handlers: nothing served)
    await s.client.deleteUser({ userId: "u1" }); // no one checks
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain("ecommerce.v1.UserService declares auth rules");
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: "GRPCKIT_AUTH_NOT_ENFORCED" });
  });

  it("say auth: false to serve without rules and without the warning", () => {
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    createServer({ auth: false }).add(Users, userHandlers().handlers);
    expect(warn).not.toHaveBeenCalled();
    createServer().add(Users, userHandlers().handlers);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
