import { execFileSync } from "node:child_process";
import { createFileRegistry, type DescService, fromBinary, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { MethodSpec, ServiceSpec } from "grpckit";
import { bufBin } from "./codegen.js";

/**
 * Compiles the .proto files below `dir` with buf, at test time, into a
 * registry: for tests that need schema features the reference protos do not
 * have (e.g. `[debug_redact = true]`), without generated code.
 */
export function compileProtos(dir: string): Registry {
  const image = execFileSync(bufBin, ["build", dir, "--as-file-descriptor-set", "-o", "-#format=binpb"], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
}

/** The service spec generated code would export for `desc`, built at run time. */
export function serviceSpecOf(desc: DescService): ServiceSpec {
  const methods: Record<string, MethodSpec> = {};
  for (const method of desc.methods) {
    methods[method.localName] = {
      name: method.name,
      path: `/${desc.typeName}/${method.name}`,
      kind: method.methodKind,
      input: method.input,
      output: method.output,
    };
  }
  return { typeName: desc.typeName, desc, methods };
}

/** The service named `typeName` of `registry`, as a spec. */
export function serviceOf(registry: Registry, typeName: string): ServiceSpec {
  const desc = registry.getService(typeName);
  if (desc === undefined) {
    throw new Error(`no service ${typeName}`);
  }
  return serviceSpecOf(desc);
}
