import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { ServerContext } from "../service.js";
import { type Authenticator, AuthFailure } from "./authenticator.js";
import type { Principal } from "./principal.js";

/** The JWS algorithms `jwt()` accepts in its allow-list. `none` is not one of them. */
export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA"
  | "Ed25519";

/** A JSON Web Key Set, or a function that returns the current one (called for each token: cache in it). */
export type JwksSource = JSONWebKeySet | (() => JSONWebKeySet | Promise<JSONWebKeySet>);

/**
 * Options of {@link jwt}. Give the verification key in exactly one of
 * `secret`, `publicKey`, `jwks` and `jwksUrl`.
 */
export interface JwtOptions {
  /**
   * The shared secret of HMAC tokens (HS256, HS384, HS512), as text (UTF-8)
   * or bytes; at least as long as the hash (32 bytes for HS256, 48 for
   * HS384, 64 for HS512).
   */
  secret?: string | Uint8Array | undefined;
  /**
   * The issuer's public key: PEM text (a `PUBLIC KEY` or a certificate), a
   * JWK, or a Node `KeyObject`. Every algorithm of the allow-list must fit it.
   */
  publicKey?: string | JWK | KeyObject | undefined;
  /**
   * A JSON Web Key Set, or a function returning the current set (called for
   * each token; cache in it): the key is chosen by the token's `kid` (and
   * `alg`), so keys rotate by adding the new one and, later, dropping the old.
   * A token whose `kid` is not in the set is refused.
   */
  jwks?: JwksSource | undefined;
  /**
   * The URL of the issuer's JWKS (e.g. `https://issuer/.well-known/jwks.json`),
   * fetched by jose's remote key set: cached, refetched on an unknown `kid`
   * at most every 30 s.
   */
  jwksUrl?: string | URL | undefined;
  /**
   * The algorithms accepted, e.g. `["RS256"]`. Required: a token's `alg`
   * header is chosen by whoever made the token. HMAC algorithms go with
   * `secret` only, the others with a public key or key set only, so that a
   * token signed with the public key as an HMAC secret never verifies.
   */
  algorithms: readonly JwtAlgorithm[];
  /** The accepted `iss` value(s); when set, the claim is required. Set it. */
  issuer?: string | readonly string[] | undefined;
  /** The accepted `aud` value(s), e.g. this API's identifier; when set, the claim is required. Set it. */
  audience?: string | readonly string[] | undefined;
  /** How far clocks may disagree when checking `exp` and `nbf`, in seconds. Default 5. */
  clockToleranceSec?: number | undefined;
  /**
   * The claim holding the roles, a list of strings: a claim name
   * (`roles`, `https://example.com/roles`), or a dot path into nested
   * objects (`realm_access.roles`, as Keycloak puts them). A claim of any
   * other type makes the token invalid. Default `roles`.
   */
  rolesClaim?: string | undefined;
  /**
   * The claim holding the OAuth2 scopes: a space-separated string (RFC 8693)
   * or a list of strings. Default `scope`.
   */
  scopeClaim?: string | undefined;
  /** The required `typ` header, e.g. `at+jwt` (RFC 9068). Default: not checked. */
  type?: string | undefined;
  /** Claims that must be present besides `sub` and `exp`, which always must. */
  requiredClaims?: readonly string[] | undefined;
  /** The longest token accepted, in characters; longer ones are refused unread. Default 8192. */
  maxTokenLength?: number | undefined;
  /** The clock `exp` and `nbf` are checked against. Default: the system clock. For tests. */
  now?: (() => Date) | undefined;
  /**
   * Remembers the tokens that verified, so that a client sending the same
   * token on every call (as clients do until it expires) pays for its
   * signature check once: up to `maxEntries` tokens (default 1,000, the
   * oldest forgotten first), each for at most `maxAgeSec` (default 60) and
   * never past its `exp`. A token is looked up by its exact text, signature
   * included. A change of key set (a new set from `jwks`, a refetch of
   * `jwksUrl`) forgets them all, so a retired key stops verifying at once.
   * `false`: check every call's token in full.
   */
  cache?: { maxEntries?: number | undefined; maxAgeSec?: number | undefined } | false | undefined;
}

const DEFAULT_CLOCK_TOLERANCE_SEC = 5;
const DEFAULT_MAX_TOKEN_LENGTH = 8192;
const DEFAULT_CACHE_ENTRIES = 1_000;
const DEFAULT_CACHE_MAX_AGE_SEC = 60;

