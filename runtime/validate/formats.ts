/*
 * The well-known string formats of validate.proto's string rules (email,
 * hostname, ip, uri, uri_ref, host_and_port, ip prefixes, HTTP headers, uuid)
 * and protovalidate's CEL functions on them (isEmail, isHostname, isIp,
 * isIpPrefix, isHostAndPort, isUri, isUriRef). The definitions are
 * protovalidate's (its library conformance cases pass), so a rule means the
 * same under both. Each is a hand parser that reads its input in one pass:
 * attacker-controlled strings cost time linear in their length. Hostname,
 * IPv4, IPv6 and URI run on format-scan.ts's scanners (ranges of the string,
 * a class table, no split or slice), the fastest of the forms measured.
 */

import { hostnameIn, ipv4In, ipv6In, isHexChar, uriIn, uriRefIn, uuidIn } from "./format-scan.js";

// https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address. A
// regular expression, as protovalidate-es's: V8 runs it faster than a scan of
// the characters (53 against 94 ns for a short address, measured in one
// process). Linear: the local part cannot hold "@", and a label's quantifiers
// are bounded (at most 61 steps back per label).
const emailPattern =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * Whether `s` is an email address as the HTML standard defines a valid one
 * (`local@domain`, ASCII), which deliberately excludes most of RFC 5322's
 * surprising forms (quoted local parts, comments, IP literals). The domain is
 * one or more labels of 1 to 63 letters, digits and hyphens, not starting or
 * ending with a hyphen; no trailing dot.
 */
export function isEmail(s: string): boolean {
  return emailPattern.test(s);
}

/**
 * Whether `s` is a UUID in its 36-character text form (RFC 4122), of any
 * version, in either case: 8-4-4-4-12 hexadecimal digits. A scan of
 * format-scan.ts, not protovalidate's regular expression: 42-46 against
 * 60-72 ns for a valid UUID, measured in one process.
 */
export function isUuid(s: string): boolean {
  return uuidIn(s);
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/**
 * Whether `s` is a hostname (RFC 1034, as relaxed by RFC 1123): labels of 1
 * to 63 ASCII letters, digits and hyphens, not starting or ending with a
 * hyphen, separated by dots; at most 253 characters; one trailing dot
 * allowed; the last label not all digits.
 */
export function isHostname(s: string): boolean {
  return hostnameIn(s, 0, s.length);
}

/**
 * Writes the 4 bytes of the dotted decimal IPv4 address `s.slice(start, end)`
 * (no leading zeros) into `out` at `at`; false if it is not one.
 */
function readIpv4(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part > 3) {
        return false;
      }
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (isDigit(c) && !(digits === 1 && value === 0) && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) {
        return false;
      }
    } else {
      return false;
    }
  }
  return part === 4;
}

/** The 4 bytes of the IPv4 address `s` in dotted decimal form, without leading zeros; undefined if it is not one. */
function ipv4Bytes(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return readIpv4(s, 0, s.length, out, 0) ? out : undefined;
}

/**
 * The 16 bytes of the IPv6 address `s.slice(0, end)` in a text form of RFC
 * 4291 (without zone id): eight groups of 1 to 4 hex digits, `::` once for
 * one or more zero groups, an IPv4 address as the last 32 bits. Undefined if
 * it is not one. One pass, at most 8 groups.
 */
