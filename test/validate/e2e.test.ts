import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Metadata } from "@grpc/grpc-js";
import {
  Code,
  clientValidation,
  type FieldViolation,
  RpcError,
  type ServerInterceptor,
  STATUS_DETAILS_KEY,
} from "grpckit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OrderService } from "../../generated-example/ecommerce/v1/order_grpckit.js";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { BadRequestSchema } from "../../runtime/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../runtime/gen/google/rpc/status_pb.js";
import { PvService } from "../golden/protovalidate/gen/pv/v1/pv_grpckit.js";
import { RulesService } from "../golden/validate/gen/rules/v1/rules_grpckit.js";
import { type ItemSchema, MessagesSchema } from "../golden/validate/gen/rules/v1/rules_pb.js";
import { root } from "../support/codegen.js";
import { orderHandlers, userHandlers } from "../support/in-memory-shop.js";
import { collect, serve } from "../support/serve.js";
import { requireTools } from "../support/tools.js";

/*
 * Requests that break the rules of test/golden/validate never reach their
 * handler: the server answers INVALID_ARGUMENT with a google.rpc.BadRequest in
 * the grpc-status-details-bin trailer, which grpckit's client and a foreign
 * client (Python's grpcio) both decode.
 */

const invalidMessages = {
  requiredItem: { quantity: 0, sku: "" },
  tree: { name: "root", children: [{ name: "" }], named: { leaf: { name: "" } } },
};

