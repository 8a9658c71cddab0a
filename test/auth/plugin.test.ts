import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { protocGenGrpckit } from "../../plugin/plugin.js";
import { bufBin, grpckitBin, grpckitError, requestFor, root, spawnGrpckit } from "../support/codegen.js";

/*
 * The plugin's side of auth: rules that cannot work stop generation with one
 * line (file, service, method, rule, fix) and no stack; a service without any
 * rule gets a one-line warning on stderr and generation goes on. What the
 * rules generate is the golden case test/golden/auth.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-auth-plugin-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const messages = `
message R {
  string id = 1;
  int32 count = 2;
  repeated string ids = 3;
  map<string, string> labels = 4;
  Inner inner = 5;
  oneof choice {
    string alias = 6;
  }
}
message Inner {
  string owner_id = 1;
}
`;

interface BadRule {
  readonly what: string;
  /** The service body. */
  readonly service: string;
  /** The error after `invalid auth rule in <file>: service <pkg>.S, `. */
  readonly error: string;
}

const fix = 'name a singular string field of the request, e.g. "id"';
const badRules: BadRule[] = [
  {
    what: "a self field that does not exist",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "owner_id"}}; }',
    error: `method Get: self.field "owner_id": {pkg}.R has no field owner_id; ${fix}`,
  },
  {
    what: "a self field that is not a string",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "count"}}; }',
    error: `method Get: self.field "count": count is of type int32, not string; ${fix}`,
  },
  {
    what: "a repeated self field",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "ids"}}; }',
    error: `method Get: self.field "ids": ids is a repeated field; ${fix}`,
  },
  {
    what: "a map self field",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "labels"}}; }',
    error: `method Get: self.field "labels": labels is a map field; ${fix}`,
  },
  {
    what: "a self field that is a message",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "inner"}}; }',
    error: `method Get: self.field "inner": inner is of type message {pkg}.Inner, not string; ${fix}`,
  },
  {
    what: "a self path through a scalar",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "id.owner_id"}}; }',
    error: `method Get: self.field "id.owner_id": id is not a message field, so it has no field owner_id; ${fix}`,
  },
  {
    what: "a nested self field that does not exist",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "inner.owner"}}; }',
    error: `method Get: self.field "inner.owner": {pkg}.Inner has no field owner; ${fix}`,
  },
  {
    what: "an empty self field",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {override_roles: ["admin"]}}; }',
    error: `method Get: self.field "": is empty; ${fix}`,
  },
  {
    what: "a self rule on a client stream",
    service: 'rpc Put(stream R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "id"}}; }',
    error:
      'method Put: self.field "id": needs one request message, and Put streams its requests; drop self here and check ownership in the handler with principalOf(ctx), or use roles',
  },
  {
    what: "a self rule on a bidi stream",
    service: 'rpc Chat(stream R) returns (stream R) { option (grpckit.v1.method).auth = {self: {field: "id"}}; }',
    error:
      'method Chat: self.field "id": needs one request message, and Chat streams its requests; drop self here and check ownership in the handler with principalOf(ctx), or use roles',
  },
  {
    what: "public with roles",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {public: true, roles: ["admin"]}; }',
    error:
      "method Get: public with roles: a public method asks for no credentials, so nothing else can be checked; drop public, or roles",
  },
  {
    what: "public with self and scopes",
    service:
      'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {public: true, scopes: ["a"], self: {field: "id"}}; }',
    error:
      "method Get: public with scopes, self: a public method asks for no credentials, so nothing else can be checked; drop public, or scopes and self",
  },
  {
    what: "an empty role",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {roles: [""]}; }',
    error: 'method Get: roles "": is not a name (empty, or with spaces around it); remove it or trim it',
  },
  {
    what: "a scope with spaces around it",
    service: 'rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {scopes: [" read"]}; }',
    error: 'method Get: scopes " read": is not a name (empty, or with spaces around it); remove it or trim it',
  },
  {
    what: "a service default that does not fit one of its methods",
    service:
      'option (grpckit.v1.service).auth = {self: {field: "id"}};\n  rpc Get(R) returns (R);\n  rpc Put(stream R) returns (R);',
    error:
      'method Put (the service\'s default rule): self.field "id": needs one request message, and Put streams its requests; drop self here and check ownership in the handler with principalOf(ctx), or use roles',
  },
];

