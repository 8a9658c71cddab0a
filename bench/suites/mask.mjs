// mask: what a read mask costs the server per response, next to what the
// response costs to serialize anyway. One large User of the reference shop
// (profile with address, 50 metadata entries, 20 roles), pruned by the
// compiled runtime (dist/runtime, what a server runs) with the masks a client
// would send, against protobuf-es's toBinary of the same user. Everything in
// one process, measured side by side in interleaved rounds. The goal: pruning
// costs less than 25% of toBinary. See bench/README.md.
//
// Also: what update-aware validation (AIP-134) costs per UpdateUser request
// against validating every rule of the same request (docs/validation.md,
// "Updates"): the mask node looked up from the request's paths, then the
// generated update check.
//
//   npm run build && node bench/suites/mask.mjs     (alone, without run.mjs)
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { buildExample } from "../rpc/build.mjs";

/** The user of the benchmark: everything set, and big lists and maps. */
export function largeUserInit() {
  const metadata = {};
  for (let i = 0; i < 50; i++) metadata[`key-${i}`] = `value number ${i} of the user's free-form labels`;
  return {
    userId: "u-1042",
    email: "ada.lovelace@example.com",
    displayName: "Ada Lovelace",
    profile: {
      firstName: "Ada",
      lastName: "Lovelace",
      avatarUrl: "https://cdn.example.com/avatars/u-1042.png",
      phoneNumber: "+442071234567",
      address: { street: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", regionCode: "GB" },
    },
    metadata,
    roles: Array.from({ length: 20 }, (_, i) => `role_${i}`),
    createTime: timestampFromMs(1_700_000_000_000),
    updateTime: timestampFromMs(1_700_000_500_000),
  };
}

/** The masks measured: what clients ask for, from a couple of fields to most of them. */
export const masks = {
  "2 fields (display_name, profile.address.city)": ["display_name", "profile.address.city"],
  "5 fields (user_id, email, display_name, profile, roles)": ["user_id", "email", "display_name", "profile", "roles"],
  "8 paths, nested and whole (incl. metadata)": [
    "user_id",
    "email",
    "profile.first_name",
    "profile.last_name",
    "profile.address.city",
    "metadata",
    "roles",
    "update_time",
  ],
};

/** Median ns per call of each function, measured in interleaved rounds (the order rotates each round). */
function sideBySide(fns, iterations, rounds) {
  const names = Object.keys(fns);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  let sink = 0;
  for (const name of names) for (let i = 0; i < iterations; i++) sink += fns[name]() ? 1 : 0; // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const fn = fns[name];
      const start = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink += fn() ? 1 : 0;
      samples[name].push(Number(process.hrtime.bigint() - start) / iterations);
    }
  }
  if (sink < 0) console.log(sink); // keeps the results alive
  return Object.fromEntries(
    names.map((n) => {
      const sorted = samples[n].sort((a, b) => a - b);
      return [n, sorted[Math.floor(sorted.length / 2)]];
    }),
  );
}

/** The update masks of the update-aware validation rows; `undefined` is an empty mask. */
export const updateMasks = {
  "every rule (validator.check, as without update awareness)": null,
  "update-aware, 1 path (display_name)": ["display_name"],
  "update-aware, 2 paths (display_name, profile.address.city)": ["display_name", "profile.address.city"],
  "update-aware, empty mask (the 5 fields the patch sets)": [],
  "update-aware, * (every rule)": ["*"],
};