const expectedViolations: FieldViolation[] = [
  { field: "required_item.quantity", description: "must be greater than 0", reason: "INT32_GT" },
  { field: "required_item.sku", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
  { field: "tree.children[0].name", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
  { field: 'tree.named["leaf"].name', description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
];

/** Counts the calls that reached the server's handler chain. */
function counter(): { interceptor: ServerInterceptor; readonly calls: number } {
  let calls = 0;
  return {
    interceptor: (next) => (call) => {
      calls++;
      return next(call);
    },
    get calls() {
      return calls;
    },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<RpcError> {
  const failure = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(RpcError);
  return failure as RpcError;
}

async function* items(
  ...list: MessageInitShape<typeof ItemSchema>[]
): AsyncGenerator<MessageInitShape<typeof ItemSchema>> {
  for (const item of list) {
    yield item;
  }
}

describe("a server validating requests", () => {
  it("answers an invalid unary request INVALID_ARGUMENT with BadRequest details; the handler is not called", async () => {
    let called = 0;
    const { client } = await serve(RulesService, {
      async check() {
        called++;
        return {};
      },
    });
    const failure = await failureOf(client.check(invalidMessages));
    expect(called).toBe(0);
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.rawMessage).toBe(
      "invalid rules.v1.Messages: required_item.quantity: must be greater than 0; required_item.sku: must be at least 1 character long; " +
        'tree.children[0].name: must be at least 1 character long; tree.named["leaf"].name: must be at least 1 character long',
    );
    expect(failure.fieldViolations).toEqual(expectedViolations);

    // The trailer is a plain google.rpc.Status, as any gRPC client reads it.
    const [details] = failure.metadata.get(STATUS_DETAILS_KEY);
    const status = fromBinary(StatusSchema, details as Buffer);
    expect(status.code).toBe(Code.INVALID_ARGUMENT);
    expect(status.message).toBe(failure.rawMessage);
    expect(status.details.map((d) => d.typeUrl)).toEqual(["type.googleapis.com/google.rpc.BadRequest"]);
    const badRequest = status.details[0] && anyUnpack(status.details[0], BadRequestSchema);
    expect(
      badRequest?.fieldViolations.map(({ field, description, reason }) => ({ field, description, reason })),
    ).toEqual(expectedViolations);
  });

  it("answers INVALID_ARGUMENT for a request a rule cannot be applied to (bytes.pattern on bytes that are not UTF-8), and keeps serving", async () => {
    let called = 0;
    const errors: unknown[] = [];
    const text = (s: string) => new TextEncoder().encode(s);
    const { client } = await serve(
      PvService,
      {
        async match(request) {
          called++;
          return request;
        },
      },
      { onError: (error) => errors.push(error) },
    );
    const failure = await failureOf(
      client.match({ word: new Uint8Array([0x61, 0x99]), letters: text("a"), engine: text("a") }),
    );
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.rawMessage).toBe(
      "invalid pv.v1.BytesPattern: a validation rule failed to evaluate: value must be valid UTF-8 to apply regexp",
    );
    expect(failure.fieldViolations).toEqual([]);
    expect(called).toBe(0);
    expect(errors).toEqual([]);
    // The same server still answers, a valid request and an invalid one.
    await client.match({ word: text("abc"), letters: text("\u03a9"), engine: text("") });
    const invalid = await failureOf(client.match({ word: text("ABC"), letters: text("a"), engine: text("") }));
    expect(invalid.fieldViolations.map((v) => `${v.field}|${v.reason}`)).toEqual(["word|BYTES_PATTERN"]);
    expect(called).toBe(1);
  });

  it("passes a valid request to the handler, and leaves methods without rules alone", async () => {
    const seen: string[] = [];
    const { client } = await serve(RulesService, {
      async check(request) {
        seen.push(request.requiredItem?.sku ?? "");
        return { name: "ok" };
      },
      async unruled(request) {
        return { name: `unruled ${request.name}` };
      },
    });
    expect(await client.check({ requiredItem: { quantity: 1, sku: "s1" } })).toMatchObject({ name: "ok" });
    expect(seen).toEqual(["s1"]);
    expect(await client.unruled({ name: "" })).toMatchObject({ name: "unruled " });
  });

  it("checks a server-streaming request before the handler runs", async () => {
    let called = 0;
    const { client } = await serve(RulesService, {
      async *watch() {
        called++;
        yield { name: "never" };
      },
    });
    const failure = await failureOf(collect(client.watch({ quantity: -1, sku: "s" })));
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.fieldViolations).toEqual([
      { field: "quantity", description: "must be greater than 0", reason: "INT32_GT" },
    ]);
    expect(called).toBe(0);
  });

  it("ends a client stream at its first invalid message; the handler never sees it", async () => {
    const seen: string[] = [];
    const { client } = await serve(RulesService, {
      async upload(requests) {
        for await (const item of requests) seen.push(item.sku);
        return { name: "done" };
      },
    });
    const failure = await failureOf(
      client.upload(items({ quantity: 1, sku: "a" }, { quantity: 0, sku: "b" }, { quantity: 1, sku: "c" })),
    );
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.rawMessage).toBe(
      "invalid rules.v1.Item (message 2 of the request stream): quantity: must be greater than 0",
    );
    expect(failure.fieldViolations).toEqual([
      { field: "quantity", description: "must be greater than 0", reason: "INT32_GT" },
    ]);
    expect(seen).toEqual(["a"]);
  });

  it("fails the call even if the handler catches the validation error", async () => {
    const { client } = await serve(RulesService, {
      async upload(requests) {
        try {
          for await (const _ of requests) {
            // read them all
          }
        } catch {
          // swallowed: the call must fail anyway
        }
        return { name: "swallowed" };
      },
    });
    const failure = await failureOf(client.upload([{ quantity: 0, sku: "a" }]));
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.fieldViolations.map((v) => v.field)).toEqual(["quantity"]);
  });

  it("ends a bidi stream at its first invalid message, after the answers to the valid ones", async () => {
    const seen: string[] = [];
    const { client } = await serve(RulesService, {
      async *exchange(requests) {
        for await (const item of requests) {
          seen.push(item.sku);
          yield { name: `got ${item.sku}` };
        }
      },
    });
    const replies: string[] = [];
    const failure = await failureOf(
      (async () => {
        for await (const reply of client.exchange(items({ quantity: 1, sku: "a" }, { quantity: 2, sku: "" }))) {
          replies.push(reply.name);
        }
      })(),
    );
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.fieldViolations).toEqual([
      { field: "sku", description: "must be at least 1 character long", reason: "STRING_MIN_LEN" },
    ]);
    expect(seen).toEqual(["a"]);
    expect(replies).toEqual(["got a"]);
  });
});

describe("the e-commerce services", () => {
  it("refuse an order with a bad item and a user with a bad label, naming the fields as Google APIs do", async () => {
    const { client: orders, connect } = await serve(OrderService, orderHandlers(), {
      setup: (server) => server.add(UserService, userHandlers()),
    });
    const price = { currencyCode: "EUR", units: 10n };
    const item = { productId: "p1", quantity: 1, unitPrice: price };
    const order = await failureOf(
      orders.createOrder({
        userId: "u1",
        items: [item, item, { productId: "p3", quantity: 0, unitPrice: { currencyCode: "eur", units: -1n } }],
        shippingAddress: { city: "Paris", regionCode: "FR" },
      }),
    );
    expect(order.code).toBe(Code.INVALID_ARGUMENT);
    expect(order.fieldViolations).toEqual([
      {
        field: "items[2].quantity",
        description: "must be greater than 0 and less than or equal to 1000",
        reason: "INT32_GT_LTE",
      },
      {
        field: "items[2].unit_price.currency_code",
        description: "must match the pattern /^[A-Z]{3}$/",
        reason: "STRING_PATTERN",
      },
      { field: "items[2].unit_price.units", description: "must be greater than or equal to 0", reason: "INT64_GTE" },
    ]);

    const users = connect(UserService);
    const user = await failureOf(
      users.createUser({ email: "ada@example.com", displayName: "Ada", metadata: { tier: "x".repeat(300) } }),
    );
    expect(user.fieldViolations).toEqual([
      { field: 'metadata["tier"]', description: "must be at most 256 characters long", reason: "STRING_MAX_LEN" },
    ]);
    const created = await users.createUser({
      email: "ada@example.com",
      displayName: "Ada",
      metadata: { tier: "gold" },
    });
    expect(created.user?.metadata).toEqual({ tier: "gold" });
  });
});

