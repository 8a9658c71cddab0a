import type { MethodSpec, ServiceSpec } from "../service.js";

// The service's client policies (see MethodSpec in service.ts: each concern adds its own property).
declare module "../service.js" {
  interface ServiceSpec {
    /**
     * The gRPC service config of the client policies the .proto declares
     * (`(grpckit.v1.method).client`: timeouts, retries, waitForReady), when
     * it declares any. Clients apply it; see docs/clients.md.
     */
    readonly serviceConfig?: ServiceConfigJson | undefined;
  }
}

/*
 * gRPC service configs (https://github.com/grpc/grpc/blob/master/doc/service_config.md)
 * in the JSON form grpc-js reads from the `grpc.service_config` channel
 * option. The plugin writes one per service that declares client policies
 * (`(grpckit.v1.method).client` in the .proto); the pool merges those of the
 * services it serves and gives the result to each of its channels, so that
 * load balancing and retries are grpc-js's own.
 */

/** A gRPC retry policy (gRFC A6), as JSON. */
export interface RetryPolicyJson {
  /** Attempts in all, the first one included: 2 to 5 (grpc-js caps it at 5). */
  readonly maxAttempts: number;
  /** Delay before the first retry, e.g. `"0.1s"`; each delay is randomized between 0 and the value. */
  readonly initialBackoff: string;
  /** Largest delay, e.g. `"1s"`. */
  readonly maxBackoff: string;
  /** Each delay is the previous one times this. */
  readonly backoffMultiplier: number;
  /** The codes that are retried, by name (`"UNAVAILABLE"`) or number. */
  readonly retryableStatusCodes: readonly (string | number)[];
}

/** The config of the methods it names, as JSON. */
export interface MethodConfigJson {
  /** `{ service, method }`: one method; `{ service }`: every method of the service; `{}`: every method. */
  readonly name: readonly { readonly service?: string; readonly method?: string }[];
  /** The default timeout of a call, e.g. `"2s"` or `"0.250s"`. */
  readonly timeout?: string;
  /** Calls wait for a connection instead of failing at once while none is ready. */
  readonly waitForReady?: boolean;
  readonly retryPolicy?: RetryPolicyJson;
}

/** A gRPC service config, as JSON. */
export interface ServiceConfigJson {
  /** The first policy grpc-js knows is used, e.g. `[{ round_robin: {} }]`. */
  readonly loadBalancingConfig?: readonly { readonly [policy: string]: object }[];
  readonly methodConfig?: readonly MethodConfigJson[];
  /** Stops retrying while too many calls fail (gRFC A6): tokens 1..1000, each failure takes 1, each success gives `tokenRatio`. */
  readonly retryThrottling?: { readonly maxTokens: number; readonly tokenRatio: number };
}

/** Load balancing policies of grpc-js a pool can use. */
export type LoadBalancing = "round_robin" | "pick_first";

/** What the schema says about the calls of one method, applied per call by the client. */
export interface CallDefaults {
  readonly timeoutMs?: number | undefined;
  readonly waitForReady?: boolean | undefined;
}

/**
 * The service config a pool's channels get: the load balancing policy, the
 * method configs of `services` (retry policies: grpc-js retries natively)
 * and `override` merged over them (its method configs replace those with
 * the same names; its load balancing and throttling win).
 *
 * Timeouts and waitForReady of the services' configs are left out: grpckit
 * applies them per call ({@link callDefaults}), so that a call's own
 * `timeoutMs` can replace the default, longer or shorter. grpc-js would take
 * the earlier of the two, and ignores `waitForReady` in a service config.
 */
export function channelServiceConfig(
  services: Iterable<ServiceSpec>,
  loadBalancing: LoadBalancing,
  override: ServiceConfigJson | undefined,
): ServiceConfigJson {
  const overrides = override?.methodConfig ?? [];
  const overridden = new Set(overrides.flatMap((config) => config.name.map(nameKey)));
  const methodConfig: MethodConfigJson[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    for (const config of service.serviceConfig?.methodConfig ?? []) {
      const keys = config.name.map(nameKey);
      // grpc-js refuses a name twice: the override's entry wins, and a service given twice counts once.
      if (config.retryPolicy === undefined || keys.some((key) => overridden.has(key) || seen.has(key))) {
        continue;
      }
      for (const key of keys) seen.add(key);
      methodConfig.push({ name: config.name, retryPolicy: config.retryPolicy });
    }
  }
  methodConfig.push(...overrides);
  const retryThrottling = override?.retryThrottling;
  return {
    loadBalancingConfig: override?.loadBalancingConfig ?? [{ [loadBalancing]: {} }],
    methodConfig,
    ...(retryThrottling === undefined ? {} : { retryThrottling }),
  };
}

/** Whether the service's configs hold a retry policy, which only a channel can apply. */
export function hasRetryPolicy(service: ServiceSpec): boolean {
  return (service.serviceConfig?.methodConfig ?? []).some((config) => config.retryPolicy !== undefined);
}

/**
 * The defaults of a method's calls from its service's config: the most
 * specific method config that names it (the method, else its service,
 * else every method), as gRPC picks it.
 */
export function callDefaults(service: ServiceSpec, method: MethodSpec): CallDefaults {
  const configs = service.serviceConfig?.methodConfig ?? [];
  const named = (match: (n: { readonly service?: string; readonly method?: string }) => boolean) =>
    configs.find((config) => config.name.some(match));
  const config =
    named((n) => n.service === service.typeName && n.method === method.name) ??
    named((n) => n.service === service.typeName && (n.method === undefined || n.method === "")) ??
    named((n) => (n.service === undefined || n.service === "") && (n.method === undefined || n.method === ""));
  if (config === undefined) {
    return {};
  }
  return {
    timeoutMs: config.timeout === undefined ? undefined : durationMs(config.timeout),
    waitForReady: config.waitForReady,
  };
}

/** Milliseconds of a JSON duration, `"1.5s"`. */
export function durationMs(duration: string): number {
  const match = /^(\d+(?:\.\d{1,9})?)s$/.exec(duration);
  if (match === null) {
    throw new TypeError(`"${duration}" is not a duration such as "1.5s"`);
  }
  return Number(match[1]) * 1000;
}

function nameKey(name: MethodConfigJson["name"][number]): string {
  return `${name.service ?? ""}/${name.method ?? ""}`;
}
