import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, createFileRegistry, type DescMessage, type DescMethod, type Registry } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { parseReadMask } from "grpckit";
import { afterAll, describe, expect, it } from "vitest";
import { UserSchema } from "../../generated-example/ecommerce/v1/user_pb.js";
import { MAX_PATHS, methodMasksModel, pathsOf } from "../../plugin/model/mask-model.js";
import { protocGenGrpckit } from "../../plugin/plugin.js";
import { requestFor, root } from "../support/codegen.js";

/*
 * What the plugin makes of mask declarations: the model of each method, the
 * path types, and one-line errors for declarations that cannot work. The
 * output itself is the golden case test/golden/masks.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-masks-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function registryOf(request: CodeGeneratorRequest): Registry {
  return createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
}

/** A proto tree with grpckit's options and google.api.field_behavior (linked) and the given files. */
function protoTree(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, "proto/grpckit"), join(dir, "grpckit"));
  symlinkSync(join(root, "proto/google"), join(dir, "google"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), content);
  }
  return dir;
}

const golden = registryOf(requestFor(`${root}test/golden/masks/proto`, ""));

function method(name: string): DescMethod {
  const found = golden.getService("library.v1.LibraryService")?.methods.find((m) => m.name === name);
  if (found === undefined) throw new Error(`no method ${name}`);
  return found;
}

function message(registry: Registry, typeName: string): DescMessage {
  const found = registry.getMessage(typeName);
  if (found === undefined) throw new Error(`no message ${typeName}`);
  return found;
}

describe("the mask model", () => {
  it("finds read masks by name or option, and what they apply to", () => {
    const get = methodMasksModel(method("GetBook"));
    expect(get?.read?.field.name).toBe("read_mask");
    expect(get?.read?.target?.name).toBe("book");
    expect(get?.read?.resource.typeName).toBe("library.v1.Book");
    expect(get?.update).toBeUndefined();
    expect(methodMasksModel(method("ListBooks"))?.read?.target?.name).toBe("books");
    const shelf = methodMasksModel(method("GetShelf"));
    expect(shelf?.read?.field.name).toBe("fields");
    expect(shelf?.read?.target).toBeUndefined();
    expect(shelf?.read?.resource.typeName).toBe("library.v1.Shelf");
  });

  it("finds update masks by name or option, and the resource they update", () => {
    const update = methodMasksModel(method("UpdateBook"))?.update;
    expect([update?.field.name, update?.resource.name]).toEqual(["update_mask", "book"]);
    const patch = methodMasksModel(method("PatchShelf"))?.update;
    expect([patch?.field.name, patch?.resource.name]).toEqual(["paths", "shelf"]);
  });

  it("gives methods with a request stream, or without masks, none", () => {
    expect(methodMasksModel(method("ImportBooks"))).toBeUndefined();
    expect(methodMasksModel(method("Ping"))).toBeUndefined();
  });
});

describe("path types", () => {
  it("name each field, go into messages, and stop at recursion, maps, lists and well-known types", () => {
    expect(pathsOf(message(golden, "library.v1.Book"))).toEqual([
      "name",
      "title",
      "author",
      "author.display_name",
      "author.contact",
      "author.contact.email",
      "author.contact.phone",
      "tags",
      "labels",
      "create_time",
      "sequel",
      "isbn",
      "publisher",
      "publisher.email",
      "publisher.phone",
    ]);
  });

  it("are paths the runtime accepts, every one", () => {
    for (const desc of [message(golden, "library.v1.Book"), message(golden, "library.v1.Shelf"), UserSchema]) {
      for (const path of pathsOf(desc)) {
        expect(Array.isArray(parseReadMask(desc, [path])), `${desc.typeName}: ${path}`).toBe(false);
      }
    }
  });

  it(`stop a level short rather than list more than ${MAX_PATHS} paths`, () => {
    const fields = (type: string, count: number) =>
      Array.from({ length: count }, (_, i) => `  ${type} f${i} = ${i + 1};`).join("\n");
    const dir = protoTree("wide", {
      "wide/v1/wide.proto": [
        'syntax = "proto3";',
        "package wide.v1;",
        `message W {\n${fields("A", 12)}\n}`,
        `message A {\n${fields("B", 12)}\n}`,
        `message B {\n${fields("string", 12)}\n}`,
        "",
      ].join("\n"),
    });
    const paths = pathsOf(message(registryOf(requestFor(dir, "")), "wide.v1.W"));
    expect(paths).toHaveLength(12 + 12 * 12); // 12 + 144 + 1,728 would be too many
    expect(paths).toContain("f11.f11");
    expect(paths.some((p) => p.split(".").length === 3)).toBe(false);
  });
});

