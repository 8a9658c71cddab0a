import { createContextKey } from "../context-values.js";

/**
 * The trace id of a call, as 32 hex digits, when a tracing interceptor runs
 * outside the one reading it: `serverTracing()`/`clientTracing()` set it, the
 * logging interceptors log it. Set it from your own tracing to have it logged.
 */
export const traceIdKey = createContextKey<string | undefined>(undefined, { description: "trace id" });
