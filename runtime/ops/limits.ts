import type { ChannelOptions } from "@grpc/grpc-js";
import { type AnswerLimits, DEFAULT_ANSWER_LIMITS } from "../server/bounded-answer.js";
import type { Compression } from "../service.js";
import { DEFAULT_MAX_VIOLATIONS } from "../status-details.js";

/*
 * Named, documented limits over grpc-js's flat `grpc.*` channel options. Each
 * field maps to one option; `channelOptions` passed beside them still wins,
 * for whatever these do not cover.
 */

/**
 * Size, concurrency, idleness and connection limits of a server. Every field
 * has a default (see {@link DEFAULT_SERVER_LIMITS} and docs/operations.md for
 * where each value comes from); `Infinity` turns a count or a duration off.
 */
export interface ServerLimits {
  /**
   * Largest request message accepted, in bytes, after decompression. A larger
   * one fails its call with `RESOURCE_EXHAUSTED`; the server keeps serving.
   * `grpc.max_receive_message_length`; -1: no limit.
   */
  maxReceiveMessageBytes?: number | undefined;
  /**
   * Largest response message sent, in bytes; a larger one fails its call with
   * `RESOURCE_EXHAUSTED`. `grpc.max_send_message_length`; -1: no limit.
   */
  maxSendMessageBytes?: number | undefined;
  /**
   * Calls one connection may have open at once (HTTP/2
   * SETTINGS_MAX_CONCURRENT_STREAMS): a client opens more only as earlier
   * ones end. `grpc.max_concurrent_streams`.
   */
  maxConcurrentStreams?: number | undefined;
  /**
   * Calls the whole server may have in progress at once, over all its
   * connections. A call past it is refused with `RESOURCE_EXHAUSTED` as it
   * arrives, before its request is read or any interceptor or handler runs,
   * so that many connections cannot add up to unbounded memory. Every call
   * counts (health Watch and reflection too) except health Check, so that a
   * busy server still answers its probes. grpckit's own; not a grpc-js option.
   */
  maxConcurrentCalls?: number | undefined;
  /**
   * Calls of one method in progress at once, refused like
   * `maxConcurrentCalls`: a number applies to each method on its own; an
   * object limits the methods it names by path
   * (`{ "/grpc.health.v1.Health/Watch": 1000 }`). Default: none beyond
   * `maxConcurrentCalls`.
   */
  maxConcurrentCallsPerMethod?: number | Readonly<Record<string, number>> | undefined;
  /**
   * How long a call may wait for its client's next request message, or for
   * the end of its requests, while its handler is ready for one and sends
   * nothing either: the call then fails with `DEADLINE_EXCEEDED`. Catches
   * clients that open a call and send nothing, or trickle a message a few
   * bytes at a time. Waiting because the handler does not read does not
   * count. Checked every tenth of it, so it fires up to 10% late. grpckit's own.
   */
  requestIdleTimeoutMs?: number | undefined;
  /** How often the server pings a connection to check it is alive. `grpc.keepalive_time_ms`. */
  keepaliveTimeMs?: number | undefined;
  /** How long a ping may go unanswered before the connection is closed. `grpc.keepalive_timeout_ms`. */
  keepaliveTimeoutMs?: number | undefined;
  /**
   * Closes each connection (with GOAWAY, calls in flight finish) once it is
   * this old, give or take 10% (grpc-js's jitter), so clients re-resolve and
   * spread over new server replicas, and no connection lives forever.
   * `grpc.max_connection_age_ms`.
   */
  maxConnectionAgeMs?: number | undefined;
  /**
   * After `maxConnectionAgeMs`, how long calls in flight may still run before
   * the connection is closed. `grpc.max_connection_age_grace_ms`.
   */
  maxConnectionAgeGraceMs?: number | undefined;
  /** Closes a connection without calls for this long. `grpc.max_connection_idle_ms`. */
  maxConnectionIdleMs?: number | undefined;
  /**
   * Largest status message sent (`grpc-message`, percent-encoded), in bytes;
   * a longer one is cut, with a marker. See "Bounded answers" in
   * docs/operations.md.
   */
  maxStatusMessageBytes?: number | undefined;
  /**
   * Largest trailer block of a status, in bytes, as HTTP/2 counts it (name +
   * value + 32 per entry): status message, status details and trailers
   * together. Over it, violations are dropped from the details; trailers
   * still too large turn the status into INTERNAL, reported to `onError`.
   */
  maxTrailerBytes?: number | undefined;
  /**
   * Most field violations a validation error (request validation, masks,
   * REQUIRED fields) collects and sends; the validator stops once it has
   * them, so a request with a million bad items costs what one with this
   * many does.
   */
  maxViolations?: number | undefined;
}

/**
 * grpckit's server defaults, written down so that a grpc-js upgrade cannot
 * change them silently. Where gRPC's own default is "no limit", the value is
 * one that HTTP/2 servers and proxies use in production: see
 * docs/operations.md for the source of each.
 */
