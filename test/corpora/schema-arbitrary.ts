import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import fc from "fast-check";

/*
 * Random valid .proto files for the schema fuzz test: every name from a list
 * of identifiers that are special to JavaScript, TypeScript, protobuf-es or
 * grpckit's generated code, random nesting, all four kinds of method,
 * optional/required/repeated/map/oneof fields, proto2, proto3 and editions.
 * A file is drawn as a list of choices (numbers) and rendered by a function
 * that keeps it valid: names unique in their scope (also as protoc compares
 * JSON names and enum values), labels as the syntax allows.
 */

/** Identifiers with a meaning in JavaScript objects, promises, modules, or the code grpckit and protoc-gen-es write. */
export const hostileNames = [
  // JavaScript reserved and contextual words
  "class",
  "delete",
  "function",
  "new",
  "null",
  "return",
  "super",
  "switch",
  "this",
  "throw",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "yield",
  "let",
  "static",
  "await",
  "async",
  "case",
  "default",
  "instanceof",
  "in",
  "arguments",
  "eval",
  "undefined",
  "NaN",
  "Infinity",
  "globalThis",
  // Object.prototype, promises, iterators
  "constructor",
  "toString",
  "valueOf",
  "toJSON",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__proto__",
  "__defineGetter__",
  "__lookupSetter__",
  "then",
  "catch",
  "finally",
  "prototype",
  "next",
  "Symbol",
  // globals
  "Object",
  "Array",
  "Promise",
  "Error",
  "Date",
  "Map",
  "Set",
  "JSON",
  "Math",
  "Buffer",
  "String",
  "Number",
  // what generated code names or imports
  "ServiceSpec",
  "UnaryCall",
  "UnaryHandler",
  "BidiStreamingCall",
  "grpcDefinition",
  "applyUpdateMask",
  "FieldMaskLike",
  "Metadata",
  "RpcError",
  "Code",
  "Validator",
  "defineValidator",
  "z",
  "Schema",
  "file_",
  "methods",
  "desc",
  "typeName",
  "kind",
  "name",
  "path",
  "input",
  "output",
  "field",
  "value",
  "masks",
  // `$`-suffix and `_` collisions: Foo / FooClient / FooHandlers / FooDefinition, A.B / A_B
  "Foo",
  "FooClient",
  "FooHandlers",
  "FooDefinition",
  "FooPaths",
  "Foo_Bar",
  "Bar",
  "foo_bar",
  "fooBar",
  "has_own_property",
  "to_string",
  "value_of",
  "_x",
  // Not `_`, `__` or `_1`: protoc-gen-es writes code that does not parse for a field whose JSON name is empty or a number.
  "a__b",
] as const;

const comments = [
  "ünïcødé ✓ 🚀 ∑ 中文",
  "ends a comment */ in the middle /* and opens one",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a comment, as it is
  "a `backtick`, a ${template} and a \\ backslash",
  "@deprecated in a comment @param x",
  "</script><!-- -->",
];

type Syntax = "proto2" | "proto3" | "editions";

/** One random .proto file: its syntax and the choices its renderer takes, in order. */
export interface SchemaDraw {
  readonly syntax: Syntax;
  readonly choices: readonly number[];
}

export const schemaDraw: fc.Arbitrary<SchemaDraw> = fc.record({
  syntax: fc.constantFrom<Syntax>("proto2", "proto3", "editions"),
  choices: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 400, maxLength: 400 }),
});

const scalars = ["string", "int32", "int64", "uint64", "sint32", "fixed64", "bool", "bytes", "double", "float"];
const mapKeys = ["string", "int32", "int64", "bool", "uint32"];

/** A scope of names: each name is taken once, also as protoc compares JSON names (camelCase, any case). */
class Scope {
  private readonly taken = new Set<string>();
  claim(wanted: string, key: (name: string) => string = (n) => n): string {
    let name = wanted;
    for (let i = 2; this.taken.has(key(name)) || this.taken.has(name); i++) name = `${wanted}${i}`;
    this.taken.add(key(name));
    this.taken.add(name);
    return name;
  }
}

