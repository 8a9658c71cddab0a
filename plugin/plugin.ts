import { create, type DescMessage } from "@bufbuild/protobuf";
import { CodeGeneratorResponse_FileSchema } from "@bufbuild/protobuf/wkt";
import { createEcmaScriptPlugin, type Plugin } from "@bufbuild/protoplugin";
import { renderFile } from "./emit/render-file.js";
import { openapiDocument } from "./emit/render-openapi.js";
import { renderValidateFile } from "./emit/render-validate.js";
import { noAuthRulesWarning } from "./model/auth-model.js";
import { buildFileModel } from "./model/service-model.js";
import { ValidationPlanner } from "./model/validation-model.js";
import { validateFileName } from "./model/validation-names.js";
import { parseOptions } from "./parameters.js";
import { version } from "./version.js";

/**
 * protoc-gen-grpckit: for each .proto file that declares services, writes
 * `<file>_grpckit.ts` beside protoc-gen-es's `<file>_pb.ts`, and for each
 * file with messages to validate (`grpckit.v1` rules), `<file>_validate.ts`.
 * A rule that makes no sense fails the run with one line naming it, and no
 * file is written; a service without auth rules gets a warning on stderr. `run(request)` is pure, so tests call it in-process.
 */
const base = createEcmaScriptPlugin({
  name: "protoc-gen-grpckit",
  version: `v${version}`,
  parseOptions,
  generateTs(schema) {
    const validation = new ValidationPlanner();
    const hasValidator = (desc: DescMessage) => validation.needsValidator(desc);
    for (const file of schema.files) {
      // Checks every rule of the file first: a bad one fails the whole run, before any output.
      const rules = validation.fileModel(file);
      if (rules.messages.length > 0) {
        const f = schema.generateFile(validateFileName(file));
        f.preamble(file);
        renderValidateFile(f, rules, schema.options);
      }
      if (file.services.length > 0) {
        const model = buildFileModel(file, hasValidator); // throws for an auth rule that cannot work
        for (const service of model.services) {
          if (!service.declaresAuthRules && schema.options.authWarnings) {
            warn(noAuthRulesWarning(file, service.desc));
          }
        }
        const f = schema.generateFile(`${file.name}_grpckit.ts`);
        f.preamble(file);
        renderFile(f, model, schema.options);
        const openapi = schema.options.openapi ? openapiDocument(model, validation) : undefined;
        if (openapi !== undefined) {
          documents.push({
            name: `${file.name.replace(/\.proto$/, "")}.openapi.json`,
            content: `${JSON.stringify(openapi, null, 2)}\n`,
          });
        }
      }
    }
  },
});

/**
 * The OpenAPI documents of the current run. protoplugin hands every file of
 * `generateTs` to TypeScript when the target is js or dts, so JSON files go
 * around it: collected here, added to its response.
 */
let documents: { name: string; content: string }[] = [];

/**
 * protoc-gen-grpckit (see `base`), with the OpenAPI documents of the
 * `openapi=true` parameter added to the response.
 */
export const protocGenGrpckit: Plugin = {
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

/**
 * Prints a warning: one line on stderr, which protoc and buf show as they
 * are. protoplugin has no warning channel; generation goes on.
 */
function warn(line: string): void {
  process.stderr.write(`protoc-gen-grpckit: ${line}\n`);
}
