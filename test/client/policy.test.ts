import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { type CodeGeneratorRequest, CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";
import { Code, closeClient, createClient, createServer, RpcError } from "grpckit";
import { afterAll, describe, expect, onTestFinished, test } from "vitest";
import { GatewayService } from "../../generated-example/ecommerce/v1/gateway_grpckit.js";
import { protocGenGrpckit } from "../../plugin/plugin.js";
import { Catalog, Plain } from "../golden/client-policy/gen/shop/v1/catalog_grpckit.js";
import { grpckitBin, requestFor, root } from "../support/codegen.js";
import { acceptedByGrpcJs } from "./support/grpc-js-config.js";
import { sleep } from "./support/in-process.js";
import { outcomeOf } from "./support/load.js";

/*
 * Client policies from the schema: `(grpckit.v1.method).client` becomes the
 * service config of the generated client (test/golden/client-policy shows
 * the output), checked by grpc-js's own rules; a policy that cannot work
 * fails generation with one line.
 */

const scratch = mkdtempSync(join(tmpdir(), "grpckit-client-policy-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the generated service config", () => {
  test("is valid by grpc-js's own rules, and holds what the .proto declares", () => {
    expect(() => acceptedByGrpcJs(Catalog.serviceConfig)).not.toThrow();
    expect(Catalog.serviceConfig.methodConfig.map((c) => c.name[0].method)).toEqual([
      "GetItem",
      "PutItem",
      "Checkout",
      "WatchItems",
    ]);
    expect(Catalog.serviceConfig.methodConfig[0]).toEqual({
      name: [{ service: "shop.v1.Catalog", method: "GetItem" }],
      timeout: "2s",
      retryPolicy: {
        maxAttempts: 4,
        initialBackoff: "0.1s",
        maxBackoff: "1s",
        backoffMultiplier: 2,
        retryableStatusCodes: ["UNAVAILABLE"],
      },
    });
    expect("serviceConfig" in Plain).toBe(false);
  });

  test("of the reference services is valid by grpc-js's rules too", () => {
    expect(() => acceptedByGrpcJs(GatewayService.serviceConfig)).not.toThrow();
    expect(GatewayService.serviceConfig.methodConfig.map((c) => c.name[0].method)).toEqual([
      "GetOrderDetails",
      "StreamOrderDetails",
    ]);
  });
});

describe("the generated client", () => {
  test("retries what the schema says to retry, and nothing else", async () => {
    const attempts = { putItem: 0, checkout: 0 };
    const server = createServer().add(Catalog, {
      async putItem(item) {
        if (++attempts.putItem < 3) throw new RpcError(Code.RESOURCE_EXHAUSTED, "busy");
        return item;
      },
      async checkout() {
        attempts.checkout++;
        throw new RpcError(Code.UNAVAILABLE, "down");
      },
    });
    onTestFinished(() => server.shutdown(250));
    const port = await server.listen("127.0.0.1:0");
    const catalog = createClient(Catalog, `127.0.0.1:${port}`);
    onTestFinished(() => closeClient(catalog));

    expect((await catalog.putItem({ itemId: "i1", title: "lamp" }, { timeoutMs: 10_000 })).title).toBe("lamp");
    expect(attempts.putItem).toBe(3);
    await expect(catalog.checkout({ itemIds: ["i1"] })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    expect(attempts.checkout).toBe(1);
  });

  test("the schema's timeout is the default deadline; a call's timeoutMs replaces it", async () => {
    const server = createServer().add(Catalog, {
      async putItem(item, context) {
        await sleep(Number(item.title), context.signal);
        return item;
      },
    });
    onTestFinished(() => server.shutdown(250));
    const port = await server.listen("127.0.0.1:0");
    const catalog = createClient(Catalog, `127.0.0.1:${port}`);
    onTestFinished(() => closeClient(catalog));

    const byDefault = await outcomeOf(250, () => catalog.putItem({ itemId: "i1", title: "5000" }));
    expect(byDefault.code).toBe(Code.DEADLINE_EXCEEDED);
    expect(byDefault.endedAt).toBeGreaterThanOrEqual(byDefault.deadline - 50);
    expect(byDefault.endedAt).toBeLessThan(byDefault.deadline + 1_500);
    expect((await catalog.putItem({ itemId: "i1", title: "600" }, { timeoutMs: 5_000 })).title).toBe("600");
  });
});

describe("a client policy that cannot work fails generation", () => {
  const cases: { what: string; rpc: string; error: string }[] = [
    {
      what: "retries on a method not marked idempotent",
      rpc: "rpc Create(R) returns (R) { option (grpckit.v1.method).client.retry = {max_attempts: 3}; }",
      error:
        "method Create: retry: the method is not marked safe to call twice, and a retried call may have taken effect the first time; if calling it twice does no harm, add `option idempotency_level = IDEMPOTENT;` (or NO_SIDE_EFFECTS) to the rpc; otherwise remove the retry policy",
    },
    {
      what: "no max_attempts",
      rpc: "rpc Get(R) returns (R) { option idempotency_level = NO_SIDE_EFFECTS; option (grpckit.v1.method).client.retry = {retryable_codes: ['UNAVAILABLE']}; }",
      error:
        "method Get: retry.max_attempts 0: is required; give the attempts in all, the first one included: 2 to 5 (grpc-js makes 5 at most)",
    },
    {
      what: "too many attempts",
      rpc: "rpc Get(R) returns (R) { option idempotency_level = IDEMPOTENT; option (grpckit.v1.method).client.retry = {max_attempts: 6}; }",
      error:
        "method Get: retry.max_attempts 6: is out of range; give the attempts in all, the first one included: 2 to 5 (grpc-js makes 5 at most)",
    },
    {
      what: "a code in lower case",
      rpc: "rpc Get(R) returns (R) { option idempotency_level = IDEMPOTENT; option (grpckit.v1.method).client.retry = {max_attempts: 2, retryable_codes: ['deadline exceeded']}; }",
      error:
        'method Get: retry.retryable_codes "deadline exceeded": is not a gRPC status code name; write "DEADLINE_EXCEEDED"',
    },
    {
      what: "retrying OK",
      rpc: "rpc Get(R) returns (R) { option idempotency_level = IDEMPOTENT; option (grpckit.v1.method).client.retry = {max_attempts: 2, retryable_codes: ['OK']}; }",
      error: 'method Get: retry.retryable_codes "OK": a call that succeeded is not retried; remove it',
    },
    {
      what: "a zero timeout",
      rpc: "rpc Get(R) returns (R) { option (grpckit.v1.method).client.timeout = {}; }",
      error:
        "method Get: timeout 0s 0ns: is zero; give a duration longer than 0, e.g. {seconds: 2} or {nanos: 250000000}",
    },
    {
      what: "a max backoff below the initial one",
      rpc: "rpc Get(R) returns (R) { option idempotency_level = IDEMPOTENT; option (grpckit.v1.method).client.retry = {max_attempts: 3, initial_backoff: {seconds: 2}, max_backoff: {seconds: 1}}; }",
      error:
        "method Get: retry.max_backoff 1s: is shorter than initial_backoff 2s; make max_backoff at least initial_backoff",
    },
  ];

  const caseName = (i: number) => `c${String(i + 1).padStart(2, "0")}`;
  const dir = join(scratch, "bad");
  mkdirSync(join(dir, "bad/v1"), { recursive: true });
  symlinkSync(join(root, "proto/grpckit"), join(dir, "grpckit"));
  cases.forEach((c, i) => {
    const pkg = `bad.v1.${caseName(i)}`;
    writeFileSync(
      join(dir, `bad/v1/${caseName(i)}.proto`),
      [
        'syntax = "proto3";',
        `package ${pkg};`,
        'import "grpckit/v1/options.proto";',
        `service S { ${c.rpc.replaceAll("'", '"')} }`,
        "message R {}",
        "",
      ].join("\n"),
    );
  });
  let all: CodeGeneratorRequest | undefined;
  const requestOf = (name: string): CodeGeneratorRequest => {
    all ??= requestFor(dir, "target=ts");
    return create(CodeGeneratorRequestSchema, {
      ...all,
      fileToGenerate: [name],
      sourceFileDescriptors: all.sourceFileDescriptors.filter((f) => f.name === name),
    });
  };
  const expected = (i: number) =>
    `invalid client policy in bad/v1/${caseName(i)}.proto: service bad.v1.${caseName(i)}.S, ${cases[i]?.error}`;

  cases.forEach((c, i) => {
    test(c.what, () => {
      expect(() => protocGenGrpckit.run(requestOf(`bad/v1/${caseName(i)}.proto`))).toThrow(expected(i));
      try {
        protocGenGrpckit.run(requestOf(`bad/v1/${caseName(i)}.proto`));
      } catch (error) {
        expect((error as Error).message).toBe(expected(i)); // one line, exactly
      }
    });
  });

  test("through the executable: one line, no stack trace, exit code 1, no output", () => {
    const run = spawnSync(grpckitBin, [], {
      input: toBinary(CodeGeneratorRequestSchema, requestOf("bad/v1/c01.proto")),
    });
    expect(run.status).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr.toString()).toBe(`protoc-gen-grpckit: ${expected(0)}\n`);
  });
});
