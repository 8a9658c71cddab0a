import type { Metadata, status } from "@grpc/grpc-js";

/*
 * Why the server itself ended a call whose handler may still run (the
 * admission's request idle timeout). grpc-js tells the handler's call only
 * that it was cancelled, not why; the reason is kept here, keyed by the
 * call's request metadata: the one object grpc-js hands both the admission
 * interceptor and the handler's call (a grpc-js interceptor of
 * `channelOptions` that replaces it leaves the handler with CANCELLED). Only
 * calls ended this way are in it, and a WeakMap forgets them with the call.
 * Plain data, not an RpcError: this module stays below the core's errors.
 */

/** The status the server ended a call with. */
export interface EndedBy {
  readonly code: status;
  readonly details: string;
}
const reasons = new WeakMap<Metadata, EndedBy>();

/** Records that the server ended the call whose request metadata is `metadata`, and why. */
export function recordEndedByServer(metadata: Metadata, reason: EndedBy): void {
  reasons.set(metadata, reason);
}

/** Why the server ended the call whose request metadata is `metadata`; undefined if it did not. */
export function endedByServer(metadata: Metadata): EndedBy | undefined {
  return reasons.get(metadata);
}
