// scaffold: `grpckit scaffold` creating, then checking, the implementation
// files of 200 services with 10 RPCs each (20 files of 10 services), beside a
// plain `buf generate` (protoc-gen-es + grpckit) of the same input, in one
// run. Goal (issue 10): scaffolding or checking takes under 10 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureSideBySide } from "../lib/measure.mjs";

function writeServices(dir, files, servicesPerFile, rpcs) {
  const folder = join(dir, "big", "v1");
  mkdirSync(folder, { recursive: true });
  for (let f = 0; f < files; f++) {
    const lines = ['syntax = "proto3";', "", "package big.v1;", ""];
    lines.push(`message Req${f} {\n  string id = 1;\n}`, "", `message Res${f} {\n  string id = 1;\n}`, "");
    for (let s = 0; s < servicesPerFile; s++) {
      lines.push(`// Service ${s} of file ${f}.`, `service S${f}x${s} {`);
      for (let r = 0; r < rpcs; r++) {
        const inStream = r % 4 === 1 || r % 4 === 3 ? "stream " : "";
        const outStream = r % 4 >= 2 ? "stream " : "";
        lines.push(`  // M${r} does thing ${r}.`, `  rpc M${r}(${inStream}Req${f}) returns (${outStream}Res${f});`);
      }
      lines.push("}", "");
    }
    writeFileSync(join(folder, `f${f}.proto`), lines.join("\n"));
  }
}

export async function run({ root, rows, progress, quick }) {
  const files = quick ? 2 : 20;
  const dir = mkdtempSync(join(tmpdir(), "grpckit-bench-scaffold-"));
  try {
    const proto = join(dir, "proto");
    writeServices(proto, files, 10, 10);
    const out = join(dir, "impl");
    const gen = join(dir, "gen");
    const grpckit = join(root, "packages/protoc-gen-grpckit/bin/grpckit.js");
    const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}` };
    const template = JSON.stringify({
      version: "v2",
      plugins: [
        { local: "protoc-gen-es", out: gen, opt: ["target=ts", "import_extension=js"], strategy: "all" },
        {
          local: ["node", join(root, "packages/protoc-gen-grpckit/bin/protoc-gen-grpckit.js")],
          out: gen,
          opt: ["target=ts", "import_extension=js"],
          strategy: "all",
        },
      ],
    });
    const scaffold = [
      "node",
      grpckit,
      "scaffold",
      proto,
      "--out",
      out,
      "--gen",
      gen,
      "--buf",
      join(root, "node_modules/.bin/buf"),
    ];
    const runs = quick ? 1 : 3;
    const results = await measureSideBySide(
      [
        {
          name: "buf generate",
          args: [join(root, "node_modules/.bin/buf"), "generate", proto, "--template", template],
        },
        // Each create run starts from an empty folder.
        { name: "scaffold (create)", args: scaffold, before: () => rmSync(out, { recursive: true, force: true }) },
      ],
      { runs, cwd: dir, env, onProgress: progress },
    );
    // The last create run left the files: --check finds them up to date.
    const check = await measureSideBySide([{ name: "scaffold --check", args: [...scaffold, "--check"] }], {
      runs,
      cwd: dir,
      env,
      onProgress: progress,
    });
    const name = `${files * 10} services x 10 RPCs`;
    const base = results.get("buf generate");
    for (const [label, result] of [...results, ...check]) {
      if (result.error !== undefined) {
        rows.fail(`${name}: ${label}`, result.error);
        continue;
      }
      rows.add({
        name: `${name}: ${label}`,
        value: result.ms,
        unit: "ms",
        better: "lower",
        ...(label === "buf generate" || base?.error !== undefined ? {} : { baseline: `${name}: buf generate` }),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
