import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CodeBlock, sectionBlocks } from "./support/readme.js";

/*
 * The README's "Use it in your repo", run as a new user would: its shell and
 * YAML blocks, verbatim and in order, in a fresh project outside the
 * repository that has only its own schema (project/proto: the four kinds, a
 * validation rule, auth rules, a read mask), its application (project/src)
 * and its tsconfig (strict, nodenext). The packages are packed (`npm pack`)
 * and installed with npm from the tarballs, everything else from the
 * registry. The application must compile with tsc and serve and call its
 * service. Once with the lowest versions of the peers that grpckit's
 * package.json accepts (and protoc-gen-es of that protobuf version), once
 * with the newest npm picks: a range that claims too much fails here.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));
const SECTION = "Use it in your repo";
const PEERS = ["@bufbuild/protobuf", "@grpc/grpc-js"] as const;

interface Manifest {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Manifest;
const runtime = manifest(`${root}packages/grpckit/package.json`);
const repo = manifest(`${root}package.json`);

/** The lowest version a caret range accepts: `^2.2.0` -> `2.2.0`. */
function lowestOf(name: string): string {
  const range = runtime.peerDependencies?.[name] ?? "";
  const lowest = /^\^(\d+\.\d+\.\d+)$/.exec(range)?.[1];
  if (lowest === undefined) {
    throw new Error(`peer ${name}: range "${range}" is not "^x.y.z"; teach lowestOf its form`);
  }
  return lowest;
}

