import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createRegistry, type DescFile, equals, fromBinary, type Registry } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * The serialized file descriptor protoc-gen-es embeds in a `_pb.ts`:
 * `fileDesc("<base64>"`. A literal with escapes does not match and so stays
 * part of the text that must be byte-identical.
 */
const embeddedDescriptor = /fileDesc\("([A-Za-z0-9+/=]*)"/g;

/**
 * Why two protoc-gen-es outputs of one .proto differ, or undefined when they
 * are the same: byte-identical text outside the embedded descriptors, and
 * descriptors equal in meaning. Compilers may serialize one descriptor in
 * different field orders (buf writes an HttpRule's pattern oneof after its
 * body, protoc by field number), so the descriptors are decoded and compared
 * field by field, extensions (looked up in `registry`) and unknown fields
 * included.
 */
export function esOutputDifference(a: string, b: string, registry: Registry): string | undefined {
  const placeholder = 'fileDesc("<descriptor>"';
  if (a.replace(embeddedDescriptor, placeholder) !== b.replace(embeddedDescriptor, placeholder)) {
    return "the text outside the embedded descriptors differs";
  }
  const descriptorsA = [...a.matchAll(embeddedDescriptor)].map((m) => m[1] ?? "");
  const descriptorsB = [...b.matchAll(embeddedDescriptor)].map((m) => m[1] ?? "");
  for (const [i, base64A] of descriptorsA.entries()) {
    const base64B = descriptorsB[i] ?? "";
    if (base64A === base64B) continue;
    const fileA = fromBinary(FileDescriptorProtoSchema, base64Decode(base64A));
    const fileB = fromBinary(FileDescriptorProtoSchema, base64Decode(base64B));
    if (!equals(FileDescriptorProtoSchema, fileA, fileB, { registry, extensions: true, unknown: true })) {
      return `the embedded descriptor of ${fileA.name} differs in meaning`;
    }
  }
  return undefined;
}

/**
 * A registry of every file protoc-gen-es generated below `dir` (imported as
 * modules), so that the custom options in descriptors (google.api.http,
 * grpckit.v1.*) decode as extensions rather than as opaque unknown fields.
 */
export async function registryOfGenerated(dir: string): Promise<Registry> {
  const files: DescFile[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith("_pb.ts")) continue;
    const module: Record<string, unknown> = await import(pathToFileURL(join(entry.parentPath, entry.name)).href);
    for (const value of Object.values(module)) {
      if (isDescFile(value)) files.push(value);
    }
  }
  return createRegistry(...files);
}

function isDescFile(value: unknown): value is DescFile {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "file";
}
