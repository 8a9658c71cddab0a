import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { create, createFileRegistry, type DescFile, fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { type FileDescriptorProto, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/** buf's image files carry `ImageFileExtension` (with `is_import`) in this field of each file. */
const bufExtensionField = 8042;

/**
 * Loads the .proto files of `input`: a buf module or workspace folder (built
 * with `buf build`), or an image file written by `buf build -o x.binpb` (or a
 * FileDescriptorSet from `protoc --include_imports -o`). Returns the files
 * that are not imports, optionally only those under one of `paths`.
 */
export function loadProtoFiles(input: string, paths: readonly string[], buf: string): DescFile[] {
  if (!existsSync(input)) {
    throw new Error(`${input}: no such file or folder`);
  }
  const bytes = statSync(input).isDirectory() ? bufBuild(input, buf) : readFileSync(input);
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: set.file }));
  const own = set.file.filter((f) => !isImport(f) && (paths.length === 0 || paths.some((p) => f.name.startsWith(p))));
  return own.map((f) => {
    const file = registry.getFile(f.name);
    if (file === undefined) throw new Error(`${f.name} is missing from the image`);
    return file;
  });
}

function bufBuild(dir: string, buf: string): Uint8Array {
  try {
    return execFileSync(buf, ["build", dir, "-o", "-#format=binpb"], {
      maxBuffer: 1024 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    if ((error as { code?: string }).code === "ENOENT") {
      throw new Error(`cannot run buf (${buf}): install @bufbuild/buf, or pass --buf <path>`);
    }
    throw new Error(`buf build ${dir} failed${stderr ? `:\n${stderr}` : ""}`);
  }
}

/** Whether buf marked the file as an import (a dependency, not part of the input). */
function isImport(file: FileDescriptorProto): boolean {
  for (const field of file.$unknown ?? []) {
    if (field.no === bufExtensionField && field.wireType === WireType.LengthDelimited) {
      const reader = new BinaryReader(field.data);
      const ext = new BinaryReader(reader.bytes());
      while (ext.pos < ext.len) {
        const [no, wireType] = ext.tag();
        if (no === 1 && wireType === WireType.Varint) return ext.bool();
        ext.skip(wireType);
      }
    }
  }
  return false;
}

/** The buf executable: --buf, else the project's node_modules/.bin/buf, else `buf` on PATH. */
export function findBuf(explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  const local = join(process.cwd(), "node_modules", ".bin", "buf");
  return existsSync(local) ? local : "buf";
}
