import { create, type DescMessage } from "@bufbuild/protobuf";
import { CodeGeneratorResponse_FileSchema } from "@bufbuild/protobuf/wkt";
import { createEcmaScriptPlugin, type Plugin } from "@bufbuild/protoplugin";
import { renderFile } from "./emit/render-file.js";
import { openapiDocument } from "./emit/render-openapi.js";
import { renderValidateFile } from "./emit/render-validate.js";
import { escapeNonAscii } from "./emit/validate-checks.js";
import { noAuthRulesWarning, type Unruled, usesGrpckitOptions } from "./model/auth-model.js";
import { generatedStem } from "./model/file-names.js";
import { buildFileModel } from "./model/service-model.js";
import { ValidationPlanner } from "./model/validation-model.js";
import { validateFileName } from "./model/validation-names.js";
import { parseOptions } from "./parameters.js";
import { version } from "./version.js";

/** Where the plugin's warnings go: one line each, without the `protoc-gen-grpckit: ` prefix. */
export type WarningSink = (line: string) => void;

/**
 * protoc-gen-grpckit: for each .proto file that declares services, writes
 * `<file>_grpckit.ts` beside protoc-gen-es's `<file>_pb.ts`, and for each
 * file with messages to validate (`grpckit.v1` rules), `<file>_validate.ts`.
 * A rule that makes no sense fails the run with one line naming it, and no
 * file is written. Services without auth rules, in files that use grpckit's
 * options, get one warning line, given to `warn` (files that do not import
 * grpckit/v1/options.proto are no concern of grpckit's auth). `run(request)`
 * is pure apart from `warn`, so tests call it in-process.
 */
export function createProtocGenGrpckit(warn: WarningSink = printWarning): Plugin {
  // The OpenAPI documents of the current run. protoplugin hands every file of
  // generateTs to TypeScript when the target is js or dts, so JSON files go
  // around it: collected here, added to its response.
  let documents: { name: string; content: string }[] = [];
  const base = createEcmaScriptPlugin({
    name: "protoc-gen-grpckit",
    version: `v${version}`,
    parseOptions,
    generateTs(schema) {
      const validation = new ValidationPlanner();
      const hasValidator = (desc: DescMessage) => validation.needsValidator(desc);
      const unruled: Unruled[] = [];
      const onCelEngine: string[] = [];
      for (const file of schema.files) {
        // Checks every rule of the file first: a bad one fails the whole run, before any output.
        const rules = validation.fileModel(file);
        if (rules.messages.length > 0) {
          const f = schema.generateFile(validateFileName(file));
          f.preamble(file);
          if (renderValidateFile(f, rules, schema.options, validation).usesCelEngine) onCelEngine.push(file.proto.name);
        }
        if (file.services.length > 0) {
          const model = buildFileModel(file, hasValidator); // throws for an auth rule that cannot work
          if (usesGrpckitOptions(file)) {
            for (const service of model.services) {
              if (!service.declaresAuthRules) unruled.push({ file, service: service.desc });
            }
          }
          const f = schema.generateFile(`${generatedStem(file.name, "grpckit")}.ts`);
          f.preamble(file);
          renderFile(f, model, schema.options, schema.targets.includes("dts"));
          const openapi = schema.options.openapi ? openapiDocument(model, validation) : undefined;
          if (openapi !== undefined) {
            documents.push({
              name: `${file.name.replace(/\.proto$/, "")}.openapi.json`,
              content: `${escapeNonAscii(JSON.stringify(openapi, null, 2))}\n`,
            });
          }
        }
      }
      // After the loop: a run that fails on a bad rule prints only its error.
      if (unruled.length > 0 && schema.options.authWarnings) warn(noAuthRulesWarning(unruled));
      if (onCelEngine.length > 0) warn(celEngineNote(onCelEngine));
    },
  });
  return {
    name: base.name,
    version: base.version,
    run(request) {
      documents = [];
      try {
        const response = base.run(request);
        response.file.push(...documents.map((d) => create(CodeGeneratorResponse_FileSchema, d)));
        return response;
      } finally {
        documents = [];
      }
    },
  };
}

/** Files named in the CEL engine note; the rest are counted. */
const namedInNote = 5;

/**
 * The note for files whose CEL rules run on the CEL engine (`grpckit/cel`):
 * their generated code imports `@bufbuild/cel`, an optional peer of grpckit
 * that an install may lack, which would fail only when the code loads.
 */
export function celEngineNote(files: readonly string[]): string {
  const named = files.slice(0, namedInNote).join(", ");
  const more = files.length > namedInNote ? ` and ${files.length - namedInNote} more` : "";
  return (
    `note: CEL rules of ${files.length === 1 ? "" : `${files.length} files, `}${named}${more}, run on the CEL engine at run time ` +
    "(outside the subset grpckit compiles): install @bufbuild/cel@0.6.1 beside grpckit, an optional peer (docs/validation.md, CEL)."
  );
}

/** The plugin, warning on stderr, with the OpenAPI documents of the `openapi=true` parameter. */
export const protocGenGrpckit = createProtocGenGrpckit();

/**
 * Prints a warning: one line on stderr, which protoc and buf show as they
 * are. protoplugin has no warning channel; generation goes on.
 */
export function printWarning(line: string): void {
  process.stderr.write(`protoc-gen-grpckit: ${line}\n`);
}
