import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { parseOptions } from "../../plugin/parameters.js";
import { version } from "../../plugin/version.js";
import { grpckitBin, protocGenEsBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";
import { typecheck } from "../support/typecheck.js";

describe("plugin parameters", () => {
  it("defaults the runtime import to the package's entry point for generated code, with zod schemas", () => {
    expect(parseOptions([])).toEqual({
      runtimeImport: "grpckit/codegen",
      validateZod: true,
      authWarnings: true,
      openapi: false,
    });
  });

  it("turns the OpenAPI documents on with openapi=true, and refuses other values", () => {
    expect(parseOptions([{ key: "openapi", value: "true" }]).openapi).toBe(true);
    expect(() => parseOptions([{ key: "openapi", value: "yes" }])).toThrow("openapi expects true or false");
  });

  it("turns the warning for services without auth rules off with auth_warnings=false", () => {
    expect(parseOptions([{ key: "auth_warnings", value: "false" }]).authWarnings).toBe(false);
    expect(() => parseOptions([{ key: "auth_warnings", value: "no" }])).toThrow("auth_warnings expects true or false");
    // masks/library.proto imports grpckit's options and declares no auth rules.
    const request = requestFor(`${root}test/golden/masks/proto`, "target=ts,auth_warnings=false");
    const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
    expect(run.status).toBe(0);
    expect(run.stderr.toString()).toBe("");
    const noisy = requestFor(`${root}test/golden/masks/proto`, "target=ts");
    expect(
      spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, noisy) }).stderr.toString(),
    ).toContain("declares no auth rules");
  });

  it("turns the zod schemas off with validate_zod=false, and refuses other values", () => {
    expect(parseOptions([{ key: "validate_zod", value: "false" }]).validateZod).toBe(false);
    expect(() => parseOptions([{ key: "validate_zod", value: "no" }])).toThrow("validate_zod expects true or false");
    const files = runGrpckit(requestFor(`${root}test/golden/validate/proto`, "target=ts,validate_zod=false"));
    const validate = files.get("rules/v1/rules_validate.ts") ?? "";
    expect(validate).toContain("export const ItemValidator");
    expect(validate).not.toContain('from "zod"');
    expect(validate).not.toContain("ItemZod");
  });

  it("imports the runtime from runtime_import", () => {
    const files = runGrpckit(
      requestFor(`${root}test/golden/no-package/proto`, "target=ts,runtime_import=@acme/rpc-runtime"),
    );
    expect(files.get("bare_grpckit.ts")).toContain('from "@acme/rpc-runtime"');
  });

  it("rejects an unknown key, naming it", () => {
    expect(() => parseOptions([{ key: "runtime_imprt", value: "x" }])).toThrow('unknown option "runtime_imprt"');
  });

  it("rejects an empty runtime_import", () => {
    expect(() => parseOptions([{ key: "runtime_import", value: "" }])).toThrow("module specifier");
  });

  it("fails the executable with one clear line, no stack", () => {
    const request = requestFor(`${root}test/golden/no-package/proto`, "target=ts,bogus=1");
    const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
    expect(run.status).toBe(1);
    const stderr = run.stderr.toString();
    expect(stderr).toMatch(/^protoc-gen-grpckit: invalid option "bogus=1": unknown option "bogus"/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("rejects a bad value of a shared option", () => {
    const request = requestFor(`${root}test/golden/no-package/proto`, "target=python");
    const run = spawnSync(grpckitBin, [], { input: toBinary(CodeGeneratorRequestSchema, request) });
    expect(run.status).toBe(1);
    expect(run.stderr.toString()).toContain('invalid option "target=python"');
  });

  it("emits js and dts on request, from the bundled executable too", () => {
    const request = requestFor(`${root}test/golden/no-package/proto`, "target=js+dts,import_extension=js");
    const files = runGrpckit(request);
    // The bundle swaps the TypeScript compiler for a stand-in that loads it on first use.
    expect(runPluginProcess(grpckitBin, request)).toEqual(files);
    expect([...files.keys()].sort()).toEqual(["bare_grpckit.d.ts", "bare_grpckit.js"]);
    expect(files.get("bare_grpckit.js")).toContain("grpcDefinition(Bare)");
    expect(files.get("bare_grpckit.d.ts")).toContain("export type BareHandlers = HandlersOf<typeof Bare>;");
  });

  it("declares typed services in its .d.ts files: handlers, clients and definitions type-check as from .ts", () => {
    // protoc-gen-es and grpckit, both js+dts, then user code compiled against the declarations alone;
    // beside it, the declarations of services with auth rules, masks, HTTP bindings and client policies.
    const dir = mkdtempSync(join(root, "test/plugin/.dts-"));
    try {
      for (const golden of ["kinds", "masks", "http", "client-policy"]) {
        const request = requestFor(`${root}test/golden/${golden}/proto`, "target=js+dts,import_extension=js");
        const files = new Map([...runPluginProcess(protocGenEsBin, request), ...runGrpckit(request)]);
        expect([...files.keys()].filter((name) => name.endsWith("_grpckit.d.ts")).length, golden).toBeGreaterThan(0);
        for (const [name, content] of files) {
          mkdirSync(dirname(join(dir, golden, name)), { recursive: true });
          writeFileSync(join(dir, golden, name), content);
        }
      }
      writeFileSync(
        join(dir, "use.ts"),
        [
          'import { createClient, type RpcError } from "grpckit";',
          'import { Echo, type EchoHandlers, EchoDefinition } from "./kinds/kinds/v1/kinds_grpckit.js";',
          "export const handlers: EchoHandlers = {",
          "  say: async (request) => ({ sentence: request.sentence.toUpperCase() }),",
          "  // @ts-expect-error: a server-streaming handler yields, it does not return one response",
          "  serverStream: async (request) => ({ sentence: request.sentence }),",
          "  clientStream: async (requests) => { for await (const r of requests) r.times; return {}; },",
          "  bidi: async function* (requests) { for await (const r of requests) yield { sentence: r.sentence }; },",
          "  old: () => ({}),",
          "};",
          'const client = createClient(Echo, "127.0.0.1:1");',
          'export const said: Promise<string> = client.say({ sentence: "hi", times: 2 }).then((r) => r.sentence);',
          "// @ts-expect-error: say takes a SayRequest",
          "client.say({ sentence: 1 });",
          "export const names: string[] = Object.keys(EchoDefinition.say);",
          "export type E = RpcError;",
        ].join("\n"),
      );
      expect(typecheck(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("prints the package version in --version and every header", () => {
    const versionOf = (path: string) =>
      (JSON.parse(readFileSync(`${root}${path}`, "utf8")) as { version: string }).version;
    const pkg = { version: versionOf("packages/protoc-gen-grpckit/package.json") };
    // The two packages are released together, at the repository's version.
    expect([version, versionOf("packages/grpckit/package.json"), versionOf("package.json")]).toEqual(
      Array(3).fill(pkg.version),
    );
    expect(execFileSync(grpckitBin, ["--version"], { encoding: "utf8" })).toBe(`protoc-gen-grpckit v${pkg.version}\n`);
    const files = runGrpckit(requestFor(`${root}test/golden/no-package/proto`, "target=ts"));
    expect(files.get("bare_grpckit.ts")).toMatch(
      new RegExp(`^// @generated by protoc-gen-grpckit v${pkg.version} with parameter "target=ts"\n`),
    );
  });
});
