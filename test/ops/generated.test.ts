import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, expect, test } from "vitest";
import { bufBin, root } from "../support/codegen.js";

const scratch = mkdtempSync(join(tmpdir(), "grpckit-ops-gen-"));
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

test("runtime/ops/gen (health and reflection) equals a fresh generation (run `npm run generate` to update it)", () => {
  // The template's out paths are relative to --output.
  execFileSync(bufBin, ["generate", "--template", "buf.gen.ops.yaml", "--output", scratch], {
    cwd: root,
    env: { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH ?? ""}` },
  });
  const fresh = readTree(join(scratch, "runtime/ops/gen"));
  const committed = readTree(join(root, "runtime/ops/gen"));
  expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
  for (const [name, content] of fresh) {
    expect(committed.get(name), name).toBe(content);
  }
});
