import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import { join } from "node:path";

/*
 * The tests that talk to programs outside Node (a foreign gRPC client, protoc,
 * openssl) need Debian packages that scripts/ci-deps.sh installs. Without
 * them, such a test fails first thing with one line that names what is
 * missing and the script, instead of an ENOENT or a page of protoc errors.
 */

/** A program or set of files a test needs, and how to tell it is there. */
interface Tool {
  /** What the failure line calls it, with its Debian package. */
  readonly what: string;
  readonly present: (env: NodeJS.ProcessEnv) => boolean;
}

const ok = (env: NodeJS.ProcessEnv, command: string, args: readonly string[]) =>
  spawnSync(command, args, { stdio: "ignore", cwd: tmpdir(), env, timeout: 30_000 }).status === 0;

const tools = {
  protoc: { what: "protoc (protobuf-compiler)", present: (env) => ok(env, "protoc", ["--version"]) },
  // protoc finds them beside itself (/usr/include for Debian's): without them,
  // every file that imports a well-known type fails.
  "protobuf-wkt": {
    what: "the well-known .proto files, google/protobuf/*.proto (libprotobuf-dev)",
    present: (env) => {
      // An empty folder as the working directory: only protoc's own include path can hold the file.
      const empty = mkdtempSync(join(tmpdir(), "grpckit-wkt-"));
      try {
        return ok(env, "protoc", ["-I", empty, `--descriptor_set_out=${devNull}`, "google/protobuf/descriptor.proto"]);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    },
  },
  "python3-grpcio": {
    what: "Debian's /usr/bin/python3 with grpcio and protobuf (python3-grpcio, python3-protobuf)",
    present: (env) => ok(env, "/usr/bin/python3", ["-c", "import grpc, google.protobuf"]),
  },
  "grpc-proto": {
    what: "gRPC's .proto files in /usr/share/grpc-proto (grpc-proto)",
    present: () => existsSync("/usr/share/grpc-proto/grpc/health/v1/health.proto"),
  },
  openssl: { what: "openssl (openssl)", present: (env) => ok(env, "openssl", ["version"]) },
} satisfies Record<string, Tool>;

/** A Debian-installed tool a test can ask for. */
export type ToolName = keyof typeof tools;

const known = new Map<ToolName, boolean>();

/** The tools of `names` that are not installed; each is probed once per process. */
function missingTools(names: readonly ToolName[]): ToolName[] {
  return names.filter((name) => {
    let present = known.get(name);
    if (present === undefined) {
      present = tools[name].present(process.env);
      known.set(name, present);
    }
    return !present;
  });
}

/**
 * The error for missing tools (one line, naming them and scripts/ci-deps.sh),
 * or undefined when all of `names` are installed. Probes anew, with `env`'s PATH.
 */
export function missingToolsError(names: readonly ToolName[], env: NodeJS.ProcessEnv): Error | undefined {
  return toolsError(names.filter((name) => !tools[name].present(env)));
}

function toolsError(missing: readonly ToolName[]): Error | undefined {
  if (missing.length === 0) return undefined;
  const error = new Error(
    `missing ${missing.map((name) => tools[name].what).join(", ")}: run scripts/ci-deps.sh, which installs the Debian packages the tests need`,
  );
  error.name = "MissingTool";
  // The line is the whole story; a stack into this file would only hide it.
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/**
 * Throws one line naming the missing tools and scripts/ci-deps.sh when any of
 * `names` is not installed. Call it in a `beforeAll` of the tests that need
 * them (one failure for the lot) or first thing in a single test.
 */
export function requireTools(...names: ToolName[]): void {
  const error = toolsError(missingTools(names));
  if (error !== undefined) throw error;
}
