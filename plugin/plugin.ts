import { createEcmaScriptPlugin } from "@bufbuild/protoplugin";
import { renderFile } from "./emit/render-file.js";
import { buildFileModel } from "./model/service-model.js";
import { parseOptions } from "./parameters.js";
import { version } from "./version.js";

/**
 * protoc-gen-grpckit: for each .proto file that declares services, writes
 * `<file>_grpckit.ts` beside protoc-gen-es's `<file>_pb.ts`. `run(request)`
 * is pure, so tests call it in-process.
 */
export const protocGenGrpckit = createEcmaScriptPlugin({
  name: "protoc-gen-grpckit",
  version: `v${version}`,
  parseOptions,
  generateTs(schema) {
    for (const file of schema.files) {
      if (file.services.length === 0) {
        continue;
      }
      const f = schema.generateFile(`${file.name}_grpckit.ts`);
      f.preamble(file);
      renderFile(f, buildFileModel(file), schema.options);
    }
  },
});
