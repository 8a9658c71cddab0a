import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import {
  clone,
  create,
  createRegistry,
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  fromBinary,
  type Message,
  type Registry,
  toBinary,
} from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import {
  anyPack,
  type CodeGeneratorRequest,
  CodeGeneratorRequestSchema,
  type DescriptorProto,
  type FileDescriptorProto,
  FileDescriptorProtoSchema,
  isWrapperDesc,
  timestampNow,
} from "@bufbuild/protobuf/wkt";
import type { Validator } from "@bufbuild/protovalidate";
import { type FieldViolation, getValidator, validate } from "grpckit";
import { protocGenEsBin, requestFor, root, runGrpckit, runPluginProcess } from "../support/codegen.js";

/*
 * The conformance harness: generates protovalidate's conformance case protos
 * with protoc-gen-es and grpckit into test/conformance/.gen (gitignored; inside
 * the repository so that generated imports resolve), loads them, builds each
 * case's message from expectations.json and runs it.
 */

/** protovalidate's v1.2.2 extract beside the repository (CI has it; a user's clone does not). */
export const shared = join(root, "..", "shared", "protovalidate-v1.2.2");
export const genDir = join(root, "test/conformance/.gen");

/** One case of expectations.json (scripts/extract-conformance.mjs). */
export interface Case {
  readonly suite: string;
  readonly name: string;
  /** The Go type of the case's message, e.g. `cases.StringEmail`. */
  readonly message: string;
  /** The message as JSON (see scripts/go-literal.mjs). */
  readonly input: GoStruct;
  readonly val?: string;
  readonly expected: Expected;
}
export interface Expected {
  readonly valid?: boolean;
  readonly violations?: readonly ExpectedViolation[];
  readonly compilationError?: string;
  readonly runtimeError?: string;
}
export interface ExpectedViolation {
  readonly field: string;
  readonly rule?: string;
  readonly ruleId: string;
  readonly forKey?: boolean;
}
type GoValue = null | boolean | number | string | GoValue[] | GoStruct | { [key: string]: GoValue };
interface GoStruct {
  readonly "@type": string;
  readonly [key: string]: GoValue;
}

/** A case's key in reports and known-failures.json. */
export const caseKey = (c: Case): string => `${c.suite}/${c.name}`;

/** What generating the conformance protos gave. */
export interface Generated {
  /** Every message type (the case files, their imports, the well-known types) by its Go name (`cases.StringEmail`). */
  readonly byGoName: ReadonlyMap<string, DescMessage>;
  /** The files' registry (with the predefined rules' extensions, for protovalidate-es). */
  readonly registry: Registry;
  /** Messages grpckit refused to generate, by full name: the plugin's error. */
  readonly refused: ReadonlyMap<string, string>;
  /** Generated validator modules that failed to load (path below the output folder): the error. */
  readonly unloaded: ReadonlyMap<string, string>;
}

const params = "target=ts,import_extension=js";

/** Generates and loads every conformance case proto. */
export async function generateCases(): Promise<Generated> {
  rmSync(genDir, { recursive: true, force: true });
  const protoDir = join(genDir, "proto");
  const validate = join(shared, "proto/protovalidate/buf/validate/validate.proto");
  cpSync(
    join(shared, "proto/protovalidate-testing/buf/validate/conformance"),
    join(protoDir, "buf/validate/conformance"),
    {
      recursive: true,
      filter: (src) => !src.endsWith("BUILD.bazel"),
    },
  );
  cpSync(validate, join(protoDir, "buf/validate/validate.proto"));

  const request = requestFor(protoDir, params);
  const files = runPluginProcess(protocGenEsBin, request);
  const refused = new Map<string, string>();
  for (const [name, content] of grpckitPerFile(request, refused)) files.set(name, content);
  const outDir = join(genDir, "ts");
  for (const [name, content] of files) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), content);
  }

  const loaded: DescFile[] = [];
  const unloaded = new Map<string, string>();
  for (const path of tsFiles(outDir)) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (error) {
      // A validator module that imports one of a refused message fails alone: its cases fail, the rest run.
      if (path.endsWith("_pb.ts")) throw error;
      unloaded.set(relative(outDir, path), (error as Error).message);
      continue;
    }
    if (path.endsWith("_pb.ts")) {
      for (const value of Object.values(module)) {
        if ((value as DescFile | undefined)?.kind === "file") loaded.push(value as DescFile);
      }
    }
  }
  return { byGoName: goNameIndex(loaded), registry: createRegistry(...loaded), refused, unloaded };
}

