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
  readonly started: Counter<(typeof LABELS)[number]>;
  readonly handled: Counter<(typeof HANDLED_LABELS)[number]>;
  readonly received: Counter<(typeof LABELS)[number]>;
  readonly sent: Counter<(typeof LABELS)[number]>;
  readonly seconds: Histogram<(typeof LABELS)[number]>;
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
  const labelsOf = labeller();
  return observingServerInterceptor((call) => ({
    observer: new CallMetrics(metrics, labelsOf(call.service, call.method), metrics.received, metrics.sent),
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
  const labelsOf = labeller();
  return observingClientInterceptor((call) => ({
    observer: new CallMetrics(metrics, labelsOf(call.service, call.method), metrics.sent, metrics.received),
  }));
}

/**
 * What one call counts: started now, each request and response, then its
 * end (handled, and the time it took). One object per call, its methods on
 * the prototype, rather than a timer closure and a closure per event.
 */
class CallMetrics implements CallObserver {
  private readonly startedAt = performance.now();

  constructor(
    private readonly metrics: SideMetrics,
    private readonly labels: MethodLabels,
    /** Counts requests: received on a server, sent on a client. */
    private readonly requests: Counter<(typeof LABELS)[number]>,
    /** Counts responses: sent on a server, received on a client. */
    private readonly responses: Counter<(typeof LABELS)[number]>,
  ) {
    metrics.started.inc(labels.method);
  }

  onRequest(): void {
    this.requests.inc(this.labels.method);
  }

  onResponse(): void {
    this.responses.inc(this.labels.method);
  }

  onEnd({ code }: CallEnd): void {
    const { metrics, labels } = this;
    metrics.seconds.observe(labels.method, (performance.now() - this.startedAt) / 1000);
    metrics.handled.inc(labels.handled(code));
  }
}

type Labels = Readonly<Record<(typeof LABELS)[number], string>>;
type HandledLabels = Readonly<Record<(typeof HANDLED_LABELS)[number], string>>;

/** The label sets of one method, made once: its own, and with each code it ended with. */
interface MethodLabels {
  readonly method: Labels;
  readonly handled: (code: Code) => HandledLabels;
}

/** The labels of each method, made once. */
function labeller(): (service: ServiceSpec, method: MethodSpec) => MethodLabels {
  const cache = new WeakMap<MethodSpec, MethodLabels>();
  return (service, method) => {
    let labels = cache.get(method);
    if (labels === undefined) {
      const base: Labels = Object.freeze({
        grpc_type: grpcType(method.kind),
        grpc_service: service.typeName,
        grpc_method: method.name,
      });
      const byCode: HandledLabels[] = [];
      labels = {
        method: base,
        handled: (code) => {
          let handled = byCode[code];
          if (handled === undefined) {
            handled = Object.freeze({ ...base, grpc_code: codeName(code) });
            byCode[code] = handled;
          }
          return handled;
        },
      };
      cache.set(method, labels);
    }
    return labels;
  };
}

function sideMetrics(side: Side, options: MetricsOptions): SideMetrics {
  const { registry } = options;
  const help = HELP[side];
  const name = (suffix: string) => `grpc_${side}_${suffix}`;
  const counter = <L extends string>(suffix: string, helpText: string, labelNames: readonly L[]): Counter<L> =>
    existing<Counter<L>>(registry, name(suffix), Counter) ??
    new Counter({ name: name(suffix), help: helpText, labelNames, registers: [registry] });
  const histogramName = name("handling_seconds");
  return {
    started: counter("started_total", help.started, LABELS),
    handled: counter("handled_total", help.handled, HANDLED_LABELS),
    received: counter("msg_received_total", help.received, LABELS),
    sent: counter("msg_sent_total", help.sent, LABELS),
    seconds:
      existing<Histogram<(typeof LABELS)[number]>>(registry, histogramName, Histogram) ??
      new Histogram({
        name: histogramName,
        help: help.seconds,
        labelNames: LABELS,
        registers: [registry],
        ...(options.buckets === undefined ? {} : { buckets: [...options.buckets] }),
      }),
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