const caseName = (i: number) => `c${String(i + 1).padStart(2, "0")}`;

function protoOf(pkg: string, service: string): string {
  return `syntax = "proto3";\npackage ${pkg};\nimport "grpckit/v1/options.proto";\nservice S {\n  ${service}\n}\n${messages}`;
}

/** A proto tree with grpckit's options (linked) and the given files. */
function protoTree(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, "proto/grpckit"), join(dir, "grpckit"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

const files: Record<string, string> = Object.fromEntries(
  badRules.map((rule, i) => [`bad/v1/${caseName(i)}.proto`, protoOf(`bad.v1.${caseName(i)}`, rule.service)]),
);
files["good/v1/ruled.proto"] = protoOf(
  "good.v1.ruled",
  'option (grpckit.v1.service).auth = {};\n  rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {self: {field: "inner.owner_id"}}; }\n  rpc Put(R) returns (R);',
);
files["good/v1/method_only.proto"] = protoOf(
  "good.v1.method_only",
  "rpc Get(R) returns (R) { option (grpckit.v1.method).auth = {public: true}; }\n  rpc Put(R) returns (R);",
);
files["good/v1/unruled.proto"] = protoOf("good.v1.unruled", "rpc Get(R) returns (R);");
files["good/v1/unruled_too.proto"] = protoOf("good.v1.unruled_too", "rpc Get(R) returns (R);");
// No grpckit import: a corpus that has nothing to do with grpckit (Google's APIs, say).
files["plain/v1/plain.proto"] =
  'syntax = "proto3";\npackage plain.v1;\nservice P {\n  rpc Get(M) returns (M);\n}\nmessage M {}\n';
// grpckit's options reach via_public.proto through an `import public`.
files["good/v1/reexport.proto"] =
  'syntax = "proto3";\npackage good.v1.reexport;\nimport public "grpckit/v1/options.proto";\n';
files["good/v1/via_public.proto"] =
  'syntax = "proto3";\npackage good.v1.via_public;\nimport "good/v1/reexport.proto";\nservice V {\n  rpc Get(M) returns (M);\n}\nmessage M {}\n';
// One buf build for all the cases; each asks the plugin for its own file.
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
  return `invalid auth rule in bad/v1/${caseName(i)}.proto: service ${pkg}.S, ${badRules[i]?.error.replaceAll("{pkg}", pkg)}`;
}

const warningOf = (file: string, service: string) =>
  `protoc-gen-grpckit: warning: ${file}: service ${service} declares no auth rules; with an authenticator, all its methods need an authenticated caller. Declare option (grpckit.v1.service).auth = {} (or {public: true}) to say so.\n`;

describe("auth rules that cannot work", () => {
  badRules.forEach((rule, i) => {
    it(`fail generation: ${rule.what}`, () => {
      expect(grpckitError(requestOf([`bad/v1/${caseName(i)}.proto`]))).toBe(expectedError(i));
    });
  });

  it("fail the executable with one line, no stack, exit code 1 and no files", () => {
    const request = requestOf(["good/v1/ruled.proto", "bad/v1/c01.proto"]);
    const run = spawnGrpckit(request);
    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`protoc-gen-grpckit: ${expectedError(0)}\n`);
  });
});

