import type { MethodSpec, ServiceSpec } from "grpckit";
import { describe, expect, test } from "vitest";
import { callDefaults, channelServiceConfig, durationMs } from "../../runtime/client/service-config.js";
import { channelTarget } from "../../runtime/client/targets.js";
import { acceptedByGrpcJs } from "./support/grpc-js-config.js";

/* Units of the client's configuration: targets and service configs, without a network. */

describe("channelTarget", () => {
  test("passes one address through, for grpc-js to resolve", () => {
    expect(channelTarget("127.0.0.1:50051")).toBe("127.0.0.1:50051");
    expect(channelTarget("dns:///orders.shop.svc.cluster.local:50051")).toBe(
      "dns:///orders.shop.svc.cluster.local:50051",
    );
    expect(channelTarget(["localhost:50051"])).toBe("localhost:50051");
  });

  test("makes a list of IP addresses one target of grpc-js's static resolver", () => {
    expect(channelTarget(["127.0.0.1:1", "10.0.0.7:50051"])).toBe("ipv4:127.0.0.1:1,10.0.0.7:50051");
    expect(channelTarget(["[::1]:1", "[fd00::7]:50051"])).toBe("ipv6:[::1]:1,[fd00::7]:50051");
  });

  test("refuses what grpc-js cannot resolve as a list, saying what to do", () => {
    expect(() => channelTarget([])).toThrow("empty");
    expect(() => channelTarget("")).toThrow("empty");
    expect(() => channelTarget(["orders-0:50051", "orders-1:50051"])).toThrow(
      'use one "dns:///name:port" target that resolves to all of them',
    );
    expect(() => channelTarget(["127.0.0.1:1", "[::1]:1"])).toThrow("mix IPv4 and IPv6");
    expect(() => channelTarget(["127.0.0.1", "127.0.0.2:1"])).toThrow("not ip:port");
    expect(() => channelTarget(["127.0.0.1:99999", "127.0.0.2:1"])).toThrow("not ip:port");
  });
});

const method = (name: string): MethodSpec =>
  ({ name, path: `/a.v1.S/${name}`, kind: "unary" }) as unknown as MethodSpec;
const service = (serviceConfig: ServiceSpec["serviceConfig"], typeName = "a.v1.S"): ServiceSpec =>
  ({ typeName, methods: {}, serviceConfig }) as unknown as ServiceSpec;
const retryPolicy = {
  maxAttempts: 3,
  initialBackoff: "0.1s",
  maxBackoff: "1s",
  backoffMultiplier: 2,
  retryableStatusCodes: ["UNAVAILABLE"],
};

describe("channelServiceConfig", () => {
  const a = service({
    methodConfig: [
      { name: [{ service: "a.v1.S", method: "Get" }], timeout: "2s", waitForReady: true, retryPolicy },
      { name: [{ service: "a.v1.S", method: "Put" }], timeout: "1s" },
    ],
  });
  const b = service({ methodConfig: [{ name: [{ service: "b.v1.T", method: "List" }], retryPolicy }] }, "b.v1.T");

  test("merges the retry policies of the services, with round_robin; timeouts stay with the calls", () => {
    const config = channelServiceConfig([a, b, a], "round_robin", undefined);
    expect(config).toEqual({
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [
        { name: [{ service: "a.v1.S", method: "Get" }], retryPolicy },
        { name: [{ service: "b.v1.T", method: "List" }], retryPolicy },
      ],
    });
    expect(() => acceptedByGrpcJs(config)).not.toThrow();
  });

  test("an override replaces the method configs of its names, and its balancing and throttling win", () => {
    const config = channelServiceConfig([a, b], "pick_first", {
      loadBalancingConfig: [{ pick_first: {} }],
      methodConfig: [{ name: [{ service: "a.v1.S", method: "Get" }, { service: "c.v1.U" }], timeout: "5s" }],
      retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
    });
    expect(config).toEqual({
      loadBalancingConfig: [{ pick_first: {} }],
      methodConfig: [
        { name: [{ service: "b.v1.T", method: "List" }], retryPolicy },
        { name: [{ service: "a.v1.S", method: "Get" }, { service: "c.v1.U" }], timeout: "5s" },
      ],
      retryThrottling: { maxTokens: 10, tokenRatio: 0.1 },
    });
    expect(() => acceptedByGrpcJs(config)).not.toThrow();
  });
  test("grpc-js refuses a config it cannot use, so the checks above can fail", () => {
    expect(() =>
      acceptedByGrpcJs({
        methodConfig: [{ name: [{ service: "a.v1.S" }], retryPolicy: { ...retryPolicy, maxAttempts: 1 } }],
      }),
    ).toThrow();
  });
});

describe("callDefaults", () => {
  test("takes the most specific method config: the method's, the service's, then everyone's", () => {
    const s = service({
      methodConfig: [
        { name: [{}], timeout: "9s" },
        { name: [{ service: "a.v1.S" }], waitForReady: true },
        { name: [{ service: "a.v1.S", method: "Get" }], timeout: "0.25s" },
      ],
    });
    expect(callDefaults(s, method("Get"))).toEqual({ timeoutMs: 250, waitForReady: undefined });
    expect(callDefaults(s, method("Put"))).toEqual({ timeoutMs: undefined, waitForReady: true });
    expect(callDefaults(service({ methodConfig: [{ name: [{}], timeout: "9s" }] }), method("Put"))).toEqual({
      timeoutMs: 9_000,
      waitForReady: undefined,
    });
    expect(callDefaults(service(undefined), method("Get"))).toEqual({});
  });

  test("reads and writes gRPC's JSON durations", () => {
    expect(durationMs("1.5s")).toBe(1_500);
    expect(durationMs("0.000000001s")).toBeCloseTo(0.000001);
    expect(() => durationMs("1500ms")).toThrow('"1500ms" is not a duration');
  });
});
