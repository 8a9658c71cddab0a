import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { serverTracing } from "grpckit/tracing";
import { afterAll, describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { serve } from "../support/serve.js";

/*
 * The tracing interceptors keep the tracer they look up while the global
 * tracer provider stays the same object (the API's proxy makes a new tracer
 * on every lookup). An SDK registered after the server started serving, and
 * one registered again after `trace.disable()`, must still get the spans.
 * Global state: a file of its own (vitest runs each file in its own process).
 */
afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, provider };
}

describe("tracing with the global tracer provider", () => {
  test("spans reach an SDK registered after the server started, and one registered after trace.disable()", async () => {
    const { connect } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          return { user: { userId } };
        },
      },
      { interceptors: [serverTracing()] },
    );
    const client = connect(UserService);
    await client.getUser({ userId: "before any SDK" }); // traced by the API's no-op tracer

    const first = sdk();
    first.provider.register();
    await client.getUser({ userId: "u1" });
    await first.provider.forceFlush();
    expect(first.exporter.getFinishedSpans().map((s) => [s.name, s.kind])).toEqual([
      ["ecommerce.v1.UserService/GetUser", SpanKind.SERVER],
    ]);

    trace.disable();
    const second = sdk();
    second.provider.register();
    await client.getUser({ userId: "u2" });
    await second.provider.forceFlush();
    expect(second.exporter.getFinishedSpans()).toHaveLength(1);
    expect(first.exporter.getFinishedSpans()).toHaveLength(1);
    await Promise.all([first.provider.shutdown(), second.provider.shutdown()]);
  });
});
