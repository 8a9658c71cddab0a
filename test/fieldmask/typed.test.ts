import { isMessage } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { fieldMask, type PathsOf } from "grpckit";
import { describe, expect, it } from "vitest";
import type { UserPaths } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import type { Profile, User } from "../../generated-example/ecommerce/v1/user_pb.js";
import type { Shelf } from "../golden/masks/gen/library/v1/library_pb.js";

/*
 * The typed paths are checked by the compiler: `npm run typecheck` (tsc over
 * test/) fails when a `@ts-expect-error` below stops being an error, i.e.
 * when a misspelt path compiles. The assertions check what the builder makes.
 */

describe("fieldMask<T>()", () => {
  it("builds a google.protobuf.FieldMask of the paths given", () => {
    const mask = fieldMask<User>("display_name", "profile.address.city");
    expect(isMessage(mask, FieldMaskSchema)).toBe(true);
    expect(mask.paths).toEqual(["display_name", "profile.address.city"]);
  });

  it("accepts the paths of the type and nothing else, at compile time", () => {
    fieldMask<User>("user_id", "profile", "profile.address", "metadata", "roles", "create_time");
    // @ts-expect-error: a nested message has no paths of its own (no mask names a Profile); name them from User
    fieldMask<Profile>("avatar_url");
    fieldMask<User>("profile.avatar_url", "profile.address.region_code");
    fieldMask<Shelf>("featured.author.contact.email", "featured.sequel");
    // @ts-expect-error: a misspelt field
    fieldMask<User>("dispaly_name");
    // @ts-expect-error: JSON names are for the wire; the type lists proto names
    fieldMask<User>("displayName");
    // @ts-expect-error: maps are named whole
    fieldMask<User>("metadata.source");
    // @ts-expect-error: well-known types are named whole
    fieldMask<User>("create_time.seconds");
    // @ts-expect-error: a recursive field is named whole in the type
    fieldMask<Shelf>("featured.sequel.title");
    const typed: UserPaths[] = ["email", "profile.first_name"];
    const fromType: PathsOf<User>[] = typed;
    expect(fieldMask<User>(...fromType).paths).toEqual(["email", "profile.first_name"]);
  });
});
