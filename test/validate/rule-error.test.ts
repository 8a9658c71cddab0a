import { describe, expect, it } from "vitest";
import { CelEvalError, celRuleFailed } from "../../runtime/validate/rule-error.js";

/*
 * A CEL rule that fails to evaluate is named in its error (field, rule id),
 * with a bounded excerpt of each: a map key in the path is the caller's.
 */
describe("celRuleFailed", () => {
  it("names the field and the rule of a CEL runtime error, and rethrows anything else as it is", () => {
    expect(() => celRuleFailed(new CelEvalError("division by zero"), "items[2].n", "n.ratio")).toThrow(
      new CelEvalError("items[2].n: n.ratio: division by zero"),
    );
    expect(() => celRuleFailed(new CelEvalError("integer overflow"), "", "range.ordered")).toThrow(
      "range.ordered: integer overflow",
    );
    const bug = new TypeError("not a CEL error");
    expect(() => celRuleFailed(bug, "a", "b")).toThrow(bug);
  });

  it("keeps a caller's huge map key in the path to an excerpt", () => {
    const key = "k".repeat(1_000_000);
    let message = "";
    try {
      celRuleFailed(new CelEvalError("no such key"), `labels["${key}"]`, "labels.known");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^labels\["k+.*: labels\.known: no such key$/);
    expect(message.length).toBeLessThan(2_000);
  });
});
