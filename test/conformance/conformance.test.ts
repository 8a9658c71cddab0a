import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { validate } from "grpckit";
import { describe, expect, it } from "vitest";
import { StringsSchema } from "../golden/validate/gen/rules/v1/rules_pb.js";
import { StringsValidator } from "../golden/validate/gen/rules/v1/rules_validate.js";
import { root } from "../support/codegen.js";

/*
 * protovalidate's official conformance expectations (extracted by
 * scripts/extract-conformance.mjs from <repo>/../shared/protovalidate-v1.2.2),
 * run through grpckit's generated validators where grpckit can already express
 * the case's rules. A user's clone has no shared data: the suite skips.
 */

const shared = join(root, "..", "shared", "protovalidate-v1.2.2");
const present = existsSync(shared);

interface Case {
  readonly suite: string;
  readonly name: string;
  readonly message: string;
  readonly val?: string;
  readonly expected: { valid?: boolean; violations?: unknown[]; compilationError?: string; runtimeError?: string };
}

/** Conformance messages whose one rule is a string format rules.v1.Strings has a field for. */
const formatFields: Record<string, "email" | "hostname" | "ip" | "ipv4" | "ipv6" | "uri" | "uuid"> = {
  IsEmail: "email",
  StringEmail: "email",
  IsHostname: "hostname",
  StringHostname: "hostname",
  IsIp: "ip",
  StringIP: "ip",
  StringIPv4: "ipv4",
  StringIPv6: "ipv6",
  IsUri: "uri",
  StringURI: "uri",
  StringUUID: "uuid",
};

/**
 * Cases grpckit gets wrong today, each with the reason; the test fails when
 * this list and the measured failures differ, so a fix or a regression shows.
 */
const knownFailures: Record<string, string> = {};

if (!present) {
  console.warn(`conformance: skipped, ${shared} is absent (protovalidate's conformance data, present in CI)`);
}

describe.skipIf(!present)("protovalidate conformance", () => {
  it("expectations.json is a fresh extract of the official suite", () => {
    const run = spawnSync(process.execPath, [join(root, "scripts/extract-conformance.mjs"), "--check"], {
      encoding: "utf8",
    });
    expect(run.stdout.trim()).toBe("expectations.json is up to date");
    expect(run.status).toBe(0);
  });

  it("string format cases pass through the generated validators", () => {
    const data = JSON.parse(readFileSync(join(root, "test/conformance/expectations.json"), "utf8")) as {
      cases: Case[];
    };
    const runnable = data.cases.filter(
      (c) =>
        c.message.replace(/^cases\./, "") in formatFields &&
        c.val !== undefined &&
        (c.expected.valid === true || c.expected.violations !== undefined),
    );
    const failures: string[] = [];
    for (const c of runnable) {
      const field = formatFields[c.message.replace(/^cases\./, "")] as string;
      const message = create(StringsSchema, { [field]: c.val });
      const valid = !validate(StringsValidator, message).some((v) => v.field === field);
      if (valid !== (c.expected.valid === true)) {
        failures.push(`${c.suite}/${c.name}`);
      }
    }
    const passed = runnable.length - failures.length;
    console.log(`conformance: ${passed}/${runnable.length} string format cases passed (of ${data.cases.length} cases)`);
    expect(runnable.length).toBeGreaterThan(250);
    expect(failures.sort()).toEqual(Object.keys(knownFailures).sort());
  });
});
