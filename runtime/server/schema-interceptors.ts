import type { ServerInterceptor } from "../interceptor.js";
import type { MethodSpec, ServiceSpec } from "../service.js";
import { claimServerOptions, type ServerOptions } from "./server.js";

/** What a factory knows besides the method: its service, and the options of the server it is added to. */
export interface SchemaInterceptorContext {
  readonly service: ServiceSpec;
  readonly options: ServerOptions;
}

/**
 * Makes the interceptor that enforces one concern the schema declares for a
 * method (auth rules, validation, read masks), or undefined when the method
 * declares nothing of that concern (or the server does not enforce it).
 */
export type SchemaInterceptorFactory = (
  method: MethodSpec,
  context: SchemaInterceptorContext,
) => ServerInterceptor | undefined;

/** The concerns the schema declares, in the order they run. */
const order = ["auth", "validation", "masks"] as const;
export type SchemaConcern = (typeof order)[number];

/**
 * The schema's interceptors, in the order they run: after every interceptor
 * the user passed to `createServer`, and before the handler: auth (who may
 * call), then validation (what a valid request is), then read masks (what
 * the response keeps). `Server.add` composes them once per method.
 */
export const schemaInterceptors: SchemaInterceptorFactory[] = [];
const concerns: SchemaConcern[] = [];

/**
 * Registers the factory of one concern; its module calls this once when it is
 * first imported. The position follows the documented order, whatever the
 * import order.
 */
export function registerSchemaInterceptor(
  concern: SchemaConcern,
  factory: SchemaInterceptorFactory,
  options: readonly string[] = [],
): void {
  if (concerns.includes(concern)) {
    throw new Error(`the ${concern} schema interceptor is registered twice`);
  }
  const rank = order.indexOf(concern);
  let at = concerns.findIndex((c) => order.indexOf(c) > rank);
  if (at === -1) at = concerns.length;
  concerns.splice(at, 0, concern);
  claimServerOptions(options);
  schemaInterceptors.splice(at, 0, factory);
}

/**
 * The schema's concerns whose modules have not registered: a server made
 * without them would skip what the schema declares (its auth rules, its
 * validation), so `createServer` refuses to make one.
 */
export function missingSchemaConcerns(): SchemaConcern[] {
  return order.filter((concern) => !concerns.includes(concern));
}
