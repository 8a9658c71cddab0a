import type { DescExtension, DescFile, Registry } from "@bufbuild/protobuf";
import { createRegistry, toBinary } from "@bufbuild/protobuf";
import { type DescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "../../errors.js";
import { excerpt } from "../../excerpt.js";
import { registerServerExtension } from "../../server/server.js";
import type { ServiceSpec } from "../../service.js";
import { ServerReflection, type ServerReflectionHandlers } from "../gen/grpc/reflection/v1/reflection_grpckit.js";
import {
  type ServerReflectionHandlers as ServerReflectionHandlersV1alpha,
  ServerReflection as ServerReflectionV1alpha,
} from "../gen/grpc/reflection/v1alpha/reflection_grpckit.js";

export { ServerReflection, ServerReflectionV1alpha };

// The `reflection` option of createServer, served by the extension at the end of this file.
declare module "../../server/server.js" {
  interface ServerOptions {
    /**
     * Serves server reflection (`grpc.reflection.v1` and `v1alpha`) for the
     * services added, so that grpcurl, Postman and grpcui can list and call
     * them without the .proto files. Default: not served.
     */
    reflection?: boolean | undefined;
  }
}

/**
 * What one reflection request asks, the same in v1 and v1alpha: the
 * `message_request` oneof of `ServerReflectionRequest`.
 */
type ReflectionQuestion =
  | { case: "fileByFilename"; value: string }
  | { case: "fileContainingSymbol"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } }
  | { case: "allExtensionNumbersOfType"; value: string }
  | { case: "listServices"; value: string }
  | { case: undefined; value?: undefined };

/** The `message_response` oneof of `ServerReflectionResponse`, as a plain object both versions accept. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * The handlers of `grpc.reflection.v1.ServerReflection` and of its
 * predecessor `grpc.reflection.v1alpha.ServerReflection` (which grpcurl and
 * older tools still call first), over the services `services()` lists at the
 * time of each request: list services, file by filename, file containing a
 * symbol (a service, method, message, field, enum or extension), file
 * containing an extension, and the extension numbers of a message. Files come
 * with their dependencies, each file once per stream, as grpc-go does.
 *
 * The descriptors are the ones protoc-gen-es embeds in generated code: they
 * lack source info (comments) but are otherwise complete.
 * `createServer({ reflection: true })` serves them for the server's services.
 *
 * @example
 * const { v1, v1alpha } = reflectionHandlers(() => [UserService, OrderService]);
 * server.add(ServerReflection, v1).add(ServerReflectionV1alpha, v1alpha);
 */
export function reflectionHandlers(services: () => readonly ServiceSpec[]): {
  v1: ServerReflectionHandlers;
  v1alpha: ServerReflectionHandlersV1alpha;
} {
  const indexes = indexer(services);
  return {
    v1: {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) {
          const messageResponse = answer(indexes(), request.messageRequest, sent);
          yield { validHost: request.host, originalRequest: request, messageResponse };
        }
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) {
          const messageResponse = answer(indexes(), request.messageRequest, sent);
          yield { validHost: request.host, originalRequest: request, messageResponse };
        }
      },
    },
  };
}

/** What reflection looks things up in: the services' files, their dependencies, and their types. */
interface Index {
  readonly serviceNames: readonly string[];
  readonly files: ReadonlyMap<string, DescFile>;
  readonly registry: Registry;
}

/** Rebuilds the index only when the list of services changes. */
function indexer(services: () => readonly ServiceSpec[]): () => Index {
  let last: { key: string; index: Index } | undefined;
  return () => {
    const list = services();
    const key = list.map((s) => s.typeName).join(",");
    if (last?.key !== key) {
      last = { key, index: buildIndex(list) };
    }
    return last.index;
  };
}

function buildIndex(services: readonly ServiceSpec[]): Index {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    // DescFile.name drops the ".proto"; reflection speaks of the file's full name.
    if (files.has(file.proto.name)) {
      return;
    }
    files.set(file.proto.name, file);
    for (const dependency of file.dependencies) {
      visit(dependency);
    }
  };
  for (const service of services) {
    visit(service.desc.file);
  }
  return {
    serviceNames: services.map((s) => s.typeName),
    files,
    registry: createRegistry(...files.values()),
  };
}

