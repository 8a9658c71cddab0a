/*
 * Auth declared in the .proto: authenticators (JWT, mTLS, composed), the
 * schema's rules enforced before the handler, the principal in the handler's
 * context, and a client's bearer token. See docs/auth.md.
 */

// Registers the schema's auth interceptor (see server/schema-interceptors.ts).
import "./enforce.js";

export { type Authenticator, AuthFailure, allOf, anyOf } from "./authenticator.js";
export type { AuthLogger, MethodRule, ServerAuth, ServerAuthOptions } from "./enforce.js";
export { type JwksSource, type JwtAlgorithm, type JwtOptions, jwt } from "./jwt.js";
export { type MtlsOptions, mtls, type SubjectAltName } from "./mtls.js";
export {
  hasAnyRole,
  hasAnyScope,
  type Principal,
  principalKey,
  principalOf,
  requirePrincipal,
} from "./principal.js";
export type { AuthRule, SelfRule } from "./rule.js";
export { type Pem, readPemFiles, type ServerTlsOptions, serverTls } from "./tls.js";
export {
  bearerCredentials,
  bearerToken,
  type CachedToken,
  type CachedTokenOptions,
  type ClientTokenOptions,
  cachedToken,
  type TokenInfo,
  type TokenProvider,
  type TokenSource,
} from "./token.js";
