import * as codegen from "grpckit/codegen";
import { describe, expect, it } from "vitest";
import type { RuntimeHelper } from "../../plugin/emit/validate-checks.js";

/*
 * Generated code imports the runtime from "grpckit/codegen" (runtime/codegen.ts),
 * an entry point that exports only what generated code uses, so that
 * type-checking it does not read the whole runtime's declarations. Every name
 * the plugin can emit must be there.
 */

/** The values the emitters import by name (plugin/emit: render-file, render-masks, render-validate, validate-*). */
const emitted = [
  "grpcDefinition",
  "applyUpdateMask",
  "defineValidator",
  "checkNested",
  "checkItem",
  "checkEntry",
  "mapEntryPath",
  "ownProperties",
] as const;

// Compile time: a helper the checks can name but the entry does not export is a type error here.
type Missing = Exclude<RuntimeHelper | (typeof emitted)[number], keyof typeof codegen>;
const nothingMissing: [Missing] extends [never] ? true : Missing = true;

describe("grpckit/codegen, the runtime generated code imports", () => {
  it("exports every function generated code can call (the checks' helpers: checked at compile time above)", () => {
    expect(nothingMissing).toBe(true);
    for (const name of emitted) {
      expect(typeof (codegen as Record<string, unknown>)[name], name).toBe("function");
    }
  });
});
