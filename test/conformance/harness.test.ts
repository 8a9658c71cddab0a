import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requestFor, root } from "../support/codegen.js";
import { goCamel, grpckitPerFile } from "./harness.js";

/*
 * The conformance harness's own parts, without the shared data: generation
 * that survives a refused message, and the Go names the suite's literals use.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-conformance-harness-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("conformance harness", () => {
  it("a refused message costs only itself and the messages that use it: the rest of its file, and later files, still generate", () => {
    symlinkSync(join(root, "proto/grpckit"), join(scratch, "grpckit"));
    mkdirSync(join(scratch, "h/v1"), { recursive: true });
    writeFileSync(
      join(scratch, "h/v1/a.proto"),
      [
        'syntax = "proto3";',
        "package h.v1;",
        'import "grpckit/v1/options.proto";',
        "message Good { Helper helper = 1; }",
        "message Helper { string name = 1 [(grpckit.v1.field).string.min_len = 1]; }",
        "message Bad { int32 n = 1 [(grpckit.v1.field).int32 = {gt: 10, lt: 10}]; }",
        "message UsesBad { Bad bad = 1; }",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(scratch, "h/v1/b.proto"),
      'syntax = "proto3";\npackage h.v1;\nimport "grpckit/v1/options.proto";\nmessage Other { string s = 1 [(grpckit.v1.field).string.max_len = 3]; }\n',
    );
    // A later file that uses a message of the refused file's still generates.
    writeFileSync(
      join(scratch, "h/v1/c.proto"),
      'syntax = "proto3";\npackage h.v1;\nimport "h/v1/a.proto";\nmessage Later { Good good = 1; }\n',
    );
    const request = requestFor(scratch, "target=ts");
    request.fileToGenerate = request.fileToGenerate.filter((f) => f.startsWith("h/"));
    request.sourceFileDescriptors = request.sourceFileDescriptors.filter((f) => f.name.startsWith("h/"));
    const refused = new Map<string, string>();
    const files = grpckitPerFile(request, refused);
    expect([...refused.keys()]).toEqual(["h.v1.Bad", "h.v1.UsesBad"]);
    expect(refused.get("h.v1.UsesBad")).toMatch(/^uses a message of its file that grpckit refuses: /);
    expect(refused.get("h.v1.Bad")).toMatch(/message h\.v1\.Bad, field n: int32\.gt \(10\) with int32\.lt \(10\)/);
    const a = files.get("h/v1/a_validate.ts") ?? "";
    expect(a).toMatch(/export const GoodValidator/);
    expect(a).toMatch(/export const HelperValidator/);
    expect(a).not.toMatch(/BadValidator/);
    expect(a).not.toMatch(/UsesBadValidator/);
    expect(files.get("h/v1/b_validate.ts")).toMatch(/export const OtherValidator/);
    expect(files.get("h/v1/c_validate.ts")).toMatch(/export const LaterValidator/);
  });

  it("names fields and types as protoc-gen-go does", () => {
    expect(goCamel("val")).toBe("Val");
    expect(goCamel("bool_const")).toBe("BoolConst");
    expect(goCamel("ComplexTestMsg.X")).toBe("ComplexTestMsg_X");
    expect(goCamel("lte_neg")).toBe("LteNeg");
    expect(goCamel("_x")).toBe("XX");
    expect(goCamel("a1_b")).toBe("A1B");
    expect(goCamel("ipv4_prefix")).toBe("Ipv4Prefix");
    expect(goCamel("MapRecursive.Msg")).toBe("MapRecursive_Msg");
  });
});
