import { create } from "@bufbuild/protobuf";
import {
  type FieldViolation,
  identifierFields,
  type MaskNode,
  type UpdateMaskSpec,
  updateValidationMask,
} from "grpckit";
import { describe, expect, it } from "vitest";
import { AuthorSchema } from "../golden/update-validation/gen/upd/v1/common_pb.js";
import {
  BookSchema,
  ShelfSchema,
  UpdateBookRequestSchema,
  UpdateShelfRequestSchema,
} from "../golden/update-validation/gen/upd/v1/library_pb.js";
import { UpdateBookRequestValidator } from "../golden/update-validation/gen/upd/v1/library_validate.js";

/*
 * The path restriction of update-aware validation, without a server: which
 * fields of the resource a request's update mask has checked
 * (updateValidationMask), and the generated update check on that node.
 */

const update: UpdateMaskSpec = {
  field: UpdateBookRequestSchema.field.updateMask,
  resource: UpdateBookRequestSchema.field.book,
};

/** The node as paths, `field` or `field.{sub paths}`. */
function described(node: MaskNode | undefined): string[] | undefined {
  return node?.entries.map(({ field, sub }) =>
    sub === undefined ? field.name : `${field.name}.{${(described(sub) ?? []).join(",")}}`,
  );
}

function maskFor(paths: string[] | undefined, book = create(BookSchema)): MaskNode | undefined {
  const request = create(UpdateBookRequestSchema, {
    book,
    updateMask: paths === undefined ? undefined : { paths },
  });
  return updateValidationMask(update, request, 101);
}

describe("updateValidationMask", () => {
  it("names the mask's fields, merged and in field order, and the identifier", () => {
    expect(described(maskFor(["pages"]))).toEqual(["name", "pages"]);
    expect(described(maskFor(["tags", "author.address.city", "title", "author.email"]))).toEqual([
      "name",
      "title",
      "author.{email,address.{city}}",
      "tags",
    ]);
    // A path under one named whole adds nothing.
    expect(described(maskFor(["author.email", "author"]))).toEqual(["name", "author"]);
  });

  it("is every rule for `*`, anywhere in the mask", () => {
    expect(maskFor(["*"])).toBeUndefined();
    expect(maskFor(["pages", "*"])).toBeUndefined();
  });

  it("for an empty mask, names the fields the resource sets that an update may change", () => {
    const book = create(BookSchema, { pages: 3, title: "", tags: ["a"], format: { case: "isbn", value: "x" } });
    expect(described(maskFor(undefined, book))).toEqual(["name", "pages", "tags", "isbn"]);
    expect(described(maskFor([], book))).toEqual(["name", "pages", "tags", "isbn"]);
    const request = create(UpdateBookRequestSchema, {});
    expect(described(updateValidationMask(update, request, 101))).toEqual(["name"]);
  });

  it("names the identifier alone for a mask the update refuses", () => {
    expect(described(maskFor(["nope"]))).toEqual(["name"]);
    expect(described(maskFor(["name"]))).toEqual(["name"]); // IDENTIFIER: no update may name it
  });

  it("caches the node of a mask: the same paths give the same node", () => {
    expect(maskFor(["pages", "title"])).toBe(maskFor(["pages", "title"]));
  });
});

describe("identifierFields", () => {
  it("is the IDENTIFIER field, else a string field called name, else none", () => {
    expect(identifierFields(BookSchema).map((f) => f.name)).toEqual(["name"]);
    expect(identifierFields(ShelfSchema).map((f) => f.name)).toEqual(["name"]);
    expect(identifierFields(AuthorSchema)).toEqual([]);
    expect(identifierFields(UpdateShelfRequestSchema)).toEqual([]);
  });
});

describe("the generated update check", () => {
  const check = UpdateBookRequestValidator.update;

  function run(paths: string[], book: Parameters<typeof create<typeof BookSchema>>[1]): string[] {
    const request = create(UpdateBookRequestSchema, { book, updateMask: { paths } });
    const out: FieldViolation[] = [];
    const node = updateValidationMask(update, request, 101);
    if (node === undefined) {
      UpdateBookRequestValidator.check(request, out, 101);
    } else {
      check?.check(request, out, 101, node);
    }
    return out.map((v) => `${v.field} ${v.reason}`);
  }

  it("is generated for the request's resource field", () => {
    expect(check?.resource).toBe(UpdateBookRequestSchema.field.book);
  });

  it("checks only the named fields, whole or in part", () => {
    const book = {
      name: "books/a",
      pages: 0,
      title: "",
      author: { displayName: "", email: "x", address: { city: "", country: "FRA" } },
    };
    expect(run(["title"], book)).toEqual(["book.title STRING_MIN_LEN"]);
    expect(run(["author.address.country"], book)).toEqual(["book.author.address.country STRING_LEN"]);
    expect(run(["author.address"], book)).toEqual([
      "book.author.address.city STRING_MIN_LEN",
      "book.author.address.country STRING_LEN",
    ]);
    // Rules of the book as a whole wait for `*`.
    expect(run(["subtitle", "edition"], { ...book, subtitle: "s", edition: "e" })).toEqual([]);
    expect(run(["*"], { ...book, subtitle: "s", edition: "e" })).toContain("book MESSAGE_ONEOF");
  });

  it("stops at the limit inside a masked list", () => {
    const request = create(UpdateBookRequestSchema, {
      book: { name: "books/a", tags: Array.from({ length: 10_000 }, () => "") },
      updateMask: { paths: ["tags"] },
    });
    const out: FieldViolation[] = [];
    check?.check(request, out, 5, updateValidationMask(update, request, 6) as MaskNode);
    expect(out.length).toBeLessThanOrEqual(6);
  });
});
