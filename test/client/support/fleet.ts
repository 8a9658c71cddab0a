import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CallOptions,
  type ClientOptions,
  createClient,
  type ServiceSpec,
  type Target,
  type Transport,
} from "grpckit";
import { onTestFinished } from "vitest";
import { serviceClientModel } from "../../../plugin/model/client-model.js";
import { bufBin, root } from "../../support/codegen.js";
import { bundle, scratchDir } from "./bundle.js";
import { fleetSpec } from "./fleet-spec.js";

/*
 * Replicas of fleet.v1.ReplicaService (test/client/fixtures), each a Node
 * process of its own on 127.0.0.1, for the scale-out and fault tests; the
 * replica program is replica.ts, bundled (bundle.ts). The service is
 * compiled by buf at test time, so these tests do not depend on generated
 * code.
 */

let descriptorFile: string | undefined;

/** The fleet proto compiled by buf into a descriptor set file, once per test file. */
export function fleetDescriptors(): string {
  if (descriptorFile === undefined) {
    const image = execFileSync(
      bufBin,
      ["build", join(root, "test/client/fixtures"), "--as-file-descriptor-set", "-o", "-#format=binpb"],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    descriptorFile = join(scratchDir(), "fleet.binpb");
    writeFileSync(descriptorFile, image);
  }
  return descriptorFile;
}

/**
 * The fleet proto's ReplicaService as a spec, with `serviceConfig` if given:
 * `"schema"` for the one the plugin makes of the proto's client policies
 * (the model that generated code prints), or one written out.
 */
export function replicaService(serviceConfig?: ServiceSpec["serviceConfig"] | "schema"): ServiceSpec {
  const spec = fleetSpec(fleetDescriptors());
  if (serviceConfig === "schema") {
    return { ...spec, serviceConfig: serviceClientModel(spec.desc) };
  }
  return serviceConfig === undefined ? spec : { ...spec, serviceConfig };
}

export interface MethodStats {
  received: number;
  inFlight: number;
}
export interface ReplicaStats {
  lookup: MethodStats;
  charge: MethodStats;
}

export interface Replica {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  stats(): Promise<ReplicaStats>;
  /**
   * Graceful shutdown: `draining` resolves with the calls received by the
   * time the replica stopped taking new ones; `done` with the final stats,
   * once the calls in flight are done and the process is gone.
   */
  shutdown(graceMs?: number): {
    draining: Promise<{ lookup: number; charge: number }>;
    done: Promise<ReplicaStats>;
  };
  /** SIGKILL: the process dies at once, its connections with it. Resolves once it has. */
  kill(): Promise<void>;
}

/**
 * Starts a replica process called `name` on `port` (0: a free one). It is
 * killed when the test ends, pass or fail.
 */
export async function startReplica(name: string, port = 0): Promise<Replica> {
  const script = await bundle("test/client/support/replica.ts");
  const child = fork(script, [name, fleetDescriptors(), String(port)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
    }
    await exited;
  });
  const hello = await nextMessage<{ port: number }>(child, "port", exited);
  const ask = <T>(op: object, key: string) => {
    const answer = nextMessage<T>(child, key, exited);
    child.send(op);
    return answer;
  };
  return {
    name,
    port: hello.port,
    address: `127.0.0.1:${hello.port}`,
    stats: async () => (await ask<{ stats: ReplicaStats }>({ op: "stats" }, "stats")).stats,
    shutdown: (graceMs = 5_000) => {
      const draining = nextMessage<{ shuttingDown: { lookup: number; charge: number } }>(child, "shuttingDown", exited);
      const done = ask<{ shutDown: ReplicaStats }>({ op: "shutdown", graceMs }, "shutDown");
      return {
        draining: draining.then((m) => m.shuttingDown),
        done: done.then(async (m) => {
          await exited;
          return m.shutDown;
        }),
      };
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** The next IPC message of `child` that has `key`; fails if the process exits first. */
function nextMessage<T>(child: ChildProcess, key: string, exited: Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (key in message) {
        child.off("message", onMessage);
        resolve(message as T);
      }
    };
    child.on("message", onMessage);
    void exited.then(() => {
      child.off("message", onMessage);
      reject(new Error(`the replica exited before it answered ${key}`));
    });
  });
}

/** Starts `count` replicas called r1, r2, ... */
export async function startReplicas(count: number): Promise<Replica[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startReplica(`r${i + 1}`)));
}

/** A client of ReplicaService, typed by hand (the service is compiled at test time). */
export interface FleetClient {
  lookup(request: { delayMs?: number; padding?: string }, options?: CallOptions): Promise<{ replica: string }>;
  charge(request: { hang?: boolean }, options?: CallOptions): Promise<{ replica: string }>;
}

/** `createClient(service, target, options)`, typed as a {@link FleetClient}. */
export function fleetClient(service: ServiceSpec, target: Target | Transport, options?: ClientOptions): FleetClient {
  return createClient(service, target, options) as unknown as FleetClient;
}
