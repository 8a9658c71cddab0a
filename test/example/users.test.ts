import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "grpckit";
import { describe, expect, test } from "vitest";
import { SUPPORT_BOT } from "../../example/services/users.js";
import { MemoryUsers } from "../../example/store/memory.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { UserSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { collect, deferred, within } from "../support/serve.js";
import { connectAs, serveShop } from "./harness.js";

describe("the example's UserService", () => {
  test("creates, reads with a read mask, and deletes users", async () => {
    const { users } = await serveShop();
    const { user: ada } = await users.client.createUser({
      email: "ada@example.com",
      displayName: "Ada",
      profile: { firstName: "Ada", address: { city: "London" } },
      metadata: { source: "test" },
    });
    expect(ada).toMatchObject({ userId: "u1", email: "ada@example.com", metadata: { source: "test" } });
    expect(ada?.createTime).toBeDefined();

    const { user: masked } = await users.client.getUser({
      userId: "u1",
      readMask: { paths: ["display_name", "profile.address.city"] },
    });
    expect(masked).toEqual(create(UserSchema, { displayName: "Ada", profile: { address: { city: "London" } } }));
    await expect(users.client.getUser({ userId: "u1", readMask: { paths: ["nope"] } })).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });

    await expect(users.client.createUser({ email: "ADA@example.com", displayName: "Ada again" })).rejects.toMatchObject(
      {
        code: Code.ALREADY_EXISTS,
      },
    );

    await users.client.deleteUser({ userId: "u1" });
    await expect(users.client.getUser({ userId: "u1" })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: "user u1 not found",
    });
    await expect(users.client.deleteUser({ userId: "u1" })).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  test("the store's errors quote a caller's id as an excerpt, not whole", async () => {
    const { users } = await serveShop();
    // DeleteUser hands the id straight to the store, whose NOT_FOUND names it.
    const failure = await users.client.deleteUser({ userId: "x".repeat(10_000) }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: expect.stringMatching(/^user x+… \(truncated: 10000 characters\) not found$/),
    });
    expect((failure as { rawMessage: string }).rawMessage.length).toBeLessThan(1_000);
  });

  test("UpdateUser changes exactly the fields its update mask names", async () => {
    const { users } = await serveShop();
    const { user: original } = await users.client.createUser({
      email: "ada@example.com",
      displayName: "Ada",
      profile: { firstName: "Ada", lastName: "Lovelace", address: { city: "London", regionCode: "GB" } },
      metadata: { source: "test" },
    });
    const userId = original?.userId ?? "";
    const update = (user: Parameters<typeof users.client.updateUser>[0]["user"], paths?: string[]) =>
      users.client.updateUser({ user: { userId, ...user }, ...(paths && { updateMask: { paths } }) });

    // A nested path changes one field and keeps its siblings.
    const { user: moved } = await update({ displayName: "ignored", profile: { address: { city: "Ockham" } } }, [
      "profile.address.city",
    ]);
    expect(moved).toMatchObject({
      displayName: "Ada",
      profile: { firstName: "Ada", lastName: "Lovelace", address: { city: "Ockham", regionCode: "GB" } },
    });
    expect(timestampDate(moved?.updateTime ?? timestampFromMs(0)).getTime()).toBeGreaterThanOrEqual(
      timestampDate(original?.updateTime ?? timestampFromMs(0)).getTime(),
    );

    // A path to a message replaces the whole message; a path unset in the request clears the field.
    const { user: renamed } = await update({ displayName: "Ada King", profile: { firstName: "Augusta" } }, [
      "profile",
      "metadata",
    ]);
    expect(renamed?.profile).toMatchObject({ firstName: "Augusta", lastName: "" });
    expect(renamed?.profile?.address).toBeUndefined();
    expect(renamed?.metadata).toEqual({});
    expect(renamed?.displayName).toBe("Ada");

    // Without a mask, the fields set in the request change (AIP-134).
    const { user: implied } = await update({ displayName: "Ada King" });
    expect(implied).toMatchObject({
      displayName: "Ada King",
      email: "ada@example.com",
      profile: { firstName: "Augusta" },
    });

    for (const paths of [["user_id"], ["create_time"], ["no_such_field"], ["metadata.source"], ["email.x"]]) {
      await expect(update({ email: "x@example.com" }, paths), paths.join()).rejects.toMatchObject({
        code: Code.INVALID_ARGUMENT,
      });
    }
    await users.client.createUser({ email: "grace@example.com", displayName: "Grace" });
    await expect(update({ email: "GRACE@example.com" }, ["email"])).rejects.toMatchObject({
      code: Code.ALREADY_EXISTS,
    });
    await expect(
      users.client.updateUser({ user: { userId: "u404", displayName: "x" }, updateMask: { paths: ["display_name"] } }),
    ).rejects.toMatchObject({ code: Code.NOT_FOUND });
    expect((await users.client.getUser({ userId })).user?.email).toBe("ada@example.com");
  });

  test("the store refuses an update based on a stale read (ABORTED)", async () => {
    const store = new MemoryUsers();
    const read = await store.create(create(UserSchema, { email: "ada@example.com", displayName: "Ada" }));
    await store.update(create(UserSchema, { ...read, displayName: "Ada King" }), read);
    await expect(store.update(create(UserSchema, { ...read, email: "ada@example.org" }), read)).rejects.toMatchObject({
      code: Code.ABORTED,
    });
    expect((await store.get(read.userId))?.displayName).toBe("Ada King");
  });

  test("BatchGetUsers answers in the order asked, all or nothing", async () => {
    const { users } = await serveShop();
    await users.client.createUsers([
      { user: { email: "a@example.com", displayName: "A" } },
      { user: { email: "b@example.com", displayName: "B" } },
    ]);
    const { users: found } = await users.client.batchGetUsers({
      userIds: ["u2", "u1"],
      readMask: { paths: ["email"] },
    });
    expect(found.map((u) => [u.email, u.displayName])).toEqual([
      ["b@example.com", ""],
      ["a@example.com", ""],
    ]);
    await expect(users.client.batchGetUsers({ userIds: ["u1", "u9"] })).rejects.toMatchObject({
      code: Code.NOT_FOUND,
      rawMessage: "user u9 not found",
    });
  });

  test("ListUsers streams the matching users, oldest first, at most page_size", async () => {
    const { users } = await serveShop();
    const { users: created } = await users.client.createUsers([
      { user: { email: "ada@example.com", displayName: "Ada" } },
      { user: { email: "grace@navy.mil", displayName: "Grace" } },
      { user: { email: "alan@example.com", displayName: "Alan" } },
      { user: { email: "edsger@example.nl", displayName: "Edsger" } },
    ]);
    const list = async (request: Parameters<typeof users.client.listUsers>[0]) =>
      (await collect(users.client.listUsers(request))).map((r) => r.user?.displayName);

    expect(await list({})).toEqual(["Ada", "Grace", "Alan", "Edsger"]);
    expect(await list({ filter: "EXAMPLE" })).toEqual(["Ada", "Alan", "Edsger"]);
    expect(await list({ filter: "example", pageSize: 2 })).toEqual(["Ada", "Alan"]);
    expect(await list({ filter: "grace" })).toEqual(["Grace"]);
    const oldest = created.at(0)?.createTime;
    const newest = created.at(-1)?.createTime;
    expect(await list({ createdAfter: timestampFromMs(Date.now() - 3_600_000) })).toHaveLength(4);
    expect(await list({ createdAfter: oldest })).not.toContain("Ada");
    expect(await list({ createdAfter: newest })).toEqual([]);
    const [first] = await collect(users.client.listUsers({ readMask: { paths: ["user_id"] } }));
    expect(first?.user).toEqual(create(UserSchema, { userId: "u1" }));
    // An invalid mask fails even when nothing matches.
    await expect(
      collect(users.client.listUsers({ filter: "nobody", readMask: { paths: ["x"] } })),
    ).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });
  });

  test("CreateUsers creates what it can and reports the others by their index in the stream", async () => {
    const { users } = await serveShop();
    await users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
    const { users: created, errors } = await users.client.createUsers(
      (async function* () {
        yield { user: { email: "grace@example.com", displayName: "Grace" } };
        yield { user: { email: "ADA@example.com", displayName: "Not Ada" } };
        yield { user: { email: "alan@example.com", displayName: "Alan" } };
        yield { user: { email: "alan@example.com", displayName: "Alan again" } };
      })(),
    );
    expect(created.map((u) => [u.userId, u.displayName])).toEqual([
      ["u2", "Grace"],
      ["u3", "Alan"],
    ]);
    expect(errors).toMatchObject([
      { index: 1, code: Code.ALREADY_EXISTS },
      { index: 3, code: Code.ALREADY_EXISTS },
    ]);
    expect(errors[0]?.message).toContain("ADA@example.com");
  });

  test("ChatWithUsers: the bot answers a customer alone; an agent gets what customers say, and answers one of them", async () => {
    const { users } = await serveShop();
    await users.client.createUser({ email: "ada@example.com", displayName: "Ada" });
    await users.client.createUser({ email: "grace@example.com", displayName: "Grace" });
    const asAda = await connectAs(users, UserService, "u1");
    const asGrace = await connectAs(users, UserService, "u2");
    const asAgent = await connectAs(users, UserService, "agent-7", ["support"]);

    const alone = await collect(asAda.chatWithUsers([{ userId: "u1", message: "hello?" }]));
    expect(alone).toHaveLength(1);
    expect(alone[0]).toMatchObject({ userId: SUPPORT_BOT });
    expect(alone[0]?.message).toContain("Hi Ada!");
    expect(alone[0]?.message).toContain('"hello?"');
    expect(alone[0]?.sendTime).toBeDefined();

    /** Joins the chat as `client`, sending `first` and then nothing until `done` resolves. */
    const join = async (client: typeof asAda, first: { userId: string; message: Promise<string> } | undefined) => {
      const joined = deferred();
      const done = deferred();
      const call = client
        .chatWithUsers(
          (async function* () {
            if (first !== undefined) {
              yield { userId: first.userId, message: await first.message };
            }
            await done.promise;
          })(),
          { onHeader: () => joined.resolve() },
        )
        [Symbol.asyncIterator]();
      const heard = call.next();
      await within(joined.promise, "joining the chat");
      return { call, heard, done };
    };
    // An agent and Grace join first; the headers say they are in the room.
    const agentSays = deferred<string>();
    const agent = await join(asAgent, { userId: "u1", message: agentSays.promise });
    const grace = await join(asGrace, undefined);
    const ada = await join(asAda, { userId: "u1", message: Promise.resolve("my lamp is broken") });

    // The line says who sent it, as the credentials say.
    expect((await within(agent.heard, "the agent to hear Ada")).value).toMatchObject({
      userId: "u1",
      message: "my lamp is broken",
    });
    agentSays.resolve("sorry to hear that, a new one is on its way");
    expect((await within(ada.heard, "Ada to hear the agent")).value).toMatchObject({
      userId: "agent-7",
      message: "sorry to hear that, a new one is on its way",
    });
    // Each side ends its call by ending what it sends. Grace heard nothing of Ada's conversation.
    grace.done.resolve();
    expect(await within(grace.heard, "Grace's call to end")).toMatchObject({ done: true });
    agent.done.resolve();
    expect(await within(agent.call.next(), "the agent's call to end")).toMatchObject({ done: true });
    ada.done.resolve();
    expect(await within(ada.call.next(), "Ada's call to end")).toMatchObject({ done: true });

    // An agent writing to a customer who is not connected is told so.
    expect(await collect(asAgent.chatWithUsers([{ userId: "u2", message: "still there?" }]))).toMatchObject([
      { userId: SUPPORT_BOT, message: "u2 is not in the chat" },
    ]);
  });
});
