import type { HttpBindingModel } from "../model/http-model.js";

/**
 * A method's HTTP bindings as the TypeScript array literal of its method
 * table entry, the runtime's `HttpBinding[]`: only what is set, e.g.
 * `[{ method: "GET", path: "/v1/{name=books/*}" }]`.
 */
export function httpLiteral(bindings: readonly HttpBindingModel[]): string {
  const items = bindings.map((b) => {
    const parts = [`method: ${JSON.stringify(b.method)}`, `path: ${JSON.stringify(b.path)}`];
    if (b.body !== undefined) parts.push(`body: ${JSON.stringify(b.body)}`);
    if (b.responseBody !== undefined) parts.push(`responseBody: ${JSON.stringify(b.responseBody)}`);
    return `{ ${parts.join(", ")} }`;
  });
  return `[${items.join(", ")}]`;
}
