import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import {
  applyUpdateMask,
  Code,
  type MethodSpec,
  type RpcError,
  type ServerInterceptor,
  type ServiceSpec,
} from "grpckit";
import { describe, expect, it } from "vitest";
import { serviceSpecOf } from "../support/dynamic-service.js";
import { collect, serve } from "../support/serve.js";
import { Account, fieldOf, messageType, props, serviceType } from "./fixtures.js";

/*
 * Masks over the wire, on a service built at run time from the fixture
 * schema, with the method table generated code would write (its `masks`).
 */

type Msg = MessageShape<DescMessage>;
type Handler = (request: Msg, context: unknown) => unknown;

const GetAccountRequest = messageType("GetAccountRequest");
const GetAccountResponse = messageType("GetAccountResponse");
const ListAccountsRequest = messageType("ListAccountsRequest");
const ListAccountsResponse = messageType("ListAccountsResponse");
const UpdateAccountRequest = messageType("UpdateAccountRequest");

function accountService(): ServiceSpec {
  const base = serviceSpecOf(serviceType("AccountService"));
  const withMasks = (name: string, masks: MethodSpec["masks"]): MethodSpec => ({
    ...(base.methods[name] as MethodSpec),
    masks,
  });
  const readMask = fieldOf(GetAccountRequest, "read_mask");
  const listMask = fieldOf(ListAccountsRequest, "read_mask");
  return {
    ...base,
    methods: {
      ...base.methods,
      getAccount: withMasks("getAccount", {
        read: { field: readMask, target: fieldOf(GetAccountResponse, "account") },
      }),
      getAccountWhole: withMasks("getAccountWhole", { read: { field: readMask } }),
      listAccounts: withMasks("listAccounts", {
        read: { field: listMask, target: fieldOf(ListAccountsResponse, "accounts") },
      }),
      watchAccounts: withMasks("watchAccounts", {
        read: { field: listMask, target: fieldOf(GetAccountResponse, "account") },
      }),
      updateAccount: withMasks("updateAccount", {
        update: {
          field: fieldOf(UpdateAccountRequest, "update_mask"),
          resource: fieldOf(UpdateAccountRequest, "account"),
        },
      }),
    },
  };
}

const ada = () =>
  create(Account, {
    name: "accounts/ada",
    displayName: "Ada",
    profile: { bio: "math", avatarUrl: "https://a.example/ada.png", address: { city: "London", postalCode: "SW1" } },
    tags: ["admin"],
    region: "eu",
  });

async function served(handlers: Record<string, Handler>, interceptors: ServerInterceptor[] = []) {
  let calls = 0;
  const counted = Object.fromEntries(
    Object.entries(handlers).map(([name, fn]) => [
      name,
      function (this: unknown, request: Msg, context: unknown) {
        calls++;
        return fn(request, context);
      },
    ]),
  );
  const service = accountService();
  const { client } = await serve(service, counted as never, { interceptors });
  return { client: client as unknown as Record<string, (request: unknown) => unknown>, calls: () => calls };
}

async function failure(promise: unknown): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    return error as RpcError;
  }
  throw new Error("the call succeeded");
}

