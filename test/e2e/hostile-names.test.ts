// biome-ignore-all lint/suspicious/noThenProperty: fields named then are what this file tests
// biome-ignore-all lint/suspicious/noPrototypeBuiltins: so are methods named like Object.prototype's

import { create } from "@bufbuild/protobuf";
import { Code, closeClient, createClient, createServer, type HandlersOf } from "grpckit";
import { describe, expect, test } from "vitest";
import {
  applyThingUpdateMask,
  constructor as ConstructorService,
  hasOwnProperty as HasOwnPropertyService,
  then as ThenService,
  Things,
} from "../golden/hostile-names/gen/hostile/v1/hostile_grpckit.js";
import { type Thing, ThingSchema } from "../golden/hostile-names/gen/hostile/v1/hostile_pb.js";
import { collect, serve, within } from "../support/serve.js";

// Names that are special to JavaScript objects and promises, as RPC, service
// and field names (test/golden/hostile-names): each must be its own method on
// the server and the client, at run time and not only in the types.

type ThingInit = Partial<Omit<Thing, "$typeName">>;
// TypeScript reads an object literal's missing `hasOwnProperty` as Object.prototype's
// function, so a plain init of a message with a field of that name must name it.
const thing = (fields: Omit<ThingInit, "hasOwnProperty">): ThingInit => ({ hasOwnProperty: "", ...fields });
const echo = (method: string) => async (req: Thing) => ({ ...req, name: method });

/** A handler for every method of Things, each answering with its own local name. */
function allHandlers(): HandlersOf<typeof Things> {
  return {
    updateThing: async (req) => ({ name: "updateThing", then: req.thing?.then ?? "", hasOwnProperty: "" }),
    readMarker: async () => ({}),
    __proto__$: echo("__proto__$"),
    then$: echo("then$"),
    async *propertyIsEnumerable$(req) {
      yield { name: "propertyIsEnumerable$", then: req.then, hasOwnProperty: "" };
    },
    async constructor$(requests) {
      const names: string[] = [];
      for await (const r of requests) names.push(r.name);
      return { name: `constructor$:${names.join(",")}`, hasOwnProperty: "" };
    },
    async *toString$(requests) {
      for await (const r of requests) yield { name: `toString$:${r.name}`, hasOwnProperty: "" };
    },
    hasOwnProperty$: echo("hasOwnProperty$"),
    isPrototypeOf$: echo("isPrototypeOf$"),
    valueOf$: echo("valueOf$"),
    toLocaleString$: echo("toLocaleString$"),
    __defineGetter__$: echo("__defineGetter__$"),
  };
}

