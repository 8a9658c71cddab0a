import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bufBin, grpckitBin, protocGenEsBin, root } from "../support/codegen.js";
import { requireTools } from "../support/tools.js";

const scratch = mkdtempSync(join(tmpdir(), "grpckit-regen-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(dir, path), readFileSync(path, "utf8"));
    }
  }
  return files;
}

function bufGenerate(): Map<string, string> {
  const out = join(scratch, "buf");
  // buf.gen.yaml's out paths are relative to --output.
  execFileSync(bufBin, ["generate", "--output", out], { cwd: root, env: pathWithBins() });
  return readTree(join(out, "generated-example"));
}

function pathWithBins(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH ?? ""}` };
}

describe("the reference output", () => {
  const fromBuf = bufGenerate();

  it("equals a fresh `buf generate` (run `npm run generate` to update it)", () => {
    const committed = readTree(join(root, "generated-example"));
    expect([...committed.keys()].sort()).toEqual([...fromBuf.keys()].sort());
    for (const [name, content] of fromBuf) {
      expect(committed.get(name), name).toBe(content);
    }
  });

  it("is byte-identical when protoc drives the plugins", () => {
    requireTools("protoc", "protobuf-wkt");
    const out = join(scratch, "protoc");
    execFileSync("mkdir", ["-p", out]);
    const protos = [...fromBuf.keys()]
      .filter((f) => f.endsWith("_pb.ts"))
      .map((f) => f.replace(/_pb\.ts$/, ".proto"))
      .sort();
    const opt = "target=ts,import_extension=js";
    execFileSync(
      "protoc",
      [
        "-I",
        "proto",
        `--plugin=protoc-gen-es=${protocGenEsBin}`,
        `--es_out=${out}`,
        `--es_opt=${opt}`,
        `--plugin=protoc-gen-grpckit=${grpckitBin}`,
        `--grpckit_out=${out}`,
        // buf.gen.yaml's grpckit parameters.
        `--grpckit_opt=${opt},openapi=true`,
        ...protos.map((p) => `proto/${p}`),
      ],
      { cwd: root },
    );
    const fromProtoc = readTree(out);
    expect([...fromProtoc.keys()].sort()).toEqual([...fromBuf.keys()].sort());
    for (const [name, content] of fromBuf) {
      expect(fromProtoc.get(name), name).toBe(content);
    }
  });
});
