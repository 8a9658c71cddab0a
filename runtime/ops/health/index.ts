import { Code, RpcError } from "../../errors.js";
import { excerpt } from "../../excerpt.js";
import { registerServerExtension } from "../../server/server.js";
import type { ServerContext } from "../../service.js";
import { Health, type HealthHandlers } from "../gen/grpc/health/v1/health_grpckit.js";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";

export { Health, ServingStatus };

// The `health` option of createServer and the `health` property of its server, served by the extension below.
declare module "../../server/server.js" {
  interface ServerOptions {
    /**
     * Serves the standard `grpc.health.v1.Health` service: `true` makes a
     * health status (see `Server.health`), or pass your own from
     * `createHealth()`. The server as a whole (`""`) and each service added
     * are SERVING unless set otherwise; when `shutdown()` starts, everything
     * turns NOT_SERVING and Watch calls end. Default: not served.
     */
    health?: boolean | HealthStatus | undefined;
  }
  interface Server {
    /** The health status served, with the `health` option; undefined without. */
    readonly health?: HealthStatus | undefined;
  }
}

/** The status of the server as a whole, in `grpc.health.v1`: the empty service name. */
export const OVERALL_HEALTH = "";

/**
 * The serving status of a server and of each of its services, served as the
 * standard `grpc.health.v1.Health` service (Check and Watch) that Kubernetes
 * gRPC probes, Envoy, grpc-health-probe and client-side health checking call.
 * Made by {@link createHealth}; `createServer({ health: true })` makes and
 * serves one, see `Server.health`.
 */
export interface HealthStatus {
  /**
   * Sets the status of `service` (a fully-qualified name, or {@link OVERALL_HEALTH}
   * for the server as a whole) and tells its watchers. Ignored after
   * {@link HealthStatus.shutdown} until {@link HealthStatus.resume}.
   */
  set(service: string, status: ServingStatus): void;
  /** The status of `service`, or undefined if it is unknown (Check then answers NOT_FOUND). */
  get(service: string): ServingStatus | undefined;
  /**
   * Sets every status to NOT_SERVING and ignores later `set` calls, as
   * grpc-go's health server does when the server starts to shut down. The
   * server calls it when its `shutdown()` starts.
   */
  shutdown(): void;
  /** Takes `set` calls again, after {@link HealthStatus.shutdown}; statuses stay as they are until set. */
  resume(): void;
  /**
   * Ends every Watch call, after it has sent its latest status: a Watch
   * never ends on its own, and would hold a graceful shutdown until its
   * timeout. The server calls it once its health is NOT_SERVING.
   */
  endWatches(): void;
  /** The handlers of `grpc.health.v1.Health`, for `server.add(Health, health.handlers)`. */
  readonly handlers: HealthHandlers;
}

/** One Watch call: the latest status it has not sent yet. */
interface Watcher {
  pending: ServingStatus | undefined;
  ended: boolean;
  wake: (() => void) | undefined;
}

/**
 * Makes a health status, with `initial` statuses (e.g. `{ "": ServingStatus.SERVING }`).
 *
 * @example
 * const health = createHealth({ [OVERALL_HEALTH]: ServingStatus.SERVING });
 * server.add(Health, health.handlers);
 * db.on("down", () => health.set("ecommerce.v1.OrderService", ServingStatus.NOT_SERVING));
 */
export function createHealth(initial: Readonly<Record<string, ServingStatus>> = {}): HealthStatus {
  const statuses = new Map<string, ServingStatus>(Object.entries(initial));
  const watchers = new Map<string, Set<Watcher>>();
  let shutDown = false;

  const notify = (service: string, status: ServingStatus) => {
    for (const watcher of watchers.get(service) ?? []) {
      watcher.pending = status;
      watcher.wake?.();
    }
  };
  const update = (service: string, status: ServingStatus) => {
    if (statuses.get(service) === status) {
      return;
    }
    statuses.set(service, status);
    notify(service, status);
  };

  const handlers: HealthHandlers = {
    async check({ service }) {
      const status = statuses.get(service);
      if (status === undefined) {
        throw new RpcError(Code.NOT_FOUND, `unknown service ${service === OVERALL_HEALTH ? '""' : excerpt(service)}`);
      }
      return { status };
    },
    async *watch({ service }, context: ServerContext) {
      const watcher: Watcher = {
        pending: statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN,
        ended: false,
        wake: undefined,
      };
      let set = watchers.get(service);
      if (set === undefined) {
        set = new Set();
        watchers.set(service, set);
      }
      set.add(watcher);
      const onAbort = () => {
        watcher.ended = true;
        watcher.wake?.();
      };
      context.signal.addEventListener("abort", onAbort, { once: true });
      let sent: ServingStatus | undefined;
      try {
        for (;;) {
          const status = watcher.pending;
          watcher.pending = undefined;
          // Only changes are sent; a slow reader gets the latest status, not every step.
          if (status !== undefined && status !== sent) {
            sent = status;
            yield { status };
            continue;
          }
          if (watcher.ended) {
            return;
          }
          await new Promise<void>((resolve) => {
            watcher.wake = resolve;
          });
          watcher.wake = undefined;
        }
      } finally {
        context.signal.removeEventListener("abort", onAbort);
        set.delete(watcher);
        if (set.size === 0) {
          watchers.delete(service);
        }
      }
    },
  };

  return {
    handlers,
    set(service, status) {
      if (!shutDown) {
        update(service, status);
      }
    },
    get: (service) => statuses.get(service),
    shutdown() {
      shutDown = true;
      for (const service of statuses.keys()) {
        update(service, ServingStatus.NOT_SERVING);
      }
    },
    resume() {
      shutDown = false;
    },
    endWatches() {
      for (const set of watchers.values()) {
        for (const watcher of set) {
          watcher.ended = true;
          watcher.wake?.();
        }
      }
    },
  };
}

registerServerExtension("health", (options) => {
  const health = options.health === true ? createHealth() : options.health === false ? undefined : options.health;
  if (health === undefined) {
    return undefined;
  }
  return {
    properties: { health },
    start(server) {
      if (health.get(OVERALL_HEALTH) === undefined) {
        health.set(OVERALL_HEALTH, ServingStatus.SERVING);
      }
      server.add(Health, health.handlers);
    },
    serviceAdded(service) {
      if (health.get(service.typeName) === undefined) {
        health.set(service.typeName, ServingStatus.SERVING);
      }
    },
    shutdown() {
      // Watchers learn that the server is going, and stop holding it up.
      health.shutdown();
      health.endWatches();
    },
  };
});
