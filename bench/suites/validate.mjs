// validate: ns per validation of a valid and of an invalid message, per
// family of buf.validate rules (bench/proto/bench/validate/v1/families.proto:
// numbers, strings, each string format, bytes, enums, lists, maps, nested
// messages with oneof and required, timestamps and durations; CEL from the cel
// suite's message), and of the reference shop's CreateOrderRequest, by
// grpckit's generated validator (the server's hot path), its generated zod
// schema, and @bufbuild/protovalidate on the same descriptors (the rules are
// buf.validate options, read by both), side by side in one process, the three
// taking turns round after round. Issue 19's goal: grpckit ≥ 10×
// protovalidate on both messages of every family. Then string.pattern alone:
// patterns.mjs. See bench/README.md.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { create } from "@bufbuild/protobuf";
import { createValidator } from "@bufbuild/protovalidate";
import { plugins, template, tools } from "../lib/corpora.mjs";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { buildExample, compileGenerated } from "../rpc/build.mjs";
import { patternRows } from "./patterns.mjs";

const price = { currencyCode: "EUR", units: 12n, nanos: 500_000_000 };
const bytes = (n, fill = 7) => new Uint8Array(n).fill(fill);
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Per family: its message type (in families.proto, or the shop's), a valid
 * instance, and an invalid one with the number of violations it has (every
 * rule of the message broken once, mostly).
 */
const families = [
  {
    family: "numbers",
    type: "Numbers",
    valid: { quantity: 3, amount: 12_500n, pageSize: 50, ratio: 0.25, shard: 4, version: 7n, weight: 1.5 },
    invalid: { quantity: 0, amount: -2_000_000n, pageSize: 500, ratio: 1.5, shard: 3, version: 0n, weight: 0 },
    violations: 7,
  },
  {
    family: "strings",
    type: "Strings",
    valid: {
      name: "Ada Lovelace",
      currency: "EUR",
      path: "/v1/users/42.json",
      kind: "book",
      note: "Fragile, handle with care",
      code: "A1B2C3",
    },
    invalid: {
      name: "",
      currency: "eur",
      path: "/v2/items.xml",
      kind: "music",
      note: "<script>x</script>",
      code: "A1B",
    },
    violations: 8,
  },
  {
    family: "format email",
    type: "Email",
    valid: { value: "ada.lovelace@example.com" },
    invalid: { value: "ada lovelace@example.com" },
    violations: 1,
  },
  {
    family: "format hostname",
    type: "Hostname",
    valid: { value: "api.eu-west-1.example.com" },
    invalid: { value: "api.-eu-west-1.example.com" },
    violations: 1,
  },
  {
    family: "format uri",
    type: "Uri",
    valid: { value: "https://ada@example.com:8443/v1/users/42?view=full#profile" },
    invalid: { value: "https://example.com/v1/users/42?view=a b" },
    violations: 1,
  },
  {
    family: "format ip",
    type: "Ip",
    valid: { value: "2001:db8:85a3::8a2e:370:7334" },
    invalid: { value: "2001:db8:85a3::8a2e:370g:7334" },
    violations: 1,
  },
  {
    family: "format uuid",
    type: "Uuid",
    valid: { value: "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
    invalid: { value: "f47ac10b-58cc-4372-a567-0e02b2c3d47g" },
    violations: 1,
  },
  {
    family: "formats (all five, ip twice)",
    type: "Formats",
    valid: {
      email: "ada.lovelace@example.com",
      hostname: "api.eu-west-1.example.com",
      uri: "https://ada@example.com:8443/v1/users/42?view=full#profile",
      ipv4: "192.168.10.254",
      ipv6: "2001:db8:85a3::8a2e:370:7334",
      uuid: "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    },
    invalid: {
      email: "ada lovelace@example.com",
      hostname: "api.-eu-west-1.example.com",
      uri: "https://example.com/v1/users/42?view=a b",
      ipv4: "192.168.10.256",
      ipv6: "2001:db8:85a3::8a2e:370g:7334",
      uuid: "f47ac10b-58cc-4372-a567-0e02b2c3d47g",
    },
    violations: 6,
  },
  {
    family: "bytes",
    type: "Bytes",
    valid: { payload: bytes(100), magic: png, digest: bytes(32), address: bytes(4, 10) },
    invalid: { payload: bytes(0), magic: bytes(8), digest: bytes(31), address: bytes(5) },
    violations: 4,
  },
  {
    family: "enums",
    type: "Enums",
    valid: { color: 2, primary: 3, accent: 1 },
    invalid: { color: 7, primary: 2, accent: 0 },
    violations: 3,
  },
  {
    family: "repeated",
    type: "Lists",
    valid: { tags: ["red", "green", "blue"], scores: [10, 20, 99, 100] },
    invalid: { tags: ["red", "", "red"], scores: [-1, 101, 50] },
    violations: 4,
  },
  {
    family: "maps",
    type: "Maps",
    valid: { stock: { a1: 3, b2: 0, c3: 12 } },
    invalid: { stock: { "": 3, "a-key-far-too-long": -1 } },
    violations: 3,
  },
  {
    family: "nested, oneof, required",
    type: "Nested",
    valid: {
      head: { id: "h", count: 1 },
      items: [
        { id: "a", count: 2 },
        { id: "b", count: 3 },
      ],
      target: { case: "userId", value: "u-1" },
    },
    invalid: { items: [{ id: "", count: 0 }] },
    violations: 4,
  },
  {
    family: "timestamp, duration",
    type: "Times",
    valid: {
      startTime: { seconds: 1_700_000_000n },
      createTime: { seconds: 1_700_000_000n },
      ttl: { seconds: 3600n },
      timeout: { seconds: 5n },
    },
    invalid: {
      startTime: { seconds: 100n },
      createTime: { seconds: 4_000_000_000n },
      ttl: { seconds: 0n },
      timeout: { seconds: 120n },
    },
    violations: 4,
  },
  {
    family: "CEL (3 rules, generated)",
    type: "Cel",
    valid: { min: 1n, max: 10n, name: "item-42", tags: ["red", "green", "blue"] },
    invalid: { min: 10n, max: 1n, name: "x", tags: ["", "green"] },
    violations: 3,
  },
];

const shopOrder = {
  family: "shop CreateOrderRequest (mixed)",
  valid: {
    userId: "u-1042",
    items: [
      { productId: "p-1", quantity: 2, unitPrice: price },
      { productId: "p-2", quantity: 1, unitPrice: price },
      { productId: "p-3", quantity: 5, unitPrice: price },
    ],
    shippingAddress: { street: "1 rue de Rivoli", city: "Paris", postalCode: "75001", regionCode: "FR" },
  },
  invalid: {
    userId: "",
    items: [
      { productId: "p-1", quantity: 0, unitPrice: price },
      { productId: "", quantity: 1, unitPrice: price },
      { productId: "p-3", quantity: 5, unitPrice: { ...price, currencyCode: "eur" } },
    ],
    shippingAddress: { street: "1 rue de Rivoli", city: "Paris", postalCode: "75001", regionCode: "fr" },
  },
  violations: 5,
};

/** Calls `fn` in a tight loop; returns the median ns per call over rounds of `iterations`. */
export function nsPerCall(fn, iterations, rounds) {
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink += fn() ? 1 : 0; // warm-up: the JIT, protovalidate's planning
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += fn() ? 1 : 0;
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink < 0) console.log(sink); // keeps the results alive
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** The last results of the measured calls: they escape the loops, so that the JIT cannot drop them. */
export let kept;

/** CPU time (user and system) of this process so far, in ns. */
function cpuNs() {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/**
 * Times each of `contestants` ({ name, fn }) side by side, in CPU time (other
 * work on the machine takes CPU from this process, which wall time would
 * count): a warm-up each of at least `warmMs`, which also sizes its rounds to
 * about `roundMs` of CPU, then `rounds` rounds in which each runs once, in an order that rotates
 * from round to round. Each gets a loop of its own (compiled from its own
 * source), so that one's calls do not make another's call site polymorphic.
 * Returns the median ns per call of each, by name.
 */
export function sideBySide(contestants, rounds, roundMs = 20, warmMs = 10 * roundMs) {
  const loops = contestants.map(
    (c) =>
      new Function(
        "fn",
        "n",
        `// ${c.name.replaceAll("\n", " ")}\nlet last; for (let i = 0; i < n; i++) last = fn(); return last;`,
      ),
  );
  // Warm-up: protovalidate plans a message type on its first calls, and the
  // JIT climbs its tiers over the first tens of thousands; batches grow until
  // one takes warmMs, then two more of about a round each size the rounds.
  const iterations = contestants.map((c, i) => {
    const batch = (n) => {
      const start = cpuNs();
      kept = loops[i](c.fn, n);
      return Math.max(1, cpuNs() - start);
    };
    let n = 100;
    let spent = batch(n);
    while (spent < warmMs * 1e6) {
      n *= 4;
      spent = batch(n);
    }
    for (let k = 0; k < 2; k++) {
      n = Math.max(1, Math.round((n * roundMs * 1e6) / spent));
      spent = batch(n);
    }
    return Math.max(1, Math.round((n * roundMs * 1e6) / spent));
  });
  const samples = contestants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contestants.length; k++) {
      const i = (k + r) % contestants.length;
      const start = cpuNs();
      kept = loops[i](contestants[i].fn, iterations[i]);
      samples[i].push((cpuNs() - start) / iterations[i]);
    }
  }
  return new Map(
    contestants.map((c, i) => {
      const sorted = samples[i].sort((a, b) => a - b);
      return [c.name, sorted[Math.floor(sorted.length / 2)]];
    }),
  );
}

/**
 * Generates bench/proto with protoc-gen-es and the run's grpckit (from a
 * temporary copy beside buf/validate/validate.proto) and compiles it into
 * bench/.build/families; returns that directory.
 */
function buildFamilies(root) {
  const dir = mkdtempSync(join(tmpdir(), "grpckit-bench-families-"));
  try {
    cpSync(join(root, "bench/proto"), dir, { recursive: true });
    symlinkSync(join(root, "proto/buf"), join(dir, "buf"));
    const { es, grpckit } = plugins(root);
    const gen = join(root, "bench/.build/families-gen");
    rmSync(gen, { recursive: true, force: true });
    const { buf, env } = tools(root);
    execFileSync(buf, ["generate", dir, "--template", template([es, grpckit], gen)], {
      cwd: root,
      env,
      stdio: "inherit",
    });
    return compileGenerated(root, gen, join(root, "bench/.build/families"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ root, rows, progress, quick }) {
  const { validate } = await import(runtimeUrl(root));
  const protovalidate = createValidator();
  const load = async (dir, path) => import(pathToFileURL(join(dir, path)).href);

  progress("generating families.proto ...");
  const familiesDir = buildFamilies(root);
  const familiesPb = await load(familiesDir, "bench/validate/v1/families_pb.js");
  const familiesValidate = await load(familiesDir, "bench/validate/v1/families_validate.js");
  const example = buildExample(root);
  const orderPb = await load(example, "ecommerce/v1/order_pb.js");
  const orderValidate = await load(example, "ecommerce/v1/order_validate.js");

  const cases = families.map((f) => ({
    ...f,
    schema: familiesPb[`${f.type}Schema`],
    zod: familiesValidate[`${f.type}Zod`],
  }));
  cases.push({ ...shopOrder, schema: orderPb.CreateOrderRequestSchema, zod: orderValidate.CreateOrderRequestZod });

  const rounds = quick ? 3 : 9;
  const roundMs = quick ? 5 : 40;
  const summary = [];
  for (const c of cases) {
    const line = { family: c.family };
    for (const kind of ["valid", "invalid"]) {
      const violations = kind === "valid" ? 0 : c.violations;
      const message = create(c.schema, c[kind]);
      const grpckit = (m) => validate(c.schema, m);
      // The three judge the message alike, or the comparison means nothing.
      const found = {
        grpckit: grpckit(message).length,
        protovalidate: protovalidate.validate(c.schema, message).violations?.length ?? 0,
      };
      for (const [who, count] of Object.entries(found)) {
        if (count !== violations)
          throw new Error(`${c.family}: ${who} finds ${count} violations in the ${kind} message, not ${violations}`);
      }
      if (c.zod !== undefined && c.zod.safeParse(message).success !== (violations === 0))
        throw new Error(`${c.family}: the zod schema judges the ${kind} message otherwise`);
      const name = (who) => `${c.family}, ${kind}${violations > 0 ? ` (${violations} violations)` : ""}: ${who}`;
      const pvName = name("@bufbuild/protovalidate");
      const zodName = name("grpckit zod schema");
      const hotName = name("grpckit validator");
      const contestants = [
        { name: pvName, fn: () => protovalidate.validate(c.schema, message) },
        { name: hotName, fn: () => grpckit(message) },
      ];
      if (c.zod !== undefined) contestants.push({ name: zodName, fn: () => c.zod.safeParse(message) });
      progress(`${c.family}, ${kind} ...`);
      const ns = sideBySide(contestants, rounds, roundMs);
      const perSecond = (name) => 1e9 / ns.get(name);
      rows.add({ name: pvName, value: perSecond(pvName), unit: "validations/s", better: "higher" });
      if (c.zod !== undefined)
        rows.add({
          name: zodName,
          value: perSecond(zodName),
          unit: "validations/s",
          better: "higher",
          baseline: pvName,
        });
      rows.add({ name: hotName, value: perSecond(hotName), unit: "validations/s", better: "higher", baseline: pvName });
      line[kind] = { pv: ns.get(pvName), zod: ns.get(zodName), grpckit: ns.get(hotName) };
    }
    summary.push(line);
  }
  printSummary(summary);
  await patternRows({ root, rows, progress, quick, nsPerCall });
}

/** ns per call, side by side, and grpckit's ratio over protovalidate, one line per family. */
function printSummary(summary) {
  const ns = (v) => (v === undefined ? "-" : v < 100 ? v.toFixed(1) : v.toFixed(0));
  const ratio = (k) => `${(k.pv / k.grpckit).toFixed(1)}x`;
  const lines = summary.map((s) => [
    s.family,
    ns(s.valid.pv),
    ns(s.valid.zod),
    ns(s.valid.grpckit),
    ratio(s.valid),
    ns(s.invalid.pv),
    ns(s.invalid.zod),
    ns(s.invalid.grpckit),
    ratio(s.invalid),
  ]);
  const header = [
    "family (ns per call)",
    "pv valid",
    "zod",
    "grpckit",
    "ratio",
    "pv invalid",
    "zod",
    "grpckit",
    "ratio",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(`\n${row(header)}`);
  for (const l of lines) console.log(row(l));
}
