import type { PeerCertificate } from "node:tls";
import type { ServerContext } from "../service.js";
import { type Authenticator, AuthFailure } from "./authenticator.js";
import type { Principal } from "./principal.js";

/** One subject alternative name of a certificate, e.g. `{ type: "URI", value: "spiffe://shop/orders" }`. */
export interface SubjectAltName {
  /** `DNS`, `URI`, `email`, `IP Address`, ... as Node names them. */
  readonly type: string;
  readonly value: string;
}

/** Options of {@link mtls}. */
export interface MtlsOptions {
  /**
   * Which name of the certificate is the principal's subject: `"cn"`, the
   * subject's common name (the default); `"uri"`, `"dns"` or `"email"`, the
   * first subject alternative name of that type (`"uri"` for SPIFFE ids);
   * or a function of the certificate. A certificate without that name is
   * refused.
   */
  subject?: "cn" | "uri" | "dns" | "email" | ((certificate: PeerCertificate) => string | undefined) | undefined;
  /**
   * The roles of a caller: a table by subject, or a function of the subject
   * and the certificate. Default: none.
   */
  roles?:
    | Readonly<Record<string, readonly string[]>>
    | ((subject: string, certificate: PeerCertificate) => readonly string[])
    | undefined;
}

const sanTypes = { uri: "URI", dns: "DNS", email: "email" } as const;

/**
 * An authenticator of the client certificate a TLS server verified: for
 * servers listening with `serverTls({ ..., clientCa })`, which refuse at the
 * handshake any client without a certificate of that CA. The principal's
 * subject is the certificate's common name (or the SAN `subject` names), its
 * claims the certificate's names, issuer, serial number and SHA-256
 * fingerprint. A call over plaintext, or without a verified client
 * certificate, has no mTLS credentials.
 *
 * @example
 * const server = createServer({ auth: mtls({ subject: "uri", roles: { "spiffe://shop/gateway": ["gateway"] } }) });
 * await server.listen("0.0.0.0:8443", serverTls({ cert: "tls/server.pem", key: "tls/server.key", clientCa: "tls/ca.pem" }));
 */
export function mtls(options: MtlsOptions = {}): Authenticator {
  const subjectOf = subjectReader(options.subject ?? "cn");
  const rolesOf = rolesReader(options.roles);
  return {
    name: "mtls",
    authenticate(context: ServerContext): Principal | undefined {
      const certificate = context.getAuthContext().sslPeerCertificate;
      // grpc-js reports a certificate only once the TLS handshake verified it.
      if (certificate === undefined) {
        return undefined;
      }
      const subject = subjectOf(certificate);
      if (subject === undefined || subject === "") {
        throw new AuthFailure(`the client certificate has no ${describe(options.subject ?? "cn")}`);
      }
      const roles = rolesOf(subject, certificate);
      return Object.freeze({
        subject,
        roles: Object.freeze([...roles]),
        scopes: Object.freeze([]),
        claims: Object.freeze({
          cn: single(certificate.subject?.CN),
          san: subjectAltNames(certificate.subjectaltname),
          issuer: single(certificate.issuer?.CN),
          serialNumber: certificate.serialNumber,
          fingerprint256: certificate.fingerprint256,
        }),
        via: "mtls",
      });
    },
  };
}

function subjectReader(
  subject: NonNullable<MtlsOptions["subject"]>,
): (certificate: PeerCertificate) => string | undefined {
  if (typeof subject === "function") {
    return subject;
  }
  if (subject === "cn") {
    return (certificate) => single(certificate.subject?.CN);
  }
  const type = sanTypes[subject];
  if (type === undefined) {
    throw new TypeError(`mtls(): subject must be "cn", "uri", "dns", "email" or a function, not ${String(subject)}`);
  }
  return (certificate) => subjectAltNames(certificate.subjectaltname).find((san) => san.type === type)?.value;
}

function rolesReader(
  roles: MtlsOptions["roles"],
): (subject: string, certificate: PeerCertificate) => readonly string[] {
  if (roles === undefined) {
    return () => [];
  }
  if (typeof roles === "function") {
    return roles;
  }
  return (subject) => (Object.hasOwn(roles, subject) ? (roles[subject] ?? []) : []);
}

function describe(subject: NonNullable<MtlsOptions["subject"]>): string {
  return typeof subject === "function" ? "subject" : subject === "cn" ? "common name" : `${sanTypes[subject]} name`;
}

/** A name that appears once; a certificate with several common names has no usable one. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/*
 * Node's `subjectaltname`: entries joined by ", ", each `type:value`, the
 * value JSON-quoted when it holds characters that would be ambiguous.
 */
const SAN_ENTRY = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/gy;

/** The subject alternative names of a certificate, parsed from Node's `subjectaltname` string. */
export function subjectAltNames(text: string | undefined): readonly SubjectAltName[] {
  if (text === undefined || text === "") {
    return [];
  }
  const names: SubjectAltName[] = [];
  SAN_ENTRY.lastIndex = 0;
  for (let match = SAN_ENTRY.exec(text); match !== null; match = SAN_ENTRY.exec(text)) {
    const raw = match[2] ?? "";
    names.push({ type: match[1] ?? "", value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
    if (SAN_ENTRY.lastIndex >= text.length) {
      break;
    }
  }
  return names;
}
