import type { DescMessage, JsonValue, Registry } from "@bufbuild/protobuf";
import { isMessage } from "@bufbuild/protobuf";
import { Code, RpcError } from "../../errors.js";
import type { AnyMessage, ClientCall, ClientInterceptor, ServerCall, ServerInterceptor } from "../../interceptor.js";
import type { MethodSpec } from "../../service.js";
import { traceIdKey } from "../keys.js";
import {
  type CallEnd,
  type CallObserver,
  codeName,
  grpcType,
  observingClientInterceptor,
  observingServerInterceptor,
} from "../observe-call.js";
import { redactedJson } from "./redact.js";

export { isRedacted, REDACTED, redactedJson } from "./redact.js";

/**
 * Where log lines go: the three levels grpckit writes, each taking the
 * line's fields and a message. A pino logger satisfies it as it is; so does
 * a thin adapter over any other logger.
 */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A log level of {@link Logger}, or "off" to write no line. */
export type LogLevel = "info" | "warn" | "error" | "off";

/** Options of {@link serverLogging} and {@link clientLogging}. */
export interface LoggingOptions {
  /** Where the lines go: pino, or any {@link Logger}. */
  logger: Logger;
  /**
   * The level of a call's line by its status code. Default
   * {@link defaultLevelFor}: as go-grpc-middleware's servers, `info` for
   * OK and the caller's mistakes, `warn` for refusals and limits, `error`
   * for the server's own failures.
   */
  levelFor?: ((code: Code) => LogLevel) | undefined;
  /**
   * Logs the messages of each call too (`grpc.request.content`,
   * `grpc.response.content`), as protobuf JSON with every field marked
   * `[debug_redact = true]` redacted. Off by default: bodies carry personal
   * data that only the schema's marks keep out of the logs.
   */
  logBodies?: boolean | undefined;
  /** With `logBodies`, how many messages of a stream to log, the first ones. Default 10. */
  maxStreamBodies?: number | undefined;
  /** With `logBodies`, resolves the contents of `google.protobuf.Any` fields. */
  registry?: Registry | undefined;
  /** More fields for each line, e.g. a request id from the metadata. */
  fields?: ((call: ServerCall | ClientCall) => Record<string, unknown>) | undefined;
}

/**
 * go-grpc-middleware's default server mapping: `info` for OK, CANCELLED,
 * INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, UNAUTHENTICATED; `warn` for
 * DEADLINE_EXCEEDED, PERMISSION_DENIED, RESOURCE_EXHAUSTED,
 * FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE; `error` for the rest (UNKNOWN,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS).
 */
export function defaultLevelFor(code: Code): LogLevel {
  switch (code) {
    case Code.OK:
    case Code.CANCELLED:
    case Code.INVALID_ARGUMENT:
    case Code.NOT_FOUND:
    case Code.ALREADY_EXISTS:
    case Code.UNAUTHENTICATED:
      return "info";
    case Code.DEADLINE_EXCEEDED:
    case Code.PERMISSION_DENIED:
    case Code.RESOURCE_EXHAUSTED:
    case Code.FAILED_PRECONDITION:
    case Code.ABORTED:
    case Code.OUT_OF_RANGE:
      return "warn";
    default:
      return "error";
  }
}

/** The message of every line. */
export const LOG_MESSAGE = "finished call";

/**
 * Writes one structured line per server call when it ends:
 *
 * ```
 * { "grpc.component": "server", "grpc.service": "ecommerce.v1.UserService", "grpc.method": "GetUser",
 *   "grpc.method_type": "unary", "grpc.code": "NotFound", "grpc.time_ms": 1.234,
 *   "peer.address": "127.0.0.1:53122", "trace_id": "4bf9…", "grpc.error": "user u9 not found" }  finished call
 * ```
 *
 * Field names follow go-grpc-middleware's logging; `grpc.code` is the code's
 * name as grpc-go spells it. `trace_id` appears when a tracing interceptor
 * runs before this one; `grpc.request.count` and `grpc.response.count` for
 * methods with a stream; `grpc.error` for a failed call: the status message
 * the client got, as sent (whatever interceptor mapped the error, and bounded
 * as the server bounds it); `grpc.exception` beside it when the call failed
 * with an exception that is not an RpcError: its own message, which the
 * client never sees. Bodies only with `logBodies`, redacted.
 *
 * @example
 * import pino from "pino";
 * createServer({ interceptors: [recovery(), serverLogging({ logger: pino() })] });
 */
export function serverLogging(options: LoggingOptions): ServerInterceptor {
  const line = lineWriter(options, "server");
  return observingServerInterceptor((call) => ({ observer: new CallLog(line, call, options) }));
}

