import { create } from "@bufbuild/protobuf";
import { Code, fieldMask, type RpcError } from "grpckit";
import { describe, expect, it } from "vitest";
import { userService } from "../../example/services/users.js";
import { MemoryUsers } from "../../example/store/memory.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { type User, UserSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { collect, serve } from "../support/serve.js";

/*
 * The reference UserService (generated-example, example/services/users.ts)
 * over the wire: its handlers never look at a read mask, yet answers are
 * pruned; UpdateUser applies its mask with the generated applyUserUpdateMask.
 */

async function shop() {
  const handlers = userService(new MemoryUsers());
  const calls = { updateUser: 0 };
  const served = await serve(
    UserService,
    {
      ...handlers,
      updateUser(request, context) {
        calls.updateUser++;
        return handlers.updateUser(request, context);
      },
    },
    { auth: false },
  );
  const { client } = served;
  const { user: ada } = await client.createUser({
    email: "ada@example.com",
    displayName: "Ada",
    profile: { firstName: "Ada", lastName: "Lovelace", address: { city: "London", regionCode: "GB" } },
    metadata: { source: "test" },
  });
  await client.createUser({ email: "grace@example.com", displayName: "Grace", profile: { firstName: "Grace" } });
  return { client, ada: ada as User, calls };
}

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  try {
    await promise;
  } catch (error) {
    return error as RpcError;
  }
  throw new Error("the call succeeded");
}

describe("the reference UserService's masks", () => {
  it("GetUser answers only the masked fields, nested ones too", async () => {
    const { client } = await shop();
    const { user } = await client.getUser({
      userId: "u1",
      readMask: fieldMask<User>("display_name", "profile.address.city"),
    });
    expect(user).toEqual(create(UserSchema, { displayName: "Ada", profile: { address: { city: "London" } } }));
    const { user: whole } = await client.getUser({ userId: "u1", readMask: fieldMask<User>("profile") });
    expect(whole?.profile).toMatchObject({ firstName: "Ada", lastName: "Lovelace", address: { city: "London" } });
    expect(whole?.email).toBe("");
  });

  it("ListUsers prunes every user it streams; BatchGetUsers every user of its list", async () => {
    const { client } = await shop();
    const listed = await collect(client.listUsers({ readMask: { paths: ["email", "profile.firstName"] } }));
    expect(listed.map((r) => r.user)).toEqual([
      create(UserSchema, { email: "ada@example.com", profile: { firstName: "Ada" } }),
      create(UserSchema, { email: "grace@example.com", profile: { firstName: "Grace" } }),
    ]);
    const { users } = await client.batchGetUsers({ userIds: ["u2", "u1"], readMask: fieldMask<User>("user_id") });
    expect(users).toEqual([create(UserSchema, { userId: "u2" }), create(UserSchema, { userId: "u1" })]);
  });

  it("refuses an unknown path with INVALID_ARGUMENT and a BadRequest naming it, streams too", async () => {
    const { client } = await shop();
    const error = await failure(client.getUser({ userId: "u1", readMask: { paths: ["email", "profile.nickname"] } }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations).toEqual([
      {
        field: "read_mask.paths[1]",
        description:
          '"profile.nickname" is not a field of ecommerce.v1.User (ecommerce.v1.Profile has no field "nickname")',
        reason: "UNKNOWN_FIELD",
      },
    ]);
    const streamed = await failure(collect(client.listUsers({ filter: "nobody", readMask: { paths: ["roles.0"] } })));
    expect(streamed.fieldViolations).toEqual([
      expect.objectContaining({ field: "read_mask.paths[0]", reason: "INVALID_FIELD_PATH" }),
    ]);
  });

  it("checks requests first: a request validation refuses is answered as such, before its mask is looked at", async () => {
    const { client } = await shop();
    const error = await failure(client.getUser({ userId: "", readMask: { paths: ["nope"] } }));
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.map((v) => v.field)).toEqual(["user_id"]);
  });

  it("UpdateUser changes only the masked fields", async () => {
    const { client, ada } = await shop();
    const { user } = await client.updateUser({
      user: {
        userId: "u1",
        displayName: "Ada King",
        email: "ignored@example.com",
        profile: { address: { city: "Ockham" } },
      },
      updateMask: fieldMask<User>("display_name", "profile.address.city"),
    });
    expect(user).toMatchObject({
      userId: "u1",
      email: "ada@example.com",
      displayName: "Ada King",
      profile: { firstName: "Ada", lastName: "Lovelace", address: { city: "Ockham", regionCode: "GB" } },
      metadata: { source: "test" },
      createTime: ada.createTime,
    });
  });

  it("UpdateUser refuses, before its handler, paths to fields the server owns, and clearing a field its rules require", async () => {
    const { client, calls } = await shop();
    const error = await failure(
      client.updateUser({ user: { userId: "u1" }, updateMask: { paths: ["user_id", "create_time", "update_time"] } }),
    );
    expect(error.fieldViolations.map((v) => [v.field, v.reason])).toEqual([
      ["update_mask.paths[0]", "IDENTIFIER"],
      ["update_mask.paths[1]", "OUTPUT_ONLY"],
      ["update_mask.paths[2]", "OUTPUT_ONLY"],
    ]);
    expect(calls.updateUser).toBe(0);
    const cleared = await failure(client.updateUser({ user: { userId: "u1" }, updateMask: { paths: ["email"] } }));
    // The mask names email, so its rule applies: "" is no email address (update-aware validation).
    expect(calls.updateUser).toBe(0);
    expect(cleared.code).toBe(Code.INVALID_ARGUMENT);
    expect(cleared.fieldViolations).toEqual([
      expect.objectContaining({ field: "user.email", reason: "STRING_EMAIL_EMPTY" }),
    ]);
    expect((await client.getUser({ userId: "u1" })).user?.email).toBe("ada@example.com");
  });
});
