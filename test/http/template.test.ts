import { describe, expect, it } from "vitest";
import { matchTemplate, parseTemplate } from "../../runtime/http/template.js";

const match = (template: string, path: string) => {
  const bindings = matchTemplate(parseTemplate(template), path);
  return bindings === undefined ? undefined : Object.fromEntries(bindings.map(([f, v]) => [f.join("."), v]));
};

describe("path templates", () => {
  it("parse literals, variables, nested fields, wildcards and a verb", () => {
    expect(parseTemplate("/v1/{book.name=shelves/*/books/*}:move")).toEqual({
      segments: [
        { kind: "literal", value: "v1" },
        { kind: "literal", value: "shelves" },
        { kind: "one" },
        { kind: "literal", value: "books" },
        { kind: "one" },
      ],
      variables: [{ fieldPath: ["book", "name"], start: 1, end: 5 }],
      verb: "move",
    });
    expect(parseTemplate("/v1/{id}/**").segments.map((s) => s.kind)).toEqual(["literal", "one", "rest"]);
  });

  it("match a single-segment variable, percent-decoded", () => {
    expect(match("/v1/users/{user_id}", "/v1/users/u%201")).toEqual({ user_id: "u 1" });
    expect(match("/v1/users/{user_id}", "/v1/users/")).toBeUndefined();
    expect(match("/v1/users/{user_id}", "/v1/users/a/b")).toBeUndefined();
    expect(match("/v1/users/{user_id}", "/v1/users/%zz")).toBeUndefined();
  });

  it("match a multi-segment variable with its slashes", () => {
    expect(match("/v1/{name=shelves/*/books/*}", "/v1/shelves/s1/books/b2")).toEqual({ name: "shelves/s1/books/b2" });
    expect(match("/v1/{name=shelves/*/books/*}", "/v1/shelves/s1/novels/b2")).toBeUndefined();
    expect(match("/v1/{book.name=shelves/*}/x", "/v1/shelves/s/x")).toEqual({ "book.name": "shelves/s" });
  });

  it("match ** against the rest of the path, also none of it", () => {
    expect(match("/files/{path=**}", "/files/a/b/c")).toEqual({ path: "a/b/c" });
    expect(match("/files/{path=**}", "/files")).toEqual({ path: "" });
    expect(match("/files/**", "/other/a")).toBeUndefined();
  });

  it("match segments after ** against the end of the path, as Google's APIs use them", () => {
    // google/cloud/discoveryengine/v1/completion_service.proto, PurgeSuggestionDenyListEntries.
    const purge = "/v1/{parent=projects/*/locations/*/dataStores/**}/suggestionDenyListEntries:purge";
    expect(match(purge, "/v1/projects/p/locations/l/dataStores/d/suggestionDenyListEntries:purge")).toEqual({
      parent: "projects/p/locations/l/dataStores/d",
    });
    expect(match(purge, "/v1/projects/p/locations/l/dataStores/a/b/suggestionDenyListEntries:purge")).toEqual({
      parent: "projects/p/locations/l/dataStores/a/b",
    });
    expect(match(purge, "/v1/projects/p/locations/l/dataStores/suggestionDenyListEntries:purge")).toEqual({
      parent: "projects/p/locations/l/dataStores",
    });
    expect(match(purge, "/v1/projects/p/locations/l/dataStores/d/other:purge")).toBeUndefined();
    expect(match(purge, "/v1/projects/p/locations/l/suggestionDenyListEntries:purge")).toBeUndefined();
    expect(match("/v1/{a=x/**}/{b}/y", "/v1/x/1/2/bee/y")).toEqual({ a: "x/1/2", b: "bee" });
    expect(() => parseTemplate("/v1/**/x/**")).toThrow("** may appear only once");
  });

  it("match a custom verb only when present", () => {
    expect(match("/v1/{name=orders/*}:cancel", "/v1/orders/o1:cancel")).toEqual({ name: "orders/o1" });
    expect(match("/v1/{name=orders/*}:cancel", "/v1/orders/o1")).toBeUndefined();
    expect(match("/v1/books:search", "/v1/books:search")).toEqual({});
    expect(match("/v1/books", "/v1/books:search")).toBeUndefined();
  });
});
