import { type ChannelCredentials, type ChannelOptions, credentials } from "@grpc/grpc-js";

/**
 * TLS settings of a client's channels, PEM-encoded (read the files
 * yourself: `readFileSync("ca.pem")`).
 */
export interface TlsOptions {
  /** The certificates of the authorities that sign the servers' certificates. Default: Node's root store. */
  ca?: string | Buffer | undefined;
  /** Mutual TLS: the client's certificate chain, sent to servers that ask for one. With `key`. */
  cert?: string | Buffer | undefined;
  /** Mutual TLS: the client's private key. With `cert`. */
  key?: string | Buffer | undefined;
  /**
   * The name the servers' certificates must carry, when it is not the
   * target's host: e.g. connecting to a list of IP addresses of servers
   * whose certificate says `orders.shop.internal`. Also sent as SNI and as
   * the `:authority` of calls.
   */
  serverName?: string | undefined;
}

/** grpc-js credentials and channel options for `tls`. */
export function tlsChannel(tls: TlsOptions | true): {
  credentials: ChannelCredentials;
  channelOptions: ChannelOptions;
} {
  const options: TlsOptions = tls === true ? {} : tls;
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TypeError("tls: give both cert and key (mutual TLS), or neither");
  }
  const pem = (value: string | Buffer | undefined) =>
    value === undefined ? null : typeof value === "string" ? Buffer.from(value) : value;
  return {
    credentials: credentials.createSsl(pem(options.ca), pem(options.key), pem(options.cert)),
    channelOptions:
      options.serverName === undefined
        ? {}
        : { "grpc.ssl_target_name_override": options.serverName, "grpc.default_authority": options.serverName },
  };
}
