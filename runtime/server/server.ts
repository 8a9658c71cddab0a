import type { Server as GrpcServer, ServerOptions as GrpcServerOptions, ServerCredentials } from "@grpc/grpc-js";
import type { ServerInterceptor } from "../interceptor.js";
import type { HandlersOf, ServerContext, ServiceSpec } from "../service.js";
import type { ServerLimits } from "./limits.js";

/*
 * What a server is, and how a concern extends one without the server knowing
 * it. A concern's option of `createServer` (`auth`, `health`, `reflection`)
 * is declared on ServerOptions by the concern's own module, with
 * `declare module`, and carried out by the server extension it registers
 * here, or by a schema interceptor (see schema-interceptors.ts). The concern
 * reads its option itself, so an option the user fills by hand (an
 * authenticator object of their own, a health status) works as well as one
 * a grpckit factory made. Importing "grpckit" loads every concern, so each
 * registers itself before any server is made.
 */

/** How long `shutdown()` lets calls in flight finish, by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Options of `createServer`. The concerns add their own: `auth` (docs/auth.md),
 * `health` and `reflection` (docs/operations.md).
 */
export interface ServerOptions {
  /**
   * grpc-js server options: flat `grpc.*` channel options, grpc-js
   * interceptors (which run inside grpckit's admission of calls, see
   * `limits.maxConcurrentCalls`). They win over what `limits` sets.
   */
  channelOptions?: GrpcServerOptions | undefined;
  /**
   * Message sizes, concurrent streams and calls, idle requests, keepalive,
   * connection age, and the bounds of what the server answers (status
   * message, trailers, field violations); each unset one has its default of
   * `DEFAULT_SERVER_LIMITS`. A value of the wrong kind, or a field that is
   * no limit, throws here, naming the field.
   */
  limits?: ServerLimits | undefined;
  /**
   * Receives each exception of a handler that is not an RpcError (the client
   * gets `INTERNAL` without its message), and each answer too large to send
   * (an `OversizedAnswerError`: trailers or headers over
   * `limits.maxTrailerBytes`, answered INTERNAL; see "Bounded answers" in
   * docs/operations.md). Errors after the call was cancelled are not
   * reported. Default: one `console.error` with the method's path and the
   * error's stack.
   */
  onError?: ((error: unknown, context: ServerContext) => void) | undefined;
  /**
   * Interceptors of every call, the first outermost. They run around the
   * schema's own interceptors (auth, validation, masks), which run innermost,
   * right around the handler. The documented order of the built-in ones is
   * `[recovery(), serverTracing(), serverMetrics(), serverLogging()]`; see
   * docs/interceptors.md. Composed once per method, in `add`.
   */
  interceptors?: readonly ServerInterceptor[] | undefined;
}

/** A gRPC server serving generated services. See `createServer`. */
export interface Server {
  /**
   * Serves `service` with `handlers`: an object literal or a class instance,
   * whose methods are looked up by the methods' local names and called with
   * `this` bound to it. Methods without a handler answer `UNIMPLEMENTED`.
   * Throws if a method of the service is already served, or if a plain object
   * has a key that is not a method of the service (a typo).
   */
  add<S extends ServiceSpec>(service: S, handlers: Partial<HandlersOf<S>>): this;
  /**
   * Listens on `address` (`host:port`; port 0 picks a free one) and resolves
   * with the port. Credentials default to insecure (plaintext HTTP/2).
   */
  listen(address: string, credentials?: ServerCredentials): Promise<number>;
  /**
   * Stops accepting calls and resolves once the calls in flight are done.
   * After `timeoutMs` (default {@link DEFAULT_SHUTDOWN_TIMEOUT_MS}), closes the
   * remaining calls and aborts their handlers' signals with `UNAVAILABLE`.
   * Calling it again returns the same promise.
   */
  shutdown(timeoutMs?: number): Promise<void>;
  /** The grpc-js server underneath, for what grpckit does not cover. */
  readonly grpcServer: GrpcServer;
  /** The services added so far, in order. */
  readonly services: readonly ServiceSpec[];
}

/**
 * What a concern does to a server that one of its options enables: the
 * properties it gives the server, the services it serves, and what it must
 * hear of the server's life. Every hook is optional.
 */
export interface ServerExtension {
  /** Properties of the server that the concern declares on {@link Server}, e.g. `health`. */
  readonly properties?: Partial<Server> | undefined;
  /** Adds the concern's own services; called once the server is made, with every extension in place. */
  start?(server: Server): void;
  /** Told of each service the server begins to serve, the extensions' own included. */
  serviceAdded?(service: ServiceSpec): void;
  /** Told once, as `shutdown()` begins: the server takes no more calls, and waits for those in flight. */
  shutdown?(): void;
}

/** Makes a concern's extension of a server from its options; undefined when they do not enable it. */
export type ServerExtensionFactory = (options: ServerOptions) => ServerExtension | undefined;

/**
 * The factories of every concern, in the order the concerns registered;
 * each server calls them all once, as it is made. Their order does not
 * matter: an extension sees every service added, whoever adds it.
 */
export const serverExtensions: ServerExtensionFactory[] = [];
const registered = new Set<string>();

/**
 * Registers the extension of one concern; its module calls this once when it
 * is first imported. `options` are the keys of `ServerOptions` it reads
 * (default: the concern's name).
 */
export function registerServerExtension(
  concern: string,
  factory: ServerExtensionFactory,
  options: readonly string[] = [concern],
): void {
  if (registered.has(concern)) {
    throw new Error(`the ${concern} server extension is registered twice`);
  }
  registered.add(concern);
  claimServerOptions(options);
  serverExtensions.push(factory);
}

// The options the server itself reads; the concerns claim theirs as they register.
const claimed = new Set<string>([
  "channelOptions",
  "limits",
  "onError",
  "interceptors",
] satisfies (keyof ServerOptions)[]);

/** Records that a concern reads these keys of `ServerOptions`, so that `createServer` accepts them. */
export function claimServerOptions(keys: readonly string[]): void {
  for (const key of keys) {
    claimed.add(key);
  }
}

/**
 * Refuses an option no part of grpckit reads: a typo, or a concern whose
 * module did not load (a bundler that dropped it). Either way a server that
 * silently ignored it (\`auth\`, say) would serve without what was asked.
 */
export function checkServerOptions(options: ServerOptions): void {
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !claimed.has(key)) {
      throw new TypeError(
        `createServer: no part of grpckit reads the option ${JSON.stringify(key)} (a typo, or a module of grpckit that did not load: import createServer from "grpckit")`,
      );
    }
  }
}
