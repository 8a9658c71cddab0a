/**
 * One broken rule: the shape of a `google.rpc.BadRequest.FieldViolation`, so
 * that what `validate` returns, what a server sends and what a client decodes
 * are the same data.
 *
 * - `field`: the path of the field from the validated message, with proto
 *   field names, list indexes and map keys: `items[2].quantity`,
 *   `metadata["tier"]`, `scores[7]`.
 * - `description`: what the value must be, in English: `must be greater than 0`.
 * - `reason`: the rule, in the UPPER_SNAKE_CASE form google.rpc asks for:
 *   `INT32_GT` for `int32.gt`, `REQUIRED`, `ONEOF_REQUIRED`; a rule on map keys
 *   is prefixed `MAP_KEYS_` (its path is the entry's).
 */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
  readonly reason: string;
}

/**
 * How many field violations a server's validation error carries by default:
 * the validators stop collecting past it (`limits.maxViolations`).
 */
export const DEFAULT_MAX_VIOLATIONS = 100;

/** Violations are built by generated code and prefixed while they bubble up. */
type Mutable = { field: string };

/**
 * Prefixes the paths of `out[from..]` with `path`: the violations a nested
 * message's validator just added become paths from the outer message.
 */
export function prefixViolations(out: FieldViolation[], from: number, path: string): void {
  for (let i = from; i < out.length; i++) {
    const violation = out[i] as FieldViolation & Mutable;
    violation.field = `${path}.${violation.field}`;
  }
}

/**
 * The path of a map entry: `metadata["tier"]` for string keys (quoted as JSON
 * strings, so any key reads back unambiguously), `scores[7]` and `flags[true]`
 * for the others.
 */
export function mapEntryPath(field: string, key: string, quoted: boolean): string {
  return quoted ? `${field}[${JSON.stringify(key)}]` : `${field}[${key}]`;
}

/**
 * `field: description; ...`, at most `limit` of them, for a status message;
 * `more`: there were more violations than `violations` holds (collecting
 * stopped at a limit).
 */
export function describeViolations(violations: readonly FieldViolation[], limit = 10, more = false): string {
  const shown = violations.slice(0, limit).map((v) => `${v.field}: ${v.description}`);
  if (violations.length > limit) {
    shown.push(
      more ? `and ${violations.length - limit} more, and more not checked` : `and ${violations.length - limit} more`,
    );
  } else if (more) {
    shown.push("and more not checked");
  }
  return shown.join("; ");
}
