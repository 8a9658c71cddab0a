import {
  type Authenticator,
  type AuthLogger,
  Code,
  RpcError,
  type ServerAuthOptions,
  type ServerOptions,
} from "grpckit";
import { expect } from "vitest";
import { type Served, serve } from "../../support/serve.js";
import { type Seen, Users, userHandlers } from "./users.js";

/** A logger that keeps the lines of refused calls. */
export function refusalLog(): AuthLogger & { readonly lines: { fields: Record<string, unknown>; message: string }[] } {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return {
    lines,
    warn(fields, message) {
      lines.push({ fields, message });
    },
  };
}

export interface AuthServer {
  readonly served: Served<typeof Users>;
  readonly client: Served<typeof Users>["client"];
  readonly seen: Seen;
  readonly log: ReturnType<typeof refusalLog>;
}

/** Serves {@link Users} with `authenticator`, logging refusals to a collector. */
export async function serveUsers(
  authenticator: Authenticator,
  options: Omit<ServerAuthOptions, "authenticator" | "logger"> & { server?: ServerOptions } = {},
): Promise<AuthServer> {
  const log = refusalLog();
  const { handlers, seen } = userHandlers();
  const { server, ...auth } = options;
  const served = await serve(Users, handlers, { ...server, auth: { authenticator, logger: log, ...auth } });
  return { served, client: served.client, seen, log };
}

/** Awaits `call`, expects it to fail with `code`, and returns the error. */
export async function failure(call: Promise<unknown> | (() => Promise<unknown>), code: Code): Promise<RpcError> {
  const error = await (typeof call === "function" ? call() : call).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${Code[code]}, but the call succeeded`).toBeInstanceOf(RpcError);
  const rpcError = error as RpcError;
  expect(Code[rpcError.code]).toBe(Code[code]);
  return rpcError;
}

/** Reads a server stream to its end. */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
  }
  return out;
}