const hmacBytes: Partial<Record<JwtAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const isHmac = (alg: JwtAlgorithm) => hmacBytes[alg] !== undefined;

/* The algorithms a single public key can verify, by its type (and curve). */
const algorithmsByKey: Record<string, readonly JwtAlgorithm[]> = {
  rsa: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
  "rsa-pss": ["PS256", "PS384", "PS512"],
  "ec:prime256v1": ["ES256"],
  "ec:secp384r1": ["ES384"],
  "ec:secp521r1": ["ES512"],
  ed25519: ["EdDSA", "Ed25519"],
};

const allAlgorithms = new Set<string>([...Object.keys(hmacBytes), ...Object.values(algorithmsByKey).flat()]);

/*
 * A bearer token in an `authorization` header: the scheme (case-insensitive,
 * RFC 7235) and a JWS in compact form, three base64url parts. Anything else
 * in that header is not a bearer token.
 */
const BEARER = /^bearer +(.*)$/i;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * An authenticator of JSON Web Tokens sent as `authorization: Bearer <jwt>`
 * metadata, verified with `jose`: the signature with the configured key and
 * algorithm allow-list, then `iss`, `aud`, `exp`, `nbf` (with the clock
 * tolerance), `sub` (required: it is the principal's subject) and `exp`
 * (required: a token must expire). The principal's roles come from
 * `rolesClaim`, its scopes from `scopeClaim`, its claims are the payload.
 *
 * A call without an `authorization: Bearer` header has no JWT credentials
 * (see {@link anyOf}); a header with a token that does not verify makes the
 * call fail `UNAUTHENTICATED`, and the reason is logged by the server.
 *
 * @example
 * createServer({
 *   auth: jwt({
 *     jwks: await loadKeySet(),
 *     algorithms: ["RS256"],
 *     issuer: "https://id.example.com/",
 *     audience: "shop-api",
 *     rolesClaim: "realm_access.roles",
 *   }),
 * });
 */
export function jwt(options: JwtOptions): Authenticator {
  const algorithms = checkAlgorithms(options);
  const key = keyOf(options, algorithms);
  const rolesClaim = options.rolesClaim ?? "roles";
  const scopeClaim = options.scopeClaim ?? "scope";
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  const requiredClaims = [...new Set(["sub", "exp", ...(options.requiredClaims ?? [])])];
  const verifyOptions = {
    algorithms: [...algorithms],
    clockTolerance: options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    requiredClaims,
    ...(options.issuer === undefined ? {} : { issuer: listOf(options.issuer) }),
    ...(options.audience === undefined ? {} : { audience: listOf(options.audience) }),
    ...(options.type === undefined ? {} : { typ: options.type }),
  };
  const now = options.now;
  const verified = verifiedTokens(options.cache);
  return {
    name: "jwt",
    async authenticate(context: ServerContext): Promise<Principal | undefined> {
      const token = bearerToken(context, maxLength);
      if (token === undefined) {
        return undefined;
      }
      let payload: JWTPayload;
      let keys: ResolvedKey;
      const currentDate = now?.();
      const nowMs = currentDate?.getTime() ?? Date.now();
      try {
        keys = await key();
        const remembered = verified?.get(token, keys.generation(), nowMs);
        if (remembered !== undefined) {
          return remembered;
        }
        ({ payload } = await jwtVerify(token, keys.key as JWTVerifyGetKey, {
          ...verifyOptions,
          ...(currentDate === undefined ? {} : { currentDate }),
        }));
      } catch (error) {
        throw asFailure(error);
      }
      const principal = principalOf(payload, rolesClaim, scopeClaim);
      // jwtVerify required exp: a number.
      verified?.set(token, keys.generation(), principal, (payload.exp as number) * 1000, nowMs);
      return principal;
    },
  };
}

function verifiedTokens(options: JwtOptions["cache"]): VerifiedTokens | undefined {
  if (options === false) {
    return undefined;
  }
  const maxEntries = options?.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  const maxAgeSec = options?.maxAgeSec ?? DEFAULT_CACHE_MAX_AGE_SEC;
  if (!Number.isInteger(maxEntries) || maxEntries < 0 || !(maxAgeSec >= 0)) {
    throw new TypeError("jwt(): cache.maxEntries must be a whole number >= 0 and cache.maxAgeSec a number >= 0");
  }
  return maxEntries === 0 || maxAgeSec === 0 ? undefined : new VerifiedTokens(maxEntries, maxAgeSec * 1000);
}

/**
 * Tokens that verified, by their exact text, with the principal each
 * established: each until the earlier of its `exp` and `maxAgeMs` after it
 * was verified, and only under the key (set) that verified it, its
 * `generation`: another key set object means the keys changed. When full,
 * the token verified longest ago is forgotten.
 *
 * @internal exported for tests
 */
export class VerifiedTokens {
  private readonly entries = new Map<
    string,
    { principal: Principal; since: number; until: number; generation: object }
  >();

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string, generation: object | undefined, nowMs: number): Principal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      return undefined;
    }
    if (nowMs >= entry.until || nowMs < entry.since - MAX_CLOCK_JUMP_MS || entry.generation !== generation) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, generation: object | undefined, principal: Principal, expMs: number, nowMs: number): void {
    if (generation === undefined) {
      return;
    }
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.entries.delete(oldest.value);
    }
    this.entries.set(token, { principal, since: nowMs, until: Math.min(expMs, nowMs + this.maxAgeMs), generation });
  }
}

