import { describe, expect, it } from "vitest";
import { isEmail, isHostname, isIp, isIpv4, isIpv6, isUri, isUuid } from "../../runtime/validate/formats.js";

/*
 * The format checks scan their input once (runtime/validate/format-scan.ts),
 * so a caller's megabyte-long value costs a megabyte's scan: each case below
 * would take hours if a check went back over what it had read (a quadratic
 * scan of 10^6 characters is 10^12 steps), and answers as a short one does.
 */
const n = 1_000_000;
const cases: [string, (s: string) => boolean, string, boolean][] = [
  ["email, a long local part", isEmail, `${"a".repeat(n)}@example.com`, true],
  ["email, local part without @", isEmail, "a.".repeat(n / 2), false],
  ["email, many labels", isEmail, `a@${"b.".repeat(n / 2)}c`, true],
  ["email, many labels ending in a hyphen", isEmail, `a@${"b.".repeat(n / 2)}c-`, false],
  ["hostname, many labels", isHostname, `${"a.".repeat(n / 2)}b`, false],
  ["hostname, one long label", isHostname, "a".repeat(n), false],
  ["uuid, long", isUuid, "a".repeat(n), false],
  ["ipv4, many dots", isIpv4, "1.".repeat(n / 2), false],
  ["ipv6, many groups", isIpv6, "1:".repeat(n / 2), false],
  ["ipv6, many groups after ::", isIpv6, `::${"1:".repeat(n / 2)}1`, false],
  ["ipv6, a long zone id", isIpv6, `fe80::1%${"z".repeat(n)}`, true],
  ["ip, many colons", isIp, ":".repeat(n), false],
  ["uri, a long path", isUri, `https://example.com/${"a/".repeat(n / 2)}`, true],
  ["uri, many percent-encoded octets in the host", isUri, `https://${"%c3%96".repeat(n / 6)}`, true],
  ["uri, an IPv6 literal of many groups", isUri, `https://[${"1:".repeat(n / 2)}1]/`, false],
  ["uri, many question marks and hashes", isUri, `a:${"?#".repeat(n / 2)}`, false],
  ["uri, many @ and :", isUri, `a://${"@:".repeat(n / 2)}`, false],
];

describe("format checks on hostile input", () => {
  for (const [name, check, input, expected] of cases) {
    it(`${name} (${input.length.toLocaleString("en-US")} characters): ${expected}`, () => {
      expect(check(input)).toBe(expected);
    });
  }
});
