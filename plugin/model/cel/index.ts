/*
 * CEL in protovalidate rules: compile-time checking and compilation to
 * TypeScript (compile.ts), with the types of `this` derived from protobuf-es
 * descriptors (types.ts). See docs/validation.md, "CEL".
 */

export { type CelCompileEnv, type CelCompileResult, compileCel, parseDuration } from "./compile.js";
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
