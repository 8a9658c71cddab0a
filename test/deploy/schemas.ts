import { z } from "zod";

/*
 * Schemas of the parts of the Kubernetes and Envoy APIs that deploy/'s
 * manifests use, written from their API references (Kubernetes 1.32:
 * apps/v1 Deployment, v1 Service, policy/v1 PodDisruptionBudget; Envoy v3
 * bootstrap). Objects are strict: a misspelt or misplaced field fails, as
 * `kubectl apply --validate=strict` or Envoy's config loader would fail it.
 * A field of those APIs that no manifest uses is not listed; add it when one
 * does. No offline validator with the full schemas installs here (kubeconform
 * and Envoy's own `--mode validate` are binaries; the npm packages that carry
 * the schemas are not dependencies of this repository).
 */

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
const port = z.number().int().min(1).max(65535);
const labels = z.record(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/), z.string());
/** A resource quantity: 250m, 128Mi, 1. */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);

const metadata = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.optional(),
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const probe = z.strictObject({
  grpc: z.strictObject({ port, service: z.string().optional() }),
  initialDelaySeconds: z.number().int().min(0).optional(),
  periodSeconds: z.number().int().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).optional(),
  failureThreshold: z.number().int().min(1).optional(),
  successThreshold: z.number().int().min(1).optional(),
});

const container = z.strictObject({
  name: dnsLabel,
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string() })).optional(),
  ports: z
    .array(
      z.strictObject({
        name: z.string().max(15).optional(),
        containerPort: port,
        protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
      }),
    )
    .optional(),
  startupProbe: probe.optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  lifecycle: z
    .strictObject({
      preStop: z.strictObject({ sleep: z.strictObject({ seconds: z.number().int().min(0) }) }).optional(),
    })
    .optional(),
  resources: z
    .strictObject({
      requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
      limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
    })
    .optional(),
  securityContext: z
    .strictObject({
      allowPrivilegeEscalation: z.boolean().optional(),
      readOnlyRootFilesystem: z.boolean().optional(),
      runAsNonRoot: z.boolean().optional(),
      capabilities: z
        .strictObject({ drop: z.array(z.string()).optional(), add: z.array(z.string()).optional() })
        .optional(),
    })
    .optional(),
});

const labelSelector = z.strictObject({ matchLabels: labels });

export const deploymentSchema = z.strictObject({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("Deployment"),
  metadata,
  spec: z.strictObject({
    replicas: z.number().int().min(0),
    selector: labelSelector,
    strategy: z
      .strictObject({
        type: z.enum(["RollingUpdate", "Recreate"]),
        rollingUpdate: z
          .strictObject({
            maxSurge: z.union([z.number(), z.string()]),
            maxUnavailable: z.union([z.number(), z.string()]),
          })
          .optional(),
      })
      .optional(),
    template: z.strictObject({
      metadata: z.strictObject({ labels, annotations: z.record(z.string(), z.string()).optional() }),
      spec: z.strictObject({
        terminationGracePeriodSeconds: z.number().int().min(0).optional(),
        securityContext: z
          .strictObject({
            runAsNonRoot: z.boolean().optional(),
            runAsUser: z.number().int().min(0).optional(),
            seccompProfile: z.strictObject({ type: z.enum(["RuntimeDefault", "Localhost", "Unconfined"]) }).optional(),
          })
          .optional(),
        containers: z.array(container).min(1),
      }),
    }),
  }),
});

export const serviceSchema = z.strictObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("Service"),
  metadata,
  spec: z.strictObject({
    clusterIP: z.string().optional(),
    type: z.enum(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]).optional(),
    selector: labels,
    publishNotReadyAddresses: z.boolean().optional(),
    ports: z
      .array(
        z.strictObject({
          name: z.string().optional(),
          port,
          targetPort: z.union([port, z.string().max(15)]).optional(),
          protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
          appProtocol: z.string().optional(),
        }),
      )
      .min(1),
  }),
});

export const pdbSchema = z.strictObject({
  apiVersion: z.literal("policy/v1"),
  kind: z.literal("PodDisruptionBudget"),
  metadata,
  spec: z.strictObject({
    minAvailable: z.union([z.number().int().min(0), z.string()]).optional(),
    maxUnavailable: z.union([z.number().int().min(0), z.string()]).optional(),
    selector: labelSelector,
  }),
});