function answer(index: Index, question: ReflectionQuestion, sent: Set<string>): ReflectionAnswer {
  switch (question.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: index.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename": {
      const file = index.files.get(question.value);
      return file === undefined ? notFound(`file ${excerpt(question.value)} not found`) : withDependencies(file, sent);
    }
    case "fileContainingSymbol": {
      const file = fileOfSymbol(index.registry, question.value);
      return file === undefined
        ? notFound(`symbol ${excerpt(question.value)} not found`)
        : withDependencies(file, sent);
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = question.value;
      const extendee = index.registry.getMessage(containingType);
      const extension = extendee && index.registry.getExtensionFor(extendee, extensionNumber);
      return extension === undefined
        ? notFound(`extension ${extensionNumber} of ${excerpt(containingType)} not found`)
        : withDependencies(extension.file, sent);
    }
    case "allExtensionNumbersOfType": {
      const extendee = index.registry.getMessage(question.value);
      if (extendee === undefined) {
        return notFound(`type ${excerpt(question.value)} not found`);
      }
      const numbers: number[] = [];
      for (const type of index.registry) {
        if (type.kind === "extension" && (type as DescExtension).extendee.typeName === extendee.typeName) {
          numbers.push((type as DescExtension).number);
        }
      }
      return {
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: extendee.typeName, extensionNumber: numbers },
      };
    }
    default:
      return {
        case: "errorResponse",
        value: { errorCode: Code.INVALID_ARGUMENT, errorMessage: "the request asks nothing" },
      };
  }
}

/**
 * The file that defines `symbol`: a type, a service's method, a message's
 * field, or what protobuf-es does not register: a map field's entry message
 * (`pkg.User.MetadataEntry`, as grpc-go's reflection resolves it) and its fields.
 */
function fileOfSymbol(registry: Registry, name: string): DescFile | undefined {
  const parts = (name.startsWith(".") ? name.slice(1) : name).split(".");
  // The longest prefix that is a registered type, then the rest inside it.
  for (let n = parts.length; n > 0; n--) {
    const type = registry.get(parts.slice(0, n).join("."));
    if (type === undefined) {
      continue;
    }
    const rest = parts.slice(n);
    if (rest.length === 0) {
      return type.file;
    }
    if (type.kind === "service") {
      return rest.length === 1 && type.methods.some((m) => m.name === rest[0]) ? type.file : undefined;
    }
    if (type.kind !== "message") {
      return undefined;
    }
    let proto: DescriptorProto = type.proto;
    for (const [i, part] of rest.entries()) {
      const nested = proto.nestedType.find((t) => t.name === part);
      if (nested !== undefined) {
        proto = nested;
      } else {
        return i === rest.length - 1 && proto.field.some((f) => f.name === part) ? type.file : undefined;
      }
    }
    return type.file;
  }
  return undefined;
}

/** The file, then those of its transitive dependencies this stream has not been sent yet. */
function withDependencies(file: DescFile, sent: Set<string>): ReflectionAnswer {
  const protos: Uint8Array[] = [];
  const add = (f: DescFile, always: boolean) => {
    if (sent.has(f.proto.name) && !always) {
      return;
    }
    sent.add(f.proto.name);
    protos.push(toBinary(FileDescriptorProtoSchema, f.proto));
    for (const dependency of f.dependencies) {
      add(dependency, false);
    }
  };
  add(file, true);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: protos } };
}

function notFound(errorMessage: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: Code.NOT_FOUND, errorMessage } };
}

registerServerExtension("reflection", (options) =>
  options.reflection === true
    ? {
        start(server) {
          const { v1, v1alpha } = reflectionHandlers(() => server.services);
          server.add(ServerReflection, v1).add(ServerReflectionV1alpha, v1alpha);
        },
      }
    : undefined,
);
