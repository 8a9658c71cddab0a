import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { root } from "./codegen.js";

/**
 * The compiler options of this repository (tsconfig.json), strict, with the
 * libraries' declarations checked too (`skipLibCheck: false`): generated code
 * has to compile in the strictest project a user may have.
 */
const compilerOptions = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: false,
  noEmit: true,
  // What generated code imports, from the runtime's source (no build needed).
  paths: {
    grpckit: [join(root, "runtime/index.ts")],
    "grpckit/codegen": [join(root, "runtime/codegen.ts")],
  },
};

/**
 * Type-checks every .ts file below `dir` (which must sit inside the
 * repository, for its imports to resolve through node_modules) with `tsc
 * --strict` and the libraries checked; returns tsc's error lines, none when
 * it compiles.
 */
export function typecheck(dir: string): string[] {
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["**/*.ts"] }, null, 2));
  try {
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], {
      stdio: "pipe",
      maxBuffer: 256 * 1024 * 1024,
    });
    return [];
  } catch (error) {
    const out = String((error as { stdout?: unknown }).stdout ?? error);
    const lines = out.split("\n").filter((l) => /error TS\d+/.test(l));
    return lines.length > 0 ? lines : [out];
  }
}

/** The repository's own compiler options (tsconfig.json), parsed by TypeScript, for a program built in a test. */
export function repositoryCompilerOptions(): ts.CompilerOptions {
  const options = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  )?.options;
  if (options === undefined) throw new Error("cannot read tsconfig.json");
  return options;
}
