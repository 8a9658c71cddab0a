import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "grpckit";
import { describe, expect, it } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { CreateUserRequestSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { type AttackChannel, channelTo, expectHeld, type ShopUnderAttack, serveShopUnderAttack } from "./support.js";

/*
 * Bytes no grpckit client would send, through a grpc-js channel with a
 * pass-through serializer, at the example's CreateUser (public: anyone may
 * call it, and it writes). grpc-js refuses each before the handler: what it
 * answers is asserted here, with the channel still serving an honest
 * CreateUser after it and no user created by the attack.
 */

const CREATE_USER = UserService.methods.createUser.path;

/** A valid CreateUserRequest, encoded. */
const valid = () =>
  toBinary(CreateUserRequestSchema, create(CreateUserRequestSchema, { email: "eve@example.com", displayName: "Eve" }));

/** A length-delimited field 1 (email) of `length` bytes of "a", encoded by hand. */
function emailOf(length: number): Buffer {
  const header: number[] = [0x0a];
  for (let n = length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      header.push(n);
      break;
    }
    header.push((n % 128) | 0x80);
  }
  const bytes = Buffer.alloc(header.length + length, "a");
  bytes.set(header);
  return bytes;
}

let honestCalls = 0;

/** What each wire attack must leave: the store unwritten, and the channel creating a user. */
function held(s: ShopUnderAttack, channel: AttackChannel, code: Code) {
  const client = channel.client(UserService);
  return {
    code,
    store: s.store,
    honest: async () => {
      const email = `honest${++honestCalls}@example.com`;
      const { user } = await client.createUser({ email, displayName: "Honest" });
      expect(user?.email).toBe(email);
    },
  };
}

describe("malformed and hostile request bytes", () => {
  it("the pass-through channel creates a user from valid bytes (so that the refusals below are the bytes')", async () => {
    const s = await serveShopUnderAttack();
    const channel = channelTo(s.shop.users.address);
    const before = s.store.writes.length;
    expect((await channel.raw(CREATE_USER, valid())).length).toBeGreaterThan(0);
    expect(s.store.writes.slice(before)).toEqual(["users.create"]);
  });

  it("refuses a truncated message: INTERNAL, as grpc-js answers a request it cannot decode", async () => {
    const s = await serveShopUnderAttack();
    const channel = channelTo(s.shop.users.address);
    const bytes = valid();
    for (const cut of [1, 5, bytes.length - 1]) {
      const error = await expectHeld(
        () => channel.raw(CREATE_USER, bytes.subarray(0, cut)),
        held(s, channel, Code.INTERNAL),
      );
      expect(error.rawMessage).toBe("Error deserializing request");
    }
  });

  it("refuses a field of the wrong wire type: INTERNAL", async () => {
    const s = await serveShopUnderAttack();
    const channel = channelTo(s.shop.users.address);
    const attacks = [
      Buffer.from([0x08, 0x01]), // email (a string) as a varint
      Buffer.from([0x0d, 0x01, 0x00, 0x00, 0x00]), // email as a fixed32
      Buffer.from([0x1b, 0x1c]), // profile (a message) as a group: start and end
      Buffer.from([0x0f]), // wire type 7, which does not exist
    ];
    for (const bytes of attacks) {
      const error = await expectHeld(() => channel.raw(CREATE_USER, bytes), held(s, channel, Code.INTERNAL));
      expect(error.rawMessage).toBe("Error deserializing request");
    }
  });

  it("refuses a gzip bomb (~64 KiB that inflate to 64 MiB) once it has inflated past the 4 MiB limit", async () => {
    const s = await serveShopUnderAttack();
    // grpc-js compresses each request of this channel: grpc-encoding gzip, the frame's compressed flag set.
    const channel = channelTo(s.shop.users.address, { compression: "gzip" });
    const error = await expectHeld(
      () => channel.raw(CREATE_USER, emailOf(64 * 1024 * 1024)),
      held(s, channel, Code.RESOURCE_EXHAUSTED),
    );
    // Refused while inflating, not after: the server never held the 64 MiB.
    expect(error.rawMessage).toBe("Received message that decompresses to a size larger than 4194304");
  });

  it("refuses a message over the 4 MiB limit: RESOURCE_EXHAUSTED", async () => {
    const s = await serveShopUnderAttack();
    const channel = channelTo(s.shop.users.address);
    const bytes = emailOf(4 * 1024 * 1024);
    const error = await expectHeld(() => channel.raw(CREATE_USER, bytes), held(s, channel, Code.RESOURCE_EXHAUSTED));
    expect(error.rawMessage).toBe(`Received message larger than max (${bytes.length} vs 4194304)`);
  });
});