/** A google.protobuf.Duration in its JSON form, as Envoy reads it: `5s`, `0.25s`. */
const duration = z.string().regex(/^[0-9]+(\.[0-9]+)?s$/);
const socketAddress = z.strictObject({
  socket_address: z.strictObject({ address: z.string().min(1), port_value: port }),
});
const keepalive = z.strictObject({ interval: duration, timeout: duration });
const typed = <T extends z.ZodRawShape>(type: string, shape: T) =>
  z.strictObject({ "@type": z.literal(`type.googleapis.com/${type}`), ...shape });

/** Envoy's `retry_on` conditions for HTTP and gRPC (router filter, x-envoy-retry-on and x-envoy-retry-grpc-on). */
export const envoyRetryOn = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "envoy-ratelimited",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "retriable-headers",
  "http3-post-connect-failure",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];

const route = z.strictObject({
  match: z.strictObject({ prefix: z.string().startsWith("/"), grpc: z.strictObject({}).optional() }),
  route: z.strictObject({
    cluster: z.string(),
    timeout: duration.optional(),
    max_stream_duration: z
      .strictObject({ max_stream_duration: duration.optional(), grpc_timeout_header_max: duration.optional() })
      .optional(),
    retry_policy: z
      .strictObject({
        retry_on: z
          .string()
          .refine((s) => s.split(",").every((c) => envoyRetryOn.includes(c)), "an unknown retry_on condition"),
        num_retries: z.number().int().min(0),
        per_try_timeout: duration.optional(),
        retry_back_off: z.strictObject({ base_interval: duration, max_interval: duration.optional() }).optional(),
        retry_host_predicate: z
          .array(
            z.strictObject({
              name: z.literal("envoy.retry_host_predicates.previous_hosts"),
              typed_config: typed("envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate", {}),
            }),
          )
          .optional(),
        host_selection_retry_max_attempts: z.number().int().min(1).optional(),
      })
      .optional(),
  }),
});

const httpConnectionManager = typed(
  "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  {
    stat_prefix: z.string(),
    codec_type: z.enum(["AUTO", "HTTP1", "HTTP2", "HTTP3"]).optional(),
    http2_protocol_options: z.strictObject({ connection_keepalive: keepalive.optional() }).optional(),
    common_http_protocol_options: z.strictObject({ idle_timeout: duration.optional() }).optional(),
    stream_idle_timeout: duration.optional(),
    route_config: z.strictObject({
      name: z.string(),
      virtual_hosts: z.array(
        z.strictObject({ name: z.string(), domains: z.array(z.string()).min(1), routes: z.array(route).min(1) }),
      ),
    }),
    http_filters: z
      .array(
        z.strictObject({
          name: z.literal("envoy.filters.http.router"),
          typed_config: typed("envoy.extensions.filters.http.router.v3.Router", {}),
        }),
      )
      .min(1),
  },
);

export const envoySchema = z.strictObject({
  admin: z.strictObject({ address: socketAddress }).optional(),
  static_resources: z.strictObject({
    listeners: z.array(
      z.strictObject({
        name: z.string(),
        address: socketAddress,
        filter_chains: z.array(
          z.strictObject({
            filters: z.array(
              z.strictObject({
                name: z.literal("envoy.filters.network.http_connection_manager"),
                typed_config: httpConnectionManager,
              }),
            ),
          }),
        ),
      }),
    ),
    clusters: z.array(
      z.strictObject({
        name: z.string(),
        type: z.enum(["STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"]),
        dns_lookup_family: z.enum(["AUTO", "V4_ONLY", "V6_ONLY", "V4_PREFERRED", "ALL"]).optional(),
        dns_refresh_rate: duration.optional(),
        lb_policy: z.enum(["ROUND_ROBIN", "LEAST_REQUEST", "RING_HASH", "RANDOM", "MAGLEV"]).optional(),
        connect_timeout: duration.optional(),
        typed_extension_protocol_options: z.strictObject({
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": typed(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            {
              explicit_http_config: z.strictObject({
                http2_protocol_options: z.strictObject({ connection_keepalive: keepalive.optional() }),
              }),
            },
          ),
        }),
        load_assignment: z.strictObject({
          cluster_name: z.string(),
          endpoints: z.array(
            z.strictObject({
              lb_endpoints: z.array(z.strictObject({ endpoint: z.strictObject({ address: socketAddress }) })),
            }),
          ),
        }),
        health_checks: z
          .array(
            z.strictObject({
              timeout: duration,
              interval: duration,
              unhealthy_threshold: z.number().int().min(1),
              healthy_threshold: z.number().int().min(1),
              grpc_health_check: z.strictObject({ service_name: z.string().optional() }),
            }),
          )
          .optional(),
      }),
    ),
  }),
});
