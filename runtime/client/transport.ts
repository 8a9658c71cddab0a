import type { ChannelCredentials, ChannelOptions, Client } from "@grpc/grpc-js";
import type { Compression, ServiceSpec } from "../service.js";
import type { TlsOptions } from "./credentials.js";
import type { ClientLimits } from "./limits.js";
import type { LoadBalancing, ServiceConfigJson } from "./service-config.js";

/** What a call asks of the channel it is started on. */
export interface PickOptions {
  /** The compression the call's requests need; see `CallOptions.compression`. */
  compression?: Compression | undefined;
}

/** A call as a transport sees it: something it can cancel. */
export interface TrackedCall {
  cancel(): void;
}

/**
 * Where a client's calls go: something that hands out a grpc-js `Client` (a
 * channel) per call. One channel is {@link createTransport}; a pool of
 * channels is `createPool`.
 */
export interface Transport {
  /** The grpc-js client to start the next call on. */
  pick(options?: PickOptions): Client;
  /**
   * Closes the channels: new calls fail with `UNAVAILABLE`, calls under way
   * finish. grpckit's transports resolve once they have.
   */
  close(): void | Promise<void>;
  /**
   * Optional: told by `createClient` of each service whose client uses the
   * transport, so that the channels apply the service's retry policies
   * (from its .proto). grpckit's transports implement it.
   */
  registerService?(service: ServiceSpec): void;
  /**
   * Optional: told of each call started on a picked channel; returns the
   * function the client calls when the call has ended. grpckit's transports
   * use it to close gracefully.
   */
  track?(call: TrackedCall): () => void;
}

/** Options of {@link createTransport} and `createPool`. */
export interface TransportOptions {
  /** Default: insecure (plaintext HTTP/2), or TLS with `tls`. */
  credentials?: ChannelCredentials | undefined;
  /**
   * TLS, and mutual TLS with a client certificate: `{ ca, cert, key, serverName }`
   * (PEM); `true` for TLS with Node's root certificates. Not with `credentials`.
   */
  tls?: TlsOptions | true | undefined;
  /**
   * Flat grpc-js channel options, e.g. `{ "grpc.initial_reconnect_backoff_ms": 100 }`;
   * they win over everything grpckit sets.
   */
  channelOptions?: ChannelOptions | undefined;
  /** Message size, keepalive and idleness limits; see `DEFAULT_CLIENT_LIMITS`. */
  limits?: ClientLimits | undefined;
  /**
   * Compresses the requests of every call (servers announce what they
   * accept; grpc-js falls back to none for a server that does not accept
   * it). Default: none. A call can choose otherwise with `CallOptions.compression`.
   */
  compression?: Compression | undefined;
  /**
   * grpc-js's load balancing policy over the addresses of the target:
   * `round_robin` (default: each call goes to the next ready address) or
   * `pick_first` (all calls to the first address that connects).
   */
  loadBalancing?: LoadBalancing | undefined;
  /**
   * Services whose .proto client policies (retries) the channels apply, as
   * `createClient` does for the clients made on the transport. Name them
   * here to have the channels right from the start.
   */
  services?: readonly ServiceSpec[] | undefined;
  /**
   * Merged over the service config made from the services' .proto files:
   * its method configs replace those of the same method names, its load
   * balancing and retry throttling win. Given to grpc-js as it is (so a
   * `timeout` in it caps every call's deadline, the gRPC way).
   */
  serviceConfig?: ServiceConfigJson | undefined;
}

/** A transport over one grpc-js channel. */
export interface ChannelTransport extends Transport {
  /** The grpc-js client of the channel. */
  readonly client: Client;
  close(): Promise<void>;
  registerService(service: ServiceSpec): void;
  track(call: TrackedCall): () => void;
}
