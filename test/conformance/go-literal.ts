/*
 * The Go composite literals of protovalidate's conformance cases (the
 * `Message: &cases.X{...}` of tools/protovalidate-conformance/internal/cases,
 * kept as text in expectations.json), read into protobuf-es messages: the
 * subset of Go those cases use (proto.Int32(1), []int32{1, 2},
 * map[int32]string{...}, wrapperspb.*, durationpb.New(15 * time.Second),
 * timestamppb.New(time.Unix(s, n)), enum constants).
 */

import { create, type DescEnum, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
// @ts-expect-error: a JavaScript module of the repository's scripts, without types
import { goString } from "../../scripts/extract-conformance.mjs";

type Go =
  | { readonly kind: "num"; readonly text: string }
  | { readonly kind: "str"; readonly literal: string }
  | { readonly kind: "ident"; readonly path: string }
  | { readonly kind: "call"; readonly fn: string; readonly args: readonly Go[] }
  | { readonly kind: "mul"; readonly a: Go; readonly b: Go }
  | { readonly kind: "composite"; readonly type: string; readonly entries: readonly { key?: Go; value: Go }[] };

const token =
  /\s*(`[^`]*`|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:e-?\d+)?|map\[|[A-Za-z_][\w.]*|\[\]\*?|[{}()[\],:*&\]])/y;

class GoReader {
  private pos = 0;
  private peeked: string | undefined;

  constructor(private readonly text: string) {}

  peek(): string | undefined {
    if (this.peeked === undefined) {
      token.lastIndex = this.pos;
      const m = token.exec(this.text);
      if (m === null) {
        if (/^\s*$/.test(this.text.slice(this.pos))) return undefined;
        throw new Error(`cannot read Go literal at ${JSON.stringify(this.text.slice(this.pos, this.pos + 30))}`);
      }
      this.peeked = m[1];
      this.pos = token.lastIndex;
    }
    return this.peeked;
  }

  next(): string {
    const t = this.peek();
    if (t === undefined) throw new Error("unexpected end of Go literal");
    this.peeked = undefined;
    return t;
  }

  expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new Error(`expected ${t}, got ${got}`);
  }

  /** A type name up to `{` (for []T{, map[K]V{, &pkg.T{). */
  typeUntilBrace(prefix: string): string {
    let type = prefix;
    while (this.peek() !== "{") type += this.next();
    return type;
  }

  /** `{ a, b }` or `{ K: v, ... }` after the type. */
  entries(): { key?: Go; value: Go }[] {
    this.expect("{");
    return this.entriesAfterOpen();
  }

  value(): Go {
    const left = this.operand();
    if (this.peek() === "*") {
      this.next();
      return { kind: "mul", a: left, b: this.operand() };
    }
    return left;
  }

  operand(): Go {
    const t = this.next();
    if (t === "&") return this.operand();
    if (t === "{") {
      // A composite literal with its type elided ({A: 1} in a []*T{...}).
      return { kind: "composite", type: "", entries: this.entriesAfterOpen() };
    }
    if (t.startsWith("[]") && this.peek() === "byte") {
      // []byte("...") is a conversion.
      this.next();
      return this.operandCall("byte");
    }
    if (t === "map[" || t.startsWith("[]")) {
      return { kind: "composite", type: this.typeUntilBrace(t), entries: this.entries() };
    }
    if (t.startsWith('"') || t.startsWith("`")) return { kind: "str", literal: t };
    if (/^-?\d/.test(t)) return { kind: "num", text: t };
    if (this.peek() === "(") {
      return this.operandCall(t);
    }
    if (this.peek() === "{") return { kind: "composite", type: t, entries: this.entries() };
    return { kind: "ident", path: t };
  }

  private operandCall(fn: string): Go {
    this.expect("(");
    const args: Go[] = [];
    while (this.peek() !== ")") {
      args.push(this.value());
      if (this.peek() === ",") this.next();
    }
    this.expect(")");
    return { kind: "call", fn, args };
  }

  private entriesAfterOpen(): { key?: Go; value: Go }[] {
    const out: { key?: Go; value: Go }[] = [];
    while (this.peek() !== "}") {
      const first = this.value();
      if (this.peek() === ":") {
        this.next();
        out.push({ key: first, value: this.value() });
      } else {
        out.push({ value: first });
      }
      if (this.peek() === ",") this.next();
    }
    this.expect("}");
    return out;
  }
}

/** `[]byte("...")`, read as a call of `byte`. */
function bytesOf(go: Go): Uint8Array | undefined {
  if (go.kind === "call" && go.fn === "byte" && go.args[0]?.kind === "str") {
    return new TextEncoder().encode(goString(go.args[0].literal) as string);
  }
  return undefined;
}

function unwrapCall(go: Go): Go {
  // proto.Int32(1), uint64(3), wrapperspb.Int32(2): the value inside.
  return go.kind === "call" &&
    go.args.length === 1 &&
    !go.fn.startsWith("durationpb") &&
    !go.fn.startsWith("timestamppb")
    ? unwrapCall(go.args[0] as Go)
    : go;
}

