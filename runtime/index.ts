/**
 * grpckit runtime: what generated `*_grpckit.ts` files and their users import.
 *
 * The metrics and tracing interceptors are the subpaths `grpckit/metrics` and
 * `grpckit/tracing`, so that prom-client and @opentelemetry/api stay optional.
 *
 * @module
 */

export type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
export { credentials, Metadata, ServerCredentials } from "@grpc/grpc-js";
export * from "./auth/index.js";
export { createTransport } from "./client/channels.js";
export { type ClientOptions, closeClient, createClient } from "./client/create-client.js";
export type { TlsOptions } from "./client/credentials.js";
export { type ClientLimits, DEFAULT_CLIENT_LIMITS } from "./client/limits.js";
export { createPool, DEFAULT_POOL_OPTIONS, type Pool, type PoolOptions } from "./client/pool.js";
export type {
  LoadBalancing,
  MethodConfigJson,
  RetryPolicyJson,
  ServiceConfigJson,
} from "./client/service-config.js";
export type { Target } from "./client/targets.js";
export type {
  ChannelTransport,
  PickOptions,
  TrackedCall,
  Transport,
  TransportOptions,
} from "./client/transport.js";
export { type GrpcDefinition, type GrpcMethodDefinition, grpcDefinition } from "./codec.js";
export {
  type ContextKey,
  type ContextValues,
  createContextKey,
  createContextValues,
} from "./context-values.js";
export { Code, RpcError, type RpcErrorOptions } from "./errors.js";
export { DEFAULT_EXCERPT_CHARS, excerpt } from "./excerpt.js";
export * from "./fieldmask/index.js";
export * from "./http/index.js";
export {
  type AnyMessage,
  type ClientCall,
  type ClientInterceptor,
  type ClientResult,
  type ClientStep,
  chain,
  type ServerCall,
  type ServerInterceptor,
  type ServerResult,
  type ServerStep,
  type SingleRequestClientCall,
  type SingleRequestServerCall,
  type StreamRequestClientCall,
  type StreamRequestServerCall,
} from "./interceptor.js";
export { traceIdKey } from "./observe/keys.js";
export {
  clientLogging,
  defaultLevelFor,
  isRedacted,
  type Logger,
  type LoggingOptions,
  type LogLevel,
  REDACTED,
  redactedJson,
  serverLogging,
} from "./observe/logging/index.js";
export {
  type CallEnd,
  type CallObserver,
  codeName,
  type Observation,
  observeClientCall,
  observeServerCall,
  observingClientInterceptor,
  observingServerInterceptor,
  type RunIn,
} from "./observe/observe-call.js";
export { type RecoveryOptions, recovery } from "./observe/recovery/index.js";
export {
  createHealth,
  Health,
  type HealthStatus,
  OVERALL_HEALTH,
  ServingStatus,
} from "./ops/health/index.js";
export { reflectionHandlers, ServerReflection, ServerReflectionV1alpha } from "./ops/reflection/index.js";
export { type MethodMatch, selector } from "./selector.js";
export {
  type AnswerLimits,
  boundStatus,
  DEFAULT_ANSWER_LIMITS,
  OversizedAnswerError,
} from "./server/bounded-answer.js";
export { createServer } from "./server/create-server.js";
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from "./server/limits.js";
export { DEFAULT_SHUTDOWN_TIMEOUT_MS, type Server, type ServerOptions } from "./server/server.js";
export type {
  AuthContext,
  BidiStreamingCall,
  BidiStreamingHandler,
  CallOf,
  CallOptions,
  ClientOf,
  ClientStreamingCall,
  ClientStreamingHandler,
  Compression,
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
export * from "./validate/index.js";
