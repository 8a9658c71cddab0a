import { isIPv4, isIPv6 } from "node:net";

/**
 * Where a client connects: one address (`host:port`, or any grpc-js target
 * such as `dns:///orders.shop.svc.cluster.local:50051` or `unix:/run/s.sock`),
 * or a list of IP addresses the calls are spread over.
 */
export type Target = string | readonly string[];

/**
 * The grpc-js target of `target`. One address is passed as it is (grpc-js
 * resolves names with its `dns` resolver, the default scheme). A list of
 * several becomes one target of grpc-js's static address resolver,
 * `ipv4:127.0.0.1:50051,127.0.0.1:50052` (or `ipv6:[::1]:50051,...`): grpc-js
 * has no static resolver for a list of host names, so a list must hold IP
 * addresses of one family; for names, use one `dns:///` name that resolves
 * to all the replicas (a Kubernetes headless service does).
 *
 * @throws TypeError for an empty list, or a list with a name, a missing port
 *   or mixed address families.
 */
export function channelTarget(target: Target): string {
  if (typeof target === "string") {
    if (target.trim() === "") {
      throw new TypeError("the target is empty: give an address such as 127.0.0.1:50051");
    }
    return target;
  }
  if (target.length === 0) {
    throw new TypeError("the list of addresses is empty");
  }
  if (target.length === 1) {
    return channelTarget(target[0] as string);
  }
  const parsed = target.map(parseAddress);
  const family = parsed[0]?.family;
  if (parsed.some((a) => a.family !== family)) {
    throw new TypeError(
      `the addresses ${JSON.stringify(target)} mix IPv4 and IPv6: grpc-js's static resolver takes one family per list`,
    );
  }
  return `${family}:${parsed.map((a) => a.text).join(",")}`;
}

interface ParsedAddress {
  family: "ipv4" | "ipv6";
  /** As grpc-js's ip resolver reads it: `1.2.3.4:5` or `[::1]:5`. */
  text: string;
}

function parseAddress(address: string): ParsedAddress {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(address);
  const plain = /^([^:]+):(\d+)$/.exec(address);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [undefined, undefined];
  if (host === undefined || port === undefined || Number(port) > 65535) {
    throw new TypeError(
      `"${address}" in a list of addresses is not ip:port: each must be an IP address with a port (e.g. 10.0.0.7:50051 or [fd00::7]:50051)`,
    );
  }
  if (isIPv4(host) && !bracketed) {
    return { family: "ipv4", text: `${host}:${port}` };
  }
  if (isIPv6(host)) {
    return { family: "ipv6", text: `[${host}]:${port}` };
  }
  throw new TypeError(
    `"${address}" in a list of addresses is a name, not an IP address: grpc-js resolves a list only of IP addresses; for names, use one "dns:///name:port" target that resolves to all of them`,
  );
}
