import type { DescMessage } from "@bufbuild/protobuf";
import { canDescend, requestUpdateMask } from "./mask-model.js";
import {
  type FieldModel,
  hasChecks,
  type MessageValidationModel,
  type SingularFieldModel,
  type ValidationPlanner,
} from "./validation-model.js";

/*
 * Update-aware validation (AIP-134), at generation time. A request with an
 * update mask gets, beside its validator's `check`, an update check: the
 * request's rules, with the resource's checked only on the fields the
 * runtime's mask node names (runtime/fieldmask/update-validation.ts picks
 * the node per call). A field the mask names whole is checked as `check`
 * does; a message field it names in part (`profile.address.city`) is
 * entered with the part, by a masked check of its type. Those are generated
 * into the request's `_validate.ts`, for the types a path can go into from
 * the resource: which requests update what is a property of the request
 * message, so the file is the same whatever services the run generates.
 */

/** The update check of one request message. */
export interface UpdateValidationModel {
  /** The request field holding the resource, as the request's validation model has it. */
  readonly resource: SingularFieldModel & { readonly value: { readonly nested: DescMessage } };
  /** The types that get a masked check, the resource's first: those a path can go into that have rules. */
  readonly masked: readonly MessageValidationModel[];
}

/**
 * The update check of `request` (a message that gets a validator), or
 * undefined when it has no update mask (as mask-model.ts finds it), or its
 * resource has no rules to restrict.
 */
export function updateValidationModel(
  request: MessageValidationModel,
  planner: ValidationPlanner,
): UpdateValidationModel | undefined {
  const update = requestUpdateMask(request.desc);
  if (update === undefined) {
    return undefined;
  }
  const resource = request.fields.find((field) => field.desc === update.resource);
  if (
    resource === undefined ||
    resource.kind !== "singular" ||
    request.ignored.has(resource.desc) ||
    resource.value.nested === undefined
  ) {
    return undefined;
  }
  const masked: MessageValidationModel[] = [];
  const seen = new Set<DescMessage>();
  const visit = (desc: DescMessage) => {
    if (seen.has(desc)) return;
    seen.add(desc);
    const model = planner.modelOf(desc);
    masked.push(model);
    for (const field of model.fields) {
      const nested = partialTarget(model, field);
      if (nested !== undefined) visit(nested);
    }
  };
  visit(resource.value.nested);
  return { resource: resource as UpdateValidationModel["resource"], masked };
}

/**
 * The type a mask path can go into through `field` and that has rules to
 * check there: a singular message field (not a well-known type) whose type
 * gets a validator, and that is not IGNORE_ALWAYS. Undefined otherwise.
 */
export function partialTarget(model: MessageValidationModel, field: FieldModel): DescMessage | undefined {
  if (field.kind !== "singular" || model.ignored.has(field.desc) || !canDescend(field.desc) || !hasChecks(field)) {
    return undefined;
  }
  return field.value.nested;
}
