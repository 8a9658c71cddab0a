import type { DescField, DescMessage, MessageShape } from "@bufbuild/protobuf";
import { invalidArgument } from "../bad-request.js";
import { messageFrom } from "../codec.js";
import type { AnyMessage, ServerInterceptor, ServerResult } from "../interceptor.js";
import { streamMessage, withCheckedRequests } from "../internal/checked-requests.js";
import { registerSchemaInterceptor } from "../server/schema-interceptors.js";
import type { MethodSpec, ResponseInit } from "../service.js";
import { DEFAULT_MAX_VIOLATIONS, type FieldViolation } from "../status-details.js";
import { maskViolations } from "./errors.js";
import type { ReadMaskSpec, UpdateMaskSpec } from "./method-masks.js";
import { parseReadMask, type ReadMask } from "./read-mask.js";
import { requiredCheck } from "./required.js";
import { parseUpdateMask } from "./update-mask.js";

type Raw = Record<string, unknown>;
type Maskable = (response: ResponseInit<DescMessage>, mask: ReadMask) => AnyMessage;

/**
 * The server interceptor of a method's masks and REQUIRED fields, or
 * undefined when it has none. Before the handler: the REQUIRED fields of the
 * request are set, the update mask's paths name fields an update may change,
 * the read mask's paths name fields of the response; all the violations go
 * in one INVALID_ARGUMENT. After it: each response is pruned to the read
 * mask (every message of a stream). At most `options.maxViolations`
 * violations are collected and sent (default 100).
 */
export function fieldMaskInterceptor(
  method: MethodSpec,
  options: { maxViolations?: number | undefined } = {},
): ServerInterceptor | undefined {
  const maxViolations = options.maxViolations ?? DEFAULT_MAX_VIOLATIONS;
  // One past the limit tells the error that there were more.
  const collect = maxViolations + 1;
  const read = method.masks?.read;
  const update = method.masks?.update;
  const requestStream = method.kind === "client_streaming" || method.kind === "bidi_streaming";
  if (requestStream && (read !== undefined || update !== undefined)) {
    throw new TypeError(`${method.path} declares field masks, which only methods with one request can have`);
  }
  const required = requiredCheck(method.input, update?.resource);
  if (read === undefined && update === undefined && required === undefined) {
    return undefined;
  }
  const readSchema = read === undefined ? undefined : maskedType(method, read);
  const updateSchema = update === undefined ? undefined : resourceType(method, update);
  const applyTo = read === undefined ? undefined : maskable(method.output, read.target);
  const what = method.input.typeName;

  if (requestStream) {
    const check = required as NonNullable<typeof required>;
    return (next) => (call) => {
      if (!call.requestStream) {
        return next(call);
      }
      return withCheckedRequests(next, call, (message, position) => {
        const violations = check(message, collect);
        return violations.length === 0
          ? undefined
          : invalidArgument(streamMessage(what, position), violations, maxViolations);
      });
    };
  }

  // Not async: a request without masks and with its REQUIRED fields set (the
  // common case) goes straight on, without a frame or a hop of its own.
  return (next) => (call) => {
    if (call.requestStream) {
      return next(call);
    }
    const request = call.request as Raw;
    const violations: FieldViolation[] = required === undefined ? [] : required(call.request, collect);
    if (update !== undefined && updateSchema !== undefined) {
      const parsed = parseUpdateMask(updateSchema, pathsOf(request, update.field), collect);
      if (Array.isArray(parsed)) {
        violations.push(...maskViolations(parsed, update.field.name));
      }
    }
    let mask: ReadMask | undefined;
    if (read !== undefined && readSchema !== undefined) {
      const parsed = parseReadMask(readSchema, pathsOf(request, read.field), collect);
      if (Array.isArray(parsed)) {
        violations.push(...maskViolations(parsed, read.field.name));
      } else if (!parsed.everything) {
        mask = parsed;
      }
    }
    if (violations.length > 0) {
      return Promise.reject(invalidArgument(what, violations, maxViolations));
    }
    if (mask === undefined || applyTo === undefined) {
      return next(call);
    }
    const readMask = mask;
    return next(call).then((result): ServerResult => {
      if (!result.responseStream) {
        return { responseStream: false, response: applyTo(result.response, readMask) };
      }
      return { responseStream: true, responses: pruned(result.responses, applyTo, readMask) };
    });
  };
}

