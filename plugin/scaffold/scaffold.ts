import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { DescFile } from "@bufbuild/protobuf";
import {
  type ClassDeclaration,
  type MethodDeclaration,
  Node,
  type ObjectLiteralExpression,
  Project,
  type SourceFile,
} from "ts-morph";
import { template } from "../emit/templates.js";
import { generatedStem } from "../model/file-names.js";
import { buildFileModel, type MethodModel, type ServiceModel } from "../model/service-model.js";
import { type ImportPaths, methodStub, type StubStyle, type TypeImport } from "./stubs.js";

/** What `grpckit scaffold` is asked to do. */
export interface ScaffoldOptions {
  /** The .proto files whose services get an implementation file. */
  readonly files: readonly DescFile[];
  /** Where the implementation files are (created, found, edited). */
  readonly outDir: string;
  /** Where the generated `_pb.ts` and `_grpckit.ts` files are. */
  readonly genDir: string;
  /** Extension of relative imports in created code: `js` (Node ESM) or none. */
  readonly importExtension: "js" | "none";
  /** The module the runtime is imported from. */
  readonly runtimeImport: string;
  /** Report only; change no file. */
  readonly check: boolean;
}

export type FindingKind =
  | "created"
  | "stub-added"
  | "missing-file"
  | "missing-stub"
  | "removed"
  | "mismatch"
  | "unparsable"
  | "conflict";

/** One line of the report. */
export interface Finding {
  readonly kind: FindingKind;
  /** The implementation file, relative to the working directory. */
  readonly file: string;
  readonly message: string;
}

export interface ScaffoldResult {
  readonly findings: readonly Finding[];
  /** Whether something is missing, stale or broken: `--check` fails on it. */
  readonly outOfDate: boolean;
}

/** Findings that mean the files do not match the schema. */
const outOfDateKinds: ReadonlySet<FindingKind> = new Set([
  "missing-file",
  "missing-stub",
  "removed",
  "mismatch",
  "unparsable",
  "conflict",
]);

interface Implementation {
  readonly source: SourceFile;
  readonly style: StubStyle;
  readonly node: ClassDeclaration | ObjectLiteralExpression;
}

interface Edit {
  readonly pos: number;
  readonly text: string;
}

const renderFile = template<{
  imports: string;
  typeName: string;
  className: string;
  handlersName: string;
  methods: readonly string[];
}>("scaffold-file.ts.hbs");

/**
 * Creates the implementation file of each service that has none, and adds a
 * stub for each RPC a file lacks, editing the text in place so that every
 * existing line stays as it was. Reports, never deletes, methods whose RPC is
 * gone and methods whose signature no longer fits.
 *
 * Files are recognised by what they implement: a class that `implements`
 * `<Service>Handlers` (or `Partial<...>` of it), or an object literal typed or
 * `satisfies` it, imported from the service's `_grpckit` module.
 */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const services = options.files.flatMap((file) => buildFileModel(file).services);
  const findings: Finding[] = [];
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    skipFileDependencyResolution: true,
    compilerOptions: { allowJs: false, noLib: true },
  });
  const implementations = new Map<string, Implementation[]>();
  for (const path of typeScriptFiles(options.outDir)) {
    const source = project.addSourceFileAtPath(path);
    const problems = project.getProgram().compilerObject.getSyntacticDiagnostics(source.compilerNode);
    if (problems.length > 0) {
      const first = problems[0];
      const where = first?.start === undefined ? "" : ` at line ${source.getLineAndColumnAtPos(first.start).line}`;
      findings.push({
        kind: "unparsable",
        file: display(path),
        message: `cannot parse${where}; left alone (${String(first?.messageText ?? "syntax error")})`,
      });
      continue;
    }
    for (const [typeName, implementation] of findImplementations(source, services)) {
      const list = implementations.get(typeName) ?? [];
      list.push(implementation);
      implementations.set(typeName, list);
    }
  }

  const editsByFile = new Map<SourceFile, Edit[]>();
  for (const service of services) {
    const found = implementations.get(service.typeName);
    if (found === undefined) {
      create(service, options, findings);
      continue;
    }
    for (const implementation of found) {
      const edits = update(service, implementation, options, findings);
      if (edits.length > 0) {
        editsByFile.set(implementation.source, [...(editsByFile.get(implementation.source) ?? []), ...edits]);
      }
    }
  }
  if (!options.check) {
    for (const [source, edits] of editsByFile) {
      let text = source.getFullText();
      for (const edit of [...edits].sort((a, b) => b.pos - a.pos)) {
        text = text.slice(0, edit.pos) + edit.text + text.slice(edit.pos);
      }
      writeFileSync(source.getFilePath(), text);
    }
  }
  return { findings, outOfDate: findings.some((f) => outOfDateKinds.has(f.kind)) };
}

