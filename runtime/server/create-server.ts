import type { ServerOptions as GrpcServerOptions } from "@grpc/grpc-js";
import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import type { ServerAuth } from "../auth/enforce.js";
import { decodeMessage } from "../codec.js";
import { Code, RpcError } from "../errors.js";
import { chain, type ServerInterceptor } from "../interceptor.js";
import { installGrpcLogRedaction } from "../internal/grpc-log-redaction.js";
import { createHealth, Health, type HealthStatus, OVERALL_HEALTH, ServingStatus } from "../ops/health/index.js";
import { answerLimits, resolveServerLimits, type ServerLimits, serverChannelOptions } from "../ops/limits.js";
import { reflectionHandlers, ServerReflection, ServerReflectionV1alpha } from "../ops/reflection/index.js";
import { interceptorsFor } from "../selector.js";
import type { HandlersOf, ServerContext, ServiceSpec } from "../service.js";
import { admission } from "./admission.js";
import type { CallState } from "./call-state.js";
import { type BoundHandler, grpcHandler, handlerStep, passThrough } from "./method-handlers.js";
import { schemaInterceptors } from "./schema-interceptors.js";
import { logUnexpectedError } from "./unexpected.js";

/**
 * The bound handlers of each server, by method path: what the HTTP gateway
 * (runtime/http) runs its calls through, the same composed chain as gRPC's.
 */
const boundByServer = new WeakMap<Server, ReadonlyMap<string, BoundHandler>>();

/** The handler `server` serves the method at `path` with, chain included; undefined when none. */
export function boundHandlerOf(server: Server, path: string): BoundHandler | undefined {
  return boundByServer.get(server)?.get(path);
}

/** How long `shutdown()` lets calls in flight finish, by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Options of {@link createServer}. */
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
   * `DEFAULT_SERVER_LIMITS`. A value of the wrong kind throws here, naming
   * the field.
   */
  limits?: ServerLimits | undefined;
  /**
   * Serves the standard `grpc.health.v1.Health` service: `true` makes a
   * health status (see `Server.health`), or pass your own from
   * `createHealth()`. The server as a whole (`""`) and each service added
   * are SERVING unless set otherwise; when `shutdown()` starts, everything
   * turns NOT_SERVING and Watch calls end. Default: not served.
   */
  health?: boolean | HealthStatus | undefined;
  /**
   * Serves server reflection (`grpc.reflection.v1` and `v1alpha`) for the
   * services added, so that grpcurl, Postman and grpcui can list and call
   * them without the .proto files. Default: not served.
   */
  reflection?: boolean | undefined;
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
  /**
   * Enforces the auth rules of the schema (`(grpckit.v1.method).auth`,
   * `(grpckit.v1.service).auth`) with this authenticator: before the
   * handler, each call is authenticated and checked; a method no rule makes
   * public needs an authenticated caller. The handler reads the caller with
   * `principalOf(ctx)`. Without it, the rules are not enforced (a service
   * that declares some gets a warning; `false` serves without them and
   * without the warning). See docs/auth.md.
   *
   * @example
   * createServer({ auth: jwt({ jwks, algorithms: ["RS256"], issuer, audience }) });
   */
  auth?: ServerAuth | undefined;
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
  /** The health status served, with the `health` option; undefined without. */
  readonly health: HealthStatus | undefined;
  /** The services added so far, in order. */
  readonly services: readonly ServiceSpec[];
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
 *     if (!user) throw new RpcError(Code.NOT_FOUND, `user ${excerpt(req.userId)} not found`);
 *     return { user };
 *   },
 * });
 * const port = await server.listen("127.0.0.1:0");
 */
export function createServer(options: ServerOptions = {}): Server {
  installGrpcLogRedaction();
  const limits = resolveServerLimits(options.limits);
  const admitted = admission(limits);
  const channelOptions = options.channelOptions ?? {};
  const grpcServer = new GrpcServer({
    ...serverChannelOptions(limits),
    ...channelOptions,
    // grpc-js applies its interceptors in order, each around the one before: the last runs first.
    interceptors: [...(channelOptions.interceptors ?? []), admitted.interceptor],
  });
  const report = options.onError ?? logUnexpectedError;
  const answers = answerLimits(options.limits);
  const interceptors = options.interceptors ?? [];
  const inFlight = new Set<CallState>();
  const served = new Map<string, BoundHandler>();
  const services: ServiceSpec[] = [];
  const health = options.health === true ? createHealth() : options.health === false ? undefined : options.health;
  let shuttingDown: Promise<void> | undefined;

  const server: Server = {
    grpcServer,
    health,
    services,
    add(service, handlers) {
      checkKeys(service, handlers);
      // Check everything before registering anything: a refused add changes nothing.
      const bound: BoundHandler[] = [];
      for (const [localName, method] of Object.entries(service.methods)) {
        const fn = handlerOf(handlers, localName);
        if (fn === undefined) {
          continue;
        }
        if (typeof fn !== "function") {
          throw new TypeError(`the handler of ${method.path} ("${localName}") is a ${typeof fn}, not a function`);
        }
        if (served.has(method.path)) {
          throw new Error(`${method.path} is already served`);
        }
        const handler = {
          service,
          method,
          fn: fn as BoundHandler["fn"],
          self: handlers,
          inFlight,
          report,
          limits: answers,
        };
        const own = schemaInterceptors
          .map((factory) => factory(method, { service, options }))
          .filter((i) => i !== undefined);
        const all = interceptorsFor(own.length === 0 ? interceptors : [...interceptors, ...own], method, service);
        // No interceptors, no chain: the handler is called directly.
        bound.push(all.length === 0 ? handler : { ...handler, step: chain(all, handlerStep(handler)) });
      }
      for (const handler of bound) {
        const { path, input } = handler.method;
        const { func, type } = grpcHandler(handler);
        if (!grpcServer.register(path, func, passThrough, (bytes: Buffer) => decodeMessage(input, bytes), type)) {
          throw new Error(`${path} is already served by the grpc-js server`);
        }
        served.set(path, handler);
      }
      if (!services.includes(service)) {
        services.push(service);
        if (health?.get(service.typeName) === undefined) {
          health?.set(service.typeName, ServingStatus.SERVING);
        }
      }
      return this;
    },
    listen(address, credentials = ServerCredentials.createInsecure()) {
      return new Promise((resolve, reject) => {
        grpcServer.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
      });
    },
    shutdown(timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS) {
      if (shuttingDown === undefined) {
        admitted.close();
        // Watchers learn that the server is going, and stop holding it up.
        health?.shutdown();
        health?.endWatches();
      }
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
  boundByServer.set(server, served);
  if (health !== undefined) {
    if (health.get(OVERALL_HEALTH) === undefined) {
      health.set(OVERALL_HEALTH, ServingStatus.SERVING);
    }
    server.add(Health, health.handlers);
  }
  if (options.reflection === true) {
    const { v1, v1alpha } = reflectionHandlers(() => services);
    server.add(ServerReflection, v1).add(ServerReflectionV1alpha, v1alpha);
  }
  return server;
}

/**
 * The handler of a method on `handlers`: its own property, or a method of
 * its class; never what every object inherits from Object.prototype, so that
 * a method named `hasOwnProperty` or `isPrototypeOf` without a handler answers
 * UNIMPLEMENTED instead of calling Object.prototype's function.
 */
function handlerOf(handlers: object, localName: string): unknown {
  for (let o: object | null = handlers; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, localName)) {
      return Reflect.get(o, localName, handlers);
    }
  }
  return undefined;
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
