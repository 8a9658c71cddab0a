/*
 * CEL in protovalidate rules: compile-time checking and compilation to
 * TypeScript (compile.ts), with the types of `this` derived from protobuf-es
 * descriptors (types.ts). See docs/validation.md, "CEL".
 *
 * How the rule model and the emitters use it, per buf.validate.Rule
 * ({ id, message, expression }) of a field, a message, or a predefined rule:
 *
 *   const env = {
 *     this: messageType(message)            // (buf.validate.message).cel
 *        ?? fieldRuleType(field)            // (buf.validate.field).cel, predefined rules
 *        ?? elementType(field, "item"),     // repeated.items / map.keys / map.values rules
 *     thisName: "value",                    // the identifier the emitted code binds `this` to
 *     rule: { type: fieldRuleType(ext), value: getExtension(rules, ext) },  // predefined only
 *     rules: { desc: StringRulesSchema, value: rules },                     // predefined only
 *   };
 *   const result = compileCel(rule.expression, env);
 *   - "error":    fail generation: `${file}: ${element}: ${result.message}`.
 *   - "compiled": emit `const r = ${result.code};` with `result.helpers` imported
 *                 from "grpckit"; `celViolation(r, rule.message, falseMessage)`, with
 *                 falseMessage the literal `celFalseMessage(rule.expression)`, is the
 *                 violation's message (undefined when valid); a thrown
 *                 CelEvalError is the rule's runtime error.
 *   - "fallback": emit once per module `const p = celProgram(expression, { this:
 *                 shapeOf(env.this), rule, rules })` from "grpckit/cel" (shapeOf
 *                 gives a message's schema: import it), then `p(value)` as above.
 * A wrapper element (repeated/map of google.protobuf.*Value) is passed as its
 * `.value`; a singular wrapper field's rules apply only when it is set.
 */

export { type CelCompileEnv, type CelCompileResult, compileCel, parseDuration, parseTimestamp } from "./compile.js";
export {
  type CelT,
  elementType,
  fieldRuleType,
  fieldType,
  messageType,
  scalarType,
  shapeOf,
  typeName,
} from "./types.js";
