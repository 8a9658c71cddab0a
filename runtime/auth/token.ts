import { type CallCredentials, type ChannelCredentials, credentials, Metadata } from "@grpc/grpc-js";
import { decodeJwt } from "jose";
import { registerClientExtension } from "../client/create-client.js";
import { tlsChannel } from "../client/credentials.js";
import type { TransportOptions } from "../client/transport.js";
import { Code, RpcError } from "../errors.js";
import type { ClientInterceptor } from "../interceptor.js";

/** A token with the time it stops being valid. */
export interface TokenInfo {
  readonly token: string;
  /** When the token expires (a Date, or milliseconds since the epoch). Default: a JWT's `exp`, else unknown. */
  readonly expiresAt?: Date | number | undefined;
}

/** Gets a token, e.g. from an identity provider's token endpoint. */
export type TokenProvider = () => string | TokenInfo | Promise<string | TokenInfo>;

/**
 * A bearer token for the calls of a client: a fixed token, or a provider
 * asked for a fresh one when the last one is about to expire (see
 * {@link cachedToken}).
 */
export type TokenSource = string | TokenProvider;

/** Options of {@link cachedToken}. */
export interface CachedTokenOptions {
  /** How long before it expires a token is replaced, in seconds. Default 30. */
  refreshBeforeSec?: number | undefined;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. For tests. */
  now?: (() => number) | undefined;
}

/** A token getter that keeps its token until it is about to expire. */
export interface CachedToken {
  (): Promise<string>;
  /** Forgets `token` (e.g. the server refused it), so that the next call gets a new one. */
  invalidate(token: string): void;
}

const DEFAULT_REFRESH_BEFORE_SEC = 30;

/**
 * Keeps the token of `provider` until `refreshBeforeSec` before it expires
 * (its `expiresAt`, or a JWT's `exp` claim, read without verifying it), then
 * asks for a new one; calls made meanwhile share that one request. A token
 * whose expiry is unknown is not kept: the provider is asked for every call.
 * A provider that fails fails the calls waiting for it, and is asked again
 * by the next call. `createClient`'s `token` option wraps a provider in it.
 *
 * @example
 * const token = cachedToken(async () => {
 *   const res = await fetch(tokenUrl, { method: "POST", body: form });
 *   const { access_token, expires_in } = await res.json();
 *   return { token: access_token, expiresAt: Date.now() + expires_in * 1000 };
 * });
 */
