/**
 * Prometheus metrics of gRPC calls, with go-grpc-prometheus's names and
 * labels. A subpath of its own (`grpckit/metrics`), so that only its users
 * need prom-client installed.
 *
 * @module
 */
import type { Registry } from "prom-client";
import { Counter, Histogram } from "prom-client";
import type { Code } from "../../errors.js";
import type { ClientInterceptor, ServerInterceptor } from "../../interceptor.js";
import type { MethodSpec, ServiceSpec } from "../../service.js";
import {
  type CallEnd,
  type CallObserver,
  codeName,
  grpcType,
  observingClientInterceptor,
  observingServerInterceptor,
} from "../observe-call.js";

export { type MetricsServer, metricsHandler, type ServeMetricsOptions, serveMetrics } from "./serve-metrics.js";

/** Options of {@link serverMetrics} and {@link clientMetrics}. */
export interface MetricsOptions {
  /** The registry to register the metrics in: yours, e.g. prom-client's global `register`. */
  registry: Registry;
  /**
   * Buckets of the `*_handling_seconds` histogram, in seconds. Default
   * prom-client's (and Prometheus Go client's): 0.005 … 10.
   */
  buckets?: readonly number[] | undefined;
}

type Side = "server" | "client";
const LABELS = ["grpc_type", "grpc_service", "grpc_method"] as const;
const HANDLED_LABELS = [...LABELS, "grpc_code"] as const;

/** The five metrics of one side, in one registry. */
interface SideMetrics {
  readonly started: Batched<Tally>;
  readonly handled: Batched<Tally>;
  readonly received: Batched<Tally>;
  readonly sent: Batched<Tally>;
  readonly seconds: Batched<Timings>;
}

const HELP = {
  server: {
    started: "Total number of RPCs started on the server.",
    handled: "Total number of RPCs completed on the server, regardless of success or failure.",
    received: "Total number of RPC stream messages received on the server.",
    sent: "Total number of gRPC stream messages sent by the server.",
    seconds: "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.",
  },
  client: {
    started: "Total number of RPCs started on the client.",
    handled: "Total number of RPCs completed by the client, regardless of success or failure.",
    received: "Total number of RPC stream messages received by the client.",
    sent: "Total number of gRPC stream messages sent by the client.",
    seconds: "Histogram of response latency (seconds) of the gRPC until it is finished by the application.",
  },
} as const;

/**
 * Counts server calls in `registry`, as go-grpc-prometheus does:
 *
 * - `grpc_server_started_total{grpc_type,grpc_service,grpc_method}`
 * - `grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}`
 * - `grpc_server_msg_received_total{grpc_type,grpc_service,grpc_method}`
 * - `grpc_server_msg_sent_total{grpc_type,grpc_service,grpc_method}`
 * - `grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}` (histogram)
 *
 * `grpc_type` is `unary`, `client_stream`, `server_stream` or `bidi_stream`;
 * `grpc_code` the code's name as grpc-go spells it (`OK`, `NotFound`,
 * `Internal`), so go-grpc-prometheus dashboards and alerts work unchanged. A
 * call cut short counts as handled when it is cut (`Canceled`,
 * `DeadlineExceeded`). The metrics are created in the registry once and shared
 * by every interceptor made for it.
 *
 * @example
 * import { Registry } from "prom-client";
 * import { serverMetrics, serveMetrics } from "grpckit/metrics";
 * const registry = new Registry();
 * createServer({ interceptors: [recovery(), serverMetrics({ registry })] });
 * await serveMetrics(registry, { port: 9464 }); // GET /metrics
 */
export function serverMetrics(options: MetricsOptions): ServerInterceptor {
  const metrics = sideMetrics("server", options);
  const talliesOf = tallier(metrics, metrics.received, metrics.sent);
  return observingServerInterceptor((call) => ({
    observer: new CallMetrics(talliesOf(call.service, call.method)),
  }));
}

/**
 * Counts client calls in `registry`: `grpc_client_started_total`,
 * `grpc_client_handled_total`, `grpc_client_msg_received_total`,
 * `grpc_client_msg_sent_total` and the `grpc_client_handling_seconds`
 * histogram, with the labels of {@link serverMetrics}. A stream the caller
 * stops reading early counts as `Canceled`.
 *
 * @example
 * createClient(UserService, address, { interceptors: [clientMetrics({ registry })] });
 */
