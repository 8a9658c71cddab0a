import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Code, type Logger, RpcError, recovery, serverLogging } from "grpckit";
import { serverMetrics } from "grpckit/metrics";
import { serverTracing } from "grpckit/tracing";
import { Registry } from "prom-client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/*
 * The documented order: recovery, tracing, metrics, logging (then the
 * schema's auth, validation and masks, innermost). Recovery is outermost so
 * that the observers see the real exception and the client the INTERNAL
 * answer; tracing comes before metrics and logging so that the trace id
 * exists when the log line is written.
 */
test("the built-in interceptors in the documented order each see what they should of a failing call", async () => {
  const registry = new Registry();
  const lines: { level: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = {
    info: (fields) => lines.push({ level: "info", fields }),
    warn: (fields) => lines.push({ level: "warn", fields }),
    error: (fields) => lines.push({ level: "error", fields }),
  };
  const recovered: unknown[] = [];
  const serverReported: unknown[] = [];
  const { client } = await serve(
    UserService,
    {
      async getUser() {
        throw new Error("disk full at /var/lib/db");
      },
    },
    {
      interceptors: [
        recovery({ onError: (error) => recovered.push(error) }),
        serverTracing(),
        serverMetrics({ registry }),
        serverLogging({ logger }),
      ],
      onError: (error) => serverReported.push(error),
    },
  );

  const failure = await client.getUser({ userId: "u1" }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RpcError);
  expect(failure).toMatchObject({ code: Code.INTERNAL, rawMessage: "internal error" });

  // Recovery reported it, once; the server's own reporter did not see it again.
  expect(recovered).toMatchObject([{ message: "disk full at /var/lib/db" }]);
  expect(serverReported).toEqual([]);

  // Tracing saw the exception, and gave the log line its trace id.
  await provider.forceFlush();
  const [span] = exporter.getFinishedSpans();
  expect(span?.kind).toBe(SpanKind.SERVER);
  expect(span?.attributes["rpc.grpc.status_code"]).toBe(Code.INTERNAL);
  expect(span?.events.map((e) => e.name)).toEqual(["exception"]);

  // Logging saw what the client got and the exception's message (the client did not), with the trace id.
  expect(lines).toEqual([
    {
      level: "error",
      fields: expect.objectContaining({
        "grpc.code": "Internal",
        "grpc.error": "internal error",
        "grpc.exception": "disk full at /var/lib/db",
        trace_id: span?.spanContext().traceId,
      }),
    },
  ]);

  // Metrics counted it as Internal.
  const handled = await registry.getSingleMetric("grpc_server_handled_total")?.get();
  expect(handled?.values).toEqual([
    {
      labels: {
        grpc_type: "unary",
        grpc_service: "ecommerce.v1.UserService",
        grpc_method: "GetUser",
        grpc_code: "Internal",
      },
      value: 1,
    },
  ]);
});
