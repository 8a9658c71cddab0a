// Bundles the plugin into one ES module, dist/protoc-gen-grpckit.js, which
// bin/protoc-gen-grpckit.js runs (and the scaffold command into dist/grpckit.js). One file starts faster than hundreds of
// modules, and the TypeScript compiler (which protoplugin imports for
// target=js|dts) is swapped for a stand-in that loads it only when used.
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  alias: {
    typescript: "./plugin/lazy/typescript.ts",
    "@typescript/vfs": "./plugin/lazy/typescript-vfs.ts",
  },
  // Bundled CommonJS (handlebars) calls require(); give the ES module one.
  banner: {
    js: 'import { createRequire as __grpckitRequire } from "node:module"; const require = __grpckitRequire(import.meta.url);',
  },
  legalComments: "none",
  logLevel: "warning",
};

await build({ ...common, entryPoints: ["plugin/bin.ts"], outfile: "dist/protoc-gen-grpckit.js" });
// `grpckit scaffold`: ts-morph (and the TypeScript it carries) stays a dependency, loaded as is.
await build({ ...common, entryPoints: ["plugin/scaffold/bin.ts"], outfile: "dist/grpckit.js", external: ["ts-morph"] });
