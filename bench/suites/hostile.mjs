// hostile: what an attacker gets out of a grpckit server at its defaults. The
// bytes a server sends per byte it receives for the largest error answers; its
// memory per idle request stream, up to the default stream limit; and an honest
// client's throughput while one attacker repeats the costliest request. Server,
// honest client and attacker in separate processes, on 127.0.0.1. See bench/README.md.
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { status } from "@grpc/grpc-js";
import { median } from "../lib/measure.mjs";
import { buildExample } from "../rpc/build.mjs";
import { startProcess } from "../rpc/ipc.mjs";

const KB = 1024;
/** The streams opened when grpckit has no default limit of concurrent streams. */
const STREAMS_WITHOUT_LIMIT = 1_000;
/** Requests the attacker keeps in flight on its connection while it repeats one. */
const ATTACK_IN_FLIGHT = 4;
/** Calls the honest client keeps in flight on its channel. */
const HONEST_IN_FLIGHT = 10;
/** The honest request: answered, not an error. */
const HONEST = "GetUser, found";

export async function run({ root, rows, progress, quick }) {
  const example = pathToFileURL(`${buildExample(root)}/`).href;
  const server = await startProcess(
    new URL("../rpc/hostile-server.mjs", import.meta.url),
    [root, example],
    "server-hostile",
  );
  const address = `127.0.0.1:${server.hello.port}`;
  const attacker = await startProcess(
    new URL("../rpc/hostile-client.mjs", import.meta.url),
    [root, example, address],
    "client-hostile",
  );
  const notes = [];
  try {
    const costs = await errorAnswers({ rows, progress, server, attacker, notes });
    await idleStreams({ rows, progress, server, attacker, quick });
    const worst = Object.entries(costs)
      .filter(([name]) => name !== HONEST)
      .sort(([, a], [, b]) => b - a)[0][0];
    await throughput({ root, example, address, rows, progress, attacker, quick, worst });
  } finally {
    await attacker.stop();
    await server.stop();
    // What the rows' numbers do not say: each answer's status and make-up (also in the rows' `note`).
    for (const note of notes) console.log(note);
  }
}

/**
 * Each hostile request once (after a warm-up call of it): the bytes on the
 * wire each way, and the server's CPU time for it. Returns the server's CPU
 * time per request by name.
 */
async function errorAnswers({ rows, progress, server, attacker, notes }) {
  const costs = {};
  for (const name of attacker.hello.names) {
    progress(`error answers: ${name}`);
    const before = await server.request("cpu");
    const answer = (await attacker.request("answers", { names: [name] }))[name];
    // The warm-up call and the measured one (only one, if the first cost the connection); the honest call after them is cheap.
    costs[name] = ((await server.request("cpu")) - before) / answer.calls;
    const note =
      `${answer.timedOut ? "no answer in 5 s (cancelled)" : answer.status === -1 ? "no status received" : status[answer.status]}` +
      `${answer.rstCode ? `, RST_STREAM ${answer.rstCode}` : ""}; ` +
      `request ${answer.requestBytes} B, response ${answer.responseBytes} B ` +
      `(grpc-message ${answer.grpcMessageBytes} B, grpc-status-details-bin ${answer.detailsBytes} B, body ${answer.bodyBytes} B); ` +
      `${answer.sessionFailed ? "the HTTP/2 client gave the connection up (nghttp2 refuses a header field over 64 KiB); " : ""}` +
      `the connection ${answer.connectionServesAfter ? "serves" : "does NOT serve"} an honest call after it`;
    progress(`${name}: ${note}`);
    notes.push(`${name}: ${note}`);
    rows.add({
      name: `${name}: server bytes sent per byte received`,
      value: answer.responseBytes / answer.requestBytes,
      unit: "×",
      better: "lower",
      note,
    });
    rows.add({
      name: `${name}: response bytes on the wire`,
      value: answer.responseBytes / KB,
      unit: "KB",
      better: "lower",
      note,
    });
    rows.add({ name: `${name}: server CPU per request`, value: costs[name], unit: "us", better: "lower" });
  }
  return costs;
}