/**
 * Every message of `files` and of the files they import, by the name the Go
 * suite gives its type (`cases.StringEmail`, `custom_rules.FieldExpressionMapInt32`,
 * `durationpb.Duration`): what `buildMessage` looks types up in.
 */
export function goNameIndex(files: Iterable<DescFile>): Map<string, DescMessage> {
  const byGoName = new Map<string, DescMessage>();
  const seen = new Set<string>();
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const message of allMessages(file.messages)) byGoName.set(goName(message), message);
    for (const dep of file.dependencies) visit(dep);
  };
  for (const file of files) visit(file);
  return byGoName;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(dir, f));
}

function* allMessages(messages: readonly DescMessage[]): Generator<DescMessage> {
  for (const m of messages) {
    yield m;
    yield* allMessages(m.nestedMessages);
  }
}

/**
 * Runs grpckit on the request, file by file when it refuses the whole. In a
 * file it refuses, the message its error names is left out (with the
 * messages of the file that use it) and the rest generates, so that one
 * refused message (the compilation-error cases) costs only its own cases.
 * Records the refused messages in `refused`, by full name.
 */
export function grpckitPerFile(request: CodeGeneratorRequest, refused: Map<string, string>): Map<string, string> {
  try {
    return runGrpckit(request);
  } catch {
    // Below, file by file.
  }
  const out = new Map<string, string>();
  for (const file of request.sourceFileDescriptors) {
    // protoFile lists dependencies first: the files after this one may use the messages a variant leaves out.
    const before = request.protoFile.slice(
      0,
      request.protoFile.findIndex((f) => f.name === file.name),
    );
    const generate = (variant: FileDescriptorProto) =>
      runGrpckit(
        create(CodeGeneratorRequestSchema, {
          fileToGenerate: [variant.name],
          parameter: request.parameter,
          protoFile: [...before, variant],
          sourceFileDescriptors: [variant],
        }),
      );
    const removed = new Set<string>();
    for (;;) {
      const variant = removed.size === 0 ? file : withMessages(file, (m) => !removed.has(m.name));
      try {
        for (const [name, content] of generate(variant)) out.set(name, content);
        break;
      } catch (error) {
        const text = (error as Error).message;
        const named = refusedMessageOf(text, file);
        if (named === undefined || removed.has(named)) {
          for (const m of variant.messageType) refused.set(`${file.package}.${m.name}`, text);
          break;
        }
        removed.add(named);
        refused.set(`${file.package}.${named}`, text);
        for (const m of file.messageType) {
          if (removed.has(m.name) || ![...sameFileClosure(file, m)].some((used) => removed.has(used))) continue;
          removed.add(m.name);
          refused.set(`${file.package}.${m.name}`, `uses a message of its file that grpckit refuses: ${text}`);
        }
      }
    }
  }
  return out;
}

/** The top-level message of `file` a plugin error names ("... message pkg.Name[.Nested], ..."). */
function refusedMessageOf(text: string, file: FileDescriptorProto): string | undefined {
  for (const [, name] of text.matchAll(/message ([\w.]+)/g)) {
    if (!(name as string).startsWith(`${file.package}.`)) continue;
    const top = (name as string).slice(file.package.length + 1).split(".")[0];
    if (file.messageType.some((m) => m.name === top)) return top;
  }
  return undefined;
}

/** A copy of `file` with only the top-level messages `keep` accepts and no source info (its paths would be off). */
function withMessages(file: FileDescriptorProto, keep: (m: DescriptorProto) => boolean): FileDescriptorProto {
  const copy = clone(FileDescriptorProtoSchema, file);
  copy.messageType = copy.messageType.filter(keep);
  copy.sourceCodeInfo = undefined;
  return copy;
}

/** `message` and the top-level messages of its file it reaches through fields. */
function sameFileClosure(file: FileDescriptorProto, message: DescriptorProto): Set<string> {
  const prefix = `.${file.package}.`;
  const byName = new Map(file.messageType.map((m) => [m.name, m]));
  const keep = new Set<string>();
  const walk = (m: DescriptorProto) => {
    for (const f of m.field) {
      if (!f.typeName.startsWith(prefix)) continue;
      const top = f.typeName.slice(prefix.length).split(".")[0] as string;
      const target = byName.get(top);
      if (target !== undefined && !keep.has(top)) {
        keep.add(top);
        walk(target);
      }
    }
    for (const nested of m.nestedType) walk(nested);
  };
  keep.add(message.name);
  walk(message);
  return keep;
}

