import { readdirSync, realpathSync } from "node:fs";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { protocGenEsBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";

// One folder per generation case: proto/ holds the input, gen/ the expected
// output of protoc-gen-es and grpckit together (so that it typechecks with
// `npm run typecheck`). `npm run golden:update` rewrites gen/; review the diff.
// A case that imports grpckit's options or google.api links them into proto/
// (symbolic links to the repository's proto/), and the code generated for
// them into gen/ (links to plugin/gen and runtime/gen): only the case's own
// protos are generated and snapshotted.
const parameter = "target=ts,import_extension=js";
const casesDir = `${root}test/golden/`;
const cases = readdirSync(casesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

/** The request for the case's own protos: requestFor lists those linked into proto/ too. */
function caseRequest(protoDir: string) {
  const request = requestFor(protoDir, parameter);
  const realDir = realpathSync(protoDir) + sep;
  const own = (name: string) => realpathSync(join(protoDir, name)).startsWith(realDir);
  request.fileToGenerate = request.fileToGenerate.filter(own);
  request.sourceFileDescriptors = request.sourceFileDescriptors.filter((f) => own(f.name));
  return request;
}

/** The snapshot files below gen/: regular files, not the links to generated imports. */
function snapshotFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? snapshotFiles(dir, `${prefix}${d.name}/`) : d.isFile() ? [`${prefix}${d.name}`] : [],
  );
}

describe("golden output", () => {
  it("has the cases the foundation promises", () => {
    expect(cases).toEqual(
      expect.arrayContaining(["kinds", "nested-packages", "no-package", "collisions", "proto2", "editions"]),
    );
  });

  for (const name of cases) {
    it(`matches for ${name}`, async () => {
      const request = caseRequest(`${casesDir}${name}/proto`);
      const files = new Map([...runPluginProcess(protocGenEsBin, request), ...runGrpckit(request)]);
      expect([...files.keys()].some((f) => f.endsWith("_grpckit.ts"))).toBe(true);
      // Outside CI, vitest writes a missing file snapshot and passes; unless
      // updating, gen/ must already hold exactly the files generated.
      if (expect.getState().snapshotState.snapshotUpdateState !== "all") {
        const inGen = snapshotFiles(`${casesDir}${name}/gen`).sort();
        expect(inGen, "files in gen/ (missing: npm run golden:update; stale: delete)").toEqual(
          [...files.keys()].sort(),
        );
      }
      for (const [file, content] of files) {
        await expect(content).toMatchFileSnapshot(`${casesDir}${name}/gen/${file}`);
      }
    });
  }
});
