/*
 * The path templates of `google.api.http` (google/api/http.proto):
 *
 *   Template = "/" Segments [ Verb ] ;
 *   Segments = Segment { "/" Segment } ;
 *   Segment  = "*" | "**" | LITERAL | Variable ;
 *   Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *   FieldPath = IDENT { "." IDENT } ;
 *   Verb     = ":" LITERAL ;
 *
 * Parsed once: by the plugin, which checks each template against its request
 * message, and by the HTTP gateway, which matches request paths against it.
 * Pure.
 */

/** One segment of a template, after its variables are expanded. */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  /** `*`: exactly one segment. */
  | { readonly kind: "one" }
  /** `**`: zero or more segments; at most one per template, and the segments after it match the path's end. */
  | { readonly kind: "rest" };

/** A variable: the request field it sets and the segments `[start, end)` it captures. */
export interface TemplateVariable {
  /** The field path, e.g. `["book", "name"]` for `{book.name=...}`. */
  readonly fieldPath: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** A parsed path template. */
export interface PathTemplate {
  readonly segments: readonly TemplateSegment[];
  readonly variables: readonly TemplateVariable[];
  /** The custom verb after `:`, e.g. `cancel`; undefined without one. */
  readonly verb: string | undefined;
}

/** A template that does not follow the grammar; its message says where and why. */
export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 3986 pchar without ':' and '/', plus percent-encodings: what a literal segment may hold.
const LITERAL = /^(?:[A-Za-z0-9\-._~!$&'()+,;=@]|%[0-9A-Fa-f]{2})+$/;

/** Parses `template`; throws a {@link TemplateSyntaxError} that says what is wrong. */
export function parseTemplate(template: string): PathTemplate {
  if (!template.startsWith("/")) {
    throw new TemplateSyntaxError("must start with /");
  }
  let body = template.slice(1);
  let verb: string | undefined;
  // The verb's ':' is the last one outside a variable.
  const lastBrace = body.lastIndexOf("}");
  const colon = body.indexOf(":", lastBrace + 1);
  if (colon !== -1) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (!LITERAL.test(verb)) {
      throw new TemplateSyntaxError(`the verb ${JSON.stringify(verb)} is not a literal`);
    }
  }
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  let i = 0;
  while (i <= body.length) {
    if (body[i] === "{") {
      const close = body.indexOf("}", i);
      if (close === -1) {
        throw new TemplateSyntaxError("a { is never closed");
      }
      const inner = body.slice(i + 1, close);
      if (inner.includes("{")) {
        throw new TemplateSyntaxError("variables cannot nest");
      }
      const eq = inner.indexOf("=");
      const path = eq === -1 ? inner : inner.slice(0, eq);
      const fieldPath = path.split(".");
      if (!fieldPath.every((name) => IDENT.test(name))) {
        throw new TemplateSyntaxError(`{${inner}}: ${JSON.stringify(path)} is not a field path`);
      }
      const start = segments.length;
      if (eq === -1) {
        segments.push({ kind: "one" });
      } else {
        const parts = inner.slice(eq + 1).split("/");
        for (const part of parts) {
          if (part.includes("{") || part.includes("}")) {
            throw new TemplateSyntaxError("variables cannot nest");
          }
          segments.push(segmentOf(part, `{${inner}}`));
        }
      }
      variables.push({ fieldPath, start, end: segments.length });
      i = close + 1;
    } else {
      let end = body.indexOf("/", i);
      if (end === -1) end = body.length;
      const part = body.slice(i, end);
      if (part.includes("}") || part.includes("{")) {
        throw new TemplateSyntaxError(`${JSON.stringify(part)}: a variable must be a whole segment`);
      }
      segments.push(segmentOf(part, JSON.stringify(part)));
      i = end;
    }
    if (i === body.length) break;
    if (body[i] !== "/") {
      throw new TemplateSyntaxError(`a variable must be a whole segment (at ${JSON.stringify(body.slice(i))})`);
    }
    i++;
  }
  // http.proto asks for ** last, but Google's own APIs put literals after a variable that ends in **
  // (e.g. discoveryengine's `{parent=.../dataStores/**}/suggestionDenyListEntries:purge`), and
  // grpc-gateway matches those: the segments after it match the end of the path. Two would be ambiguous.
  if (segments.filter((s) => s.kind === "rest").length > 1) {
    throw new TemplateSyntaxError("** may appear only once");
  }
  const seen = new Set<string>();
  for (const v of variables) {
    const name = v.fieldPath.join(".");
    if (seen.has(name)) {
      throw new TemplateSyntaxError(`the field ${name} is bound twice`);
    }
    seen.add(name);
  }
  return { segments, variables, verb };
}

function segmentOf(part: string, where: string): TemplateSegment {
  if (part === "*") return { kind: "one" };
  if (part === "**") return { kind: "rest" };
  if (part === "") throw new TemplateSyntaxError(`${where}: empty segment`);
  if (!LITERAL.test(part)) throw new TemplateSyntaxError(`${where}: ${JSON.stringify(part)} is not a literal segment`);
  return { kind: "literal", value: part };
}

/** The values of a template's variables in a matched path: field path → value. */
export type PathBindings = [fieldPath: readonly string[], value: string][];

/**
 * Matches a request path (without its query) against `template`: the
 * variables' values, percent-decoded (a multi-segment variable keeps its
 * `/`s), or undefined when the path does not match or is badly encoded.
 */
export function matchTemplate(template: PathTemplate, path: string): PathBindings | undefined {
  if (!path.startsWith("/")) return undefined;
  let body = path.slice(1);
  if (template.verb !== undefined) {
    const suffix = `:${template.verb}`;
    if (!body.endsWith(suffix)) return undefined;
    body = body.slice(0, -suffix.length);
  }
  const parts = body === "" ? [] : body.split("/");
  const { segments } = template;
  const rest = segments.findIndex((s) => s.kind === "rest");
  // How many more parts than segments: ** spans `extra + 1` parts; the segments after it shift by `extra`.
  const extra = parts.length - segments.length;
  if (rest === -1 ? extra !== 0 : extra < -1) {
    return undefined;
  }
  const at = (s: number): number => (rest !== -1 && s > rest ? s + extra : s);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as TemplateSegment;
    const part = parts[at(i)];
    if (segment.kind === "literal") {
      if (part !== segment.value) return undefined;
    } else if (segment.kind === "one" && (part === undefined || part === "")) {
      return undefined;
    }
  }
  const bindings: PathBindings = [];
  for (const v of template.variables) {
    const captured = parts.slice(at(v.start), at(v.end - 1) + (v.end - 1 === rest ? extra + 1 : 1));
    try {
      bindings.push([v.fieldPath, captured.map(decodeURIComponent).join("/")]);
    } catch {
      return undefined;
    }
  }
  return bindings;
}
