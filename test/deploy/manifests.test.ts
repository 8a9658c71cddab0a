import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { root } from "../support/codegen.js";
import { deploymentSchema, envoySchema, pdbSchema, serviceSchema } from "./schemas.js";

/*
 * deploy/'s manifests (docs/deploy.md) parse, fit the schemas of the
 * Kubernetes and Envoy fields they use, and agree with each other and with
 * the server entry docs/deploy.md shows (ports, names, drain and grace).
 */

const read = (path: string) => readFileSync(join(root, path), "utf8");

/**
 * The documents of a YAML stream, parsed by the `yaml` package (YAML 1.2,
 * core schema, as Kubernetes and Envoy read it); any error or warning fails,
 * and so does a duplicate key (which kubectl would refuse too).
 */
function parseYamlDocuments(text: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true }).map((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new Error(problems.map((p) => p.message).join("; "));
    }
    return doc.toJS() as unknown;
  });
}

function one<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  const docs = parseYamlDocuments(read(path));
  expect(docs, path).toHaveLength(1);
  const result = schema.safeParse(docs[0]);
  if (!result.success) {
    throw new Error(`${path}: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return result.data;
}

const deployment = one("deploy/k8s/users-deployment.yaml", deploymentSchema);
const service = one("deploy/k8s/users-service.yaml", serviceSchema);
const pdb = one("deploy/k8s/users-pdb.yaml", pdbSchema);
const envoy = one("deploy/envoy/envoy.yaml", envoySchema);
const guide = read("docs/deploy.md");

/** A number the doc's server entry sets, e.g. `const graceMs = 15_000;`. */
function docConstant(name: string): number {
  const match = new RegExp(`const ${name} = (?:Number\\(process\\.env\\.\\w+ \\?\\? )?([0-9_]+)\\)?;`).exec(guide);
  if (match?.[1] === undefined) throw new Error(`docs/deploy.md sets no ${name}`);
  return Number(match[1].replaceAll("_", ""));
}

/** Seconds of a Duration such as `5s`. */
const seconds = (d: string) => Number(d.replace(/s$/, ""));

describe("the Kubernetes manifests", () => {
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  if (container === undefined) throw new Error("no container");
  const grpcPort = container.ports?.find((p) => p.name === "grpc");

  it("run several replicas, replaced one at a time, at least two kept through disruptions", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(3);
    expect(deployment.spec.strategy?.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(pdb.spec.minAvailable).toBe(2);
  });

  it("select the same pods everywhere", () => {
    const labels = pod.metadata.labels;
    for (const selector of [
      deployment.spec.selector.matchLabels,
      service.spec.selector,
      pdb.spec.selector.matchLabels,
    ]) {
      expect(labels).toMatchObject(selector);
    }
    expect(new Set([deployment.metadata.namespace, service.metadata.namespace, pdb.metadata.namespace])).toEqual(
      new Set(["shop"]),
    );
  });

  it("probe the gRPC port with native gRPC probes, liveness on a service of its own", () => {
    expect(grpcPort?.containerPort).toBe(50051);
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
      expect(probe?.grpc.port).toBe(grpcPort?.containerPort);
    }
    expect(container.readinessProbe?.grpc.service).toBeUndefined(); // "": the server as a whole
    expect(container.livenessProbe?.grpc.service).toBe("liveness");
    expect(guide).toContain('server.health?.set("liveness", ServingStatus.SERVING);');
  });

  it("expose it through a headless Service whose port names the container's", () => {
    expect(service.spec.clusterIP).toBe("None");
    expect(service.spec.ports).toEqual([
      expect.objectContaining({ port: grpcPort?.containerPort, targetPort: grpcPort?.name }),
    ]);
    const target = `dns:///${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0]?.port}`;
    expect(guide).toContain(`createPool("${target}"`);
  });

  it("give the server's drain and grace time to end before the kubelet kills it", () => {
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    expect(env.PORT).toBe(String(grpcPort?.containerPort));
    const drainMs = Number(env.DRAIN_MS);
    expect(drainMs).toBe(docConstant("drainMs"));
    const budgetMs = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    expect(drainMs + docConstant("graceMs")).toBeLessThan(budgetMs);
    // node is process 1, and gets the SIGTERM the entry handles.
    expect(container.command?.[0]).toBe("node");
    expect(guide).toContain('process.once("SIGTERM", stop);');
  });
});

