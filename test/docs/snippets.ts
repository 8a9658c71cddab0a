import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A TypeScript block of a docs page. */
export interface Snippet {
  /** The page's file name, e.g. `auth.md`. */
  readonly doc: string;
  /** The line of the page the block's code starts on. */
  readonly line: number;
  /** The code, without the indentation of its fence (blocks inside list items are indented). */
  readonly code: string;
}

/** Every ```ts (or ```typescript) block of the .md files of `dir`, in page order. */
export function docSnippets(dir: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const doc of readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()) {
    const lines = readFileSync(join(dir, doc), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = /^([ \t]*)```(ts|typescript)\s*$/.exec(lines[i] ?? "");
      if (open === null) continue;
      const indent = open[1] ?? "";
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end]?.trimEnd() !== `${indent}\`\`\``) end++;
      const code = lines
        .slice(start, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n");
      snippets.push({ doc, line: start + 1, code });
      i = end;
    }
  }
  return snippets;
}
