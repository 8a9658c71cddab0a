import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Code, type Logger, RpcError, recovery, type ServerContext, serverLogging } from "grpckit";
import { serverMetrics } from "grpckit/metrics";
import { serverTracing } from "grpckit/tracing";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import { collect, serve } from "../support/serve.js";
import { failureOf, long, soon } from "./answers-support.js";

/*
 * Observers must record what the client sees (issue 16): the status code and
 * message that went on the wire, whatever interceptor mapped the error and
 * however the server bounded it.
 */

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
beforeEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

class ConnectionRefused extends Error {}

/** A server with the built-in interceptors in the documented order, and what they record. */
async function observed(handlers: Parameters<typeof serve<typeof ProductService>>[1]) {
  const registry = new Registry();
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = {
    info: (fields) => lines.push(fields),
    warn: (fields) => lines.push(fields),
    error: (fields) => lines.push(fields),
  };
  const reported: unknown[] = [];
  const served = await serve(ProductService, handlers, {
    interceptors: [
      recovery({
        onError: () => {},
        toRpcError: (error) =>
          error instanceof ConnectionRefused ? new RpcError(Code.UNAVAILABLE, "try again later") : undefined,
      }),
      serverTracing(),
      serverMetrics({ registry }),
      serverLogging({ logger }),
    ],
    onError: (error) => reported.push(error),
  });
  /** The code and message each observer recorded of the last call. */
  const records = async () => {
    await provider.forceFlush();
    const span = exporter.getFinishedSpans().at(-1);
    const handled = (await registry.getSingleMetric("grpc_server_handled_total")?.get())?.values ?? [];
    const line = lines.at(-1);
    return {
      log: { code: line?.["grpc.code"], message: line?.["grpc.error"] },
      span: { code: span?.attributes["rpc.grpc.status_code"], message: span?.status.message },
      metrics: handled.filter((v) => v.value > 0).map((v) => v.labels.grpc_code),
    };
  };
  return { ...served, records, reported, lines };
}

describe("observers record what goes on the wire", () => {
  test("recovery's toRpcError maps an exception to UNAVAILABLE: every observer says UNAVAILABLE", async () => {
    const { client, records, lines } = await observed({
      async getProduct() {
        throw new ConnectionRefused("db 10.0.0.7 refused");
      },
    });
    const error = await failureOf(client.getProduct({ productId: "p1" }, soon()));
    expect(error).toMatchObject({ code: Code.UNAVAILABLE, rawMessage: "try again later" });
    expect(await records()).toEqual({
      log: { code: "Unavailable", message: "try again later" },
      span: { code: Code.UNAVAILABLE, message: "try again later" },
      metrics: ["Unavailable"],
    });
    // The exception itself stays on the server: in the log line, never on the wire.
    expect(lines.at(-1)?.["grpc.exception"]).toBe("db 10.0.0.7 refused");
  });

  test("a stream that fails midway, mapped by recovery: the observers say UNAVAILABLE too", async () => {
    const { client, records } = await observed({
      async *streamProductUpdates() {
        yield { product: { productId: "p1" } };
        throw new ConnectionRefused("db gone");
      },
    });
    const error = await failureOf(collect(client.streamProductUpdates({ productIds: ["p1"] }, soon())));
    expect(error.code).toBe(Code.UNAVAILABLE);
    expect((await records()).metrics).toEqual(["Unavailable"]);
    expect((await records()).log).toEqual({ code: "Unavailable", message: "try again later" });
  });

  test("a message cut to the answer limits is recorded as cut", async () => {
    const { client, records } = await observed({
      async getProduct({ productId }) {
        throw new RpcError(Code.NOT_FOUND, `product ${productId} not found`);
      },
    });
    const error = await failureOf(client.getProduct({ productId: long(100_000) }, soon()));
    expect(error.code).toBe(Code.NOT_FOUND);
    expect(error.rawMessage.length).toBeLessThan(1100);
    const { log, span } = await records();
    expect(log).toEqual({ code: "NotFound", message: error.rawMessage });
    // NOT_FOUND does not make a server span an error (OpenTelemetry's gRPC conventions): no status message.
    expect(span.code).toBe(Code.NOT_FOUND);
  });

  test("trailers too large to send: the client and every observer see INTERNAL, onError hears why", async () => {
    const { client, records, reported } = await observed({
      async getProduct({ productId }, ctx: ServerContext) {
        ctx.trailer.set("x-debug", long(100_000));
        return { product: { productId } };
      },
    });
    const error = await failureOf(client.getProduct({ productId: "p1" }, soon()));
    expect(error.code).toBe(Code.INTERNAL);
    const { log, span, metrics } = await records();
    expect(log).toEqual({ code: "Internal", message: error.rawMessage });
    expect(span).toEqual({ code: Code.INTERNAL, message: error.rawMessage });
    expect(metrics).toEqual(["Internal"]);
    expect(reported).toMatchObject([{ name: "OversizedAnswerError" }]);
  });

  test("an OK call is recorded OK, with its response", async () => {
    const { client, records, lines } = await observed({
      async getProduct({ productId }) {
        return { product: { productId } };
      },
    });
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.productId).toBe("p1");
    const { log, metrics } = await records();
    expect(log.code).toBe("OK");
    expect(metrics).toEqual(["OK"]);
    expect(lines.at(-1)).not.toHaveProperty("grpc.error");
  });
});
