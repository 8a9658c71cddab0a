import Handlebars from "handlebars";
import { templateSources } from "./templates.generated.js";

/**
 * The templates of templates/*.hbs, embedded at build time
 * (scripts/embed-templates.mjs) and compiled once per process on first use,
 * never once per generated file.
 */
const cache = new Map<string, Handlebars.TemplateDelegate>();

export function template<View>(name: string): (view: View) => string {
  return (view) => {
    let compiled = cache.get(name);
    if (compiled === undefined) {
      const source = templateSources[name];
      if (source === undefined) {
        throw new Error(`no template ${name} in templates/ (run npm run build after adding one)`);
      }
      // noEscape: the output is TypeScript, not HTML. strict: a field the
      // template names but the view lacks is a bug, not an empty string.
      compiled = Handlebars.compile(source, { noEscape: true, strict: true });
      cache.set(name, compiled);
    }
    return compiled(view);
  };
}
