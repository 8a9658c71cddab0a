import {
  clone,
  create,
  type DescField,
  type DescMessage,
  equals,
  isFieldSet,
  type MessageShape,
} from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import fc from "fast-check";
import { applyReadMask, applyUpdateMask } from "grpckit";
import { describe, expect, it } from "vitest";
import { allPaths, maskArb, messageArb } from "./arbitraries.js";
import { Account, Plain } from "./fixtures.js";

/*
 * Properties of read masks (pruning) and update masks (merging) over random
 * messages and masks of the fixture types. Plain has no field behaviours, so
 * that an update may change all of it.
 */

type Msg = MessageShape<DescMessage>;

const runs = { numRuns: 300 };

/** The paths of every field set in `message`, down the message fields a path can go into. */
function setPaths(desc: DescMessage, message: Msg, prefix = ""): string[] {
  const out: string[] = [];
  const r = reflect(desc, message);
  for (const field of desc.fields) {
    if (!r.isSet(field)) continue;
    const path = `${prefix}${field.name}`;
    out.push(path);
    if (field.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) {
      out.push(...setPaths(field.message, r.get(field).message as Msg, `${path}.`));
    }
  }
  return out;
}

/** True when `path` is one the mask keeps: named, under a path named, or a message on the way to one. */
function allowed(path: string, mask: readonly string[]): boolean {
  return mask.some((m) => path === m || path.startsWith(`${m}.`) || m.startsWith(`${path}.`));
}

