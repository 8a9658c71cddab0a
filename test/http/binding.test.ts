import { describe, expect, it } from "vitest";
import { httpBinding } from "../../runtime/http/binding.js";

describe("httpBinding (what generated http: rows call)", () => {
  it("keeps only the parts that are set, so a binding without a body has no body key", () => {
    expect(httpBinding("GET", "/v1/{name=shelves/*}")).toStrictEqual({ method: "GET", path: "/v1/{name=shelves/*}" });
    expect(httpBinding("POST", "/v1/shelves", "*")).toStrictEqual({ method: "POST", path: "/v1/shelves", body: "*" });
    expect(httpBinding("GET", "/v1/count", undefined, "count")).toStrictEqual({
      method: "GET",
      path: "/v1/count",
      responseBody: "count",
    });
  });
});
