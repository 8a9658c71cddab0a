import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it, onTestFinished } from "vitest";
import { bufBin, protocGenEsBin, root, runGrpckit, runPluginProcess } from "../support/codegen.js";
import { typecheck } from "../support/typecheck.js";

/**
 * A fixed subset of Google's API tree (npm google-proto-files), chosen so
 * that each construct the whole tree has is in it, and small enough to
 * generate and type-check in well under two minutes on a busy CI machine
 * (`npm run bench` runs the whole tree):
 * - pubsub/v1: update masks that reach a message without fields (its path
 *   type once was `export type ... =` with nothing after it), bidi streaming;
 * - storage/v2: one big file (~4,000 lines) with all four kinds of method,
 *   read and update masks, oneofs, maps;
 * - shopping/merchant/datasources/v1: masks reaching empty messages across
 *   several files of one package, resources, enums;
 * - bytestream: client streaming in a file of its own;
 * - retail/v2 and aiplatform/v1: two large products (hundreds of files,
 *   dozens of services, long-running operations, deep message graphs);
 * - longrunning, iam/v1, api, rpc, type (imported by all of these): options
 *   and proto2 extensions of google/protobuf/descriptor.proto, well-known
 *   types, services in imported files.
 * No file of the tree carries grpckit's validation rules, and none uses
 * editions outside google/protobuf's own test protos: those are in
 * test/golden/editions and the schema fuzz test.
 */
const googleSubset = [
  "google/pubsub/v1",
  "google/storage/v2",
  "google/shopping/merchant/datasources/v1",
  "google/bytestream",
  "google/cloud/retail/v2",
  "google/cloud/aiplatform/v1",
];

const treeRoot = join(root, "node_modules/google-proto-files");

describe("Google's API tree (a fixed subset)", () => {
  it("generates with protoc-gen-es and grpckit, and type-checks with no error under --strict, libraries checked", () => {
    const image = execFileSync(
      bufBin,
      [
        "build",
        treeRoot,
        ...googleSubset.flatMap((p) => ["--path", join(treeRoot, p)]),
        "--as-file-descriptor-set",
        "-o",
        "-#format=binpb",
      ],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const set = fromBinary(FileDescriptorSetSchema, image);
    // The subset and everything it imports (as `buf generate --include-imports`), but the well-known types.
    const generate = set.file.filter((f) => !f.name.startsWith("google/protobuf/"));
    const request = (parameter: string) =>
      create(CodeGeneratorRequestSchema, {
        fileToGenerate: generate.map((f) => f.name),
        parameter,
        protoFile: set.file,
        sourceFileDescriptors: generate,
      });
    const files = new Map([
      ...runPluginProcess(protocGenEsBin, request("target=ts,import_extension=js")),
      ...runGrpckit(request("target=ts,import_extension=js,auth_warnings=false")),
    ]);
    const grpckitFiles = [...files.keys()].filter((f) => f.endsWith("_grpckit.ts"));
    expect(grpckitFiles).toEqual(
      expect.arrayContaining(["google/pubsub/v1/pubsub_grpckit.ts", "google/storage/v2/storage_grpckit.ts"]),
    );
    // PushConfig.PubsubWrapper has no fields: a path names it whole, and nothing goes into it.
    expect(files.get("google/pubsub/v1/pubsub_grpckit.ts")).toMatch(/\| "push_config\.pubsub_wrapper"\n/);
    expect(files.get("google/pubsub/v1/pubsub_grpckit.ts")).not.toMatch(/"push_config\.pubsub_wrapper\./);

    // Inside the repository, so that "@bufbuild/protobuf" resolves through its node_modules.
    mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
    const dir = mkdtempSync(join(root, "node_modules/.cache/grpckit-google-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const errors = typecheck(dir);
    expect(errors, errors.slice(0, 30).join("\n")).toEqual([]);
  });
});