/**
 * Writes one structured line per client call when it ends, with the same
 * fields as {@link serverLogging} (`grpc.component` is `client`, and there is
 * no peer).
 *
 * @example
 * createClient(UserService, address, { interceptors: [clientTracing(), clientLogging({ logger })] });
 */
export function clientLogging(options: LoggingOptions): ClientInterceptor {
  const line = lineWriter(options, "client");
  return observingClientInterceptor((call) => ({ observer: new CallLog(line, call, options) }));
}

/**
 * One call's line, written when it ends; with `logBodies`, its bodies.
 * One object per call, its methods on the prototype.
 */
class CallLog implements CallObserver {
  private readonly started = performance.now();
  private readonly bodies: Bodies | undefined;

  constructor(
    private readonly line: Line,
    private readonly call: ServerCall | ClientCall,
    options: LoggingOptions,
  ) {
    this.bodies = options.logBodies === true ? new Bodies(call.method, options) : undefined;
  }

  onRequest(message: AnyMessage): void {
    this.bodies?.request(message);
  }

  onResponse(message: unknown): void {
    this.bodies?.response(message);
  }

  onEnd(end: CallEnd): void {
    this.line(this.call, end, this.started, this.bodies);
  }
}

type Line = (call: ServerCall | ClientCall, end: CallEnd, started: number, bodies: Bodies | undefined) => void;

function lineWriter(options: LoggingOptions, component: "server" | "client"): Line {
  const { logger } = options;
  const levelFor = options.levelFor ?? defaultLevelFor;
  return (call, end, started, bodies) => {
    const level = levelFor(end.code);
    if (level === "off") {
      return;
    }
    const { method } = call;
    const fields: Record<string, unknown> = {
      "grpc.component": component,
      "grpc.service": call.service.typeName,
      "grpc.method": method.name,
      "grpc.method_type": grpcType(method.kind),
      "grpc.code": codeName(end.code),
      "grpc.time_ms": Math.round((performance.now() - started) * 1000) / 1000,
    };
    let traceId: string | undefined;
    if (component === "server") {
      const { context } = call as ServerCall;
      const { peer } = context;
      if (peer !== undefined) {
        fields["peer.address"] = peer;
      }
      traceId = context.values.get(traceIdKey);
    } else {
      traceId = (call as ClientCall).values.get(traceIdKey);
    }
    if (traceId !== undefined) {
      fields.trace_id = traceId;
    }
    if (method.kind !== "unary") {
      fields["grpc.request.count"] = end.requests;
      fields["grpc.response.count"] = end.responses;
    }
    if (end.code !== Code.OK) {
      // What the client got; an unexpected exception's own message only in the log.
      fields["grpc.error"] = end.message;
      if (end.error !== undefined && !(end.error instanceof RpcError)) {
        fields["grpc.exception"] = errorMessage(end.error);
      }
    }
    if (bodies !== undefined) {
      Object.assign(fields, bodies.fields());
    }
    if (options.fields !== undefined) {
      Object.assign(fields, options.fields(call));
    }
    try {
      logger[level](fields, LOG_MESSAGE);
    } catch {
      // A broken logger must not break the call it logs.
    }
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The logged messages of one call, redacted as they pass. */
class Bodies {
  private readonly requests: JsonValue[] = [];
  private readonly responses: JsonValue[] = [];
  private readonly max: number;

  constructor(
    private readonly method: MethodSpec,
    private readonly options: LoggingOptions,
  ) {
    this.max = options.maxStreamBodies ?? 10;
  }

  request(message: AnyMessage): void {
    this.keep(this.requests, this.method.input, message);
  }

  response(message: unknown): void {
    this.keep(this.responses, this.method.output, message);
  }

  fields(): Record<string, unknown> {
    const { kind } = this.method;
    const oneRequest = kind === "unary" || kind === "server_streaming";
    const oneResponse = kind === "unary" || kind === "client_streaming";
    const fields: Record<string, unknown> = {};
    if (this.requests.length > 0) {
      fields["grpc.request.content"] = oneRequest ? this.requests[0] : this.requests;
    }
    if (this.responses.length > 0) {
      fields["grpc.response.content"] = oneResponse ? this.responses[0] : this.responses;
    }
    return fields;
  }

  private keep(list: JsonValue[], schema: DescMessage, message: unknown): void {
    if (list.length >= this.max) {
      return;
    }
    // A handler may answer a plain object; only messages can be walked by their schema.
    list.push(
      isMessage(message, schema)
        ? redactedJson(schema, message, this.options.registry)
        : `[a plain object, not a ${schema.typeName} message: not logged]`,
    );
  }
}
