import { createRequire } from "node:module";

/**
 * Stands in for `typescript` in the plugin bundle. @bufbuild/protoplugin
 * imports the TypeScript compiler eagerly, for `target=js|dts`; loading it
 * costs more than the rest of the plugin's start-up (~350-700 ms), on every
 * plugin process. This loads it on first use instead, from where protoplugin
 * would have found it.
 */
const requireFromProtoplugin = createRequire(createRequire(import.meta.url).resolve("@bufbuild/protoplugin"));

let loaded: Record<PropertyKey, unknown> | undefined;
export function loadTypeScript(): Record<PropertyKey, unknown> {
  loaded ??= requireFromProtoplugin("typescript") as Record<PropertyKey, unknown>;
  return loaded;
}

export function loadFromProtoplugin(id: string): Record<string, unknown> {
  return requireFromProtoplugin(id) as Record<string, unknown>;
}

const ts: unknown = new Proxy({}, { get: (_target, key) => loadTypeScript()[key] });
export default ts;
