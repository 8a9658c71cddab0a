/*
 * The scanners behind formats.ts's hostname, IP and URI checks: one pass over
 * the characters of a range of the string, a table lookup per character, no
 * substring, array or regular expression on the way (the checks run on every
 * request; a split or a slice per label, group or URI part cost more than the
 * check itself). Each
 * is linear in the length of its range. formats.ts documents what each
 * format means; these keep that meaning exactly (test/validate/formats.test.ts
 * and protovalidate's conformance cases hold them to it).
 */

const DIGIT = 1 << 1;
const HEX = 1 << 2;
/** A scheme's characters after its first letter. */
const SCHEME = 1 << 4;
/** A hostname label's: letters, digits, `-`. */
const LABEL = 1 << 5;
const ALPHA = 1 << 6;
/** RFC 3986 `unreserved`: a zone id's characters. */
export const ZONE_CHARS = 1 << 7;
/** `unreserved` and `sub-delims`: a reg-name's. */
export const HOST_CHARS = 1 << 8;
/** And `:`: a userinfo's. */
export const USERINFO_CHARS = 1 << 9;
/** `pchar` and `/`: a path's. */
export const PATH_CHARS = 1 << 10;
/** `pchar`, `/` and `?`: a query's or a fragment's. */
export const QUERY_CHARS = 1 << 11;

/** The classes of each ASCII character, by code; other characters belong to none. */
const classes = new Uint16Array(128);
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    classes[c] = (classes[c] as number) | bits;
  }
}
const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const unreserved = ZONE_CHARS | HOST_CHARS | USERINFO_CHARS | PATH_CHARS | QUERY_CHARS;
mark(letters, ALPHA | SCHEME | LABEL | unreserved);
mark("0123456789", DIGIT | HEX | SCHEME | LABEL | unreserved);
mark("abcdefABCDEF", HEX);
mark("+.-", SCHEME);
mark("-", LABEL);
mark("-._~", unreserved);
mark("!$&'()*+,;=", HOST_CHARS | USERINFO_CHARS | PATH_CHARS | QUERY_CHARS);
mark(":", USERINFO_CHARS | PATH_CHARS | QUERY_CHARS);
mark("@/", PATH_CHARS | QUERY_CHARS);
mark("?", QUERY_CHARS);

/** Whether the character of code `c` belongs to one of `bits`' classes. */
function is(c: number, bits: number): boolean {
  return c < 128 && ((classes[c] as number) & bits) !== 0;
}

/** Whether the character of code `c` is a hexadecimal digit. */
export function isHexChar(c: number): boolean {
  return is(c, HEX);
}

// The HEX class as 1 or 0 for every UTF-16 code unit: a UUID's 32 digits are
// read without a branch each, ANDed four at a time.
const hexBit = new Uint8Array(0x10000);
for (let c = 0; c < 128; c++) hexBit[c] = is(c, HEX) ? 1 : 0;

function hex4(s: string, i: number): number {
  return (
    (hexBit[s.charCodeAt(i)] as number) &
    (hexBit[s.charCodeAt(i + 1)] as number) &
    (hexBit[s.charCodeAt(i + 2)] as number) &
    (hexBit[s.charCodeAt(i + 3)] as number)
  );
}

/** Whether `s` is 8-4-4-4-12 hexadecimal digits joined by hyphens: the hyphens first, then the digits, unrolled. */
export function uuidIn(s: string): boolean {
  return (
    s.length === 36 &&
    s.charCodeAt(8) === HYPHEN &&
    s.charCodeAt(13) === HYPHEN &&
    s.charCodeAt(18) === HYPHEN &&
    s.charCodeAt(23) === HYPHEN &&
    (hex4(s, 0) & hex4(s, 4) & hex4(s, 9) & hex4(s, 14) & hex4(s, 19) & hex4(s, 24) & hex4(s, 28) & hex4(s, 32)) === 1
  );
}

const DOT = 0x2e;
const HYPHEN = 0x2d;
const COLON = 0x3a;
const PERCENT = 0x25;
const SLASH = 0x2f;

/** What {@link domainIn} found: not a domain, one whose last label is all digits, another. */
const INVALID = 0;
const NUMERIC_LAST = 1;
const VALID = 2;

/**
 * Dot-separated labels of 1 to 63 letters, digits and hyphens, not starting
 * or ending with a hyphen, in `s[start..end)` (no empty label, so no leading
 * or trailing dot).
 */
