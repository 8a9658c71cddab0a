import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { requiredCheck } from "../../runtime/fieldmask/required.js";
import { messageType, Plain } from "./fixtures.js";

const CreateAccountRequest = messageType("CreateAccountRequest");
const UpdateAccountRequest = messageType("UpdateAccountRequest");
const ListAccountsRequest = messageType("ListAccountsRequest");
const GetAccountRequest = messageType("GetAccountRequest");

describe("REQUIRED fields of requests", () => {
  it("are checked in the request and in every message of it that is set, lists and maps too", () => {
    const check = requiredCheck(CreateAccountRequest);
    if (check === undefined) throw new Error("no check");
    expect(check(create(CreateAccountRequest))).toEqual([
      { field: "account", description: "is required", reason: "REQUIRED" },
    ]);
    const request = create(CreateAccountRequest, {
      account: {
        profile: { address: { city: "London" } },
        history: [{ bio: "ok" }, { address: { postalCode: "N1" } }, { address: {} }],
        aliases: { "a b": { address: {} } },
      },
    });
    expect(check(request).map((v) => v.field)).toEqual([
      "account.display_name",
      "account.profile.address.postal_code",
      'account.aliases["a b"].address.postal_code',
      "account.history[2].address.postal_code",
    ]);
    const valid = create(CreateAccountRequest, { account: { displayName: "Ada", profile: { bio: "no address" } } });
    expect(check(valid)).toEqual([]);
  });

  it("are not checked inside the resource of an update, which the update mask governs", () => {
    const resource = UpdateAccountRequest.fields.find((f) => f.name === "account");
    const check = requiredCheck(UpdateAccountRequest, resource);
    if (check === undefined) throw new Error("no check");
    expect(check(create(UpdateAccountRequest, { account: {} }))).toEqual([]);
    expect(check(create(UpdateAccountRequest)).map((v) => v.field)).toEqual(["account"]);
  });

  it("cost nothing when only the skipped resource reaches REQUIRED fields", () => {
    const UpdateProfileRequest = messageType("UpdateProfileRequest");
    const resource = UpdateProfileRequest.fields.find((f) => f.name === "profile");
    expect(requiredCheck(UpdateProfileRequest, resource)).toBeUndefined();
    expect(requiredCheck(UpdateProfileRequest)).toBeDefined();
  });

  it("cost nothing for types that reach no REQUIRED field", () => {
    expect(requiredCheck(ListAccountsRequest)).toBeUndefined();
    expect(requiredCheck(Plain)).toBeUndefined();
    expect(requiredCheck(GetAccountRequest)).toBeDefined();
  });
});
