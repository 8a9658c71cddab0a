import type { DescField, DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { MaskNode } from "../fieldmask/index.js";
import { type FieldViolation, mapEntryPath, prefixViolations } from "./violation.js";

// The method table's validator (see MethodSpec in service.ts: each concern adds its own property).
declare module "../service.js" {
  interface MethodSpec<I, O, K> {
    /**
     * The validator of the request message, when its .proto declares rules
     * (`grpckit.v1.field` options): the server checks every request with it
     * before the handler runs.
     */
    readonly inputValidator?: Validator<I> | undefined;
  }
}

/**
 * The validator of one message type, generated from the rules in its .proto
 * into `<file>_validate.ts` as `<Message>Validator`.
 */
export interface Validator<Desc extends DescMessage = DescMessage> {
  /** The message type it checks. */
  readonly schema: Desc;
  /**
   * Appends the violations of `message` to `out`: straight-line checks, no
   * allocation when the message is valid. Most code wants {@link validate}.
   *
   * With `limit`, stops collecting soon after `out` holds that many (at the
   * next item of a list or entry of a map): `out` may end up a few longer,
   * never by more than the rules of one message add. Without it, collects
   * every violation.
   */
  check(message: MessageShape<Desc>, out: FieldViolation[], limit?: number): void;
  /**
   * For a request with an update mask (AIP-134) whose resource has rules:
   * the check of an update. Generated beside `check`; the server picks it
   * per call from the method's update mask (see docs/validation.md).
   */
  readonly update?: UpdateCheck<Desc> | undefined;
}

/**
 * The check of a request that updates a resource through an update mask:
 * the request's rules, but the resource's only for the fields `mask` names.
 */
export interface UpdateCheck<Desc extends DescMessage = DescMessage> {
  /** The request field that holds the resource (e.g. `UpdateUserRequest.user`). */
  readonly resource: DescField;
  /**
   * Appends the violations of `message` to `out`, as {@link Validator.check}
   * does, checking in the resource only the fields of `mask`, a node of the
   * resource's type. A rule of a message as a whole (a required oneof, a
   * message oneof rule) applies only to a message the mask names whole.
   */
  check(message: MessageShape<Desc>, out: FieldViolation[], limit: number, mask: MaskNode): void;
}

/** A generated check of the fields of `mask` in one message (see {@link UpdateCheck}). */
export type MaskedCheck<Desc extends DescMessage = DescMessage> = (
  message: MessageShape<Desc>,
  out: FieldViolation[],
  limit: number,
  mask: MaskNode,
) => void;

const registry = new Map<string, Validator>();

/**
 * Makes the validator of `schema` from its generated `check` function, and
 * registers it for {@link validate} and {@link getValidator}. Called by
 * generated code when its module loads.
 */
export function defineValidator<Desc extends DescMessage>(
  schema: Desc,
  check: (message: MessageShape<Desc>, out: FieldViolation[], limit: number) => void,
  update?: UpdateCheck<Desc>,
): Validator<Desc> {
  const validator: Validator<Desc> = update === undefined ? { schema, check } : { schema, check, update };
  registry.set(schema.typeName, validator as unknown as Validator);
  return validator;
}

/**
 * The validator of a message type, if its generated `_validate` module is
 * loaded; undefined when the type has no rules (and reaches no message with
 * rules) or when that module has not been imported.
 */
export function getValidator<Desc extends DescMessage>(schema: Desc): Validator<Desc> | undefined {
  return registry.get(schema.typeName) as Validator<Desc> | undefined;
}

const noViolations: readonly FieldViolation[] = Object.freeze([]);
const scratch: FieldViolation[] = [];

/**
 * Checks `message` against the rules its .proto declares and returns what it
 * breaks, an empty array when it is valid. Takes the message's schema (with
 * its generated `_validate` module imported: the generated `_grpckit.ts`
 * imports the ones of its requests) or its generated validator.
 *
 * Throws a TypeError if no validator of the schema is loaded, rather than
 * calling an unchecked message valid; {@link getValidator} tells first.
 * Throws a CelEvalError when a CEL rule fails to evaluate on the message (a
 * CEL runtime error, such as a division by zero): a runtime error of the
 * rule, as in protovalidate, neither valid nor a violation. A server answers
 * that request with `INVALID_ARGUMENT`.
 * With `limit`, returns at most that many violations, the first ones, and
 * stops checking once it has them.
 *
 * @example
 * import "./gen/shop/v1/order_validate.js";
 * const violations = validate(CreateOrderRequestSchema, request);
 * // [{ field: "items[0].quantity", description: "must be greater than 0", reason: "INT32_GT" }]
 */
export function validate<Desc extends DescMessage>(
  schemaOrValidator: Desc | Validator<Desc>,
  message: MessageShape<Desc>,
  limit?: number,
): readonly FieldViolation[] {
  const validator = "check" in schemaOrValidator ? schemaOrValidator : getValidator(schemaOrValidator);
  if (validator === undefined) {
    const schema = schemaOrValidator as DescMessage;
    throw new TypeError(
      `no validator of ${schema.typeName} is loaded: import ${schema.file.name.replace(/\.proto$/, "")}_validate.js ` +
        "(generated when the message, or a message it holds, declares rules)",
    );
  }
  // One scratch array serves every call: checks are synchronous and do not nest calls to validate.
  // It is empty unless a check threw; setting an array's length costs more than a small message's checks.
  if (scratch.length !== 0) {
    scratch.length = 0;
  }
  validator.check(message, scratch, limit);
  if (limit !== undefined && scratch.length > limit) {
    scratch.length = Math.max(0, limit);
  }
  return scratch.length === 0 ? noViolations : scratch.splice(0);
}

/** Checks a nested message with its validator; the violations' paths start at `path`. */
export function checkNested<Desc extends DescMessage>(
  validator: Validator<Desc>,
  message: MessageShape<Desc>,
  out: FieldViolation[],
  path: string,
  limit?: number,
): void {
  const from = out.length;
  validator.check(message, out, limit);
  if (out.length !== from) {
    prefixViolations(out, from, path);
  }
}

/** Checks the fields of `mask` in a nested message; the violations' paths start at `path`. */
export function checkNestedMasked<Desc extends DescMessage>(
  check: MaskedCheck<Desc>,
  message: MessageShape<Desc>,
  out: FieldViolation[],
  path: string,
  limit: number,
  mask: MaskNode,
): void {
  const from = out.length;
  check(message, out, limit, mask);
  if (out.length !== from) {
    prefixViolations(out, from, path);
  }
}

/** Checks an item of a list of messages; the path (`items[2]`) is built only on failure. */
export function checkItem<Desc extends DescMessage>(
  validator: Validator<Desc>,
  message: MessageShape<Desc>,
  out: FieldViolation[],
  field: string,
  index: number,
  limit?: number,
): void {
  const from = out.length;
  validator.check(message, out, limit);
  if (out.length !== from) {
    prefixViolations(out, from, `${field}[${index}]`);
  }
}

/** Checks a message value of a map; the path (`products["p1"]`) is built only on failure. */
export function checkEntry<Desc extends DescMessage>(
  validator: Validator<Desc>,
  message: MessageShape<Desc>,
  out: FieldViolation[],
  field: string,
  key: string,
  quoted: boolean,
  limit?: number,
): void {
  const from = out.length;
  validator.check(message, out, limit);
  if (out.length !== from) {
    prefixViolations(out, from, mapEntryPath(field, key, quoted));
  }
}
