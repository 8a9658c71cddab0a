import { parseArgs } from "node:util";
import { version } from "../version.js";
import { findBuf, loadProtoFiles } from "./load.js";
import { type Finding, scaffold } from "./scaffold.js";

const usage = `Usage: grpckit scaffold <input> --out <dir> --gen <dir> [options]

Creates one implementation file per service that has none (a class that
implements the generated <Service>Handlers, one stub per RPC that throws
UNIMPLEMENTED), and on later runs adds stubs for new RPCs in place, leaving
everything you wrote as it is. Methods whose RPC was removed or renamed, and
methods whose signature no longer fits, are reported, never deleted.

<input>                 a buf module or workspace folder, or an image from \`buf build -o x.binpb\`
--out <dir>             where implementation files are created and looked for
--gen <dir>             where protoc-gen-es and protoc-gen-grpckit wrote *_pb.ts and *_grpckit.ts
--path <prefix>         only .proto files under this path (repeatable), e.g. ecommerce/v1
--check                 change nothing; print what is out of date and exit 1 if anything is
--import-extension <e>  js (default, Node ESM) or none
--runtime-import <m>    module the runtime is imported from (default grpckit)
--buf <path>            the buf executable (default: node_modules/.bin/buf, then buf on PATH)
-h, --help              this text

Exit codes: 0 done (or up to date); 1 out of date (--check) or an input error; 2 bad usage.`;

/** Runs `grpckit <args>`; returns the exit code. Output goes to the given streams. */
export function main(args: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const [command, ...rest] = args;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    out(
      `grpckit ${version}\n\nCommands:\n  scaffold   create and update the implementation files of services\n\n${usage}`,
    );
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-v") {
    out(version);
    return 0;
  }
  if (command !== "scaffold") {
    err(`grpckit: unknown command "${command}"; try grpckit --help`);
    return 2;
  }
  let parsed: ReturnType<typeof parseScaffoldArgs>;
  try {
    parsed = parseScaffoldArgs(rest);
  } catch (error) {
    err(`grpckit scaffold: ${(error as Error).message}; try grpckit scaffold --help`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out(usage);
    return 0;
  }
  const input = positionals[0];
  const missing = [
    input === undefined ? "<input>" : "",
    values.out === undefined ? "--out" : "",
    values.gen === undefined ? "--gen" : "",
  ].filter(Boolean);
  if (input === undefined || values.out === undefined || values.gen === undefined || positionals.length > 1) {
    err(
      positionals.length > 1
        ? `grpckit scaffold: one input expected, got ${positionals.join(" ")}`
        : `grpckit scaffold: missing ${missing.join(", ")}; try grpckit scaffold --help`,
    );
    return 2;
  }
  const ext = values["import-extension"] ?? "js";
  if (ext !== "js" && ext !== "none") {
    err(`grpckit scaffold: --import-extension must be js or none, not "${ext}"`);
    return 2;
  }
  try {
    const files = loadProtoFiles(input, values.path ?? [], findBuf(values.buf));
    const result = scaffold({
      files,
      outDir: values.out,
      genDir: values.gen,
      importExtension: ext,
      runtimeImport: values["runtime-import"] ?? "grpckit",
      check: values.check === true,
    });
    for (const finding of result.findings) {
      out(formatFinding(finding));
    }
    if (values.check === true) {
      out(result.outOfDate ? "grpckit scaffold --check: out of date" : "grpckit scaffold --check: up to date");
      return result.outOfDate ? 1 : 0;
    }
    if (result.findings.length === 0) {
      out("grpckit scaffold: up to date");
    }
    return 0;
  } catch (error) {
    err(`grpckit scaffold: ${(error as Error).message}`);
    return 1;
  }
}

function parseScaffoldArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string" },
      gen: { type: "string" },
      path: { type: "string", multiple: true },
      check: { type: "boolean" },
      "import-extension": { type: "string" },
      "runtime-import": { type: "string" },
      buf: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

const labels: Record<Finding["kind"], string> = {
  created: "created",
  "stub-added": "added",
  "missing-file": "missing",
  "missing-stub": "missing",
  removed: "removed?",
  mismatch: "mismatch",
  unparsable: "skipped",
  conflict: "conflict",
};

function formatFinding(finding: Finding): string {
  return `${labels[finding.kind].padEnd(9)} ${finding.file}: ${finding.message}`;
}
