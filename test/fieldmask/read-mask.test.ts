import { clone, create, type DescMessage, equals, isFieldSet, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { applyReadMask, Code, type PathProblem, parseReadMask, type ReadMask, RpcError } from "grpckit";
import { describe, expect, it } from "vitest";
import { cachedReadMasks } from "../../runtime/fieldmask/read-mask.js";
import { Account, fieldOf, Legacy, Plain, Profile, props } from "./fixtures.js";

type Msg = MessageShape<DescMessage>;

function parsed(schema: DescMessage, paths: string[]): ReadMask {
  const mask = parseReadMask(schema, paths);
  if (Array.isArray(mask)) {
    throw new Error(`refused: ${mask.map((p) => p.description).join("; ")}`);
  }
  return mask;
}

function problems(schema: DescMessage, paths: string[]): PathProblem[] {
  const mask = parseReadMask(schema, paths);
  if (!Array.isArray(mask)) {
    throw new Error(`accepted: ${mask.paths.join(",")}`);
  }
  return mask;
}

const account = (): Msg =>
  create(Account, {
    name: "accounts/1",
    displayName: "Ada",
    profile: {
      bio: "math",
      avatarUrl: "https://a.example/ada.png",
      address: { city: "London", street: "St James's Square" },
    },
    labels: { team: "engines", tier: "gold" },
    tags: ["a", "b"],
    aliases: { countess: { bio: "of Lovelace" } },
    history: [{ bio: "before" }, { bio: "after", address: { city: "Ockham" } }],
    createTime: timestampFromMs(1_000),
    region: "eu",
    contact: { case: "phone", value: { number: "+441234", country: "GB" } },
    level: 0,
    nickname: "ada",
    parent: { displayName: "Lord Byron", profile: { bio: "poet" } },
    status: 1,
    settings: { dark: true, locale: "en", etag: "e1" },
  });

describe("read masks", () => {
  it("keeps only the leaf a nested path names", () => {
    const pruned = applyReadMask(Account, account(), { paths: ["profile.address.city"] });
    expect(equals(Account, pruned, create(Account, { profile: { address: { city: "London" } } }))).toBe(true);
  });

  it("keeps a whole message when a path names it, and maps and lists whole", () => {
    const source = account();
    const pruned = applyReadMask(Account, source, { paths: ["profile", "labels", "tags", "aliases", "history"] });
    const expected = create(Account, {
      profile: props(source).profile,
      labels: props(source).labels,
      tags: props(source).tags,
      aliases: props(source).aliases,
      history: props(source).history,
    });
    expect(equals(Account, pruned, expected)).toBe(true);
  });

  it("is the identity for an absent or empty mask and for *, also with other paths", () => {
    const source = account();
    expect(applyReadMask(Account, source, undefined)).toBe(source);
    expect(applyReadMask(Account, source, { paths: [] })).toBe(source);
    expect(applyReadMask(Account, source, { paths: ["*"] })).toBe(source);
    expect(applyReadMask(Account, source, { paths: ["display_name", "*"] })).toBe(source);
    expect(parsed(Account, ["*"])).toMatchObject({ everything: true, paths: ["*"] });
  });

  it("accepts JSON names as well as proto names", () => {
    const source = account();
    const byJson = applyReadMask(Account, source, { paths: ["displayName", "profile.avatarUrl", "createTime"] });
    const byProto = applyReadMask(Account, source, { paths: ["display_name", "profile.avatar_url", "create_time"] });
    expect(equals(Account, byJson, byProto)).toBe(true);
    expect(byJson).toMatchObject({ displayName: "Ada", profile: { avatarUrl: "https://a.example/ada.png", bio: "" } });
    expect(parsed(Account, ["profile.avatarUrl", "displayName"]).paths).toEqual(["display_name", "profile.avatar_url"]);
  });

  it("canonicalizes paths: field order, none under another", () => {
    expect(parsed(Account, ["profile.bio", "profile", "name"]).paths).toEqual(["name", "profile"]);
    expect(parsed(Account, ["profile", "profile.bio"]).paths).toEqual(["profile"]);
    expect(parsed(Account, ["profile.address.city", "profile.bio", "profile.address.city"]).paths).toEqual([
      "profile.bio",
      "profile.address.city",
    ]);
  });

  it("refuses a path that names no field, saying which and why", () => {
    expect(problems(Account, ["display_name", "nmae"])).toEqual([
      { index: 1, path: "nmae", description: '"nmae" is not a field of masks.v1.Account', reason: "UNKNOWN_FIELD" },
    ]);
    expect(problems(Account, ["profile.address.town", "x"])).toEqual([
      {
        index: 0,
        path: "profile.address.town",
        description: '"profile.address.town" is not a field of masks.v1.Account (masks.v1.Address has no field "town")',
        reason: "UNKNOWN_FIELD",
      },
      { index: 1, path: "x", description: '"x" is not a field of masks.v1.Account', reason: "UNKNOWN_FIELD" },
    ]);
  });

  it("refuses paths into maps, lists, scalars and well-known types, and malformed paths", () => {
    const bad = [
      "labels.team",
      "tags.0",
      "aliases.countess.bio",
      "history.bio",
      "display_name.x",
      "create_time.seconds",
      "nickname.value",
      "",
      "profile..bio",
      ".bio",
      "profile.",
    ];
    const found = problems(Account, bad);
    expect(found.map((p) => p.index)).toEqual(bad.map((_, i) => i));
    expect(found.every((p) => p.reason === "INVALID_FIELD_PATH")).toBe(true);
    expect(found[0]?.description).toBe('"labels.team" goes into labels, a map, which a path cannot go into');
    expect(found[5]?.description).toBe(
      '"create_time.seconds" goes into create_time, a google.protobuf.Timestamp, which a path cannot go into',
    );
  });

  it("keeps a oneof member only when it is the one set, and goes into a member message", () => {
    const source = account(); // contact is the phone
    expect(props(applyReadMask(Account, source, { paths: ["email"] })).contact).toEqual({ case: undefined });
    expect(props(applyReadMask(Account, source, { paths: ["phone"] })).contact).toEqual(props(source).contact);
    const number = applyReadMask(Account, source, { paths: ["phone.number"] });
    expect(props(number).contact).toMatchObject({ case: "phone", value: { number: "+441234", country: "" } });
    const byEmail = create(Account, { contact: { case: "email", value: "ada@example.com" } });
    expect(props(applyReadMask(Account, byEmail, { paths: ["email", "phone.number"] })).contact).toEqual(
      props(byEmail).contact,
    );
  });

  it("keeps explicit presence: an optional set to zero stays set, proto2 defaults stay unset", () => {
    const source = account();
    const level = applyReadMask(Account, source, { paths: ["level"] });
    expect(isFieldSet(level, fieldOf(Account, "level"))).toBe(true);
    expect(isFieldSet(applyReadMask(Account, create(Account), { paths: ["level"] }), fieldOf(Account, "level"))).toBe(
      false,
    );

    const legacy = create(Legacy, { name: "set", child: { count: 1 } });
    const pruned = applyReadMask(Legacy, legacy, { paths: ["count", "child.count"] });
    const name = fieldOf(Legacy, "name");
    const count = fieldOf(Legacy, "count");
    expect(isFieldSet(pruned, count)).toBe(false);
    expect(isFieldSet(pruned, name)).toBe(false);
    expect(props(pruned).count).toBe(7); // the default, from the prototype
    expect(props(pruned).name).toBe("anon");
    expect(isFieldSet(props(pruned).child as Msg, count)).toBe(true);
  });

  it("goes down a recursive type", () => {
    const pruned = applyReadMask(Account, account(), { paths: ["parent.profile.bio"] });
    expect(equals(Account, pruned, create(Account, { parent: { profile: { bio: "poet" } } }))).toBe(true);
  });

  it("leaves its input as it was", () => {
    const source = account();
    const before = clone(Account, source);
    applyReadMask(Account, source, { paths: ["profile.address.city", "phone.number", "labels"] });
    expect(equals(Account, source, before)).toBe(true);
  });

  it("throws INVALID_ARGUMENT with a BadRequest naming each bad path", () => {
    let error: unknown;
    try {
      applyReadMask(Account, account(), { paths: ["name", "nmae", "tags.x"] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RpcError);
    const rpc = error as RpcError;
    expect(rpc.code).toBe(Code.INVALID_ARGUMENT);
    expect(rpc.rawMessage).toContain('read_mask.paths[1]: "nmae" is not a field of masks.v1.Account');
    expect(rpc.fieldViolations).toEqual([
      {
        field: "read_mask.paths[1]",
        description: '"nmae" is not a field of masks.v1.Account',
        reason: "UNKNOWN_FIELD",
      },
      {
        field: "read_mask.paths[2]",
        description: '"tags.x" goes into tags, a repeated field, which a path cannot go into',
        reason: "INVALID_FIELD_PATH",
      },
    ]);
  });
});

describe("the cache of parsed read masks", () => {
  it("answers the same mask for the same type and paths", () => {
    const a = parsed(Profile, ["bio", "address.city"]);
    expect(parsed(Profile, ["bio", "address.city"])).toBe(a);
    expect(parsed(Profile, ["address.city", "bio"])).not.toBe(a); // another list, the same meaning
    expect(parsed(Profile, ["address.city", "bio"]).paths).toEqual(a.paths);
  });

  it("never mistakes one path with a comma for several paths", () => {
    parsed(Profile, ["bio", "avatar_url"]);
    expect(problems(Profile, ["bio,avatar_url"])).toHaveLength(1);
    parsed(Profile, ["bio", "address"]);
    expect(problems(Profile, ["bio,address"])).toHaveLength(1);
  });

  it("keeps no refused mask and at most 256 masks per type", () => {
    const before = cachedReadMasks(Plain);
    problems(Plain, ["nope"]);
    expect(cachedReadMasks(Plain)).toBe(before);
    const names = Plain.fields.map((f) => f.name);
    let made = 0;
    for (const a of names) {
      for (const b of names) {
        for (const c of names) {
          parsed(Plain, [a, b, c]);
          made++;
        }
      }
    }
    expect(made).toBeGreaterThan(256);
    expect(cachedReadMasks(Plain)).toBe(256);
  });
});
