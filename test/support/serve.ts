import {
  type ClientOf,
  type ClientOptions,
  Code,
  closeClient,
  createClient,
  createServer,
  type HandlersOf,
  type Server,
  type ServerOptions,
  type ServiceSpec,
} from "grpckit";
import { expect, onTestFinished } from "vitest";

/** How long `stop()` lets calls finish before it forces the server down. */
const STOP_TIMEOUT_MS = 250;

export interface ServeOptions extends ServerOptions {
  /** Adds more services to the same server. */
  setup?: ((server: Server) => void) | undefined;
}

export interface Served<S extends ServiceSpec> {
  /** A grpckit client of the service, on its own channel. */
  readonly client: ClientOf<S>;
  readonly server: Server;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** Another client on a channel of its own, closed by `stop()`. */
  connect<T extends ServiceSpec>(service: T, options?: ClientOptions): ClientOf<T>;
  /** Closes the clients and shuts the server down, forcing it after a short grace. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a real server on 127.0.0.1, port 0, serving `service` with
 * `handlers`, and returns a client of it. Call it inside a test: the server is
 * stopped when the test finishes, pass or fail.
 */
export async function serve<S extends ServiceSpec>(
  service: S,
  handlers: Partial<HandlersOf<S>>,
  options: ServeOptions = {},
): Promise<Served<S>> {
  const { setup, ...serverOptions } = options;
  const server = createServer(serverOptions).add(service, handlers);
  setup?.(server);
  const clients: object[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const client of clients) {
        closeClient(client);
      }
      await server.shutdown(STOP_TIMEOUT_MS);
    })();
    return stopping;
  };
  onTestFinished(stop);
  const port = await server.listen("127.0.0.1:0");
  const address = `127.0.0.1:${port}`;
  const connect = <T extends ServiceSpec>(other: T, clientOptions?: ClientOptions): ClientOf<T> => {
    const client = createClient(other, address, clientOptions);
    clients.push(client);
    return client;
  };
  return { client: connect(service), server, address, connect, stop };
}

/** A promise with its resolve function, for waiting on events from handlers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Reads an async iterable to its end. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
  }
  return items;
}

/**
 * Resolves as `promise` does, or fails with "timed out waiting for <what>"
 * after `ms`: a broken expectation then fails fast and says what was missing.
 * Not a timing assertion: `ms` is far above what the awaited event needs.
 */
export function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts a call with `call(signal)`, aborts the signal once `started`
 * resolves (the handler is running), and checks that the caller sees
 * CANCELLED.
 */
export async function cancelOnceStarted(
  call: (signal: AbortSignal) => Promise<unknown>,
  started: Promise<unknown>,
): Promise<void> {
  const controller = new AbortController();
  const pending = call(controller.signal);
  await started;
  controller.abort();
  await expect(pending).rejects.toMatchObject({ code: Code.CANCELLED });
}