describe("the Envoy front", () => {
  const [cluster] = envoy.static_resources.clusters;
  const [listener] = envoy.static_resources.listeners;
  const manager = listener?.filter_chains[0]?.filters[0]?.typed_config;
  const routes = manager?.route_config.virtual_hosts.flatMap((h) => h.routes) ?? [];
  if (cluster === undefined || manager === undefined) throw new Error("no cluster or listener");

  it("sends to every replica of the headless Service over HTTP/2", () => {
    expect(cluster.type).toBe("STRICT_DNS");
    expect(cluster.lb_policy).toBe("ROUND_ROBIN");
    const address = cluster.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    expect(address).toEqual({
      address: `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
      port_value: service.spec.ports[0]?.port,
    });
    expect(cluster.load_assignment.cluster_name).toBe(cluster.name);
    expect(routes.map((r) => r.route.cluster)).toEqual(routes.map(() => cluster.name));
  });

  it("takes a draining replica out within the server's drain period", () => {
    const [check] = cluster.health_checks ?? [];
    expect(check?.grpc_health_check).toEqual({ service_name: "" });
    const detectMs = seconds(check?.interval ?? "0s") * (check?.unhealthy_threshold ?? 0) * 1000;
    expect(detectMs).toBeGreaterThan(0);
    expect(detectMs).toBeLessThanOrEqual(docConstant("drainMs"));
  });

  it("retries calls that did not run on another replica, and leaves deadlines to the client", () => {
    for (const route of routes) {
      expect(route.match.grpc).toEqual({});
      const retry = route.route.retry_policy;
      expect(retry?.retry_on.split(",")).toContain("unavailable");
      expect(retry?.retry_on.split(",")).not.toContain("reset");
      expect(retry?.retry_host_predicate?.[0]?.name).toBe("envoy.retry_host_predicates.previous_hosts");
      expect(route.route.timeout).toBe("0s");
    }
  });

  it("pings both ways within the load balancers' idle timeouts, as the clients and servers do", () => {
    const upstream = cluster.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    for (const keepalive of [
      upstream.explicit_http_config.http2_protocol_options.connection_keepalive,
      manager.http2_protocol_options?.connection_keepalive,
    ]) {
      expect(keepalive).toEqual({ interval: "60s", timeout: "20s" });
    }
    // The server's and the client pool's limits in docs/deploy.md: the same, under the
    // idle timeouts of AWS's NLB (350 s) and Azure's LB (240 s).
    expect(guide.match(/^ +keepaliveTimeMs: 60_000,/gm)).toHaveLength(2);
    expect(guide.match(/^ +keepaliveTimeoutMs: 20_000,/gm)).toHaveLength(2);
  });
});

describe("the schemas", () => {
  it("refuse a misspelt field, a wrong type and an unknown retry condition", () => {
    const bad = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;
    const text = read("deploy/k8s/users-deployment.yaml");
    const [good] = parseYamlDocuments(text);
    expect(bad(deploymentSchema, good ?? null)).toBe(true);
    const [misspelt] = parseYamlDocuments(text.replace("readinessProbe:", "readinesProbe:"));
    expect(bad(deploymentSchema, misspelt ?? null)).toBe(false);
    const [stringPort] = parseYamlDocuments(text.replace("containerPort: 50051", 'containerPort: "50051"'));
    expect(bad(deploymentSchema, stringPort ?? null)).toBe(false);
    const envoyText = read("deploy/envoy/envoy.yaml");
    const [retry] = parseYamlDocuments(envoyText.replace("retry_on: unavailable", "retry_on: unavailible"));
    expect(bad(envoySchema, retry ?? null)).toBe(false);
    const [typeUrl] = parseYamlDocuments(
      envoyText.replace("filters.http.router.v3.Router", "filters.http.router.v2.Router"),
    );
    expect(bad(envoySchema, typeUrl ?? null)).toBe(false);
  });
});