/** protoc-gen-go's GoCamelCase: how a .proto name becomes a Go identifier. */
export function goCamel(s: string): string {
  let out = "";
  const lower = (c: string | undefined) => c !== undefined && c >= "a" && c <= "z";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "." && lower(s[i + 1])) {
      // Skipped: ".x" becomes "X".
    } else if (c === ".") {
      out += "_";
    } else if (c === "_" && (i === 0 || s[i - 1] === ".")) {
      out += "X";
    } else if (c === "_" && lower(s[i + 1])) {
      // Skipped: "_x" becomes "X".
    } else if (c >= "0" && c <= "9") {
      out += c;
    } else {
      out += lower(c) ? c.toUpperCase() : c;
      while (lower(s[i + 1])) out += s[++i];
    }
  }
  return out;
}

/** A message's name in the Go suite: its Go package's name, a dot, its Go identifier. */
function goName(message: DescMessage): string {
  const pkg = message.file.proto.package;
  const alias = pkg.startsWith("google.protobuf")
    ? `${(message.file.name.split("/").pop() as string).replaceAll("_", "")}pb`
    : (pkg.split(".").pop() as string);
  return `${alias}.${goCamel(message.typeName.slice(pkg.length + 1))}`;
}

/**
 * `message` as a server receives it: encoded and decoded, so float fields hold
 * float32 values and strings are well-formed, as protovalidate's conformance
 * runner hands its implementations serialized cases.
 */
export function onTheWire(desc: DescMessage, message: Message): Message {
  try {
    return fromBinary(desc, toBinary(desc, message as never));
  } catch {
    // A proto2 required field left unset does not encode; the random messages may leave one unset.
    return message;
  }
}

/** Builds a case's message from its Go literal, as received from the wire. */
export function caseMessage(gen: Types, c: Case): Message {
  return onTheWire(gen.byGoName.get(c.message) as DescMessage, buildMessage(gen, c.input));
}

/** Where `buildMessage` finds message types: `{ byGoName: goNameIndex(files) }`, or a `Generated`. */
export type Types = Pick<Generated, "byGoName">;

/** Builds a case's message from its Go literal (`Case.input`). */
export function buildMessage(gen: Types, value: GoStruct): Message {
  const desc = gen.byGoName.get(value["@type"]);
  if (desc === undefined) throw new Error(`conformance: no message type for Go type ${value["@type"]}`);
  return buildAs(gen, desc, value);
}

function buildAs(gen: Types, desc: DescMessage, value: GoStruct): Message {
  if (value["@now"] === true) return timestampNow();
  const pack = value["@pack"] as GoStruct | undefined;
  if (pack !== undefined) {
    const inner = buildMessage(gen, pack);
    const innerDesc = gen.byGoName.get(pack["@type"]) as DescMessage;
    return anyPack(innerDesc, inner as never);
  }
  const init: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith("@") || v === null) continue;
    const field = desc.fields.find((f) => goCamel(f.name) === key || `${goCamel(f.name)}_` === key);
    if (field !== undefined) {
      init[field.localName] = fieldValue(gen, field, v);
      continue;
    }
    const oneof = desc.oneofs.find((o) => goCamel(o.name) === key);
    if (oneof === undefined) throw new Error(`conformance: ${desc.typeName} has no field for Go name ${key}`);
    // `&cases.M_Member{Member: x}`; `&cases.M_Member{}` holds the member's zero value.
    const wrapper = v as GoStruct;
    const [memberName, memberValue] = Object.entries(wrapper).find(([k]) => !k.startsWith("@")) ?? [
      wrapper["@type"].slice(`${goName(desc)}_`.length),
      undefined,
    ];
    const member = oneof.fields.find((f) => goCamel(f.name) === memberName || `${goCamel(f.name)}_` === memberName);
    if (member === undefined) throw new Error(`conformance: oneof ${oneof.name} has no member ${memberName}`);
    const zero =
      member.fieldKind === "message"
        ? create(member.message)
        : member.fieldKind === "scalar"
          ? scalarZero(member.scalar)
          : 0;
    init[oneof.localName] = {
      case: member.localName,
      value: memberValue === undefined ? zero : fieldValue(gen, member, memberValue),
    };
  }
  return create(desc, init as never);
}