function typeScriptFiles(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.split(sep).includes("node_modules"))
    .sort();
}

function display(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** `UserService` -> `user-service`. */
function kebab(name: string): string {
  return name
    .replace(/\$/g, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

function importPaths(fromFile: string, options: ScaffoldOptions): ImportPaths {
  const ext = options.importExtension === "js" ? ".js" : "";
  return {
    runtime: options.runtimeImport,
    generated(protoFile, suffix) {
      const stem = suffix === "_pb" ? `${protoFile}_pb` : generatedStem(protoFile, "grpckit");
      let path = relative(dirname(fromFile), join(options.genDir, stem)).split(sep).join("/");
      if (!path.startsWith(".")) {
        path = `./${path}`;
      }
      return path + ext;
    },
  };
}

/** Writes the implementation file of a service that has none. */
function create(service: ServiceModel, options: ScaffoldOptions, findings: Finding[]): void {
  const path = join(options.outDir, `${kebab(service.desc.name)}.ts`);
  if (existsSync(path)) {
    findings.push({
      kind: "conflict",
      file: display(path),
      message: `${service.typeName} has no implementation, and this file, which would hold it, implements something else; left alone`,
    });
    return;
  }
  if (options.check) {
    findings.push({ kind: "missing-file", file: display(path), message: `${service.typeName} has no implementation` });
    return;
  }
  const paths = importPaths(path, options);
  const stubs = service.methods.map((m) => methodStub(service, m, "class", "  ", paths));
  const imports: TypeImport[] = [
    { name: "Code", from: options.runtimeImport },
    { name: "RpcError", from: options.runtimeImport },
    { name: service.names.handlers, from: paths.generated(service.desc.file.name, "_grpckit") },
    ...stubs.flatMap((s) => s.imports),
  ];
  const text = renderFile({
    imports: importStatements(imports, new Set(["Code", "RpcError"])),
    typeName: service.typeName,
    className: `${service.names.spec.replace(/\$+$/, "")}Impl`,
    handlersName: service.names.handlers,
    methods: stubs.map((s) => s.text),
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  findings.push({
    kind: "created",
    file: display(path),
    message: `implements ${service.typeName} with ${service.methods.length} stubs`,
  });
}

/**
 * `import` statements for names, one per module, values first; type-only where
 * nothing is a value. A statement longer than 100 characters lists one name a line.
 */
function importStatements(imports: readonly TypeImport[], values: ReadonlySet<string>): string {
  const byModule = new Map<string, Set<string>>();
  for (const { name, from } of imports) {
    byModule.set(from, (byModule.get(from) ?? new Set()).add(name));
  }
  const lines: string[] = [];
  for (const [from, names] of byModule) {
    const sorted = [...names].sort();
    const anyValue = sorted.some((n) => values.has(n));
    const list = anyValue ? sorted.map((n) => (values.has(n) ? n : `type ${n}`)) : sorted;
    const keyword = anyValue ? "import" : "import type";
    const line = `${keyword} { ${list.join(", ")} } from "${from}";`;
    lines.push(line.length <= 100 ? line : `${keyword} {\n${list.map((n) => `  ${n},`).join("\n")}\n} from "${from}";`);
  }
  return lines.join("\n");
}

/** Adds the stubs an implementation lacks and reports what no longer fits. */
function update(
  service: ServiceModel,
  implementation: Implementation,
  options: ScaffoldOptions,
  findings: Finding[],
): Edit[] {
  const { source, node, style } = implementation;
  const file = display(source.getFilePath());
  const members = membersOf(node);
  const unimplemented = markedUnimplemented(node);
  const rpcNames = new Set(service.methods.map((m) => m.localName));
  for (const [name, member] of members) {
    if (!rpcNames.has(name) && looksLikeHandler(member, style)) {
      findings.push({
        kind: "removed",
        file,
        message: `${name}: ${service.typeName} has no RPC of this name (removed or renamed?); left in place`,
      });
    }
  }
  for (const name of unimplemented) {
    if (!rpcNames.has(name)) {
      findings.push({
        kind: "removed",
        file,
        message: `${name}: marked "${unimplementedMarker}", but ${service.typeName} has no RPC of this name (removed or renamed?); update the mark`,
      });
    } else if (members.has(name)) {
      findings.push({
        kind: "mismatch",
        file,
        message: `${name}: marked "${unimplementedMarker}", but implemented too; remove the mark or the method`,
      });
    }
  }
  const missing: MethodModel[] = [];
  for (const method of service.methods) {
    const member = members.get(method.localName);
    if (member === undefined) {
      // Left out on purpose: the server answers UNIMPLEMENTED.
      if (!unimplemented.has(method.localName)) missing.push(method);
      continue;
    }
    const problem = signatureProblem(method, member);
    if (problem !== undefined) {
      findings.push({ kind: "mismatch", file, message: `${method.localName}: ${problem}` });
    }
  }
  if (missing.length === 0) {
    return [];
  }
  if (options.check) {
    for (const method of missing) {
      findings.push({ kind: "missing-stub", file, message: `${method.localName}: ${method.path} has no handler` });
    }
    return [];
  }
  const paths = importPaths(source.getFilePath(), options);
  const indent = memberIndent(node, source);
  const stubs = missing.map((m) => methodStub(service, m, style, indent, paths));
  const edits: Edit[] = [];
  const imported = importedNames(source);
  const needed = stubs
    .flatMap((s) => s.imports)
    .concat([
      { name: "Code", from: options.runtimeImport },
      { name: "RpcError", from: options.runtimeImport },
    ])
    .filter((i) => !imported.has(i.name));
  if (needed.length > 0) {
    const last = source.getImportDeclarations().at(-1);
    const text = importStatements(dedupe(needed), new Set(["Code", "RpcError"]));
    edits.push(last === undefined ? { pos: 0, text: `${text}\n\n` } : { pos: last.getEnd(), text: `\n${text}` });
  }
  edits.push(
    ...insertMembers(
      node,
      source,
      style,
      stubs.map((s) => s.text),
    ),
  );
  for (const method of missing) {
    findings.push({ kind: "stub-added", file, message: `${method.localName}: stub for ${method.path}` });
  }
  return edits;
}

function dedupe(imports: readonly TypeImport[]): TypeImport[] {
  const seen = new Set<string>();
  return imports.filter((i) => !seen.has(i.name) && seen.add(i.name));
}

function importedNames(source: SourceFile): Set<string> {
  const names = new Set<string>();
  for (const decl of source.getImportDeclarations()) {
    for (const named of decl.getNamedImports()) {
      names.add(named.getAliasNode()?.getText() ?? named.getName());
    }
  }
  return names;
}

/** The text edits that put stubs before the closing brace, leaving the rest as it is. */
function insertMembers(
  node: ClassDeclaration | ObjectLiteralExpression,
  source: SourceFile,
  style: StubStyle,
  stubs: readonly string[],
): Edit[] {
  const edits: Edit[] = [];
  const full = source.getFullText();
  const close = node.getEnd() - 1;
  // Start of the closing brace's line when only blanks precede it there.
  let lineStart = close;
  while (lineStart > 0 && (full[lineStart - 1] === " " || full[lineStart - 1] === "\t")) {
    lineStart--;
  }
  const braceOnOwnLine = lineStart > 0 && full[lineStart - 1] === "\n";
  const hasMembers =
    membersOf(node).size > 0 || (Node.isObjectLiteralExpression(node) && node.getProperties().length > 0);
  if (style === "object" && Node.isObjectLiteralExpression(node)) {
    const last = node.getProperties().at(-1);
    if (last !== undefined && last.getNextSiblingIfKind(27 /* CommaToken */) === undefined) {
      const after = full.slice(last.getEnd()).trimStart();
      if (!after.startsWith(",")) {
        edits.push({ pos: last.getEnd(), text: "," });
      }
    }
  }
  const body = stubs.join("\n\n");
  const text = braceOnOwnLine
    ? `${hasMembers ? "\n" : ""}${body}\n`
    : `\n${hasMembers ? "\n" : ""}${body}\n${closingIndent(full, node.getStart())}`;
  edits.push({ pos: braceOnOwnLine ? lineStart : close, text });
  return edits;
}

function closingIndent(full: string, start: number): string {
  const lineStart = full.lastIndexOf("\n", start - 1) + 1;
  return /^[ \t]*/.exec(full.slice(lineStart))?.[0] ?? "";
}

/** The indentation of the node's first member, or two spaces more than the node's line. */
function memberIndent(node: ClassDeclaration | ObjectLiteralExpression, source: SourceFile): string {
  const full = source.getFullText();
  const first = Node.isClassDeclaration(node) ? node.getMembers()[0] : node.getProperties()[0];
  if (first !== undefined) {
    return closingIndent(full, first.getStart());
  }
  return `${closingIndent(full, node.getStart())}  `;
}

/** The mark of a handler left out on purpose, in a comment line of the class or object: `// grpckit: unimplemented deleteUser`. */
export const unimplementedMarker = "grpckit: unimplemented";

/**
 * The handler names that comment lines of the class body or object literal
 * mark unimplemented: `// grpckit: unimplemented name[, name...]`, then any
 * text (a reason). Only comments on lines of their own among the members count,
 * not those inside a method's body.
 */
export function markedUnimplemented(node: ClassDeclaration | ObjectLiteralExpression): Set<string> {
  const names = new Set<string>();
  const elements = Node.isClassDeclaration(node) ? node.getMembersWithComments() : node.getPropertiesWithComments();
  for (const element of elements) {
    if (!Node.isCommentNode(element)) continue;
    const text = element.getText().replace(/^\/\/|^\/\*|\*\/$/g, "");
    const match = /^\s*grpckit:\s*unimplemented\s+([\w$]+(?:\s*,\s*[\w$]+)*)/.exec(text);
    for (const name of match?.[1]?.split(",") ?? []) names.add(name.trim());
  }
  return names;
}

/** A member of an implementation, as far as its signature goes. */
interface Member {
  readonly isGenerator: boolean;
  readonly isAsync: boolean;
  readonly firstParamType: string | undefined;
  readonly returnType: string | undefined;
  readonly paramTypes: readonly (string | undefined)[];
  readonly isPrivate: boolean;
}

function membersOf(node: ClassDeclaration | ObjectLiteralExpression): Map<string, Member> {
  const members = new Map<string, Member>();
  if (Node.isClassDeclaration(node)) {
    for (const method of node.getMethods()) {
      if (!method.isStatic()) {
        members.set(method.getName(), functionMember(method, method.hasModifier(124 /* PrivateKeyword */)));
      }
    }
    for (const property of node.getProperties()) {
      const init = property.getInitializer();
      if (init !== undefined && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) {
        members.set(property.getName(), functionMember(init, property.hasModifier(124)));
      }
    }
    return members;
  }
  for (const property of node.getProperties()) {
    if (Node.isMethodDeclaration(property)) {
      members.set(property.getName(), functionMember(property, false));
    } else if (Node.isPropertyAssignment(property)) {
      const init = property.getInitializer();
      members.set(
        property.getName(),
        init !== undefined && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))
          ? functionMember(init, false)
          : {
              isGenerator: false,
              isAsync: false,
              firstParamType: undefined,
              returnType: undefined,
              paramTypes: [],
              isPrivate: false,
            },
      );
    } else if (Node.isShorthandPropertyAssignment(property)) {
      members.set(property.getName(), {
        isGenerator: false,
        isAsync: false,
        firstParamType: undefined,
        returnType: undefined,
        paramTypes: [],
        isPrivate: false,
      });
    }
  }
  return members;
}

function functionMember(
  fn: MethodDeclaration | import("ts-morph").ArrowFunction | import("ts-morph").FunctionExpression,
  isPrivate: boolean,
): Member {
  const params = fn.getParameters().map((p) => p.getTypeNode()?.getText().replace(/\s+/g, " "));
  return {
    isGenerator: Node.isArrowFunction(fn) ? false : fn.isGenerator(),
    isAsync: fn.isAsync(),
    firstParamType: params[0],
    returnType: fn.getReturnTypeNode()?.getText().replace(/\s+/g, " "),
    paramTypes: params,
    isPrivate,
  };
}

/** A class method that takes a ServerContext is a handler; in a handlers object, every member is. */
function looksLikeHandler(member: Member, style: StubStyle): boolean {
  if (style === "object") {
    return true;
  }
  return !member.isPrivate && member.paramTypes.some((t) => t !== undefined && /\bServerContext\b/.test(t));
}

/** Why a member's declared signature does not fit its RPC, if it does not. */
function signatureProblem(method: MethodModel, member: Member): string | undefined {
  const requestStream = method.kind === "client_streaming" || method.kind === "bidi_streaming";
  const responseStream = method.kind === "server_streaming" || method.kind === "bidi_streaming";
  const kind = method.kind.replace("_", " ");
  const returnsStream =
    member.isGenerator ||
    (member.returnType !== undefined && /\bAsync(Iterable|Generator|IterableIterator)\b/.test(member.returnType));
  // An async function that is not a generator returns a Promise: one message.
  const returnsKnown = member.isGenerator || member.isAsync || member.returnType !== undefined;
  if (returnsKnown && returnsStream !== responseStream) {
    return `${method.path} is ${kind} now: it ${responseStream ? "returns a stream" : "returns one message"}, the method ${returnsStream ? "returns a stream" : "returns one message"}`;
  }
  const param = member.firstParamType;
  if (param === undefined) {
    return undefined;
  }
  const takesStream = /\bAsync(Iterable|Generator|IterableIterator)\b/.test(param);
  if (takesStream !== requestStream) {
    return `${method.path} is ${kind} now: it ${requestStream ? "takes a stream of requests" : "takes one request"}, the method's parameter is ${param}`;
  }
  const expected = method.input.name;
  if (!new RegExp(`\\b${expected.replace(/\$/g, "\\$")}\\b`).test(param)) {
    return `${method.path} takes ${method.input.typeName} now, the method's parameter is ${param}`;
  }
  return undefined;
}

/** The classes and objects of a file that implement a service's handlers. */
function findImplementations(source: SourceFile, services: readonly ServiceModel[]): [string, Implementation][] {
  // local identifier -> the service whose handlers interface it imports
  const handlerImports = new Map<string, ServiceModel>();
  for (const decl of source.getImportDeclarations()) {
    const module = decl.getModuleSpecifierValue().replace(/\.(js|ts)$/, "");
    for (const named of decl.getNamedImports()) {
      const service = services.find(
        (s) => named.getName() === s.names.handlers && module.endsWith(generatedStem(s.desc.file.name, "grpckit")),
      );
      if (service !== undefined) {
        handlerImports.set(named.getAliasNode()?.getText() ?? named.getName(), service);
      }
    }
  }
  if (handlerImports.size === 0) {
    return [];
  }
  const serviceOf = (typeText: string | undefined): ServiceModel | undefined => {
    if (typeText === undefined) return undefined;
    const match = /^(?:Partial<\s*)?([\w$]+)\s*>?$/.exec(typeText.trim());
    return match?.[1] === undefined ? undefined : handlerImports.get(match[1]);
  };
  const found: [string, Implementation][] = [];
  for (const cls of source.getClasses()) {
    for (const clause of cls.getImplements()) {
      const service = serviceOf(clause.getText());
      if (service !== undefined) {
        found.push([service.typeName, { source, style: "class", node: cls }]);
      }
    }
  }
  source.forEachDescendant((node) => {
    if (Node.isVariableDeclaration(node)) {
      let init = node.getInitializer();
      let service = serviceOf(node.getTypeNode()?.getText());
      if (init !== undefined && Node.isSatisfiesExpression(init)) {
        service ??= serviceOf(init.getTypeNode()?.getText());
        init = init.getExpression();
      }
      if (init !== undefined && Node.isAsExpression(init)) {
        service ??= serviceOf(init.getTypeNode()?.getText());
        init = init.getExpression();
      }
      if (service !== undefined && init !== undefined && Node.isObjectLiteralExpression(init)) {
        found.push([service.typeName, { source, style: "object", node: init }]);
      }
    } else if (Node.isReturnStatement(node) || Node.isArrowFunction(node)) {
      // `function userHandlers(): UserServiceHandlers { return { ... } }`
      const fn = Node.isArrowFunction(node) ? node : node.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a));
      if (fn === undefined || !Node.isFunctionLikeDeclaration(fn)) return;
      const service = serviceOf(fn.getReturnTypeNode()?.getText());
      const expr = Node.isReturnStatement(node) ? node.getExpression() : node.getBody();
      const literal = expr !== undefined && Node.isParenthesizedExpression(expr) ? expr.getExpression() : expr;
      if (service !== undefined && literal !== undefined && Node.isObjectLiteralExpression(literal)) {
        if (!found.some(([, impl]) => impl.node === literal)) {
          found.push([service.typeName, { source, style: "object", node: literal }]);
        }
      }
    }
  });
  return found;
}
