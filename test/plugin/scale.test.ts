import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it, onTestFinished } from "vitest";
import { generatedStem, NAME_MAX } from "../../plugin/model/file-names.js";
import { protocGenEsBin, runGrpckit, runPluginProcess } from "../support/codegen.js";

// Valid protos at the edges of size: one file with more RPCs than a function
// call takes arguments, and a file name as long as protoc-gen-es can write.

/** A request for one proto3 file with `methods` unary RPCs on one service (with an update mask, so the mask part is printed too). */
function requestWith(name: string, methods: number) {
  const file = create(FileDescriptorProtoSchema, {
    name,
    package: "big.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/field_mask.proto"],
    messageType: [
      { name: "Empty" },
      { name: "Thing", field: [{ name: "name", number: 1, type: 9, label: 1, jsonName: "name" }] },
      {
        name: "UpdateThingRequest",
        field: [
          { name: "thing", number: 1, type: 11, typeName: ".big.v1.Thing", label: 1, jsonName: "thing" },
          {
            name: "update_mask",
            number: 2,
            type: 11,
            typeName: ".google.protobuf.FieldMask",
            label: 1,
            jsonName: "updateMask",
          },
        ],
      },
    ],
    service: [
      {
        name: "Big",
        method: Array.from({ length: methods }, (_, i) => ({
          name: `Update${i}`,
          inputType: ".big.v1.UpdateThingRequest",
          outputType: ".big.v1.Thing",
        })),
      },
    ],
  });
  const fieldMask = create(FileDescriptorProtoSchema, {
    name: "google/protobuf/field_mask.proto",
    package: "google.protobuf",
    syntax: "proto3",
    messageType: [{ name: "FieldMask", field: [{ name: "paths", number: 1, type: 9, label: 3, jsonName: "paths" }] }],
  });
  return create(CodeGeneratorRequestSchema, {
    fileToGenerate: [name],
    parameter: "target=ts",
    protoFile: [fieldMask, file],
    sourceFileDescriptors: [file],
  });
}

describe("generation at the edges of size", () => {
  it("writes a file with 8,000 RPCs (no argument spread that overflows the stack)", () => {
    const files = runGrpckit(requestWith("big/v1/big.proto", 8_000));
    const out = files.get("big/v1/big_grpckit.ts") ?? "";
    expect(out).toContain('path: "/big.v1.Big/Update7999"');
    expect(out.match(/kind: "unary"/g)).toHaveLength(8_000);
    expect(out).toContain("export function applyThingUpdateMask(");
  });

  it("writes grpckit's files wherever protoc-gen-es's _pb.ts fits: a shorter suffix for a long name", () => {
    const base = "n".repeat(NAME_MAX - "_pb.ts".length); // the longest name protoc-gen-es can write
    const request = requestWith(`long/${base}.proto`, 2);
    const files = new Map([...runPluginProcess(protocGenEsBin, request), ...runGrpckit(request)]);
    expect([...files.keys()].sort()).toEqual([`long/${base}_gk.ts`, `long/${base}_pb.ts`]);
    const dir = mkdtempSync(join(tmpdir(), "grpckit-long-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content); // throws ENAMETOOLONG for a name the file system refuses
    }
    expect(files.get(`long/${base}_gk.ts`)).toContain(`from "./${base}_pb"`);
  });

  it("keeps the usual suffixes while they fit, and counts bytes, not characters", () => {
    expect(generatedStem("a/b/user", "grpckit")).toBe("a/b/user_grpckit");
    expect(generatedStem("a/b/user", "validate")).toBe("a/b/user_validate");
    const fits = "x".repeat(NAME_MAX - "_validate.ts".length);
    expect(generatedStem(`d/${fits}`, "validate")).toBe(`d/${fits}_validate`);
    expect(generatedStem(`d/${fits}é`, "validate")).toBe(`d/${fits}é_gv`); // é is two bytes
    expect(generatedStem(`d/${fits}`, "grpckit")).toBe(`d/${fits}_grpckit`);
  });
});
