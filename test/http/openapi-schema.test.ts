import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { requestFor, root, runGrpckit } from "../support/codegen.js";

/*
 * The generated OpenAPI document validates against the OpenAPI 3.1 schema,
 * with @seriousme/openapi-schema-validator (ajv with the official schemas),
 * a devDependency.
 */

interface Validator {
  validate(spec: object): Promise<{ valid: boolean; errors?: unknown }>;
  readonly version: string;
}

async function validator(): Promise<Validator> {
  const module = (await import("@seriousme/openapi-schema-validator")) as { Validator: new () => Validator };
  return new module.Validator();
}

describe("the OpenAPI document against the OpenAPI 3.1 schema", () => {
  const request = requestFor(`${root}test/golden/http/proto`, "target=ts,openapi=true");
  request.fileToGenerate = ["shelf/v1/shelf.proto"];
  const doc = JSON.parse(runGrpckit(request).get("shelf/v1/shelf.openapi.json") ?? "{}") as Record<string, unknown>;

  it("is valid", async () => {
    const v = await validator();
    const result = await v.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(v.version).toBe("3.1");
  });

  it("and the validator refuses a broken one", async () => {
    const broken = { ...doc, paths: { "/v1/x": { get: { responses: { "200": {} } } } } };
    expect((await (await validator()).validate(broken)).valid).toBe(false);
  });
});

describe("the reference services' OpenAPI documents (generated-example, served by the example)", () => {
  it.each(["user", "product", "order"])("%s.openapi.json is valid", async (name) => {
    const doc = JSON.parse(
      readFileSync(`${root}generated-example/ecommerce/v1/${name}.openapi.json`, "utf8"),
    ) as object;
    const result = await (await validator()).validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});
