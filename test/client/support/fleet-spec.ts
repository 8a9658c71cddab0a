import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { MethodSpec, ServiceSpec } from "grpckit";

/*
 * fleet.v1.ReplicaService as a spec, from a descriptor set file, for the
 * programs that tests run in processes of their own (replica.ts,
 * exit-child.ts): as test/support/dynamic-service.ts builds specs, without
 * its imports (they would bring the plugin into the bundle).
 */
export function fleetSpec(descriptorFile: string): ServiceSpec {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorFile)));
  const desc = registry.getService("fleet.v1.ReplicaService");
  if (desc === undefined) {
    throw new Error("no fleet.v1.ReplicaService in the descriptor set");
  }
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