describe("methods, services and fields named like members of Object.prototype and promises", () => {
  test("every method is served and called as itself, all four kinds", async () => {
    const { client } = await serve(Things, allHandlers());
    const fields: ThingInit = { then: "t", constructor$: "c", hasOwnProperty: "h", Proto: "p", toString$: "s" };
    for (const name of [
      "__proto__$",
      "then$",
      "hasOwnProperty$",
      "isPrototypeOf$",
      "valueOf$",
      "toLocaleString$",
      "__defineGetter__$",
    ] as const) {
      const reply = await client[name](fields);
      expect(reply).toMatchObject({ ...fields, name });
    }
    expect(await collect(client.propertyIsEnumerable$(thing({ then: "x" })))).toMatchObject([
      { name: "propertyIsEnumerable$", then: "x" },
    ]);
    expect(await client.constructor$([thing({ name: "a" }), thing({ name: "b" })])).toMatchObject({
      name: "constructor$:a,b",
    });
    expect(await collect(client.toString$([thing({ name: "a" })]))).toMatchObject([{ name: "toString$:a" }]);
    // The paths the server registered are the .proto's, whatever the local names.
    expect(Object.values(Things.methods).map((m) => m.name)).toContain("__proto__");
    expect(Object.keys(Things.methods)).toHaveLength(12);
  });

  test("a request or response from a plain object leaves out what the object inherits", async () => {
    const { client } = await serve(Things, {
      hasOwnProperty$: async (req) => req,
      isPrototypeOf$: async () => ({}) as never,
    });
    // As JavaScript sends it (TypeScript wants hasOwnProperty named): protobuf-es's create()
    // alone would send the source text of Object.prototype.hasOwnProperty.
    expect(await client.hasOwnProperty$({ name: "a" } as never)).toMatchObject({
      name: "a",
      hasOwnProperty: "",
      valueOf$: "",
    });
    expect(await client.isPrototypeOf$({})).toMatchObject({ hasOwnProperty: "" });
  });

  test("the generated names of methods named like Object.prototype's members get a $", () => {
    expect(Object.keys(Things.methods)).toEqual([
      "updateThing",
      "readMarker",
      "__proto__$",
      "then$",
      "propertyIsEnumerable$",
      "constructor$",
      "toString$",
      "hasOwnProperty$",
      "isPrototypeOf$",
      "valueOf$",
      "toLocaleString$",
      "__defineGetter__$",
    ]);
  });

  // A method table keyed by what every object inherits, as a hand-made spec may be.
  const inherited = {
    ...Things,
    methods: {
      hasOwnProperty: Things.methods.hasOwnProperty$,
      isPrototypeOf: Things.methods.isPrototypeOf$,
      toLocaleString: Things.methods.toLocaleString$,
      __defineGetter__: Things.methods.__defineGetter__$,
      toString: Things.methods.valueOf$,
    },
  };

  test("a method without a handler answers UNIMPLEMENTED, not with what the handler object inherits", async () => {
    // An empty object still has toString, hasOwnProperty ... through its prototype.
    const { client } = await serve(inherited, {});
    for (const name of Object.keys(inherited.methods) as (keyof typeof inherited.methods)[]) {
      await expect(client[name]({}), name).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
    }
  });

  test("a class's methods are handlers; Object.prototype's are not", async () => {
    class Impl {
      async isPrototypeOf() {
        return { name: "from the class", hasOwnProperty: "" };
      }
    }
    const { client } = await serve(inherited, new Impl() as never);
    expect(await client.isPrototypeOf({})).toMatchObject({ name: "from the class" });
    await expect(client.toString({})).rejects.toMatchObject({ code: Code.UNIMPLEMENTED });
  });

  test("a client is not thenable: an async function can return it", async () => {
    const { address } = await serve(Things, allHandlers());
    const make = async () => createClient(Things, address);
    const client = await within(make(), "the async function returning a client to settle");
    try {
      expect("then" in client).toBe(false);
      expect((await client.then$({})).name).toBe("then$");
    } finally {
      closeClient(client);
    }
  });

  test("a handler object with a key that is no method is still refused", () => {
    expect(() => createServer().add(Things, { then: echo("then") } as never)).toThrow(
      /hostile.v1.Things has no method "then"/,
    );
  });

  test("services named then, hasOwnProperty and constructor serve and answer", async () => {
    const { client, connect } = await serve(
      ThenService,
      { get: echo("then.get") },
      {
        setup: (server) =>
          server
            .add(HasOwnPropertyService, { get: echo("hasOwnProperty.get") })
            .add(ConstructorService, { get: echo("constructor.get") }),
      },
    );
    expect((await client.get({})).name).toBe("then.get");
    expect((await connect(HasOwnPropertyService).get({})).name).toBe("hasOwnProperty.get");
    expect((await connect(ConstructorService).get({})).name).toBe("constructor.get");
  });

  test("an update mask names fields called then and constructor, and a message without fields", () => {
    const existing = create(ThingSchema, { name: "n", then: "old", constructor$: "old", hasOwnProperty: "" });
    const patch = create(ThingSchema, { then: "new", constructor$: "new", marker: {}, hasOwnProperty: "" });
    const updated = applyThingUpdateMask(existing, patch, { paths: ["then", "marker"] });
    expect(updated).toMatchObject({ name: "n", then: "new", constructor$: "old", marker: {} });
    expect(() => applyThingUpdateMask(existing, patch, { paths: ["marker.x"] })).toThrow(/marker\.x/);
  });

  test("a read mask of a message without fields: no path names anything in it", async () => {
    const { client } = await serve(Things, allHandlers());
    expect((await client.readMarker({ readMask: { paths: [] } })).$typeName).toBe("hostile.v1.Marker");
    await expect(client.readMarker({ readMask: { paths: ["x"] } })).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });
  });
});
