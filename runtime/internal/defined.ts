/**
 * `record` without its undefined entries, so that spreading it over defaults
 * leaves a default in place of an option set to undefined.
 */
export function defined<T extends object>(record: T | undefined): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record ?? {}).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
