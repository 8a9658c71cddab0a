import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { beforeAll, describe, expect, it } from "vitest";
import { messageType } from "../../plugin/model/cel/index.js";
import {
  isEmail,
  isHostAndPort,
  isHostname,
  isIp,
  isIpPrefix,
  isUri,
  isUriRef,
} from "../../runtime/validate/formats.js";
import { root } from "../support/codegen.js";
import { buildProtos, mustCompile, outcome, runCompiled, runFallback } from "./cel-support.js";

/*
 * protovalidate's library conformance cases (suites library/is_*), run
 * straight through the format functions: each case message holds one CEL
 * expression calling one library function on its fields (library.proto), so
 * the function answers for the case. This holds the functions to
 * protovalidate's semantics independently of the CEL wiring.
 */

interface LibraryCase {
  readonly suite: string;
  readonly name: string;
  readonly message: string;
  readonly input: { Val?: string; Version?: number; Strict?: boolean; PortRequired?: boolean };
  readonly expected: { valid?: boolean };
}

const cases = (
  JSON.parse(readFileSync(join(root, "test/conformance/expectations.json"), "utf8")) as { cases: LibraryCase[] }
).cases.filter((c) => c.suite.startsWith("library/"));

/** What library.proto's expression of each case message computes, on the format functions. */
const answers: Record<string, (i: LibraryCase["input"], val: string) => boolean> = {
  "cases.IsEmail": (_, v) => isEmail(v),
  "cases.IsHostname": (_, v) => isHostname(v),
  "cases.IsIp": (i, v) => (i.Version === undefined ? isIp(v) : isIp(v, i.Version)),
  "cases.IsIpPrefix": (i, v) => isIpPrefix(v, i.Version, i.Strict),
  "cases.IsUri": (_, v) => isUri(v),
  "cases.IsUriRef": (_, v) => isUriRef(v),
  "cases.IsHostAndPort": (i, v) => isHostAndPort(v, i.PortRequired === true),
};

describe("protovalidate's library cases through the format functions", () => {
  const suites = [...new Set(cases.map((c) => c.suite))].sort();

  it("cover the seven library suites (635 cases)", () => {
    expect(suites).toEqual([
      "library/is_email",
      "library/is_host_and_port",
      "library/is_hostname",
      "library/is_ip",
      "library/is_ip_prefix",
      "library/is_uri",
      "library/is_uri_ref",
    ]);
    expect(cases.length).toBe(635);
  });

  for (const suite of suites) {
    const ofSuite = cases.filter((c) => c.suite === suite);
    it(`${suite}: all ${ofSuite.length} cases answer as expected`, () => {
      const wrong = ofSuite
        .filter((c) => {
          const answer = answers[c.message];
          if (answer === undefined) throw new Error(`no function for ${c.message}`);
          return answer(c.input, c.input.Val ?? "") !== (c.expected.valid === true);
        })
        .map((c) => `${c.name}: ${JSON.stringify(c.input)}`);
      expect(wrong).toEqual([]);
    });
  }
});

/** library.proto's messages, without their options, and each one's CEL expression (as library.proto has it). */
const libraryProto = `
syntax = "proto3";
package library.v1;
message IsHostname { string val = 1; }
message IsHostAndPort { string val = 1; bool port_required = 2; }
message IsIpPrefix { string val = 1; optional int32 version = 2; optional bool strict = 3; }
message IsIp { string val = 1; optional int32 version = 2; }
message IsEmail { string val = 1; }
message IsUri { string val = 1; }
message IsUriRef { string val = 1; }
`;

const expressions: Record<string, string> = {
  IsHostname: "this.val.isHostname()",
  IsHostAndPort: "this.val.isHostAndPort(this.port_required)",
  IsIpPrefix:
    "has(this.version) && has(this.strict) ? this.val.isIpPrefix(this.version, this.strict) : has(this.version) ? this.val.isIpPrefix(this.version) : has(this.strict) ? this.val.isIpPrefix(this.strict) : this.val.isIpPrefix()",
  IsIp: "has(this.version) ? this.val.isIp(this.version) : this.val.isIp()",
  IsEmail: "this.val.isEmail()",
  IsUri: "this.val.isUri()",
  IsUriRef: "this.val.isUriRef()",
};

describe("protovalidate's library cases through both CEL paths (compiled and @bufbuild/cel)", () => {
  let types: Map<string, DescMessage>;
  beforeAll(() => {
    const registry = buildProtos({ "library.proto": libraryProto });
    types = new Map(
      Object.keys(expressions).map((name) => [name, registry.getMessage(`library.v1.${name}`) as DescMessage]),
    );
  });

  for (const [name, expression] of Object.entries(expressions)) {
    const ofType = cases.filter((c) => c.message === `cases.${name}`);
    it(`${name}: ${expression.length > 40 ? `${expression.slice(0, 40)}…` : expression} compiles, and both paths answer all ${ofType.length} cases as expected`, () => {
      const desc = types.get(name) as DescMessage;
      const env = { this: messageType(desc) };
      const compiled = runCompiled(mustCompile(expression, env));
      const fallback = runFallback(expression, env);
      const wrong: string[] = [];
      for (const c of ofType) {
        const message = create(desc, {
          val: c.input.Val ?? "",
          ...(c.input.Version === undefined ? {} : { version: c.input.Version }),
          ...(c.input.Strict === undefined ? {} : { strict: c.input.Strict }),
          ...(c.input.PortRequired === undefined ? {} : { portRequired: c.input.PortRequired }),
        } as never);
        const expected = c.expected.valid === true;
        const got = [outcome(compiled, message), outcome(fallback, message)];
        if (got[0] !== expected || got[1] !== expected) {
          wrong.push(`${c.name}: compiled ${JSON.stringify(got[0])}, fallback ${JSON.stringify(got[1])}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