export function clientMetrics(options: MetricsOptions): ClientInterceptor {
  const metrics = sideMetrics("client", options);
  const talliesOf = tallier(metrics, metrics.sent, metrics.received);
  return observingClientInterceptor((call) => ({
    observer: new CallMetrics(talliesOf(call.service, call.method)),
  }));
}

/**
 * What one call counts: started now, each request and response, then its
 * end (handled, and the time it took). One object per call, its methods on
 * the prototype, rather than a timer closure and a closure per event.
 */
class CallMetrics implements CallObserver {
  private readonly startedAt = performance.now();

  constructor(private readonly tallies: MethodTallies) {
    tallies.started.add();
  }

  onRequest(): void {
    this.tallies.requests.add();
  }

  onResponse(): void {
    this.tallies.responses.add();
  }

  onEnd({ code }: CallEnd): void {
    const { tallies } = this;
    tallies.seconds.add((performance.now() - this.startedAt) / 1000);
    tallies.handled(code).add();
  }
}

type Labels = Readonly<Record<(typeof LABELS)[number], string>>;

/** What one method's calls count into, made once per method. */
interface MethodTallies {
  readonly started: Tally;
  /** Requests: received on a server, sent on a client. */
  readonly requests: Tally;
  /** Responses: sent on a server, received on a client. */
  readonly responses: Tally;
  /** The handled count of the calls that ended with `code`. */
  readonly handled: (code: Code) => Tally;
  /** The calls' durations. */
  readonly seconds: Timings;
}

/** The tallies of each method, made on its first call. */
function tallier(
  metrics: SideMetrics,
  requests: Batched<Tally>,
  responses: Batched<Tally>,
): (service: ServiceSpec, method: MethodSpec) => MethodTallies {
  const cache = new WeakMap<MethodSpec, MethodTallies>();
  return (service, method) => {
    let tallies = cache.get(method);
    if (tallies === undefined) {
      const labels: Labels = Object.freeze({
        grpc_type: grpcType(method.kind),
        grpc_service: service.typeName,
        grpc_method: method.name,
      });
      const byCode: Tally[] = [];
      tallies = {
        started: metrics.started.of(labels),
        requests: requests.of(labels),
        responses: responses.of(labels),
        handled: (code) => {
          let handled = byCode[code];
          if (handled === undefined) {
            handled = metrics.handled.of(Object.freeze({ ...labels, grpc_code: codeName(code) }));
            byCode[code] = handled;
          }
          return handled;
        },
        seconds: metrics.seconds.of(labels),
      };
      cache.set(method, tallies);
    }
    return tallies;
  };
}

/*
 * Batching. A prom-client counter's `inc` and a histogram's `observe` build
 * and look up a string key of their labels on every call, which cost more
 * than anything else these interceptors do per call. So a call adds to a
 * plain number (a counter) or to a buffer of durations (the histogram) kept
 * per label set, and the batches reach prom-client when the metric is read:
 * the `collect` hook, which prom-client runs on every read
 * (`registry.metrics()`, the /metrics endpoint, `metric.get()`), flushes
 * them first, so what a read returns is exact. A metric found in the
 * registry that this module did not make (no hook of ours) is counted into
 * at once instead. (After `registry.resetMetrics()`, what was counted since
 * the last read arrives with the next.)
 */

/** The values of a metric's labels. */
type LabelSet = Readonly<Record<string, string>>;

/** What a label set of a metric accumulates until the metric is read. */
interface Accumulator {
  flush(): void;
}

/** The count of one label set of a counter. */
class Tally implements Accumulator {
  private count = 0;

  constructor(
    private readonly counter: Counter<string>,
    private readonly labels: LabelSet,
    private readonly batched: boolean,
  ) {}

  add(): void {
    if (this.batched) {
      this.count++;
    } else {
      this.counter.inc(this.labels);
    }
  }

  flush(): void {
    const { count } = this;
    if (count > 0) {
      this.count = 0;
      this.counter.inc(this.labels, count);
    }
  }
}