const jsonKey = (name: string) => protoCamelCase(name).toLowerCase();
const upperSnake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toUpperCase()
    .replace(/^_+/, "");

interface Message {
  name: string;
  /** The full name from the package, e.g. `Outer.Inner`. */
  path: string;
  lines: string[];
  children: Message[];
}

/** Renders a draw as the text of a valid .proto file in package `pkg`. */
export function renderSchema(draw: SchemaDraw, pkg: string): string {
  let at = 0;
  const pick = (n: number) => (draw.choices[at++ % draw.choices.length] ?? 0) % n;
  const chance = (percent: number) => pick(100) < percent;
  const hostile = () => hostileNames[pick(hostileNames.length)] as string;
  const comment = (indent: string) => (chance(30) ? [`${indent}// ${comments[pick(comments.length)]}`] : []);
  const { syntax } = draw;
  // protoc-gen-es declares a message or service named await, eval, arguments or undefined as it is, which does not compile.
  const typeName = (wanted: string) =>
    /^[A-Za-z]/.test(wanted) && !["await", "eval", "arguments", "undefined"].includes(wanted) ? wanted : `T${wanted}`;

  const top = new Scope();
  const enums: string[] = []; // full names from the package
  const messages: string[] = [];

  const renderEnum = (scope: Scope, parentPath: string, indent: string): string[] => {
    const name = scope.claim(typeName(hostile()));
    enums.push(parentPath === "" ? name : `${parentPath}.${name}`);
    const prefix = upperSnake(name);
    const values = new Scope();
    const lines = [...comment(indent), `${indent}enum ${name} {`];
    const count = 1 + pick(4);
    for (let i = 0; i < count; i++) {
      // protoc refuses values that are alike once the enum's prefix, case and underscores are ignored.
      const value = values.claim(`${prefix}_${upperSnake(hostile()) || "X"}`, (v) =>
        v
          .replace(new RegExp(`^${prefix}_?`), "")
          .replace(/_/g, "")
          .toLowerCase(),
      );
      scope.claim(value);
      lines.push(`${indent}  ${value} = ${i};`);
    }
    lines.push(`${indent}}`);
    return lines;
  };

  // Messages first (names and nesting), fields after: a field may refer to any message of the file.
  const declare = (scope: Scope, parentPath: string, depth: number): Message => {
    const name = scope.claim(typeName(hostile()));
    const path = parentPath === "" ? name : `${parentPath}.${name}`;
    messages.push(path);
    const inner = new Scope();
    const children: Message[] = [];
    const lines: string[] = [];
    const nested = depth < 2 ? pick(3) : 0;
    for (let i = 0; i < nested; i++) children.push(declare(inner, path, depth + 1));
    if (chance(30)) lines.push(...renderEnum(inner, path, "  ".repeat(depth + 1)));
    return { name, path, lines, children, scope: inner } as Message & { scope: Scope };
  };
  const roots: (Message & { scope?: Scope })[] = [];
  const topEnums: string[] = [];
  const messageCount = 1 + pick(4);
  for (let i = 0; i < messageCount; i++) roots.push(declare(top, "", 0));
  if (chance(60)) topEnums.push(...renderEnum(top, "", ""));

  const fieldType = (): { type: string; kind: "scalar" | "enum" | "message" } => {
    const r = pick(10);
    if (r < 4) return { type: scalars[pick(scalars.length)] as string, kind: "scalar" };
    if (r < 5 && enums.length > 0) return { type: `.${pkg}.${enums[pick(enums.length)]}`, kind: "enum" };
    if (r < 6) return { type: chance(50) ? "google.protobuf.Timestamp" : "google.protobuf.Struct", kind: "message" };
    return { type: `.${pkg}.${messages[pick(messages.length)]}`, kind: "message" };
  };

  const renderFields = (message: Message & { scope?: Scope }, indent: string): string[] => {
    const scope = message.scope as Scope;
    const lines: string[] = [];
    let number = 1;
    const fieldName = () => scope.claim(hostile(), jsonKey);
    const count = pick(7);
    for (let i = 0; i < count; i++) {
      const form = pick(10);
      if (form === 0) {
        // a oneof of one to three fields
        const oneof = scope.claim(hostile(), jsonKey);
        lines.push(`${indent}oneof ${oneof} {`);
        const members = 1 + pick(3);
        for (let j = 0; j < members; j++) {
          lines.push(...comment(`${indent}  `), `${indent}  ${fieldType().type} ${fieldName()} = ${number++};`);
        }
        lines.push(`${indent}}`);
        continue;
      }
      if (form === 1) {
        const value = fieldType();
        const key = mapKeys[pick(mapKeys.length)];
        lines.push(...comment(indent), `${indent}map<${key}, ${value.type}> ${fieldName()} = ${number++};`);
        continue;
      }
      if (form === 2) {
        const mask = scope.claim(chance(50) ? "update_mask" : "read_mask", jsonKey);
        const label = syntax === "proto2" ? "optional " : "";
        lines.push(`${indent}${label}google.protobuf.FieldMask ${mask} = ${number++};`);
        continue;
      }
      const { type, kind } = fieldType();
      const repeated = chance(25);
      let label = repeated ? "repeated " : "";
      const options: string[] = [];
      if (!repeated && syntax === "proto2") {
        label = chance(15) && kind === "scalar" ? "required " : "optional ";
        if (type === "string" && chance(40))
          options.push(`default = ${JSON.stringify(comments[pick(comments.length)])}`);
      } else if (!repeated && syntax === "proto3" && kind !== "message" && chance(40)) {
        label = "optional ";
      } else if (!repeated && syntax === "editions" && kind === "scalar" && chance(40)) {
        options.push("features.field_presence = IMPLICIT");
      }
      if (chance(10)) options.push("deprecated = true");
      const suffix = options.length > 0 ? ` [${options.join(", ")}]` : "";
      lines.push(...comment(indent), `${indent}${label}${type} ${fieldName()} = ${number++}${suffix};`);
    }
    return lines;
  };

  const renderMessage = (message: Message & { scope?: Scope }, depth: number): string[] => {
    const indent = "  ".repeat(depth);
    return [
      ...comment(indent),
      `${indent}message ${message.name} {`,
      ...message.lines,
      ...message.children.flatMap((child) => renderMessage(child, depth + 1)),
      ...renderFields(message, `${indent}  `),
      `${indent}}`,
    ];
  };
  const body = roots.flatMap((m) => renderMessage(m, 0));

  const services: string[] = [];
  const serviceCount = 1 + pick(2);
  for (let s = 0; s < serviceCount; s++) {
    const name = top.claim(typeName(hostile()));
    services.push(...comment(""), `service ${name} {`);
    // protobuf-es names `Get` and `get` alike (and protoc-gen-es then declares one name twice): one of them per service.
    const methods = new Scope();
    const count = 1 + pick(4);
    for (let m = 0; m < count; m++) {
      const method = methods.claim(hostile(), (n) => n.charAt(0).toLowerCase() + n.slice(1));
      const input = messages[pick(messages.length)];
      const output = messages[pick(messages.length)];
      const kind = pick(4);
      const requestStream = kind === 2 || kind === 3 ? "stream " : "";
      const responseStream = kind === 1 || kind === 3 ? "stream " : "";
      services.push(
        ...comment("  "),
        `  rpc ${method}(${requestStream}.${pkg}.${input}) returns (${responseStream}.${pkg}.${output});`,
      );
    }
    services.push("}");
  }

  return [
    syntax === "editions" ? 'edition = "2023";' : `syntax = "${syntax}";`,
    "",
    `package ${pkg};`,
    "",
    'import "google/protobuf/field_mask.proto";',
    'import "google/protobuf/struct.proto";',
    'import "google/protobuf/timestamp.proto";',
    "",
    ...topEnums,
    ...body,
    ...services,
    "",
  ].join("\n");
}