function domainIn(s: string, start: number, end: number): number {
  if (start >= end) {
    return INVALID;
  }
  let label = start;
  let digits = true;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (i === label || i - label > 63 || s.charCodeAt(label) === HYPHEN || s.charCodeAt(i - 1) === HYPHEN) {
        return INVALID;
      }
      label = i + 1;
      digits = true;
    } else if (!is(c, LABEL)) {
      return INVALID;
    } else if (c < 0x30 || c > 0x39) {
      digits = false;
    }
  }
  if (end === label || end - label > 63 || s.charCodeAt(label) === HYPHEN || s.charCodeAt(end - 1) === HYPHEN) {
    return INVALID;
  }
  return digits ? NUMERIC_LAST : VALID;
}

/** formats.ts isHostname, on `s[start..end)`. */
export function hostnameIn(s: string, start: number, end: number): boolean {
  const last = end > start && s.charCodeAt(end - 1) === DOT ? end - 1 : end;
  return last - start <= 253 && domainIn(s, start, last) === VALID;
}

/** formats.ts isIpv4, on `s[start..end)`: four decimal parts of 0 to 255, without leading zeros. */
export function ipv4In(s: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  for (;;) {
    const from = i;
    let value = 0;
    while (i < end && i - from < 4) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) {
        break;
      }
      value = value * 10 + c - 0x30;
      i++;
    }
    const length = i - from;
    if (length === 0 || length > 3 || (length > 1 && s.charCodeAt(from) === 0x30) || value > 255) {
      return false;
    }
    parts++;
    if (i === end) {
      return parts === 4;
    }
    if (parts === 4 || s.charCodeAt(i) !== DOT) {
      return false;
    }
    i++;
  }
}

/**
 * formats.ts isIpv6, on `s[start..end)`: its groups in one pass, `::` at
 * most once, an IPv4 address only as the last part, a zone id after the
 * first `%`.
 */
export function ipv6In(s: string, start: number, end: number): boolean {
  const percent = s.indexOf("%", start);
  if (percent >= 0 && percent < end) {
    if (percent === end - 1) {
      return false;
    }
    end = percent;
  }
  let i = start;
  let groups = 0;
  let gap = false;
  if (end - start >= 2 && s.charCodeAt(start) === COLON && s.charCodeAt(start + 1) === COLON) {
    gap = true;
    i += 2;
    if (i === end) {
      return true;
    }
  }
  for (;;) {
    const from = i;
    let dotted = false;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === COLON) {
        break;
      }
      if (c === DOT) {
        dotted = true;
      } else if (!is(c, HEX)) {
        return false;
      }
      i++;
    }
    if (dotted) {
      // An IPv4 address is the last part, and takes two groups' room.
      if (i !== end || !ipv4In(s, from, end)) {
        return false;
      }
      groups += 2;
    } else if (i === from || i - from > 4) {
      return false;
    } else {
      groups++;
    }
    if (i === end) {
      break;
    }
    i++; // the colon
    if (i < end && s.charCodeAt(i) === COLON) {
      if (gap) {
        return false;
      }
      gap = true;
      i++;
      if (i === end) {
        break;
      }
    } else if (i === end) {
      return false;
    }
  }
  return gap ? groups <= 7 : groups === 8;
}

/**
 * Whether every character of `s[start..end)` is of class `chars` or
 * percent-encodes an octet (`%` and two hex digits).
 */
export function allowedIn(s: string, start: number, end: number, chars: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT) {
      if (i + 2 >= end || !is(s.charCodeAt(i + 1), HEX) || !is(s.charCodeAt(i + 2), HEX)) {
        return false;
      }
      i += 2;
    } else if (!is(c, chars)) {
      return false;
    }
  }
  return true;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether `s[start..end)`, which {@link allowedIn} accepted, is UTF-8 once its
 * percent-encoded octets are decoded (RFC 3986 section 3.2.2: `foo%c3%96` is
 * "fooÖ"; `foo%c3x%96` is not text). Decodes only when there is a `%`.
 */
export function utf8In(s: string, start: number, end: number): boolean {
  const percent = s.indexOf("%", start);
  if (percent < 0 || percent >= end) {
    return true;
  }
  const bytes = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === PERCENT) {
      bytes[n++] = Number.parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      bytes[n++] = s.charCodeAt(i);
    }
  }
  try {
    strictUtf8.decode(bytes.subarray(0, n));
    return true;
  } catch {
    return false;
  }
}

