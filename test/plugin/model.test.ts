import { create, createFileRegistry, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { buildFileModel } from "../../plugin/model/service-model.js";
import { requestFor, root } from "../support/codegen.js";

function fileOf(dir: string, name: string) {
  const request = requestFor(`${root}${dir}`, "");
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
  const file = registry.getFile(name);
  if (file === undefined) throw new Error(`${name} not compiled`);
  return file;
}

describe("buildFileModel", () => {
  it("gives each method its path, kind and local name", () => {
    const model = buildFileModel(fileOf("proto", "ecommerce/v1/user.proto"));
    expect(model.services.map((s) => s.typeName)).toEqual(["ecommerce.v1.UserService"]);
    const methods = model.services[0]?.methods.map((m) => [m.localName, m.path, m.kind]);
    expect(methods).toEqual([
      ["getUser", "/ecommerce.v1.UserService/GetUser", "unary"],
      ["createUser", "/ecommerce.v1.UserService/CreateUser", "unary"],
      ["updateUser", "/ecommerce.v1.UserService/UpdateUser", "unary"],
      ["deleteUser", "/ecommerce.v1.UserService/DeleteUser", "unary"],
      ["batchGetUsers", "/ecommerce.v1.UserService/BatchGetUsers", "unary"],
      ["listUsers", "/ecommerce.v1.UserService/ListUsers", "server_streaming"],
      ["createUsers", "/ecommerce.v1.UserService/CreateUsers", "client_streaming"],
      ["chatWithUsers", "/ecommerce.v1.UserService/ChatWithUsers", "bidi_streaming"],
    ]);
    expect(model.services[0]?.names).toEqual({
      spec: "UserService",
      handlers: "UserServiceHandlers",
      client: "UserServiceClient",
      definition: "UserServiceDefinition",
    });
  });

  it("uses /Service/Method paths for a file without a package", () => {
    const model = buildFileModel(fileOf("test/golden/no-package/proto", "bare.proto"));
    expect(model.services[0]?.methods[0]?.path).toBe("/Bare/Get");
  });

  it("never exports one name twice, and escapes reserved names", () => {
    const model = buildFileModel(fileOf("test/golden/collisions/proto", "collide/v1/collide.proto"));
    const names = model.services.flatMap((s) => Object.values(s.names));
    expect(new Set(names).size).toBe(names.length);
    // The service called UserServiceDefinition keeps its name; UserService's definition steps aside.
    expect(model.services[0]?.names.definition).toBe("UserServiceDefinition$");
    expect(model.services[1]?.names.spec).toBe("UserServiceDefinition");
    expect(model.services[2]?.names.spec).toBe("Object$");
    // Method names that are Object.prototype members get protobuf-es's `$` suffix, and `then` too.
    expect(model.services[0]?.methods.map((m) => m.localName)).toEqual([
      "constructor$",
      "toString$",
      "delete",
      "class",
      "then$",
      "return",
    ]);
  });

  it("gives two methods that protobuf-es names alike two names, and escapes what a module reserves", () => {
    const file = create(FileDescriptorProtoSchema, {
      name: "alike.proto",
      syntax: "proto3",
      messageType: [{ name: "M" }],
      service: [
        {
          name: "S",
          method: ["Get", "get", "Then", "then", "__proto__"].map((name) => ({
            name,
            inputType: ".M",
            outputType: ".M",
          })),
        },
        ...["await", "eval", "arguments"].map((name) => ({ name })),
      ],
    });
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: [file] }));
    const model = buildFileModel(registry.getFile("alike.proto") as DescFile);
    expect(model.services[0]?.methods.map((m) => m.localName)).toEqual([
      "get",
      "get$",
      "then$",
      "then$$",
      "__proto__$",
    ]);
    // Names an ES module reserves, which safeIdentifier lets through.
    expect(model.services.slice(1).map((s) => s.names.spec)).toEqual(["await$", "eval$", "arguments$"]);
  });

  it("marks deprecated methods", () => {
    const model = buildFileModel(fileOf("test/golden/kinds/proto", "kinds/v1/kinds.proto"));
    const echo = model.services.find((s) => s.typeName === "kinds.v1.Echo");
    expect(echo?.methods.filter((m) => m.deprecated).map((m) => m.name)).toEqual(["Old"]);
  });
});
