import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, clientValidation, type FieldViolation, RpcError } from "grpckit";
import { describe, expect, it } from "vitest";
import { BookService } from "../golden/update-validation/gen/upd/v1/library_grpckit.js";
import type { BookSchema } from "../golden/update-validation/gen/upd/v1/library_pb.js";
import { serve } from "../support/serve.js";

/*
 * Update-aware validation (AIP-134) on a real server: in a request with an
 * update mask, the resource's rules apply to the fields the mask names and
 * to the identifier; the request's other fields keep all their rules; `*`,
 * the off switch and a request without a mask check every rule
 * (test/golden/update-validation).
 */

type Book = MessageInitShape<typeof BookSchema>;

async function shop() {
  const calls: string[] = [];
  const served = await serve(
    BookService,
    {
      updateBook: ({ book }) => {
        calls.push("updateBook");
        return book ?? {};
      },
      replaceBook: ({ book }) => {
        calls.push("replaceBook");
        return book ?? {};
      },
      updateShelf: ({ shelf }) => {
        calls.push("updateShelf");
        return shelf ?? {};
      },
      createBook: ({ book }) => {
        calls.push("createBook");
        return book ?? {};
      },
    },
    { limits: { maxViolations: 10 } },
  );
  return { ...served, calls };
}

async function violationsOf(promise: Promise<unknown>): Promise<[string, string][]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  expect((error as RpcError).code).toBe(Code.INVALID_ARGUMENT);
  return (error as RpcError).fieldViolations.map((v: FieldViolation) => [v.field, v.reason]);
}

/**
 * A partial book: valid in the fields a `pages` update names, invalid
 * everywhere else (an empty title, no format although its oneof is
 * required, no editor although it is required, both subtitle and edition
 * although at most one may be set).
 */
const partial: Book = { name: "books/dune", pages: 412, subtitle: "s", edition: "e" };

/** Every rule the partial book breaks, as a request without a mask reports them. */
const everyRule: [string, string][] = [
  ["book.title", "STRING_MIN_LEN"],
  ["book.editor", "REQUIRED"],
  ["book.format", "REQUIRED"],
  ["book", "MESSAGE_ONEOF"],
];

