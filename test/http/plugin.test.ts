import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { protocGenGrpckit } from "../../plugin/plugin.js";
import { grpckitError, requestFor, root, spawnGrpckit } from "../support/codegen.js";

/*
 * The plugin's side of google.api.http: a binding that cannot work stops
 * generation with one line (file, service, method, binding, reason) and no
 * stack. What good bindings generate is the golden case test/golden/http.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-http-plugin-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const messages = `
message R {
  string id = 1;
  int32 count = 2;
  repeated string ids = 3;
  map<string, string> labels = 4;
  Inner inner = 5;
  bytes blob = 6;
}
message Inner {
  string owner_id = 1;
}
`;

interface BadBinding {
  readonly what: string;
  /** The `google.api.http` option's value. */
  readonly rule: string;
  /** The error after `invalid google.api.http binding in <file>: service <pkg>.S, method Get: `. */
  readonly error: string;
}

const bad: BadBinding[] = [
  {
    what: "a variable naming no field",
    rule: 'get: "/v1/{nope}"',
    error: 'GET "/v1/{nope}": path variable {nope}: {pkg}.R has no field nope',
  },
  {
    what: "a nested variable naming no field",
    rule: 'get: "/v1/{inner.owner}"',
    error: 'GET "/v1/{inner.owner}": path variable {inner.owner}: {pkg}.Inner has no field owner',
  },
  {
    what: "a variable through a scalar",
    rule: 'get: "/v1/{id.x}"',
    error: 'GET "/v1/{id.x}": path variable {id.x}: id is not a message field, so it has no field x',
  },
  {
    what: "a repeated variable",
    rule: 'get: "/v1/{ids}"',
    error: 'GET "/v1/{ids}": path variable {ids}: ids is a repeated field; a path segment holds one value',
  },
  {
    what: "a map variable",
    rule: 'get: "/v1/{labels}"',
    error: 'GET "/v1/{labels}": path variable {labels}: labels is a map field; a path segment holds one value',
  },
  {
    what: "a message variable",
    rule: 'get: "/v1/{inner}"',
    error: 'GET "/v1/{inner}": path variable {inner}: inner is a message ({pkg}.Inner); bind a scalar field',
  },
  {
    what: "a multi-segment variable on a non-string field",
    rule: 'get: "/v1/{count=counts/*}"',
    error: 'GET "/v1/{count=counts/*}": path variable {count}: a variable of several segments needs a string field',
  },
  {
    what: "a template without a leading slash",
    rule: 'get: "v1/{id}"',
    error: 'GET "v1/{id}": the path template is malformed: must start with /',
  },
  {
    what: "an unclosed variable",
    rule: 'get: "/v1/{id"',
    error: 'GET "/v1/{id": the path template is malformed: a { is never closed',
  },
  {
    what: "a variable in part of a segment",
    rule: 'get: "/v1/x{id}"',
    error: 'GET "/v1/x{id}": the path template is malformed: "x{id}": a variable must be a whole segment',
  },
  {
    what: "** twice",
    rule: 'get: "/v1/{id=**}/x/**"',
    error: 'GET "/v1/{id=**}/x/**": the path template is malformed: ** may appear only once',
  },
  {
    what: "a field bound twice",
    rule: 'get: "/v1/{id}/{id}"',
    error: 'GET "/v1/{id}/{id}": the path template is malformed: the field id is bound twice',
  },
  {
    what: "an empty segment",
    rule: 'get: "/v1//x"',
    error: 'GET "/v1//x": the path template is malformed: "": empty segment',
  },
  {
    what: "a GET with a body",
    rule: 'get: "/v1/r" body: "*"',
    error: 'GET "/v1/r": body "*": a GET request has no body',
  },
  {
    what: "a body naming no field",
    rule: 'post: "/v1/r" body: "nope"',
    error: 'POST "/v1/r": body "nope": {pkg}.R has no field nope',
  },
  {
    what: "a nested body field",
    rule: 'post: "/v1/r" body: "inner.owner_id"',
    error: 'POST "/v1/r": body "inner.owner_id": {pkg}.R has no field inner.owner_id (it must be a top-level field)',
  },
  {
    what: "a response_body naming no field",
    rule: 'get: "/v1/r" response_body: "nope"',
    error: 'GET "/v1/r": response_body "nope": {pkg}.R has no field nope',
  },
  {
    what: "a bad additional binding",
    rule: 'get: "/v1/r" additional_bindings {post: "/v1/{nope}" body: "*"}',
    error: 'POST "/v1/{nope}": path variable {nope}: {pkg}.R has no field nope',
  },
  {
    what: "nested additional bindings",
    rule: 'get: "/v1/r" additional_bindings {get: "/v2/r" additional_bindings {get: "/v3/r"}}',
    error: 'GET "/v2/r": an additional binding cannot have additional_bindings of its own',
  },
  {
    what: "a rule without a pattern",
    rule: 'body: "*"',
    error: "a rule without a pattern: set one of get, put, post, delete, patch or custom",
  },
  {
    what: "a custom kind that is not a method name",
    rule: 'custom: {kind: "NO GOOD" path: "/v1/r"}',
    error: 'custom kind "NO GOOD": is not an HTTP method name',
  },
];