async function* pruned(
  responses: AsyncIterable<ResponseInit<DescMessage>>,
  applyTo: Maskable,
  mask: ReadMask,
): AsyncGenerator<AnyMessage, void, undefined> {
  for await (const response of responses) {
    yield applyTo(response, mask);
  }
}

function pathsOf(request: Raw, field: DescField): readonly string[] {
  const mask = request[field.localName] as { paths?: readonly string[] } | undefined;
  return mask?.paths ?? [];
}

function maskedType(method: MethodSpec, spec: ReadMaskSpec): DescMessage {
  checkMaskField(method, spec.field);
  const { target } = spec;
  if (target === undefined) {
    return method.output;
  }
  const type = messageTypeOf(target);
  if (target.parent !== method.output || type === undefined) {
    throw new TypeError(
      `the read mask target of ${method.path} must be a field of ${method.output.typeName} that holds messages (a message, a list or a map of them)`,
    );
  }
  return type;
}

function messageTypeOf(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

function resourceType(method: MethodSpec, spec: UpdateMaskSpec): DescMessage {
  checkMaskField(method, spec.field);
  const { resource } = spec;
  if (resource.parent !== method.input || resource.fieldKind !== "message") {
    throw new TypeError(
      `the update mask resource of ${method.path} must be a message field of ${method.input.typeName}`,
    );
  }
  return resource.message;
}

function checkMaskField(method: MethodSpec, field: DescField): void {
  if (
    field.parent !== method.input ||
    field.fieldKind !== "message" ||
    field.message.typeName !== "google.protobuf.FieldMask"
  ) {
    throw new TypeError(
      `the masks of ${method.path} must be google.protobuf.FieldMask fields of ${method.input.typeName}`,
    );
  }
}

/**
 * How a response is pruned: itself, or the message(s) of its target field
 * in a shallow copy of it (the handler's response is never changed).
 */
function maskable(output: DescMessage, target: DescField | undefined): Maskable {
  const toMessage = (response: ResponseInit<DescMessage>): Raw => messageFrom(output, response) as unknown as Raw;
  if (target === undefined) {
    return (response, mask) => mask.apply(toMessage(response) as unknown as MessageShape<DescMessage>);
  }
  const name = target.localName;
  const group = target.oneof?.localName;
  const apply = (value: unknown, mask: ReadMask): unknown => mask.apply(value as MessageShape<DescMessage>);
  let prune: (value: unknown, mask: ReadMask) => unknown;
  switch (target.fieldKind) {
    case "list":
      prune = (value, mask) => (value as unknown[]).map((item) => apply(item, mask));
      break;
    case "map":
      prune = (value, mask) => {
        const out: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          out[key] = apply(item, mask);
        }
        return out;
      };
      break;
    default:
      prune = apply;
  }
  return (response, mask) => {
    const message = toMessage(response);
    const copy = Object.assign(Object.create(Object.getPrototypeOf(message)), message) as Raw;
    if (group !== undefined) {
      const value = message[group] as { case: string | undefined; value?: unknown };
      if (value.case === name) {
        copy[group] = { case: name, value: prune(value.value, mask) };
      }
    } else if (message[name] !== undefined) {
      copy[name] = prune(message[name], mask);
    }
    return copy as unknown as AnyMessage;
  };
}

// Innermost of the schema's interceptors: after auth and validation, right around the handler.
registerSchemaInterceptor("masks", (method, { options }) =>
  fieldMaskInterceptor(method, { maxViolations: options.limits?.maxViolations }),
);
