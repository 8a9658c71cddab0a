import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../runtime/http/template.js";
import { grpckitBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";

/*
 * The OpenAPI 3.1 document of `openapi=true`, for the shelf service of
 * test/golden/http: a snapshot (test/http/openapi/shelf.openapi.json), and
 * the properties a consumer relies on, checked here: every $ref resolves,
 * every path variable is a required parameter, validation rules are
 * constraints, comments are descriptions.
 */

const request = requestFor(`${root}test/golden/http/proto`, "target=ts,openapi=true");
request.fileToGenerate = ["shelf/v1/shelf.proto"];
const files = runGrpckit(request);
const text = files.get("shelf/v1/shelf.openapi.json") ?? "";
// biome-ignore lint/suspicious/noExplicitAny: a JSON document, read by path
const doc: any = JSON.parse(text === "" ? "{}" : text);

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("the OpenAPI document", () => {
  it("matches its snapshot", async () => {
    await expect(text).toMatchFileSnapshot(`${root}test/http/openapi/shelf.openapi.json`);
  });

  it("is written only when asked", () => {
    const plain = requestFor(`${root}test/golden/http/proto`, "target=ts");
    plain.fileToGenerate = ["shelf/v1/shelf.proto"];
    expect([...runGrpckit(plain).keys()].some((name) => name.endsWith(".json"))).toBe(false);
  });

  it("is written for target=js+dts too, by the executable, byte for byte the same", () => {
    const js = requestFor(`${root}test/golden/http/proto`, "target=js+dts,openapi=true");
    js.fileToGenerate = ["shelf/v1/shelf.proto"];
    const out = runPluginProcess(grpckitBin, js);
    expect([...out.keys()].sort()).toEqual([
      "shelf/v1/shelf.openapi.json",
      "shelf/v1/shelf_grpckit.d.ts",
      "shelf/v1/shelf_grpckit.js",
      "shelf/v1/shelf_validate.d.ts",
      "shelf/v1/shelf_validate.js",
    ]);
    expect(out.get("shelf/v1/shelf.openapi.json")).toBe(text);
  });

  it("is OpenAPI 3.1 with an operation per binding with a standard method", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/v1/books/{name}",
      "/v1/books:import",
      "/v1/{book.name}",
      "/v1/{name}",
      "/v1/{name}:move",
      "/v1/{parent}/books",
      "/v1/{parent}/books:stream",
    ]);
    expect(Object.keys(doc.paths["/v1/{book.name}"]).sort()).toEqual(["patch", "put"]);
    expect(doc.paths["/v1/{parent}/books:stream"].get.responses["200"].content).toHaveProperty("application/x-ndjson");
  });

  it("resolves every $ref", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(5);
    for (const ref of all) {
      const name = ref.replace("#/components/schemas/", "");
      expect(doc.components.schemas, ref).toHaveProperty([name]);
    }
  });

  it("declares each path variable as a required path parameter, the rest as query parameters", () => {
    for (const [path, item] of Object.entries<Record<string, { parameters?: { name: string; in: string }[] }>>(
      doc.paths,
    )) {
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const op of Object.values(item)) {
        const inPath = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(inPath, path).toEqual(names);
      }
    }
    const list = doc.paths["/v1/{parent}/books"].get.parameters;
    expect(list).toContainEqual(expect.objectContaining({ name: "page_size", in: "query" }));
    expect(list).toContainEqual(
      expect.objectContaining({ name: "tags", in: "query", schema: { type: "array", items: { type: "string" } } }),
    );
    const get = doc.paths["/v1/{name}"].get.parameters;
    expect(get).toContainEqual(expect.objectContaining({ name: "read_mask", in: "query" }));
    expect(parseTemplate("/v1/{name=shelves/*/books/*}").variables).toHaveLength(1);
  });

  it("writes proto3 JSON types, validation rules as constraints and comments as descriptions", () => {
    const book = doc.components.schemas["shelf.v1.Book"];
    expect(book.description).toBe("A book on a shelf.");
    expect(book.properties.pages).toEqual({ type: "string", format: "int64" });
    expect(book.properties.title).toMatchObject({ type: "string", minLength: 1 });
    // Bounds outside a range: minimum/maximum keywords would describe the inside, so none.
    expect(book.properties.shelfRow).toEqual({
      type: "integer",
      format: "int32",
      description: "Above 10 or below 5 (bounds outside a range): no JSON Schema keyword says so.",
    });
    expect(book.properties.name.description).toBe("`shelves/{shelf}/books/{book}`.");
    expect(doc.paths["/v1/{parent}/books"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/shelf.v1.Book",
    });
    expect(doc.paths["/v1/{name}"].delete.responses.default.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/google.rpc.Status",
    });
  });
});