describe("an update with an update mask (AIP-134)", () => {
  it("checks the fields the mask names: others, empty or invalid, do not refuse it", async () => {
    const { client, calls } = await shop();
    const book = await client.updateBook({ book: partial, updateMask: { paths: ["pages"] } });
    expect(book.pages).toBe(412);
    expect(calls).toEqual(["updateBook"]);
  });

  it("refuses a masked field that breaks its rules, naming it alone", async () => {
    const { client, calls } = await shop();
    const refused = await violationsOf(
      client.updateBook({ book: { ...partial, pages: 0, title: "" }, updateMask: { paths: ["pages", "tags"] } }),
    );
    expect(refused).toEqual([["book.pages", "INT32_GT"]]);
    expect(await violationsOf(client.updateBook({ book: partial, updateMask: { paths: ["title"] } }))).toEqual([
      ["book.title", "STRING_MIN_LEN"],
    ]);
    expect(calls).toEqual([]);
  });

  it("always checks the identifier, and the request's own fields", async () => {
    const { client } = await shop();
    expect(
      await violationsOf(
        client.updateBook({
          book: { ...partial, name: "Dune!" },
          updateMask: { paths: ["pages"] },
          requestId: "not-a-uuid",
        }),
      ),
    ).toEqual([
      ["book.name", "STRING_PATTERN"],
      ["request_id", "STRING_UUID"],
    ]);
    // The request's rule on the resource field itself: required.
    expect(await violationsOf(client.updateBook({ updateMask: { paths: ["pages"] } }))).toEqual([["book", "REQUIRED"]]);
  });

  it("checks every rule for `*` (a full replacement), as without an update mask", async () => {
    const { client } = await shop();
    expect(await violationsOf(client.createBook({ book: partial }))).toEqual(everyRule);
    expect(await violationsOf(client.updateBook({ book: partial, updateMask: { paths: ["*"] } }))).toEqual(everyRule);
    expect(await violationsOf(client.updateBook({ book: partial, updateMask: { paths: ["pages", "*"] } }))).toEqual(
      everyRule,
    );
  });

  it("with an empty mask, checks the fields the resource sets (what the update changes)", async () => {
    const { client, calls } = await shop();
    await client.updateBook({ book: { name: "books/dune", pages: 412 } });
    await client.updateBook({ book: { name: "books/dune", pages: 412 }, updateMask: { paths: [] } });
    expect(calls).toEqual(["updateBook", "updateBook"]);
    expect(
      await violationsOf(client.updateBook({ book: { name: "books/dune", pages: -1, tags: ["", "sf"] } })),
    ).toEqual([
      ["book.pages", "INT32_GT"],
      ["book.tags[0]", "STRING_MIN_LEN"],
    ]);
    // Unset, the identifier is checked all the same.
    expect(await violationsOf(client.updateBook({ book: { pages: 1 } }))).toEqual([["book.name", "STRING_PATTERN"]]);
  });

  it("checks every rule when the method turns update-aware validation off", async () => {
    const { client, calls } = await shop();
    expect(await violationsOf(client.replaceBook({ book: partial, updateMask: { paths: ["pages"] } }))).toEqual(
      everyRule,
    );
    expect(calls).toEqual([]);
  });

  it("follows nested paths: a path into a message checks that field only", async () => {
    const { client, calls } = await shop();
    const author = { displayName: "", email: "nope", address: { city: "Paris", country: "FRA" } };
    await client.updateBook({ book: { ...partial, author }, updateMask: { paths: ["author.address.city"] } });
    expect(calls).toEqual(["updateBook"]);
    expect(
      await violationsOf(
        client.updateBook({
          book: { ...partial, author: { ...author, address: { city: "", country: "FRA" } } },
          updateMask: { paths: ["author.address.city", "author.email"] },
        }),
      ),
    ).toEqual([
      ["book.author.email", "STRING_EMAIL"],
      ["book.author.address.city", "STRING_MIN_LEN"],
    ]);
    // A path naming the message: all of it, its own rules included.
    expect(
      await violationsOf(client.updateBook({ book: { ...partial, author }, updateMask: { paths: ["author"] } })),
    ).toEqual([
      ["book.author.display_name", "STRING_MIN_LEN"],
      ["book.author.email", "STRING_EMAIL"],
      ["book.author.address.country", "STRING_LEN"],
    ]);
    expect(await violationsOf(client.updateBook({ book: partial, updateMask: { paths: ["editor"] } }))).toEqual([
      ["book.editor", "REQUIRED"],
    ]);
    // Into a oneof member; a path into a message the patch does not set checks nothing there.
    expect(
      await violationsOf(
        client.updateBook({
          book: { ...partial, format: { case: "publisher", value: author } },
          updateMask: { paths: ["publisher.email"] },
        }),
      ),
    ).toEqual([["book.publisher.email", "STRING_EMAIL"]]);
    await client.updateBook({ book: partial, updateMask: { paths: ["publisher.email", "editor.display_name"] } });
    expect(calls).toEqual(["updateBook", "updateBook"]);
  });

  it("leaves a refused mask to the mask check: no violations of the resource come with it", async () => {
    const { client } = await shop();
    expect(
      await violationsOf(client.updateBook({ book: { ...partial, title: "" }, updateMask: { paths: ["nope"] } })),
    ).toEqual([["update_mask.paths[0]", "UNKNOWN_FIELD"]]);
  });

  it("identifies a resource without IDENTIFIER by its `name` field, with a mask under another name", async () => {
    const { client, calls } = await shop();
    await client.updateShelf({ shelf: { name: "shelves/1" }, paths: { paths: ["name"] } });
    await client.updateShelf({ shelf: { name: "shelves/1", theme: "" }, paths: { paths: [] } });
    expect(calls).toEqual(["updateShelf", "updateShelf"]);
    expect(
      await violationsOf(client.updateShelf({ shelf: { name: "", theme: "" }, paths: { paths: ["theme"] } })),
    ).toEqual([
      ["shelf.name", "STRING_MIN_LEN"],
      ["shelf.theme", "STRING_MIN_LEN"],
    ]);
  });

  it("bounds the work: a huge invalid field outside the mask neither counts nor hides a masked one", async () => {
    const { client } = await shop();
    const tags = Array.from({ length: 100_000 }, () => "");
    const labels = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [i === 0 ? "" : `k${i}`, "v"]));
    expect(
      await violationsOf(
        client.updateBook({ book: { ...partial, tags, labels, pages: 0 }, updateMask: { paths: ["pages"] } }),
      ),
    ).toEqual([["book.pages", "INT32_GT"]]);
    // Masked, the list is cut at the server's limit (10 here, and one to say there were more).
    const masked = await violationsOf(
      client.updateBook({ book: { ...partial, tags }, updateMask: { paths: ["tags"] } }),
    );
    expect(masked.length).toBeLessThanOrEqual(10);
    expect(masked[0]).toEqual(["book.tags", "REPEATED_MAX_ITEMS"]);
  });

  it("answers the same on the client with clientValidation, before sending", async () => {
    const { connect, calls } = await shop();
    const client = connect(BookService, { interceptors: [clientValidation()] });
    await client.updateBook({ book: partial, updateMask: { paths: ["pages"] } });
    expect(await violationsOf(client.updateBook({ book: partial, updateMask: { paths: ["title"] } }))).toEqual([
      ["book.title", "STRING_MIN_LEN"],
    ]);
    expect(await violationsOf(client.replaceBook({ book: partial, updateMask: { paths: ["pages"] } }))).toEqual(
      everyRule,
    );
    expect(calls).toEqual(["updateBook"]);
  });
});
