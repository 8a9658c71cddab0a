import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { Code, closeClient, createClient, type Logger, RpcError, serverLogging } from "grpckit";
import { clientTracing, serverTracing } from "grpckit/tracing";
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, serve } from "../support/serve.js";

/*
 * A real SDK, registered globally as an application would: the
 * AsyncLocalStorage context manager and the W3C trace-context propagator.
 * Global state, so it lives and dies with this file (vitest runs each file in
 * its own process).
 */
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

async function finishedSpans(): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

function spanNamed(spans: ReadableSpan[], name: string, kind: SpanKind): ReadableSpan {
  const span = spans.find((s) => s.name === name && s.kind === kind);
  if (span === undefined) {
    throw new Error(`no ${SpanKind[kind]} span ${name} among ${spans.map((s) => s.name).join(", ")}`);
  }
  return span;
}

describe("tracing", () => {
  test("client and server spans of a call share one trace, the server's a child of the client's", async () => {
    const traceparents: string[] = [];
    const { connect } = await serve(
      UserService,
      {
        async getUser({ userId }, { metadata }) {
          traceparents.push(String(metadata.get("traceparent")[0]));
          return { user: { userId } };
        },
      },
      { interceptors: [serverTracing()] },
    );
    const client = connect(UserService, { interceptors: [clientTracing()] });
    await client.getUser({ userId: "u1" });

    const spans = await finishedSpans();
    expect(spans).toHaveLength(2);
    const clientSpan = spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.CLIENT);
    const serverSpan = spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.SERVER);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(clientSpan.parentSpanContext).toBeUndefined();
    // W3C trace context on the wire.
    const { traceId, spanId } = clientSpan.spanContext();
    expect(traceparents).toEqual([`00-${traceId}-${spanId}-01`]);
    for (const span of [clientSpan, serverSpan]) {
      expect(span.attributes).toEqual({
        "rpc.system": "grpc",
        "rpc.service": "ecommerce.v1.UserService",
        "rpc.method": "GetUser",
        "rpc.grpc.status_code": Code.OK,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
  });

  test("status: a server span is an error for the server's failures only, a client span for any", async () => {
    const { connect } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          if (userId === "boom") throw new Error("bug");
          throw new RpcError(Code.NOT_FOUND, "no such user");
        },
      },
      { interceptors: [serverTracing()], onError: () => {} },
    );
    const client = connect(UserService, { interceptors: [clientTracing()] });
    await expect(client.getUser({ userId: "u1" })).rejects.toBeInstanceOf(RpcError);
    let spans = await finishedSpans();
    expect(spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.SERVER).status.code).toBe(
      SpanStatusCode.UNSET,
    );
    const failedClient = spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.CLIENT);
    expect(failedClient.status).toEqual({ code: SpanStatusCode.ERROR, message: "no such user" });
    expect(failedClient.attributes["rpc.grpc.status_code"]).toBe(Code.NOT_FOUND);

    exporter.reset();
    await expect(client.getUser({ userId: "boom" })).rejects.toBeInstanceOf(RpcError);
    spans = await finishedSpans();
    const failedServer = spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.SERVER);
    expect(failedServer.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedServer.attributes["rpc.grpc.status_code"]).toBe(Code.INTERNAL);
    expect(failedServer.events.map((e) => e.name)).toEqual(["exception"]); // the exception is recorded, not sent
  });

  test("a handler's downstream calls are children of its span: with `parent`, and through the active context", async () => {
    const orders = await serve(
      OrderService,
      {
        async getOrder({ orderId }) {
          return { order: { orderId } };
        },
        async *streamOrderUpdates({ orderId }) {
          yield { order: { orderId } };
        },
      },
      { interceptors: [serverTracing()] },
    );
    const downstream = createClient(OrderService, orders.address, { interceptors: [clientTracing()] });
    onTestFinished(() => closeClient(downstream));
    const { connect } = await serve(
      UserService,
      {
        // Passes its context explicitly...
        async getUser({ userId }, ctx) {
          const { order } = await downstream.getOrder({ orderId: `for-${userId}` }, { parent: ctx });
          return { user: { userId: order?.orderId ?? "" } };
        },
        // ...or relies on the active context, in a streaming handler, after a yield.
        async *listUsers() {
          yield { user: { userId: "first" } };
          for await (const { order } of downstream.streamOrderUpdates({ orderId: "o1" })) {
            yield { user: { userId: order?.orderId ?? "" } };
          }
        },
      },
      { interceptors: [serverTracing()] },
    );
    const client = connect(UserService, { interceptors: [clientTracing()] });

    for (const [call, method] of [
      [() => client.getUser({ userId: "u1" }), ["GetUser", "GetOrder"]],
      [() => collect(client.listUsers({})), ["ListUsers", "StreamOrderUpdates"]],
    ] as const) {
      exporter.reset();
      await call();
      const spans = await finishedSpans();
      expect(spans).toHaveLength(4);
      const [outer, inner] = method;
      const chain = [
        spanNamed(spans, `ecommerce.v1.UserService/${outer}`, SpanKind.CLIENT),
        spanNamed(spans, `ecommerce.v1.UserService/${outer}`, SpanKind.SERVER),
        spanNamed(spans, `ecommerce.v1.OrderService/${inner}`, SpanKind.CLIENT),
        spanNamed(spans, `ecommerce.v1.OrderService/${inner}`, SpanKind.SERVER),
      ];
      const traceIds = new Set(chain.map((s) => s.spanContext().traceId));
      expect(traceIds.size).toBe(1);
      for (let i = 1; i < chain.length; i++) {
        expect(chain[i]?.parentSpanContext?.spanId, `parent of ${chain[i]?.name}`).toBe(
          chain[i - 1]?.spanContext().spanId,
        );
      }
    }
  });

  test("the trace id reaches the logging interceptor after the tracing one", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger: Logger = { info: (fields) => lines.push(fields), warn: () => {}, error: () => {} };
    const { connect } = await serve(
      UserService,
      {
        async getUser() {
          return {};
        },
      },
      { interceptors: [serverTracing(), serverLogging({ logger })] },
    );
    const client = connect(UserService, { interceptors: [clientTracing()] });
    await client.getUser({ userId: "u1" });
    const spans = await finishedSpans();
    const serverSpan = spanNamed(spans, "ecommerce.v1.UserService/GetUser", SpanKind.SERVER);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.trace_id).toBe(serverSpan.spanContext().traceId);
  });
});
