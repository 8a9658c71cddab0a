import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileRegistry, type FileRegistry, fromBinary } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type CelCompileEnv, type CelCompileResult, compileCel } from "../../plugin/model/cel/index.js";
import { shapeOf } from "../../plugin/model/cel/types.js";
import { celProgram } from "../../runtime/validate/cel.js";
import * as runtime from "../../runtime/validate/index.js";
import { bufBin } from "../support/codegen.js";

/** Builds .proto sources (name -> text) with buf into a registry of their descriptors. */
export function buildProtos(files: Record<string, string>, buildArgs: readonly string[] = []): FileRegistry {
  const dir = mkdtempSync(join(tmpdir(), "grpckit-cel-"));
  try {
    writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(dir, name), text);
    }
    return registryOf(dir, buildArgs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The descriptors of a buf workspace (`buf build dir`). */
export function registryOf(dir: string, buildArgs: readonly string[] = []): FileRegistry {
  const image = execFileSync(bufBin, ["build", dir, ...buildArgs, "--as-file-descriptor-set", "-o", "-#format=binpb"], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, image));
}

/** What one evaluation gave: the expression's value, or "error" for a CEL runtime error. */
export type Outcome = boolean | string | { error: string };

/** Runs compiled code the way generated code does: the helpers it names, from the runtime, and `value`. */
export function runCompiled(result: CelCompileResult & { kind: "compiled" }): (value: unknown) => boolean | string {
  const helpers = result.helpers.map((name) => {
    const helper = (runtime as Record<string, unknown>)[name];
    if (typeof helper !== "function") {
      throw new Error(`compiled CEL names ${name}, which the runtime does not export`);
    }
    return helper;
  });
  const fn = new Function(...result.helpers, "value", `return ${result.code};`) as (
    ...args: unknown[]
  ) => boolean | string;
  return (value) => fn(...helpers, value);
}

/** The fallback (@bufbuild/cel) evaluation of `expression` in `env`. */
export function runFallback(expression: string, env: CelCompileEnv): (value: unknown) => boolean | string {
  const rule = env.rule === undefined ? undefined : celRuleValue(env.rule.value);
  return celProgram(expression, {
    this: shapeOf(env.this),
    ...(rule === undefined ? {} : { rule }),
    ...(env.rules === undefined ? {} : { rules: reflect(env.rules.desc, env.rules.value) }),
  });
}

/** A protobuf-es rule value as CEL takes it: integers as bigints. */
function celRuleValue(value: unknown): never {
  if (Array.isArray(value)) {
    return value.map(celRuleValue) as never;
  }
  return (typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value) as never;
}

/** Evaluates, turning a CelEvalError into an outcome (anything else is a bug and throws). */
export function outcome(run: (value: unknown) => boolean | string, value: unknown): Outcome {
  try {
    return run(value);
  } catch (e) {
    if (e instanceof runtime.CelEvalError) {
      return { error: e.message };
    }
    throw e;
  }
}

/** Compiles `expression`, failing when it is not compiled to TypeScript. */
export function mustCompile(expression: string, env: CelCompileEnv): CelCompileResult & { kind: "compiled" } {
  const result = compileCel(expression, env);
  if (result.kind !== "compiled") {
    throw new Error(`${expression}: ${JSON.stringify(result)}`);
  }
  return result;
}