export async function run({ root, rows, progress, quick }) {
  const out = buildExample(root);
  const { UserSchema, UpdateUserRequestSchema } = await import(
    pathToFileURL(join(out, "ecommerce/v1/user_pb.js")).href
  );
  const { UpdateUserRequestValidator } = await import(pathToFileURL(join(out, "ecommerce/v1/user_validate.js")).href);
  const { UserService } = await import(pathToFileURL(join(out, "ecommerce/v1/user_grpckit.js")).href);
  const runtime = await import(runtimeUrl(root)); // the run's copy of the runtime
  const { parseReadMask, applyReadMask, updateValidationMask } = runtime;

  const user = create(UserSchema, largeUserInit());
  const bytes = toBinary(UserSchema, user).length;
  const fns = { toBinary: () => toBinary(UserSchema, user).length > 0 };
  for (const [name, paths] of Object.entries(masks)) {
    const mask = parseReadMask(UserSchema, paths);
    if (Array.isArray(mask)) throw new Error(`mask ${name} refused: ${mask.map((p) => p.description).join("; ")}`);
    // What the server does per response: the cached mask is looked up from the request's paths, then applied.
    const request = [...paths];
    fns[`prune: ${name}`] = () => applyReadMask(UserSchema, user, { paths: request }) !== user;
    fns[`toBinary of the pruned user: ${name}`] = () => toBinary(UserSchema, mask.apply(user)).length > 0;
  }
  // The patch of an update: the large user without the fields the server owns, with
  // the 32 metadata entries its rules allow.
  const { roles: _roles, createTime: _c, updateTime: _u, ...patch } = largeUserInit();
  patch.metadata = Object.fromEntries(Object.entries(patch.metadata).slice(0, 32));
  const update = UserService.methods.updateUser.masks.update;
  const violations = [];
  for (const [name, paths] of Object.entries(updateMasks)) {
    const request = create(UpdateUserRequestSchema, {
      user: patch,
      updateMask: paths === null ? undefined : { paths: [...paths] },
    });
    fns[`validate: ${name}`] =
      paths === null
        ? () => {
            violations.length = 0;
            UpdateUserRequestValidator.check(request, violations, 101);
            return violations.length === 0;
          }
        : () => {
            violations.length = 0;
            const node = updateValidationMask(update, request, 101);
            if (node === undefined) UpdateUserRequestValidator.check(request, violations, 101);
            else UpdateUserRequestValidator.update.check(request, violations, 101, node);
            return violations.length === 0;
          };
    if (!fns[`validate: ${name}`]()) throw new Error(`the update request is invalid: ${JSON.stringify(violations)}`);
  }
  const iterations = quick ? 2_000 : 50_000;
  const rounds = quick ? 3 : 7;
  progress(`${Object.keys(fns).length} rows, ${rounds} rounds of ${iterations.toLocaleString("en-US")} calls`);
  const ns = sideBySide(fns, iterations, rounds);

  const base = `toBinary of the large User (${bytes} bytes)`;
  rows.add({ name: base, value: ns.toBinary / 1000, unit: "us", better: "lower" });
  for (const name of Object.keys(masks)) {
    rows.add({
      name: `prune: ${name}`,
      value: ns[`prune: ${name}`] / 1000,
      unit: "us",
      better: "lower",
      baseline: base,
    });
  }
  for (const name of Object.keys(masks)) {
    rows.add({
      name: `prune + toBinary of the pruned user: ${name}`,
      value: (ns[`prune: ${name}`] + ns[`toBinary of the pruned user: ${name}`]) / 1000,
      unit: "us",
      better: "lower",
      baseline: base,
    });
  }
  const full = `validate UpdateUserRequest: ${Object.keys(updateMasks)[0]}`;
  for (const name of Object.keys(updateMasks)) {
    rows.add({
      name: `validate UpdateUserRequest: ${name}`,
      value: ns[`validate: ${name}`] / 1000,
      unit: "us",
      better: "lower",
      ...(name === Object.keys(updateMasks)[0] ? {} : { baseline: full }),
    });
  }
}

// Alone: node bench/suites/mask.mjs [--quick]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { printTable, Rows } = await import("../lib/results.mjs");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const rows = new Rows();
  await run({
    root,
    rows,
    progress: (t) => process.stderr.write(`[mask] ${t}\n`),
    quick: process.argv.includes("--quick"),
  });
  printTable({ suite: "mask", date: new Date().toISOString(), node: process.version, cpus: 0, rows: rows.toJSON() });
}
