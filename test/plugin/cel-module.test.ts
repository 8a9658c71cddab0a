import { describe, expect, it } from "vitest";
import { celModule } from "../../plugin/emit/render-validate.js";
import { celEngineNote, createProtocGenGrpckit } from "../../plugin/plugin.js";
import { requestFor, root } from "../support/codegen.js";

/*
 * Generated code with a CEL rule left to the run-time fallback imports
 * `celProgram` from the module beside the runtime it imports (runtime_import),
 * and so needs `@bufbuild/cel`, an optional peer: generation says so.
 */
describe("the CEL fallback's module beside runtime_import", () => {
  it("is grpckit/cel beside grpckit/codegen, <dir>/validate/cel.js beside a relative codegen module, else <runtime_import>/cel", () => {
    expect(celModule("grpckit/codegen")).toBe("grpckit/cel");
    expect(celModule("./../../codegen-core.js")).toBe("./../../validate/cel.js");
    expect(celModule("../runtime/codegen.js")).toBe("../runtime/validate/cel.js");
    expect(celModule("@acme/rpc-runtime")).toBe("@acme/rpc-runtime/cel");
  });

  it("gets a one-line note naming the files whose CEL runs on the engine, so a missing @bufbuild/cel is no surprise at run time", () => {
    const lines: string[] = [];
    const plugin = createProtocGenGrpckit((line) => lines.push(line));
    plugin.run(requestFor(`${root}test/golden/protovalidate/proto`, "target=ts,auth_warnings=false"));
    expect(lines).toEqual([celEngineNote(["pv/v1/cel.proto", "pv/v1/predefined.proto"])]);
    expect(lines[0]).toMatch(
      /^note: CEL rules of 2 files, pv\/v1\/cel\.proto, pv\/v1\/predefined\.proto, run on the CEL engine .*install @bufbuild\/cel@0\.6\.1/,
    );
    // Files with no CEL on the engine: no note.
    const quiet: string[] = [];
    createProtocGenGrpckit((line) => quiet.push(line)).run(
      requestFor(`${root}test/golden/validate/proto`, "target=ts,auth_warnings=false"),
    );
    expect(quiet).toEqual([]);
  });

  it("names five files and counts the rest", () => {
    const files = Array.from({ length: 7 }, (_, i) => `a/v1/f${i}.proto`);
    expect(celEngineNote(files)).toMatch(
      /^note: CEL rules of 7 files, a\/v1\/f0\.proto, .*a\/v1\/f4\.proto and 2 more, run on/,
    );
  });
});
