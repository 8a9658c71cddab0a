import type { DescMessage } from "@bufbuild/protobuf";
import { getComments, safeIdentifier } from "@bufbuild/protoplugin";
import { template } from "../emit/templates.js";
import type { MethodModel, ServiceModel } from "../model/service-model.js";

/** A name a stub uses, and the module it comes from. */
export interface TypeImport {
  readonly name: string;
  readonly from: string;
}

/** Where the generated code is, relative to the file being written. */
export interface ImportPaths {
  /** The module specifier of `<file>_pb.ts` or `<file>_grpckit.ts`, as seen from the implementation file. */
  generated(protoFile: string, suffix: "_pb" | "_grpckit"): string;
  /** The module the runtime is imported from (`grpckit`). */
  readonly runtime: string;
}

/**
 * The TypeScript names protoc-gen-es gives a message: `Parent_Child` for a
 * nested one, escaped like every identifier it prints.
 */
export function messageNames(message: DescMessage): { shape: string; schema: string } {
  const pkg = message.file.proto.package;
  const local = (pkg === "" ? message.typeName : message.typeName.slice(pkg.length + 1)).replaceAll(".", "_");
  return { shape: safeIdentifier(local), schema: safeIdentifier(`${local}Schema`) };
}

function messageImport(message: DescMessage, name: string, paths: ImportPaths): TypeImport {
  const file = message.file.name;
  const from = file.startsWith("google/protobuf/") ? "@bufbuild/protobuf/wkt" : paths.generated(file, "_pb");
  return { name, from };
}

interface MethodView {
  readonly doc: readonly string[] | false;
  readonly indent: string;
  readonly prefix: string;
  readonly localName: string;
  readonly param: string;
  readonly requestType: string;
  readonly returnType: string;
  readonly typeName: string;
  readonly name: string;
  /** The closing brace line (a template cannot print `}` right after `{{x}}`). */
  readonly closing: string;
}

const renderMethod = template<MethodView>("scaffold-method.ts.hbs");

/** How a stub is written: as a class member or an object literal property. */
export type StubStyle = "class" | "object";

/**
 * The text of one RPC's stub: the RPC's comment, the signature its kind
 * needs, and a body that throws UNIMPLEMENTED; plus the names it uses.
 */
export function methodStub(
  service: ServiceModel,
  method: MethodModel,
  style: StubStyle,
  indent: string,
  paths: ImportPaths,
): { text: string; imports: TypeImport[] } {
  const input = messageNames(method.input);
  const output = messageNames(method.output);
  const requestStream = method.kind === "client_streaming" || method.kind === "bidi_streaming";
  const responseStream = method.kind === "server_streaming" || method.kind === "bidi_streaming";
  const responseInit = `ResponseInit<typeof ${output.schema}>`;
  const text = renderMethod({
    doc: docLines(method),
    indent,
    prefix: responseStream ? "async *" : "async ",
    localName: method.localName,
    param: requestStream ? "requests" : "request",
    requestType: requestStream ? `AsyncIterable<${input.shape}>` : input.shape,
    returnType: responseStream ? `AsyncIterable<${responseInit}>` : `Promise<${responseInit}>`,
    typeName: service.typeName,
    name: method.name,
    closing: `${indent}}${style === "object" ? "," : ""}`,
  }).trimEnd();
  return {
    text,
    imports: [
      messageImport(method.input, input.shape, paths),
      messageImport(method.output, output.schema, paths),
      { name: "ServerContext", from: paths.runtime },
      { name: "ResponseInit", from: paths.runtime },
    ],
  };
}

/** The RPC's leading comment, line by line, with `@deprecated` when it is. */
function docLines(method: MethodModel): readonly string[] | false {
  const leading = getComments(method.desc).leading?.replace(/\n$/, "");
  const lines =
    leading === undefined ? [] : leading.split("\n").map((l) => (l.trim() === "" ? "" : ` ${l.replace(/^ /, "")}`));
  if (method.deprecated) {
    if (lines.length > 0) lines.push("");
    lines.push(" @deprecated");
  }
  return lines.length === 0 ? false : lines;
}
