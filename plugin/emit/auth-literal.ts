import type { AuthRuleModel } from "../model/auth-model.js";

/**
 * A method's auth rule as the TypeScript object literal of its method table
 * entry, the runtime's `AuthRule`: only what is set, e.g.
 * `{ self: { field: "user_id", overrideRoles: ["admin"] } }`; `{}` for "any
 * authenticated caller".
 */
export function authLiteral(rule: AuthRuleModel): string {
  const parts: string[] = [];
  if (rule.public) {
    parts.push("public: true");
  }
  if (rule.roles.length > 0) {
    parts.push(`roles: ${list(rule.roles)}`);
  }
  if (rule.scopes.length > 0) {
    parts.push(`scopes: ${list(rule.scopes)}`);
  }
  if (rule.self !== undefined) {
    const override = rule.self.overrideRoles.length > 0 ? `, overrideRoles: ${list(rule.self.overrideRoles)}` : "";
    parts.push(`self: { field: ${JSON.stringify(rule.self.field)}${override} }`);
  }
  return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
}

function list(names: readonly string[]): string {
  return `[${names.map((name) => JSON.stringify(name)).join(", ")}]`;
}