describe("services without auth rules", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("get one warning line on stderr each; generation goes on", () => {
    const request = requestOf(["good/v1/unruled.proto", "good/v1/ruled.proto", "good/v1/method_only.proto"]);
    const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeGreaterThan(0);
    expect(run.stderr.toString()).toBe(warningOf("good/v1/unruled.proto", "good.v1.unruled.S"));
  });

  it("warn in-process too, and a service with a method rule only is not warned about", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const response = protocGenGrpckit.run(requestOf(["good/v1/method_only.proto", "good/v1/unruled.proto"]));
    expect(writes).toEqual([warningOf("good/v1/unruled.proto", "good.v1.unruled.S")]);
    const methodOnly = response.file.find((f) => f.name === "good/v1/method_only_grpckit.ts")?.content ?? "";
    // Put has no rule of its own and no service default: nothing in its table row.
    expect(methodOnly).toContain("auth: { public: true },");
    expect(methodOnly.match(/auth:/g)).toHaveLength(1);
  });

  it("are named in one line, however many there are", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    protocGenGrpckit.run(requestOf(["good/v1/unruled.proto", "good/v1/unruled_too.proto", "good/v1/via_public.proto"]));
    expect(writes).toEqual([
      "protoc-gen-grpckit: warning: 3 services declare no auth rules: good.v1.unruled.S (good/v1/unruled.proto), good.v1.unruled_too.S (good/v1/unruled_too.proto), good.v1.via_public.V (good/v1/via_public.proto); with an authenticator, all their methods need an authenticated caller. Declare option (grpckit.v1.service).auth = {} (or {public: true}) to say so.\n",
    ]);
  });

  it("are not warned about in files that do not import grpckit's options", () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const response = protocGenGrpckit.run(requestOf(["plain/v1/plain.proto"]));
    expect(writes).toEqual([]);
    expect(response.file.map((f) => f.name)).toEqual(["plain/v1/plain_grpckit.ts"]);
  });

  it("warn on every run when the plugin's parent is not buf (protoc starts one process per run)", () => {
    const input = toBinary(CodeGeneratorRequestSchema, requestOf(["good/v1/unruled.proto"]));
    for (let i = 0; i < 2; i++) {
      expect(spawnSync(grpckitBin, [], { input }).stderr.toString()).toBe(
        warningOf("good/v1/unruled.proto", "good.v1.unruled.S"),
      );
    }
  });

  it("are warned about once per buf run, though buf starts a plugin process per directory", () => {
    // Five directories (grpckit/v1 among them), so buf starts five plugin processes.
    const dir = protoTree("buf-run", {
      "good/v1/unruled.proto": files["good/v1/unruled.proto"] ?? "",
      "good/v1/reexport.proto": files["good/v1/reexport.proto"] ?? "",
      "other/v1/unruled_too.proto": files["good/v1/unruled_too.proto"] ?? "",
      "third/v1/via_public.proto": files["good/v1/via_public.proto"] ?? "",
      "plain/v1/plain.proto": files["plain/v1/plain.proto"] ?? "",
    });
    writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
    // Records each plugin process, then runs the plugin in it (its parent stays buf).
    const pids = join(dir, "pids");
    const wrapper = join(dir, "plugin.mjs");
    writeFileSync(
      wrapper,
      `import { appendFileSync } from "node:fs";\nappendFileSync(${JSON.stringify(pids)}, process.pid + "\\n");\nawait import(${JSON.stringify(pathToFileURL(grpckitBin).href)});\n`,
    );
    writeFileSync(
      join(dir, "buf.gen.yaml"),
      `version: v2\nplugins:\n  - local: ["node", ${JSON.stringify(wrapper)}]\n    out: gen\n    opt: target=ts\n`,
    );
    const warnings = () => {
      rmSync(pids, { force: true });
      const run = spawnSync(bufBin, ["generate"], { cwd: dir, encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      expect(new Set(readFileSync(pids, "utf8").trim().split("\n")).size).toBe(5);
      return run.stderr.split("\n").filter((line) => line.includes("declares no auth rules"));
    };
    expect(warnings()).toHaveLength(1);
    expect(warnings()).toHaveLength(1); // a new run warns again
  });

  it("a service default applies to each method without a rule of its own", () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const response = protocGenGrpckit.run(requestOf(["good/v1/ruled.proto"]));
    const ruled = response.file.find((f) => f.name === "good/v1/ruled_grpckit.ts")?.content ?? "";
    expect(ruled).toContain('auth: { self: { field: "inner.owner_id" } },');
    expect(ruled).toMatch(/path: "\/good\.v1\.ruled\.S\/Put",[^}]*auth: \{\},/);
  });
});
