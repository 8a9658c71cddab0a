import { type ChannelCredentials, type ChannelOptions, Client, credentials as grpcCredentials } from "@grpc/grpc-js";
import { installGrpcLogRedaction } from "../internal/grpc-log-redaction.js";
import type { Compression, ServiceSpec } from "../service.js";
import { tlsChannel } from "./credentials.js";
import { clientChannelOptions } from "./limits.js";
import { channelServiceConfig } from "./service-config.js";
import { channelTarget, type Target } from "./targets.js";
import type { ChannelTransport, PickOptions, TrackedCall, TransportOptions } from "./transport.js";

/**
 * grpckit's pool defaults. Other limits are `DEFAULT_CLIENT_LIMITS`.
 */
export const DEFAULT_POOL_OPTIONS = Object.freeze({
  /**
   * Channels (connections per address). One HTTP/2 connection carries
   * calls as fast as a grpc-js server answers them (bench/suites/pool.mjs);
   * more help against a server or proxy that limits the calls per
   * connection (`maxConcurrentStreams`), or a TCP load balancer that sends
   * each connection to one backend.
   */
  size: 1,
  /** Load balancing over the target's addresses. */
  loadBalancing: "round_robin",
  /**
   * A pool pings its connections every 5 minutes while calls are open, and
   * drops one whose ping goes unanswered for 20 s (`limits.keepaliveTimeoutMs`):
   * 5 minutes is the most often grpc-go and grpc-java servers accept by
   * default (grpc-js servers accept any rate).
   */
  keepaliveTimeMs: 5 * 60 * 1000,
} as const);

/**
 * A transport over one grpc-js channel to `target` (`host:port`,
 * `dns:///name:port`, a list of IP addresses, ...). Several grpckit clients
 * may share it; close it once they are done. For several channels, use
 * `createPool`.
 *
 * grpc-js compresses per channel: a call that asks for another compression
 * than the transport's goes on a second channel to the same target, opened
 * on first use and closed with the transport.
 *
 * @example
 * const transport = createTransport("127.0.0.1:50051");
 * const users = createClient(UserService, transport);
 * const orders = createClient(OrderService, transport);
 * // ...
 * await transport.close();
 */
export function createTransport(target: Target, options: TransportOptions = {}): ChannelTransport {
  const channels = new ChannelSet(target, 1, options);
  return {
    get client() {
      return channels.first();
    },
    pick: (pick) => channels.pick(pick),
    close: () => channels.close(),
    registerService: (service) => channels.registerService(service),
    track: (call) => channels.track(call),
  };
}

/**
 * The channels of a transport: `size` per compression algorithm (those of
 * other algorithms than the default opened on first use), all with the
 * same service config, handed out in turn.
 */
export class ChannelSet {
  readonly target: string;
  private readonly credentials: ChannelCredentials;
  private readonly tlsOptions: ChannelOptions;
  private readonly defaultCompression: Compression;
  private readonly services = new Map<string, ServiceSpec>();
  private serviceConfig: string;
  private channels = new Map<Compression, (Client | undefined)[]>();
  /** Per compression, the index of the channel the next call goes to. */
  private readonly next = new Map<Compression, number>();
  private closing: Promise<void> | undefined;
  /** After close: the channel calls are started on, to fail with UNAVAILABLE. */
  private closedChannel: Client | undefined;
  private readonly calls = new Set<TrackedCall>();
  private drained: (() => void) | undefined;

