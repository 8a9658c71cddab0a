import {
  createServer,
  type HandlersOf,
  type Server,
  ServerCredentials,
  type ServerOptions,
  type ServiceSpec,
} from "grpckit";
import { onTestFinished } from "vitest";
import { replicaService } from "./fleet.js";

/** An in-process ReplicaService server, and what it saw. */
export interface InProcessReplica {
  readonly name: string;
  readonly server: Server;
  readonly address: string;
  readonly port: number;
  /** The peer (client address and port: one per connection) of each call, in order. */
  readonly peers: string[];
  /** The metadata of each call, in order. */
  readonly headers: Record<string, string>[];
}

export interface ReplicaHandlers {
  lookup?(request: { delayMs: number }, attempt: number, signal: AbortSignal): Promise<{ replica: string }>;
  charge?(request: { hang: boolean }, attempt: number, signal: AbortSignal): Promise<{ replica: string }>;
}

/**
 * Serves ReplicaService on 127.0.0.1 (port 0, or `port`) in this process
 * until the test ends. By default, Lookup answers after its `delayMs` and
 * Charge never answers when asked to `hang`, as the replica processes do;
 * `handlers` replace them (`attempt` counts the calls of the method, from 1).
 */
export async function serveReplica(
  name: string,
  options: { port?: number; credentials?: ServerCredentials; handlers?: ReplicaHandlers; server?: ServerOptions } = {},
): Promise<InProcessReplica> {
  const service: ServiceSpec = replicaService();
  const peers: string[] = [];
  const headers: Record<string, string>[] = [];
  const counts = { lookup: 0, charge: 0 };
  const record = (context: { peer: string; metadata: { getMap(): Record<string, unknown> } }) => {
    peers.push(context.peer);
    headers.push(Object.fromEntries(Object.entries(context.metadata.getMap()).map(([k, v]) => [k, String(v)])));
  };
  const handlers = {
    async lookup(request: { delayMs: number }, context: Parameters<typeof record>[0] & { signal: AbortSignal }) {
      record(context);
      const attempt = ++counts.lookup;
      const custom = options.handlers?.lookup;
      if (custom !== undefined) {
        return custom(request, attempt, context.signal);
      }
      await sleep(request.delayMs, context.signal);
      return { replica: name };
    },
    async charge(request: { hang: boolean }, context: Parameters<typeof record>[0] & { signal: AbortSignal }) {
      record(context);
      const attempt = ++counts.charge;
      const custom = options.handlers?.charge;
      if (custom !== undefined) {
        return custom(request, attempt, context.signal);
      }
      if (request.hang) {
        await sleep(2 ** 31 - 1, context.signal);
      }
      return { replica: name };
    },
  } as unknown as HandlersOf<ServiceSpec>;
  const server = createServer(options.server).add(service, handlers);
  onTestFinished(() => server.shutdown(250));
  const port = await server.listen(
    `127.0.0.1:${options.port ?? 0}`,
    options.credentials ?? ServerCredentials.createInsecure(),
  );
  return { name, server, address: `127.0.0.1:${port}`, port, peers, headers };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
