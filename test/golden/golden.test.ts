import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { protocGenEsBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";

// One folder per generation case: proto/ holds the input, gen/ the expected
// output of protoc-gen-es and grpckit together (so that it typechecks with
// `npm run typecheck`). `npm run golden:update` rewrites gen/; review the diff.
const parameter = "target=ts,import_extension=js";
const casesDir = `${root}test/golden/`;
const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe("golden output", () => {
  it("has the cases the foundation promises", () => {
    expect(cases).toEqual(
      expect.arrayContaining(["kinds", "nested-packages", "no-package", "collisions", "proto2", "editions"]),
    );
  });

  for (const name of cases) {
    it(`matches for ${name}`, async () => {
      const request = requestFor(`${casesDir}${name}/proto`, parameter);
      const files = new Map([...runPluginProcess(protocGenEsBin, request), ...runGrpckit(request)]);
      expect([...files.keys()].some((f) => f.endsWith("_grpckit.ts"))).toBe(true);
      for (const [file, content] of files) {
        await expect(content).toMatchFileSnapshot(`${casesDir}${name}/gen/${file}`);
      }
    });
  }
});
