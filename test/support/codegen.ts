import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { protocGenGrpckit } from "../../plugin/plugin.js";

/** The repository's root folder. */
export const root = fileURLToPath(new URL("../../", import.meta.url));
export const bufBin = `${root}node_modules/.bin/buf`;
export const protocGenEsBin = `${root}node_modules/.bin/protoc-gen-es`;
export const grpckitBin = `${root}packages/protoc-gen-grpckit/bin/protoc-gen-grpckit.js`;

/**
 * Compiles the .proto files below `dir` with buf into a CodeGeneratorRequest
 * for all of them, as buf would send it to a plugin.
 */
export function requestFor(dir: string, parameter: string): CodeGeneratorRequest {
  const image = execFileSync(bufBin, ["build", dir, "--as-file-descriptor-set", "-o", "-#format=binpb"], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const set = fromBinary(FileDescriptorSetSchema, image);
  // The files below dir are generated; the rest are imports (e.g. well-known types).
  const own = set.file.map((f) => f.name).filter((name) => existsSync(join(dir, name)));
  return create(CodeGeneratorRequestSchema, {
    fileToGenerate: own,
    parameter,
    protoFile: set.file,
    sourceFileDescriptors: set.file.filter((f) => own.includes(f.name)),
  });
}

/** Runs grpckit in-process: name -> content of every file it writes. */
export function runGrpckit(request: CodeGeneratorRequest): Map<string, string> {
  return filesOf(protocGenGrpckit.run(request).file);
}

/** The message with which the plugin, run in-process, refuses `request`; undefined if it generates. */
export function grpckitError(request: CodeGeneratorRequest): string | undefined {
  try {
    protocGenGrpckit.run(request);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** protoc-gen-grpckit's executable run on `request`, without failing on its exit code: status, stdout, stderr. */
export function spawnGrpckit(request: CodeGeneratorRequest): { status: number | null; stdout: Buffer; stderr: string } {
  const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr.toString() };
}

/** Runs a plugin executable as protoc or buf would: request on stdin, response on stdout. */
export function runPluginProcess(bin: string, request: CodeGeneratorRequest): Map<string, string> {
  const out = execFileSync(bin, [], {
    input: toBinary(CodeGeneratorRequestSchema, request),
    maxBuffer: 256 * 1024 * 1024,
  });
  const response = fromBinary(CodeGeneratorResponseSchema, out);
  if (response.error !== undefined && response.error !== "") {
    throw new Error(response.error);
  }
  return filesOf(response.file);
}

function filesOf(files: readonly { name: string; content: string }[]): Map<string, string> {
  return new Map(files.map((f) => [f.name, f.content]));
}