function scalar(type: ScalarType, go: Go): unknown {
  const v = unwrapCall(go);
  switch (type) {
    case ScalarType.STRING:
      if (v.kind !== "str") throw new Error(`not a string: ${JSON.stringify(go)}`);
      return goString(v.literal);
    case ScalarType.BYTES: {
      const bytes = bytesOf(go) ?? (v.kind === "str" ? new TextEncoder().encode(goString(v.literal)) : undefined);
      if (bytes === undefined) throw new Error(`not bytes: ${JSON.stringify(go)}`);
      return bytes;
    }
    case ScalarType.BOOL:
      return v.kind === "ident" && v.path === "true";
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      if (v.kind !== "num") throw new Error(`not a number: ${JSON.stringify(go)}`);
      return BigInt(v.text);
    default:
      if (v.kind !== "num") throw new Error(`not a number: ${JSON.stringify(go)}`);
      return Number(v.text);
  }
}

function enumValue(desc: DescEnum, go: Go): number {
  let v = go;
  if (v.kind === "call" && v.fn.endsWith(".Enum") && v.args.length === 0)
    v = { kind: "ident", path: v.fn.slice(0, -5) };
  if (v.kind === "num") return Number(v.text);
  if (v.kind !== "ident") throw new Error(`not an enum value: ${JSON.stringify(go)}`);
  const path = v.path;
  const value = desc.values.find((x) => path.endsWith(`_${x.name}`));
  if (value === undefined) throw new Error(`no value of ${desc.typeName} for ${path}`);
  return value.number;
}

const units: Record<string, bigint> = {
  "time.Nanosecond": 1n,
  "time.Microsecond": 1_000n,
  "time.Millisecond": 1_000_000n,
  "time.Second": 1_000_000_000n,
  "time.Minute": 60_000_000_000n,
  "time.Hour": 3_600_000_000_000n,
};

function nanosOf(go: Go): bigint {
  if (go.kind === "num") return BigInt(go.text);
  if (go.kind === "ident" && go.path in units) return units[go.path] as bigint;
  if (go.kind === "mul") return nanosOf(go.a) * nanosOf(go.b);
  throw new Error(`not a time.Duration: ${JSON.stringify(go)}`);
}

/** A message value; `boxed` for a wrapper in a list or map (a message there), unboxed as a singular field. */
function message(desc: DescMessage, go: Go, boxed: boolean): unknown {
  if (desc.typeName.startsWith("google.protobuf.") && desc.typeName.endsWith("Value")) {
    const inner = desc.fields[0] as DescField & { fieldKind: "scalar" };
    const value = scalar(inner.scalar, go);
    return boxed ? create(desc, { value } as never) : value;
  }
  if (desc.typeName === "google.protobuf.Duration") {
    if (go.kind !== "call") throw new Error(`not a Duration: ${JSON.stringify(go)}`);
    const total = nanosOf(go.args[0] as Go);
    return create(desc, { seconds: total / 1_000_000_000n, nanos: Number(total % 1_000_000_000n) } as never);
  }
  if (desc.typeName === "google.protobuf.Timestamp") {
    const unix = go.kind === "call" ? go.args[0] : undefined;
    if (unix?.kind !== "call" || unix.fn !== "time.Unix") throw new Error(`not a Timestamp: ${JSON.stringify(go)}`);
    return create(desc, { seconds: nanosOf(unix.args[0] as Go), nanos: Number(nanosOf(unix.args[1] as Go)) } as never);
  }
  if (go.kind !== "composite") throw new Error(`not a ${desc.typeName}: ${JSON.stringify(go)}`);
  return messageOf(desc, go.entries);
}

function single(field: DescField, kind: "scalar" | "enum" | "message", go: Go, boxed: boolean): unknown {
  if (kind === "enum") return enumValue(field.enum as DescEnum, go);
  if (kind === "message") return message(field.message as DescMessage, go, boxed);
  return scalar(field.scalar as ScalarType, go);
}

function fieldValue(field: DescField, go: Go): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, go);
    case "enum":
      return enumValue(field.enum, go);
    case "message":
      return message(field.message, go, false);
    case "list":
      if (go.kind !== "composite") throw new Error(`not a list: ${JSON.stringify(go)}`);
      return go.entries.map((e) => single(field, field.listKind, e.value, true));
    case "map": {
      if (go.kind !== "composite") throw new Error(`not a map: ${JSON.stringify(go)}`);
      const out: Record<string, unknown> = {};
      for (const e of go.entries) {
        const key = scalar(field.mapKey, e.key as Go);
        out[String(key)] = single(field, field.mapKind, e.value, true);
      }
      return out;
    }
  }
}

function messageOf(desc: DescMessage, entries: readonly { key?: Go; value: Go }[]): Message {
  const init: Record<string, unknown> = {};
  for (const { key, value } of entries) {
    if (key?.kind !== "ident") throw new Error(`a field without a name in ${desc.typeName}`);
    const name = key.path.toLowerCase();
    const field = desc.fields.find((f) => f.name.replace(/_/g, "").toLowerCase() === name);
    if (field === undefined) throw new Error(`no field ${key.path} in ${desc.typeName}`);
    const v = fieldValue(field, value);
    if (field.oneof !== undefined) {
      init[field.oneof.localName] = { case: field.localName, value: v };
    } else {
      init[field.localName] = v;
    }
  }
  return create(desc, init as never);
}

/** The message a conformance case's Go literal body (the text between the braces) describes. */
export function messageFromGo(desc: DescMessage, body: string): Message {
  const reader = new GoReader(`{${body}}`);
  const go = reader.operand();
  if (go.kind !== "composite") throw new Error("not a composite literal");
  return messageOf(desc, go.entries);
}