export const DEFAULT_SERVER_LIMITS = Object.freeze({
  /** 4 MiB, gRPC's default everywhere. */
  maxReceiveMessageBytes: 4 * 1024 * 1024,
  /** No limit (the client's receive limit applies), as in grpc-go. */
  maxSendMessageBytes: -1,
  /** 100: Envoy's edge recommendation, Kestrel's and Netty's default, RFC 9113's suggested minimum. */
  maxConcurrentStreams: 100,
  /** 10,000 calls: about 175 MB of server memory if all are idle streams (16-18 KB each). */
  maxConcurrentCalls: 10_000,
  /** None beyond `maxConcurrentCalls`. */
  maxConcurrentCallsPerMethod: undefined,
  /** 5 minutes: Envoy's stream_idle_timeout. */
  requestIdleTimeoutMs: 5 * 60 * 1000,
  /** 2 hours, gRPC's standard server keepalive. */
  keepaliveTimeMs: 2 * 60 * 60 * 1000,
  /** 20 seconds. */
  keepaliveTimeoutMs: 20_000,
  /** 1 hour. */
  maxConnectionAgeMs: 60 * 60 * 1000,
  /** 5 minutes. */
  maxConnectionAgeGraceMs: 5 * 60 * 1000,
  /** 1 hour: Envoy's connection idle_timeout. */
  maxConnectionIdleMs: 60 * 60 * 1000,
  /** 1 KiB. */
  maxStatusMessageBytes: DEFAULT_ANSWER_LIMITS.maxStatusMessageBytes,
  /** 7 KiB: under the 8 KiB of trailers that grpc-java and gRPC C-core clients accept by default. */
  maxTrailerBytes: DEFAULT_ANSWER_LIMITS.maxTrailerBytes,
  /** 100. */
  maxViolations: DEFAULT_MAX_VIOLATIONS,
} satisfies ServerLimits);

/**
 * The limits of what a server answers, the defaults filled in. Throws a
 * TypeError that names the field for a value that cannot work: a budget too
 * small for a status message with its marker, or a violations limit below 1.
 */
export function answerLimits(limits: ServerLimits = {}): AnswerLimits {
  const l = { ...DEFAULT_SERVER_LIMITS, ...defined(limits) };
  atLeast("maxViolations", l.maxViolations, 1);
  atLeast("maxStatusMessageBytes", l.maxStatusMessageBytes, 128);
  atLeast("maxTrailerBytes", l.maxTrailerBytes, l.maxStatusMessageBytes + 256);
  return { maxStatusMessageBytes: l.maxStatusMessageBytes, maxTrailerBytes: l.maxTrailerBytes };
}

function atLeast(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`limits.${field} must be an integer of at least ${min}, not ${String(value)}`);
  }
}

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

/** The grpc-js options of server limits, the defaults filled in. */
export function serverChannelOptions(limits: ServerLimits = {}): ChannelOptions {
  const l = resolveServerLimits(limits);
  return defined({
    "grpc.max_receive_message_length": l.maxReceiveMessageBytes,
    "grpc.max_send_message_length": l.maxSendMessageBytes,
    "grpc.max_concurrent_streams": finite(l.maxConcurrentStreams),
    "grpc.keepalive_time_ms": finite(l.keepaliveTimeMs),
    "grpc.keepalive_timeout_ms": finite(l.keepaliveTimeoutMs),
    "grpc.max_connection_age_ms": finite(l.maxConnectionAgeMs),
    "grpc.max_connection_age_grace_ms": finite(l.maxConnectionAgeGraceMs),
    "grpc.max_connection_idle_ms": finite(l.maxConnectionIdleMs),
  });
}

/** Server limits with the defaults filled in. */
export type ResolvedServerLimits = {
  readonly [K in keyof ServerLimits]-?: K extends "maxConcurrentCallsPerMethod" ? ServerLimits[K] : number;
};

/**
 * `limits` with the defaults filled in, checked: a value that is not a
 * number of the field's kind throws a TypeError that names the field.
 */
export function resolveServerLimits(limits: ServerLimits = {}): ResolvedServerLimits {
  const resolved = { ...DEFAULT_SERVER_LIMITS, ...defined(limits) };
  for (const [field, value] of Object.entries(resolved)) {
    if (field === "maxConcurrentCallsPerMethod") {
      checkPerMethod(value);
    } else if (ANSWER_FIELDS.has(field)) {
      // Checked by answerLimits, which knows how they bound each other (and takes no Infinity).
    } else if (!isLimit(value, MESSAGE_SIZES.has(field))) {
      throw new TypeError(
        `limits.${field} must be a whole number >= ${MESSAGE_SIZES.has(field) ? "-1" : "1"} or Infinity, not ${show(value)}`,
      );
    }
  }
  return resolved;
}

/** The bounds of answers, checked by {@link answerLimits}. */
const ANSWER_FIELDS = new Set(["maxStatusMessageBytes", "maxTrailerBytes", "maxViolations"]);

/** The fields where -1 means "no limit", as in grpc-js. */
const MESSAGE_SIZES = new Set(["maxReceiveMessageBytes", "maxSendMessageBytes"]);

function isLimit(value: unknown, minusOne: boolean): boolean {
  return (
    typeof value === "number" &&
    (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value >= 1 || (minusOne && value >= -1))))
  );
}

function checkPerMethod(value: unknown): void {
  if (value === undefined || isLimit(value, false)) {
    return;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(
      `limits.maxConcurrentCallsPerMethod must be a number or an object of method paths, not ${show(value)}`,
    );
  }
  for (const [path, cap] of Object.entries(value)) {
    if (!/^\/[^/]+\/[^/]+$/.test(path)) {
      throw new TypeError(
        `limits.maxConcurrentCallsPerMethod: "${path}" is not a method path like "/package.Service/Method"`,
      );
    }
    if (!isLimit(cap, false)) {
      throw new TypeError(
        `limits.maxConcurrentCallsPerMethod["${path}"] must be a whole number >= 1 or Infinity, not ${show(cap)}`,
      );
    }
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** grpc-js has no "infinite" value: such an option is left out, which means none. */
function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

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

function defined<T extends object>(record: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
