import type { ServerContext } from "../service.js";
import type { Principal } from "./principal.js";

/**
 * Establishes who calls from a call's credentials (its metadata, its TLS
 * peer certificate). `jwt(...)` and `mtls(...)` are authenticators; so is
 * any object of this shape, e.g. one that checks API keys.
 *
 * `authenticate` answers one of three things:
 * - a {@link Principal}: the credentials are valid;
 * - undefined: the call carries no credentials of this kind;
 * - it throws an {@link AuthFailure}: the call carries credentials of this
 *   kind that are not valid. Its reason goes to the server's log only.
 *
 * Any other exception means the server could not decide (a key set could not
 * be loaded): the call fails with `INTERNAL` and the error goes to `onError`.
 */
export interface Authenticator {
  /** A short name, for logs and `Principal.via`: `"jwt"`, `"mtls"`, `"api-key"`. */
  readonly name: string;
  authenticate(context: ServerContext): Promise<Principal | undefined> | Principal | undefined;
}

/**
 * Credentials that are present but not valid. The reason is for the
 * server's log; the caller only learns `UNAUTHENTICATED`. Never put a
 * credential itself (a token, a password) in the reason.
 */
export class AuthFailure extends Error {
  override name = "AuthFailure";

  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Accepts a call that any of `authenticators` authenticates, tried in order:
 * the first principal wins. Credentials that are present but invalid fail
 * the call, even if a later authenticator would accept other credentials:
 * a bad credential is never skipped over.
 *
 * @example
 * // services present a client certificate, users a token
 * createServer({ auth: anyOf(mtls(), jwt({ jwks, algorithms: ["RS256"], issuer, audience })) });
 */
export function anyOf(...authenticators: readonly Authenticator[]): Authenticator {
  checkList("anyOf", authenticators);
  return {
    name: authenticators.map((a) => a.name).join("|"),
    async authenticate(context) {
      for (const authenticator of authenticators) {
        const principal = await authenticator.authenticate(context);
        if (principal !== undefined) {
          return principal;
        }
      }
      return undefined;
    },
  };
}

/**
 * Accepts a call only if every one of `authenticators` authenticates it,
 * e.g. a client certificate (which workload calls) and a token (for which
 * user). The principal is the last one's (its subject, roles, scopes and
 * claims), so list the authenticator that names the caller last;
 * `factors` holds each one's principal, `via` their names joined with `+`.
 * A call with none of the credentials has none; one with some but not all
 * has invalid ones.
 *
 * @example
 * createServer({ auth: allOf(mtls(), jwt({ ... })) });
 */
export function allOf(...authenticators: readonly Authenticator[]): Authenticator {
  checkList("allOf", authenticators);
  const name = authenticators.map((a) => a.name).join("+");
  return {
    name,
    async authenticate(context) {
      const factors: Principal[] = [];
      const missing: string[] = [];
      for (const authenticator of authenticators) {
        const principal = await authenticator.authenticate(context);
        if (principal === undefined) {
          missing.push(authenticator.name);
        } else {
          factors.push(principal);
        }
      }
      if (factors.length === 0) {
        return undefined;
      }
      if (missing.length > 0) {
        throw new AuthFailure(`no ${missing.join(", ")} credentials, which ${name} requires`);
      }
      const last = factors[factors.length - 1] as Principal;
      return Object.freeze({ ...last, via: name, factors: Object.freeze(factors) });
    },
  };
}

function checkList(what: string, authenticators: readonly Authenticator[]): void {
  if (authenticators.length === 0) {
    throw new TypeError(`${what}() needs at least one authenticator`);
  }
  for (const a of authenticators) {
    if (typeof a?.authenticate !== "function") {
      throw new TypeError(`${what}() takes authenticators, such as jwt(...) or mtls()`);
    }
  }
}
