import type { ChannelOptions } from "@grpc/grpc-js";
import { defined } from "../internal/defined.js";
import type { Compression } from "../service.js";

/*
 * A client channel's limits: named, documented limits over grpc-js's flat
 * `grpc.*` channel options. Each field maps to one option; `channelOptions`
 * passed beside them still wins, for whatever these do not cover.
 */

/** Size, keepalive and idleness limits of a client's channel. See {@link DEFAULT_CLIENT_LIMITS}. */
export interface ClientLimits {
  /**
   * Largest response message accepted, in bytes; a larger one fails the call
   * with `RESOURCE_EXHAUSTED`. `grpc.max_receive_message_length`; -1: no limit.
   */
  maxReceiveMessageBytes?: number | undefined;
  /** Largest request message sent. `grpc.max_send_message_length`; -1: no limit. */
  maxSendMessageBytes?: number | undefined;
  /**
   * How often the client pings its connection; undefined: never. Servers
   * reject pings more often than they permit (grpc-go: every 5 minutes), so
   * keep it at or above that. `grpc.keepalive_time_ms`.
   */
  keepaliveTimeMs?: number | undefined;
  /** How long a ping may go unanswered before the connection is dropped. `grpc.keepalive_timeout_ms`. */
  keepaliveTimeoutMs?: number | undefined;
  /** Also ping while no call is open. `grpc.keepalive_permit_without_calls`. */
  keepalivePermitWithoutCalls?: boolean | undefined;
  /** Disconnects a channel without calls for this long; it reconnects on the next call. `grpc.client_idle_timeout_ms`. */
  idleTimeoutMs?: number | undefined;
}

/** grpckit's client defaults: gRPC's standard ones. */
export const DEFAULT_CLIENT_LIMITS = Object.freeze({
  /** 4 MiB. */
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  /** No limit. */
  maxSendMessageBytes: -1,
  /** No pings. */
  keepaliveTimeMs: undefined,
  /** 20 seconds. */
  keepaliveTimeoutMs: 20_000,
  keepalivePermitWithoutCalls: false,
  /** 30 minutes. */
  idleTimeoutMs: 30 * 60 * 1000,
} satisfies ClientLimits);

/** The grpc-js options of client limits and a compression, the defaults filled in. */
export function clientChannelOptions(limits: ClientLimits = {}, compression?: Compression): ChannelOptions {
  const l = { ...DEFAULT_CLIENT_LIMITS, ...defined(limits) };
  return defined({
    "grpc.max_receive_message_length": l.maxReceiveMessageBytes,
    "grpc.max_send_message_length": l.maxSendMessageBytes,
    "grpc.keepalive_time_ms": l.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": l.keepaliveTimeoutMs,
    "grpc.keepalive_permit_without_calls": l.keepalivePermitWithoutCalls ? 1 : 0,
    "grpc.client_idle_timeout_ms": l.idleTimeoutMs,
    "grpc.default_compression_algorithm": compression === undefined ? undefined : COMPRESSION[compression],
  });
}

/** grpc-js's numbers for the compression algorithms. */
const COMPRESSION: Record<Compression, number> = { identity: 0, deflate: 1, gzip: 2 };
