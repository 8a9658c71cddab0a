/** grpckit's own plugin parameters; protoplugin parses the shared ones (`target`, `import_extension`, ...). */
export interface GrpckitOptions {
  /** The module generated code imports the runtime from. */
  readonly runtimeImport: string;
  /** Whether `_validate.ts` files carry zod schemas beside the validators. */
  readonly validateZod: boolean;
  /** Whether a service that declares no auth rules gets a warning on stderr. */
  readonly authWarnings: boolean;
  /** Whether each file with `google.api.http` bindings gets an OpenAPI 3.1 document, `<file>.openapi.json`. */
  readonly openapi: boolean;
}

export const defaultOptions: GrpckitOptions = {
  runtimeImport: "grpckit/codegen",
  validateZod: true,
  authWarnings: true,
  openapi: false,
};

/**
 * Parses the parameters protoplugin does not know. protoplugin wraps what this
 * throws into `invalid option "key=value": reason`, printed as one line.
 */
export function parseOptions(raw: readonly { key: string; value: string }[]): GrpckitOptions {
  let { runtimeImport, validateZod, authWarnings, openapi } = defaultOptions;
  for (const { key, value } of raw) {
    switch (key) {
      case "runtime_import":
        if (value.trim() === "" || /\s/.test(value)) {
          throw new Error(`${key} expects a module specifier, e.g. runtime_import=grpckit/codegen`);
        }
        runtimeImport = value;
        break;
      case "validate_zod":
        validateZod = booleanOption(key, value);
        break;
      case "auth_warnings":
        authWarnings = booleanOption(key, value);
        break;
      case "openapi":
        openapi = booleanOption(key, value);
        break;
      default:
        throw new Error(
          `unknown option "${key}"; grpckit accepts runtime_import, validate_zod, auth_warnings, openapi, and target, import_extension, js_import_style, ts_nocheck, keep_empty_files, rewrite_imports, map_imports as protoc-gen-es does`,
        );
    }
  }
  return { runtimeImport, validateZod, authWarnings, openapi };
}

function booleanOption(key: string, value: string): boolean {
  if (value !== "true" && value !== "false") {
    throw new Error(`${key} expects true or false`);
  }
  return value === "true";
}
