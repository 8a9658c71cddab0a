/*
 * The well-known string formats of `(grpckit.v1.field).string`: email, uuid,
 * hostname, ip, ipv4, ipv6 and uri. The definitions are protovalidate's, so a
 * rule means the same under both. Email and UUID are regular expressions
 * (V8 runs these faster than a loop over the characters); the others run on
 * format-scan.ts's one-pass scanners.
 */

import { hostnameIn, ipv4In, ipv6In, uriIn, utf8In } from "./format-scan.js";

// https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address
const emailPattern =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/**
 * Whether `s` is an email address as the HTML standard defines a valid one
 * (`local@domain`, ASCII), which deliberately excludes most of RFC 5322's
 * surprising forms (quoted local parts, comments, IP literals).
 */
export function isEmail(s: string): boolean {
  return emailPattern.test(s);
}

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Whether `s` is a UUID in its 36-character text form (RFC 4122), of any version, in either case. */
export function isUuid(s: string): boolean {
  return uuidPattern.test(s);
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
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

/** Whether `s` is an IPv4 address in dotted decimal form (`192.168.0.1`), without leading zeros. */
export function isIpv4(s: string): boolean {
  return ipv4In(s, 0, s.length);
}

function isHexGroup(group: string): boolean {
  if (group.length === 0 || group.length > 4) {
    return false;
  }
  for (let i = 0; i < group.length; i++) {
    if (!isHexDigit(group.charCodeAt(i))) {
      return false;
    }
  }
  return true;
}

/** Counts the 16-bit groups of colon-separated `groups`, the last of which may be an IPv4 address; -1 if malformed. */
function countGroups(groups: readonly string[], ipv4Last: boolean): number {
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    if (ipv4Last && i === groups.length - 1 && group.includes(".")) {
      if (!isIpv4(group)) {
        return -1;
      }
      count += 2;
    } else if (isHexGroup(group)) {
      count += 1;
    } else {
      return -1;
    }
  }
  return count;
}

/**
 * Whether `s` is an IPv6 address in a text form of RFC 4291: eight groups of
 * 1 to 4 hex digits, `::` once for one or more zero groups, an IPv4 address
 * as the last 32 bits (`::ffff:192.0.2.1`), and an optional zone id after
 * `%` (`fe80::1%eth0`).
 */
export function isIpv6(s: string): boolean {
  return ipv6In(s, 0, s.length);
}

/** Whether `s` is an IPv4 or an IPv6 address. */
export function isIp(s: string): boolean {
  return ipv4In(s, 0, s.length) || ipv6In(s, 0, s.length);
}

// RFC 3986 character classes, as strings of the ASCII characters they allow
// besides letters and digits.
const unreservedMarks = "-._~";
const subDelims = "!$&'()*+,;=";

/**
 * Whether every character of `s` is a letter, a digit, one of `marks`, or a
 * percent-encoded octet (`%` and two hex digits).
 */
function allowed(s: string, marks: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAsciiAlnum(c)) {
      continue;
    }
    if (c === 0x25) {
      if (i + 2 >= s.length || !isHexDigit(s.charCodeAt(i + 1)) || !isHexDigit(s.charCodeAt(i + 2))) {
        return false;
      }
      i += 2;
      continue;
    }
    if (c >= 0x80 || !marks.includes(s[i] as string)) {
      return false;
    }
  }
  return true;
}

const pchar = `${unreservedMarks}${subDelims}:@`;
const schemePattern = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const ipvFuturePattern = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;

/** `IP-literal` without its brackets: an IPv6 address (with a `%25`-encoded zone id) or an IPvFuture. */
function isIpLiteral(s: string): boolean {
  if (s.startsWith("v") || s.startsWith("V")) {
    return ipvFuturePattern.test(s);
  }
  const zone = s.indexOf("%25");
  if (zone < 0) {
    return !s.includes("%") && isIpv6(s);
  }
  const id = s.slice(zone + 3);
  return id.length > 0 && allowed(id, unreservedMarks) && decodesToUtf8(id) && isIpv6(s.slice(0, zone));
}

/**
 * Whether a host or zone id that `allowed` accepted is UTF-8 once its
 * percent-encoded octets are decoded: RFC 3986 section 3.2.2 wants a reg-name's
 * octets to be UTF-8 (`foo%c3%96` is "fooÖ"; `foo%c3x%96` is not text).
 */
function decodesToUtf8(s: string): boolean {
  return utf8In(s, 0, s.length);
}

/** `authority = [ userinfo "@" ] host [ ":" port ]` */
function isAuthority(s: string): boolean {
  let hostPort = s;
  const at = s.indexOf("@");
  if (at >= 0) {
    if (!allowed(s.slice(0, at), `${unreservedMarks}${subDelims}:`)) {
      return false;
    }
    hostPort = s.slice(at + 1);
  }
  let port: string;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close < 0 || !isIpLiteral(hostPort.slice(1, close))) {
      return false;
    }
    const rest = hostPort.slice(close + 1);
    if (rest === "") {
      return true;
    }
    if (!rest.startsWith(":")) {
      return false;
    }
    port = rest.slice(1);
  } else {
    const colon = hostPort.indexOf(":");
    const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
    if (!allowed(host, `${unreservedMarks}${subDelims}`) || !decodesToUtf8(host)) {
      return false;
    }
    port = colon < 0 ? "" : hostPort.slice(colon + 1);
  }
  for (let i = 0; i < port.length; i++) {
    if (!isDigit(port.charCodeAt(i))) {
      return false;
    }
  }
  return true;
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
