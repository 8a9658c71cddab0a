import { createContextKey } from "../context-values.js";
import { Code, RpcError } from "../errors.js";
import type { ServerContext } from "../service.js";

/**
 * Who is calling, as an authenticator established it from the call's
 * credentials. Frozen; the same object for the whole call.
 */
export interface Principal {
  /**
   * The caller's stable id: the token's `sub`, the certificate's common name
   * (or the SAN the `mtls` authenticator was told to use). Never empty. The
   * "caller's own resource" rules compare request fields with it.
   */
  readonly subject: string;
  /** The caller's roles, compared exactly (no case folding, no prefixes). */
  readonly roles: readonly string[];
  /** The caller's OAuth2 scopes, compared exactly. */
  readonly scopes: readonly string[];
  /**
   * Everything the credentials said: a token's verified claims, a
   * certificate's fields (`cn`, `san`, `issuer`, `serialNumber`,
   * `fingerprint256`).
   */
  readonly claims: Readonly<Record<string, unknown>>;
  /**
   * How the caller was authenticated: `"jwt"`, `"mtls"`, your own
   * authenticator's name, or, for `allOf(...)`, the names joined with `+`
   * (`"mtls+jwt"`).
   */
  readonly via: string;
  /** With `allOf(...)`: the principal each authenticator established, in order. Otherwise absent. */
  readonly factors?: readonly Principal[] | undefined;
}

/**
 * The principal of a server call, set by the schema's auth interceptor once
 * the call is authenticated; undefined for a call that was not (a public
 * method called without credentials, or a server without an authenticator).
 * Read it with {@link principalOf}.
 */
export const principalKey = createContextKey<Principal | undefined>(undefined, { description: "principal" });

/** What {@link principalOf} needs: a handler's context, or an interceptor's `call.context`. */
type HasValues = Pick<ServerContext, "values">;

/**
 * The authenticated caller of this call, or undefined when there is none
 * (a public method called without credentials, or a server without an
 * authenticator).
 *
 * @example
 * async getUser(req, ctx) {
 *   const caller = principalOf(ctx);
 *   log.info({ user: caller?.subject }, "reading a user");
 * }
 */
export function principalOf(context: HasValues): Principal | undefined {
  return context.values.get(principalKey);
}

/**
 * The authenticated caller of this call; throws `UNAUTHENTICATED` when there
 * is none. For handlers of public methods that need a caller after all for
 * some requests, and for code that must not run unauthenticated whatever the
 * schema says.
 */
export function requirePrincipal(context: HasValues): Principal {
  const principal = principalOf(context);
  if (principal === undefined) {
    throw new RpcError(Code.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE);
  }
  return principal;
}

/** Whether `principal` holds at least one of `roles`, compared exactly. */
export function hasAnyRole(principal: Principal, roles: readonly string[]): boolean {
  return roles.some((role) => principal.roles.includes(role));
}

/** Whether `principal` holds at least one of `scopes`, compared exactly. */
export function hasAnyScope(principal: Principal, scopes: readonly string[]): boolean {
  return scopes.some((scope) => principal.scopes.includes(scope));
}

/*
 * The only two things a refused caller learns: which of the two codes, and
 * that message. The reason goes to the server's log, never to the caller: an
 * "expired" or "unknown user" answer would be an oracle.
 */
export const UNAUTHENTICATED_MESSAGE = "missing or invalid credentials";
export const PERMISSION_DENIED_MESSAGE = "permission denied";
