/*
 * A reader for the Go subset protovalidate's conformance suite writes its cases
 * in (composite literals, constructor calls of the protobuf Go API, constant
 * arithmetic): it turns Go source into JSON-able values that a test can build
 * protobuf-es messages from. Used by scripts/extract-conformance.mjs.
 *
 * Values:
 * - a struct literal `&pkg.T{A: x}` is `{ "@type": "pkg.T", "A": x }` (Go field names);
 * - a slice is an array, a map is `{ "@map": [[key, value], ...] }`;
 * - an integer is a number, or a decimal string beyond 2^53; a float is a number,
 *   or "NaN" / "Infinity" / "-Infinity";
 * - a string is a string, or `{ "@bytes": base64 }` when it is not UTF-8; `[]byte`
 *   is `{ "@bytes": base64 }`;
 * - an enum constant `cases.E_V` is `{ "@enum": "E_V" }`;
 * - `anypb.New(m)` is `{ "@type": "anypb.Any", "@pack": m }`; `timestamppb.Now()` is
 *   `{ "@type": "timestamppb.Timestamp", "@now": true }`; `time.Now().Unix() + n` is
 *   `{ "@unixNow": "+", "by": n }` (or "-", "/"): the test evaluates them when it runs.
 */

const punct = "<< >> := && || == != { } ( ) [ ] , : . & * + - / = ; | !".split(" ");

/** Splits Go source into tokens: { t: "id" | "num" | "str" | "p", v }. */
export function tokenize(src) {
  const tokens = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (src.startsWith("//", i)) {
      i = src.indexOf("\n", i);
      if (i < 0) i = src.length;
    } else if (src.startsWith("/*", i)) {
      i = src.indexOf("*/", i) + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 200));
      tokens.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(src[i + 1]))) {
      const m = /^(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9]+)?)/.exec(src.slice(i, i + 100));
      tokens.push({ t: "num", v: m[0] });
      i += m[0].length;
    } else if (c === '"') {
      let j = i + 1;
      while (src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      tokens.push({ t: "str", v: goStringBytes(src.slice(i, j + 1)) });
      i = j + 1;
    } else if (c === "`") {
      const j = src.indexOf("`", i + 1);
      tokens.push({ t: "str", v: Buffer.from(src.slice(i + 1, j), "utf8") });
      i = j + 1;
    } else {
      const p = punct.find((x) => src.startsWith(x, i));
      if (p === undefined) throw new Error(`go-literal: unexpected ${JSON.stringify(c)} at ${i}`);
      tokens.push({ t: "p", v: p });
      i += p.length;
    }
  }
  return tokens;
}

/** The bytes of an interpreted Go string literal (quotes included). */
export function goStringBytes(literal) {
  const bytes = [];
  const body = literal.slice(1, -1);
  const utf8 = (s) => bytes.push(...Buffer.from(s, "utf8"));
  const simple = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, "\\": 92, '"': 34, "'": 39 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== "\\") {
      const cp = body.codePointAt(i);
      utf8(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
      continue;
    }
    const e = body[++i];
    if (e in simple) {
      bytes.push(simple[e]);
    } else if (e === "x") {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === "u" || e === "U") {
      const n = e === "u" ? 4 : 8;
      utf8(String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 1 + n), 16)));
      i += n;
    } else if (/[0-7]/.test(e)) {
      bytes.push(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      throw new Error(`go-literal: unknown escape \\${e} in ${literal}`);
    }
  }
  return Buffer.from(bytes);
}

/** Bytes as UTF-8 text, or undefined when they are not UTF-8. */
export function utf8(bytes) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

// Evaluated values before they become JSON: numbers keep Go's int/float distinction.
const int = (v) => ({ k: "int", v: BigInt(v) });
const float = (v) => ({ k: "float", v });
const isNum = (x) => x !== null && typeof x === "object" && (x.k === "int" || x.k === "float");

const wrappers = {
  Bool: "BoolValue",
  Bytes: "BytesValue",
  Double: "DoubleValue",
  Float: "FloatValue",
  Int32: "Int32Value",
  Int64: "Int64Value",
  String: "StringValue",
  UInt32: "UInt32Value",
  UInt64: "UInt64Value",
};
const constants = {
  "math.MaxInt32": int(2147483647),
  "math.MinInt32": int(-2147483648),
  "math.MaxInt64": int("9223372036854775807"),
  "math.MinInt64": int("-9223372036854775808"),
  "math.MaxUint32": int(4294967295),
  "math.MaxUint64": int("18446744073709551615"),
  "time.Nanosecond": int(1),
  "time.Microsecond": int(1000),
  "time.Millisecond": int(1000000),
  "time.Second": int(1000000000),
  "time.Minute": int(60000000000),
  "time.Hour": int(3600000000000),
};
const builtinTypes = new Set([
  "bool",
  "byte",
  "string",
  "int",
  "int32",
  "int64",
  "uint",
  "uint32",
  "uint64",
  "float32",
  "float64",
]);

