import { Code, createHealth, Health, RpcError, type ServerContext, ServerReflection, ServingStatus } from "grpckit";
import { describe, expect, test } from "vitest";
import { ProductService } from "../../generated-example/ecommerce/v1/product_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, deferred, serve } from "../support/serve.js";
import { expectBounded, failureOf, long, soon } from "./answers-support.js";

/*
 * Attacks on the size of answers (issue 16): an error status whose message,
 * details or trailers a client refuses breaks its whole HTTP/2 connection,
 * and with it every other call multiplexed on the channel. Each case sends
 * the attack, checks the status code and that it fits the budget, and then
 * that a second call on the same channel still succeeds and that nothing
 * changed.
 */

/** A product store the attacks must leave as it was. */
function shop() {
  const products = new Map([["p1", { productId: "p1", name: "Mug" }]]);
  const handlers = {
    async getProduct({ productId }: { productId: string }) {
      const product = products.get(productId);
      // Echoes the id as callers write it; the server bounds what is sent.
      if (product === undefined) throw new RpcError(Code.NOT_FOUND, `product ${productId} not found`);
      return { product };
    },
    async createProduct({ name }: { name: string }) {
      const product = { productId: `p${products.size + 1}`, name };
      products.set(product.productId, product);
      return { product };
    },
    async *streamProductUpdates() {
      yield { product: products.get("p1") };
    },
  };
  return { products, handlers };
}

describe("bounded error answers", () => {
  test("1,000 empty product ids: INVALID_ARGUMENT with at most 100 violations, and the channel serves on", async () => {
    const { products, handlers } = shop();
    const { client } = await serve(ProductService, handlers);
    // Another call in flight on the same channel while the big answer goes out.
    const inFlight = collect(client.streamProductUpdates({ productIds: ["p1"] }, soon()));

    const error = await failureOf(
      collect(client.streamProductUpdates({ productIds: Array.from({ length: 1000 }, () => "") }, soon())),
    );
    expectBounded(error, Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.length).toBeGreaterThan(0);
    expect(error.fieldViolations.length).toBeLessThanOrEqual(100);
    expect(error.fieldViolations[0]).toMatchObject({ field: "product_ids", reason: "REPEATED_MAX_ITEMS" });
    // Collecting stopped at the limit, and the answer dropped more to fit its budget: the message says both.
    expect(error.rawMessage).toContain("and more not checked");
    expect(error.rawMessage).toMatch(/\d+ more violations not sent/);

    expect(await inFlight).toHaveLength(1);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.name).toBe("Mug");
    expect([...products.keys()]).toEqual(["p1"]);
  });

  test("1,000,000 empty ids cost a bounded answer: the validator stops at the cap", async () => {
    const { handlers } = shop();
    const { client } = await serve(ProductService, handlers);
    const error = await failureOf(
      collect(client.streamProductUpdates({ productIds: Array.from({ length: 1_000_000 }, () => "") }, soon())),
    );
    expectBounded(error, Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.length).toBeLessThanOrEqual(100);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.name).toBe("Mug");
  });

  test("16 concurrent 2 MB requests of 1,000,000 empty ids: each answered INVALID_ARGUMENT, others served", async () => {
    const { handlers } = shop();
    const { client, connect } = await serve(ProductService, handlers);
    const bystander = connect(ProductService);
    const productIds = Array.from({ length: 1_000_000 }, () => "");
    const attacks = Array.from({ length: 16 }, () =>
      failureOf(collect(client.streamProductUpdates({ productIds }, { timeoutMs: 30_000 }))),
    );
    const served = bystander.getProduct({ productId: "p1" }, { timeoutMs: 30_000 });
    for (const error of await Promise.all(attacks)) {
      expectBounded(error, Code.INVALID_ARGUMENT);
      expect(error.fieldViolations.length).toBeLessThanOrEqual(100);
    }
    expect((await served).product?.name).toBe("Mug");
  });

  test("a 200 KB id echoed in NOT_FOUND is cut short with a marker; other calls go on", async () => {
    const { handlers } = shop();
    const { client } = await serve(ProductService, handlers);
    const inFlight = collect(client.streamProductUpdates({ productIds: ["p1"] }, soon()));
    const error = await failureOf(client.getProduct({ productId: long(200_000) }, soon()));
    expectBounded(error, Code.NOT_FOUND);
    expect(error.rawMessage).toMatch(/^product x+/);
    expect(error.rawMessage).toContain("truncated");
    expect(await inFlight).toHaveLength(1);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.name).toBe("Mug");
  });

  test("a CreateProduct with 1,000 bad attributes is refused whole: nothing is created", async () => {
    const { products, handlers } = shop();
    const { client } = await serve(ProductService, handlers);
    const attributes = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`${long(70)}${i}`, long(300)]));
    const error = await failureOf(
      client.createProduct({ name: "x", price: { currencyCode: "EUR", units: 1n }, attributes }, soon()),
    );
    expectBounded(error, Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.length).toBeLessThanOrEqual(100);
    expect([...products.keys()]).toEqual(["p1"]);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.name).toBe("Mug");
  });
});

