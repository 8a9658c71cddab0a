import type { MethodKind, MethodSpec, ServiceSpec } from "./service.js";

/**
 * Which methods an interceptor applies to, for {@link selector}: a predicate,
 * or criteria that must all hold (each one a value or a list of accepted values).
 */
export type MethodMatch =
  | ((method: MethodSpec, service: ServiceSpec) => boolean)
  | {
      /** The service's fully-qualified name, e.g. `ecommerce.v1.UserService`. */
      readonly service?: string | readonly string[] | undefined;
      /**
       * The method's name as in the .proto (`GetUser`), or its path
       * (`/ecommerce.v1.UserService/GetUser`).
       */
      readonly method?: string | readonly string[] | undefined;
      readonly kind?: MethodKind | readonly MethodKind[] | undefined;
    };

/** What a selector needs of a call: servers' and clients' calls both name their service and method. */
interface MethodCall {
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
}

/** Set on the interceptors {@link selector} makes: what they apply to which methods. */
const selects: unique symbol = Symbol("grpckit.selects");

interface Selection {
  readonly interceptor: unknown;
  readonly matches: (method: MethodSpec, service: ServiceSpec) => boolean;
}

/**
 * Applies `interceptor` to the methods `match` selects; the other methods'
 * calls go straight to the next step. Works for server and client
 * interceptors alike. The match is decided once per method, then remembered.
 *
 * @example
 * createServer({
 *   interceptors: [
 *     serverLogging({ logger }),
 *     selector(rateLimit, { service: "ecommerce.v1.OrderService", kind: "unary" }),
 *     selector(auditLog, (method) => method.name.startsWith("Delete")),
 *   ],
 * });
 */
export function selector<Call extends MethodCall, Result>(
  interceptor: (next: (call: Call) => Result) => (call: Call) => Result,
  match: MethodMatch,
): (next: (call: Call) => Result) => (call: Call) => Result {
  const matches = matcher(match);
  const decided = new WeakMap<MethodSpec, boolean>();
  // Servers and clients resolve a selector per method as they compose its
  // chain (see interceptorsFor); this is for chains composed by hand.
  const selected: (next: (call: Call) => Result) => (call: Call) => Result = (next) => {
    const intercepted = interceptor(next);
    return (call) => {
      let selected = decided.get(call.method);
      if (selected === undefined) {
        selected = matches(call.method, call.service);
        decided.set(call.method, selected);
      }
      return selected ? intercepted(call) : next(call);
    };
  };
  return Object.assign(selected, { [selects]: { interceptor, matches } });
}

/**
 * The interceptors that apply to one method: each selector replaced by its
 * interceptor where it matches the method, and left out where it does not.
 * Servers and clients compose each method's chain from these, once, so that
 * a selector costs nothing per call, a method that no selector matches has
 * no chain at all, and a selected observer (logging, metrics, tracing) joins
 * its neighbours' single pass over the call (see fuseObservers).
 */
export function interceptorsFor<I>(interceptors: readonly I[], method: MethodSpec, service: ServiceSpec): I[] {
  const applied: I[] = [];
  for (const interceptor of interceptors) {
    let current: unknown = interceptor;
    let selection = selectionOf(current);
    while (selection?.matches(method, service)) {
      current = selection.interceptor;
      selection = selectionOf(current);
    }
    if (selection === undefined) {
      applied.push(current as I);
    }
  }
  return applied;
}

function selectionOf(interceptor: unknown): Selection | undefined {
  return typeof interceptor === "function" ? (interceptor as { [selects]?: Selection })[selects] : undefined;
}

/** The predicate of a match; for the auth option `publicMethods` too. */
export function matcher(match: MethodMatch): (method: MethodSpec, service: ServiceSpec) => boolean {
  if (typeof match === "function") {
    return match;
  }
  const services = listOf(match.service);
  const methods = listOf(match.method);
  const kinds = listOf(match.kind);
  return (method, service) =>
    (services === undefined || services.includes(service.typeName)) &&
    (methods === undefined || methods.includes(method.name) || methods.includes(method.path)) &&
    (kinds === undefined || kinds.includes(method.kind));
}

function listOf<T extends string>(value: T | readonly T[] | undefined): readonly T[] | undefined {
  return value === undefined ? undefined : typeof value === "string" ? [value as T] : (value as readonly T[]);
}
