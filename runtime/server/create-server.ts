import type { ServerOptions as GrpcServerOptions } from "@grpc/grpc-js";
import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import { decodeMessage } from "../codec.js";
import { Code, RpcError } from "../errors.js";
import type { HandlersOf, ServerContext, ServiceSpec } from "../service.js";
import type { CallState } from "./call-state.js";
import { type BoundHandler, grpcHandler, passThrough } from "./method-handlers.js";

/** How long `shutdown()` lets calls in flight finish, by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** grpc-js server options: flat `grpc.*` channel options, grpc-js interceptors. */
  channelOptions?: GrpcServerOptions | undefined;
  /**
   * Receives each exception of a handler that is not an RpcError (the client
   * gets `INTERNAL` without its message). Errors after the call was cancelled
   * are not reported. Default: one `console.error` with the method's path and
   * the error's stack.
   */
  onError?: ((error: unknown, context: ServerContext) => void) | undefined;
}

/** A gRPC server serving generated services. See {@link createServer}. */
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
}

/**
 * Creates a gRPC server for generated services, on top of a grpc-js `Server`.
 *
 * Handlers return a message or a plain object; streaming handlers are async
 * generators, written with backpressure. A thrown `RpcError` answers with its
 * code, message and metadata; any other exception answers `INTERNAL` with a
 * generic message and goes to `onError`.
 *
 * @example
 * const server = createServer();
 * server.add(UserService, {
 *   async getUser(req) {
 *     const user = users.get(req.userId);
 *     if (!user) throw new RpcError(Code.NOT_FOUND, `user ${req.userId} not found`);
 *     return { user };
 *   },
 * });
 * const port = await server.listen("127.0.0.1:0");
 */
export function createServer(options: ServerOptions = {}): Server {
  const grpcServer = new GrpcServer(options.channelOptions);
  const report = options.onError ?? logError;
  const inFlight = new Set<CallState>();
  const served = new Set<string>();
  let shuttingDown: Promise<void> | undefined;

  const server: Server = {
    grpcServer,
    add(service, handlers) {
      checkKeys(service, handlers);
      // Check everything before registering anything: a refused add changes nothing.
      const bound: BoundHandler[] = [];
      for (const [localName, method] of Object.entries(service.methods)) {
        const fn: unknown = (handlers as Record<string, unknown>)[localName];
        if (fn === undefined) {
          continue;
        }
        if (typeof fn !== "function") {
          throw new TypeError(`the handler of ${method.path} ("${localName}") is a ${typeof fn}, not a function`);
        }
        if (served.has(method.path)) {
          throw new Error(`${method.path} is already served`);
        }
        bound.push({ service, method, fn: fn as BoundHandler["fn"], self: handlers, inFlight, report });
      }
      for (const handler of bound) {
        const { path, input } = handler.method;
        const { func, type } = grpcHandler(handler);
        if (!grpcServer.register(path, func, passThrough, (bytes: Buffer) => decodeMessage(input, bytes), type)) {
          throw new Error(`${path} is already served by the grpc-js server`);
        }
        served.add(path);
      }
      return this;
    },
    listen(address, credentials = ServerCredentials.createInsecure()) {
      return new Promise((resolve, reject) => {
        grpcServer.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
      });
    },
    shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      shuttingDown ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const call of [...inFlight]) {
            call.abort(new RpcError(Code.UNAVAILABLE, "the server shut down"));
          }
          grpcServer.forceShutdown();
          resolve();
        }, timeoutMs);
        grpcServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return shuttingDown;
    },
  };
  return server;
}

/** A plain object's keys must all be methods: catches typos a class would hide. */
function checkKeys(service: ServiceSpec, handlers: object): void {
  const prototype: unknown = Object.getPrototypeOf(handlers);
  if (prototype !== Object.prototype && prototype !== null) {
    return;
  }
  for (const key of Object.keys(handlers)) {
    if (!Object.hasOwn(service.methods, key)) {
      const known = Object.keys(service.methods).join(", ");
      throw new TypeError(`${service.typeName} has no method "${key}"; its methods are ${known}`);
    }
  }
}

function logError(error: unknown, context: ServerContext): void {
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  console.error(`grpckit: ${context.method.path} failed: ${detail}`);
}
