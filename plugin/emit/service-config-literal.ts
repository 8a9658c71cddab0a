import type { MethodConfigModel, RetryPolicyModel, ServiceConfigModel } from "../model/client-model.js";

/**
 * A service's client policies as the TypeScript object literal of its
 * service spec's `serviceConfig` (the runtime's `ServiceConfigJson`), one
 * method config per line, indented to sit at the spec's top level:
 *
 *   {
 *     methodConfig: [
 *       { name: [{ service: "a.v1.S", method: "Get" }], timeout: "2s", retryPolicy: { ... } },
 *     ],
 *   }
 */
export function serviceConfigLiteral(config: ServiceConfigModel): string {
  const lines = config.methodConfig.map((m) => `      ${methodConfigLiteral(m)},`);
  return ["{", "    methodConfig: [", ...lines, "    ],", "  }"].join("\n");
}

function methodConfigLiteral(config: MethodConfigModel): string {
  const parts = [
    `name: [${config.name.map((n) => `{ service: ${str(n.service)}, method: ${str(n.method)} }`).join(", ")}]`,
  ];
  if (config.timeout !== undefined) {
    parts.push(`timeout: ${str(config.timeout)}`);
  }
  if (config.waitForReady) {
    parts.push("waitForReady: true");
  }
  if (config.retryPolicy !== undefined) {
    parts.push(`retryPolicy: ${retryPolicyLiteral(config.retryPolicy)}`);
  }
  return `{ ${parts.join(", ")} }`;
}

function retryPolicyLiteral(policy: RetryPolicyModel): string {
  return (
    `{ maxAttempts: ${policy.maxAttempts}, initialBackoff: ${str(policy.initialBackoff)}, ` +
    `maxBackoff: ${str(policy.maxBackoff)}, backoffMultiplier: ${policy.backoffMultiplier}, ` +
    `retryableStatusCodes: [${policy.retryableStatusCodes.map(str).join(", ")}] }`
  );
}

const str = (value: string) => JSON.stringify(value);
