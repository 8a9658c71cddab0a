/** A fenced code block of a markdown section. */
export interface CodeBlock {
  /** The info string's first word: `sh`, `yaml`, `ts`, ... (empty if none). */
  readonly lang: string;
  readonly text: string;
  /**
   * For a YAML block, the file it is: the last name ending in `.yaml` or
   * `.yml` in backticks in the text just before the block (as in
   * "`buf.gen.yaml`:").
   */
  readonly file?: string;
}

/**
 * The fenced code blocks of the markdown section `title` (a `## ` heading),
 * up to the next heading of that level, in order. Throws if the section is
 * not there, or a fence is left open.
 */
export function sectionBlocks(markdown: string, title: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === `## ${title}`);
  if (start < 0) {
    throw new Error(`no section "## ${title}"`);
  }
  const blocks: CodeBlock[] = [];
  let prose: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^## /.test(line)) {
      break;
    }
    const fence = /^(```+|~~~+)\s*([\w-]*)/.exec(line);
    if (fence === null) {
      prose = line.trim() === "" && prose.at(-1) === "" ? prose : [...prose, line.trim()];
      continue;
    }
    const [, marker = "```", lang = ""] = fence;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith(marker); i++) {
      body.push(lines[i] as string);
    }
    if (i >= lines.length) {
      throw new Error(`section "${title}": a ${lang || "code"} block is not closed`);
    }
    // The paragraph before the block: the lines since the last blank one before it.
    while (prose.at(-1) === "") prose.pop();
    const before = prose.slice(prose.lastIndexOf("") + 1).join(" ");
    const file = [...before.matchAll(/`([\w./-]+\.ya?ml)`/g)].at(-1)?.[1];
    blocks.push({ lang, text: `${body.join("\n")}\n`, ...(lang === "yaml" && file !== undefined ? { file } : {}) });
    prose = [""];
  }
  return blocks;
}
