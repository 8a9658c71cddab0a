import { Code, codeName, RpcError } from "../errors.js";
import type { ServerCall, ServerInterceptor } from "../interceptor.js";
import { type MethodMatch, matcher } from "../selector.js";
import { registerSchemaInterceptor, type SchemaInterceptorContext } from "../server/schema-interceptors.js";
import type { MethodSpec, ServerContext, ServiceSpec } from "../service.js";
import { type Authenticator, AuthFailure } from "./authenticator.js";
import { PERMISSION_DENIED_MESSAGE, type Principal, principalKey, UNAUTHENTICATED_MESSAGE } from "./principal.js";
import { type AuthRule, compileRule } from "./rule.js";

// The `auth` option of createServer: the server knows nothing of it; authInterceptor reads it.
declare module "../server/server.js" {
  interface ServerOptions {
    /**
     * Enforces the auth rules of the schema (`(grpckit.v1.method).auth`,
     * `(grpckit.v1.service).auth`) with this authenticator: before the
     * handler, each call is authenticated and checked; a method no rule makes
     * public needs an authenticated caller. The handler reads the caller with
     * `principalOf(ctx)`. Without it, the rules are not enforced (a service
     * that declares some gets a warning; `false` serves without them and
     * without the warning). See docs/auth.md.
     *
     * @example
     * createServer({ auth: jwt({ jwks, algorithms: ["RS256"], issuer, audience }) });
     */
    auth?: ServerAuth | undefined;
  }
}

/** Where the server writes why it refused a call: a pino logger, or anything with this `warn`. */
export interface AuthLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The `auth` option of `createServer` in full; an authenticator alone is `{ authenticator }`. */
export interface ServerAuthOptions {
  /** Who calls: `jwt(...)`, `mtls(...)`, `anyOf(...)`, `allOf(...)` or your own. */
  authenticator: Authenticator;
  /**
   * Methods served without authentication besides those the schema marks
   * public, as for `selector`. Default: the standard health service
   * (`grpc.health.v1.Health`), which load balancers and Kubernetes probe
   * without credentials. `() => false` makes it need them too.
   */
  publicMethods?: MethodMatch | undefined;
  /**
   * Rules of methods whose schema declares none: the built-in services
   * (server reflection) and services generated without rules. The first
   * entry whose `match` selects a method gives its rule; a method no entry
   * selects needs an authenticated caller, as before. A method whose schema
   * declares a rule keeps it, so an entry can never weaken the schema; and
   * `publicMethods` wins over an entry.
   *
   * @example
   * // Reflection lists every method and message: for admins only.
   * rules: [{ match: { service: ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] },
   *           rule: { roles: ["admin"] } }]
   */
  rules?: readonly MethodRule[] | undefined;
  /**
   * Receives one line per refused call, with the reason the caller is not
   * told (`auth.reason`). Default: `console.warn`.
   */
  logger?: AuthLogger | undefined;
}

/** An auth rule given to the server for methods whose schema declares none; see {@link ServerAuthOptions.rules}. */
export interface MethodRule {
  /** The methods it applies to: a predicate or criteria, as for `selector`. */
  readonly match: MethodMatch;
  /** Their rule, as `(grpckit.v1.method).auth` declares one. */
  readonly rule: AuthRule;
}

/**
 * The `auth` option of `createServer`: an authenticator, the full
 * {@link ServerAuthOptions}, or `false` to serve without enforcing the
 * schema's rules and without the warning that says so.
 */
export type ServerAuth = Authenticator | ServerAuthOptions | false;

const defaultPublic: MethodMatch = { service: "grpc.health.v1.Health" };

/** The default logger: one `console.warn` line per refusal. */
const consoleLogger: AuthLogger = {
  warn(fields, message) {
    const { "grpc.service": service, "grpc.method": method, "peer.address": peer } = fields;
    const { "grpc.code": code, "auth.reason": reason } = fields;
    console.warn(
      `grpckit auth: ${message} /${String(service)}/${String(method)} from ${String(peer)}: ${String(code)}: ${String(reason)}`,
    );
  },
};

interface Settings {
  readonly authenticator: Authenticator;
  readonly isPublic: (method: MethodSpec, service: ServiceSpec) => boolean;
  /** The rule of a method whose schema declares none, from the `rules` option. */
  readonly ruleOf: (method: MethodSpec, service: ServiceSpec) => AuthRule | undefined;
  readonly logger: AuthLogger;
}

const settingsCache = new WeakMap<object, Settings>();

