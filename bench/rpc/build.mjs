// Compiles generated-example/ (protoc-gen-es + grpckit output, TypeScript) to
// JavaScript in bench/.build/example, for the RPC suites. The compiled files
// sit inside the repository so that their imports resolve as a user's would:
// "@bufbuild/protobuf" and "zod" from node_modules; "grpckit/codegen" (what
// generated code imports) is rewritten to the bench's copy of dist/runtime
// (lib/snapshot.mjs), so that a rebuild of dist/ during a run changes nothing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { runtimeDir } from "../lib/snapshot.mjs";

export function exampleDir(root) {
  return join(root, "bench/.build/example");
}

let built = false;

/** Compiles once per bench run; returns the directory of the compiled example. */
export function buildExample(root) {
  const out = exampleDir(root);
  if (built) return out;
  compileGenerated(root, join(root, "generated-example"), out);
  built = true;
  return out;
}

/**
 * Compiles the generated TypeScript below `source` (protoc-gen-es and grpckit
 * output) to JavaScript in `out` (inside bench/.build), with "grpckit/codegen"
 * imports pointing at the bench's copy of the runtime.
 */
export function compileGenerated(root, source, out) {
  const runtime = join(runtimeDir(root), "codegen.js");
  if (!existsSync(runtime)) {
    throw new Error("no copy of dist/runtime: bench/run.mjs takes it (after `npm run build`)");
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(root, "bench/.build"), { recursive: true });
  const tsconfig = join(root, `bench/.build/tsconfig.${basename(out)}.json`);
  writeFileSync(
    tsconfig,
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          verbatimModuleSyntax: true,
          skipLibCheck: true,
          // Type errors are the tests' business; the bench only needs the JavaScript.
          noCheck: true,
          types: [],
          rootDir: relative(dirname(tsconfig), source),
          outDir: relative(dirname(tsconfig), out),
        },
        include: [`${relative(dirname(tsconfig), source)}/**/*.ts`],
      },
      null,
      2,
    ),
  );
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", tsconfig], {
    stdio: "inherit",
  });
  for (const entry of readdirSync(out, { recursive: true })) {
    const file = join(out, String(entry));
    if (!file.endsWith(".js")) continue;
    let to = relative(dirname(file), runtime);
    if (!to.startsWith(".")) to = `./${to}`;
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replaceAll(' from "grpckit/codegen";', ` from "${to}";`));
  }
  return out;
}