/** Bad declarations, one file each: the body of the file, and the error's end. */
const bad: { what: string; body: string; error: string }[] = [
  {
    what: "the mask option on a field that is not a FieldMask",
    body: "rpc M(Req) returns (Res);\n}\nmessage Req { string x = 1 [(grpckit.v1.mask).read = true]; }\nmessage Res {}",
    error: "field x has (grpckit.v1.mask) but is not a google.protobuf.FieldMask; remove the option",
  },
  {
    what: "the mask option without a role",
    body: "rpc M(Req) returns (Res);\n}\nmessage Req { google.protobuf.FieldMask x = 1 [(grpckit.v1.mask) = {}]; }\nmessage Res {}",
    error: "field x has (grpckit.v1.mask) without read or update; set `read = true` or `update = true`",
  },
  {
    what: "resource_field on a read mask",
    body: 'rpc M(Req) returns (Res);\n}\nmessage Req { google.protobuf.FieldMask x = 1 [(grpckit.v1.mask) = {read: true, resource_field: "r"}]; }\nmessage Res {}',
    error: "field x: (grpckit.v1.mask).resource_field is only for an update mask; remove it",
  },
  {
    what: "a declared read mask on a request stream",
    body: 'rpc M(stream Req) returns (Res) { option (grpckit.v1.method).read_mask.response_field = "r"; }\n}\nmessage Req { google.protobuf.FieldMask read_mask = 1; }\nmessage Res { Res r = 1; }',
    error: "field masks are declared on a method with a request stream; only methods with one request have masks",
  },
  {
    what: "two read masks",
    body: "rpc M(Req) returns (Res);\n}\nmessage Req {\n  google.protobuf.FieldMask read_mask = 1;\n  google.protobuf.FieldMask x = 2 [(grpckit.v1.mask).read = true];\n}\nmessage Res {}",
    error: "bad.v1.{case}.Req has 2 read masks (read_mask, x); keep one",
  },
  {
    what: "a read mask rule without a read mask",
    body: 'rpc M(Req) returns (Res) { option (grpckit.v1.method).read_mask.response_field = "r"; }\n}\nmessage Req { string id = 1; }\nmessage Res { Res r = 1; }',
    error:
      "(grpckit.v1.method).read_mask is set but bad.v1.{case}.Req has no read mask; add `google.protobuf.FieldMask read_mask`, or mark a FieldMask field with (grpckit.v1.mask).read = true",
  },
  {
    what: "a response field that does not exist",
    body: 'rpc M(Req) returns (Res) { option (grpckit.v1.method).read_mask.response_field = "nope"; }\n}\nmessage Req { google.protobuf.FieldMask read_mask = 1; }\nmessage Res { Res r = 1; }',
    error:
      '(grpckit.v1.method).read_mask.response_field names "nope", which is not a field of bad.v1.{case}.Res; name a field of the response by its proto name',
  },
  {
    what: "a response field that holds no messages",
    body: 'rpc M(Req) returns (Res) { option (grpckit.v1.method).read_mask.response_field = "s"; }\n}\nmessage Req { google.protobuf.FieldMask read_mask = 1; }\nmessage Res { repeated string s = 1; }',
    error:
      '(grpckit.v1.method).read_mask.response_field "s" does not hold messages; name a message field, a repeated message field or a map of messages',
  },
  {
    what: "a marked update mask without a resource",
    body: "rpc M(Req) returns (Res);\n}\nmessage Req { google.protobuf.FieldMask update_mask = 1 [(grpckit.v1.mask).update = true]; string id = 2; }\nmessage Res {}",
    error:
      'the update mask update_mask needs the resource it updates, and bad.v1.{case}.Req has no message field; mark it [(grpckit.v1.mask) = {update: true, resource_field: "..."}]',
  },
  {
    what: "a marked update mask with two candidate resources",
    body: "rpc M(Req) returns (Res);\n}\nmessage Req { google.protobuf.FieldMask update_mask = 1 [(grpckit.v1.mask).update = true]; Res a = 2; Res b = 3; }\nmessage Res {}",
    error:
      'the update mask update_mask needs the resource it updates, and bad.v1.{case}.Req has 2 message fields; mark it [(grpckit.v1.mask) = {update: true, resource_field: "..."}]',
  },
  {
    what: "a resource field that does not exist",
    body: 'rpc M(Req) returns (Res);\n}\nmessage Req { google.protobuf.FieldMask p = 1 [(grpckit.v1.mask) = {update: true, resource_field: "nope"}]; Res a = 2; }\nmessage Res {}',
    error:
      '(grpckit.v1.mask).resource_field of p names "nope", which is not a message field of bad.v1.{case}.Req; name the request field that holds the resource',
  },
  {
    what: "an update mask rule without an update mask",
    body: "rpc M(Req) returns (Res) { option (grpckit.v1.method).update_mask.validate_whole_resource = true; }\n}\nmessage Req { Res r = 1; }\nmessage Res {}",
    error:
      "(grpckit.v1.method).update_mask is set but bad.v1.{case}.Req has no update mask; add `google.protobuf.FieldMask update_mask`, or remove the option",
  },
  {
    what: "an update mask rule where the update mask's resource is not known",
    body: "rpc M(Req) returns (Res) { option (grpckit.v1.method).update_mask = {}; }\n}\nmessage Req { google.protobuf.FieldMask update_mask = 1; Res a = 2; Res b = 3; }\nmessage Res {}",
    error:
      '(grpckit.v1.method).update_mask is set but bad.v1.{case}.Req has no update mask with a resource; mark update_mask [(grpckit.v1.mask) = {update: true, resource_field: "..."}], or remove the option',
  },
  {
    what: "an update mask rule on a method with a request stream",
    body: "rpc M(stream Req) returns (Res) { option (grpckit.v1.method).update_mask.validate_whole_resource = true; }\n}\nmessage Req { google.protobuf.FieldMask update_mask = 1; Res a = 2; }\nmessage Res {}",
    error: "field masks are declared on a method with a request stream; only methods with one request have masks",
  },
];

