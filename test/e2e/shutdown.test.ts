import { setTimeout as sleep } from "node:timers/promises";
import { Code, RpcError } from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, deferred, serve, within } from "../support/serve.js";

describe("shutdown", () => {
  test("is graceful: a call in flight completes, then shutdown resolves and new calls fail", async () => {
    const started = deferred();
    const release = deferred();
    let signal: AbortSignal | undefined;
    const { client, server } = await serve(UserService, {
      async getUser({ userId }, context) {
        signal = context.signal;
        started.resolve();
        await release.promise;
        return { user: { userId } };
      },
    });
    const call = client.getUser({ userId: "in-flight" });
    await started.promise;

    let finished = false;
    const shutdown = server.shutdown(10_000).then(() => {
      finished = true;
    });
    await sleep(50); // a chance to resolve too early
    expect(finished).toBe(false);

    release.resolve();
    expect(await call).toMatchObject({ user: { userId: "in-flight" } });
    await within(shutdown, "shutdown to resolve");
    expect(signal?.aborted).toBe(false);
    await expect(client.getUser({ userId: "late" })).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  test("after its timeout, forces a hung stream closed and aborts its handler's signal", async () => {
    const started = deferred();
    const aborted = deferred<unknown>();
    const { client, server } = await serve(UserService, {
      async *listUsers(_request, { signal }) {
        yield { user: { userId: "u1" } };
        started.resolve();
        await new Promise((resolve) => signal.addEventListener("abort", resolve)); // hangs until aborted
        aborted.resolve(signal.reason);
      },
    });
    const reading = collect(client.listUsers({}));
    reading.catch(() => {}); // awaited below
    await started.promise;

    await within(server.shutdown(100), "shutdown to force the stream closed");
    const reason = await within(aborted.promise, "the handler's signal to abort");
    expect(reason).toBeInstanceOf(RpcError);
    expect(reason).toMatchObject({ code: Code.UNAVAILABLE });
    // grpc-js resets forced streams with CANCEL, so the client sees CANCELLED.
    await expect(reading).rejects.toBeInstanceOf(RpcError);
  });
});