function fieldValue(gen: Types, field: DescField, v: GoValue): unknown {
  switch (field.fieldKind) {
    case "list":
      return (v as GoValue[]).map((item) =>
        field.listKind === "message"
          ? buildAs(gen, field.message, item as GoStruct)
          : field.listKind === "enum"
            ? enumValue(field.enum, item)
            : scalarValue(field.scalar, item),
      );
    case "map": {
      const out: Record<string, unknown> = {};
      for (const [k, item] of (v as { "@map": [GoValue, GoValue][] })["@map"]) {
        out[String(k)] =
          field.mapKind === "message"
            ? buildAs(gen, field.message, item as GoStruct)
            : field.mapKind === "enum"
              ? enumValue(field.enum, item)
              : scalarValue(field.scalar, item);
      }
      return out;
    }
    case "enum":
      return enumValue(field.enum, v);
    case "scalar":
      return scalarValue(field.scalar, v);
    case "message": {
      const message = buildAs(gen, field.message, v as GoStruct);
      // protobuf-es holds a singular wrapper field as its value.
      return isWrapperDesc(field.message) ? (message as unknown as { value: unknown }).value : message;
    }
  }
}

function scalarZero(scalar: number): unknown {
  if (scalar === bytesType) return new Uint8Array(0);
  if (scalar === 9) return "";
  if (scalar === 8) return false;
  return int64Types.has(scalar) ? 0n : 0;
}

function enumValue(desc: DescEnum, v: GoValue): number {
  if (typeof v === "number") return v;
  const name = (v as { "@enum": string })["@enum"];
  // protoc-gen-go prefixes the values of a nested enum with its message's name, as C++ scopes them.
  const scope = desc.parent === undefined ? desc.typeName : desc.parent.typeName;
  const prefix = `${goCamel(scope.slice(desc.file.proto.package.length + 1))}_`;
  const value = desc.values.find((e) => `${prefix}${e.name}` === name);
  if (value === undefined) throw new Error(`conformance: ${desc.typeName} has no value for Go constant ${name}`);
  return value.number;
}

// ScalarType numbers of descriptor.proto: the 64-bit integers, the floats, bytes.
const int64Types = new Set([3, 4, 6, 16, 18]);
const doubleType = 1;
const floatType = 2;
const bytesType = 12;

function scalarValue(scalar: number, v: GoValue): unknown {
  if (v !== null && typeof v === "object" && "@unixNow" in v) {
    const now = BigInt(Math.floor(Date.now() / 1000));
    const by = BigInt((v as { by: number }).by);
    const op = (v as { "@unixNow": string })["@unixNow"];
    return op === "+" ? now + by : op === "-" ? now - by : now / by;
  }
  if (scalar === bytesType) {
    return typeof v === "string"
      ? new TextEncoder().encode(v)
      : Buffer.from((v as { "@bytes": string })["@bytes"], "base64");
  }
  if (typeof v === "object" && v !== null && "@bytes" in v) {
    throw new Error("conformance: a string field cannot hold bytes that are not UTF-8 in protobuf-es");
  }
  if (int64Types.has(scalar)) return BigInt(v as number | string);
  // A float field holds a float32: Go converts the literal, the wire would too.
  if (scalar === floatType) return Math.fround(Number(v));
  if (scalar === doubleType) return Number(v);
  return v;
}

/** The result of running one case. */
export interface Outcome {
  readonly pass: boolean;
  /** What grpckit did, for the report: "valid", the violations, "refused: ...", "threw: ...". */
  readonly got: string;
}

/** `field ruleId` of a violation (` (key)` after a map key's), sorted: what the comparison looks at. */
export function violationKeys(list: readonly { field: string; ruleId: string; forKey?: boolean }[]): string[] {
  return list.map((v) => `${v.field} ${v.ruleId}${v.forKey === true ? " (key)" : ""}`).sort();
}

/** The reason prefix of a rule on map keys: protovalidate's `for_key`, which google.rpc has no field for. */
const KEY_PREFIX = "MAP_KEYS_";

/**
 * A grpckit violation's rule id: its `ruleId` when it has one, a CEL rule's
 * reason as it is, else read from its reason (STRING_MIN_LEN -> string.min_len;
 * MAP_KEYS_INT32_GT -> int32.gt).
 */
