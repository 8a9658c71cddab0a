// Bundles the plugin into one ES module, dist/protoc-gen-grpckit.js, which
// bin/protoc-gen-grpckit.js runs (and the scaffold command into dist/grpckit.js). One file starts faster than hundreds of
// modules, and the TypeScript compiler (which protoplugin imports for
// target=js|dts) is swapped for a stand-in that loads it only when used.
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
// Both are patched here, at bundle time, in the source text esbuild loads:
// `allNames` is memoized per DescFile (a WeakMap; descriptors are immutable,
// the result a pure function of the file and only read by its callers), and
// the locations of a SourceCodeInfo are indexed by path once (a WeakMap to a
// Map from `path.join(",")` to the first location with that path, the one
// the original scan returns). Output is byte-identical; compute.proto now
// takes ~3.8 s of CPU. Each patch replaces the complete text of the original
// function, so any change to it (an upgrade of protoplugin) fails the build
// here instead of patching something else or silently not patching: then
// check the new source, and update the patch or drop it if fixed upstream.
// TODO: propose the same change upstream to protobuf-es (its own
// protoc-gen-es has the problem: minutes on compute.proto), then drop this.
const protopluginPatches = [
  {
    file: "names.js",
    find: `function allNames(file) {
    const taken = new Set();
    // In the first pass, register shape names
    const shapeNames = new Map();
    for (const desc of nestedTypes(file)) {
        if (desc.kind != "enum" && desc.kind != "message") {
            continue;
        }
        let name;
        for (let i = 0;; i++) {
            name = idealShapeName(desc, i);
            if (!taken.has(name)) {
                break;
            }
        }
        taken.add(name);
        shapeNames.set(desc, name);
    }
    // In the second pass, register desc names
    const descNames = new Map();
    for (const desc of [file, ...nestedTypes(file)]) {
        let name;
        switch (desc.kind) {
            case "enum":
            case "message": {
                for (let i = 0;; i++) {
                    name = idealDescName(desc, i);
                    if (!taken.has(name)) {
                        break;
                    }
                }
                break;
            }
            default: {
                for (let i = 0;; i++) {
                    name = idealDescName(desc, i);
                    if (!taken.has(name)) {
                        break;
                    }
                }
                break;
            }
        }
        taken.add(name);
        descNames.set(desc, name);
    }
    // In the third pass, register json type names
    const jsonTypeNames = new Map();
    for (const desc of nestedTypes(file)) {
        if (desc.kind != "enum" && desc.kind != "message") {
            continue;
        }
        let name;
        for (let i = 0;; i++) {
            name = idealJsonTypeName(desc, i);
            if (!taken.has(name)) {
                break;
            }
        }
        taken.add(name);
        jsonTypeNames.set(desc, name);
    }
    const validTypeNames = new Map();
    for (const desc of nestedTypes(file)) {
        if (desc.kind != "enum" && desc.kind != "message") {
            continue;
        }
        let name;
        for (let i = 0;; i++) {
            name = idealValidTypeName(desc, i);
            if (!taken.has(name)) {
                break;
            }
        }
        taken.add(name);
        validTypeNames.set(desc, name);
    }
    return { shapeNames, jsonTypeNames, validTypeNames, descNames };
}
`,
    // The original function, renamed, behind a cache.
    replace: (original) => `// Patched by grpckit (scripts/bundle-plugin.mjs): memoized per file.
const allNamesCache = new WeakMap();
function allNames(file) {
    let names = allNamesCache.get(file);
    if (names === undefined) {
        names = computeAllNames(file);
        allNamesCache.set(file, names);
    }
    return names;
}
${original.replace("function allNames(file) {", "function computeAllNames(file) {")}`,
  },
  {
    file: "source-code-info.js",
    find: `function findComments(sourceCodeInfo, sourcePath) {
    if (!sourceCodeInfo) {
        return {
            leadingDetached: [],
            sourcePath,
        };
    }
    for (const location of sourceCodeInfo.location) {
        if (location.path.length !== sourcePath.length) {
            continue;
        }
        if (location.path.some((value, index) => sourcePath[index] !== value)) {
            continue;
        }
        return {
            leadingDetached: location.leadingDetachedComments.map(normalizeLineBreaks),
            leading: isFieldSet(location, SourceCodeInfo_LocationSchema.field.leadingComments)
                ? normalizeLineBreaks(location.leadingComments)
                : undefined,
            trailing: isFieldSet(location, SourceCodeInfo_LocationSchema.field.trailingComments)
                ? normalizeLineBreaks(location.trailingComments)
                : undefined,
            sourcePath,
        };
    }
    return {
        leadingDetached: [],
        sourcePath,
    };
}
`,
    // The loop over all locations becomes a lookup in an index built once per
    // SourceCodeInfo; the rest of the function is unchanged. A hit is checked
    // with the original comparison, and should it not pass (only possible if
    // a path held something other than numbers, which join alike), the
    // original scan decides: the result is always the original's.
    replace: () => `// Patched by grpckit (scripts/bundle-plugin.mjs): locations indexed by path.
const locationsByPath = new WeakMap();
function locationPathIs(location, sourcePath) {
    return (location.path.length === sourcePath.length &&
        !location.path.some((value, index) => sourcePath[index] !== value));
}
function findLocation(sourceCodeInfo, sourcePath) {
    let byPath = locationsByPath.get(sourceCodeInfo);
    if (byPath === undefined) {
        byPath = new Map();
        for (const location of sourceCodeInfo.location) {
            const key = location.path.join(",");
            // The first location with a path wins, as in the original scan.
            if (!byPath.has(key)) {
                byPath.set(key, location);
            }
        }
        locationsByPath.set(sourceCodeInfo, byPath);
    }
    const location = byPath.get(sourcePath.join(","));
    if (location === undefined || locationPathIs(location, sourcePath)) {
        return location;
    }
    return sourceCodeInfo.location.find((l) => locationPathIs(l, sourcePath));
}
function findComments(sourceCodeInfo, sourcePath) {
    if (!sourceCodeInfo) {
        return {
            leadingDetached: [],
            sourcePath,
        };
    }
    const location = findLocation(sourceCodeInfo, sourcePath);
    if (location !== undefined) {
        return {
            leadingDetached: location.leadingDetachedComments.map(normalizeLineBreaks),
            leading: isFieldSet(location, SourceCodeInfo_LocationSchema.field.leadingComments)
                ? normalizeLineBreaks(location.leadingComments)
                : undefined,
            trailing: isFieldSet(location, SourceCodeInfo_LocationSchema.field.trailingComments)
                ? normalizeLineBreaks(location.trailingComments)
                : undefined,
            sourcePath,
        };
    }
    return {
        leadingDetached: [],
        sourcePath,
    };
}
`,
  },
];

/**
 * esbuild plugin: applies `protopluginPatches` to @bufbuild/protoplugin's
 * modules as esbuild loads them. Fails the build if the text a patch replaces
 * is not found exactly once in its module, or if a module to patch was never
 * loaded (e.g. moved by an upgrade).
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
          const at = contents.indexOf(p.find);
          if (at < 0 || contents.includes(p.find, at + 1)) {
            throw new Error(
              `${args.path} does not contain, exactly once, the text that scripts/bundle-plugin.mjs patches ` +
                `(${p.find.slice(0, p.find.indexOf("("))}, as in @bufbuild/protoplugin 2.17.0). protoplugin changed: ` +
                "read its new source, then update the patch, or drop it if upstream made the function fast.",
            );
          }
          contents = contents.slice(0, at) + p.replace(p.find) + contents.slice(at + p.find.length);
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
