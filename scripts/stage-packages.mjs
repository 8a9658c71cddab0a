// Fills the two published packages (packages/*, npm workspaces) from what
// `npm run build` wrote to dist/, which the repository's own tests, bench and
// example use: the sources stay at the top (runtime/, plugin/, templates/,
// proto/), and each package folder holds only its package.json (and bin/)
// and what this copies in (gitignored): the repository's README and LICENSE, and:
// - grpckit: the compiled runtime (dist/runtime), the compiled protoc-gen-es
//   output of grpckit's own options, protovalidate's buf/validate/validate.proto
//   and google.api.field_behavior (exported as grpckit/gen/...; users' generated
//   code imports them there through rewrite_imports, so users never generate
//   grpckit's files), and those three .proto files with their licenses
//   (Buf's, Google's), for users' buf or protoc import path.
// - protoc-gen-grpckit: the plugin and scaffold bundles.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = (...parts) => join(root, ...parts);

/** Copies each [from, to] (relative to the repository) after emptying the package's staged folders. */
function stage(pkg, folders, copies) {
  for (const folder of folders) rmSync(at("packages", pkg, folder), { recursive: true, force: true });
  for (const [from, to] of copies) {
    if (!existsSync(at(from))) {
      throw new Error(`scripts/stage-packages.mjs: ${from} is missing; run \`npm run build\``);
    }
    mkdirSync(dirname(at("packages", pkg, to)), { recursive: true });
    cpSync(at(from), at("packages", pkg, to), { recursive: true });
  }
}

stage(
  "grpckit",
  ["dist", "proto", "LICENSE", "README.md"],
  [
    ["LICENSE", "LICENSE"],
    ["README.md", "README.md"],
    ["dist/runtime", "dist/runtime"],
    ["dist/plugin/gen", "dist/plugin/gen"],
    ["proto/grpckit/v1/options.proto", "proto/grpckit/v1/options.proto"],
    ["proto/google/api/field_behavior.proto", "proto/google/api/field_behavior.proto"],
    ["proto/google/LICENSE", "proto/google/LICENSE"],
    ["proto/buf/validate/validate.proto", "proto/buf/validate/validate.proto"],
    ["proto/buf/LICENSE", "proto/buf/LICENSE"],
  ],
);
stage(
  "protoc-gen-grpckit",
  ["dist", "LICENSE", "README.md"],
  [
    ["LICENSE", "LICENSE"],
    ["README.md", "README.md"],
    ["dist/protoc-gen-grpckit.js", "dist/protoc-gen-grpckit.js"],
    ["dist/grpckit.js", "dist/grpckit.js"],
  ],
);
