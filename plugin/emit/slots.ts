import type { GeneratedFile, Printable } from "@bufbuild/protoplugin";

/**
 * A placeholder for a protoplugin printable (an import symbol, an export
 * declaration, a JSDoc block) inside rendered template text. Templates only
 * lay out text; every symbol goes through protoplugin, which writes the
 * imports and resolves name clashes.
 */
export type Slot = string;
const mark = "\u0001";

export class Slots {
  readonly printables: Printable[] = [];
  put(p: Printable): Slot {
    this.printables.push(p);
    return `${mark}${this.printables.length - 1}${mark}`;
  }
  /**
   * Prints rendered text into `f`, its slots replaced by their printables.
   * One array argument, never spread: a file with thousands of RPCs has more
   * parts than a call can take arguments.
   */
  print(f: GeneratedFile, text: string): void {
    f.print(this.resolve(text));
  }
  /** Splits rendered text back into strings and the printables it refers to. */
  resolve(text: string): Printable[] {
    return text.split(mark).map((part, i) => (i % 2 === 1 ? (this.printables[Number(part)] ?? "") : part));
  }
}
