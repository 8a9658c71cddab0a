/**
 * A typed key for a value carried with one call, made by
 * {@link createContextKey}. The key object itself is the identity: two keys
 * with the same description are different keys.
 */
export interface ContextKey<T> {
  readonly id: symbol;
  /** What `get` answers while nothing is set. */
  readonly defaultValue: T;
  readonly description: string;
}

/**
 * Values of one call, by typed key: how interceptors hand per-call data to
 * each other and to handlers (the tracing interceptor's trace id, an auth
 * interceptor's principal) without an untyped bag.
 */
export interface ContextValues {
  /** The value set for `key`, or the key's default. */
  get<T>(key: ContextKey<T>): T;
  set<T>(key: ContextKey<T>, value: T): this;
  delete(key: ContextKey<unknown>): this;
}

/**
 * Makes a key for {@link ContextValues}, in the style of connect-es.
 *
 * @example
 * const kUser = createContextKey<User | undefined>(undefined, { description: "authenticated user" });
 * // in an interceptor:  call.context.values.set(kUser, user);
 * // in a handler:       const user = context.values.get(kUser);
 */
export function createContextKey<T>(defaultValue: T, options: { description?: string } = {}): ContextKey<T> {
  const description = options.description ?? "context value";
  return Object.freeze({ id: Symbol(description), defaultValue, description });
}

/** An empty set of context values; one per call. */
export function createContextValues(): ContextValues {
  return new Values();
}

/* A class, so a call that never sets a value costs one small object; the record comes with the first set. */
class Values implements ContextValues {
  /*
   * A plain object keyed by the keys' symbols rather than a Map: calls set
   * the same few keys in the same order (the trace context, the trace id),
   * so V8 keeps them in the object itself, where a Map makes a hash table
   * per call.
   */
  private record: Record<symbol, unknown> | undefined;

  get<T>(key: ContextKey<T>): T {
    const { record } = this;
    return record !== undefined && key.id in record ? (record[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    this.record ??= {};
    this.record[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    if (this.record !== undefined) {
      delete this.record[key.id];
    }
    return this;
  }
}
