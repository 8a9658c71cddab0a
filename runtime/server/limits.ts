import type { ChannelOptions } from "@grpc/grpc-js";
import { defined } from "../internal/defined.js";
import { DEFAULT_MAX_VIOLATIONS } from "../status-details.js";
import { DEFAULT_ANSWER_LIMITS } from "./bounded-answer.js";

/*
 * A server's limits: named, documented limits over grpc-js's flat `grpc.*`
 * channel options (each such field maps to one option; `channelOptions`
 * passed beside them still wins, for whatever these do not cover), and
 * grpckit's own (admission of calls, idle requests, bounded answers).
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
 * `limits` with the defaults filled in, checked against {@link RULES}: a
 * field that is no server limit, or a value that cannot work, throws a
 * TypeError that names the field.
 */
export function resolveServerLimits(limits: ServerLimits = {}): ResolvedServerLimits {
  for (const field of Object.keys(limits)) {
    if (!Object.hasOwn(RULES, field)) {
      throw new TypeError(`limits.${field} is no server limit; they are ${Object.keys(RULES).join(", ")}`);
    }
  }
  const resolved: ResolvedServerLimits = { ...DEFAULT_SERVER_LIMITS, ...defined(limits) };
  // In the order of RULES: a rule may rely on the fields checked before it.
  for (const [field, rule] of Object.entries(RULES)) {
    const wrong = rule(resolved[field as keyof ServerLimits], resolved);
    if (wrong !== undefined) {
      throw new TypeError(`limits.${field}${wrong}`);
    }
  }
  return resolved;
}

/**
 * What is wrong with the value of one field, said after `limits.<field>`
 * (e.g. ` must be ...`), or undefined when it is fine. `limits` are all the
 * fields, the defaults filled in, for a bound that depends on another field.
 */
type Rule = (value: unknown, limits: ResolvedServerLimits) => string | undefined;

/** A count or a duration: a whole number from `min` (-1 for a message size: no limit), or Infinity for none. */
const wholeOrInfinity =
  (min: 1 | -1): Rule =>
  (value) =>
    isLimit(value, min === -1) ? undefined : ` must be a whole number >= ${min} or Infinity, not ${show(value)}`;

/** A bound of answers: a byte or item count of at least `min`, never Infinity (it is a budget that is spent). */
const integerAtLeast =
  (min: (limits: ResolvedServerLimits) => number): Rule =>
  (value, limits) =>
    Number.isInteger(value) && (value as number) >= min(limits)
      ? undefined
      : ` must be an integer of at least ${min(limits)}, not ${show(value)}`;

/** The rule of each field, one table for every check (and the list of the fields there are). */
const RULES: { readonly [K in keyof ServerLimits]-?: Rule } = {
  maxReceiveMessageBytes: wholeOrInfinity(-1),
  maxSendMessageBytes: wholeOrInfinity(-1),
  maxConcurrentStreams: wholeOrInfinity(1),
  maxConcurrentCalls: wholeOrInfinity(1),
  maxConcurrentCallsPerMethod: (value) => (value === undefined ? undefined : perMethod(value)),
  requestIdleTimeoutMs: wholeOrInfinity(1),
  keepaliveTimeMs: wholeOrInfinity(1),
  keepaliveTimeoutMs: wholeOrInfinity(1),
  maxConnectionAgeMs: wholeOrInfinity(1),
  maxConnectionAgeGraceMs: wholeOrInfinity(1),
  maxConnectionIdleMs: wholeOrInfinity(1),
  // Room for a status message with its "truncated" marker.
  maxStatusMessageBytes: integerAtLeast(() => 128),
  // Room for the status message and the entries every status carries; after maxStatusMessageBytes.
  maxTrailerBytes: integerAtLeast((limits) => limits.maxStatusMessageBytes + 256),
  maxViolations: integerAtLeast(() => 1),
};

function isLimit(value: unknown, minusOne: boolean): boolean {
  return (
    typeof value === "number" &&
    (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && (value >= 1 || (minusOne && value >= -1))))
  );
}

/** A limit for every method, or one per method path. */
function perMethod(value: unknown): string | undefined {
  if (isLimit(value, false)) {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return ` must be a number or an object of method paths, not ${show(value)}`;
  }
  for (const [path, cap] of Object.entries(value)) {
    if (!/^\/[^/]+\/[^/]+$/.test(path)) {
      return `: "${path}" is not a method path like "/package.Service/Method"`;
    }
    if (!isLimit(cap, false)) {
      return `["${path}"] must be a whole number >= 1 or Infinity, not ${show(cap)}`;
    }
  }
  return undefined;
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** grpc-js has no "infinite" value: such an option is left out, which means none. */
function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}
