import {
  type DescField,
  type DescFile,
  type DescMessage,
  type DescMethod,
  type DescService,
  getOption,
  hasOption,
  ScalarType,
} from "@bufbuild/protobuf";
import { type AuthRule, method as methodOption, service as serviceOption } from "../gen/grpckit/v1/options_pb.js";

/*
 * The auth model: the `(grpckit.v1.service).auth` and `(grpckit.v1.method).auth`
 * rules of a file's services, resolved per method (a method's rule replaces
 * its service's) and checked for sense. Pure: descriptors in, data out.
 */

/** A method's rule, as the runtime's `AuthRule` takes it (runtime/auth/rule.ts). */
export interface AuthRuleModel {
  readonly public: boolean;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly self?: { readonly field: string; readonly overrideRoles: readonly string[] } | undefined;
}

export interface ServiceAuthModel {
  /** Whether the service or any of its methods declares a rule. */
  readonly declaresRules: boolean;
  /** The rule of each method: its own, else its service's, else none. */
  readonly rules: ReadonlyMap<DescMethod, AuthRuleModel | undefined>;
}

/** A rule that cannot work. Its message is one line that names the file, service, method, rule and fix. */
export class AuthRuleError extends Error {
  override name = "AuthRuleError";
}

/** Resolves and checks the rules of `service`; throws an {@link AuthRuleError} for the first that cannot work. */
export function serviceAuthModel(service: DescService): ServiceAuthModel {
  const serviceRule = hasOption(service, serviceOption) ? getOption(service, serviceOption).auth : undefined;
  let declaresRules = serviceRule !== undefined;
  const rules = new Map<DescMethod, AuthRuleModel | undefined>();
  for (const method of service.methods) {
    const own = hasOption(method, methodOption) ? getOption(method, methodOption).auth : undefined;
    declaresRules ||= own !== undefined;
    const rule = own ?? serviceRule;
    rules.set(method, rule === undefined ? undefined : checkRule(rule, new Where(method, own === undefined)));
  }
  return { declaresRules, rules };
}

/** A service that declares no auth rules, and its file. */
export interface Unruled {
  readonly file: DescFile;
  readonly service: DescService;
}

/** The services named in the warning; the rest are counted. */
const namedInWarning = 5;

/**
 * The warning for services without rules: one line, for stderr, however many
 * there are. A single service is named with its file; more are listed, up to
 * {@link namedInWarning}, then counted.
 */
export function noAuthRulesWarning(unruled: readonly Unruled[]): string {
  const fix = "Declare option (grpckit.v1.service).auth = {} (or {public: true}) to say so.";
  const [first] = unruled;
  if (unruled.length === 1 && first !== undefined) {
    return (
      `warning: ${first.file.proto.name}: service ${first.service.typeName} declares no auth rules; with an authenticator, ` +
      `all its methods need an authenticated caller. ${fix}`
    );
  }
  const named = unruled.slice(0, namedInWarning).map((u) => `${u.service.typeName} (${u.file.proto.name})`);
  const more = unruled.length - named.length;
  return (
    `warning: ${unruled.length} services declare no auth rules: ${named.join(", ")}${more > 0 ? ` and ${more} more` : ""}; ` +
    `with an authenticator, all their methods need an authenticated caller. ${fix}`
  );
}

/** grpckit's options file: a schema imports it to use any grpckit.v1 option. */
const optionsFile = "grpckit/v1/options.proto";

/**
 * Whether `file` can use grpckit's options at all: it imports
 * grpckit/v1/options.proto, directly or through `import public`. Options are
 * extensions, usable only where their file is imported, so a file without the
 * import (a vendored corpus such as Google's APIs) carries none.
 */
export function usesGrpckitOptions(file: DescFile): boolean {
  return file.dependencies.some((dep) => exportsOptions(dep, new Set()));
}

/** Whether importing `file` brings grpckit's options: it is the options file, or imports it publicly (transitively). */
function exportsOptions(file: DescFile, seen: Set<DescFile>): boolean {
  if (file.proto.name === optionsFile) return true;
  seen.add(file);
  return file.proto.publicDependency.some((i) => {
    const name = file.proto.dependency[i];
    const dep = file.dependencies.find((d) => d.proto.name === name);
    return dep !== undefined && !seen.has(dep) && exportsOptions(dep, seen);
  });
}

