import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import type { Metadata } from "@grpc/grpc-js";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";
import { type Status, StatusSchema } from "./gen/google/rpc/status_pb.js";

/**
 * One broken rule: the shape of a `google.rpc.BadRequest.FieldViolation`, so
 * that what `validate` returns, what a server sends and what a client decodes
 * are the same data.
 *
 * - `field`: the path of the field from the validated message, with proto
 *   field names, list indexes and map keys: `items[2].quantity`,
 *   `metadata["tier"]`, `scores[7]`.
 * - `description`: what the value must be, in English: `must be greater than 0`.
 * - `reason`: the rule, in the UPPER_SNAKE_CASE form google.rpc asks for:
 *   `INT32_GT` for `int32.gt`, `REQUIRED` (also of a oneof: its field is the oneof's name); a rule on map keys
 *   is prefixed `MAP_KEYS_` (its path is the entry's).
 */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
  readonly reason: string;
}

/**
 * How many field violations a server's validation error carries by default:
 * the validators stop collecting past it (`limits.maxViolations`).
 */
export const DEFAULT_MAX_VIOLATIONS = 100;

/**
 * The path of a map entry: `metadata["tier"]` for string keys (quoted as JSON
 * strings, so any key reads back unambiguously), `scores[7]` and `flags[true]`
 * for the others.
 */
export function mapEntryPath(field: string, key: string, quoted: boolean): string {
  return quoted ? `${field}[${JSON.stringify(key)}]` : `${field}[${key}]`;
}

/**
 * `field: description; ...`, at most `limit` of them, for a status message;
 * `more`: there were more violations than `violations` holds (collecting
 * stopped at a limit).
 */
export function describeViolations(violations: readonly FieldViolation[], limit = 10, more = false): string {
  // A rule of the message itself (`(buf.validate.message).oneof`) has no field.
  const shown = violations
    .slice(0, limit)
    .map((v) => (v.field === "" ? v.description : `${v.field}: ${v.description}`));
  if (violations.length > limit) {
    shown.push(
      more ? `and ${violations.length - limit} more, and more not checked` : `and ${violations.length - limit} more`,
    );
  } else if (more) {
    shown.push("and more not checked");
  }
  return shown.join("; ");
}

/**
 * The trailer that carries a `google.rpc.Status` with typed error details, as
 * Google APIs send it; every gRPC implementation can decode it (grpc-go's
 * `status.FromError`, Python's `grpc_status.rpc_status.from_call`, ...).
 */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/**
 * Encodes a `google.rpc.Status` with one `google.rpc.BadRequest` detail that
 * lists `violations`, for the {@link STATUS_DETAILS_KEY} trailer.
 */
export function encodeBadRequestStatus(code: number, message: string, violations: readonly FieldViolation[]): Buffer {
  const badRequest = create(BadRequestSchema, {
    fieldViolations: violations.map(({ field, description, reason }) => ({ field, description, reason })),
  });
  const status = create(StatusSchema, { code, message, details: [anyPack(BadRequestSchema, badRequest)] });
  const bytes = toBinary(StatusSchema, status);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The `google.rpc.Status` of the {@link STATUS_DETAILS_KEY} trailer in
 * `metadata`, or undefined if there is none or it does not decode.
 */
export function statusDetailsOf(metadata: Metadata): Status | undefined {
  const [value] = metadata.get(STATUS_DETAILS_KEY);
  if (!(value instanceof Uint8Array)) {
    return undefined;
  }
  try {
    return fromBinary(StatusSchema, value);
  } catch {
    return undefined;
  }
}

/** The field violations of every `google.rpc.BadRequest` in the status details of `metadata`. */
export function fieldViolationsOf(metadata: Metadata): FieldViolation[] {
  const status = statusDetailsOf(metadata);
  if (status === undefined) {
    return [];
  }
  const violations: FieldViolation[] = [];
  for (const detail of status.details) {
    const badRequest = anyUnpack(detail, BadRequestSchema);
    for (const { field, description, reason } of badRequest?.fieldViolations ?? []) {
      violations.push({ field, description, reason });
    }
  }
  return violations;
}
