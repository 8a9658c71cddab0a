import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, RpcError, validate } from "grpckit";
import { describe, expect, it } from "vitest";
import { CelEvalError } from "../../runtime/validate/cel-ops.js";
import { Accounts } from "../golden/protovalidate/gen/pv/v1/cel_grpckit.js";
import { CreateAccountRequestSchema } from "../golden/protovalidate/gen/pv/v1/cel_pb.js";
import {
  CreateAccountRequestValidator,
  CreateAccountRequestZod,
} from "../golden/protovalidate/gen/pv/v1/cel_validate.js";
import { PredefinedSchema } from "../golden/protovalidate/gen/pv/v1/predefined_pb.js";
import { PredefinedValidator } from "../golden/protovalidate/gen/pv/v1/predefined_validate.js";
import { serve } from "../support/serve.js";

/*
 * CEL rules (test/golden/protovalidate/proto/pv/v1/cel.proto) in generated
 * validators: compiled ones and fallback ones (grpckit/cel) report their rule
 * id as the violation's reason, with protovalidate's messages; a server
 * refuses a request that breaks one, and answers a CEL runtime error
 * INVALID_ARGUMENT without reaching the handler.
 */

type Init = MessageInitShape<typeof CreateAccountRequestSchema>;

const valid: Init = {
  name: "ada",
  password: "correct horse",
  confirmPassword: "correct horse",
  age: 36,
  tags: ["math", "poet"],
  quotas: { cpu: 4 },
  shareOf100: 25,
  expires: timestampFromMs(Date.now() + 3_600_000),
  token: new TextEncoder().encode("tk-1"),
};

const invalid: Init = {
  name: "Ada",
  password: "short",
  confirmPassword: "other",
  age: 12,
  tags: ["ok", "far-too-long"],
  quotas: { cpu: -1 },
  shareOf100: 30,
  expires: timestampFromMs(Date.now() - 3_600_000),
  token: new TextEncoder().encode("xx"),
};

const invalidViolations = [
  { field: "name", description: "must be lowercase", reason: "name.lowercase" },
  { field: "password", description: '"size(this) >= 8" returned false', reason: "size(this) >= 8" },
  { field: "age", description: "must be at least 18, not 12", reason: "age.adult" },
  { field: "tags[1]", description: "a tag has at most 8 characters", reason: "tag.short" },
  { field: 'quotas["cpu"]', description: '"this >= 0" returned false', reason: "this >= 0" },
  { field: "share_of_100", description: "must divide 100", reason: "share.divides" },
  { field: "expires", description: "must be in the future", reason: "expires.future" },
  { field: "token", description: "must start with tk", reason: "token.prefix" },
  { field: "", description: "password and confirmation must match", reason: "password.confirmed" },
];

describe("CEL rules in a generated validator", () => {
  it("accepts a message that keeps every rule, compiled and fallback", () => {
    expect(validate(CreateAccountRequestValidator, create(CreateAccountRequestSchema, valid))).toEqual([]);
  });

  it("reports each broken rule with its id as the reason and protovalidate's message", () => {
    expect(validate(CreateAccountRequestValidator, create(CreateAccountRequestSchema, invalid))).toEqual(
      invalidViolations,
    );
  });

  it("throws a CelEvalError for a CEL runtime error (100 % 0), not a violation", () => {
    const message = create(CreateAccountRequestSchema, { ...valid, shareOf100: 0 });
    expect(() => validate(CreateAccountRequestValidator, message)).toThrow(CelEvalError);
  });

  it("the zod schema checks the compiled CEL rules and leaves the fallback ones to the validator", () => {
    const result = CreateAccountRequestZod.safeParse(invalid);
    expect(result.success).toBe(false);
    const reasons = (result.error?.issues ?? []).map((i) => (i as { params?: { reason?: string } }).params?.reason);
    expect(reasons.sort()).toEqual(
      [
        "size(this) >= 8",
        "age.adult",
        "tag.short",
        "this >= 0",
        "share.divides",
        "expires.future",
        "password.confirmed",
      ].sort(),
    );
    expect(CreateAccountRequestZod.safeParse(valid).success).toBe(true);
  });
});

describe("predefined rules (pv/v1/predefined.proto)", () => {
  it("apply the extension's CEL with `rule` inlined (compiled) or bound (fallback)", () => {
    const ok = create(PredefinedSchema, { color: "red", title: "three small words", pairs: [2, -4, 0] });
    expect(validate(PredefinedValidator, ok)).toEqual([]);
    const bad = create(PredefinedSchema, { color: "green", title: "one two three four", pairs: [2, 3] });
    expect(validate(PredefinedValidator, bad)).toEqual([
      { field: "color", description: "must be one of the listed words", reason: "string.one_of_words" },
      { field: "title", description: "must have at most 3 words", reason: "string.at_most_words" },
      { field: "pairs[1]", description: "must be even", reason: "int32.even" },
    ]);
  });

  it("check the value of each item of a repeated wrapper field (standard and predefined rules)", () => {
    const message = create(PredefinedSchema, { boxed: [{ value: 4 }, { value: 3 }, { value: -2 }] });
    expect(validate(PredefinedValidator, message)).toEqual([
      { field: "boxed[1]", description: "must be even", reason: "int32.even" },
      { field: "boxed[2]", description: "must be greater than 0", reason: "INT32_GT" },
    ]);
  });
});

describe("a server with CEL rules", () => {
  it("refuses an invalid request INVALID_ARGUMENT with the rule ids in the BadRequest details; the handler is not called", async () => {
    let called = 0;
    const { client } = await serve(Accounts, {
      async create(request) {
        called++;
        return { name: request.name };
      },
    });
    const failure = await client.create(invalid).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(RpcError);
    const error = failure as RpcError;
    expect(error.code).toBe(Code.INVALID_ARGUMENT);
    expect(error.fieldViolations).toEqual(invalidViolations);
    expect(called).toBe(0);
    expect(await client.create(valid)).toMatchObject({ name: "ada" });
    expect(called).toBe(1);
  });

  it("answers a CEL runtime error INVALID_ARGUMENT without field violations, and keeps serving", async () => {
    let called = 0;
    const { client } = await serve(Accounts, {
      async create(request) {
        called++;
        return { name: request.name };
      },
    });
    const failure = (await client.create({ ...valid, shareOf100: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    )) as RpcError;
    expect(failure).toBeInstanceOf(RpcError);
    expect(failure.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure.rawMessage).toBe(
      "invalid pv.v1.CreateAccountRequest: a validation rule failed to evaluate: share_of_100: share.divides: modulus by zero",
    );
    expect(failure.fieldViolations).toEqual([]);
    expect(called).toBe(0);
    expect(await client.create(valid)).toMatchObject({ name: "ada" });
  });
});
