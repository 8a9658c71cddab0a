import { once } from "node:events";

/*
 * What the example's server processes share: telling the process that started
 * them where they listen, and waiting until they are asked to stop.
 */

/**
 * Tells where the process listens: to the parent that forked it (over the IPC
 * channel, see main.ts), or on stdout when started by hand.
 */
export function announce(addresses: Record<string, string>): void {
  if (process.send !== undefined) {
    process.send(addresses);
    return;
  }
  for (const [service, address] of Object.entries(addresses)) {
    console.log(`${service}: listening on ${address}`);
  }
  console.log("Ctrl-C stops.");
}

/** Resolves when the process is asked to stop: Ctrl-C, SIGTERM, or its parent letting go of it. */
export async function untilStopped(): Promise<void> {
  const stops = [once(process, "SIGINT"), once(process, "SIGTERM")];
  if (process.connected) {
    stops.push(once(process, "disconnect"));
  }
  await Promise.race(stops);
}
