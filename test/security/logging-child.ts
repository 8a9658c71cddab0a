/*
 * A server in a process of its own, for test/security/logs.test.ts: it
 * serves UserService on 127.0.0.1, prints its port on stdout, and runs until
 * its stdin closes. grpc-js logs to this process's stderr, which the test reads.
 *
 * argv[2] "own-logger": after the server is made, a logger of the user's own
 * is set with grpc-js's setLogger (prefixing its lines with "own logger:").
 */
import { setLogger } from "@grpc/grpc-js";
import { createServer } from "grpckit";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";

const server = createServer({ auth: false }).add(UserService, {
  async getUser({ userId }, context) {
    // Which metadata reached the handler: the test checks the refused header did not.
    return { user: { userId, displayName: context.metadata.get("authorization").join(",") } };
  },
});
if (process.argv[2] === "own-logger") {
  const line = (message: unknown) => process.stderr.write(`own logger: ${String(message)}\n`);
  setLogger({ error: line, info: line, debug: line });
}
const port = await server.listen("127.0.0.1:0");
process.stdout.write(`${port}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void server.shutdown(1_000).then(() => process.exit(0));
});
