// stream: messages/s of server streaming, client streaming and bidi
// ping-pong, client and server in separate processes. See bench/README.md.
import { measure, medianOf, sideBySide, withPairs } from "../rpc/harness.mjs";
import { variantsOf } from "../rpc/variants.mjs";

export async function run({ root, rows, progress, quick }) {
  const variants = variantsOf("stream");
  const rounds = quick ? 2 : 5;
  const count = quick ? 10_000 : 100_000;
  // grpc-js's client gets slower per message as a client stream grows (its
  // retry buffer; see README): 100,000 take ~270 µs of client CPU each, 10,000 ~25.
  const uploads = quick ? 2_000 : 10_000;
  const pings = quick ? 2_000 : 10_000;
  const workloads = [
    // One call; the server writes `count` small messages as fast as the client takes them.
    {
      title: `server streaming, ${count.toLocaleString("en-US")} messages`,
      op: "serverStream",
      params: { count },
      n: count,
      unit: "msgs/s",
    },
    // One call; the client writes `uploads` small messages, the server answers once at the end.
    {
      title: `client streaming, ${uploads.toLocaleString("en-US")} messages`,
      op: "clientStream",
      params: { count: uploads },
      n: uploads,
      unit: "msgs/s",
    },
    // One call; each request waits for the echo of the one before: latency-bound.
    {
      title: `bidi ping-pong, ${pings.toLocaleString("en-US")} round trips`,
      op: "pingPong",
      params: { count: pings },
      n: pings,
      unit: "round trips/s",
      per: "round trip",
    },
  ];
  await withPairs(root, variants, async (pairs) => {
    for (const w of workloads) {
      const warmParams = { ...w.params, count: Math.ceil(w.params.count / 5) };
      await sideBySide(
        pairs,
        1,
        (p) => p.client.request(w.op, warmParams),
        (t) => progress(`${w.title}: warm-up: ${t}`),
      );
      const samples = await sideBySide(
        pairs,
        rounds,
        (p) => measure(p, w.op, w.params),
        (t) => progress(`${w.title}: ${t}`),
      );
      const base = variants[0];
      const name = (v, what) => `${w.title}: ${v.name}${what}`;
      for (const [what, unit, better, value] of [
        ["", w.unit, "higher", (s) => s.messages / s.seconds],
        [`, server CPU per ${w.per ?? "message"}`, "us", "lower", (s) => s.serverCpuUs / w.n],
        [`, client CPU per ${w.per ?? "message"}`, "us", "lower", (s) => s.cpuUs / w.n],
      ]) {
        for (const v of variants) {
          const samplesOf = samples.get(v.id);
          if (samplesOf.some((s) => s.messages !== w.n)) {
            throw new Error(`${name(v, "")}: ${samplesOf.map((s) => s.messages).join(", ")} messages, not ${w.n}`);
          }
          rows.add({
            name: name(v, what),
            value: medianOf(samplesOf, value),
            unit,
            better,
            ...(v === base ? {} : { baseline: name(base, what) }),
          });
        }
      }
    }
  });
}