/* A clock that goes back by more than this forgets what was verified (nbf may no longer hold). */
const MAX_CLOCK_JUMP_MS = 1_000;

/** The bearer token of the call, undefined if it has none; throws if the header is malformed. */
function bearerToken(context: ServerContext, maxLength: number): string | undefined {
  const values = context.metadata.get("authorization");
  if (values.length === 0) {
    return undefined;
  }
  if (values.length > 1) {
    throw new AuthFailure(`${values.length} authorization headers`);
  }
  const value = values[0];
  if (typeof value !== "string") {
    throw new AuthFailure("a binary authorization header");
  }
  const bearer = BEARER.exec(value);
  if (bearer === null) {
    return undefined; // another scheme: not a JWT credential
  }
  const token = bearer[1] as string;
  // Checked before the token is parsed at all: a huge token costs nothing.
  if (token.length > maxLength) {
    throw new AuthFailure(`a bearer token of ${token.length} characters, over the limit of ${maxLength}`);
  }
  if (!COMPACT_JWS.test(token)) {
    throw new AuthFailure("a bearer token that is not a JWS in compact form");
  }
  return token;
}

function principalOf(payload: JWTPayload, rolesClaim: string, scopeClaim: string): Principal {
  const subject = payload.sub;
  if (typeof subject !== "string" || subject === "") {
    throw new AuthFailure("the sub claim is not a non-empty string");
  }
  const roles = claimAt(payload, rolesClaim);
  if (roles !== undefined && !isStringList(roles)) {
    throw new AuthFailure(`the ${rolesClaim} claim is not a list of strings`);
  }
  const scope = claimAt(payload, scopeClaim);
  let scopes: readonly string[] = [];
  if (typeof scope === "string") {
    scopes = scope.split(" ").filter((s) => s !== "");
  } else if (isStringList(scope)) {
    scopes = scope;
  } else if (scope !== undefined) {
    throw new AuthFailure(`the ${scopeClaim} claim is neither a space-separated string nor a list of strings`);
  }
  return Object.freeze({
    subject,
    roles: Object.freeze([...(roles ?? [])]),
    scopes: Object.freeze([...scopes]),
    // Deeply: one principal may serve many calls (see VerifiedTokens).
    claims: deepFreeze(payload),
    via: "jwt",
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
  }
  return value;
}

/** The claim named `name`, or else the value at its dot path; own properties only. */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) {
    return payload[name];
  }
  let value: unknown = payload;
  for (const part of name.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** jose's errors are about the token; anything else is the server's own problem. */
function asFailure(error: unknown): unknown {
  if (error instanceof errors.JWKSTimeout) {
    return error; // the issuer's key set did not load: not the caller's fault
  }
  if (error instanceof errors.JOSEError) {
    return new AuthFailure(`${error.code}: ${error.message}`, { cause: error });
  }
  return error;
}

function listOf(value: string | readonly string[]): string[] {
  return typeof value === "string" ? [value] : [...value];
}

function checkAlgorithms(options: JwtOptions): readonly JwtAlgorithm[] {
  const { algorithms } = options;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('jwt(): algorithms is required, e.g. ["RS256"]: the allow-list of token algorithms');
  }
  for (const alg of algorithms) {
    if (!allAlgorithms.has(alg)) {
      throw new TypeError(
        `jwt(): algorithm "${String(alg)}" is not supported; use one of ${[...allAlgorithms].join(", ")}`,
      );
    }
  }
  return algorithms;
}

/**
 * The key to verify with now, and what identifies it: `generation()` is the
 * same object for as long as the keys are the same (undefined while they are
 * not known yet), so that verified tokens are remembered per key (set).
 */
