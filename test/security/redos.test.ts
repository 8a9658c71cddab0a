import { Code, RpcError } from "grpckit";
import { describe, expect, test } from "vitest";
import { PatternsService } from "../golden/validate/gen/rules/v1/patterns_grpckit.js";
import { serve, within } from "../support/serve.js";

/*
 * Regular-expression denial of service: a string.pattern V8 would backtrack
 * on exponentially (`^(a|a)*$`: 26 characters took 5 s natively) runs on
 * @bufbuild/re2, in time linear in the input, so one caller's crafted
 * request costs what its size costs, and the other callers keep being
 * served. (Were the pattern run natively, the first request would hold the
 * event loop for longer than any test runs.)
 */

const valid = { alternation: "", nested: "x", unanchored: "a@", slug: "a" };

describe("a pattern V8 would backtrack on", () => {
  test("one caller's crafted requests are refused, and another caller's calls are served meanwhile", async () => {
    let handled = 0;
    const { client, connect } = await serve(PatternsService, {
      async check(request) {
        handled++;
        return request;
      },
    });
    const victim = connect(PatternsService);
    const crafted = [
      { ...valid, alternation: `${"a".repeat(300_000)}!` },
      { ...valid, nested: "a".repeat(300_000) },
      { ...valid, unanchored: "a".repeat(300_000) },
    ];
    const attacks = crafted.map((request) =>
      client.check(request).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    const served: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await within(victim.check({ ...valid, slug: `call-${i}` }), `the victim's call ${i}`, 30_000);
      served.push(answer.slug);
    }
    expect(served).toEqual(Array.from({ length: 20 }, (_, i) => `call-${i}`));
    const failures = await within(Promise.all(attacks), "the crafted requests", 30_000);
    expect(failures.map((f) => (f instanceof RpcError ? [f.code, f.fieldViolations.map((v) => v.field)] : f))).toEqual([
      [Code.INVALID_ARGUMENT, ["alternation"]],
      [Code.INVALID_ARGUMENT, ["nested"]],
      [Code.INVALID_ARGUMENT, ["unanchored"]],
    ]);
    // Only the victim's calls reached the handler.
    expect(handled).toBe(20);
  });
});
