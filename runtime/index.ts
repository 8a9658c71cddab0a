/**
 * grpckit runtime: what generated `*_grpckit.ts` files and their users import.
 *
 * @module
 */

export type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
export { credentials, Metadata, ServerCredentials } from "@grpc/grpc-js";
export { type ClientOptions, closeClient, createClient } from "./client/create-client.js";
export { type ChannelTransport, createTransport, type Transport, type TransportOptions } from "./client/transport.js";
export { type GrpcDefinition, type GrpcMethodDefinition, grpcDefinition } from "./codec.js";
export { Code, RpcError, type RpcErrorOptions } from "./errors.js";
export { createServer, DEFAULT_SHUTDOWN_TIMEOUT_MS, type Server, type ServerOptions } from "./server/create-server.js";
export type {
  BidiStreamingCall,
  BidiStreamingHandler,
  CallOf,
  CallOptions,
  ClientOf,
  ClientStreamingCall,
  ClientStreamingHandler,
  HandlerOf,
  HandlersOf,
  MetadataInit,
  MethodKind,
  MethodSpec,
  RequestStream,
  ResponseInit,
  ServerContext,
  ServerStreamingCall,
  ServerStreamingHandler,
  ServiceSpec,
  UnaryCall,
  UnaryHandler,
} from "./service.js";