export function ruleIdOf(v: FieldViolation): string {
  const own = (v as FieldViolation & { ruleId?: string }).ruleId;
  if (own !== undefined) return own;
  const reason = v.reason.startsWith(KEY_PREFIX) ? v.reason.slice(KEY_PREFIX.length) : v.reason;
  // A CEL rule's reason is its id as written; the standard rules' are UPPER_SNAKE_CASE.
  if (!/^[A-Z0-9_]+$/.test(reason)) return reason;
  // The rule family is the first word, but for field_mask, the one family whose name has an underscore.
  const [, family, rule] = /^(FIELD_MASK|[A-Z0-9]+)(?:_(.*))?$/.exec(reason) ?? [];
  const id = rule === undefined ? reason.toLowerCase() : `${family?.toLowerCase()}.${rule.toLowerCase()}`;
  // well_known_regex's ids have a second dot (string.well_known_regex.header_name), which a reason cannot keep.
  return id.replace(/^string\.well_known_regex_/, "string.well_known_regex.");
}

/** grpckit's violations of `message` as sorted keys; throws what the validator throws. */
export function grpckitKeys(desc: DescMessage, message: Message): string[] {
  const validator = getValidator(desc);
  const violations: readonly FieldViolation[] = validator === undefined ? [] : validate(validator, message as never);
  return violationKeys(
    violations.map((v) => ({ field: v.field, ruleId: ruleIdOf(v), forKey: v.reason.startsWith(KEY_PREFIX) })),
  );
}

/** What protovalidate-es answers: its violations as sorted keys, or its error (CompilationError, RuntimeError). */
export function oracleAnswer(
  oracle: Validator,
  desc: DescMessage,
  message: Message,
): { keys: string[] } | { error: string; name: string } {
  const result = oracle.validate(desc, message as never);
  if (result.kind === "error")
    return { error: `${result.error.name}: ${result.error.message}`, name: result.error.name };
  return {
    keys: violationKeys(
      (result.violations ?? []).map((v) => ({ field: pathToString(v.field), ruleId: v.ruleId, forKey: v.forKey })),
    ),
  };
}

/** Whether sorted violation keys are those the case expects (valid: none). */
function keysMatch(c: Case, keys: readonly string[]): boolean {
  if (c.expected.compilationError !== undefined || c.expected.runtimeError !== undefined) return false;
  const want = violationKeys(c.expected.violations ?? []);
  return want.length === keys.length && want.every((w, i) => w === keys[i]);
}

const shownKeys = (keys: readonly string[]) => (keys.length === 0 ? "valid" : keys.join("; "));

/** Runs one case through grpckit's generated validator and compares with the official expectation. */
export function runGrpckitCase(gen: Generated, c: Case): Outcome {
  const desc = gen.byGoName.get(c.message);
  if (desc === undefined) return { pass: false, got: `no message type ${c.message}` };
  const refusal = gen.refused.get(desc.typeName);
  if (c.expected.compilationError !== undefined) {
    // buf generate fails naming the message, as for any rule that cannot hold.
    const named = refusal?.includes(desc.typeName) === true;
    return { pass: named, got: refusal === undefined ? "generated" : `refused: ${refusal}` };
  }
  if (refusal !== undefined) return { pass: false, got: `refused: ${refusal}` };
  let keys: string[];
  try {
    keys = grpckitKeys(desc, caseMessage(gen, c));
  } catch (error) {
    return { pass: c.expected.runtimeError !== undefined, got: `threw: ${(error as Error).message}` };
  }
  return { pass: keysMatch(c, keys), got: shownKeys(keys) };
}

/** Runs one case through protovalidate-es and compares with the official expectation. */
export function runOracleCase(gen: Generated, oracle: Validator, c: Case): Outcome {
  const desc = gen.byGoName.get(c.message);
  if (desc === undefined) return { pass: false, got: `no message type ${c.message}` };
  try {
    const answer = oracleAnswer(oracle, desc, caseMessage(gen, c));
    if ("keys" in answer) return { pass: keysMatch(c, answer.keys), got: shownKeys(answer.keys) };
    const pass =
      (c.expected.compilationError !== undefined && answer.name === "CompilationError") ||
      (c.expected.runtimeError !== undefined && answer.name === "RuntimeError");
    return { pass, got: answer.error };
  } catch (error) {
    return { pass: false, got: `threw: ${(error as Error).message}` };
  }
}

/** The path of a generated file relative to the repository, for messages. */
export const shown = (path: string): string => relative(root, path);