function ipv6Bytes(s: string, end: number = s.length): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let n = 0; // bytes written
  let gap = -1; // where `::` stands, in bytes
  let i = 0;
  if (s.startsWith("::")) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    while (j < end && j - i < 5 && isHexChar(s.charCodeAt(j))) {
      value = value * 16 + hexValue(s.charCodeAt(j));
      j++;
    }
    if (j < end && s.charCodeAt(j) === 0x2e) {
      // The last 32 bits as an IPv4 address: the rest of the address.
      if (n > 12 || !readIpv4(s, i, end, out, n)) {
        return undefined;
      }
      n += 4;
      break;
    }
    if (j === i || j - i > 4 || n > 14) {
      return undefined;
    }
    out[n++] = value >> 8;
    out[n++] = value & 0xff;
    if (j === end) {
      break;
    }
    if (s.charCodeAt(j) !== 0x3a) {
      return undefined;
    }
    if (j + 1 < end && s.charCodeAt(j + 1) === 0x3a) {
      if (gap >= 0) {
        return undefined;
      }
      gap = n;
      i = j + 2;
    } else if (j + 1 === end) {
      return undefined;
    } else {
      i = j + 1;
    }
  }
  if (gap < 0) {
    return n === 16 ? out : undefined;
  }
  if (n > 14) {
    return undefined;
  }
  // Move the groups after `::` to the end; the gap between is zeros.
  const tail = out.slice(gap, n);
  out.fill(0, gap);
  out.set(tail, 16 - tail.length);
  return out;
}

/** Whether `s` is an IPv4 address in dotted decimal form (`192.168.0.1`), without leading zeros. */
export function isIpv4(s: string): boolean {
  return ipv4In(s, 0, s.length);
}

/**
 * Whether `s` is an IPv6 address in a text form of RFC 4291: eight groups of
 * 1 to 4 hex digits, `::` once for one or more zero groups, an IPv4 address
 * as the last 32 bits (`::ffff:192.0.2.1`), and an optional zone id after
 * `%` (`fe80::1%eth0`): any non-empty text without a NUL character.
 */
export function isIpv6(s: string): boolean {
  const percent = s.indexOf("%");
  if (percent < 0) {
    return ipv6In(s, 0, s.length);
  }
  return percent < s.length - 1 && !s.includes("\u0000", percent) && ipv6In(s, 0, percent);
}

/**
 * Whether `s` is an IP address: of either version when `version` is omitted
 * or 0, an IPv4 address for 4, an IPv6 address for 6; never for other
 * versions (protovalidate's `isIp(version)`).
 */
export function isIp(s: string, version?: number | bigint): boolean {
  const v = version === undefined ? 0 : Number(version);
  return v === 0 ? isIpv4(s) || isIpv6(s) : v === 4 ? isIpv4(s) : v === 6 ? isIpv6(s) : false;
}

/** A decimal number without sign or leading zeros, at most `max`; -1 if `s` is not one. */
function decimal(s: string, max: number): number {
  if (s.length === 0 || s.length > String(max).length || (s.length > 1 && s.charCodeAt(0) === 0x30)) {
    return -1;
  }
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) {
      return -1;
    }
    value = value * 10 + (c - 0x30);
  }
  return value > max ? -1 : value;
}

/**
 * Whether `s` is an IP address with a prefix length (`192.168.5.21/16`,
 * `2001:db8::1/64`; no zone id): of either version when `version` is omitted
 * or 0, IPv4 for 4, IPv6 for 6, never for other versions. With `strict`, it
 * must be a network address: the bits after the prefix are zero
 * (`192.168.0.0/16`). protovalidate's `isIpPrefix([version], [strict])`.
 */
export function isIpPrefix(s: string, version?: number | bigint, strict?: boolean): boolean {
  const v = version === undefined ? 0 : Number(version);
  const slash = s.indexOf("/");
  if (slash < 0 || (v !== 0 && v !== 4 && v !== 6)) {
    return false;
  }
  const address = s.slice(0, slash);
  const bytes = (v !== 6 ? ipv4Bytes(address) : undefined) ?? (v !== 4 ? ipv6Bytes(address) : undefined);
  if (bytes === undefined) {
    return false;
  }
  const length = decimal(s.slice(slash + 1), bytes.length * 8);
  if (length < 0) {
    return false;
  }
  if (strict === true) {
    for (let bit = length; bit < bytes.length * 8; bit++) {
      if (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) {
        return false;
      }
    }
  }
  return true;
}

