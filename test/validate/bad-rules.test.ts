import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { protocGenGrpckit } from "../../plugin/plugin.js";
import { bufBin, grpckitBin, protocGenEsBin, requestFor, root } from "../support/codegen.js";
import { type BadRule, badRules } from "./bad-rules.js";

/*
 * A rule that does not fit its field, or leaves nothing valid, fails
 * generation: one line that names the file, the message, the field, the rule
 * and why; a non-zero exit; no output files.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-bad-rules-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const caseName = (i: number) => `c${String(i + 1).padStart(2, "0")}`;

function protoOf(rule: BadRule, pkg: string): string {
  return [
    rule.syntax ?? 'syntax = "proto3";',
    `package ${pkg};`,
    'import "google/protobuf/any.proto";',
    'import "google/protobuf/duration.proto";',
    'import "google/protobuf/field_mask.proto";',
    'import "google/protobuf/timestamp.proto";',
    'import "google/protobuf/wrappers.proto";',
    'import "buf/validate/validate.proto";',
    'import "grpckit/v1/options.proto";',
    "message M {",
    `  ${rule.body}`,
    "}",
    rule.extra ?? "",
    "",
  ].join("\n");
}

/** A proto tree with grpckit's options and buf.validate's (linked) and the given files. */
function protoTree(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, "proto/grpckit"), join(dir, "grpckit"));
  symlinkSync(join(root, "proto/buf"), join(dir, "buf"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

const files = Object.fromEntries(
  badRules.map((rule, i) => [`bad/v1/${caseName(i)}.proto`, protoOf(rule, `bad.v1.${caseName(i)}`)]),
);
// One buf build for all cases; each case then asks the plugin for its file alone.
const all = requestFor(protoTree("all", files), "target=ts");

function requestOf(names: readonly string[]): CodeGeneratorRequest {
  return create(CodeGeneratorRequestSchema, {
    ...all,
    fileToGenerate: [...names],
    sourceFileDescriptors: all.sourceFileDescriptors.filter((f) => names.includes(f.name)),
  });
}

function expectedError(i: number): string {
  const pkg = `bad.v1.${caseName(i)}`;
  return `invalid validation rule in bad/v1/${caseName(i)}.proto: message ${pkg}.M, ${badRules[i]?.error.replaceAll("{pkg}", pkg)}`;
}

describe("bad rules", () => {
  it("are at least 25 distinct cases", () => {
    expect(badRules.length).toBeGreaterThanOrEqual(25);
    expect(new Set(badRules.map((r) => r.error)).size).toBe(badRules.length);
  });

  badRules.forEach((rule, i) => {
    it(`fail generation: ${rule.what}`, () => {
      const run = () => protocGenGrpckit.run(requestOf([`bad/v1/${caseName(i)}.proto`]));
      expect(run).toThrow(expectedError(i));
      try {
        run();
      } catch (error) {
        // One line, exactly: protoplugin prints the message as is.
        expect((error as Error).message).toBe(expectedError(i));
      }
    });
  });

  it("fail the whole run, also when other files are fine", () => {
    const good = "grpckit/v1/options.proto";
    expect(() => protocGenGrpckit.run(requestOf([good, "bad/v1/c01.proto"]))).toThrow(expectedError(0));
  });

  it("fail the executable with one line, no stack, and exit code 1", () => {
    const request = requestOf(["bad/v1/c02.proto"]);
    const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.toString()).toBe(`protoc-gen-grpckit: ${expectedError(1)}\n`);
  });

  it("fail buf generate with a non-zero exit and no output files", () => {
    const dir = protoTree("buf", {
      "good/v1/good.proto": [
        'syntax = "proto3";',
        "package good.v1;",
        'import "grpckit/v1/options.proto";',
        "service S { rpc Get(R) returns (R); }",
        "message R { string id = 1 [(grpckit.v1.field).string.min_len = 1]; }",
        "",
      ].join("\n"),
      "bad/v1/c14.proto": files["bad/v1/c14.proto"] ?? "",
    });
    const out = join(scratch, "buf-out");
    const template = JSON.stringify({
      version: "v2",
      plugins: [
        { local: protocGenEsBin, out, opt: ["target=ts"] },
        { local: ["node", grpckitBin], out, opt: ["target=ts"] },
      ],
    });
    const run = spawnSync(bufBin, ["generate", dir, "--template", template], { encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(expectedError(13));
    expect(existsSync(out)).toBe(false);
  });
});
