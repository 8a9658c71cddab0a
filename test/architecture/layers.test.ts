import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Arrow, cycles, importGraph, type Place, violations } from "./import-graph.js";

/*
 * The layer map of runtime/ and plugin/ (docs: README "Layout"). Imports point down or stay in
 * their unit. A unit of the same rank is reached only through its public face (an index.ts).
 *
 *   runtime  3 entry      index.ts, codegen.ts
 *            2 concerns   auth/ validate/ fieldmask/ observe/ ops/ http/   (each its own unit)
 *            1 server/ client/                                          (each its own unit)
 *            0 core       the other top-level files, internal/, gen/
 *   plugin  14 bin.ts   13 plugin.ts, scaffold/   12 emit/   11 model/   10 the rest (parameters, lazy/, gen/, ...)
 *
 * The plugin sits above the whole runtime: it may use the runtime's pure parts, never the reverse.
 */
const CONCERNS = new Set(["auth", "validate", "fieldmask", "observe", "ops", "http"]);

function place(file: string): Place {
  const [top, second = "", ...rest] = file.split("/");
  if (top === "runtime") {
    if (rest.length === 0)
      return second === "index.ts" || second === "codegen.ts" ? { rank: 3, unit: "entry" } : { rank: 0, unit: "core" };
    if (second === "internal" || second === "gen") return { rank: 0, unit: "core" };
    if (second === "server" || second === "client") return { rank: 1, unit: second };
    if (CONCERNS.has(second)) return { rank: 2, unit: second };
    throw new Error(`runtime/${second}/ is in no layer: add it to the map in test/architecture/layers.test.ts`);
  }
  if (file === "plugin/bin.ts") return { rank: 14, unit: "bin" };
  if (file === "plugin/plugin.ts") return { rank: 13, unit: "plugin" };
  if (second === "scaffold") return { rank: 13, unit: "scaffold" };
  if (second === "emit") return { rank: 12, unit: "emit" };
  if (second === "model") return { rank: 11, unit: "model" };
  return { rank: 10, unit: "plugin-base" };
}

const isPublicFace = (file: string): boolean => file.startsWith("runtime/") && file.endsWith("/index.ts");

const root = fileURLToPath(new URL("../..", import.meta.url));
// Written by the build from templates/; it imports nothing.
const arrows: Arrow[] = importGraph(root, ["runtime", "plugin"], (file) => file.endsWith("templates.generated.ts"));

/** The arrows inside one cycle, so a failure shows where to cut. */
const inside = (members: readonly string[]): string[] =>
  arrows.filter((a) => members.includes(a.from) && members.includes(a.to)).map((a) => `${a.from} -> ${a.to}`);

describe("the runtime's and the plugin's layers", () => {
  it("reads a real graph", () => {
    // A broken reader (no arrows found) would make every check below pass.
    expect(arrows.length).toBeGreaterThan(200);
    expect(arrows).toContainEqual({ from: "runtime/index.ts", to: "runtime/service.ts" });
    // Only its `declare module "../service.js"` ties binding.ts to the core: augmentations count.
    expect(arrows).toContainEqual({ from: "runtime/http/binding.ts", to: "runtime/service.ts" });
  });

  it("has no import cycle (type-only imports and module augmentations count)", () => {
    expect(
      cycles(arrows).map((c) => ({ files: c, arrows: inside(c) })),
      "import cycles: cut one arrow of each",
    ).toEqual([]);
  });

  it("has no upward import, and no sideways import into another unit's internals", () => {
    expect(violations(arrows, place, isPublicFace), "imports that break the layer map").toEqual([]);
  });
});

describe("the layer checks themselves", () => {
  const flat = (file: string): Place => ({ rank: Number(file.slice(1)), unit: file });

  it("finds a cycle of three and a self-import, not a chain", () => {
    const graph: Arrow[] = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
      { from: "c", to: "d" },
      { from: "e", to: "e" },
    ];
    expect(cycles(graph)).toEqual([["a", "b", "c"], ["e"]]);
    expect(cycles([{ from: "a", to: "b" }])).toEqual([]);
  });

  it("flags an upward arrow and a sideways arrow into internals, not one into a public face", () => {
    const graph: Arrow[] = [
      { from: "x0", to: "y1" },
      { from: "y1", to: "z1" },
      { from: "y1", to: "w1" },
      { from: "y1", to: "v0" },
    ];
    expect(violations(graph, flat, (f) => f === "w1")).toEqual([
      "x0 -> y1 (upward: x0 -> y1)",
      "y1 -> z1 (sideways: y1 -> internals of z1)",
    ]);
  });
});
