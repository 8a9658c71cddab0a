import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { AnyMessage } from "../interceptor.js";
import type { MethodSpec } from "../service.js";
import { hasAnyRole, hasAnyScope, type Principal } from "./principal.js";

// The method table's auth rule (see MethodSpec in service.ts: each concern adds its own property).
declare module "../service.js" {
  interface MethodSpec<I, O, K> {
    /**
     * Who may call the method, when its .proto declares it
     * (`(grpckit.v1.method).auth`, or its service's default): a server with an
     * authenticator checks every call with it before the handler runs.
     */
    readonly auth?: AuthRule | undefined;
  }
}

/**
 * Who may call a method, as the .proto declares it with
 * `(grpckit.v1.method).auth` or its service's `(grpckit.v1.service).auth`;
 * generated code puts it in the method table. Every condition that is set
 * must hold. A method without a rule needs an authenticated caller, once the
 * server has an authenticator.
 */
export interface AuthRule {
  /** Anyone may call, with or without credentials. Nothing else may be set. */
  readonly public?: boolean | undefined;
  /** The caller must hold at least one of these roles. */
  readonly roles?: readonly string[] | undefined;
  /** The caller must hold at least one of these OAuth2 scopes. */
  readonly scopes?: readonly string[] | undefined;
  /** The caller's own resource: a request field must hold the caller's subject. */
  readonly self?: SelfRule | undefined;
}

/** "The user themself, or an admin": see {@link AuthRule.self}. */
export interface SelfRule {
  /**
   * The request field that names the resource's owner: the path of a
   * singular string field, in .proto names, e.g. `user_id` or
   * `user.user_id`. Its value must equal the principal's subject.
   */
  readonly field: string;
  /** Callers with any of these roles may act on anyone's resource. */
  readonly overrideRoles?: readonly string[] | undefined;
}

/** A method's rule, ready to check a principal and a request against. */
export interface CompiledRule {
  readonly public: boolean;
  /** Why the principal may not make this call, or undefined if it may. `request` is absent for request streams. */
  denial(principal: Principal, request: AnyMessage | undefined): string | undefined;
}

/**
 * Checks `rule` against the method once (when the service is added) and
 * returns its checker. Throws a TypeError for a rule that cannot work, as
 * the plugin would have refused it: a self field that is not a singular
 * string of the request, a self rule on a request stream, `public` with
 * other conditions.
 */
export function compileRule(method: MethodSpec, rule: AuthRule | undefined): CompiledRule {
  if (rule?.public === true) {
    if (nonEmpty(rule.roles) || nonEmpty(rule.scopes) || rule.self !== undefined) {
      throw new TypeError(`the auth rule of ${method.path} is public and also sets roles, scopes or self`);
    }
    return { public: true, denial: () => undefined };
  }
  const roles = rule?.roles ?? [];
  const scopes = rule?.scopes ?? [];
  const self = rule?.self === undefined ? undefined : compileSelf(method, rule.self);
  return {
    public: false,
    denial(principal, request) {
      if (roles.length > 0 && !hasAnyRole(principal, roles)) {
        return `holds none of the roles ${roles.join(", ")}`;
      }
      if (scopes.length > 0 && !hasAnyScope(principal, scopes)) {
        return `holds none of the scopes ${scopes.join(", ")}`;
      }
      return self?.(principal, request);
    },
  };
}

function compileSelf(method: MethodSpec, rule: SelfRule): CompiledRule["denial"] {
  if (method.kind === "client_streaming" || method.kind === "bidi_streaming") {
    throw new TypeError(`the self rule of ${method.path} needs one request message; the method streams requests`);
  }
  const path = resolveField(method.input, rule.field, method.path);
  const overrideRoles = rule.overrideRoles ?? [];
  return (principal, request) => {
    if (overrideRoles.length > 0 && hasAnyRole(principal, overrideRoles)) {
      return undefined;
    }
    const owner = request === undefined ? undefined : valueAt(request, path);
    if (owner === principal.subject) {
      return undefined;
    }
    const others = overrideRoles.length > 0 ? ` and holds none of the roles ${overrideRoles.join(", ")}` : "";
    return `is not the owner named by ${rule.field} (${JSON.stringify(owner ?? "")})${others}`;
  };
}

/** The fields of `path` (`user.user_id`): singular messages, then a singular string. */
function resolveField(input: DescMessage, path: string, where: string): readonly DescField[] {
  const fields: DescField[] = [];
  let message: DescMessage | undefined = input;
  const names = path.split(".");
  for (const [i, name] of names.entries()) {
    const field: DescField | undefined = message?.fields.find((f) => f.name === name);
    const last = i === names.length - 1;
    if (field === undefined) {
      throw new TypeError(`the self rule of ${where}: ${input.typeName} has no field ${path}`);
    }
    if (last ? !(field.fieldKind === "scalar" && field.scalar === ScalarType.STRING) : field.fieldKind !== "message") {
      throw new TypeError(`the self rule of ${where}: ${path} is not a singular string field of ${input.typeName}`);
    }
    fields.push(field);
    message = field.fieldKind === "message" ? field.message : undefined;
  }
  return fields;
}

/** The value at `path` in `message`, undefined where a message on the way is unset. */
function valueAt(message: AnyMessage, path: readonly DescField[]): unknown {
  let value: unknown = message;
  for (const field of path) {
    if (typeof value !== "object" || value === null) {
      return undefined;
    }
    const holder = value as Record<string, unknown>;
    if (field.oneof === undefined) {
      value = holder[field.localName];
    } else {
      const oneof = holder[field.oneof.localName] as { case?: unknown; value?: unknown } | undefined;
      value = oneof?.case === field.localName ? oneof.value : undefined;
    }
  }
  return value;
}

function nonEmpty(list: readonly string[] | undefined): boolean {
  return list !== undefined && list.length > 0;
}
