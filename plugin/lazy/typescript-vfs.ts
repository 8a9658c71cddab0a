import { loadFromProtoplugin } from "./typescript.js";

/** Stands in for `@typescript/vfs` in the plugin bundle; see ./typescript.ts. */
type Fn = (...args: unknown[]) => unknown;
const lazy =
  (name: string): Fn =>
  (...args) =>
    (loadFromProtoplugin("@typescript/vfs")[name] as Fn)(...args);

export const createDefaultMapFromNodeModules = lazy("createDefaultMapFromNodeModules");
export const createSystem = lazy("createSystem");
export const createVirtualCompilerHost = lazy("createVirtualCompilerHost");