describe("read masks over the wire", () => {
  it("GetAccount answers only the masked fields of the account; the rest of the response stays", async () => {
    const stored = ada();
    const { client } = await served({
      getAccount: (request) => {
        expect(props(request).readMask).toMatchObject({ paths: ["display_name", "profile.address.city"] });
        return create(GetAccountResponse, { account: stored, source: "cache" });
      },
    });
    const response = props(
      (await client.getAccount?.({
        name: "accounts/ada",
        readMask: { paths: ["display_name", "profile.address.city"] },
      })) as Msg,
    );
    expect(response.source).toBe("cache");
    expect(response.account).toEqual(create(Account, { displayName: "Ada", profile: { address: { city: "London" } } }));
    // The handler's message is not changed.
    expect(props(stored).tags).toEqual(["admin"]);
    expect(props(props(stored).profile as Msg).bio).toBe("math");
  });

  it("answers everything for an empty mask and for *", async () => {
    const { client } = await served({ getAccount: () => ({ account: ada() }) });
    for (const readMask of [undefined, { paths: [] }, { paths: ["*"] }]) {
      const response = props((await client.getAccount?.({ name: "accounts/ada", readMask })) as Msg);
      expect(response.account).toEqual(ada());
    }
  });

  it("prunes a plain-object answer, and the whole response when the mask targets it", async () => {
    const { client } = await served({
      getAccountWhole: () => ({ name: "accounts/ada", displayName: "Ada", tags: ["admin"] }),
      listAccounts: () => ({
        accounts: [ada(), { displayName: "Grace", tags: ["navy"] }],
        byName: { ada: ada() },
      }),
    });
    const whole = (await client.getAccountWhole?.({ name: "accounts/ada", readMask: { paths: ["tags"] } })) as Msg;
    expect(whole).toEqual(create(Account, { tags: ["admin"] }));
    const list = props((await client.listAccounts?.({ readMask: { paths: ["displayName"] } })) as Msg);
    expect(list.accounts).toEqual([create(Account, { displayName: "Ada" }), create(Account, { displayName: "Grace" })]);
    expect(list.byName).toEqual({ ada: ada() }); // not the target
  });

  it("prunes every message of a server stream", async () => {
    const { client } = await served({
      watchAccounts: async function* () {
        yield { account: ada() };
        yield { account: { displayName: "Grace", region: "us" }, source: "live" };
      },
    });
    const stream = client.watchAccounts?.({ readMask: { paths: ["region"] } }) as AsyncIterable<Msg>;
    expect((await collect(stream)).map((m) => props(m))).toEqual([
      expect.objectContaining({ account: create(Account, { region: "eu" }), source: "" }),
      expect.objectContaining({ account: create(Account, { region: "us" }), source: "live" }),
    ]);
  });

  it("refuses an unknown path with INVALID_ARGUMENT naming it, before the handler runs", async () => {
    const { client, calls } = await served({
      getAccount: () => ({ account: ada() }),
      watchAccounts: async function* () {},
    });
    const error = await failure(
      client.getAccount?.({ name: "accounts/ada", readMask: { paths: ["display_name", "nmae"] } }),
    );
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toBe(
      'invalid masks.v1.GetAccountRequest: read_mask.paths[1]: "nmae" is not a field of masks.v1.Account',
    );
    expect(error.fieldViolations).toEqual([
      {
        field: "read_mask.paths[1]",
        description: '"nmae" is not a field of masks.v1.Account',
        reason: "UNKNOWN_FIELD",
      },
    ]);
    const streamed = await failure(
      collect(client.watchAccounts?.({ readMask: { paths: ["tags.x"] } }) as AsyncIterable<Msg>),
    );
    expect(streamed.code).toBe(Code.INVALID_ARGUMENT);
    expect(calls()).toBe(0);
  });

  it("runs inside the server's own interceptors, which see the pruned response", async () => {
    const seen: unknown[] = [];
    const spy: ServerInterceptor = (next) => async (call) => {
      const result = await next(call);
      if (!result.responseStream) seen.push(result.response);
      return result;
    };
    const { client } = await served({ getAccount: () => ({ account: ada() }) }, [spy]);
    await client.getAccount?.({ name: "accounts/ada", readMask: { paths: ["name"] } });
    expect(seen).toEqual([expect.objectContaining({ account: create(Account, { name: "accounts/ada" }) })]);
  });
});

