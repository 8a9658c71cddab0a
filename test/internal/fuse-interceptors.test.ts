import { describe, expect, it } from "vitest";
import { fuseInterceptors, fusesWith } from "../../runtime/interceptor.js";

type Step = (call: string) => Promise<string>;
type Wrap = (next: Step) => Step;

describe("fusion of neighbouring interceptors (the core's fusesWith protocol)", () => {
  it("replaces each run of two or more neighbours with the same fuser, and nothing else", () => {
    const fuse = (group: readonly Wrap[]): Wrap => Object.assign((next: Step) => next, { group });
    const mark = (name: string): Wrap => Object.assign((next: Step) => next, { label: name, [fusesWith]: fuse });
    const plain: Wrap = (next) => next;
    const [a, b, c, d] = [mark("a"), mark("b"), mark("c"), mark("d")];
    const fused = fuseInterceptors([a, b, plain, c, d, d, plain, a]);
    expect(fused).toHaveLength(5);
    expect((fused[0] as Wrap & { group: Wrap[] }).group).toEqual([a, b]);
    expect(fused[1]).toBe(plain);
    expect((fused[2] as Wrap & { group: Wrap[] }).group).toEqual([c, d, d]);
    expect(fused.slice(3)).toEqual([plain, a]);
  });

  it("does not fuse neighbours whose fusers differ", () => {
    const one = Object.assign((next: Step) => next, { [fusesWith]: (g: readonly Wrap[]) => g[0] as Wrap });
    const other = Object.assign((next: Step) => next, { [fusesWith]: (g: readonly Wrap[]) => g[0] as Wrap });
    expect(fuseInterceptors<Wrap>([one, other])).toEqual([one, other]);
  });
});
