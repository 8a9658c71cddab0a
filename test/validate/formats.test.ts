import { describe, expect, it } from "vitest";
import {
  charCountIsNot,
  codePointCount,
  compareTime,
  fewerCharsThan,
  fewerUtf8BytesThan,
  hasDuplicateBytes,
  hasDuplicates,
  moreCharsThan,
  moreUtf8BytesThan,
  utf8Length,
} from "../../runtime/validate/checks.js";
import {
  isEmail,
  isHostAndPort,
  isHostname,
  isHttpHeaderName,
  isHttpHeaderValue,
  isIp,
  isIpPrefix,
  isIpv4,
  isIpv6,
  isUri,
  isUriRef,
  isUuid,
} from "../../runtime/validate/formats.js";

/** Each format against strings it must accept and strings it must refuse. */
const vectors: [string, (s: string) => boolean, string[], string[]][] = [
  [
    "email",
    isEmail,
    ["a@b.co", "first.last+tag@example.com", "x@localhost", "o'neil@example.org", "a@b-c.d"],
    ["", "a", "a@", "@b.co", "a@b@c", "a b@c.d", "a@-b.com", "a@b-.com", "a@b..com", "\u00e9@b.co", "a@b.c\u00f6m"],
  ],
  [
    "uuid",
    isUuid,
    [
      "123e4567-e89b-12d3-a456-426614174000",
      "00000000-0000-0000-0000-000000000000",
      "ABCDEF01-2345-6789-ABCD-EF0123456789",
    ],
    [
      "",
      "123e4567e89b12d3a456426614174000",
      "123e4567-e89b-12d3-a456-42661417400",
      "g23e4567-e89b-12d3-a456-426614174000",
      "{123e4567-e89b-12d3-a456-426614174000}",
    ],
  ],
  [
    "hostname",
    isHostname,
    ["example.com", "example.com.", "a", "a-b.c", "xn--bcher-kva.example", "a.b2", `${"a".repeat(63)}.com`],
    [
      "",
      ".",
      "-a.com",
      "a-.com",
      "a..com",
      "a.123",
      "123",
      "a_b.com",
      "\u00e9.com",
      `${"a".repeat(64)}.com`,
      `${"a.".repeat(127)}ab`,
    ],
  ],
  [
    "ipv4",
    isIpv4,
    ["0.0.0.0", "127.0.0.1", "255.255.255.255", "1.2.3.4"],
    ["", "256.1.1.1", "01.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.-4", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4"],
  ],
  [
    "ipv6",
    isIpv6,
    [
      "::",
      "::1",
      "1::",
      "1:2:3:4:5:6:7:8",
      "1::8",
      "fe80::1%eth0",
      "::ffff:192.0.2.1",
      "1:2:3:4:5:6:1.2.3.4",
      "ABCD::ef",
    ],
    [
      "",
      ":",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::",
      "1.2.3.4",
      "::1%",
      "1.2.3.4::",
      "::1.2.3",
    ],
  ],
  ["ip", isIp, ["1.2.3.4", "::1"], ["", "1.2.3", "localhost"]],
  [
    "uri",
    isUri,
    [
      "https://example.com",
      "https://user:pw@example.com:8080/a/b?c=d&e#f",
      "urn:isbn:0451450523",
      "mailto:a@example.com",
      "http://[::1]:80/",
      "http://[fe80::1%25eth0]/",
      "http://[v1.fe]/",
      "file:///etc/hosts",
      "a:",
      "http://example.com/%20",
      "http://example.com:/",
      // Percent-encoded UTF-8 in the host and zone id; outside the host, any octet.
      "https://foo%c3%96",
      "https://[::1%25foo%c3%96]",
      "https://%c3x%963@example.com",
      "foo:/nz/%c3x%96",
    ],
    [
      "",
      "example.com",
      "/relative",
      "1http://x",
      "http://a b",
      "http://example.com/%zz",
      "http://[::1/",
      "http://[1.2.3.4]/",
      "http://[fe80::1%eth0]/",
      "http://example.com:8a/",
      "http://ex\u00e4mple.com/",
      "http://a#b#c",
      "http://a@b@c/",
      // A reg-name or zone id whose octets are not UTF-8 (protovalidate conformance).
      "https://foo%c3x%96",
      "https://foo%ff",
      "https://[::1%25foo%c3x%96]",
    ],
  ],
  [
    "uri_ref",
    isUriRef,
    ["", "https://example.com/a?b#c", "./foo/bar?q", "//host:80/p", "/a/b", "#frag", "?q", "a/b:c", "*", "%c3%96"],
    [" ", ":", "a:b c", "1a:b", "./a b", "//[::1/", "%zz", "#a#b", "/\u00e9"],
  ],
  [
    "host and port (port required)",
    (s) => isHostAndPort(s, true),
    ["example.com:80", "127.0.0.1:0", "[::1]:65535", "[fe80::1%eth0]:443", "a.:1"],
    ["", "example.com", "[::1]", "::1:80", "example.com:", "example.com:65536", "example.com:080", "[1.2.3.4]:80"],
  ],
  [
    "host and optional port",
    (s) => isHostAndPort(s, false),
    ["example.com", "127.0.0.1", "[::1]", "example.com:8080"],
    ["", "[::1]:", "host name", "-a.com:80", "[::1]x"],
  ],
  [
    "IP prefix",
    (s) => isIpPrefix(s),
    ["10.0.0.1/8", "0.0.0.0/0", "::1/128", "2001:db8::/32", "::ffff:1.2.3.4/96"],
    ["", "10.0.0.1", "10.0.0.1/", "10.0.0.1/33", "10.0.0.1/08", "::1/129", "::1%eth0/64", "10.0.0.1/8/8"],
  ],
  [
    "IP prefix, strict (a network address)",
    (s) => isIpPrefix(s, 0, true),
    ["10.0.0.0/8", "10.128.0.0/9", "0.0.0.0/0", "2001:db8::/32", "::/0", "ffff::/16"],
    ["10.0.0.1/8", "10.64.0.0/9", "1.0.0.0/0", "2001:db8::1/64", "ffff:8000::/16"],
  ],
  ["IPv4 prefix only", (s) => isIpPrefix(s, 4), ["10.0.0.1/8"], ["::1/64", "10.0.0.1/64"]],
  ["IPv6 prefix only", (s) => isIpPrefix(s, 6), ["::1/64"], ["10.0.0.1/8"]],
  ["IP of version 5 (none)", (s) => isIp(s, 5) || isIpPrefix(s, 5), [], ["1.2.3.4", "::1", "1.2.3.4/8"]],
  [
    "HTTP header name, strict",
    (s) => isHttpHeaderName(s, true),
    ["content-type", ":authority", "X-Foo.Bar", "!#$%&'*+-.^_`|~,"],
    ["", ":", ":a:", "a b", "a/b", "a\tb", "\u00e9"],
  ],
  [
    "HTTP header name, loose",
    (s) => isHttpHeaderName(s, false),
    ["a b", "a/b", "\u0007", "\u00e9"],
    ["", "a\rb", "a\nb", "\u0000"],
  ],
  [
    "HTTP header value, strict",
    (s) => isHttpHeaderValue(s, true),
    ["", "text/plain; q=1", "a\tb", "\u00e9"],
    ["a\u0007b", "a\rb", "a\nb", "\u0000", "\u007f"],
  ],
  ["HTTP header value, loose", (s) => isHttpHeaderValue(s, false), ["", "\u0007\u007f"], ["a\rb", "a\nb", "\u0000"]],
];

describe("well-known formats", () => {
  for (const [name, check, valid, invalid] of vectors) {
    it(`${name} accepts ${valid.length} and refuses ${invalid.length} examples`, () => {
      expect(valid.filter((s) => !check(s))).toEqual([]);
      expect(invalid.filter((s) => check(s))).toEqual([]);
    });
  }
});

describe("uuid", () => {
  // isUuid reads a digit table instead of running validate.proto's expression:
  // both must judge every one-character change of a UUID alike, at every place.
  const definition = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  const uuid = "123e4567-e89b-12d3-a456-426614174000";
  const replacements = [..."09afAFgG-/:@` \u0000\u0130\uff10", "\ud83d"];

  it("agrees with validate.proto's pattern on every single-character change", () => {
    const disagreements: string[] = [];
    for (let i = 0; i < uuid.length; i++) {
      for (const r of replacements) {
        for (const changed of [uuid.slice(0, i) + r + uuid.slice(i + 1), uuid.slice(0, i) + r + uuid.slice(i)]) {
          if (isUuid(changed) !== definition.test(changed)) disagreements.push(JSON.stringify(changed));
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe("lengths", () => {
  const samples = [
    "",
    "a",
    "abc",
    "é",
    "😀",
    "a😀b",
    "😀😀😀",
    "\ud800",
    "a\udc00b",
    "\ud800\ud800",
    "日本語",
    "x".repeat(40),
  ];

  it("count code points as Array.from does, a lone surrogate as one", () => {
    for (const s of samples) {
      expect(codePointCount(s), JSON.stringify(s)).toBe(Array.from(s).length);
    }
  });

  it("count UTF-8 bytes as TextEncoder writes them, a lone surrogate as U+FFFD", () => {
    for (const s of samples) {
      expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
    }
  });

  it("compare counts exactly, also where the UTF-16 length alone would be wrong", () => {
    for (const s of samples) {
      const chars = Array.from(s).length;
      const bytes = new TextEncoder().encode(s).length;
      for (let n = 0; n <= 45; n++) {
        expect(fewerCharsThan(s, n), `${JSON.stringify(s)} < ${n}`).toBe(chars < n);
        expect(moreCharsThan(s, n), `${JSON.stringify(s)} > ${n}`).toBe(chars > n);
        expect(charCountIsNot(s, n), `${JSON.stringify(s)} != ${n}`).toBe(chars !== n);
        expect(fewerUtf8BytesThan(s, n), `${JSON.stringify(s)} bytes < ${n}`).toBe(bytes < n);
        expect(moreUtf8BytesThan(s, n), `${JSON.stringify(s)} bytes > ${n}`).toBe(bytes > n);
      }
    }
  });
});

describe("duplicates", () => {
  it("treat NaN as equal to NaN and 0 as equal to -0, as a Set does, in short and long lists", () => {
    const long = (x: number[]) => [...Array.from({ length: 20 }, (_, i) => i + 100), ...x];
    expect(hasDuplicates([1, 2, 3])).toBe(false);
    expect(hasDuplicates([Number.NaN, Number.NaN])).toBe(true);
    expect(hasDuplicates(long([Number.NaN, Number.NaN]))).toBe(true);
    expect(hasDuplicates([0, -0])).toBe(true);
    expect(hasDuplicates(long([0, -0]))).toBe(true);
    expect(hasDuplicates([1n, 2n, 1n])).toBe(true);
    expect(hasDuplicates(["a", "b"])).toBe(false);
    expect(hasDuplicateBytes([new Uint8Array([1]), new Uint8Array([1, 2])])).toBe(false);
    expect(hasDuplicateBytes([new Uint8Array([1, 2]), new Uint8Array([1, 2])])).toBe(true);
  });
});

describe("compareTime", () => {
  it("orders by seconds, then nanos, beyond 2^53 nanoseconds", () => {
    expect(compareTime({ seconds: 10n, nanos: 0 }, 9n, 999_999_999)).toBeGreaterThan(0);
    expect(compareTime({ seconds: 10n, nanos: 5 }, 10n, 5)).toBe(0);
    expect(compareTime({ seconds: -1n, nanos: 999_999_999 }, 0n, 0)).toBeLessThan(0);
    expect(compareTime({ seconds: 253402300799n, nanos: 1 }, 253402300799n, 0)).toBeGreaterThan(0);
  });
});

describe("formats on hostile input", () => {
  // Each function reads a string in one pass (no backtracking regular expression): a megabyte-long
  // attacker string costs a megabyte of work; a quadratic parser would not finish before the test times out.
  const n = 1 << 20;
  const hostile = [
    "a".repeat(n),
    "a.".repeat(n / 2),
    `${"a-".repeat(n / 2)}!`,
    "1:".repeat(n / 2),
    "::".repeat(n / 2),
    `${"1.".repeat(n / 2)}/8`,
    `[${"1:".repeat(n / 2)}]:80`,
    `${"%25".repeat(n / 3)}`,
    `http://${"a@".repeat(n / 2)}`,
    `http://[${":".repeat(n)}]`,
    `a@${"a.".repeat(n / 2)}`,
    `${"@".repeat(n)}`,
    `${"/".repeat(n)}`,
    `x:${"?#".repeat(n / 2)}`,
    `${":".repeat(n)}80`,
  ];
  const checks: [string, (s: string) => boolean][] = [
    ["isEmail", isEmail],
    ["isHostname", isHostname],
    ["isIp", (s) => isIp(s)],
    ["isIpPrefix", (s) => isIpPrefix(s, 0, true)],
    ["isHostAndPort", (s) => isHostAndPort(s, false)],
    ["isUri", isUri],
    ["isUriRef", isUriRef],
    ["isHttpHeaderName", (s) => isHttpHeaderName(s, true)],
    ["isHttpHeaderValue", (s) => isHttpHeaderValue(s, true)],
  ];
  for (const [name, check] of checks) {
    it(`${name} answers on ${hostile.length} strings of a megabyte`, () => {
      const answers = hostile.map((s) => check(s));
      expect(answers).toHaveLength(hostile.length);
      // None of these is a valid host, address, prefix or URI.
      if (name !== "isHttpHeaderValue" && name !== "isUriRef" && name !== "isHttpHeaderName") {
        expect(answers.filter((a) => a)).toEqual([]);
      }
    });
  }
});
