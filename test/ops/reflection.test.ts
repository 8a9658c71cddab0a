import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ServerReflection, ServerReflectionV1alpha } from "grpckit";
import { describe, expect, onTestFinished, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { orderHandlers, userHandlers } from "../support/in-memory-shop.js";
import { collect, serve } from "../support/serve.js";
import { requireTools } from "../support/tools.js";

const run = promisify(execFile);

/** The files in an order where each comes after its imports, as a FileDescriptorSet needs them. */
function dependenciesFirst(files: FileDescriptorProto[]): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  let pending = files;
  while (pending.length > 0) {
    const ready = pending.filter((f) => f.dependency.every((d) => placed.has(d)));
    if (ready.length === 0) throw new Error(`unresolvable imports of ${pending.map((f) => f.name).join(", ")}`);
    for (const f of ready) {
      ordered.push(f);
      placed.add(f.name);
    }
    pending = pending.filter((f) => !ready.includes(f));
  }
  return ordered;
}

async function serveWithReflection() {
  return serve(UserService, userHandlers(), {
    reflection: true,
    setup: (server) => server.add(OrderService, orderHandlers()),
  });
}

describe("server reflection", () => {
  test("v1 lists the services and sends a file with its dependencies, enough to rebuild the schema", async () => {
    const { connect } = await serveWithReflection();
    const reflection = connect(ServerReflection);
    const responses = await collect(
      reflection.serverReflectionInfo([
        { host: "h", messageRequest: { case: "listServices", value: "" } },
        { messageRequest: { case: "fileContainingSymbol", value: "ecommerce.v1.UserService" } },
        { messageRequest: { case: "fileContainingSymbol", value: "ecommerce.v1.UserService.GetUser" } },
        { messageRequest: { case: "fileByFilename", value: "ecommerce/v1/order.proto" } },
        { messageRequest: { case: "fileContainingSymbol", value: "no.such.Symbol" } },
      ]),
    );
    expect(responses).toHaveLength(5);
    const [list, userFile, methodFile, orderFile, missing] = responses;
    expect(list?.validHost).toBe("h");
    expect(list?.originalRequest?.messageRequest).toEqual({ case: "listServices", value: "" });
    const listed = list?.messageResponse.case === "listServicesResponse" ? list.messageResponse.value.service : [];
    expect(listed.map((s) => s.name).sort()).toEqual([
      "ecommerce.v1.OrderService",
      "ecommerce.v1.UserService",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);

    const filesOf = (response: (typeof responses)[number] | undefined) => {
      if (response?.messageResponse.case !== "fileDescriptorResponse") {
        throw new Error(`expected files, got ${JSON.stringify(response?.messageResponse)}`);
      }
      return response.messageResponse.value.fileDescriptorProto.map((bytes) =>
        fromBinary(FileDescriptorProtoSchema, bytes),
      );
    };
    const userFiles = filesOf(userFile);
    const userFileNames = userFiles.map((f) => f.name);
    expect(userFileNames[0]).toBe("ecommerce/v1/user.proto"); // the file asked for, then its dependencies
    expect(userFileNames).toEqual(
      expect.arrayContaining(["ecommerce/v1/common.proto", "google/protobuf/timestamp.proto"]),
    );
    expect(new Set(userFileNames).size).toBe(userFileNames.length);
    // The file a method is in, again: this time without the dependencies already sent.
    expect(filesOf(methodFile).map((f) => f.name)).toEqual(["ecommerce/v1/user.proto"]);
    expect(filesOf(orderFile).map((f) => f.name)).toEqual(["ecommerce/v1/order.proto"]); // its imports were sent
    expect(missing?.messageResponse).toMatchObject({ case: "errorResponse", value: { errorCode: 5 } });

    // What was received is a complete schema: a registry built from it resolves every reference.
    const received = [...userFiles, ...filesOf(orderFile)];
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(received) }));
    const service = registry.getService("ecommerce.v1.UserService");
    expect(service?.methods.map((m) => [m.name, m.input.typeName, m.methodKind])).toContainEqual([
      "ListUsers",
      "ecommerce.v1.ListUsersRequest",
      "server_streaming",
    ]);
    expect(registry.getMessage("ecommerce.v1.User")?.fields.map((f) => f.jsonName)).toContain("displayName");
  });

  test("a symbol inside a message resolves to its file: a map field's entry message, its fields, a field", async () => {
    const { connect } = await serveWithReflection();
    const symbols = [
      "ecommerce.v1.User.MetadataEntry",
      ".ecommerce.v1.User.MetadataEntry",
      "ecommerce.v1.User.MetadataEntry.value",
      "ecommerce.v1.User.metadata",
      "ecommerce.v1.User.NoSuchEntry",
      "ecommerce.v1.User.MetadataEntry.nothing",
      "ecommerce.v1.UserService.GetUser.x",
    ];
    const responses = await collect(
      connect(ServerReflection).serverReflectionInfo(
        symbols.map((value) => ({ messageRequest: { case: "fileContainingSymbol", value } })),
      ),
    );
    const answers = responses.map((r) =>
      r.messageResponse.case === "fileDescriptorResponse"
        ? fromBinary(FileDescriptorProtoSchema, r.messageResponse.value.fileDescriptorProto[0] ?? new Uint8Array()).name
        : r.messageResponse.case === "errorResponse"
          ? r.messageResponse.value.errorCode
          : undefined,
    );
    // Each later answer has only the file asked for: its dependencies went with the first.
    expect(answers).toEqual([
      "ecommerce/v1/user.proto",
      "ecommerce/v1/user.proto",
      "ecommerce/v1/user.proto",
      "ecommerce/v1/user.proto",
      5,
      5,
      5,
    ]);
  });

  test("v1alpha answers too (grpcurl and older tools ask it first)", async () => {
    const { connect } = await serveWithReflection();
    const [list] = await collect(
      connect(ServerReflectionV1alpha).serverReflectionInfo([{ messageRequest: { case: "listServices", value: "" } }]),
    );
    expect(list?.messageResponse.case).toBe("listServicesResponse");
    expect(list?.$typeName).toBe("grpc.reflection.v1alpha.ServerReflectionResponse");
  });

  test("Python's grpcio fetches a service's file and loads it, with its dependencies, into a descriptor pool", async () => {
    requireTools("protoc", "python3-grpcio", "grpc-proto");
    const { address } = await serveWithReflection();
    const dir = mkdtempSync(join(tmpdir(), "grpckit-reflection-py-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync("/usr/share/grpc-proto/grpc/reflection/v1/reflection.proto", join(dir, "reflection.proto"));
    await run("protoc", [`-I${dir}`, `--python_out=${dir}`, join(dir, "reflection.proto")]);
    const script = fileURLToPath(new URL("./fixtures/reflection_check.py", import.meta.url));
    const { stdout } = await run("/usr/bin/python3", [script, dir, address, "ecommerce.v1.OrderService"], {
      timeout: 30_000,
    });
    const result = JSON.parse(stdout) as { services: string[]; files: string[]; methods: Record<string, string[]> };
    expect(result.services).toContain("ecommerce.v1.OrderService");
    expect(result.files[0]).toBe("ecommerce/v1/order.proto");
    expect(result.methods.GetOrder).toEqual(["ecommerce.v1.GetOrderRequest", "ecommerce.v1.GetOrderResponse"]);
    expect(Object.keys(result.methods)).toEqual(Object.values(OrderService.methods).map((m) => m.name));
  });
});
