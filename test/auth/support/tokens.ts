import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { Metadata } from "@grpc/grpc-js";
import { exportJWK, type JWK, type JWTPayload, SignJWT } from "jose";

/** The issuer and audience the test servers expect. */
export const ISSUER = "https://id.test.example/";
export const AUDIENCE = "shop-api";

/** An RSA key pair for RS256, with its public key in every form a server takes. */
export interface RsaKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicPem: string;
  readonly publicJwk: JWK;
}

export async function rsaKeys(kid?: string): Promise<RsaKeys> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicJwk = {
    ...(await exportJWK(publicKey)),
    alg: "RS256",
    use: "sig",
    ...(kid === undefined ? {} : { kid }),
  };
  return {
    privateKey,
    publicKey,
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    publicJwk,
  };
}

const nowSec = () => Math.floor(Date.now() / 1000);

/** Claims of a valid token for `sub`: issuer, audience, issued now, expiring in ten minutes. */
export function claims(sub: string, extra: JWTPayload = {}): JWTPayload {
  return { sub, iss: ISSUER, aud: AUDIENCE, iat: nowSec(), exp: nowSec() + 600, ...extra };
}

/** Signs `payload` as a JWT with `key`. */
export function sign(
  payload: JWTPayload,
  key: KeyObject | Uint8Array,
  header: { alg?: string; kid?: string; typ?: string } = {},
): Promise<string> {
  const { alg = "RS256", ...rest } = header;
  return new SignJWT(payload).setProtectedHeader({ alg, ...rest }).sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A token put together by hand, for the ones jose refuses to make (alg none, forged ones). */
export function rawToken(header: object, payload: object, signature = ""): string {
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** An HS256 token whose HMAC key is `secret`, made by hand (for the algorithm-confusion attack). */
export function hs256(payload: object, secret: string | Buffer, header: object = {}): string {
  const signingInput = `${b64({ alg: "HS256", typ: "JWT", ...header })}.${b64(payload)}`;
  const mac = createHmac("sha256", secret).update(signingInput).digest("base64url");
  return `${signingInput}.${mac}`;
}

/** Call options that send `token` as a bearer token, with more metadata if given. */
export function bearer(token: string, more: Record<string, string> = {}): { metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  for (const [key, value] of Object.entries(more)) {
    metadata.set(key, value);
  }
  return { metadata };
}

/** Call options with the given metadata only. */
export function withMetadata(values: Record<string, string>): { metadata: Metadata } {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(values)) {
    metadata.set(key, value);
  }
  return { metadata };
}
