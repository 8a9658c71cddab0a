import { createRegistry, type JsonValue, toJson } from "@bufbuild/protobuf";
import type { StatusObject } from "@grpc/grpc-js";
import { Code } from "../errors.js";
import { file_google_rpc_error_details } from "../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { statusDetailsOf } from "../status-details.js";

/*
 * gRPC statuses as HTTP answers, the way grpc-gateway (runtime.HTTPStatusFromCode)
 * and Google's APIs map them, with a `google.rpc.Status` JSON body.
 */

const httpStatusByCode: Record<number, number> = {
  [Code.OK]: 200,
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.UNAUTHENTICATED]: 401,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.DATA_LOSS]: 500,
};

/** The HTTP status of a gRPC code, as grpc-gateway maps it; 500 for a code it does not know. */
export function httpStatusOf(code: number): number {
  return httpStatusByCode[code] ?? 500;
}

// Error details are google.protobuf.Any; these are the types a server of grpckit sends (BadRequest, ...).
const detailsRegistry = createRegistry(file_google_rpc_error_details);

/**
 * The `google.rpc.Status` JSON of a status: its code and message, and the
 * details of its `grpc-status-details-bin` trailer (e.g. a BadRequest's field
 * violations), as grpc-gateway writes it.
 */
export function statusJson(status: StatusObject): JsonValue {
  // Every status here is already bounded: a call's went through boundStatus (CallState.fail), as on
  // gRPC, and the gateway's own (routing, the body) quote the request only through excerpt().
  const message = status.details;
  const rich = statusDetailsOf(status.metadata);
  let details: JsonValue = [];
  if (rich !== undefined) {
    try {
      const json = toJson(StatusSchema, rich, { registry: detailsRegistry }) as { details?: JsonValue };
      details = json.details ?? [];
    } catch {
      // A detail of a type outside the registry: the code and message still go.
    }
  }
  return { code: status.code, message, details };
}
