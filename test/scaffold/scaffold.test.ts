import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { DescFile } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { main } from "../../plugin/scaffold/cli.js";
import { findBuf, loadProtoFiles } from "../../plugin/scaffold/load.js";
import { type ScaffoldResult, scaffold } from "../../plugin/scaffold/scaffold.js";
import { root } from "../support/codegen.js";

const here = `${root}test/scaffold/`;
const gen = `${root}generated-example`;
const scratch = mkdtempSync(join(here, ".scratch-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files: DescFile[];
beforeAll(() => {
  files = loadProtoFiles(`${root}proto`, ["ecommerce/"], findBuf(undefined));
});

function run(outDir: string, check = false, only?: string): ScaffoldResult {
  const chosen = only === undefined ? files : files.filter((f) => f.name === only);
  return scaffold({ files: chosen, outDir, genDir: gen, importExtension: "js", runtimeImport: "grpckit", check });
}

/** The edit cases implement UserService only. */
const users = (outDir: string) => run(outDir, false, "ecommerce/v1/user");

/** A scratch folder holding the given fixtures as .ts files. */
function withFixtures(...names: string[]): string {
  const dir = mkdtempSync(join(scratch, "case-"));
  for (const name of names) {
    copyFileSync(join(here, "fixtures", `${name}.ts.txt`), join(dir, `${name}.ts`));
  }
  return dir;
}

function kinds(result: ScaffoldResult, file?: string): string[] {
  return result.findings
    .filter((f) => file === undefined || f.file.endsWith(file))
    .map((f) => `${f.kind} ${f.message}`);
}

/** The lines of `after` that are not in `before`, checking that every line of `before` is still there, in order. */
function addedLines(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const added: string[] = [];
  let i = 0;
  for (const line of b) {
    if (i < a.length && line === a[i]) i++;
    else added.push(line);
  }
  expect(i, "every line of the user's file is kept, in order").toBe(a.length);
  return added;
}

describe("grpckit scaffold", () => {
  it("creates one implementation file per service", async () => {
    // Beside golden/, so that created files import the generated code by the same relative path.
    const out = mkdtempSync(join(here, ".scratch-new-"));
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    const result = run(out);
    expect(kinds(result).every((k) => k.startsWith("created"))).toBe(true);
    const created = readdirSync(out).sort();
    expect(created).toEqual(["gateway-service.ts", "order-service.ts", "product-service.ts", "user-service.ts"]);
    for (const name of created) {
      await expect(readFileSync(join(out, name), "utf8")).toMatchFileSnapshot(join(here, "golden", name));
    }
    // A second run finds every file and has nothing to do.
    expect(run(out).findings).toEqual([]);
    expect(run(out, true).outOfDate).toBe(false);
  });

  it("adds exactly the stubs of new RPCs to a hand-written class, touching nothing else", () => {
    const dir = withFixtures("user-class");
    const path = join(dir, "user-class.ts");
    const before = readFileSync(path, "utf8");
    const result = users(dir);
    const after = readFileSync(path, "utf8");
    const added = addedLines(before, after);
    // Six RPCs were missing; each gets a stub with the RPC's comment, at the file's own indentation.
    expect(kinds(result, "user-class.ts").filter((k) => k.startsWith("stub-added"))).toHaveLength(6);
    expect(added.filter((l) => l.includes("throw new RpcError(Code.UNIMPLEMENTED"))).toHaveLength(6);
    expect(added).toContain(
      "    async *listUsers(request: ListUsersRequest, context: ServerContext): AsyncIterable<ResponseInit<typeof ListUsersResponseSchema>> {",
    );
    expect(added).toContain("     * ChatWithUsers is a bidirectional chat between support and users. Each");
    // Only names the file did not import yet are imported, in a statement of their own.
    expect(added.some((l) => l.includes("GetUserRequest"))).toBe(false);
    expect(added.some((l) => /^import .*\bCode\b/.test(l))).toBe(false);
    // The private helper is not mistaken for a removed RPC.
    expect(kinds(result, "user-class.ts").some((k) => k.startsWith("removed"))).toBe(false);
    // Done once: the next run is a no-op.
    expect(users(dir).findings).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(after);
  });

  it("recognises an object literal typed with the handlers interface and extends it", () => {
    const dir = withFixtures("user-object");
    const path = join(dir, "user-object.ts");
    const before = readFileSync(path, "utf8");
    users(dir);
    const after = readFileSync(path, "utf8");
    const added = addedLines(
      before.replace("deleteUser: async () => ({})\n", "deleteUser: async () => ({}),\n"),
      after,
    );
    expect(added.filter((l) => l.includes("UNIMPLEMENTED"))).toHaveLength(6);
    expect(added).toContain("  },");
    expect(readdirSync(dir)).toEqual(["user-object.ts"]);
  });

  it("reports removed RPCs and changed signatures without touching the file", () => {
    const dir = withFixtures("user-stale");
    const path = join(dir, "user-stale.ts");
    const before = readFileSync(path, "utf8");
    const result = users(dir);
    expect(readFileSync(path, "utf8")).toBe(before);
    const report = kinds(result, "user-stale.ts");
    expect(report).toContainEqual(expect.stringMatching(/^removed findUser: ecommerce\.v1\.UserService has no RPC/));
    expect(report).toContainEqual(
      expect.stringMatching(/^mismatch getUser: .*GetUser takes ecommerce\.v1\.GetUserRequest now.*DeleteUserRequest/),
    );
    expect(report).toContainEqual(expect.stringMatching(/^mismatch listUsers: .*ListUsers is server streaming now/));
    // Methods without parameter types are checked as far as they can be: async (one message) vs generator (a stream).
    expect(report.filter((k) => k.startsWith("mismatch"))).toHaveLength(2);
    expect(result.outOfDate).toBe(true);
  });

  it("adds no stub for a method marked `// grpckit: unimplemented`, and --check passes", () => {
    const dir = withFixtures("user-unimplemented");
    const path = join(dir, "user-unimplemented.ts");
    const before = readFileSync(path, "utf8");
    expect(users(dir).findings).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(before);
    const lines: string[] = [];
    const args = ["scaffold", `${root}proto`, "--path", "ecommerce/v1/user", "--out", dir, "--gen", gen, "--check"];
    expect(
      main(
        args,
        (l) => lines.push(l),
        (l) => lines.push(l),
      ),
    ).toBe(0);
    expect(lines).toEqual(["grpckit scaffold --check: up to date"]);
  });

  it("reports marks that name no RPC or an implemented one; comments inside a method are no marks", () => {
    const dir = withFixtures("user-marks");
    const path = join(dir, "user-marks.ts");
    const before = readFileSync(path, "utf8");
    const report = kinds(run(dir, true, "ecommerce/v1/user"), "user-marks.ts");
    expect(report).toContainEqual(
      'removed findUser: marked "grpckit: unimplemented", but ecommerce.v1.UserService has no RPC of this name (removed or renamed?); update the mark',
    );
    expect(report).toContainEqual(
      'mismatch getUser: marked "grpckit: unimplemented", but implemented too; remove the mark or the method',
    );
    const missing = report.filter((k) => k.startsWith("missing-stub")).map((k) => k.split(" ")[1]);
    expect(missing).toEqual([
      "createUser:",
      "updateUser:",
      "batchGetUsers:",
      "listUsers:",
      "createUsers:",
      "chatWithUsers:",
    ]);
    expect(readFileSync(path, "utf8")).toBe(before);
    // Writing adds the same six stubs, none for deleteUser.
    users(dir);
    const added = addedLines(before, readFileSync(path, "utf8"));
    expect(added.filter((l) => l.includes("UNIMPLEMENTED"))).toHaveLength(6);
    expect(added.some((l) => l.includes("deleteUser"))).toBe(false);
  });

  it("leaves a file it cannot parse alone, with a clear message", () => {
    const dir = withFixtures("broken");
    const before = readFileSync(join(dir, "broken.ts"), "utf8");
    const result = users(dir);
    expect(readFileSync(join(dir, "broken.ts"), "utf8")).toBe(before);
    expect(kinds(result, "broken.ts")).toEqual([expect.stringMatching(/^unparsable cannot parse at line 4/)]);
  });

  it("--check exits 1 when out of date, 0 when up to date, 2 on bad usage", () => {
    const out = mkdtempSync(join(scratch, "check-"));
    const lines: string[] = [];
    const cli = (...args: string[]) =>
      main(
        args,
        (l) => lines.push(l),
        (l) => lines.push(l),
      );
    const args = ["scaffold", `${root}proto`, "--path", "ecommerce/", "--out", out, "--gen", gen];
    expect(cli(...args, "--check")).toBe(1);
    expect(lines.join("\n")).toMatch(/missing .*user-service\.ts: ecommerce\.v1\.UserService has no implementation/);
    expect(readdirSync(out)).toEqual([]);
    expect(cli(...args)).toBe(0);
    expect(cli(...args, "--check")).toBe(0);
    expect(lines.at(-1)).toBe("grpckit scaffold --check: up to date");
    mkdirSync(join(out, "sub"));
    copyFileSync(join(here, "fixtures", "user-stale.ts.txt"), join(out, "sub", "old.ts"));
    expect(cli(...args, "--check")).toBe(1);
    expect(cli("scaffold", `${root}proto`, "--out", out)).toBe(2);
    expect(lines.at(-1)).toMatch(/missing --gen/);
    expect(cli("scaffold", "--bogus")).toBe(2);
    expect(cli("nope")).toBe(2);
    expect(cli("scaffold", "--help")).toBe(0);
    expect(cli("scaffold", `${root}no/such/dir`, "--out", out, "--gen", gen)).toBe(1);
    expect(lines.at(-1)).toMatch(/no such file or folder/);
  });
});
