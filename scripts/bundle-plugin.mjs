// Bundles the plugin into one ES module, dist/protoc-gen-grpckit.js, which
// packages/protoc-gen-grpckit/bin/protoc-gen-grpckit.js runs (a copy of it: scripts/stage-packages.mjs; and the scaffold command into dist/grpckit.js). One file starts faster than hundreds of
// modules, and the TypeScript compiler (which protoplugin imports for
// target=js|dts) is swapped for a stand-in that loads it only when used.
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { build } from "esbuild";

// protoplugin is quadratic in the size of a proto file, and so was this plugin
// (bench/README.md, finding 2): google/cloud/compute/v1/compute.proto (96k
// lines) took ~34 s of CPU. Two functions of @bufbuild/protoplugin 2.17.0 are
// to blame, both called many times per file:
// - `allNames(file)` (dist/esm/names.js) computes the names of every type of
//   the file, on each call; every `f.importSchema()` / `f.importShape()` of a
//   descriptor calls it (through `generatedDescName` etc.).
// - `findComments(sourceCodeInfo, path)` (dist/esm/source-code-info.js)
//   scans all source locations of the file on each call; `f.jsDoc()` and
//   `getComments()` call it for every element.
// Both are patched here, at bundle time, in the source text esbuild loads,
// without touching their bodies: each original is renamed, and a function of
// its name takes its place in front of it.
// - `allNames` is memoized per DescFile (a WeakMap; descriptors are
//   immutable, the result a pure function of the file, only read by callers).
// - `findComments` looks the path up in an index of the SourceCodeInfo's
//   locations built once (a WeakMap to a Map from `path.join(",")` to the
//   first location with that path, the one the original scan returns), and
//   hands the original a SourceCodeInfo of that one location (the original
//   reads nothing else of it). A hit is checked with the original's own
//   comparison; should it not pass (only if a path held something other than
//   numbers), all locations go to the original, whose scan then decides.
// Output is byte-identical; compute.proto now takes ~3.8 s of CPU. Each
// original must hash to the SHA-256 below (protoplugin 2.17.0, pinned), so
// any change to it (an upgrade) fails the build here instead of patching
// something else: then read the new source, and update the patch, or drop it
// if fixed upstream.
// TODO: propose the same change upstream to protobuf-es (its own
// protoc-gen-es has the problem: minutes on compute.proto), then drop this.
const protopluginPatches = [
  {
    file: "names.js",
    name: "allNames",
    sha256: "1b854beb8298cbb5f2ce15b0b613a058b8fd05110ab1f3736100adeee5de080e",
    wrapper: (original) => `const allNamesCache = new WeakMap();
function allNames(file) {
    let names = allNamesCache.get(file);
    if (names === undefined) {
        names = ${original}(file);
        allNamesCache.set(file, names);
    }
    return names;
}
`,
  },
  {
    file: "source-code-info.js",
    name: "findComments",
    sha256: "0ccedc771aac50851f1ff43eb08dfd5380dd2995072395e80fbb58ac9da26438",
    wrapper: (original) => `const locationsByPath = new WeakMap();
function findComments(sourceCodeInfo, sourcePath) {
    if (!sourceCodeInfo) {
        return ${original}(sourceCodeInfo, sourcePath);
    }
    let byPath = locationsByPath.get(sourceCodeInfo);
    if (byPath === undefined) {
        byPath = new Map();
        for (const location of sourceCodeInfo.location) {
            const key = location.path.join(",");
            if (!byPath.has(key)) {
                byPath.set(key, location);
            }
        }
        locationsByPath.set(sourceCodeInfo, byPath);
    }
    const location = byPath.get(sourcePath.join(","));
    const same = location !== undefined && location.path.length === sourcePath.length &&
        location.path.every((value, index) => sourcePath[index] === value);
    const scope = location === undefined ? { location: [] } : same ? { location: [location] } : sourceCodeInfo;
    return ${original}(scope, sourcePath);
}
`,
  },
];

/** The text of the top-level `function name(` in `source`, up to its closing brace. */
function functionText(source, name) {
  const start = source.indexOf(`\nfunction ${name}(`);
  if (start < 0 || source.includes(`\nfunction ${name}(`, start + 1)) return undefined;
  const end = source.indexOf("\n}\n", start);
  return end < 0 ? undefined : { start: start + 1, end: end + 3 };
}

/**
 * esbuild plugin: applies `protopluginPatches` to @bufbuild/protoplugin's
 * modules as esbuild loads them. Fails the build if a function to patch is
 * not found once in its module, or differs from the one the patch was made
 * for, or if a module to patch was never loaded (e.g. moved by an upgrade).
 */
function patchProtoplugin() {
  return {
    name: "patch-protoplugin",
    setup(b) {
      const patched = new Set();
      b.onStart(() => {
        patched.clear();
      });
      b.onLoad({ filter: /[\\/]@bufbuild[\\/]protoplugin[\\/]dist[\\/].+\.js$/ }, (args) => {
        const patches = protopluginPatches.filter((p) => basename(args.path) === p.file);
        if (patches.length === 0) return undefined;
        let contents = readFileSync(args.path, "utf8");
        for (const p of patches) {
          const at = functionText(contents, p.name);
          const text = at === undefined ? "" : contents.slice(at.start, at.end);
          if (at === undefined || createHash("sha256").update(text).digest("hex") !== p.sha256) {
            throw new Error(
              `${args.path}: function ${p.name} is not the one scripts/bundle-plugin.mjs patches ` +
                "(as in @bufbuild/protoplugin 2.17.0). protoplugin changed: " +
                "read its new source, then update the patch, or drop it if upstream made the function fast.",
            );
          }
          const original = `${p.name}$original`;
          // Patched by grpckit (scripts/bundle-plugin.mjs): the original, renamed, behind a faster front.
          const renamed = text.replace(`function ${p.name}(`, `function ${original}(`);
          contents = `${contents.slice(0, at.start)}${p.wrapper(original)}${renamed}${contents.slice(at.end)}`;
          patched.add(p.file);
        }
        return { contents, loader: "js" };
      });
      b.onEnd((result) => {
        if (result.errors.length > 0) return;
        const missing = protopluginPatches.map((p) => p.file).filter((file) => !patched.has(file));
        if (missing.length > 0) {
          // The bundle was written, unpatched: remove it.
          rmSync(b.initialOptions.outfile, { force: true });
          throw new Error(
            `@bufbuild/protoplugin's ${missing.join(" and ")} never loaded, so not patched ` +
              "(did protoplugin's layout change?): see scripts/bundle-plugin.mjs.",
          );
        }
      });
    },
  };
}

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

await build({
  ...common,
  entryPoints: ["plugin/bin.ts"],
  outfile: "dist/protoc-gen-grpckit.js",
  plugins: [patchProtoplugin()],
});
// `grpckit scaffold`: ts-morph (and the TypeScript it carries) stays a dependency, loaded as is. It reads comments
// through protoplugin too (getComments), so it gets the same patched protoplugin.
await build({
  ...common,
  entryPoints: ["plugin/scaffold/bin.ts"],
  outfile: "dist/grpckit.js",
  external: ["ts-morph"],
  plugins: [patchProtoplugin()],
});
