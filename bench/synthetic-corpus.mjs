// Writes a synthetic buf module: `files` .proto files, each with `messages`
// messages and one service with a method of each of the four kinds.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeSyntheticCorpus(dir, files, messages) {
  rmSync(dir, { recursive: true, force: true });
  for (let f = 0; f < files; f++) {
    const pkg = `synth.p${f}.v1`;
    const lines = ['syntax = "proto3";', "", `package ${pkg};`, "", 'import "google/protobuf/timestamp.proto";', ""];
    for (let m = 0; m < messages; m++) {
      lines.push(
        `// Message${m} is message ${m} of file ${f}.`,
        `message Message${m} {`,
        "  string id = 1;",
        "  int64 count = 2;",
        "  repeated string tags = 3;",
        "  map<string, string> labels = 4;",
        "  google.protobuf.Timestamp create_time = 5;",
        m > 0 ? `  Message${m - 1} previous = 6;` : "  bytes payload = 6;",
        "}",
        "",
      );
    }
    lines.push(`// Service${f} has a method of each kind, twice.`, `service Service${f} {`);
    for (let r = 0; r < 2; r++) {
      const a = `Message${(r * 2) % messages}`;
      const b = `Message${(r * 2 + 1) % messages}`;
      lines.push(
        `  rpc Get${r}(${a}) returns (${b});`,
        `  rpc List${r}(${a}) returns (stream ${b});`,
        `  rpc Upload${r}(stream ${a}) returns (${b});`,
        `  rpc Chat${r}(stream ${a}) returns (stream ${b});`,
      );
    }
    lines.push("}", "");
    const path = join(dir, "synth", `p${f}`, "v1");
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, `file${f}.proto`), lines.join("\n"));
  }
}

// Writes a buf module of one file whose one service has `rpcs` methods (of the
// four kinds in turn, some with an update mask): how generation scales with
// the size of one file rather than with the number of files.
export function writeBigServiceCorpus(dir, rpcs) {
  rmSync(dir, { recursive: true, force: true });
  const lines = [
    'syntax = "proto3";',
    "",
    "package synth.big.v1;",
    "",
    'import "google/protobuf/field_mask.proto";',
    "",
    "message Thing {",
    "  string name = 1;",
    "  repeated string tags = 2;",
    "}",
    "",
    "message UpdateThingRequest {",
    "  Thing thing = 1;",
    "  google.protobuf.FieldMask update_mask = 2;",
    "}",
    "",
    `// Big has ${rpcs} methods.`,
    "service Big {",
  ];
  const kinds = [
    (i) => `  rpc Update${i}(UpdateThingRequest) returns (Thing);`,
    (i) => `  rpc List${i}(Thing) returns (stream Thing);`,
    (i) => `  rpc Upload${i}(stream Thing) returns (Thing);`,
    (i) => `  rpc Chat${i}(stream Thing) returns (stream Thing);`,
  ];
  for (let i = 0; i < rpcs; i++) lines.push(kinds[i % 4](i));
  lines.push("}", "");
  const path = join(dir, "synth", "big", "v1");
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "big.proto"), lines.join("\n"));
}
