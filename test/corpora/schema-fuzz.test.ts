import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, onTestFinished } from "vitest";
import { protocGenEsBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";
import { typecheck } from "../support/typecheck.js";
import { renderSchema, schemaDraw } from "./schema-arbitrary.js";

// Random valid schemas with hostile names (schema-arbitrary.ts): grpckit
// generates from each, and protoc-gen-es's and grpckit's output type-checks
// under --strict. A bounded number per run, all in one buf build and one tsc
// run; SCHEMA_FUZZ_SEED and SCHEMA_FUZZ_COUNT choose others (the failure
// message names the seed to rerun with).
const seed = Number(process.env.SCHEMA_FUZZ_SEED ?? 20261205);
const count = Number(process.env.SCHEMA_FUZZ_COUNT ?? 24);

describe("schema fuzz", () => {
  it(`generates code that compiles for ${count} random schemas with hostile names (seed ${seed})`, () => {
    mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
    const dir = mkdtempSync(join(root, "node_modules/.cache/grpckit-fuzz-"));
    if (process.env.SCHEMA_FUZZ_KEEP === undefined) onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const draws = fc.sample(schemaDraw, { seed, numRuns: count });
    const protos = new Map<string, string>();
    draws.forEach((draw, i) => {
      protos.set(`fuzz${i}/v1/schema.proto`, renderSchema(draw, `fuzz${i}.v1`));
    });
    for (const [name, text] of protos) {
      mkdirSync(dirname(join(dir, "proto", name)), { recursive: true });
      writeFileSync(join(dir, "proto", name), text);
    }
    const request = requestFor(join(dir, "proto"), "target=ts,import_extension=js");
    const esFiles = runPluginProcess(protocGenEsBin, request);
    request.parameter = "target=ts,import_extension=js,auth_warnings=false";
    const grpckitFiles = runGrpckit(request);
    expect(grpckitFiles.size, "every schema has a service").toBe(count);
    const out = join(dir, "gen");
    for (const [name, content] of [...esFiles, ...grpckitFiles]) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), content);
    }
    const errors = typecheck(out);
    // The schema of the first file with an error, to reproduce it.
    const failing = /fuzz(\d+)\//.exec(errors[0] ?? "")?.[1];
    const schema =
      failing === undefined
        ? ""
        : `\n\nfuzz${failing}/v1/schema.proto:\n${protos.get(`fuzz${failing}/v1/schema.proto`)}`;
    expect(errors, `SCHEMA_FUZZ_SEED=${seed}\n${errors.slice(0, 20).join("\n")}${schema}`).toEqual([]);
  });
});