/** The first `char` in `s[start..end)`, or -1. */
function find(s: string, char: string, start: number, end: number): number {
  const at = s.indexOf(char, start);
  return at >= 0 && at < end ? at : -1;
}

const ipvFuturePattern = /^v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+$/;

/** `IP-literal` without its brackets: an IPv6 address (with a `%25`-encoded zone id) or an IPvFuture. */
function ipLiteralIn(s: string, start: number, end: number): boolean {
  const first = s.charCodeAt(start);
  if (first === 0x76 || first === 0x56) {
    return ipvFuturePattern.test(s.slice(start, end));
  }
  const zone = s.indexOf("%25", start);
  if (zone < 0 || zone + 3 > end) {
    return find(s, "%", start, end) < 0 && ipv6In(s, start, end);
  }
  return (
    zone + 3 < end && allowedIn(s, zone + 3, end, ZONE_CHARS) && utf8In(s, zone + 3, end) && ipv6In(s, start, zone)
  );
}

/** `authority = [ userinfo "@" ] host [ ":" port ]` in `s[start..end)`. */
export function authorityIn(s: string, start: number, end: number): boolean {
  let host = start;
  const at = find(s, "@", start, end);
  if (at >= 0) {
    if (!allowedIn(s, start, at, USERINFO_CHARS)) {
      return false;
    }
    host = at + 1;
  }
  let port: number;
  if (host < end && s.charCodeAt(host) === 0x5b) {
    const close = find(s, "]", host, end);
    if (close < 0 || !ipLiteralIn(s, host + 1, close)) {
      return false;
    }
    if (close + 1 === end) {
      return true;
    }
    if (s.charCodeAt(close + 1) !== COLON) {
      return false;
    }
    port = close + 2;
  } else {
    const colon = find(s, ":", host, end);
    const hostEnd = colon < 0 ? end : colon;
    if (!allowedIn(s, host, hostEnd, HOST_CHARS) || !utf8In(s, host, hostEnd)) {
      return false;
    }
    port = colon < 0 ? end : colon + 1;
  }
  for (let i = port; i < end; i++) {
    if (!is(s.charCodeAt(i), DIGIT)) {
      return false;
    }
  }
  return true;
}

/** formats.ts isUri: `scheme ":" hier-part [ "?" query ] [ "#" fragment ]`, each part scanned in place. */
export function uriIn(s: string): boolean {
  const n = s.length;
  if (n === 0 || !is(s.charCodeAt(0), ALPHA)) {
    return false;
  }
  let colon = 1;
  while (colon < n && is(s.charCodeAt(colon), SCHEME)) {
    colon++;
  }
  return colon < n && s.charCodeAt(colon) === COLON && uriPartIn(s, colon + 1, false);
}

/** formats.ts isUriRef: a URI, or a relative reference (`relative-part [ "?" query ] [ "#" fragment ]`). */
export function uriRefIn(s: string): boolean {
  return uriIn(s) || uriPartIn(s, 0, true);
}

/**
 * `hier-part [ "?" query ] [ "#" fragment ]` in `s[start..)` (a URI after its
 * scheme and colon), or with `relative`, `relative-part [ "?" query ] [ "#"
 * fragment ]`, whose path's first segment has no colon (`a:b` is a URI).
 */
function uriPartIn(s: string, start: number, relative: boolean): boolean {
  const n = s.length;
  let end = n;
  const hash = find(s, "#", start, n);
  if (hash >= 0) {
    if (!allowedIn(s, hash + 1, n, QUERY_CHARS)) {
      return false;
    }
    end = hash;
  }
  const question = find(s, "?", start, end);
  if (question >= 0) {
    if (!allowedIn(s, question + 1, end, QUERY_CHARS)) {
      return false;
    }
    end = question;
  }
  let path = start;
  if (end - path >= 2 && s.charCodeAt(path) === SLASH && s.charCodeAt(path + 1) === SLASH) {
    const slash = find(s, "/", path + 2, end);
    const authorityEnd = slash < 0 ? end : slash;
    if (!authorityIn(s, path + 2, authorityEnd)) {
      return false;
    }
    path = authorityEnd;
  } else if (relative) {
    const slash = find(s, "/", path, end);
    if (find(s, ":", path, slash < 0 ? end : slash) >= 0) {
      return false;
    }
  }
  return allowedIn(s, path, end, PATH_CHARS);
}
