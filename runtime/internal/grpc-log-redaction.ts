import grpcLogging from "@grpc/grpc-js/build/src/logging.js";

/*
 * grpc-js logs metadata verbatim in two places: a header value it cannot
 * take as metadata ("Failed to add metadata entry authorization: Bearer\t<token>.
 * ...", an error, on by default: any client can trigger it with a tab or a
 * non-ASCII byte in a header), and every header of every call with the
 * `server_call` and `subchannel_call` tracers (GRPC_TRACE). Both go through
 * one function of grpc-js's logging module, `log`, whatever logger is set:
 * grpckit replaces that function once with one that redacts, so the
 * redaction holds for grpc-js's default logger (stderr) and for any logger a
 * user sets with grpc-js's `setLogger`, before or after. grpc-js's other
 * messages pass unchanged.
 */

/** What a redacted value is replaced with. */
const REDACTED = "[REDACTED]";

/**
 * Metadata keys whose values are credentials: (proxy-)authorization, and any
 * key that names a token, secret, password, API key, session, cookie or signature.
 */
const SECRET_KEY = /auth|token|secret|passw|api-?key|credential|session|cookie|signature/i;

/** grpc-js's message for a header it could not add to the metadata, up to the value. */
const FAILED_ENTRY = /^Failed to add metadata entry ([^:]*): /;

/** grpc-js's `server_call` trace of a call's headers, as JSON. */
const RECEIVED_HEADERS = /^([\s\S]* received headers )(\{[\s\S]*\})$/;

/** grpc-js's `subchannel_call` trace of response headers and trailers: one "\t\tkey: value" line each. */
const HEADER_LINE = /^(\t\t)([^:\n]+)(: )(.*)$/gm;

/** Longest key kept in a redacted message: the key is the client's too. */
const MAX_KEY_LENGTH = 64;

type Log = (severity: number, ...args: unknown[]) => void;

/** Marks grpckit's `log`, so that it is installed once per grpc-js module. */
const INSTALLED: unique symbol = Symbol.for("grpckit.redactingLog");

/**
 * Makes grpc-js redact the metadata values it logs (see above). Idempotent;
 * the server and the client transports call it when they are made.
 */
export function installGrpcLogRedaction(): void {
  const logging = grpcLogging as unknown as { log: Log & { [INSTALLED]?: true } };
  const original = logging.log;
  if (typeof original !== "function" || original[INSTALLED] === true) {
    return;
  }
  const redacting: Log & { [INSTALLED]?: true } = (severity, ...args) => {
    original(severity, ...args.map((arg) => (typeof arg === "string" ? redactGrpcLogMessage(arg) : arg)));
  };
  redacting[INSTALLED] = true;
  logging.log = redacting;
}

/**
 * `message`, a line grpc-js logs, with the metadata values in it that may
 * be secrets replaced by "[REDACTED]": the whole value of a header grpc-js
 * refused (whatever its key: it is the client's bytes, and as long as the
 * client likes), and the values of credential keys in header traces.
 */
export function redactGrpcLogMessage(message: string): string {
  const failed = FAILED_ENTRY.exec(message);
  if (failed !== null) {
    return `Failed to add metadata entry ${shortKey(failed[1] as string)}: ${REDACTED} (${refusal(message)}). For more information see https://github.com/grpc/grpc-node/issues/1173`;
  }
  const received = RECEIVED_HEADERS.exec(message);
  if (received !== null) {
    return `${received[1]}${redactedHeadersJson(received[2] as string)}`;
  }
  if (message.includes("\t\t")) {
    return message.replace(HEADER_LINE, (line, indent: string, key: string, colon: string) =>
      SECRET_KEY.test(key) ? `${indent}${key}${colon}${REDACTED}` : line,
    );
  }
  return message;
}

/** Why grpc-js refused a header, without its value. */
function refusal(message: string): string {
  if (message.includes('Metadata key "')) {
    return "the key contains illegal characters";
  }
  if (message.includes("contains illegal characters")) {
    return "the value contains illegal characters";
  }
  if (message.includes("must have Buffer values") || message.includes("must have String values")) {
    return "the value has the wrong type for its key";
  }
  return "the value is invalid";
}

function shortKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `${key.slice(0, MAX_KEY_LENGTH)}...`;
}

/** The traced metadata JSON (`{ key: [values] }`) with the credential keys' values redacted. */
function redactedHeadersJson(json: string): string {
  let headers: unknown;
  try {
    headers = JSON.parse(json);
  } catch {
    return REDACTED;
  }
  if (typeof headers !== "object" || headers === null) {
    return REDACTED;
  }
  const redacted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) {
    redacted[key] = SECRET_KEY.test(key) ? [REDACTED] : value;
  }
  return JSON.stringify(redacted);
}
