import type { HttpBindingModel } from "../model/http-model.js";
import type { Slot } from "./slots.js";

/**
 * A method's HTTP bindings as the array of its method table entry, the
 * runtime's `HttpBinding[]`: one call of the runtime's `httpBinding` (the
 * `call` slot) per binding, with only the parts that are set, e.g.
 * `[httpBinding("GET", "/v1/{name=books/*}")]`. Calls, not object literals:
 * see `httpBinding` (type-check cost).
 */
export function httpLiteral(bindings: readonly HttpBindingModel[], call: Slot): string {
  const items = bindings.map((b) => {
    const args = [b.method, b.path, b.body, b.responseBody].map((a) =>
      a === undefined ? "undefined" : JSON.stringify(a),
    );
    while (args.at(-1) === "undefined") args.pop();
    return `${call}(${args.join(", ")})`;
  });
  return `[${items.join(", ")}]`;
}
