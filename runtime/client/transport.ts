import type { ChannelCredentials, ChannelOptions } from "@grpc/grpc-js";
import { Client, credentials as grpcCredentials } from "@grpc/grpc-js";

/**
 * Where a client's calls go: something that hands out a grpc-js `Client` (a
 * channel) per call. One channel is {@link createTransport}; a pool of
 * channels can implement the same interface.
 */
export interface Transport {
  /** The grpc-js client to start the next call on. */
  pick(): Client;
  /** Closes the channels: new calls fail with `UNAVAILABLE`, calls under way finish. */
  close(): void;
}

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Default: insecure (plaintext HTTP/2). */
  credentials?: ChannelCredentials | undefined;
  /** Flat grpc-js channel options, e.g. `{ "grpc.service_config": "..." }`. */
  channelOptions?: ChannelOptions | undefined;
}

/** A transport over one grpc-js channel. */
export interface ChannelTransport extends Transport {
  /** The grpc-js client of the channel. */
  readonly client: Client;
}

/**
 * A transport over one grpc-js channel to `target` (`host:port`,
 * `dns:///name:port`, ...). Several grpckit clients may share it; close it
 * once they are done.
 *
 * @example
 * const transport = createTransport("127.0.0.1:50051");
 * const users = createClient(UserService, transport);
 * const orders = createClient(OrderService, transport);
 * // ...
 * transport.close();
 */
export function createTransport(target: string, options: TransportOptions = {}): ChannelTransport {
  const client = new Client(target, options.credentials ?? grpcCredentials.createInsecure(), options.channelOptions);
  return {
    client,
    pick: () => client,
    close: () => client.close(),
  };
}
