import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fromBinary, getExtension, setExtension, toBinary } from "@bufbuild/protobuf";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, describe, expect, it } from "vitest";
import { http } from "../../generated-example/google/api/annotations_pb.js";
import { bufBin, grpckitBin, protocGenEsBin, root } from "../support/codegen.js";
import { esOutputDifference, registryOfGenerated } from "../support/es-output.js";
import { requireTools } from "../support/tools.js";

const scratch = mkdtempSync(join(tmpdir(), "grpckit-regen-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  }
  return files;
}

function bufGenerate(): Map<string, string> {
  const out = join(scratch, "buf");
  // buf.gen.yaml's out paths are relative to --output.
  execFileSync(bufBin, ["generate", "--output", out], { cwd: root, env: pathWithBins() });
  return readTree(join(out, "generated-example"));
}

function pathWithBins(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH ?? ""}` };
}

/** protoc with both plugins, as `npm run generate` runs them through buf. */
function protocGenerate(protos: readonly string[]): Map<string, string> {
  requireTools("protoc", "protobuf-wkt");
  // A folder per call, so that one call's files never show in another's tree.
  const out = mkdtempSync(join(scratch, "protoc-"));
  const opt = "target=ts,import_extension=js";
  execFileSync(
    "protoc",
    [
      "-I",
      "proto",
      `--plugin=protoc-gen-es=${protocGenEsBin}`,
      `--es_out=${out}`,
      `--es_opt=${opt}`,
      `--plugin=protoc-gen-grpckit=${grpckitBin}`,
      `--grpckit_out=${out}`,
      // buf.gen.yaml's grpckit parameters.
      `--grpckit_opt=${opt},openapi=true`,
      ...protos.map((p) => `proto/${p}`),
    ],
    { cwd: root },
  );
  return readTree(out);
}

/** `text` (a `_pb.ts`) with its embedded descriptor decoded, changed by `edit` and encoded again. */
function withDescriptor(text: string, edit: (file: FileDescriptorProto) => void): string {
  const match = /fileDesc\("([^"]*)"/.exec(text);
  if (!match?.[1]) throw new Error("no embedded descriptor");
  const file = fromBinary(FileDescriptorProtoSchema, base64Decode(match[1]));
  edit(file);
  return text.replace(match[1], base64Encode(toBinary(FileDescriptorProtoSchema, file)));
}

describe("the reference output", () => {
  const fromBuf = bufGenerate();
  const protos = [...fromBuf.keys()]
    .filter((f) => f.endsWith("_pb.ts"))
    .map((f) => f.replace(/_pb\.ts$/, ".proto"))
    .sort();
  const registry = registryOfGenerated(join(root, "generated-example"));

  it("equals a fresh `buf generate` (run `npm run generate` to update it)", () => {
    const committed = readTree(join(root, "generated-example"));
    expect([...committed.keys()].sort()).toEqual([...fromBuf.keys()].sort());
    for (const [name, content] of fromBuf) {
      expect(committed.get(name), name).toBe(content);
    }
  });

  it("is the same when protoc drives the plugins: grpckit's files byte for byte, protoc-gen-es's up to descriptor field order", async () => {
    const fromProtoc = protocGenerate(protos);
    expect([...fromProtoc.keys()].sort()).toEqual([...fromBuf.keys()].sort());
    for (const [name, content] of fromBuf) {
      const other = fromProtoc.get(name) ?? "";
      if (name.endsWith("_pb.ts")) {
        expect(esOutputDifference(content, other, await registry), name).toBeUndefined();
      } else {
        expect(other, name).toBe(content);
      }
    }
  });

  describe("the comparison of protoc-gen-es output", () => {
    const order = fromBuf.get("ecommerce/v1/order_pb.ts") ?? "";

    it("accepts buf's and protoc's order_pb.ts, whose descriptors differ in bytes (an HttpRule with a body)", async () => {
      const fromProtoc = protocGenerate(["ecommerce/v1/order.proto"]).get("ecommerce/v1/order_pb.ts") ?? "";
      // The premise of the semantic comparison: were they byte-identical again,
      // the exact comparison would do.
      expect(fromProtoc).not.toBe(order);
      expect(esOutputDifference(order, fromProtoc, await registry)).toBeUndefined();
    });

    it("rejects a renamed field in the descriptor", async () => {
      const renamed = withDescriptor(order, (file) => {
        const field = file.messageType.find((m) => m.name === "CreateOrderRequest")?.field[0];
        if (!field) throw new Error("no CreateOrderRequest.user_id");
        field.name = "customer_id";
      });
      expect(esOutputDifference(order, renamed, await registry)).toBe(
        "the embedded descriptor of ecommerce/v1/order.proto differs in meaning",
      );
    });

    it("rejects a changed option (an extension) in the descriptor", async () => {
      const changed = withDescriptor(order, (file) => {
        const options = file.service[0]?.method.find((m) => m.name === "CreateOrder")?.options;
        if (!options) throw new Error("no CreateOrder options");
        setExtension(options, http, { ...getExtension(options, http), body: "items" });
      });
      expect(esOutputDifference(order, changed, await registry)).toBe(
        "the embedded descriptor of ecommerce/v1/order.proto differs in meaning",
      );
    });

    it("rejects a change outside the descriptor", async () => {
      const changed = order.replace("CreateOrderRequest", "CreateOrderRequest2");
      expect(changed).not.toBe(order);
      expect(esOutputDifference(order, changed, await registry)).toBe(
        "the text outside the embedded descriptors differs",
      );
    });
  });
});