/**
 * Opens idle ChatWithUsers streams on one connection, as many as the server's
 * default stream limit allows (or 1,000 where it has none), each with one
 * message answered: server memory per stream, after full collections.
 */
async function idleStreams({ rows, progress, server, attacker, quick }) {
  const limit = server.hello.maxConcurrentStreams;
  const count = Math.min(limit ?? STREAMS_WITHOUT_LIMIT, quick ? 200 : Number.POSITIVE_INFINITY);
  const title =
    limit === null
      ? `${count.toLocaleString("en-US")} idle request streams (no default stream limit)`
      : `${count.toLocaleString("en-US")} idle request streams (the default limit: ${limit.toLocaleString("en-US")})`;
  progress(`${title}: opening`);
  const before = await server.request("memory", { gc: true });
  const opened = await attacker.request("openIdle", { count, waitMs: quick ? 5_000 : 20_000 });
  await sleep(500);
  const after = await server.request("memory", { gc: true });
  await attacker.request("closeIdle");
  const per = Math.max(1, opened.open);
  const note = `${opened.answered} answered, ${opened.open} open when measured`;
  rows.add({
    name: `${title}: server RSS per stream`,
    value: (after.rss - before.rss) / per / KB,
    unit: "KB",
    better: "lower",
    note,
  });
  rows.add({
    name: `${title}: server heap used per stream`,
    value: (after.heapUsed - before.heapUsed) / per / KB,
    unit: "KB",
    better: "lower",
    note,
  });
  rows.add({ name: `${title}: streams open when measured`, value: opened.open, unit: "streams", better: "lower" });
}

/**
 * An honest client's unary calls/s, alone and while the attacker repeats
 * `worst`, in alternating rounds; medians. Goal: with / without ≥ 0.9.
 */
async function throughput({ root, example, address, rows, progress, attacker, quick, worst }) {
  const rounds = quick ? 1 : 3;
  const durationMs = quick ? 2_000 : 8_000;
  const honest = await startProcess(
    new URL("../rpc/client-process.mjs", import.meta.url),
    ["grpckit-validation", root, example, address],
    "client-honest",
  );
  try {
    await honest.request("unary", { concurrency: HONEST_IN_FLIGHT, durationMs: quick ? 500 : 2_000 }); // warm-up
    const alone = [];
    const attacked = [];
    const attacks = [];
    const unansweredAttacks = [];
    for (let round = 0; round < rounds; round++) {
      progress(`honest client alone (round ${round + 1}/${rounds})`);
      const solo = await honest.request("unary", { concurrency: HONEST_IN_FLIGHT, durationMs });
      alone.push(solo.calls / solo.seconds);
      progress(`honest client beside an attacker repeating ${worst} (round ${round + 1}/${rounds})`);
      const attack = attacker.request("repeat", {
        name: worst,
        durationMs: durationMs + 1_000,
        inFlight: ATTACK_IN_FLIGHT,
      });
      await sleep(250); // the attack is under way before the honest client starts
      const beside = await honest.request("unary", { concurrency: HONEST_IN_FLIGHT, durationMs });
      attacked.push(beside.calls / beside.seconds);
      const { calls, unanswered } = await attack;
      attacks.push(calls / ((durationMs + 1_000) / 1000));
      unansweredAttacks.push(unanswered / Math.max(1, calls));
    }
    const title = `honest unary calls/s (${HONEST_IN_FLIGHT} in flight)`;
    rows.add({ name: `${title}, alone`, value: median(alone), unit: "calls/s", better: "higher" });
    rows.add({
      name: `${title}, one attacker repeating the costliest request (${ATTACK_IN_FLIGHT} in flight)`,
      value: median(attacked),
      unit: "calls/s",
      better: "higher",
      baseline: `${title}, alone`,
      note: `the costliest request: ${worst}`,
    });
    rows.add({
      name: `attacker's requests/s (${worst})`,
      value: median(attacks),
      unit: "req/s",
      better: "lower",
      note: `unanswered within 1 s (the attacker then reconnects): ${(median(unansweredAttacks) * 100).toFixed(0)}%`,
    });
  } finally {
    await honest.stop();
  }
}
