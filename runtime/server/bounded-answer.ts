import { create, toBinary } from "@bufbuild/protobuf";
import { type Any, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { Code } from "../errors.js";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { type Status, StatusSchema } from "../gen/google/rpc/status_pb.js";
import { STATUS_DETAILS_KEY, statusDetailsOf } from "../status-details.js";

/*
 * The one place where the size of what a server answers is bounded: every
 * status (an error's, or OK with the handler's trailers) passes through
 * `boundStatus` right before grpc-js sends it (server/call-state.ts).
 *
 * Why: the status message, the status details and the trailers travel in
 * one HTTP/2 header block. gRPC's protocol suggests that clients accept 8 KiB
 * of trailers; grpc-java and gRPC C-core (Python, C++, Ruby, PHP) refuse more
 * by default, and a grpc-js client on Node stalls its whole connection on a
 * header block of about 64 KiB, so every other call on that channel fails at
 * its deadline. A server must never be the one that sends that.
 */

/** The size limits of what a server answers. See {@link DEFAULT_ANSWER_LIMITS}. */
export interface AnswerLimits {
  /**
   * Largest status message (`grpc-message`, as sent: percent-encoded), in
   * bytes. A longer one is cut, with a marker.
   */
  readonly maxStatusMessageBytes: number;
  /**
   * Largest trailer block of a status, in bytes, counted as HTTP/2 counts a
   * header list (RFC 7541: name + value + 32 per entry, binary values in
   * base64): `grpc-status`, `grpc-message`, the status details and the
   * handler's trailers together. Over it, the violations of the details are
   * dropped from the end until they fit; if the trailers still do not fit, the
   * call answers INTERNAL without them, and `onError` hears why.
   */
  readonly maxTrailerBytes: number;
}

/** grpckit's limits: 7 KiB of trailers, leaving room for the fixed entries under the 8 KiB clients accept. */
export const DEFAULT_ANSWER_LIMITS: AnswerLimits = Object.freeze({
  maxStatusMessageBytes: 1024,
  maxTrailerBytes: 7 * 1024,
});

/** What a status answered INTERNAL for its size says. */
export const OVERSIZED_MESSAGE = "internal error: the answer's metadata was too large to send";

/** The error `onError` receives when a status had to be replaced for its size. */
export class OversizedAnswerError extends Error {
  override name = "OversizedAnswerError";
}

/** A status as it may be sent, and why it had to be replaced, if it was. */
export interface BoundedStatus {
  readonly status: StatusObject;
  /** Set when the status was replaced by INTERNAL: for `onError`. */
  readonly problem: OversizedAnswerError | undefined;
}

const MARKER = "… (truncated)";
/** Room kept in a message for the note on dropped violations. */
const NOTE_ROOM = 96;
/** RFC 7541's overhead of one header entry. */
const ENTRY = 32;

/**
 * The status to send for `status`: unchanged when it fits `limits` (the
 * common case, at the cost of adding up its sizes), else with its message
 * cut, its details' violations dropped from the end, or, when its trailers
 * alone are too large, replaced by INTERNAL without them.
 */
export function boundStatus(status: StatusObject, path: string, limits: AnswerLimits): BoundedStatus {
  const { code, metadata } = status;
  let message = clip(status.details, limits.maxStatusMessageBytes);
  const headers = metadata.toHttp2Headers();
  const trailerBytes = sizeOf(headers);
  const fixed = entry("grpc-status", String(code).length);
  if (fixed + entry("grpc-message", encodeURI(message).length) + trailerBytes <= limits.maxTrailerBytes) {
    return { status: message === status.details ? status : { ...status, details: message }, problem: undefined };
  }
  let trailers = metadata;
  let detailBytes = 0;
  const details = headers[STATUS_DETAILS_KEY] === undefined ? undefined : statusDetailsOf(metadata);
  if (headers[STATUS_DETAILS_KEY] !== undefined) {
    // Details that do not decode as a google.rpc.Status cannot be shrunk: they are left out.
    trailers = metadata.clone();
    trailers.remove(STATUS_DETAILS_KEY);
    detailBytes = sizeOf({ [STATUS_DETAILS_KEY]: headers[STATUS_DETAILS_KEY] });
  }
  if (details !== undefined) {
    message = clip(message, limits.maxStatusMessageBytes - NOTE_ROOM);
    const others = trailerBytes - detailBytes;
    const room = limits.maxTrailerBytes - fixed - entry("grpc-message", limits.maxStatusMessageBytes) - others;
    const shrunk = shrinkDetails(
      details,
      code,
      message,
      Math.floor((room - ENTRY - STATUS_DETAILS_KEY.length) / 4) * 3,
    );
    if (shrunk !== undefined) {
      message = shrunk.message;
      trailers.set(STATUS_DETAILS_KEY, shrunk.bytes);
    }
  }
  const size = fixed + entry("grpc-message", encodeURI(message).length) + sizeOf(trailers.toHttp2Headers());
  if (size <= limits.maxTrailerBytes) {
    return { status: { code, details: message, metadata: trailers }, problem: undefined };
  }
  const problem = new OversizedAnswerError(
    `the ${Code[code] ?? code} status of ${path} had ${size} bytes of trailers (${largest(headers)}), over the ` +
      `limit of ${limits.maxTrailerBytes} (limits.maxTrailerBytes); it was answered INTERNAL without them`,
  );
  return { status: { code: Code.INTERNAL, details: OVERSIZED_MESSAGE, metadata: new Metadata() }, problem };
}

/**
 * Throws an {@link OversizedAnswerError} when response headers (sent by
 * `context.sendHeader`) would not fit `limits.maxTrailerBytes`: they are a
 * header block too, and a client refuses a large one the same way.
 */
export function checkHeaders(headers: Metadata, path: string, limits: AnswerLimits): void {
  const entries = headers.toHttp2Headers();
  const size = sizeOf(entries);
  if (size > limits.maxTrailerBytes) {
    throw new OversizedAnswerError(
      `the response headers of ${path} had ${size} bytes (${largest(entries)}), over the limit of ` +
        `${limits.maxTrailerBytes} (limits.maxTrailerBytes); they were not sent`,
    );
  }
}

/** What an entry costs in a header list. */
function entry(name: string, valueBytes: number): number {
  return ENTRY + name.length + valueBytes;
}

/** What the entries of `headers` (grpc-js's HTTP/2 form of metadata) cost. */
function sizeOf(headers: Record<string, string | string[] | number | undefined>): number {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) {
      for (const item of value) {
        bytes += entry(name, Buffer.byteLength(item));
      }
    } else if (value !== undefined) {
      bytes += entry(name, Buffer.byteLength(String(value)));
    }
  }
  return bytes;
}

