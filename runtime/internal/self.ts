/*
 * The runtime as grpckit-generated code inside the runtime sees it
 * (runtime/ops/gen, made with runtime_import pointing here): the same names
 * as the package's entry point, without the import cycle through index.ts
 * that importing "grpckit" from inside the runtime would make.
 */
export { grpcDefinition } from "../codec.js";
export type * from "../service.js";