/**
 * Whether `s` is a host and port: a hostname, an IPv4 address or an IPv6
 * address in brackets (`[::1]`, zone id allowed), then `:` and a port, 0 to
 * 65535 in decimal without leading zeros; the port may be left out (with its
 * colon) unless `portRequired`. protovalidate's `isHostAndPort(portRequired)`.
 */
export function isHostAndPort(s: string, portRequired: boolean): boolean {
  let port: string | undefined;
  if (s.startsWith("[")) {
    // A zone id may hold "]": the host ends at the last one.
    const close = s.lastIndexOf("]");
    if (close < 0 || !isIpv6(s.slice(1, close))) {
      return false;
    }
    if (close + 1 < s.length) {
      if (s.charCodeAt(close + 1) !== 0x3a) {
        return false;
      }
      port = s.slice(close + 2);
    }
  } else {
    const colon = s.lastIndexOf(":");
    const host = colon < 0 ? s : s.slice(0, colon);
    if (!isHostname(host) && !isIpv4(host)) {
      return false;
    }
    port = colon < 0 ? undefined : s.slice(colon + 1);
  }
  return port === undefined ? !portRequired : decimal(port, 65535) >= 0;
}

/**
 * Whether `s` is an absolute URI as RFC 3986 defines it:
 * `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`, e.g.
 * `https://user@example.com:8080/a/b?c=d#e`, `urn:isbn:0451450523`,
 * `mailto:a@example.com`. Only ASCII; other characters must be
 * percent-encoded. IPv6 hosts may carry an RFC 6874 zone id (`[fe80::1%25eth0]`).
 */
export function isUri(s: string): boolean {
  return uriIn(s);
}

/**
 * Whether `s` is a URI reference as RFC 3986 defines it: a URI (see
 * {@link isUri}) or a relative reference, `relative-part [ "?" query ] [ "#"
 * fragment ]`, e.g. `./foo/bar?baz=quux`, `//example.com/a`, `/a/b`, `#frag`
 * and the empty string. A relative path's first segment has no colon (`a:b`
 * is read as a URI with scheme `a`).
 */
export function isUriRef(s: string): boolean {
  return uriRefIn(s);
}

/** `tchar` of RFC 7230 besides letters and digits. */
const tokenMarks = "!#$%&'*+-.^_`|~";

/**
 * Whether `s` is an HTTP header name, as validate.proto's
 * `well_known_regex = KNOWN_REGEX_HTTP_HEADER_NAME` checks it: `strict`, an
 * RFC 7230 token (letters, digits, ``!#$%&'*+-.^_`|~``, and `,`, which
 * validate.proto's pattern also lets through), after an optional `:` (HTTP/2
 * pseudo-headers); otherwise any non-empty text without NUL, CR or LF.
 */
export function isHttpHeaderName(s: string, strict: boolean): boolean {
  if (!strict) {
    return s.length > 0 && isHttpHeaderValue(s, false);
  }
  const start = s.startsWith(":") ? 1 : 0;
  if (s.length === start) {
    return false;
  }
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAsciiAlnum(c) && c !== 0x2c && (c >= 0x80 || !tokenMarks.includes(s[i] as string))) {
      return false;
    }
  }
  return true;
}

/**
 * Whether `s` is an HTTP header value, as validate.proto's
 * `well_known_regex = KNOWN_REGEX_HTTP_HEADER_VALUE` checks it: `strict`, no
 * control character but horizontal tab (none of U+0000 to U+0008, U+000A to
 * U+001F, U+007F); otherwise no NUL, CR or LF. The empty string is one.
 */
export function isHttpHeaderValue(s: string, strict: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (strict ? (c < 0x20 && c !== 0x09) || c === 0x7f : c === 0 || c === 0x0a || c === 0x0d) {
      return false;
    }
  }
  return true;
}
