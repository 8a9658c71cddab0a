import {
  type CallObserver,
  observeServerCall,
  observingServerInterceptor,
  RpcError,
  type RunIn,
  type ServerCall,
  type ServerInterceptor,
  selector,
} from "grpckit";
import { describe, expect, test } from "vitest";
import { UserService } from "../../generated-example/ecommerce/v1/user_grpckit.js";
import { collect, serve } from "../support/serve.js";

/*
 * Neighbouring observing interceptors (logging, metrics, tracing, or any made
 * with observingServerInterceptor) are run by `chain` as one, sharing a pass
 * over each call's messages. What each sees must not change: these observers
 * write down every event, and the same observers nested one by one (plain
 * interceptors) must write the same.
 */

type Events = string[];

/** The parts of an observer named `name`: what it does at start, its observer and its run. */
function parts(name: string, events: Events, depth: { value: number }) {
  return (call: ServerCall): { observer: CallObserver; run: RunIn } => {
    events.push(`${name} start ${call.method.name} depth=${depth.value}`);
    return {
      observer: {
        onRequest: (message) => events.push(`${name} request ${JSON.stringify(message).length > 0}`),
        onResponse: () => events.push(`${name} response`),
        onEnd: (end) => events.push(`${name} end ${end.code} ${end.requests}/${end.responses}`),
      },
      run: (fn) => {
        depth.value++;
        try {
          return fn();
        } finally {
          depth.value--;
        }
      },
    };
  };
}

const fused = (name: string, events: Events, depth: { value: number }) =>
  observingServerInterceptor(parts(name, events, depth));

/** The same observer as a plain interceptor, which chain() does not fuse. */
const nested =
  (name: string, events: Events, depth: { value: number }): ServerInterceptor =>
  (next) =>
  (call) => {
    const { observer, run } = parts(name, events, depth)(call);
    return observeServerCall(next, call, observer, run);
  };

async function eventsOf(make: typeof nested): Promise<Events> {
  const events: Events = [];
  const depth = { value: 0 };
  const { client } = await serve(
    UserService,
    {
      async getUser({ userId }) {
        events.push(`handler depth=${depth.value}`);
        if (userId === "missing") throw new RpcError(5, "no such user");
        return { user: { userId } };
      },
      async *chatWithUsers(requests) {
        for await (const request of requests) yield { userId: request.userId, message: request.message };
      },
    },
    {
      auth: false,
      interceptors: [make("outer", events, depth), make("middle", events, depth), make("inner", events, depth)],
    },
  );
  await client.getUser({ userId: "u1" });
  await client.getUser({ userId: "missing" }).catch(() => {});
  await collect(
    client.chatWithUsers([
      { userId: "u1", message: "a" },
      { userId: "u2", message: "b" },
    ]),
  );
  return events;
}

describe("neighbouring observers run as one", () => {
  test("and see the same events, in the same order, as nested one by one", async () => {
    const asOne = await eventsOf(fused);
    const oneByOne = await eventsOf(nested);
    expect(asOne).toEqual(oneByOne);
    // And what that order is, as through nested interceptors: each starts and sees the request
    // inside the runs of those before it; the handler runs inside every run; the response and
    // the end reach the innermost first.
    expect(asOne.slice(0, 13)).toEqual([
      "outer start GetUser depth=0",
      "outer request true",
      "middle start GetUser depth=1",
      "middle request true",
      "inner start GetUser depth=2",
      "inner request true",
      "handler depth=3",
      "inner response",
      "inner end 0 1/1",
      "middle response",
      "middle end 0 1/1",
      "outer response",
      "outer end 0 1/1",
    ]);
    expect(asOne).toContain("inner end 5 1/0");
    expect(asOne.filter((e) => e.endsWith("end 0 2/2"))).toEqual([
      "inner end 0 2/2",
      "middle end 0 2/2",
      "outer end 0 2/2",
    ]);
  });

  test("observers applied by selector() see the same, on the methods selected only", async () => {
    const onGetUser = (make: typeof nested) => (name: string, events: Events, depth: { value: number }) =>
      selector(make(name, events, depth), { method: "GetUser" });
    const selected = await eventsOf(onGetUser(fused));
    expect(selected).toEqual(await eventsOf(onGetUser(nested)));
    expect(selected.some((e) => e.includes("ChatWithUsers"))).toBe(false);
    expect(selected.slice(0, 3)).toEqual([
      "outer start GetUser depth=0",
      "outer request true",
      "middle start GetUser depth=1",
    ]);
  });

  test("an observer whose onEnd throws does not keep the others from theirs", async () => {
    const ended: string[] = [];
    const observer = (name: string, fail = false) =>
      observingServerInterceptor(() => ({
        observer: {
          onEnd: () => {
            ended.push(name);
            if (fail) throw new Error(`${name} broke`);
          },
        },
      }));
    const { client } = await serve(
      UserService,
      {
        async getUser({ userId }) {
          return { user: { userId } };
        },
      },
      {
        auth: false,
        interceptors: [observer("outer"), observer("middle", true), observer("inner")],
        onError: () => {},
      },
    );
    await client.getUser({ userId: "u1" }).catch(() => {});
    expect(ended).toEqual(["inner", "middle", "outer"]);
  });
});