describe("bounded answers about masks", () => {
  const users = {
    async getUser({ userId }: { userId: string }) {
      return { user: { userId, email: `${userId}@example.com` } };
    },
  };

  test("10,000 bad read-mask paths: INVALID_ARGUMENT, at most 100 violations", async () => {
    const { client } = await serve(UserService, users);
    const paths = Array.from({ length: 10_000 }, (_, i) => `no_such_field_${i}`);
    const error = await failureOf(client.getUser({ userId: "u1", readMask: { paths } }, soon()));
    expectBounded(error, Code.INVALID_ARGUMENT);
    expect(error.fieldViolations.length).toBeGreaterThan(0);
    expect(error.fieldViolations.length).toBeLessThanOrEqual(100);
    expect((await client.getUser({ userId: "u1" }, soon())).user?.email).toBe("u1@example.com");
  });

  test("one 3 MB read-mask path is named by an excerpt", async () => {
    const { client } = await serve(UserService, users);
    const error = await failureOf(client.getUser({ userId: "u1", readMask: { paths: [long(3_000_000)] } }, soon()));
    expectBounded(error, Code.INVALID_ARGUMENT);
    const [violation] = error.fieldViolations;
    expect(violation?.field).toBe("read_mask.paths[0]");
    expect(violation?.description.length).toBeLessThan(1000);
    expect((await client.getUser({ userId: "u1" }, soon())).user?.email).toBe("u1@example.com");
  });
});

describe("bounded answers of the health service", () => {
  test("a 1 MiB service name to Check: NOT_FOUND naming an excerpt of it", async () => {
    const health = createHealth({ "": ServingStatus.SERVING });
    const { client, connect } = await serve(UserService, {}, { health });
    const checker = connect(Health);
    const error = await failureOf(checker.check({ service: long(1024 * 1024) }, soon()));
    expectBounded(error, Code.NOT_FOUND);
    expect(error.rawMessage).toContain("truncated");
    expect((await checker.check({ service: "" }, soon())).status).toBe(ServingStatus.SERVING);
    // The other service on the server is unaffected.
    await expect(client.getUser({ userId: "u1" }, soon())).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
  });
});

describe("bounded answers of reflection", () => {
  test("a 1 MiB file name: the error response names an excerpt of it; the stream answers on", async () => {
    const { connect } = await serve(UserService, {}, { reflection: true });
    const reflection = connect(ServerReflection);
    const responses = await collect(
      reflection.serverReflectionInfo(
        [
          { messageRequest: { case: "fileByFilename", value: long(1024 * 1024) } },
          { messageRequest: { case: "fileContainingSymbol", value: "ecommerce.v1.UserService" } },
        ],
        soon(),
      ),
    );
    const [missing, found] = responses;
    const error = missing?.messageResponse.case === "errorResponse" ? missing.messageResponse.value : undefined;
    expect(error?.errorCode).toBe(Code.NOT_FOUND);
    expect(error?.errorMessage).toContain("truncated");
    expect(error?.errorMessage.length).toBeLessThan(200);
    expect(found?.messageResponse.case).toBe("fileDescriptorResponse");
  });
});