/** The fields a path goes through, by proto name. */
function fieldsOf(desc: DescMessage, path: string): DescField[] {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = desc;
  for (const name of path.split(".")) {
    const field: DescField | undefined = message?.fields.find((f) => f.name === name);
    if (field === undefined) throw new Error(`bad path ${path}`);
    fields.push(field);
    message = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

/** Whether the field at `path` is set, and its value (a reflect value); unset when a message on the way is. */
function valueAt(desc: DescMessage, message: Msg, path: string): { set: boolean; value: unknown } {
  let r: ReflectMessage = reflect(desc, message);
  const fields = fieldsOf(desc, path);
  for (const field of fields.slice(0, -1)) {
    if (!r.isSet(field)) return { set: false, value: undefined };
    r = r.get(field) as ReflectMessage;
  }
  const leaf = fields.at(-1) as DescField;
  return { set: r.isSet(leaf), value: r.isSet(leaf) ? r.get(leaf) : undefined };
}

/** True when the patch sets the field at `path` (and so every message on the way). */
function patchSets(desc: DescMessage, patch: Msg, path: string): boolean {
  return valueAt(desc, patch, path).set;
}

/** The paths of the other members of each oneof `path` goes through: setting one member clears them. */
function oneofSiblings(desc: DescMessage, path: string): string[] {
  const out: string[] = [];
  const fields = fieldsOf(desc, path);
  let prefix = "";
  for (const field of fields) {
    for (const sibling of field.oneof?.fields ?? []) {
      if (sibling !== field) out.push(`${prefix}${sibling.name}`);
    }
    prefix = `${prefix}${field.name}.`;
  }
  return out;
}

/**
 * The reference merge, written for the test with protobuf-es reflection, one
 * path after the other: walk down the result, creating a message on the way
 * only when the patch sets the path's field, and copy that field or clear it.
 */
function referenceUpdate(desc: DescMessage, existing: Msg, patch: Msg, paths: readonly string[]): Msg {
  const result = clone(desc, existing);
  const source = clone(desc, patch);
  const effective =
    paths.length === 0
      ? desc.fields.filter((f) => isFieldSet(source, f)).map((f) => f.name)
      : paths.includes("*")
        ? desc.fields.map((f) => f.name)
        : paths;
  for (const path of effective) {
    const fields = fieldsOf(desc, path);
    let to: ReflectMessage = reflect(desc, result);
    let from: ReflectMessage | undefined = reflect(desc, source);
    let skipped = false;
    for (const field of fields.slice(0, -1)) {
      if (field.fieldKind !== "message") throw new Error("unreachable");
      const next: ReflectMessage | undefined = from?.isSet(field) ? (from.get(field) as ReflectMessage) : undefined;
      if (!to.isSet(field)) {
        if (!patchSets(desc, source, path)) {
          skipped = true;
          break;
        }
        to.set(field, reflect(field.message, create(field.message)));
      }
      to = to.get(field) as ReflectMessage;
      from = next;
    }
    if (skipped) continue;
    const leaf = fields.at(-1) as DescField;
    if (from?.isSet(leaf)) {
      to.set(leaf, from.get(leaf) as never);
    } else {
      to.clear(leaf);
    }
  }
  return result;
}

describe("pruning with a read mask", () => {
  for (const desc of [Plain, Account]) {
    const messages = messageArb(desc);
    const masks = maskArb(desc);

    it(`${desc.name}: pruning again with the same mask changes nothing`, () => {
      fc.assert(
        fc.property(messages, masks, (message, paths) => {
          const once = applyReadMask(desc, message, { paths });
          const twice = applyReadMask(desc, once, { paths });
          expect(equals(desc, twice, once)).toBe(true);
        }),
        runs,
      );
    });

    it(`${desc.name}: pruning with * (or nothing) is the identity`, () => {
      fc.assert(
        fc.property(messages, (message) => {
          const before = clone(desc, message);
          expect(applyReadMask(desc, message, { paths: ["*"] })).toBe(message);
          expect(applyReadMask(desc, message, { paths: [] })).toBe(message);
          expect(equals(desc, message, before)).toBe(true);
        }),
        runs,
      );
    });

    it(`${desc.name}: the result never sets a field outside the mask, and keeps every masked value`, () => {
      fc.assert(
        fc.property(messages, masks, (message, paths) => {
          const pruned = applyReadMask(desc, message, { paths });
          for (const path of setPaths(desc, pruned)) {
            expect(allowed(path, paths), `${path} outside ${paths.join(",")}`).toBe(true);
          }
          for (const path of paths) {
            const want = valueAt(desc, message, path);
            const got = valueAt(desc, pruned, path);
            expect(got.set, path).toBe(want.set);
            expect(got.value, path).toEqual(want.value);
          }
        }),
        runs,
      );
    });
  }
});

describe("merging with an update mask", () => {
  const messages = messageArb(Plain);
  const topLevel = Plain.fields.map((f) => f.name);

  it("a mask of every field, or *, equals replacing the resource with the patch", () => {
    fc.assert(
      fc.property(
        messages,
        messages,
        fc.shuffledSubarray(topLevel, { minLength: topLevel.length }),
        (existing, patch, paths) => {
          expect(equals(Plain, applyUpdateMask(Plain, existing, patch, { paths }), patch)).toBe(true);
          expect(equals(Plain, applyUpdateMask(Plain, existing, patch, { paths: ["*"] }), patch)).toBe(true);
        },
      ),
      runs,
    );
  });

  it("equals the reference merge, for any mask, also empty", () => {
    const masks = fc.oneof(maskArb(Plain), fc.constant([] as string[]), fc.constant(["*"]));
    fc.assert(
      fc.property(messages, messages, masks, (existing, patch, paths) => {
        const merged = applyUpdateMask(Plain, existing, patch, { paths });
        const reference = referenceUpdate(Plain, existing, patch, paths);
        expect(equals(Plain, merged, reference)).toBe(true);
      }),
      runs,
    );
  });

  it("leaves every field outside the mask as it was (but the other members of a oneof it sets)", () => {
    fc.assert(
      fc.property(messages, messages, maskArb(Plain), (existing, patch, paths) => {
        const merged = applyUpdateMask(Plain, existing, patch, { paths });
        const reach = [...paths, ...paths.flatMap((path) => oneofSiblings(Plain, path))];
        for (const path of allPaths(Plain)) {
          if (allowed(path, reach)) continue;
          expect(valueAt(Plain, merged, path), path).toEqual(valueAt(Plain, existing, path));
        }
      }),
      runs,
    );
  });
});