describe("update masks over the wire", () => {
  it("changes only the masked fields, and refuses paths an update may not change before the handler runs", async () => {
    let stored = ada();
    const { client, calls } = await served({
      updateAccount: (request) => {
        const { account, updateMask } = props(request) as { account: Msg; updateMask: { paths: string[] } };
        stored = applyUpdateMask(Account, stored, account, updateMask);
        return stored;
      },
    });
    const patch = {
      name: "accounts/ada",
      displayName: "Ada King",
      region: "us",
      profile: { address: { city: "Ockham" } },
    };
    const updated = props(
      (await client.updateAccount?.({ account: patch, updateMask: { paths: ["profile.address.city"] } })) as Msg,
    );
    expect(updated.displayName).toBe("Ada");
    expect(updated.region).toBe("eu");
    expect(updated.profile).toMatchObject({ bio: "math", address: { city: "Ockham", postalCode: "SW1" } });

    const before = calls();
    const error = await failure(
      client.updateAccount?.({ account: patch, updateMask: { paths: ["region", "name", "nope"] } }),
    );
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.map((v) => [v.field, v.reason])).toEqual([
      ["update_mask.paths[0]", "IMMUTABLE"],
      ["update_mask.paths[1]", "IDENTIFIER"],
      ["update_mask.paths[2]", "UNKNOWN_FIELD"],
    ]);
    expect(calls()).toBe(before);
  });
});

describe("REQUIRED fields over the wire", () => {
  it("are checked before a create's handler runs, with one violation each", async () => {
    const { client, calls } = await served({ createAccount: (request) => props(request).account });
    const error = await failure(client.createAccount?.({ account: { profile: { address: { city: "x" } } } }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations).toEqual([
      { field: "account.display_name", description: "is required", reason: "REQUIRED" },
      { field: "account.profile.address.postal_code", description: "is required", reason: "REQUIRED" },
    ]);
    expect(calls()).toBe(0);
    expect(await client.createAccount?.({ account: { displayName: "Ada" } })).toMatchObject({ displayName: "Ada" });
  });

  it("are checked in each message of a request stream; the first that lacks one ends the call", async () => {
    let seen = 0;
    const { client } = await served({
      createAccounts: async (requests) => {
        try {
          for await (const _ of requests as unknown as AsyncIterable<Msg>) seen++;
        } catch {
          // A handler that swallows the error does not turn the call into a success.
        }
        return {};
      },
    });
    const error = await failure(
      client.createAccounts?.([
        { account: { displayName: "Ada" } },
        { account: {} },
        { account: { displayName: "Grace" } },
      ]),
    );
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toContain("message 2 of the request stream");
    expect(error.fieldViolations).toEqual([
      { field: "account.display_name", description: "is required", reason: "REQUIRED" },
    ]);
    expect(seen).toBe(1);
  });

  it("in a bidi stream, the first request that lacks one ends the call after the answers to those before it", async () => {
    // CreateAccounts as a bidi method, built at run time: one answer per request.
    const base = accountService();
    const bidi = { ...(base.methods.createAccounts as MethodSpec), kind: "bidi_streaming" as const };
    const service = { ...base, methods: { createAccounts: bidi } };
    let closed = false;
    const { client } = await serve(service, {
      createAccounts: async function* (requests: AsyncIterable<Msg>) {
        try {
          for await (const request of requests) yield { accounts: [props(request).account as Msg] };
        } catch {
          // Swallowed: the call still ends with the check's error.
          yield { accounts: [] };
        } finally {
          closed = true;
        }
      },
    } as never);
    const call = (client as unknown as Record<string, (requests: unknown) => AsyncIterable<Msg>>).createAccounts;
    const answers: Msg[] = [];
    const error = await failure(
      (async () => {
        for await (const answer of call?.([{ account: { displayName: "Ada" } }, { account: {} }]) ?? []) {
          answers.push(answer);
        }
      })(),
    );
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.rawMessage).toContain("message 2 of the request stream");
    expect(answers.map((a) => (props(a).accounts as Msg[]).map((account) => props(account).displayName))).toEqual([
      ["Ada"],
    ]);
    expect(closed).toBe(true);
  });
});
