import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { missingToolsError, requireTools } from "../support/tools.js";

/*
 * A test that needs a Debian tool fails, without it, with one line naming
 * what is missing and scripts/ci-deps.sh (test/support/tools.ts).
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-tools-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const advice = "run scripts/ci-deps.sh, which installs the Debian packages the tests need";

describe("a missing Debian tool", () => {
  it("is named, with its package and the script, in one line", () => {
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    const error = missingToolsError(["protoc", "openssl"], { PATH: empty });
    expect(error?.message).toBe(`missing protoc (protobuf-compiler), openssl (openssl): ${advice}`);
    expect(error?.stack).toBe(`MissingTool: ${error?.message}`);
  });

  it("includes the well-known .proto files protoc needs (libprotobuf-dev), when only protoc is there", () => {
    requireTools("protoc", "protobuf-wkt");
    // A protoc without the include folder beside it, as with protobuf-compiler but no libprotobuf-dev.
    const bin = join(scratch, "bare", "bin");
    mkdirSync(bin, { recursive: true });
    const protoc = process.env.PATH?.split(":").find((dir) => {
      try {
        copyFileSync(join(dir, "protoc"), join(bin, "protoc"));
        return true;
      } catch {
        return false;
      }
    });
    expect(protoc).toBeDefined();
    const env = { PATH: `${bin}:${process.env.PATH ?? ""}` };
    expect(missingToolsError(["protoc"], env)).toBeUndefined();
    expect(missingToolsError(["protoc", "protobuf-wkt"], env)?.message).toBe(
      `missing the well-known .proto files, google/protobuf/*.proto (libprotobuf-dev): ${advice}`,
    );
  });

  it("is no error when every tool is installed", () => {
    expect(missingToolsError(["protoc", "protobuf-wkt", "python3-grpcio", "grpc-proto", "openssl"], process.env)).toBe(
      undefined,
    );
  });
});