describe("clientValidation()", () => {
  it("fails an invalid request before it is sent, with the error the server would answer", async () => {
    const count = counter();
    const { connect } = await serve(
      RulesService,
      {
        async check() {
          return {};
        },
        async upload(requests) {
          for await (const _ of requests) {
            // drain
          }
          return {};
        },
      },
      { interceptors: [count.interceptor] },
    );
    const checked = connect(RulesService, { interceptors: [clientValidation()] });
    const local = await failureOf(checked.check(invalidMessages));
    expect(count.calls).toBe(0);
    expect(local.code).toBe(Code.INVALID_ARGUMENT);
    expect(local.fieldViolations).toEqual(expectedViolations);

    const unchecked = connect(RulesService);
    const remote = await failureOf(unchecked.check(invalidMessages));
    expect(count.calls).toBe(1);
    expect(remote.rawMessage).toBe(local.rawMessage);
    expect(remote.fieldViolations).toEqual(local.fieldViolations);

    // A valid request goes through; an invalid message of a stream cancels it.
    await checked.check({ requiredItem: { quantity: 1, sku: "s" } });
    const streamed = await failureOf(
      checked.upload([
        { quantity: 1, sku: "a" },
        { quantity: 1, sku: "" },
      ]),
    );
    expect(streamed.code).toBe(Code.INVALID_ARGUMENT);
    expect(streamed.fieldViolations.map((v) => v.field)).toEqual(["sku"]);
  });
});

describe("a foreign client", () => {
  beforeAll(() => requireTools("protoc", "protobuf-wkt", "python3-grpcio"));
  const scratch = mkdtempSync(join(tmpdir(), "grpckit-python-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("decodes the BadRequest details with Python's grpcio and google.rpc messages compiled by protoc", async () => {
    const { address } = await serve(RulesService, {
      async check() {
        return {};
      },
    });
    // google.rpc.Status and BadRequest for Python, from the same .proto files the runtime's come from.
    const googleProtos = join(root, "node_modules/google-proto-files");
    execFileSync("protoc", [
      `-I${googleProtos}`,
      `--python_out=${scratch}`,
      "google/rpc/status.proto",
      "google/rpc/error_details.proto",
    ]);
    const client = join(scratch, "client.py");
    writeFileSync(
      client,
      `
import json, sys
import grpc
from google.rpc import error_details_pb2, status_pb2

address, request = sys.argv[1], bytes.fromhex(sys.argv[2])
channel = grpc.insecure_channel(address)
check = channel.unary_unary("/rules.v1.RulesService/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)
try:
    check(request, timeout=10)
    print(json.dumps({"ok": True}))
except grpc.RpcError as error:
    details = dict(error.trailing_metadata()).get("grpc-status-details-bin")
    status = status_pb2.Status.FromString(details)
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations += [{"field": v.field, "description": v.description, "reason": v.reason} for v in bad_request.field_violations]
    print(json.dumps({"code": error.code().name, "details": error.details(), "status_code": status.code, "violations": violations}))
`,
    );
    const request = Buffer.from(toBinary(MessagesSchema, create(MessagesSchema, invalidMessages))).toString("hex");
    // Asynchronously: the server answers from this process's event loop.
    const { stdout } = await promisify(execFile)("/usr/bin/python3", [client, address, request], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: scratch },
    });
    const answer = JSON.parse(stdout) as Record<string, unknown>;
    expect(answer).toEqual({
      code: "INVALID_ARGUMENT",
      details: expect.stringMatching(/^invalid rules\.v1\.Messages: required_item\.quantity: must be greater than 0;/),
      status_code: Code.INVALID_ARGUMENT,
      violations: expectedViolations,
    });
  });
});

describe("RpcError.fieldViolations", () => {
  it("is empty without status details, and when they do not decode", () => {
    expect(new RpcError(Code.NOT_FOUND, "nope").fieldViolations).toEqual([]);
    const garbage = new Metadata();
    garbage.set(STATUS_DETAILS_KEY, Buffer.from([0xff, 0xff, 0xff]));
    expect(new RpcError(Code.INVALID_ARGUMENT, "x", { metadata: garbage }).fieldViolations).toEqual([]);
  });
});