function settingsOf(auth: Authenticator | ServerAuthOptions): Settings {
  let settings = settingsCache.get(auth);
  if (settings === undefined) {
    const full: ServerAuthOptions = "authenticator" in auth ? auth : { authenticator: auth };
    if (typeof full.authenticator?.authenticate !== "function") {
      throw new TypeError("createServer(): auth must be an authenticator, such as jwt(...), or { authenticator, ... }");
    }
    const rules = (full.rules ?? []).map(({ match, rule }) => ({ matches: matcher(match), rule }));
    settings = {
      authenticator: full.authenticator,
      isPublic: matcher(full.publicMethods ?? defaultPublic),
      ruleOf: (method, service) => rules.find((r) => r.matches(method, service))?.rule,
      logger: full.logger ?? consoleLogger,
    };
    settingsCache.set(auth, settings);
  }
  return settings;
}

/*
 * Services warned about, per server options object: a service whose schema
 * declares rules, served without an authenticator, gets one warning.
 */
const warned = new WeakMap<object, Set<string>>();

function warnNotEnforced(options: object, service: ServiceSpec): void {
  let services = warned.get(options);
  if (services === undefined) {
    services = new Set();
    warned.set(options, services);
  }
  if (services.has(service.typeName)) {
    return;
  }
  services.add(service.typeName);
  process.emitWarning(
    `${service.typeName} declares auth rules, but the server has no authenticator: they are not enforced. ` +
      "Pass createServer({ auth: jwt({ ... }) }), or auth: false to serve without them.",
    { code: "GRPCKIT_AUTH_NOT_ENFORCED" },
  );
}

/**
 * The schema's auth interceptor of one method, or undefined when the server
 * enforces no auth. Registered as the first of the schema's interceptors:
 * it runs before validation, so an unauthenticated caller learns nothing
 * about what a valid request is.
 */
export function authInterceptor(
  method: MethodSpec,
  { service, options }: SchemaInterceptorContext,
): ServerInterceptor | undefined {
  const auth = options.auth;
  if (auth === undefined || auth === false) {
    if (auth === undefined && Object.values(service.methods).some((m) => m.auth !== undefined)) {
      warnNotEnforced(options, service);
    }
    return undefined;
  }
  const settings = settingsOf(auth);
  const rule = compileRule(method, method.auth ?? settings.ruleOf(method, service));
  const isPublic = rule.public || settings.isPublic(method, service);
  return (next) => async (call) => {
    const { context } = call;
    let principal: Principal | undefined;
    try {
      principal = await settings.authenticator.authenticate(context);
    } catch (error) {
      if (!(error instanceof AuthFailure)) {
        throw error;
      }
      // A public method serves a caller with bad credentials as one without any.
      if (isPublic) {
        return next(anonymous(call));
      }
      throw refuse(settings, context, Code.UNAUTHENTICATED, error.message, undefined);
    }
    if (principal === undefined) {
      if (isPublic) {
        return next(anonymous(call));
      }
      throw refuse(settings, context, Code.UNAUTHENTICATED, "no credentials", undefined);
    }
    checkPrincipal(principal, settings.authenticator);
    context.values.set(principalKey, principal);
    if (!isPublic) {
      const denial = rule.denial(principal, call.requestStream ? undefined : call.request);
      if (denial !== undefined) {
        throw refuse(settings, context, Code.PERMISSION_DENIED, `${principal.subject} ${denial}`, principal);
      }
    }
    return next(call);
  };
}

/** The call without a principal: only the authenticator puts one there, not an interceptor before it. */
function anonymous(call: ServerCall): ServerCall {
  call.context.values.delete(principalKey);
  return call;
}

/** Logs why, and returns the error the caller gets, which does not say why. */
function refuse(
  settings: Settings,
  context: ServerContext,
  code: Code.UNAUTHENTICATED | Code.PERMISSION_DENIED,
  reason: string,
  principal: Principal | undefined,
): RpcError {
  try {
    settings.logger.warn(
      {
        "grpc.component": "server",
        "grpc.service": context.service.typeName,
        "grpc.method": context.method.name,
        "grpc.code": codeName(code),
        "peer.address": context.peer,
        "auth.reason": reason,
        ...(principal === undefined ? {} : { "auth.subject": principal.subject, "auth.via": principal.via }),
      },
      "refused call",
    );
  } catch {
    // A failing logger must not turn a refusal into something else.
  }
  return new RpcError(code, code === Code.UNAUTHENTICATED ? UNAUTHENTICATED_MESSAGE : PERMISSION_DENIED_MESSAGE);
}

/** An authenticator of your own must answer a usable principal; a bug there must not let a call through. */
function checkPrincipal(principal: Principal, authenticator: Authenticator): void {
  if (
    typeof principal.subject !== "string" ||
    principal.subject === "" ||
    !Array.isArray(principal.roles) ||
    !Array.isArray(principal.scopes)
  ) {
    throw new TypeError(
      `the ${authenticator.name} authenticator answered a principal without a subject, roles or scopes`,
    );
  }
}

registerSchemaInterceptor("auth", authInterceptor, ["auth"]);
