import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { type Duration, MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { type ClientPolicy, method as methodOption, type RetryPolicy } from "../gen/grpckit/v1/options_pb.js";

/*
 * The client model: the `(grpckit.v1.method).client` policies of a service's
 * methods (timeout, retries, waitForReady), checked for sense and turned
 * into the gRPC service config (JSON) of the service's generated client.
 * Pure: descriptors in, data out.
 */

/** A gRPC retry policy, as grpc-js reads it (runtime/client/service-config.ts: `RetryPolicyJson`). */
export interface RetryPolicyModel {
  readonly maxAttempts: number;
  readonly initialBackoff: string;
  readonly maxBackoff: string;
  readonly backoffMultiplier: number;
  readonly retryableStatusCodes: readonly string[];
}

/** The config of one method (`MethodConfigJson`). */
export interface MethodConfigModel {
  readonly name: readonly [{ readonly service: string; readonly method: string }];
  readonly timeout?: string;
  readonly waitForReady?: true;
  readonly retryPolicy?: RetryPolicyModel;
}

/** A service's client policies as a gRPC service config (`ServiceConfigJson`). */
export interface ServiceConfigModel {
  readonly methodConfig: readonly MethodConfigModel[];
}

/** A client policy that cannot work. Its message is one line that names the file, service, method, policy and fix. */
export class ClientPolicyError extends Error {
  override name = "ClientPolicyError";
}

/** What an unset retry policy field means: gRPC's usual values. */
export const RETRY_DEFAULTS = Object.freeze({
  initialBackoff: "0.1s",
  maxBackoff: "1s",
  backoffMultiplier: 2,
  retryableStatusCodes: Object.freeze(["UNAVAILABLE"]),
});

/** gRPC's status code names, as grpc-js takes them in a retry policy. */
const CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/**
 * The service config of `service`'s client policies, or undefined when no
 * method declares one. Throws a {@link ClientPolicyError} for the first
 * policy that cannot work, e.g. a retry policy on a method that is not
 * marked idempotent.
 */
export function serviceClientModel(service: DescService): ServiceConfigModel | undefined {
  const methodConfig: MethodConfigModel[] = [];
  for (const method of service.methods) {
    const policy = hasOption(method, methodOption) ? getOption(method, methodOption).client : undefined;
    if (policy !== undefined) {
      const config = methodConfigOf(policy, new Where(method));
      if (config !== undefined) {
        methodConfig.push(config);
      }
    }
  }
  if (methodConfig.length === 0) {
    return undefined;
  }
  // The checks of methodConfigOf leave nothing that grpc-js's own validation of a
  // service config refuses (test/client/policy.test.ts gives the output to a grpc-js channel).
  return { methodConfig };
}

class Where {
  constructor(readonly method: DescMethod) {}

  fail(what: string, why: string, fix: string): never {
    const service = this.method.parent;
    throw new ClientPolicyError(
      `invalid client policy in ${service.file.proto.name}: service ${service.typeName}, method ${this.method.name}: ${what}: ${why}; ${fix}`,
    );
  }
}

function methodConfigOf(policy: ClientPolicy, where: Where): MethodConfigModel | undefined {
  const timeout = policy.timeout === undefined ? undefined : positiveDuration(policy.timeout, "timeout", where);
  const retryPolicy = policy.retry === undefined ? undefined : retryPolicyOf(policy.retry, where);
  if (timeout === undefined && retryPolicy === undefined && !policy.waitForReady) {
    return undefined;
  }
  const { method } = where;
  return {
    name: [{ service: method.parent.typeName, method: method.name }],
    ...(timeout === undefined ? {} : { timeout }),
    ...(policy.waitForReady ? { waitForReady: true as const } : {}),
    ...(retryPolicy === undefined ? {} : { retryPolicy }),
  };
}

function retryPolicyOf(retry: RetryPolicy, where: Where): RetryPolicyModel {
  const { idempotency } = where.method;
  if (
    idempotency !== MethodOptions_IdempotencyLevel.IDEMPOTENT &&
    idempotency !== MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
  ) {
    where.fail(
      "retry",
      "the method is not marked safe to call twice, and a retried call may have taken effect the first time",
      "if calling it twice does no harm, add `option idempotency_level = IDEMPOTENT;` (or NO_SIDE_EFFECTS) to the rpc; otherwise remove the retry policy",
    );
  }
  if (retry.maxAttempts < 2 || retry.maxAttempts > 5) {
    where.fail(
      `retry.max_attempts ${retry.maxAttempts}`,
      retry.maxAttempts === 0 ? "is required" : "is out of range",
      "give the attempts in all, the first one included: 2 to 5 (grpc-js makes 5 at most)",
    );
  }
  const initialBackoff =
    retry.initialBackoff === undefined
      ? RETRY_DEFAULTS.initialBackoff
      : positiveDuration(retry.initialBackoff, "retry.initial_backoff", where);
  const maxBackoff =
    retry.maxBackoff === undefined
      ? maxOf(RETRY_DEFAULTS.maxBackoff, initialBackoff)
      : positiveDuration(retry.maxBackoff, "retry.max_backoff", where);
  if (seconds(maxBackoff) < seconds(initialBackoff)) {
    where.fail(
      `retry.max_backoff ${maxBackoff}`,
      `is shorter than initial_backoff ${initialBackoff}`,
      "make max_backoff at least initial_backoff",
    );
  }
  const multiplier = retry.backoffMultiplier;
  if (!Number.isFinite(multiplier) || multiplier < 0) {
    where.fail(`retry.backoff_multiplier ${multiplier}`, "is not a positive number", "use e.g. 2, or leave it out");
  }
  const codes = retry.retryableCodes.length === 0 ? RETRY_DEFAULTS.retryableStatusCodes : retry.retryableCodes;
  const seen = new Set<string>();
  for (const code of codes) {
    if (!CODE_NAMES.includes(code)) {
      const upper = code.toUpperCase().replaceAll(/[^A-Z]+/g, "_");
      where.fail(
        `retry.retryable_codes "${code}"`,
        "is not a gRPC status code name",
        CODE_NAMES.includes(upper) ? `write "${upper}"` : `use names such as "UNAVAILABLE" (${CODE_NAMES.join(", ")})`,
      );
    }
    if (code === "OK") {
      where.fail(`retry.retryable_codes "OK"`, "a call that succeeded is not retried", "remove it");
    }
    if (seen.has(code)) {
      where.fail(`retry.retryable_codes "${code}"`, "is listed twice", "list it once");
    }
    seen.add(code);
  }
  return {
    maxAttempts: retry.maxAttempts,
    initialBackoff,
    maxBackoff,
    backoffMultiplier: multiplier === 0 ? RETRY_DEFAULTS.backoffMultiplier : multiplier,
    retryableStatusCodes: [...codes],
  };
}

/** A duration as gRPC's JSON writes it, `"1.5s"`; it must be longer than 0. */
function positiveDuration(duration: Duration, what: string, where: Where): string {
  const { seconds: s, nanos } = duration;
  if (s < 0n || nanos < 0 || nanos > 999_999_999 || (s === 0n && nanos === 0)) {
    where.fail(
      `${what} ${s}s ${nanos}ns`,
      s === 0n && nanos === 0 ? "is zero" : "is not a valid positive duration",
      "give a duration longer than 0, e.g. {seconds: 2} or {nanos: 250000000}",
    );
  }
  const fraction = nanos === 0 ? "" : `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}`;
  return `${s}${fraction}s`;
}

function seconds(duration: string): number {
  return Number(duration.slice(0, -1));
}

function maxOf(a: string, b: string): string {
  return seconds(a) >= seconds(b) ? a : b;
}
