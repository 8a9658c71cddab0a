/*
 * A parser for the subset of YAML that deploy/'s manifests are written in,
 * so that a test can read them without a YAML dependency: documents split by
 * `---`; block mappings and sequences by indentation (spaces); flow
 * collections (`{ a: 1 }`, `["*"]`) on one line; plain, "double" and 'single'
 * quoted scalars, read with YAML 1.2's core schema (null, true/false,
 * numbers, else strings); `#` comments. Anything else (anchors, aliases,
 * tags, block scalars, multi-line flow, tabs, duplicate keys) is an error
 * naming the line, so the manifests stay inside what this reads correctly.
 */

/** A YAML value as JSON: what the core schema makes of the subset. */
export type Yaml = null | boolean | number | string | Yaml[] | { [key: string]: Yaml };

interface Line {
  readonly no: number;
  readonly indent: number;
  readonly text: string;
}

/** A YAML construct outside the subset, or a syntax error, with its line. */
export class YamlSubsetError extends Error {
  override name = "YamlSubsetError";
}

/** Parses every document of `source`; each must be a mapping or a sequence. */
export function parseYamlDocuments(source: string): Yaml[] {
  const docs: Line[][] = [[]];
  source.split("\n").forEach((raw, i) => {
    const no = i + 1;
    if (/^---\s*$/.test(raw)) {
      docs.push([]);
      return;
    }
    if (raw.includes("\t")) throw new YamlSubsetError(`line ${no}: a tab; indent with spaces`);
    const text = stripComment(raw, no).trimEnd();
    if (text.trim() === "") return;
    const indent = text.length - text.trimStart().length;
    docs.at(-1)?.push({ no, indent, text: text.trimStart() });
  });
  return docs.filter((lines) => lines.length > 0).map((lines) => new Parser(lines).document());
}

function stripComment(raw: string, no: number): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote !== undefined) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#" && (i === 0 || raw[i - 1] === " ")) {
      return raw.slice(0, i);
    }
  }
  if (quote !== undefined) throw new YamlSubsetError(`line ${no}: an unclosed quote`);
  return raw;
}

/** `key: rest` (rest may be empty) where the key is plain or quoted. */
const entryPattern = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'{}[\],#:][^:#{}[\],]*?)\s*:(?:\s+(.*))?$/;

class Parser {
  private at = 0;

  constructor(private readonly lines: Line[]) {}

  document(): Yaml {
    const first = this.lines[0];
    if (first === undefined || first.indent !== 0) throw new YamlSubsetError(`line ${first?.no}: indented document`);
    const value = this.block(0);
    const rest = this.lines[this.at];
    if (rest !== undefined) throw new YamlSubsetError(`line ${rest.no}: unexpected indentation`);
    return value;
  }

  private peek(): Line | undefined {
    return this.lines[this.at];
  }

  private block(indent: number): Yaml {
    const line = this.peek();
    if (line === undefined) return null;
    return isSequenceItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): { [key: string]: Yaml } {
    const map: { [key: string]: Yaml } = {};
    for (let line = this.peek(); line !== undefined && line.indent === indent; line = this.peek()) {
      if (isSequenceItem(line.text)) break;
      const entry = entryPattern.exec(line.text);
      if (entry === null) throw new YamlSubsetError(`line ${line.no}: expected "key: value", got ${line.text}`);
      const key = unquote(entry[1] ?? "", line.no);
      if (Object.hasOwn(map, key)) throw new YamlSubsetError(`line ${line.no}: duplicate key ${key}`);
      this.at++;
      const rest = entry[2];
      if (rest !== undefined && rest !== "") {
        map[key] = inline(rest, line.no);
        continue;
      }
      const next = this.peek();
      if (next !== undefined && next.indent > indent) map[key] = this.block(next.indent);
      // A sequence may sit at its key's own indentation.
      else if (next !== undefined && next.indent === indent && isSequenceItem(next.text))
        map[key] = this.sequence(indent);
      else map[key] = null;
    }
    const line = this.peek();
    if (line !== undefined && line.indent > indent)
      throw new YamlSubsetError(`line ${line.no}: unexpected indentation`);
    return map;
  }

