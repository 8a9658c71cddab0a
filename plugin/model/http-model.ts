import {
  type DescField,
  type DescMessage,
  type DescMethod,
  getOption,
  hasOption,
  ScalarType,
} from "@bufbuild/protobuf";
import { parseTemplate, TemplateSyntaxError } from "../../runtime/http/template.js";
import { http } from "../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../gen/google/api/http_pb.js";

/*
 * The HTTP model: a method's `google.api.http` rule and its
 * `additional_bindings`, flattened into bindings and checked against the
 * request and response messages. Pure: descriptors in, data out.
 */

/** One HTTP binding of a method, as the runtime's `HttpBinding` takes it (runtime/http). */
export interface HttpBindingModel {
  /** `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, or a custom method's kind. */
  readonly method: string;
  /** The path template, e.g. `/v1/{name=shelves/*}/books`. */
  readonly path: string;
  /** `*`, a top-level request field's name, or undefined without a body. */
  readonly body: string | undefined;
  /** A top-level response field's name, or undefined for the whole response. */
  readonly responseBody: string | undefined;
}

/** A binding that cannot work. Its message is one line that names the file, service, method, binding and reason. */
export class HttpRuleError extends Error {
  override name = "HttpRuleError";
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The HTTP bindings of `method`: its rule first, then its additional
 * bindings; undefined when it declares none. Throws an
 * {@link HttpRuleError} for the first binding that cannot work.
 */
export function methodHttpModel(method: DescMethod): readonly HttpBindingModel[] | undefined {
  if (!hasOption(method, http)) {
    return undefined;
  }
  const rule = getOption(method, http);
  const bindings = [checkRule(method, rule, false)];
  for (const extra of rule.additionalBindings) {
    bindings.push(checkRule(method, extra, true));
  }
  return bindings;
}

function checkRule(method: DescMethod, rule: HttpRule, additional: boolean): HttpBindingModel {
  const { pattern } = rule;
  let verb: string;
  let path: string;
  switch (pattern.case) {
    case undefined:
      fail(method, "a rule without a pattern", "set one of get, put, post, delete, patch or custom");
      break;
    case "custom":
      verb = pattern.value.kind;
      path = pattern.value.path;
      if (!TOKEN.test(verb)) {
        fail(method, `custom kind ${JSON.stringify(verb)}`, "is not an HTTP method name");
      }
      break;
    default:
      verb = pattern.case.toUpperCase();
      path = pattern.value;
  }
  const what = `${verb} ${JSON.stringify(path)}`;
  if (additional && rule.additionalBindings.length > 0) {
    fail(method, what, "an additional binding cannot have additional_bindings of its own");
  }
  let template: ReturnType<typeof parseTemplate>;
  try {
    template = parseTemplate(path);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) {
      fail(method, what, `the path template is malformed: ${error.message}`);
    }
    throw error;
  }
  for (const variable of template.variables) {
    const multi = variable.end - variable.start !== 1 || template.segments[variable.start]?.kind !== "one";
    checkPathField(method, what, variable.fieldPath, multi);
  }
  const body = rule.body === "" ? undefined : rule.body;
  if (body !== undefined) {
    if (verb === "GET" || verb === "DELETE") {
      fail(method, what, `body ${JSON.stringify(body)}: a ${verb} request has no body`);
    }
    if (body !== "*") {
      topLevelField(method, what, method.input, body, "body");
    }
  }
  const responseBody = rule.responseBody === "" ? undefined : rule.responseBody;
  if (responseBody !== undefined) {
    topLevelField(method, what, method.output, responseBody, "response_body");
  }
  return { method: verb, path, body, responseBody };
}

/** A path variable's field: singular, through singular message fields, ending in a scalar or enum. */
function checkPathField(method: DescMethod, what: string, fieldPath: readonly string[], multiSegment: boolean): void {
  let message: DescMessage = method.input;
  const name = fieldPath.join(".");
  for (const [i, part] of fieldPath.entries()) {
    const field: DescField | undefined = message.fields.find((f) => f.name === part);
    const sofar = fieldPath.slice(0, i + 1).join(".");
    if (field === undefined) {
      fail(method, what, `path variable {${name}}: ${message.typeName} has no field ${part}`);
    }
    if (field.fieldKind === "list" || field.fieldKind === "map") {
      const kind = field.fieldKind === "list" ? "repeated" : "map";
      fail(method, what, `path variable {${name}}: ${sofar} is a ${kind} field; a path segment holds one value`);
    }
    if (i < fieldPath.length - 1) {
      if (field.fieldKind !== "message") {
        fail(
          method,
          what,
          `path variable {${name}}: ${sofar} is not a message field, so it has no field ${fieldPath[i + 1]}`,
        );
      }
      message = field.message;
      continue;
    }
    if (field.fieldKind === "message") {
      fail(
        method,
        what,
        `path variable {${name}}: ${sofar} is a message (${field.message.typeName}); bind a scalar field`,
      );
    }
    if (multiSegment && !(field.fieldKind === "scalar" && field.scalar === ScalarType.STRING)) {
      fail(method, what, `path variable {${name}}: a variable of several segments needs a string field`);
    }
  }
}

function topLevelField(method: DescMethod, what: string, message: DescMessage, name: string, option: string): void {
  if (!message.fields.some((f) => f.name === name)) {
    const fix = name.includes(".") ? " (it must be a top-level field)" : "";
    fail(method, what, `${option} ${JSON.stringify(name)}: ${message.typeName} has no field ${name}${fix}`);
  }
}

function fail(method: DescMethod, what: string, why: string): never {
  const service = method.parent;
  throw new HttpRuleError(
    `invalid google.api.http binding in ${service.file.proto.name}: service ${service.typeName}, method ${method.name}: ${what}: ${why}`,
  );
}
