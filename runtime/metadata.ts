import { Metadata } from "@grpc/grpc-js";
import type { MetadataInit } from "./service.js";

/**
 * Returns `init` as grpc-js `Metadata`: a `Metadata` as is, a record as a new
 * `Metadata` with one entry per value (keys ending in `-bin` take Buffers).
 * Throws, as grpc-js does, on an invalid key or value.
 */
export function toMetadata(init: MetadataInit): Metadata {
  if (init instanceof Metadata) {
    return init;
  }
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(init)) {
    const values: readonly (string | Buffer)[] = Array.isArray(value) ? value : [value as string | Buffer];
    for (const v of values) {
      metadata.add(key, v);
    }
  }
  return metadata;
}
