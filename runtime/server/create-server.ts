import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import { decodeMessage } from "../codec.js";
import { Code, RpcError } from "../errors.js";
import { chain } from "../interceptor.js";
import { installGrpcLogRedaction } from "../internal/grpc-log-redaction.js";
import { interceptorsFor } from "../selector.js";
import type { ServiceSpec } from "../service.js";
import { admission } from "./admission.js";
import type { CallState } from "./call-state.js";
import { resolveServerLimits, serverChannelOptions } from "./limits.js";
import { type BoundHandler, grpcHandler, handlerStep, passThrough } from "./method-handlers.js";
import { missingSchemaConcerns, schemaInterceptors } from "./schema-interceptors.js";
import {
  checkServerOptions,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type Server,
  type ServerOptions,
  serverExtensions,
} from "./server.js";
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
  const missing = missingSchemaConcerns();
  if (missing.length > 0) {
    throw new Error(
      `createServer: grpckit's ${missing.join(", ")} module did not load, so the schema's rules would not be enforced: import createServer from "grpckit"`,
    );
  }
  checkServerOptions(options);
  const limits = resolveServerLimits(options.limits);
  // The concerns' options (auth, health, reflection) are theirs to read: see server.ts.
  const extensions = serverExtensions.map((extend) => extend(options)).filter((e) => e !== undefined);
  const provided: Partial<Server> = {};
  for (const extension of extensions) {
    Object.assign(provided, extension.properties);
  }
  const admitted = admission(limits);
  const channelOptions = options.channelOptions ?? {};
  const grpcServer = new GrpcServer({
    ...serverChannelOptions(limits),
    ...channelOptions,
    // grpc-js applies its interceptors in order, each around the one before: the last runs first.
    interceptors: [...(channelOptions.interceptors ?? []), admitted.interceptor],
  });
  const report = options.onError ?? logUnexpectedError;
  const interceptors = options.interceptors ?? [];
  const inFlight = new Set<CallState>();
  const served = new Map<string, BoundHandler>();
  const services: ServiceSpec[] = [];
  let shuttingDown: Promise<void> | undefined;

  const server: Server = {
    ...provided,
    grpcServer,
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
          limits,
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
        for (const extension of extensions) {
          extension.serviceAdded?.(service);
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
        for (const extension of extensions) {
          extension.shutdown?.();
        }
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
  for (const extension of extensions) {
    extension.start?.(server);
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
