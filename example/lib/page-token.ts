import { createHash } from "node:crypto";
import { Code, RpcError } from "grpckit";

/*
 * Opaque page tokens (AIP-158). A token holds where the previous page ended
 * (the last id it returned) and a fingerprint of the query it belongs to: a
 * token used with another query is refused, not silently misread.
 */

/** A short, stable fingerprint of a query's bytes. */
export function fingerprint(query: Uint8Array): string {
  return createHash("sha256").update(query).digest("base64url").slice(0, 16);
}

export function encodePageToken(queryFingerprint: string, lastId: string): string {
  return Buffer.from(`${queryFingerprint}:${lastId}`).toString("base64url");
}

/**
 * The last id of the previous page, or undefined for the first page (an empty
 * token). INVALID_ARGUMENT if the token is not one of ours for this query.
 */
export function decodePageToken(token: string, queryFingerprint: string): string | undefined {
  if (token === "") {
    return undefined;
  }
  const decoded = Buffer.from(token, "base64url").toString();
  const separator = decoded.indexOf(":");
  if (separator < 0 || decoded.slice(0, separator) !== queryFingerprint) {
    throw new RpcError(Code.INVALID_ARGUMENT, "page_token does not belong to this query");
  }
  return decoded.slice(separator + 1);
}
