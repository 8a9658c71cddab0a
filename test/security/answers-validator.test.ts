import { create } from "@bufbuild/protobuf";
import { type FieldViolation, validate } from "grpckit";
import { describe, expect, test } from "vitest";
import { CreateOrderRequestSchema } from "../../generated-example/ecommerce/v1/order_pb.js";
import { CreateOrderRequestValidator } from "../../generated-example/ecommerce/v1/order_validate.js";
import { StreamProductUpdatesRequestSchema } from "../../generated-example/ecommerce/v1/product_pb.js";
import { StreamProductUpdatesRequestValidator } from "../../generated-example/ecommerce/v1/product_validate.js";

/*
 * Amplification (issue 16): a request of a million bad items must cost about
 * what the violations limit of them costs. The generated validators stop
 * collecting at the limit; these lists count how many items were read.
 */

/** `items`, as an array whose iteration counts the items read. */
function counted<T>(items: T[]): { list: T[]; read: () => number } {
  let read = 0;
  const iterate = items[Symbol.iterator].bind(items);
  Object.defineProperty(items, Symbol.iterator, {
    value: () => {
      const inner = iterate();
      return {
        next: () => {
          read++;
          return inner.next();
        },
        [Symbol.iterator]() {
          return this;
        },
      };
    },
  });
  return { list: items, read: () => read };
}

describe("validators stop collecting at the limit", () => {
  test("a million empty ids: 100 violations, about 100 items read", () => {
    const { list, read } = counted(Array.from({ length: 1_000_000 }, () => ""));
    const request = create(StreamProductUpdatesRequestSchema);
    request.productIds = list;
    const violations = validate(StreamProductUpdatesRequestValidator, request, 100);
    expect(violations).toHaveLength(100);
    expect(violations[0]).toMatchObject({ field: "product_ids", reason: "REPEATED_MAX_ITEMS" });
    expect(violations[1]).toMatchObject({ field: "product_ids", reason: "REPEATED_UNIQUE" });
    expect(violations[99]).toMatchObject({ field: "product_ids[97]", reason: "STRING_MIN_LEN" });
    // The uniqueness rule reads the whole list once (into a Set); the loop of violations stops at the limit.
    expect(read()).toBeLessThan(1_000_000 + 200);
  });

  test("nested messages get the limit: a list of bad items stops inside and outside", () => {
    const items = Array.from({ length: 10_000 }, () => ({ productId: "", quantity: 0 }));
    const { list, read } = counted(items);
    const request = create(CreateOrderRequestSchema, { userId: "u1" });
    request.items = list as unknown as typeof request.items;
    const out: FieldViolation[] = [];
    CreateOrderRequestValidator.check(request, out, 50);
    // Each item adds two violations; the loop stops at the first item that finds the list full.
    expect(out.length).toBeGreaterThanOrEqual(50);
    expect(out.length).toBeLessThanOrEqual(52);
    expect(read()).toBeLessThanOrEqual(27);
    expect(out[0]).toMatchObject({ field: "items", reason: "REPEATED_MAX_ITEMS" });
    expect(out[1]).toMatchObject({ field: "items[0].product_id" });
  });

  test("without a limit, every violation is collected, as before", () => {
    const request = create(StreamProductUpdatesRequestSchema, { productIds: Array.from({ length: 1000 }, () => "") });
    expect(validate(StreamProductUpdatesRequestValidator, request)).toHaveLength(1002);
  });
});
