import { readFileSync } from "node:fs";
import Handlebars from "handlebars";

/**
 * Templates live in templates/ beside plugin/ (in the package: dist/templates
 * beside dist/plugin). Each is read and compiled once per process, on first
 * use, never once per generated file.
 */
const cache = new Map<string, Handlebars.TemplateDelegate>();

export function template<View>(name: string): (view: View) => string {
  let compiled = cache.get(name);
  if (compiled === undefined) {
    const source = readFileSync(new URL(`../../templates/${name}`, import.meta.url), "utf8");
    // noEscape: the output is TypeScript, not HTML. strict: a view-model
    // field the template names but the view lacks is a bug, not an empty string.
    compiled = Handlebars.compile(source, { noEscape: true, strict: true });
    cache.set(name, compiled);
  }
  return compiled as (view: View) => string;
}