const caseName = (i: number) => `c${String(i + 1).padStart(2, "0")}`;
const badTree = protoTree(
  "bad",
  Object.fromEntries(
    bad.map((b, i) => [
      `bad/v1/${caseName(i)}.proto`,
      [
        'syntax = "proto3";',
        `package bad.v1.${caseName(i)};`,
        'import "google/protobuf/field_mask.proto";',
        'import "grpckit/v1/options.proto";',
        `service S {\n${b.body}`,
        "",
      ].join("\n"),
    ]),
  ),
);
const all = requestFor(badTree, "target=ts");

describe("bad mask declarations", () => {
  bad.forEach((b, i) => {
    it(`fail generation with one line: ${b.what}`, () => {
      const name = `bad/v1/${caseName(i)}.proto`;
      const request = create(CodeGeneratorRequestSchema, {
        ...all,
        fileToGenerate: [name],
        sourceFileDescriptors: all.sourceFileDescriptors.filter((f) => f.name === name),
      });
      const expected =
        `invalid field mask in ${name}: service bad.v1.${caseName(i)}.S, method M: ` +
        b.error.replaceAll("{case}", caseName(i));
      expect(() => protocGenGrpckit.run(request)).toThrow(expected);
      try {
        protocGenGrpckit.run(request);
      } catch (error) {
        expect((error as Error).message).toBe(expected);
      }
    });
  });
});

describe("schemas without grpckit options", () => {
  it("generate when an update_mask does not say which resource it updates (as in many public APIs)", () => {
    const tree = protoTree("plain", {
      "plain/v1/api.proto": [
        'syntax = "proto3";',
        "package plain.v1;",
        'import "google/protobuf/field_mask.proto";',
        "service S {\n  rpc Upsert(UpsertRequest) returns (Item);\n}",
        "message Item { string id = 1; }",
        "message UpsertRequest { google.protobuf.FieldMask update_mask = 1; Item a = 2; Item b = 3; }",
        "",
      ].join("\n"),
    });
    const files = protocGenGrpckit.run(requestFor(tree, "target=ts")).file;
    const grpckit = files.find((f) => f.name === "plain/v1/api_grpckit.ts");
    expect(grpckit?.content).toContain('path: "/plain.v1.S/Upsert"');
    // No typed update helper: the schema does not say what the mask updates.
    expect(files.some((f) => f.content.includes("applyItemUpdateMask"))).toBe(false);
  });
});