/** The largest trailers, for the report: `x-debug: 200000 bytes`. */
function largest(headers: Record<string, string | string[] | number | undefined>): string {
  return Object.entries(headers)
    .map(([name, value]) => ({ name, bytes: sizeOf({ [name]: value }) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map(({ name, bytes }) => `${name}: ${bytes} bytes`)
    .join(", ");
}

/**
 * `message` cut so that its percent-encoded form (as grpc-js sends it) has at
 * most `maxBytes` bytes, marker included; lone surrogates, which grpc-js
 * could not encode at all, become U+FFFD.
 */
export function clip(message: string, maxBytes: number): string {
  let text = message;
  if (/[\ud800-\udfff]/u.test(text)) {
    text = text.replace(/[\ud800-\udfff]/gu, "\ufffd");
  }
  // A UTF-16 unit is at most 9 bytes percent-encoded (3 UTF-8 bytes, %XX each).
  if (text.length * 9 <= maxBytes || encodedLength(text, maxBytes) <= maxBytes) {
    return text;
  }
  const room = Math.max(0, maxBytes - MARKER.length * 3);
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const point = text.codePointAt(end) as number;
    const units = point > 0xffff ? 2 : 1;
    const cost = encodedLength(text.slice(end, end + units), 12);
    if (bytes + cost > room) {
      break;
    }
    bytes += cost;
    end += units;
  }
  return `${text.slice(0, end)}${MARKER}`;
}

/** The length of `encodeURI(text)`, counted up to a little past `stop`. */
function encodedLength(text: string, stop: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= stop; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      bytes += UNRESERVED.test(text[i] as string) ? 1 : 3;
    } else if (c < 0x800) {
      bytes += 6;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 12;
      i++;
    } else {
      bytes += 9;
    }
  }
  return bytes;
}

/** What encodeURI leaves as it is. */
const UNRESERVED = /[A-Za-z0-9;,/?:@&=+$\-_.!~*'()#]/;

/**
 * The status details with as many of their field violations as fit in
 * `maxBytes` (encoded), the first ones kept, and a message that says how many
 * were left out; undefined when not even the details without violations fit.
 */
function shrinkDetails(
  details: Status,
  code: number,
  message: string,
  maxBytes: number,
): { bytes: Buffer; message: string } | undefined {
  const violations = details.details.flatMap((any) => anyUnpack(any, BadRequestSchema)?.fieldViolations ?? []);
  const others = details.details.filter((any) => anyUnpack(any, BadRequestSchema) === undefined);
  const encode = (kept: number, withOthers: boolean): { bytes: Buffer; message: string } => {
    const note =
      kept === violations.length
        ? ""
        : ` (${violations.length - kept} more violations not sent: the answer is bounded)`;
    const text = `${message}${note}`;
    const parts: Any[] = withOthers ? [...others] : [];
    if (violations.length > 0) {
      parts.unshift(
        anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations: violations.slice(0, kept) })),
      );
    }
    const bytes = toBinary(StatusSchema, create(StatusSchema, { code, message: text, details: parts }));
    return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), message: text };
  };
  for (const withOthers of [true, false]) {
    let fit = encode(0, withOthers);
    if (fit.bytes.length > maxBytes) {
      continue;
    }
    // The most violations that fit: the encoded size grows with each one.
    let low = 0;
    let high = violations.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      const attempt = encode(mid, withOthers);
      if (attempt.bytes.length <= maxBytes) {
        low = mid;
        fit = attempt;
      } else {
        high = mid - 1;
      }
    }
    return fit;
  }
  return undefined;
}