/** A recursive-descent reader over tokens; `env` holds local variables. */
export class GoReader {
  constructor(tokens, env = new Map()) {
    this.tokens = tokens;
    this.i = 0;
    this.env = env;
  }
  peek(o = 0) {
    return this.tokens[this.i + o];
  }
  is(v, o = 0) {
    const t = this.peek(o);
    return t !== undefined && (t.t === "p" || t.t === "id") && t.v === v;
  }
  take(v) {
    const t = this.tokens[this.i++];
    if (v !== undefined && (t === undefined || t.v !== v)) {
      throw new Error(`go-literal: expected ${v}, got ${t === undefined ? "end" : t.v} at token ${this.i - 1}`);
    }
    return t;
  }

  /** A type: returns { kind: "named", name } | { kind: "slice", elem } | { kind: "map", key, value }. */
  type() {
    if (this.is("*")) {
      this.take();
      return this.type();
    }
    if (this.is("[")) {
      this.take("[");
      this.take("]");
      return { kind: "slice", elem: this.type() };
    }
    if (this.is("map")) {
      this.take("map");
      this.take("[");
      const key = this.type();
      this.take("]");
      return { kind: "map", key, value: this.type() };
    }
    let name = this.take().v;
    if (this.is(".")) {
      this.take();
      name += `.${this.take().v}`;
    }
    return { kind: "named", name };
  }

  /** A composite literal's body after its type; `type` names what elided inner literals are. */
  composite(type) {
    this.take("{");
    const entries = [];
    while (!this.is("}")) {
      const elemType = type.kind === "slice" ? type.elem : type.kind === "map" ? type.value : undefined;
      let key;
      let value;
      if (type.kind === "map") {
        key = this.is("{") ? this.composite(type.key) : this.expr();
        this.take(":");
        value = this.is("{") ? this.composite(elemType) : this.expr();
      } else if (type.kind === "slice") {
        value = this.is("{") ? this.composite(elemType) : this.expr();
      } else if (this.peek().t === "id" && this.is(":", 1)) {
        key = this.take().v;
        this.take(":");
        value = this.is("{") ? this.composite({ kind: "named", name: "?" }) : this.expr();
      } else {
        key = this.expr();
        this.take(":");
        value = this.is("{") ? this.composite({ kind: "named", name: "?" }) : this.expr();
      }
      entries.push([key, value]);
      if (!this.is("}")) this.take(",");
    }
    this.take("}");
    if (type.kind === "slice") {
      if (type.elem.kind === "named" && type.elem.name === "byte") {
        return { k: "bytes", v: Buffer.from(entries.map(([, v]) => Number(v.v))) };
      }
      return { k: "list", v: entries.map(([, v]) => v) };
    }
    if (type.kind === "map") return { k: "map", v: entries };
    return { k: "struct", type: type.name, v: entries };
  }

  expr(minPrec = 0) {
    let left = this.unary();
    const prec = { "|": 1, "+": 1, "-": 1, "*": 2, "/": 2, "<<": 2, ">>": 2 };
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.t !== "p" || !(t.v in prec) || prec[t.v] <= minPrec) return left;
      this.take();
      left = binary(t.v, left, this.expr(prec[t.v]));
    }
  }

  unary() {
    if (this.is("-")) {
      this.take();
      return negate(this.unary());
    }
    if (this.is("+")) {
      this.take();
      return this.unary();
    }
    if (this.is("&")) {
      this.take();
      return this.unary();
    }
    return this.postfix(this.primary());
  }

  postfix(value) {
    // The suite chains two methods: time.Now().Unix(), and E_V.Enum() (a pointer to the constant).
    while (this.is(".") && value?.k === "enum") {
      this.take(".");
      this.take("Enum");
      this.take("(");
      this.take(")");
    }
    while (this.is(".") && value?.k === "now") {
      this.take(".");
      const method = this.take().v;
      this.take("(");
      this.take(")");
      if (method !== "Unix") throw new Error(`go-literal: time.Now().${method}() is not supported`);
      value = { k: "unixNow" };
    }
    return value;
  }

  args() {
    this.take("(");
    const out = [];
    while (!this.is(")")) {
      out.push(this.expr());
      if (!this.is(")")) this.take(",");
    }
    this.take(")");
    return out;
  }

  primary() {
    const t = this.peek();
    if (t.t === "num") {
      this.take();
      const text = t.v.replaceAll("_", "");
      if (/^0[xX]/.test(text)) return int(text);
      if (/[.eE]/.test(text)) return float(Number(text));
      return int(text);
    }
    if (t.t === "str") {
      this.take();
      return { k: "string", v: t.v };
    }
    if (this.is("(")) {
      this.take("(");
      const v = this.expr();
      this.take(")");
      return v;
    }
    if (this.is("[") || this.is("map")) {
      const type = this.type();
      if (this.is("(")) {
        const [arg] = this.args();
        return { k: "bytes", v: arg.v };
      }
      return this.composite(type);
    }
    if (t.t !== "id") throw new Error(`go-literal: unexpected ${t.v}`);
    this.take();
    let name = t.v;
    if (this.is(".") && this.peek(1)?.t === "id") {
      this.take(".");
      name += `.${this.take().v}`;
    }
    if (name === "true" || name === "false") return { k: "bool", v: name === "true" };
    if (name === "nil") return null;
    if (this.env.has(name)) return this.env.get(name);
    if (name in constants) return constants[name];
    if (this.is("{")) return this.composite({ kind: "named", name });
    if (this.is("(")) return call(name, this.args());
    if (/^[a-z_]+\.[A-Z]/.test(name)) return { k: "enum", v: name.slice(name.indexOf(".") + 1) };
    throw new Error(`go-literal: unknown identifier ${name}`);
  }
}

