import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { claimRun, describeProcess } from "../../plugin/once-per-run.js";

/*
 * The marker that makes buf's plugin processes print the auth warning once
 * per buf run (the buf end-to-end case is in test/auth/plugin.test.ts). A
 * stand-in for buf: `sleep`, copied under the name buf.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-once-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const bin = join(scratch, "buf");
copyFileSync("/bin/sleep", bin);

function fakeBuf(): number {
  const child = spawn(bin, ["60"], { stdio: "ignore" });
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  if (child.pid === undefined) throw new Error("no process");
  return child.pid;
}

describe("claimRun", () => {
  it("is won by the first plugin process of a buf run only", () => {
    const buf = fakeBuf();
    expect(describeProcess(buf)?.name).toBe("buf");
    const dir = join(scratch, "markers-1");
    expect(claimRun(buf, dir)).toBe(true);
    expect(claimRun(buf, dir)).toBe(false);
    expect(claimRun(buf, dir)).toBe(false);
  });

  it("is won again by a later buf run, even one that reuses the process id", () => {
    const buf = fakeBuf();
    const dir = join(scratch, "markers-2");
    expect(claimRun(buf, dir)).toBe(true);
    const [marker] = readdirSync(dir);
    expect(marker).toMatch(new RegExp(`^buf-${buf}-\\d+$`));
    // As if the marker were an earlier process's with this id: it started at another time.
    rmSync(join(dir, marker ?? ""));
    writeFileSync(join(dir, `buf-${buf}-1`), "");
    expect(claimRun(buf, dir)).toBe(true);
    expect(claimRun(buf, dir)).toBe(false);
  });

  it("removes markers older than a day", () => {
    const buf = fakeBuf();
    const dir = join(scratch, "markers-3");
    expect(claimRun(buf, dir)).toBe(true);
    const old = join(dir, "buf-1-1");
    writeFileSync(old, "");
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const other = fakeBuf();
    expect(claimRun(other, dir)).toBe(true);
    expect(readdirSync(dir)).not.toContain("buf-1-1");
  });

  it("always prints when the parent is not buf (protoc, a test, a shell)", () => {
    const dir = join(scratch, "markers-4");
    expect(claimRun(process.pid, dir)).toBe(true);
    expect(claimRun(process.pid, dir)).toBe(true);
  });
});