/**
 * Durations kept before they are observed, 8 bytes each: few enough that the
 * call that flushes them is not noticeably slower than the others.
 */
const TIMINGS_BATCH = 64;

/** The durations of one label set of the histogram; observed when read, or once 64 wait. */
class Timings implements Accumulator {
  private readonly pending = new Float64Array(TIMINGS_BATCH);
  private length = 0;

  constructor(
    private readonly histogram: Histogram<string>,
    private readonly labels: LabelSet,
    private readonly batched: boolean,
  ) {}

  add(seconds: number): void {
    if (!this.batched) {
      this.histogram.observe(this.labels, seconds);
      return;
    }
    this.pending[this.length++] = seconds;
    if (this.length === TIMINGS_BATCH) {
      this.flush();
    }
  }

  flush(): void {
    const { length, pending, histogram, labels } = this;
    this.length = 0;
    for (let i = 0; i < length; i++) {
      histogram.observe(labels, pending[i] as number);
    }
  }
}

/** A metric and the accumulators of its label sets: one per label set, whichever interceptor asks. */
class Batched<A extends Accumulator> {
  private readonly accumulators = new Map<string, A>();

  constructor(private readonly make: (labels: LabelSet) => A) {}

  of(labels: LabelSet): A {
    const key = JSON.stringify(labels);
    let accumulator = this.accumulators.get(key);
    if (accumulator === undefined) {
      accumulator = this.make(labels);
      this.accumulators.set(key, accumulator);
    }
    return accumulator;
  }

  flush(): void {
    for (const accumulator of this.accumulators.values()) {
      accumulator.flush();
    }
  }
}

/** The batches of the metrics this module made, by metric: shared by every interceptor of a registry. */
const batches = new WeakMap<object, Batched<Accumulator>>();

/**
 * The metric `name` of `registry` with its batches: made by `create` with a
 * `collect` hook that flushes them if the registry does not have it yet.
 */
function batched<M extends object, A extends Accumulator>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => M,
  create: (collect: () => void) => M,
  accumulator: (metric: M, labels: LabelSet, batched: boolean) => A,
): Batched<A> {
  const found = existing<M>(registry, name, kind);
  if (found !== undefined) {
    return (batches.get(found) as Batched<A> | undefined) ?? new Batched((labels) => accumulator(found, labels, false));
  }
  const metric = create(() => batch.flush());
  const batch = new Batched((labels) => accumulator(metric, labels, true));
  batches.set(metric, batch);
  return batch;
}

function sideMetrics(side: Side, options: MetricsOptions): SideMetrics {
  const { registry } = options;
  const help = HELP[side];
  const name = (suffix: string) => `grpc_${side}_${suffix}`;
  const counter = (suffix: string, helpText: string, labelNames: readonly string[]) =>
    batched(
      registry,
      name(suffix),
      Counter,
      (collect) => new Counter({ name: name(suffix), help: helpText, labelNames, registers: [registry], collect }),
      (metric, labels, batchedHere) => new Tally(metric, labels, batchedHere),
    );
  const histogramName = name("handling_seconds");
  return {
    started: counter("started_total", help.started, LABELS),
    handled: counter("handled_total", help.handled, HANDLED_LABELS),
    received: counter("msg_received_total", help.received, LABELS),
    sent: counter("msg_sent_total", help.sent, LABELS),
    seconds: batched(
      registry,
      histogramName,
      Histogram,
      (collect) =>
        new Histogram({
          name: histogramName,
          help: help.seconds,
          labelNames: LABELS,
          registers: [registry],
          collect,
          ...(options.buckets === undefined ? {} : { buckets: [...options.buckets] }),
        }),
      (metric, labels, batchedHere) => new Timings(metric, labels, batchedHere),
    ),
  };
}

/** The metric already registered under `name`, if it is of the expected kind; throws if it is another. */
function existing<M>(
  registry: Registry,
  name: string,
  kind: abstract new (...args: never[]) => unknown,
): M | undefined {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) {
    return undefined;
  }
  if (!(metric instanceof kind)) {
    throw new Error(`the registry already has a metric ${name} that is not a ${kind.name}`);
  }
  return metric as M;
}