  constructor(
    target: Target,
    private readonly size: number,
    private readonly options: TransportOptions,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new TypeError(`size: ${size} channels? Give an integer of 1 or more`);
    }
    this.target = channelTarget(target);
    installGrpcLogRedaction(); // a server's response headers are logged like a client's requests
    if (options.tls !== undefined && options.credentials !== undefined) {
      throw new TypeError("give either tls or credentials, not both");
    }
    const tls = options.tls === undefined ? undefined : tlsChannel(options.tls);
    this.credentials = tls?.credentials ?? options.credentials ?? grpcCredentials.createInsecure();
    this.tlsOptions = tls?.channelOptions ?? {};
    this.defaultCompression = options.compression ?? "identity";
    for (const service of options.services ?? []) {
      this.services.set(service.typeName, service);
    }
    this.serviceConfig = this.makeServiceConfig();
    // Opened now, so that bad options fail here rather than on the first call.
    this.first();
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** The first channel of the default compression. */
  first(): Client {
    return this.closedChannel ?? this.channel(this.defaultCompression, 0);
  }

  pick(pick: PickOptions | undefined): Client {
    if (this.closing !== undefined) {
      return this.first(); // closed: the call fails with UNAVAILABLE
    }
    const compression = pick?.compression ?? this.defaultCompression;
    if (this.size === 1) {
      return this.channel(compression, 0);
    }
    const index = this.next.get(compression) ?? 0;
    this.next.set(compression, (index + 1) % this.size);
    return this.channel(compression, index);
  }

  registerService(service: ServiceSpec): void {
    if (this.services.get(service.typeName) === service) {
      return;
    }
    this.services.set(service.typeName, service);
    const serviceConfig = this.makeServiceConfig();
    if (serviceConfig === this.serviceConfig) {
      return;
    }
    // grpc-js reads the service config once, when it makes a channel: new
    // channels get the new one. The old ones close once their calls are done.
    this.serviceConfig = serviceConfig;
    const old = this.channels;
    this.channels = new Map();
    if (this.closedChannel === undefined) {
      this.first();
    }
    closeAll(old);
  }

  track(call: TrackedCall): () => void {
    this.calls.add(call);
    return () => {
      this.calls.delete(call);
      if (this.calls.size === 0) {
        this.drained?.();
      }
    };
  }

  close(graceMs?: number): Promise<void> {
    if (this.closing === undefined) {
      this.closedChannel = this.first();
      closeAll(this.channels);
      this.closing = new Promise<void>((resolve) => {
        if (this.calls.size === 0) {
          resolve();
        } else {
          this.drained = resolve;
        }
      });
    }
    if (graceMs !== undefined && this.calls.size > 0) {
      const timer = setTimeout(() => {
        for (const call of [...this.calls]) {
          call.cancel();
        }
      }, graceMs);
      void this.closing.then(() => clearTimeout(timer));
    }
    return this.closing;
  }

  private channel(compression: Compression, index: number): Client {
    let set = this.channels.get(compression);
    if (set === undefined) {
      set = new Array<Client | undefined>(this.size).fill(undefined);
      this.channels.set(compression, set);
    }
    let client = set[index];
    if (client === undefined) {
      client = new Client(this.target, this.credentials, this.channelOptions(compression));
      set[index] = client;
    }
    return client;
  }

  private channelOptions(compression: Compression): ChannelOptions {
    return {
      ...clientChannelOptions(this.options.limits, compression === "identity" ? undefined : compression),
      "grpc.service_config": this.serviceConfig,
      // The config comes from the schema, not from DNS TXT records.
      "grpc.service_config_disable_resolution": 1,
      "grpc.enable_retries": 1,
      // grpc-js shares a connection between channels with equal options:
      // the channels of a pool each need their own.
      ...(this.size > 1 ? { "grpc.use_local_subchannel_pool": 1 } : {}),
      ...this.tlsOptions,
      ...this.options.channelOptions,
    };
  }

  private makeServiceConfig(): string {
    return JSON.stringify(
      channelServiceConfig(
        this.services.values(),
        this.options.loadBalancing ?? DEFAULT_POOL_OPTIONS.loadBalancing,
        this.options.serviceConfig,
      ),
    );
  }
}

function closeAll(channels: Map<Compression, (Client | undefined)[]>): void {
  for (const set of channels.values()) {
    for (const client of set) {
      client?.close();
    }
  }
}
