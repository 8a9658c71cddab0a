/**
 * The core part of `grpckit/codegen`: what the code generated for a service
 * without rules, auth, masks, HTTP bindings or client policies imports, from
 * the core alone. The runtime's own generated services (runtime/ops/gen:
 * health, reflection) import this module, so that the concerns that serve
 * them do not depend on the entry point that exports those concerns.
 *
 * @module
 */

export { type GrpcDefinition, grpcDefinition } from "./codec.js";
export type {
  BidiStreamingCall,
  BidiStreamingHandler,
  ClientOf,
  ClientStreamingCall,
  ClientStreamingHandler,
  HandlersOf,
  MethodSpec,
  ServerStreamingCall,
  ServerStreamingHandler,
  ServiceSpec,
  UnaryCall,
  UnaryHandler,
} from "./service.js";
