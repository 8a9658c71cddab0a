import type { FieldViolation } from "../status-details.js";

// Kept with the core's status details, so that every concern can report violations; re-exported here for their old path.
export { DEFAULT_MAX_VIOLATIONS, describeViolations, type FieldViolation, mapEntryPath } from "../status-details.js";

/** Violations are built by generated code and prefixed while they bubble up. */
type Mutable = { field: string };

/**
 * Prefixes the paths of `out[from..]` with `path`: the violations a nested
 * message's validator just added become paths from the outer message.
 */
export function prefixViolations(out: FieldViolation[], from: number, path: string): void {
  for (let i = from; i < out.length; i++) {
    const violation = out[i] as FieldViolation & Mutable;
    // A rule of the nested message itself has no field: its path is the field that holds the message.
    violation.field = violation.field === "" ? path : `${path}.${violation.field}`;
  }
}