const caseName = (i: number) => `c${String(i + 1).padStart(2, "0")}`;

function protoOf(pkg: string, rule: string): string {
  return `syntax = "proto3";\npackage ${pkg};\nimport "google/api/annotations.proto";\nservice S {\n  rpc Get(R) returns (R) { option (google.api.http) = { ${rule} }; }\n}\n${messages}`;
}

const dir = join(scratch, "all");
mkdirSync(join(dir, "bad/v1"), { recursive: true });
mkdirSync(join(dir, "good/v1"), { recursive: true });
symlinkSync(join(root, "proto/google"), join(dir, "google"));
bad.forEach((b, i) => {
  writeFileSync(join(dir, `bad/v1/${caseName(i)}.proto`), protoOf(`bad.v1.${caseName(i)}`, b.rule));
});
writeFileSync(
  join(dir, "good/v1/good.proto"),
  protoOf("good.v1", 'get: "/v1/{inner.owner_id}/{id=things/**}" response_body: "count"'),
);
// One buf build for all the cases; each asks the plugin for its own file.
const all = requestFor(dir, "target=ts,auth_warnings=false");

function requestOf(names: readonly string[]): CodeGeneratorRequest {
  return create(CodeGeneratorRequestSchema, {
    ...all,
    fileToGenerate: [...names],
    sourceFileDescriptors: all.sourceFileDescriptors.filter((f) => names.includes(f.name)),
  });
}

function expectedError(i: number): string {
  const pkg = `bad.v1.${caseName(i)}`;
  return `invalid google.api.http binding in bad/v1/${caseName(i)}.proto: service ${pkg}.S, method Get: ${bad[i]?.error.replaceAll("{pkg}", pkg)}`;
}

describe("google.api.http bindings that cannot work", () => {
  bad.forEach((b, i) => {
    it(`fail generation: ${b.what}`, () => {
      expect(grpckitError(requestOf([`bad/v1/${caseName(i)}.proto`]))).toBe(expectedError(i));
    });
  });

  it("fail the executable with one line, no stack, exit code 1 and no files", () => {
    const request = requestOf(["good/v1/good.proto", "bad/v1/c01.proto"]);
    const run = spawnGrpckit(request);
    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toBe(`protoc-gen-grpckit: ${expectedError(0)}\n`);
  });

  it("generate a good binding with nested and multi-segment variables", () => {
    const files = protocGenGrpckit.run(requestOf(["good/v1/good.proto"])).file;
    const content = files.find((f) => f.name === "good/v1/good_grpckit.ts")?.content ?? "";
    expect(content).toContain('http: [httpBinding("GET", "/v1/{inner.owner_id}/{id=things/**}", undefined, "count")],');
  });
});
