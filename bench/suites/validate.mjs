// validate: validations per second of one message, valid and invalid, by the
// generated validator (the server's hot path), the generated zod schema, and
// @bufbuild/protovalidate with the equivalent buf.validate rules, side by side
// in one process. The message is the reference shop's CreateOrderRequest
// (rules in proto/ecommerce/v1, three items, a shipping address); the invalid
// one breaks five rules. Then string.pattern alone: patterns.mjs. See bench/README.md.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  clone,
  create,
  createFileRegistry,
  fromJson,
  getOption,
  hasOption,
  setExtension,
  toJson,
} from "@bufbuild/protobuf";
import {
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_field_mask,
  file_google_protobuf_timestamp,
} from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import {
  FieldRulesSchema as BufFieldRulesSchema,
  field as bufField,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { runtimeUrl } from "../lib/snapshot.mjs";
import { buildExample } from "../rpc/build.mjs";
import { patternRows } from "./patterns.mjs";

const price = { currencyCode: "EUR", units: 12n, nanos: 500_000_000 };
const validInit = {
  userId: "u-1042",
  items: [
    { productId: "p-1", quantity: 2, unitPrice: price },
    { productId: "p-2", quantity: 1, unitPrice: price },
    { productId: "p-3", quantity: 5, unitPrice: price },
  ],
  shippingAddress: { street: "1 rue de Rivoli", city: "Paris", postalCode: "75001", regionCode: "FR" },
};
const invalidInit = {
  userId: "",
  items: [
    { productId: "p-1", quantity: 0, unitPrice: price },
    { productId: "", quantity: 1, unitPrice: price },
    { productId: "p-3", quantity: 5, unitPrice: { ...price, currencyCode: "eur" } },
  ],
  shippingAddress: { street: "1 rue de Rivoli", city: "Paris", postalCode: "75001", regionCode: "fr" },
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

/**
 * The shop's order protos with each grpckit rule written as the buf.validate
 * rule of the same name and meaning: grpckit's vocabulary is protovalidate's,
 * so the rules convert through their JSON form.
 */
function protovalidateSchema(example, orderFile, grpckitField) {
  const files = [];
  const seen = new Set();
  const add = (file) => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    for (const dep of file.dependencies) add(dep);
    const proto = clone(FileDescriptorProtoSchema, file.proto);
    const walk = (descs, protos) => {
      for (const desc of descs) {
        const messageProto = protos.find((p) => p.name === desc.name);
        for (const field of desc.fields) {
          if (!hasOption(field, grpckitField)) continue;
          const rules = fromJson(BufFieldRulesSchema, toJson(example.FieldRulesSchema, getOption(field, grpckitField)));
          const fieldProto = messageProto.field.find((f) => f.number === field.number);
          fieldProto.options ??= create(FieldOptionsSchema);
          setExtension(fieldProto.options, bufField, rules);
        }
        walk(desc.nestedMessages, messageProto.nestedType);
      }
    };
    walk(file.messages, proto.messageType);
    files.push(proto);
  };
  for (const wkt of [
    file_google_protobuf_descriptor,
    file_google_protobuf_duration,
    file_google_protobuf_timestamp,
    file_google_protobuf_field_mask,
  ]) {
    add(wkt);
  }
  add(orderFile);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
  return registry.getMessage("ecommerce.v1.CreateOrderRequest");
}

export async function run({ root, rows, progress, quick }) {
  const out = buildExample(root);
  const load = (path) => import(pathToFileURL(join(out, path)).href);
  const orderPb = await load("ecommerce/v1/order_pb.js");
  const orderValidate = await load("ecommerce/v1/order_validate.js");
  const options = await load("grpckit/v1/options_pb.js");
  // The run's copy of the runtime, the one the compiled example's validators register with.
  const { validate } = await import(runtimeUrl(root));

  const schema = orderPb.CreateOrderRequestSchema;
  const zod = orderValidate.CreateOrderRequestZod;
  const pvSchema = protovalidateSchema(options, orderPb.file_ecommerce_v1_order, options.field);
  const protovalidate = createValidator();

  const iterations = quick ? 2_000 : 200_000;
  const rounds = quick ? 3 : 7;
  for (const [kind, init, violations] of [
    ["valid", validInit, 0],
    ["invalid", invalidInit, 5],
  ]) {
    const message = create(schema, init);
    const pvMessage = create(pvSchema, init);
    // The three judge the message alike, or the comparison means nothing.
    const counts = {
      grpckit: validate(schema, message).length,
      zod: zod.safeParse(message).error?.issues.length ?? 0,
      protovalidate: protovalidate.validate(pvSchema, pvMessage).violations?.length ?? 0,
    };
    for (const [who, count] of Object.entries(counts)) {
      if (count !== violations)
        throw new Error(`${who} finds ${count} violations in the ${kind} message, not ${violations}`);
    }
    const name = (who) => `CreateOrderRequest, ${kind}${violations > 0 ? ` (${violations} violations)` : ""}: ${who}`;
    progress(`${kind}: protovalidate ...`);
    const pv = nsPerCall(() => protovalidate.validate(pvSchema, pvMessage).kind === "valid", iterations / 20, rounds);
    progress(`${kind}: zod ...`);
    const zodNs = nsPerCall(() => zod.safeParse(message).success, iterations / 4, rounds);
    progress(`${kind}: grpckit ...`);
    const hot = nsPerCall(() => validate(schema, message).length === 0, iterations, rounds);
    const perSecond = (ns) => 1e9 / ns;
    rows.add({ name: name("@bufbuild/protovalidate"), value: perSecond(pv), unit: "validations/s", better: "higher" });
    rows.add({
      name: name("grpckit zod schema"),
      value: perSecond(zodNs),
      unit: "validations/s",
      better: "higher",
      baseline: name("@bufbuild/protovalidate"),
    });
    rows.add({
      name: name("grpckit validator"),
      value: perSecond(hot),
      unit: "validations/s",
      better: "higher",
      baseline: name("@bufbuild/protovalidate"),
    });
  }
  await patternRows({ root, rows, progress, quick, nsPerCall });
}
