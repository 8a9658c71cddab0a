import { defined } from "../internal/defined.js";
import type { ServiceSpec } from "../service.js";
import { ChannelSet, DEFAULT_POOL_OPTIONS } from "./channels.js";

export { DEFAULT_POOL_OPTIONS };

import type { Target } from "./targets.js";
import type { TrackedCall, Transport, TransportOptions } from "./transport.js";

/** Options of {@link createPool}. */
export interface PoolOptions extends TransportOptions {
  /**
   * Channels in the pool: each has its own HTTP/2 connection to every
   * address of the target, and calls go to the channels in turn. Default
   * {@link DEFAULT_POOL_OPTIONS}.size.
   */
  size?: number | undefined;
}

/** A pool of grpc-js channels; see {@link createPool}. */
export interface Pool extends Transport {
  /** The grpc-js target the channels connect to, e.g. `ipv4:10.0.0.7:50051,10.0.0.8:50051`. */
  readonly target: string;
  /** Channels in the pool. */
  readonly size: number;
  /** Calls started and not yet ended. */
  readonly inFlight: number;
  registerService(service: ServiceSpec): void;
  track(call: TrackedCall): () => void;
  /**
   * Closes the pool: new calls fail with `UNAVAILABLE` at once; calls in
   * flight finish. Resolves once they have, and grpc-js has closed the
   * connections (a process then exits by itself). With `graceMs`, calls
   * still running after it are cancelled (`CANCELLED`).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * A pool of grpc-js channels to `target`, for clients that need more than
 * one HTTP/2 connection per address (a connection carries at most the
 * server's `maxConcurrentStreams` calls at once; a TCP load balancer sends
 * all of a connection's calls to one backend). Calls go to the channels in
 * turn; each channel balances its calls over the target's addresses with
 * grpc-js's `round_robin`.
 *
 * The target is one address, a `dns:///name:port` (each channel connects to
 * every address the name resolves to, and re-resolves when a connection
 * drops: a Kubernetes headless service), or a list of IP addresses.
 *
 * Retries, timeouts and waitForReady come from the .proto files of the
 * services whose clients use the pool (`(grpckit.v1.method).client`), and
 * are grpc-js's own: see docs/clients.md.
 *
 * @example
 * const pool = createPool(["10.0.0.7:50051", "10.0.0.8:50051"], { size: 4 });
 * const users = createClient(UserService, pool);
 * // ...
 * await pool.close(5_000);
 */
export function createPool(target: Target, options: PoolOptions = {}): Pool {
  const { size = DEFAULT_POOL_OPTIONS.size, limits, ...rest } = options;
  const channels = new ChannelSet(target, size, {
    ...rest,
    limits: { keepaliveTimeMs: DEFAULT_POOL_OPTIONS.keepaliveTimeMs, ...defined(limits) },
  });
  return {
    target: channels.target,
    size,
    get inFlight() {
      return channels.inFlight;
    },
    pick: (pick) => channels.pick(pick),
    close: (graceMs) => channels.close(graceMs),
    registerService: (service) => channels.registerService(service),
    track: (call) => channels.track(call),
  };
}
