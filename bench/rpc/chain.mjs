// The interceptor chains of the "full chain" rows (bench/rpc/variants.mjs),
// made in the server's and the client's own process from the runtime the row
// runs: logging to a null sink, Prometheus metrics in a registry of their
// own, OpenTelemetry tracing with no SDK registered (the API's no-op tracer,
// as in a service that has not set up tracing), and HS256 JWT auth.
import { SignJWT } from "jose";
import { Registry } from "prom-client";
import { USER_ID } from "./fixtures.mjs";

/** The shared secret of the bench's tokens (HS256 wants at least 32 bytes). */
const SECRET = new TextEncoder().encode("grpckit-bench-secret-of-32-bytes-or-more");
const ISSUER = "https://id.bench.example/";
const AUDIENCE = "bench";

/** A Logger that drops every line: what the logging interceptor costs, without the cost of a sink. */
export const nullLogger = { info() {}, warn() {}, error() {} };

async function observability(runtime, side) {
  const { serverMetrics, clientMetrics } = await import(new URL("observe/metrics/index.js", runtime).href);
  const { serverTracing, clientTracing } = await import(new URL("observe/tracing/index.js", runtime).href);
  const { recovery, serverLogging, clientLogging } = await import(runtime);
  const registry = new Registry();
  // The order docs/interceptors.md gives: recovery outermost (servers), tracing, metrics, logging.
  return side === "server"
    ? [recovery(), serverTracing(), serverMetrics({ registry }), serverLogging({ logger: nullLogger })]
    : [clientTracing(), clientMetrics({ registry }), clientLogging({ logger: nullLogger })];
}

/** Server options: tracing, metrics and logging; with `auth`, an HS256 JWT authenticator. */
export async function chainServerOptions(grpckit, runtime, { auth = false } = {}) {
  return {
    interceptors: await observability(runtime, "server"),
    ...(auth
      ? { auth: grpckit.jwt({ secret: SECRET, algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE }) }
      : { auth: false }),
  };
}

/** Client options: tracing, metrics and logging; with `auth`, a token of the user the fixtures ask for, an admin. */
export async function chainClientOptions(_grpckit, runtime, { auth = false } = {}) {
  return {
    interceptors: await observability(runtime, "client"),
    ...(auth ? { token: await token(), allowInsecureToken: true } : {}),
  };
}

function token() {
  return new SignJWT({ roles: ["admin"] })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(USER_ID)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(SECRET);
}