  private sequence(indent: number): Yaml[] {
    const list: Yaml[] = [];
    for (let line = this.peek(); line !== undefined && line.indent === indent; line = this.peek()) {
      if (!isSequenceItem(line.text)) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.at++;
        const next = this.peek();
        list.push(next !== undefined && next.indent > indent ? this.block(next.indent) : null);
      } else if (entryPattern.test(rest) && !/^[[{"']/.test(rest)) {
        // `- key: value` opens a mapping whose keys line up with `key`.
        const column = indent + line.text.length - rest.length;
        this.lines[this.at] = { no: line.no, indent: column, text: rest };
        list.push(this.block(column));
      } else {
        this.at++;
        list.push(inline(rest, line.no));
      }
    }
    return list;
  }
}

function isSequenceItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function unquote(text: string, no: number): string {
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (text.startsWith("'")) return text.slice(1, -1);
  if (/^[&*!|>%@`]/.test(text)) throw new YamlSubsetError(`line ${no}: ${text[0]} is outside the subset`);
  return text.trim();
}

/** A value on one line: a flow collection or a scalar. */
function inline(text: string, no: number): Yaml {
  const reader = { text, at: 0, no };
  const value = flowValue(reader);
  skipSpaces(reader);
  if (reader.at !== text.length) throw new YamlSubsetError(`line ${no}: unexpected ${text.slice(reader.at)}`);
  return value;
}

interface Reader {
  readonly text: string;
  at: number;
  readonly no: number;
}

function skipSpaces(r: Reader): void {
  while (r.text[r.at] === " ") r.at++;
}

function flowValue(r: Reader, inFlow = false): Yaml {
  skipSpaces(r);
  const c = r.text[r.at];
  if (c === "{" || c === "[") {
    const close = c === "{" ? "}" : "]";
    r.at++;
    const map: { [key: string]: Yaml } = {};
    const list: Yaml[] = [];
    skipSpaces(r);
    while (r.text[r.at] !== close) {
      if (r.at >= r.text.length) throw new YamlSubsetError(`line ${r.no}: ${c} not closed on its line`);
      if (c === "{") {
        const key = flowValue(r, true);
        skipSpaces(r);
        if (r.text[r.at] !== ":") throw new YamlSubsetError(`line ${r.no}: expected ":" in ${r.text}`);
        r.at++;
        if (typeof key !== "string") throw new YamlSubsetError(`line ${r.no}: a key that is not a string`);
        if (Object.hasOwn(map, key)) throw new YamlSubsetError(`line ${r.no}: duplicate key ${key}`);
        map[key] = flowValue(r, true);
      } else {
        list.push(flowValue(r, true));
      }
      skipSpaces(r);
      if (r.text[r.at] === ",") {
        r.at++;
        skipSpaces(r);
      } else if (r.text[r.at] !== close) {
        throw new YamlSubsetError(`line ${r.no}: expected "," or "${close}" in ${r.text}`);
      }
    }
    r.at++;
    return c === "{" ? map : list;
  }
  if (c === '"' || c === "'") {
    const match = (c === '"' ? /^"(?:[^"\\]|\\.)*"/ : /^'[^']*'/).exec(r.text.slice(r.at));
    if (match === null) throw new YamlSubsetError(`line ${r.no}: an unclosed quote`);
    r.at += match[0].length;
    return unquote(match[0], r.no);
  }
  // A plain scalar: up to the end, or in a flow collection up to , : } ]
  const end = inFlow ? /^[^,{}[\]]*?(?=\s*(?:[,}\]]|:\s|:$|$))/ : /^.*$/;
  const plain = end.exec(r.text.slice(r.at))?.[0] ?? "";
  if (plain === "") throw new YamlSubsetError(`line ${r.no}: a value is missing in ${r.text}`);
  r.at += plain.length;
  return scalar(unquote(plain, r.no));
}

/** YAML 1.2 core schema for a plain scalar. */
function scalar(text: string): Yaml {
  if (/^(?:null|Null|NULL|~)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return Number.parseFloat(text);
  return text;
}