export function cachedToken(provider: TokenProvider, options: CachedTokenOptions = {}): CachedToken {
  const refreshBeforeMs = (options.refreshBeforeSec ?? DEFAULT_REFRESH_BEFORE_SEC) * 1000;
  const now = options.now ?? Date.now;
  let current: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const get = (): Promise<string> => {
    if (current !== undefined && now() < current.refreshAt) {
      return Promise.resolve(current.token);
    }
    pending ??= (async () => {
      try {
        const info = await provider();
        const { token, expiresAt } = typeof info === "string" ? { token: info, expiresAt: undefined } : info;
        if (typeof token !== "string" || token === "") {
          throw new TypeError("the token provider answered no token");
        }
        const expiry = expiryOf(token, expiresAt);
        current = expiry === undefined ? undefined : { token, refreshAt: expiry - refreshBeforeMs };
        return token;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
  return Object.assign(get, {
    invalidate(token: string) {
      if (current?.token === token) {
        current = undefined;
      }
    },
  });
}

function expiryOf(token: string, expiresAt: Date | number | undefined): number | undefined {
  if (expiresAt !== undefined) {
    return expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
  }
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined; // not a JWT: expiry unknown
  }
}

function getterOf(source: TokenSource): CachedToken {
  if (typeof source === "string") {
    if (source === "") {
      throw new TypeError("token: an empty string is not a token");
    }
    return Object.assign(() => Promise.resolve(source), { invalidate() {} });
  }
  if (typeof source !== "function") {
    throw new TypeError("token: give a token (a string) or a function that returns one");
  }
  return "invalidate" in source ? (source as CachedToken) : cachedToken(source);
}

/** The token, or an UNAUTHENTICATED error that says the client could not get one. */
async function tokenFrom(get: CachedToken): Promise<string> {
  try {
    return await get();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RpcError(Code.UNAUTHENTICATED, `could not get a token: ${reason}`, { cause });
  }
}

/**
 * grpc-js call credentials that send `authorization: Bearer <token>` with
 * every call. grpc-js sends call credentials over TLS only: compose them with
 * TLS channel credentials, `credentials.combineChannelCredentials(tls, bearerCredentials(token))`
 * (`createClient`'s `token` option does it for you).
 */
export function bearerCredentials(source: TokenSource): CallCredentials {
  const get = getterOf(source);
  return credentials.createFromMetadataGenerator((_params, callback) => {
    tokenFrom(get).then(
      (token) => {
        const metadata = new Metadata();
        metadata.set("authorization", `Bearer ${token}`);
        callback(null, metadata);
      },
      (error: RpcError) => callback(Object.assign(new Error(error.rawMessage), { code: error.code })),
    );
  });
}

/**
 * A client interceptor that adds `authorization: Bearer <token>` to every
 * call's metadata, for a channel without TLS, where grpc-js refuses call
 * credentials: for local development only, since anyone on the path reads
 * the token. `allowInsecure: true` says you know. A call the server answers
 * `UNAUTHENTICATED` makes the next call get a new token from a provider. A
 * call that sets its own `authorization` metadata is sent with it instead.
 *
 * @example
 * createClient(UserService, "127.0.0.1:50051", { interceptors: [bearerToken(devToken, { allowInsecure: true })] });
 */
export function bearerToken(source: TokenSource, options: { allowInsecure: true }): ClientInterceptor {
  if (options?.allowInsecure !== true) {
    throw new TypeError(
      "bearerToken() sends the token without TLS: pass { allowInsecure: true } for local development, or use the token option with TLS",
    );
  }
  const get = getterOf(source);
  return (next) => async (call) => {
    // A call's own authorization metadata wins over the client's token.
    if (call.metadata.get("authorization").length > 0) {
      return next(call);
    }
    const token = await tokenFrom(get);
    call.metadata.set("authorization", `Bearer ${token}`);
    try {
      return await next(call);
    } catch (error) {
      if (error instanceof RpcError && error.code === Code.UNAUTHENTICATED) {
        get.invalidate(token);
      }
      throw error;
    }
  };
}

// The token options of createClient: the client knows nothing of them; the extension at the end reads them.
declare module "../client/create-client.js" {
  interface ClientOptions extends ClientTokenOptions {}
}

/** The token options of `createClient`. */
export interface ClientTokenOptions {
  /**
   * A bearer token sent with every call (`authorization: Bearer ...`), or a
   * provider of fresh ones (kept until they are about to expire; see
   * `cachedToken`). Sent as grpc-js call credentials, which travel over TLS
   * only: the client needs `tls` or TLS `credentials`, unless
   * `allowInsecureToken` is set.
   */
  token?: TokenSource | undefined;
  /**
   * Sends `token` over a plaintext channel too, for local development:
   * anyone on the path can read it. Also needed with a transport, whose
   * channel the client does not know. Default false.
   */
  allowInsecureToken?: boolean | undefined;
}

/**
 * How a client sends its token: composed into the channel credentials of
 * `channel` (TLS), or, where the user allowed it, by an interceptor. Throws
 * when the token would travel in the clear without the user's consent.
 */
export function clientToken<O extends TransportOptions>(
  options: ClientTokenOptions,
  channel: O | undefined,
): { channel: O | undefined; interceptor: ClientInterceptor | undefined } {
  const { token, allowInsecureToken } = options;
  if (token === undefined) {
    return { channel, interceptor: undefined };
  }
  const secure = channel === undefined ? undefined : secureCredentials(channel);
  if (secure !== undefined && channel !== undefined) {
    const composed = credentials.combineChannelCredentials(secure.credentials, bearerCredentials(token));
    return {
      channel: {
        ...channel,
        tls: undefined,
        credentials: composed,
        channelOptions: { ...secure.channelOptions, ...channel.channelOptions },
      },
      interceptor: undefined,
    };
  }
  if (allowInsecureToken === true) {
    return { channel, interceptor: bearerToken(token, { allowInsecure: true }) };
  }
  throw new TypeError(
    channel === undefined
      ? "token: a client on a transport cannot tell whether its channel uses TLS; compose bearerCredentials(token) into the transport's credentials, or set allowInsecureToken: true"
      : "token: the channel has no TLS, and the token would travel in the clear; give tls (or TLS credentials), or set allowInsecureToken: true for local development",
  );
}

/** The TLS credentials (and channel options) a client's channel options give, or undefined for plaintext. */
function secureCredentials(
  channel: TransportOptions,
): { credentials: ChannelCredentials; channelOptions: Record<string, unknown> } | undefined {
  if (channel.tls !== undefined) {
    if (channel.credentials !== undefined) {
      throw new TypeError("give either tls or credentials, not both");
    }
    return tlsChannel(channel.tls);
  }
  if (channel.credentials?._isSecure() === true) {
    return { credentials: channel.credentials, channelOptions: {} };
  }
  return undefined;
}

registerClientExtension("token", { options: ["token", "allowInsecureToken"], extend: clientToken });
