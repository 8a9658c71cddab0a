import type { ServiceError, StatusObject } from "@grpc/grpc-js";
import { Metadata, status } from "@grpc/grpc-js";
import { toMetadata } from "./metadata.js";
import type { MetadataInit } from "./service.js";
import { type FieldViolation, fieldViolationsOf } from "./status-details.js";

/**
 * The gRPC status codes: grpc-js's own `status` enum under a clearer name, so
 * `Code.NOT_FOUND` is a value and `Code` a type, interchangeable with grpc-js.
 */
export { status as Code };

type Code = status;
const Code = status;

const GO_CODE_NAMES: readonly string[] = [
  "OK",
  "Canceled",
  "Unknown",
  "InvalidArgument",
  "DeadlineExceeded",
  "NotFound",
  "AlreadyExists",
  "PermissionDenied",
  "ResourceExhausted",
  "FailedPrecondition",
  "Aborted",
  "OutOfRange",
  "Unimplemented",
  "Internal",
  "Unavailable",
  "DataLoss",
  "Unauthenticated",
];

/**
 * The name of a status code as grpc-go spells it (`OK`, `NotFound`,
 * `DeadlineExceeded`): the `grpc_code` label values of go-grpc-prometheus
 * and the `grpc.code` of go-grpc-middleware's logs, so existing dashboards
 * and queries work unchanged.
 */
export function codeName(code: Code): string {
  return GO_CODE_NAMES[code] ?? `Code(${code})`;
}

/** Options of {@link RpcError}. */
export interface RpcErrorOptions {
  /** Sent as trailers with the status by a server; the trailers received, on a client. */
  metadata?: MetadataInit | undefined;
  /** What caused this error; kept locally, never sent. */
  cause?: unknown;
}

/**
 * The one error type of grpckit: a gRPC status code, its message and its
 * metadata.
 *
 * On a server, throw it from a handler to answer with that status; its
 * metadata goes out as trailers. Any other exception answers `INTERNAL` with a
 * generic message. The server bounds what it sends (a long message is cut,
 * metadata too large to send turns the status INTERNAL): quote caller input
 * with `excerpt`. On a client, every failed call rejects (or throws from its
 * iterator) with an `RpcError` whose metadata holds the trailers received.
 *
 * @example
 * throw new RpcError(Code.NOT_FOUND, `user ${excerpt(req.userId)} not found`);
 */
export class RpcError extends Error {
  override name = "RpcError";
  /** The gRPC status code. */
  readonly code: Code;
  /** The status message as sent on the wire, without the code prefix of `message`. */
  readonly rawMessage: string;
  /** Trailers: sent with the status by a server, received by a client. */
  readonly metadata: Metadata;
  override readonly cause: unknown;
  #fieldViolations: readonly FieldViolation[] | undefined;

  constructor(code: Code, message = "", options: RpcErrorOptions = {}) {
    super(formatMessage(code, message));
    this.code = code;
    this.rawMessage = message;
    this.metadata = options.metadata === undefined ? new Metadata() : toMetadata(options.metadata);
    this.cause = options.cause;
  }

  /**
   * The field violations of the `google.rpc.BadRequest` in the status details
   * (the `grpc-status-details-bin` trailer), as any server that follows
   * Google's error model sends them with `INVALID_ARGUMENT`; grpckit's
   * request validation does. Empty when there are none. Decoded on first use.
   *
   * @example
   * catch (e) {
   *   for (const { field, description } of RpcError.from(e).fieldViolations) form.setError(field, description);
   * }
   */
  get fieldViolations(): readonly FieldViolation[] {
    this.#fieldViolations ??= Object.freeze(fieldViolationsOf(this.metadata));
    return this.#fieldViolations;
  }

  /**
   * Turns anything thrown into an `RpcError`: returns an `RpcError` as is,
   * converts a grpc-js `ServiceError` (code, details, metadata) and an
   * `AbortError`/`TimeoutError` (`CANCELLED`/`DEADLINE_EXCEEDED`), and wraps
   * anything else with `code` and the error's message, keeping it as `cause`.
   *
   * Do not use it to answer a client with an unexpected error: the message of
   * the wrapped error would reach the client. Servers answer those `INTERNAL`.
   */
  static from(reason: unknown, code: Code = Code.UNKNOWN): RpcError {
    if (reason instanceof RpcError) {
      return reason;
    }
    if (isStatusLike(reason)) {
      return new RpcError(reason.code, reason.details, {
        metadata: reason.metadata ?? undefined,
        cause: reason,
      });
    }
    if (reason instanceof Error) {
      if (reason.name === "AbortError") {
        return new RpcError(Code.CANCELLED, reason.message, { cause: reason });
      }
      if (reason.name === "TimeoutError") {
        return new RpcError(Code.DEADLINE_EXCEEDED, reason.message, { cause: reason });
      }
      return new RpcError(code, reason.message, { cause: reason });
    }
    return new RpcError(code, String(reason), { cause: reason });
  }

  /** Builds the error a client sees from a status it received. */
  static fromStatus(status: StatusObject): RpcError {
    return new RpcError(status.code, status.details, { metadata: status.metadata });
  }

  /**
   * The status to send for this error. `extraTrailers` (a handler's
   * `context.trailer`) are sent along with the error's own metadata.
   */
  toStatus(extraTrailers?: Metadata): StatusObject {
    const metadata = extraTrailers === undefined ? new Metadata() : extraTrailers.clone();
    metadata.merge(this.metadata);
    // A status of OK carries no response, so an "error" with code OK would
    // reach the client as a confusing protocol error.
    return { code: this.code === Code.OK ? Code.UNKNOWN : this.code, details: this.rawMessage, metadata };
  }

  /** A grpc-js `ServiceError` for this error, for code that speaks grpc-js. */
  toServiceError(): ServiceError {
    return Object.assign(new Error(this.message), {
      code: this.code,
      details: this.rawMessage,
      metadata: this.metadata,
    });
  }
}

function formatMessage(code: Code, message: string): string {
  const name = Code[code] ?? `code ${code}`;
  return message === "" ? `${code} ${name}` : `${code} ${name}: ${message}`;
}

interface StatusLike {
  code: Code;
  details: string;
  metadata?: Metadata | null | undefined;
}

/** A grpc-js `ServiceError` or `StatusObject`: a valid numeric code and a details string. */
function isStatusLike(value: unknown): value is StatusLike {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const { code, details, metadata } = value as Record<string, unknown>;
  return (
    typeof code === "number" &&
    Number.isInteger(code) &&
    code >= 0 &&
    code <= 16 &&
    typeof details === "string" &&
    (metadata === undefined || metadata === null || metadata instanceof Metadata)
  );
}
