import { Metadata } from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, deferred, serve } from "../support/serve.js";

describe("metadata", () => {
  test("request metadata reaches the handler's context, from a record or a Metadata", async () => {
    const seen: Metadata[] = [];
    const { client } = await serve(UserService, {
      async getUser(_request, { metadata }) {
        seen.push(metadata);
        return {};
      },
    });
    await client.getUser(
      { userId: "u1" },
      { metadata: { authorization: "Bearer t0k3n", "x-tags": ["a", "b"], "x-id-bin": Buffer.from("id") } },
    );
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer other");
    await client.getUser({ userId: "u1" }, { metadata });
    await client.getUser({ userId: "u1" }, { metadata }); // the caller's Metadata is not consumed by a call

    expect(seen[0]?.get("authorization")).toEqual(["Bearer t0k3n"]);
    expect(seen[0]?.get("x-tags")).toEqual(["a, b"]); // HTTP/2 joins repeated headers
    expect(seen[0]?.get("x-id-bin")).toEqual([Buffer.from("id")]);
    expect(seen[1]?.get("authorization")).toEqual(["Bearer other"]);
    expect(seen[2]?.get("authorization")).toEqual(["Bearer other"]);
    expect(metadata.getMap()).toEqual({ authorization: "Bearer other" });
  });

  test("headers sent with sendHeader reach onHeader, once, before the response", async () => {
    const { client } = await serve(UserService, {
      async getUser(_request, context) {
        context.sendHeader({ "x-served-by": "node-1" });
        context.sendHeader({ "x-served-by": "ignored" });
        return { user: { userId: "u1" } };
      },
    });
    const headers: Metadata[] = [];
    await client.getUser({ userId: "u1" }, { onHeader: (metadata) => headers.push(metadata) });
    expect(headers).toHaveLength(1);
    expect(headers[0]?.get("x-served-by")).toEqual(["node-1"]);
  });

  test("a streaming handler's header arrives before its first message", async () => {
    const release = deferred();
    const { client } = await serve(UserService, {
      async *listUsers(_request, context) {
        context.sendHeader({ "x-total": "2" });
        await release.promise;
        yield { user: { userId: "u1" } };
        yield { user: { userId: "u2" } };
      },
    });
    const header = deferred<Metadata>();
    const stream = client.listUsers({}, { onHeader: header.resolve });
    const reading = collect(stream);
    expect((await header.promise).get("x-total")).toEqual(["2"]);
    release.resolve();
    expect(await reading).toHaveLength(2);
  });

  test("trailers added to the context reach onTrailer, for unary and streaming calls", async () => {
    const { client } = await serve(UserService, {
      async getUser(_request, { trailer }) {
        trailer.set("x-cost", "1");
        return {};
      },
      async *listUsers(_request, { trailer }) {
        yield {};
        trailer.set("x-cost", "2"); // trailers may be added until the handler ends
      },
      async createUsers(requests, { trailer }) {
        for await (const _ of requests) trailer.add("x-seen", "1");
        return {};
      },
      async *chatWithUsers(requests, { trailer }) {
        for await (const { message } of requests) yield { message };
        trailer.set("x-cost", "4");
      },
    });
    const trailers: Metadata[] = [];
    const onTrailer = (metadata: Metadata) => trailers.push(metadata);
    await client.getUser({ userId: "u1" }, { onTrailer });
    await collect(client.listUsers({}, { onTrailer }));
    const user = { email: "a@example.com", displayName: "A" };
    await client.createUsers([{ user }, { user }], { onTrailer });
    await collect(client.chatWithUsers([{ userId: "u1", message: "hi" }], { onTrailer }));
    expect(trailers.map((t) => t.get("x-cost"))).toEqual([["1"], ["2"], [], ["4"]]);
    expect(trailers[2]?.get("x-seen")).toEqual(["1, 1"]);
  });

  test("a header or trailer callback that throws fails the call with its error", async () => {
    const { client } = await serve(UserService, {
      async getUser() {
        return {};
      },
    });
    await expect(
      client.getUser(
        {},
        {
          onTrailer: () => {
            throw new Error("bad trailer");
          },
        },
      ),
    ).rejects.toMatchObject({ name: "RpcError", rawMessage: "bad trailer" });
  });
});