function negate(x) {
  if (x?.k === "int") return int(-x.v);
  if (x?.k === "float") return float(-x.v);
  throw new Error("go-literal: negation of a non-number");
}

function binary(op, a, b) {
  if (a?.k === "unixNow" && b?.k === "int") return { k: "unixNowOp", op, by: b.v };
  if (!isNum(a) || !isNum(b)) throw new Error(`go-literal: ${op} on non-numbers`);
  if (a.k === "int" && b.k === "int") {
    const ops = {
      "+": (x, y) => x + y,
      "-": (x, y) => x - y,
      "*": (x, y) => x * y,
      "/": (x, y) => x / y,
      "<<": (x, y) => x << y,
      ">>": (x, y) => x >> y,
      "|": (x, y) => x | y,
    };
    return int(ops[op](a.v, b.v));
  }
  const x = Number(a.v);
  const y = Number(b.v);
  const ops = { "+": x + y, "-": x - y, "*": x * y, "/": x / y };
  if (!(op in ops)) throw new Error(`go-literal: ${op} on floats`);
  return float(ops[op]);
}

function call(name, args) {
  const [a, b] = args;
  const [pkg, fn] = name.includes(".") ? name.split(".") : ["", name];
  if (pkg === "proto") return a;
  if (pkg === "wrapperspb") return { k: "struct", type: `wrapperspb.${wrappers[fn]}`, v: [["Value", a]] };
  if (name === "math.NaN") return float(Number.NaN);
  if (name === "math.Inf") return float(Number(a.v) >= 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
  if (name === "time.Now") return { k: "now" };
  if (name === "time.Unix") return { k: "time", seconds: a.v, nanos: b.v };
  if (name === "durationpb.New") {
    const ns = a.v;
    return {
      k: "struct",
      type: "durationpb.Duration",
      v: [
        ["Seconds", int(ns / 1000000000n)],
        ["Nanos", int(ns % 1000000000n)],
      ],
    };
  }
  if (name === "timestamppb.New") {
    return {
      k: "struct",
      type: "timestamppb.Timestamp",
      v: [
        ["Seconds", int(a.seconds)],
        ["Nanos", int(a.nanos)],
      ],
    };
  }
  if (name === "timestamppb.Now") return { k: "struct", type: "timestamppb.Timestamp", v: [], now: true };
  if (name === "anypb.New") return { k: "struct", type: "anypb.Any", v: [], pack: a };
  // Messages are only printed; the suite's expectations do not depend on them.
  if (name === "fmt.Sprintf") return { k: "string", v: Buffer.from(`sprintf:${args.length}`) };
  if (pkg === "results") return { k: "call", name, args };
  // A conversion: float32(x), uint32(x), cases.TestEnum(5).
  if (builtinTypes.has(name) || /^[a-z_]+\.[A-Z][A-Za-z0-9]*$/.test(name)) {
    if (name === "float32") return float(Math.fround(Number(a.v)));
    if (name.startsWith("float")) return float(Number(a.v));
    return a;
  }
  throw new Error(`go-literal: unknown function ${name}`);
}

/** An evaluated value as JSON (see the file's comment). */
export function toJson(x) {
  if (x === null) return null;
  switch (x.k) {
    case "int":
      return x.v >= BigInt(Number.MIN_SAFE_INTEGER) && x.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x.v) : `${x.v}`;
    case "float":
      return Number.isFinite(x.v) ? x.v : `${x.v}`;
    case "bool":
      return x.v;
    case "string": {
      const text = utf8(x.v);
      return text === undefined ? { "@bytes": x.v.toString("base64") } : text;
    }
    case "bytes":
      return { "@bytes": Buffer.from(x.v).toString("base64") };
    case "enum":
      return { "@enum": x.v };
    case "list":
      return x.v.map(toJson);
    case "map":
      return { "@map": x.v.map(([k, v]) => [toJson(k), toJson(v)]) };
    case "unixNowOp":
      return { "@unixNow": x.op, by: Number(x.by) };
    case "struct": {
      const out = { "@type": x.type };
      if (x.now) out["@now"] = true;
      if (x.pack !== undefined) out["@pack"] = toJson(x.pack);
      for (const [k, v] of x.v) if (v !== null) out[k] = toJson(v);
      return out;
    }
    default:
      throw new Error(`go-literal: ${x.k} has no JSON form`);
  }
}
