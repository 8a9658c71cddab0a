import { describe, expect, it } from "vitest";
import { celModule } from "../../plugin/emit/render-validate.js";

/*
 * Generated code with a CEL rule left to the run-time fallback imports
 * `celProgram` from the module beside the runtime it imports (runtime_import).
 */
describe("the CEL fallback's module beside runtime_import", () => {
  it("is grpckit/cel beside grpckit/codegen, <dir>/validate/cel.js beside a relative codegen module, else <runtime_import>/cel", () => {
    expect(celModule("grpckit/codegen")).toBe("grpckit/cel");
    expect(celModule("./../../codegen-core.js")).toBe("./../../validate/cel.js");
    expect(celModule("../runtime/codegen.js")).toBe("../runtime/validate/cel.js");
    expect(celModule("@acme/rpc-runtime")).toBe("@acme/rpc-runtime/cel");
  });
});