class Where {
  constructor(
    readonly method: DescMethod,
    readonly inherited: boolean,
  ) {}

  fail(rule: string, why: string, fix: string): never {
    const { method } = this;
    const service = method.parent;
    const which = this.inherited ? `method ${method.name} (the service's default rule)` : `method ${method.name}`;
    throw new AuthRuleError(
      `invalid auth rule in ${service.file.proto.name}: service ${service.typeName}, ${which}: ${rule}: ${why}; ${fix}`,
    );
  }
}

function checkRule(rule: AuthRule, where: Where): AuthRuleModel {
  checkNames(rule.roles, "roles", where);
  checkNames(rule.scopes, "scopes", where);
  const self = rule.self;
  if (rule.public) {
    const others = [
      rule.roles.length > 0 ? "roles" : "",
      rule.scopes.length > 0 ? "scopes" : "",
      self !== undefined ? "self" : "",
    ].filter((s) => s !== "");
    if (others.length > 0) {
      where.fail(
        `public with ${others.join(", ")}`,
        "a public method asks for no credentials, so nothing else can be checked",
        `drop public, or ${others.join(" and ")}`,
      );
    }
    return { public: true, roles: [], scopes: [] };
  }
  if (self === undefined) {
    return { public: false, roles: [...rule.roles], scopes: [...rule.scopes] };
  }
  checkNames(self.overrideRoles, "self.override_roles", where);
  checkSelfField(where.method, self.field, where);
  return {
    public: false,
    roles: [...rule.roles],
    scopes: [...rule.scopes],
    self: { field: self.field, overrideRoles: [...self.overrideRoles] },
  };
}

function checkNames(names: readonly string[], what: string, where: Where): void {
  for (const name of names) {
    if (name.trim() === "" || name !== name.trim()) {
      where.fail(
        `${what} ${JSON.stringify(name)}`,
        "is not a name (empty, or with spaces around it)",
        "remove it or trim it",
      );
    }
  }
}

function checkSelfField(method: DescMethod, path: string, where: Where): void {
  const rule = `self.field ${JSON.stringify(path)}`;
  const input = method.input;
  const example = firstStringField(input);
  const fix = `name a singular string field of the request${example === undefined ? "" : `, e.g. "${example}"`}`;
  if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    where.fail(
      rule,
      `needs one request message, and ${method.name} streams its requests`,
      "drop self here and check ownership in the handler with principalOf(ctx), or use roles",
    );
  }
  if (path === "") {
    where.fail(rule, "is empty", fix);
  }
  let message: DescMessage = input;
  const names = path.split(".");
  for (const [i, name] of names.entries()) {
    const field: DescField | undefined = message.fields.find((f) => f.name === name);
    const sofar = names.slice(0, i + 1).join(".");
    if (field === undefined) {
      where.fail(rule, `${message.typeName} has no field ${name}`, fix);
    }
    const last = i === names.length - 1;
    if (field.fieldKind === "list" || field.fieldKind === "map") {
      where.fail(rule, `${sofar} is a ${field.fieldKind === "list" ? "repeated" : "map"} field`, fix);
    }
    if (!last) {
      if (field.fieldKind !== "message") {
        where.fail(rule, `${sofar} is not a message field, so it has no field ${names[i + 1]}`, fix);
      }
      message = field.message;
      continue;
    }
    if (field.fieldKind !== "scalar" || field.scalar !== ScalarType.STRING) {
      where.fail(rule, `${sofar} is of type ${typeOf(field)}, not string`, fix);
    }
  }
}

function typeOf(field: DescField): string {
  switch (field.fieldKind) {
    case "scalar":
      return ScalarType[field.scalar].toLowerCase();
    case "enum":
      return `enum ${field.enum.typeName}`;
    case "message":
      return `message ${field.message.typeName}`;
    default:
      return field.fieldKind;
  }
}

function firstStringField(message: DescMessage): string | undefined {
  return message.fields.find((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING)?.name;
}
