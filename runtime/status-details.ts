import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import type { Metadata } from "@grpc/grpc-js";
import { BadRequestSchema } from "./gen/google/rpc/error_details_pb.js";
import { type Status, StatusSchema } from "./gen/google/rpc/status_pb.js";
import type { FieldViolation } from "./validate/violation.js";

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