interface ResolvedKey {
  readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  generation(): object | undefined;
}

type KeyResolver = () => Promise<ResolvedKey>;

function fixed(key: Uint8Array | KeyObject | JWTVerifyGetKey): KeyResolver {
  const resolved: ResolvedKey = { key, generation: () => key };
  return () => Promise.resolve(resolved);
}

function keyOf(options: JwtOptions, algorithms: readonly JwtAlgorithm[]): KeyResolver {
  const given = (["secret", "publicKey", "jwks", "jwksUrl"] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      `jwt(): give the key in exactly one of secret, publicKey, jwks and jwksUrl${given.length > 1 ? ` (got ${given.join(", ")})` : ""}`,
    );
  }
  const hmac = algorithms.filter(isHmac);
  if (options.secret !== undefined) {
    const others = algorithms.filter((alg) => !isHmac(alg));
    if (others.length > 0) {
      throw new TypeError(`jwt(): a secret verifies HMAC algorithms only, not ${others.join(", ")}`);
    }
    const secret = typeof options.secret === "string" ? Buffer.from(options.secret, "utf8") : options.secret;
    for (const alg of hmac) {
      const min = hmacBytes[alg] ?? 0;
      if (secret.length < min) {
        throw new TypeError(`jwt(): a secret for ${alg} needs at least ${min} bytes, not ${secret.length}`);
      }
    }
    return fixed(new Uint8Array(secret));
  }
  if (hmac.length > 0) {
    throw new TypeError(
      `jwt(): ${hmac.join(", ")} need a secret; with a public key, allowing them would let a token signed with the public key as its secret through`,
    );
  }
  if (options.publicKey !== undefined) {
    const key = publicKeyOf(options.publicKey);
    const fits = algorithmsByKey[keyKind(key)] ?? [];
    const misfits = algorithms.filter((alg) => !fits.includes(alg));
    if (misfits.length > 0) {
      throw new TypeError(`jwt(): the ${keyKind(key)} public key cannot verify ${misfits.join(", ")}`);
    }
    return fixed(key);
  }
  if (options.jwksUrl !== undefined) {
    const remote = createRemoteJWKSet(new URL(options.jwksUrl));
    // The fetched set: a new object after each refetch.
    const resolved: ResolvedKey = { key: remote as JWTVerifyGetKey, generation: () => remote.jwks() };
    return () => Promise.resolve(resolved);
  }
  return localKeySet(options.jwks as JwksSource);
}

function localKeySet(source: JwksSource): KeyResolver {
  if (typeof source !== "function") {
    checkKeySet(source);
    const set = createLocalJWKSet(source);
    const resolved: ResolvedKey = { key: set as JWTVerifyGetKey, generation: () => source };
    return () => Promise.resolve(resolved);
  }
  // One jose key set per set object the function returns: a new object is a rotation.
  const sets = new WeakMap<JSONWebKeySet, ResolvedKey>();
  return async () => {
    const current = await source();
    let resolved = sets.get(current);
    if (resolved === undefined) {
      checkKeySet(current);
      resolved = { key: createLocalJWKSet(current) as JWTVerifyGetKey, generation: () => current };
      sets.set(current, resolved);
    }
    return resolved;
  };
}

function checkKeySet(set: JSONWebKeySet): void {
  if (typeof set !== "object" || set === null || !Array.isArray(set.keys)) {
    throw new TypeError("jwt(): jwks must be a JSON Web Key Set, { keys: [...] }");
  }
  for (const jwk of set.keys) {
    if (jwk.kty === "oct") {
      throw new TypeError("jwt(): jwks holds public keys only; give an HMAC key as secret");
    }
  }
}

function publicKeyOf(input: string | JWK | KeyObject): KeyObject {
  if (typeof input === "string") {
    return createPublicKey(input);
  }
  if (isKeyObject(input)) {
    if (input.type === "secret") {
      throw new TypeError("jwt(): publicKey is a secret key; give it as secret");
    }
    return input.type === "private" ? createPublicKey(input) : input;
  }
  if (input.kty === "oct") {
    throw new TypeError("jwt(): publicKey is a JWK of a secret (oct) key; give it as secret");
  }
  return createPublicKey({ key: input as JsonWebKey, format: "jwk" });
}

function isKeyObject(value: unknown): value is KeyObject {
  return (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === "KeyObject";
}

function keyKind(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? "unknown";
  return type === "ec" ? `ec:${key.asymmetricKeyDetails?.namedCurve ?? "unknown"}` : type;
}
