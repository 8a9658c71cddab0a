import { type Context, TraceFlags, trace } from "@opentelemetry/api";
import { type Logger, serverLogging } from "grpckit";
import { type Propagator, serverTracing, traceContextOf } from "grpckit/tracing";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

/*
 * Tracing with no OpenTelemetry SDK registered: the API's no-op tracer, as
 * in a service that installs the interceptors before (or without) setting
 * up tracing. No SDK is registered anywhere in this file (vitest runs each
 * file in its own process).
 */

function capturingLogger(lines: Record<string, unknown>[]): Logger {
  const keep = (fields: Record<string, unknown>) => void lines.push(fields);
  return { info: keep, warn: keep, error: keep };
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

/** Reads a trace id from an `x-trace` header: a propagator of the application's own. */
const headerPropagator: Propagator = {
  inject() {},
  extract(context: Context, carrier) {
    const [traceId] = carrier.get("x-trace");
    return typeof traceId === "string"
      ? trace.setSpanContext(context, {
          traceId,
          spanId: "00f067aa0ba902b7",
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
        })
      : context;
  },
};

describe("tracing without an SDK", () => {
  test("calls are served, with no trace context and no trace id in the log", async () => {
    const lines: Record<string, unknown>[] = [];
    const seen: unknown[] = [];
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }, ctx) {
          seen.push(traceContextOf(ctx), trace.getActiveSpan());
          return { user: { userId } };
        },
      },
      { interceptors: [serverTracing(), serverLogging({ logger: capturingLogger(lines) })] },
    );
    expect((await client.getUser({ userId: "u1" })).user?.userId).toBe("u1");
    expect(seen).toEqual([undefined, undefined]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty("trace_id");
    expect(lines[0]).toMatchObject({ "grpc.method": "GetUser", "grpc.code": "OK" });
  });

  test("a trace context received is still passed on to the handler and the log", async () => {
    const lines: Record<string, unknown>[] = [];
    const received: (string | undefined)[] = [];
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }, ctx) {
          const context = traceContextOf(ctx);
          received.push(context === undefined ? undefined : trace.getSpanContext(context)?.traceId);
          return { user: { userId } };
        },
      },
      {
        interceptors: [
          serverTracing({ propagator: headerPropagator }),
          serverLogging({ logger: capturingLogger(lines) }),
        ],
      },
    );
    await client.getUser({ userId: "u1" }, { metadata: { "x-trace": TRACE_ID } });
    expect(received).toEqual([TRACE_ID]);
    expect(lines[0]).toMatchObject({ trace_id: TRACE_ID });
  });
});
