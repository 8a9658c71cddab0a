/**
 * The import graph of the repository's own TypeScript, read with the compiler's parser, and the
 * checks that keep it layered: no cycle, no arrow from a lower layer to a higher one, no concern
 * reaching into another concern's internals.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import ts from "typescript";

/** One import of one repository file by another, both as paths relative to the repository root. */
export interface Arrow {
  readonly from: string;
  readonly to: string;
}

/** Where a file sits: its layer's rank (imports may only point to a lower or equal rank) and its unit. */
export interface Place {
  readonly rank: number;
  /** Files of one unit may import each other; a unit of rank >= `concernRank` is a concern. */
  readonly unit: string;
}

function listTs(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(root, path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/**
 * Every module specifier a file names: static and dynamic imports, re-exports, `import("x")` types,
 * and the modules it augments (`declare module "x"`: the augmentation depends on its target).
 */
function specifiers(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) found.push(arg.literal.text);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      found.push(node.name.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/**
 * The arrows between the TypeScript files under `dirs` (relative specifiers only; packages are
 * outside the graph). A specifier naming `x.js` resolves to `x.ts`, as NodeNext resolution does.
 * Skipped files (build outputs that import nothing) are left out both as importers and as targets.
 */
export function importGraph(root: string, dirs: readonly string[], skip: (file: string) => boolean): Arrow[] {
  const files = new Set(dirs.flatMap((dir) => listTs(root, dir)).filter((file) => !skip(file)));
  const arrows: Arrow[] = [];
  for (const from of [...files].sort()) {
    for (const spec of specifiers(from, readFileSync(join(root, from), "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = relative(root, join(root, dirname(from), spec))
        .split("\\")
        .join("/")
        .replace(/\.js$/, ".ts");
      if (skip(target)) continue;
      if (!files.has(target)) throw new Error(`${from} imports ${spec}, which is no file of the graph`);
      if (!arrows.some((a) => a.from === from && a.to === target)) arrows.push({ from, to: target });
    }
  }
  return arrows;
}

/** The import cycles: each strongly connected set of two or more files (or a file importing itself), sorted. */
export function cycles(arrows: readonly Arrow[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of arrows) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  // Tarjan's algorithm, iterative so that a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length > 0) {
      const top = work[work.length - 1] as [string, number];
      const [node, i] = top;
      if (i === 0 && !index.has(node)) {
        index.set(node, counter);
        low.set(node, counter);
        counter++;
        stack.push(node);
        onStack.add(node);
      }
      const targets = next.get(node) ?? [];
      if (i < targets.length) {
        top[1] = i + 1;
        const to = targets[i] as string;
        if (!index.has(to)) work.push([to, 0]);
        else if (onStack.has(to)) low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0]) as number, low.get(node) as number));
      if (low.get(node) === index.get(node)) {
        const members: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          members.push(member);
        } while (member !== node);
        if (members.length > 1 || targets.includes(node)) found.push(members.sort());
      }
    }
  }
  return found.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

/**
 * The arrows that break the layering: pointing to a higher rank, or between two units of the same
 * rank (two concerns, or server/ and client/) unless they land on the other unit's public face.
 */
export function violations(
  arrows: readonly Arrow[],
  place: (file: string) => Place,
  isPublicFace: (file: string) => boolean,
): string[] {
  const out: string[] = [];
  for (const { from, to } of arrows) {
    const a = place(from);
    const b = place(to);
    if (b.rank > a.rank) out.push(`${from} -> ${to} (upward: ${a.unit} -> ${b.unit})`);
    else if (b.rank === a.rank && a.unit !== b.unit && !isPublicFace(to))
      out.push(`${from} -> ${to} (sideways: ${a.unit} -> internals of ${b.unit})`);
  }
  return out.sort();
}
