import {
  type ClientOf,
  type ClientOptions,
  closeClient,
  createClient,
  createServer,
  type ServerAuth,
  type ServerCredentials,
} from "grpckit";
import { onTestFinished } from "vitest";
import { refusalLog } from "./harness.js";
import { type Seen, Users, userHandlers } from "./users.js";

export interface TlsServed {
  readonly address: string;
  readonly seen: Seen;
  readonly log: ReturnType<typeof refusalLog>;
  /** A client of {@link Users} with these options, closed when the test ends. */
  connect(options?: ClientOptions): ClientOf<typeof Users>;
}

/** Serves {@link Users} on 127.0.0.1 with `credentials` (TLS) and `auth`, until the test ends. */
export async function serveUsersOver(credentials: ServerCredentials, auth: ServerAuth): Promise<TlsServed> {
  const log = refusalLog();
  const { handlers, seen } = userHandlers();
  const server = createServer({
    auth: auth === false ? false : "authenticator" in auth ? auth : { authenticator: auth, logger: log },
  }).add(Users, handlers);
  const clients: object[] = [];
  onTestFinished(async () => {
    await Promise.all(clients.map((client) => closeClient(client)));
    await server.shutdown(250);
  });
  const port = await server.listen("127.0.0.1:0", credentials);
  const address = `127.0.0.1:${port}`;
  return {
    address,
    seen,
    log,
    connect(options = {}) {
      const client = createClient(Users, address, options);
      clients.push(client);
      return client;
    },
  };
}