const scratch = mkdtempSync(join(tmpdir(), "grpckit-user-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const realNpm = realpathSync(execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim());
const tarballs: Record<string, string> = {};

beforeAll(() => {
  if (!existsSync(`${root}packages/grpckit/dist/runtime/index.js`)) {
    throw new Error("packages/grpckit/dist is missing: run `npm run build` (npm test does)");
  }
  if (spawnSync("sh", ["-c", "command -v protoc"]).status !== 0) {
    throw new Error("protoc is not installed: run scripts/ci-deps.sh");
  }
  // Packed from what `npm run build` staged; --ignore-scripts: the packages' prepack would build again.
  const packed = JSON.parse(
    execFileSync(
      process.execPath,
      [
        realNpm,
        "pack",
        "--json",
        "--ignore-scripts",
        "--workspace=grpckit",
        "--workspace=protoc-gen-grpckit",
        `--pack-destination=${scratch}`,
      ],
      { cwd: root, encoding: "utf8", env: npmEnv() },
    ),
  ) as { name: string; filename: string }[];
  for (const { name, filename } of packed) tarballs[name] = join(scratch, filename);
  expect(Object.keys(tarballs).sort()).toEqual(["grpckit", "protoc-gen-grpckit"]);
}, 60_000);

/** The environment of npm, without what `npm test` itself set (npm_config_*, npm_package_*, ...). */
function npmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  return {
    ...env,
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    ...extra,
  };
}

/** Every file under `dir`, by its path relative to it, with its content. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[relative(dir, path)] = readFileSync(path, "utf8");
    }
  }
  return files;
}

/** The bytes of the files under `dir`. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

const blocks = (): CodeBlock[] => sectionBlocks(readFileSync(`${root}README.md`, "utf8"), SECTION);
const isProtoc = (block: CodeBlock) => block.lang === "sh" && /^\s*protoc\s/m.test(block.text);

describe(`the README's "${SECTION}"`, () => {
  test("has every step: the installs, buf.yaml, buf.gen.yaml, buf generate and a protoc command", () => {
    const all = blocks();
    expect(all.filter((b) => b.lang === "yaml").map((b) => b.file)).toEqual(["buf.yaml", "buf.gen.yaml"]);
    const shell = all.filter((b) => b.lang === "sh").map((b) => b.text);
    expect(shell.some((text) => /npm install .*\bgrpckit\b/.test(text))).toBe(true);
    expect(shell.some((text) => /npm install (--save-dev|-D) .*\bprotoc-gen-grpckit\b/.test(text))).toBe(true);
    expect(shell.some((text) => /\bbuf generate\b/.test(text))).toBe(true);
    expect(all.filter(isProtoc)).toHaveLength(1);
  });

  const lowest = Object.fromEntries(PEERS.map((name) => [name, lowestOf(name)]));
  test.each([
    // protoc-gen-es at the protobuf version a project on the lowest protobuf would have.
    ["the lowest supported peers", { ...lowest, "@bufbuild/protoc-gen-es": lowest["@bufbuild/protobuf"] as string }],
    ["the newest peers", {}],
  ])(
    "works as written, from the packed packages, with %s",
    (peers, pins: Record<string, string>) => {
      const project = mkdtempSync(join(scratch, "project-"));
      cpSync(`${root}test/install/project`, project, { recursive: true });
      // The user's own project: an ES module package with its TypeScript (the repository's version).
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({
          name: "acme-notes",
          version: "1.0.0",
          private: true,
          type: "module",
          devDependencies: {
            typescript: repo.devDependencies?.typescript,
            "@types/node": repo.devDependencies?.["@types/node"],
          },
        }),
      );
      const bin = join(project, ".test-bin");
      mkdirSync(bin);
      writeFileSync(
        join(bin, "npm"),
        `#!/bin/sh\nexec "${process.execPath}" "${root}test/install/support/npm-shim.mjs" "$@"\n`,
      );
      chmodSync(join(bin, "npm"), 0o755);
      const packages = {
        ...tarballs,
        ...Object.fromEntries(Object.entries(pins).map(([name, version]) => [name, `${name}@${version}`])),
      };
      const env = npmEnv({
        PATH: `${bin}:${process.env.PATH}`,
        GRPCKIT_TEST_NPM: realNpm,
        GRPCKIT_TEST_PACKAGES: JSON.stringify(packages),
      });

      for (const block of blocks()) {
        if (block.lang === "yaml") {
          if (block.file === undefined) {
            throw new Error(`README: a YAML block of "${SECTION}" does not say which file it is`);
          }
          writeFileSync(join(project, block.file), block.text);
        } else if (block.lang === "sh") {
          if (isProtoc(block)) {
            // protoc must give what buf gave: buf's output is set aside, and protoc starts from nothing.
            renameSync(join(project, "src/gen"), join(project, "src/gen-buf"));
          }
          const run = spawnSync("bash", ["-eo", "pipefail", "-c", block.text], { cwd: project, env, encoding: "utf8" });
          if (run.status !== 0) {
            throw new Error(`README block failed (exit ${run.status}):\n${block.text}\n${run.stdout}${run.stderr}`);
          }
        }
      }

      // One copy of each peer, at the version under test: grpckit uses the application's.
      const versions = [...PEERS, "@bufbuild/protoc-gen-es", "typescript"].map(
        (name) => `${name}@${manifest(join(project, "node_modules", name, "package.json")).version}`,
      );
      console.info(`test/install, ${peers}: ${versions.join(", ")}`);
      for (const name of PEERS) {
        const { version } = manifest(join(project, "node_modules", name, "package.json"));
        if (pins[name] !== undefined) expect(version).toBe(pins[name]);
        expect(existsSync(join(project, "node_modules/grpckit/node_modules", name))).toBe(false);
      }
      // The runtime's own install, beside the peers: grpckit and its dependencies (none of them nested), ≤ 2 MB.
      const installed = manifest(join(project, "node_modules/grpckit/package.json"));
      const own = ["grpckit", ...Object.keys(installed.dependencies ?? {})];
      expect(existsSync(join(project, "node_modules/grpckit/node_modules"))).toBe(false);
      expect(own.reduce((sum, name) => sum + bytesUnder(join(project, "node_modules", name)), 0)).toBeLessThan(2 << 20);
      const gen = tree(join(project, "src/gen"));
      expect(Object.keys(gen).sort()).toEqual([
        "acme/v1/notes_grpckit.ts",
        "acme/v1/notes_pb.ts",
        "acme/v1/notes_validate.ts",
      ]);
      expect(gen).toEqual(tree(join(project, "src/gen-buf")));
      // grpckit's own files come from the package, never generated by the user.
      expect(gen["acme/v1/notes_pb.ts"]).toContain('from "grpckit/gen/grpckit/v1/options_pb.js"');
      expect(gen["acme/v1/notes_pb.ts"]).toContain('from "grpckit/gen/google/api/field_behavior_pb.js"');
      expect(gen["acme/v1/notes_pb.ts"]).toContain('from "grpckit/gen/buf/validate/validate_pb.js"');

      rmSync(join(project, "src/gen-buf"), { recursive: true });
      const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "."], {
        cwd: project,
        encoding: "utf8",
      });
      expect(tsc.stdout + tsc.stderr).toBe("");
      const app = spawnSync(process.execPath, ["dist/main.js"], { cwd: project, encoding: "utf8", timeout: 60_000 });
      expect(app.status, app.stderr).toBe(0);
      expect(JSON.parse(app.stdout)).toEqual({
        createdByAnyone: "UNAUTHENTICATED",
        created: 2,
        masked: { title: "first", body: "" },
        invalid: "INVALID_ARGUMENT",
        missing: ["n9"],
        listed: ["n1", "n2"],
        chat: ["echo: hi", "echo: bye"],
      });
    },
    240_000,
  );
});
