import { describe, expect, it } from "vitest";

/*
 * A server never runs without what its options or its schema ask for. This file imports the
 * server module alone first, as a bundler that dropped grpckit's concern modules would leave it.
 */

describe("createServer fails closed", () => {
  it("refuses to make a server while the schema's concerns (auth, validation, masks) are not loaded", async () => {
    const { createServer } = await import("../../runtime/server/create-server.js");
    expect(() => createServer()).toThrow(
      `createServer: grpckit's auth, validation, masks module did not load, so the schema's rules would not be enforced: import createServer from "grpckit"`,
    );
  });

  it("refuses an option no part of grpckit reads, and accepts every documented one", async () => {
    const grpckit = await import("grpckit");
    // @ts-expect-error a typo of `auth`
    expect(() => grpckit.createServer({ autth: {} })).toThrow(
      'createServer: no part of grpckit reads the option "autth"',
    );
    const server = grpckit.createServer({
      auth: { name: "none", authenticate: () => undefined },
      health: true,
      reflection: true,
      limits: {},
      interceptors: [],
      onError: () => {},
      channelOptions: {},
    });
    expect(server.health).toBeDefined();
    // An option left undefined is no option.
    expect(() => grpckit.createServer({ health: undefined })).not.toThrow();
  });
});
