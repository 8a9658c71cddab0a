import { create } from "@bufbuild/protobuf";
import { Code, RpcError } from "grpckit";
import { type Money, MoneySchema } from "../../generated-example/ecommerce/v1/common_pb.js";

/*
 * Arithmetic on google.type.Money-style amounts, exactly: in nanos, as bigint.
 */

const NANOS_PER_UNIT = 1_000_000_000n;

/** The most whole units a Money holds: its `units` is an int64. */
const MAX_UNITS = 2n ** 63n - 1n;

function toNanos(amount: Money): bigint {
  return amount.units * NANOS_PER_UNIT + BigInt(amount.nanos);
}

function fromNanos(currencyCode: string, nanos: bigint): Money {
  // bigint division truncates towards zero, so units and nanos share the sign.
  return create(MoneySchema, { currencyCode, units: nanos / NANOS_PER_UNIT, nanos: Number(nanos % NANOS_PER_UNIT) });
}

/**
 * The sum of `price × quantity` over `lines`, in their one currency. Lines in
 * different currencies have no total: FAILED_PRECONDITION. A total past what
 * a Money holds (int64 units) is INVALID_ARGUMENT: the quantities asked for
 * are too large; encoding it would fail the call with INTERNAL instead.
 */
export function totalOf(lines: readonly { unitPrice: Money; quantity: number }[]): Money {
  const currencies = new Set(lines.map((line) => line.unitPrice.currencyCode));
  if (currencies.size > 1) {
    throw new RpcError(
      Code.FAILED_PRECONDITION,
      `the items are priced in different currencies: ${[...currencies].join(", ")}`,
    );
  }
  const [currencyCode = ""] = currencies;
  const nanos = lines.reduce((sum, line) => sum + toNanos(line.unitPrice) * BigInt(line.quantity), 0n);
  if (nanos / NANOS_PER_UNIT > MAX_UNITS) {
    throw new RpcError(
      Code.INVALID_ARGUMENT,
      `the order's total is more than an amount can hold (${MAX_UNITS} ${currencyCode}): order fewer items`,
    );
  }
  return fromNanos(currencyCode, nanos);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`; undefined across currencies. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 | undefined {
  if (a.currencyCode !== b.currencyCode) {
    return undefined;
  }
  const difference = toNanos(a) - toNanos(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** `EUR 25.50`, for people. */
export function formatMoney(amount: Money | undefined): string {
  if (amount === undefined) {
    return "(no price)";
  }
  const nanos = toNanos(amount);
  const sign = nanos < 0n ? "-" : "";
  const abs = nanos < 0n ? -nanos : nanos;
  const cents = (abs % NANOS_PER_UNIT) / 10_000_000n;
  return `${amount.currencyCode} ${sign}${abs / NANOS_PER_UNIT}.${cents.toString().padStart(2, "0")}`;
}
