/** grpckit's own plugin parameters; protoplugin parses the shared ones (`target`, `import_extension`, ...). */
export interface GrpckitOptions {
  /** The module generated code imports the runtime from. */
  readonly runtimeImport: string;
}

export const defaultOptions: GrpckitOptions = { runtimeImport: "grpckit" };

/**
 * Parses the parameters protoplugin does not know. protoplugin wraps what this
 * throws into `invalid option "key=value": reason`, printed as one line.
 */
export function parseOptions(raw: readonly { key: string; value: string }[]): GrpckitOptions {
  let runtimeImport = defaultOptions.runtimeImport;
  for (const { key, value } of raw) {
    switch (key) {
      case "runtime_import":
        if (value.trim() === "" || /\s/.test(value)) {
          throw new Error(`${key} expects a module specifier, e.g. runtime_import=grpckit`);
        }
        runtimeImport = value;
        break;
      default:
        throw new Error(
          `unknown option "${key}"; grpckit accepts runtime_import, and target, import_extension, js_import_style, ts_nocheck, keep_empty_files, rewrite_imports, map_imports as protoc-gen-es does`,
        );
    }
  }
  return { runtimeImport };
}
