import { clone, create, type DescMessage, equals, type MessageShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { applyUpdateMask, Code, type PathProblem, parseUpdateMask, RpcError } from "grpckit";
import { describe, expect, it } from "vitest";
import { Account, props } from "./fixtures.js";

type Msg = MessageShape<DescMessage>;

const existing = (): Msg =>
  create(Account, {
    name: "accounts/1",
    displayName: "Ada",
    profile: {
      bio: "math",
      avatarUrl: "https://a.example/ada.png",
      address: { city: "London", street: "St James's Square", postalCode: "SW1" },
    },
    labels: { team: "engines" },
    tags: ["a", "b"],
    history: [{ bio: "before" }],
    createTime: timestampFromMs(1_000),
    region: "eu",
    contact: { case: "phone", value: { number: "+441234", country: "GB" } },
    settings: { dark: true, locale: "en", etag: "e1" },
  });

const patch = (): Msg =>
  create(Account, {
    name: "accounts/other",
    displayName: "Ada King",
    profile: { bio: "poetical science", address: { city: "Ockham", postalCode: "KT11" } },
    labels: { tier: "gold" },
    tags: ["c"],
    history: [{ bio: "later" }],
    createTime: timestampFromMs(9_000),
    region: "us",
    contact: { case: "email", value: "ada@example.com" },
    settings: { dark: false, locale: "fr", etag: "forged" },
  });

const update = (paths: string[] | undefined, from = existing(), to = patch()) =>
  applyUpdateMask(Account, from, to, paths === undefined ? undefined : { paths });

/** `base` (default `existing()`) with `changes` in place, made into messages: what an update should answer. */
function expected(changes: Record<string, unknown>, base: Msg = existing()): Msg {
  const made = props(create(Account, changes));
  for (const key of Object.keys(changes)) {
    props(base)[key] = made[key];
  }
  return base;
}

function refused(paths: string[]): PathProblem[] {
  const mask = parseUpdateMask(Account, paths);
  if (!Array.isArray(mask)) {
    throw new Error(`accepted: ${mask.paths.join(",")}`);
  }
  return mask;
}

describe("applyUpdateMask", () => {
  it("copies only the masked fields from the patch", () => {
    expect(equals(Account, update(["display_name"]), expected({ displayName: "Ada King" }))).toBe(true);
  });

  it("merges a nested path into the existing message, keeping its siblings", () => {
    const result = props(update(["profile.address.city"]));
    expect(result.profile).toMatchObject({
      bio: "math",
      avatarUrl: "https://a.example/ada.png",
      address: { city: "Ockham", street: "St James's Square", postalCode: "SW1" },
    });
  });

  it("creates the messages above a nested path only when the patch sets something there", () => {
    const bare = create(Account, { displayName: "Ada" });
    const created = props(update(["profile.address.city"], bare));
    expect(created.profile).toMatchObject({ bio: "", address: { city: "Ockham", street: "" } });
    const untouched = update(["profile.address.city"], bare, create(Account));
    expect(equals(Account, untouched, bare)).toBe(true);
  });

  it("clears a nested field the patch leaves unset, and keeps its siblings", () => {
    const result = props(update(["profile.address.city"], existing(), create(Account, { displayName: "x" })));
    expect(result.profile).toMatchObject({ bio: "math", address: { city: "", street: "St James's Square" } });
  });

  it("replaces a whole message, list or map that a path names, and clears what the patch leaves unset", () => {
    const replaced = update(["profile", "labels", "tags", "history"]);
    const p = props(patch());
    expect(
      equals(Account, replaced, expected({ profile: p.profile, labels: p.labels, tags: p.tags, history: p.history })),
    ).toBe(true);
    const cleared = props(update(["profile", "labels", "tags"], existing(), create(Account)));
    expect(cleared.profile).toBeUndefined();
    expect(cleared.labels).toEqual({});
    expect(cleared.tags).toEqual([]);
  });

  it("follows oneofs: a member replaces the one set, an unset member clears only itself", () => {
    expect(props(update(["email"])).contact).toEqual({ case: "email", value: "ada@example.com" });
    expect(props(update(["phone"])).contact).toEqual({ case: undefined });
    const byEmail = create(Account, { contact: { case: "email", value: "a@example.com" } });
    expect(props(update(["phone"], byEmail)).contact).toEqual({ case: "email", value: "a@example.com" });
    const newNumber = create(Account, { contact: { case: "phone", value: { number: "+330000" } } });
    expect(props(update(["phone.number"], existing(), newNumber)).contact).toEqual({
      case: "phone",
      value: expect.objectContaining({ number: "+330000", country: "GB" }),
    });
  });

  it("with *, replaces every field but those an update may not change", () => {
    const result = update(["*"]);
    const e = props(existing());
    const want = expected(
      { name: e.name, createTime: e.createTime, region: e.region, settings: { dark: false, locale: "fr", etag: "e1" } },
      patch(),
    );
    expect(equals(Account, result, want)).toBe(true);
  });

  it("without a mask, replaces the top-level fields the patch sets, but not those an update may not change", () => {
    const partial = create(Account, {
      displayName: "Ada King",
      tags: ["x"],
      name: "forged",
      region: "us",
      settings: { locale: "fr" },
    });
    const result = update(undefined, existing(), partial);
    expect(
      equals(
        Account,
        result,
        expected({ displayName: "Ada King", tags: ["x"], settings: { dark: false, locale: "fr", etag: "e1" } }),
      ),
    ).toBe(true);
    expect(equals(Account, update([], existing(), partial), result)).toBe(true);
  });

  it("keeps the protected fields of a message it replaces whole", () => {
    expect(props(update(["settings"])).settings).toMatchObject({ dark: false, locale: "fr", etag: "e1" });
    const cleared = props(update(["settings"], existing(), create(Account)));
    expect(cleared.settings).toMatchObject({ dark: false, locale: "", etag: "e1" });
  });

  it("refuses paths to OUTPUT_ONLY, IMMUTABLE and IDENTIFIER fields, and unknown paths", () => {
    expect(refused(["display_name", "name", "create_time", "region", "settings.etag", "nmae"])).toEqual([
      {
        index: 1,
        path: "name",
        description: '"name" cannot be updated: it identifies the resource',
        reason: "IDENTIFIER",
      },
      {
        index: 2,
        path: "create_time",
        description: '"create_time" cannot be updated: it is output only: the server sets it',
        reason: "OUTPUT_ONLY",
      },
      {
        index: 3,
        path: "region",
        description: '"region" cannot be updated: it is immutable: it is set when the resource is created',
        reason: "IMMUTABLE",
      },
      {
        index: 4,
        path: "settings.etag",
        description: '"settings.etag" cannot be updated: it is output only: the server sets it',
        reason: "OUTPUT_ONLY",
      },
      { index: 5, path: "nmae", description: '"nmae" is not a field of masks.v1.Account', reason: "UNKNOWN_FIELD" },
    ]);
  });

  it("refuses to leave a REQUIRED field it names unset, also with *", () => {
    const blank = create(Account, { profile: { address: { city: "x" } } });
    for (const [paths, field] of [
      [["tags", "display_name"], "update_mask.paths[1]"],
      [["*"], "update_mask.paths[0]"],
      [["profile.address.postal_code"], "update_mask.paths[0]"],
    ] as const) {
      let error: unknown;
      try {
        update([...paths], existing(), blank);
      } catch (e) {
        error = e;
      }
      expect(error, paths.join()).toBeInstanceOf(RpcError);
      expect((error as RpcError).code).toBe(Code.INVALID_ARGUMENT);
      expect((error as RpcError).fieldViolations).toEqual([expect.objectContaining({ field, reason: "REQUIRED" })]);
    }
    // Named and set, or not named: fine.
    expect(props(update(["display_name"])).displayName).toBe("Ada King");
    expect(props(update(["tags"], existing(), blank)).displayName).toBe("Ada");
  });

  it("throws INVALID_ARGUMENT with a BadRequest, under the mask field's name", () => {
    let error: unknown;
    try {
      applyUpdateMask(Account, existing(), patch(), { paths: ["tags", "create_time"] }, { maskField: "mask" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).rawMessage).toBe(
      'invalid update mask of masks.v1.Account: mask.paths[1]: "create_time" cannot be updated: it is output only: the server sets it',
    );
    expect((error as RpcError).fieldViolations).toEqual([
      expect.objectContaining({ field: "mask.paths[1]", reason: "OUTPUT_ONLY" }),
    ]);
  });

  it("changes neither input, and shares nothing with them", () => {
    const from = existing();
    const to = patch();
    const before = [clone(Account, from), clone(Account, to)];
    const result = props(update(["profile", "tags", "labels", "phone"], from, to));
    expect(equals(Account, from, before[0] as Msg)).toBe(true);
    expect(equals(Account, to, before[1] as Msg)).toBe(true);
    (result.tags as string[]).push("mutated");
    (props(result.profile as Msg).address as Record<string, unknown>).city = "mutated";
    expect(equals(Account, to, before[1] as Msg)).toBe(true);
    const other = props(update(["display_name"], from, to));
    (props(other.profile as Msg).address as Record<string, unknown>).city = "mutated";
    expect(equals(Account, from, before[0] as Msg)).toBe(true);
  });
});