describe("a handler's own oversized metadata", () => {
  test("an RpcError with 200 KB of trailers answers INTERNAL without them, and goes to onError", async () => {
    const reported: unknown[] = [];
    const { client } = await serve(
      ProductService,
      {
        async getProduct({ productId }) {
          if (productId === "big") {
            throw new RpcError(Code.FAILED_PRECONDITION, "no", { metadata: { "x-debug": long(200_000) } });
          }
          return { product: { productId } };
        },
      },
      { onError: (error) => reported.push(error) },
    );
    const error = await failureOf(client.getProduct({ productId: "big" }, soon()));
    expectBounded(error, Code.INTERNAL);
    expect(error.metadata.get("x-debug")).toEqual([]);
    expect(reported).toHaveLength(1);
    expect(String(reported[0])).toMatch(/x-debug/);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.productId).toBe("p1");
  });

  test("a successful call whose trailers are too large answers INTERNAL, reported; the channel serves on", async () => {
    const reported: unknown[] = [];
    const started = deferred();
    const { client } = await serve(
      ProductService,
      {
        async getProduct({ productId }, context: ServerContext) {
          if (productId === "big") context.trailer.set("x-debug", long(200_000));
          return { product: { productId } };
        },
        async *streamProductUpdates(_request, context: ServerContext) {
          started.resolve();
          context.trailer.set("x-debug", long(200_000));
          yield { product: { productId: "p1" } };
        },
      },
      { onError: (error) => reported.push(error) },
    );
    const error = await failureOf(client.getProduct({ productId: "big" }, soon()));
    expectBounded(error, Code.INTERNAL);
    const streamed: unknown[] = [];
    const streamError = await failureOf(
      (async () => {
        for await (const update of client.streamProductUpdates({ productIds: ["p1"] }, soon())) streamed.push(update);
      })(),
    );
    await started.promise;
    expectBounded(streamError, Code.INTERNAL);
    expect(streamed).toHaveLength(1);
    expect(reported).toHaveLength(2);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.productId).toBe("p1");
  });

  test("trailers within the budget go out as they are", async () => {
    const { client } = await serve(ProductService, {
      async getProduct({ productId }) {
        throw new RpcError(Code.NOT_FOUND, `product ${productId} not found`, { metadata: { "x-hint": long(2000) } });
      },
    });
    const error = await failureOf(client.getProduct({ productId: "p9" }, soon()));
    expect(error.code).toBe(Code.NOT_FOUND);
    expect(error.rawMessage).toBe("product p9 not found");
    expect(error.metadata.get("x-hint")).toEqual([long(2000)]);
  });
});

describe("headers, odd messages and configured limits", () => {
  test("response headers too large to send: the handler fails, INTERNAL, reported; nothing half-sent", async () => {
    const reported: unknown[] = [];
    const { client } = await serve(
      ProductService,
      {
        async getProduct({ productId }, context: ServerContext) {
          if (productId === "big") context.sendHeader({ "x-debug": long(200_000) });
          return { product: { productId } };
        },
      },
      { onError: (error) => reported.push(error) },
    );
    const error = await failureOf(client.getProduct({ productId: "big" }, soon()));
    expectBounded(error, Code.INTERNAL);
    expect(reported).toMatchObject([{ name: "OversizedAnswerError" }]);
    expect((await client.getProduct({ productId: "p1" }, soon())).product?.productId).toBe("p1");
  });

  test("a message with a lone surrogate (which grpc-js cannot percent-encode) still answers its code", async () => {
    const { client } = await serve(ProductService, {
      async getProduct({ productId }) {
        throw new RpcError(Code.NOT_FOUND, `product ${productId} not found`);
      },
    });
    const error = await failureOf(client.getProduct({ productId: "p\ud800" }, soon()));
    expect(error.code).toBe(Code.NOT_FOUND);
    expect(error.rawMessage).toBe("product p\ufffd not found");
    await expect(client.getProduct({ productId: "p2" }, soon())).rejects.toMatchObject({ code: Code.NOT_FOUND });
  });

  test("limits.maxViolations and limits.maxStatusMessageBytes configure the bounds", async () => {
    const { handlers } = shop();
    const { client } = await serve(ProductService, handlers, {
      limits: { maxViolations: 5, maxStatusMessageBytes: 300 },
    });
    const error = await failureOf(
      collect(client.streamProductUpdates({ productIds: Array.from({ length: 50 }, () => "") }, soon())),
    );
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations).toHaveLength(5);
    expect(error.rawMessage).toMatch(/truncated\)$/);
    expect(encodeURI(error.rawMessage).length).toBeLessThanOrEqual(300);
  });

  test("a proxy's shared channel to its backend survives one caller's 200 KB ids", async () => {
    // The gateway pattern: every caller's calls share one channel to the backend.
    const { handlers } = shop();
    const backend = await serve(ProductService, handlers);
    const shared = backend.client;
    const front = await serve(ProductService, {
      async getProduct(request) {
        try {
          return await shared.getProduct(request, soon());
        } catch (error) {
          throw RpcError.from(error);
        }
      },
    });
    const attacks = Array.from({ length: 5 }, () => failureOf(front.client.getProduct({ productId: long(200_000) })));
    const others = Array.from({ length: 20 }, () => front.client.getProduct({ productId: "p1" }, soon()));
    for (const error of await Promise.all(attacks)) expectBounded(error, Code.NOT_FOUND);
    for (const answer of await Promise.all(others)) expect(answer.product?.name).toBe("Mug");
  });
});
