import type { ServerInterceptor } from "../interceptor.js";
import type { MethodSpec } from "../service.js";

/**
 * Makes the interceptor that enforces one concern the schema declares for a
 * method (auth rules, validation, read masks), or undefined when the method
 * declares nothing of that concern.
 */
export type SchemaInterceptorFactory = (method: MethodSpec) => ServerInterceptor | undefined;

/**
 * The concerns the schema declares, in the order they run: after every
 * interceptor the user passed to `createServer`, and before the handler.
 * Documented order: auth, then validation, then read masks. Each concern's
 * module adds its factory here; `Server.add` composes them once per method.
 */
export const schemaInterceptors: SchemaInterceptorFactory[] = [];
