/**
 * The longest file name (one path segment, in bytes) that Linux, macOS and
 * Windows file systems take; a longer one fails the write ("file name too
 * long") after the whole run.
 */
export const NAME_MAX = 255;

/** The suffixes of grpckit's files: as named, and short (as long as protoc-gen-es's `_pb`), when needed. */
const suffixes = {
  grpckit: ["_grpckit", "_gk"],
  validate: ["_validate", "_gv"],
} as const;

/**
 * The path of a generated file without its extension, e.g.
 * `ecommerce/v1/user_grpckit` for `ecommerce/v1/user.proto` (whose `DescFile`
 * name is `ecommerce/v1/user`). When the name with `.ts` would be longer
 * than {@link NAME_MAX} bytes, the suffix is `_gk` (`_gv` for `_validate`):
 * as long as protoc-gen-es's `_pb`, so grpckit's files fit wherever its
 * `_pb.ts` does.
 */
export function generatedStem(protoFile: string, kind: keyof typeof suffixes): string {
  const [long, short] = suffixes[kind];
  const base = protoFile.slice(protoFile.lastIndexOf("/") + 1);
  return Buffer.byteLength(`${base}${long}.ts`) > NAME_MAX ? `${protoFile}${short}` : `${protoFile}${long}`;
}
