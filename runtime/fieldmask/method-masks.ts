import type { DescField } from "@bufbuild/protobuf";

// The method table's masks (see MethodSpec in service.ts: each concern adds its own property).
declare module "../service.js" {
  interface MethodSpec<I, O, K> {
    /**
     * The request's read and update masks, when it has a `read_mask` or an
     * `update_mask` (or a field marked `(grpckit.v1.mask)`): the server checks
     * their paths before the handler runs and prunes each response to the read
     * mask. See docs/field-masks.md.
     */
    readonly masks?: MethodMasks | undefined;
  }
}

/**
 * The field masks of a method, as its generated method table declares them
 * (from the .proto: see docs/field-masks.md).
 */
export interface MethodMasks {
  /** The request's read mask: the server prunes each response to it. */
  readonly read?: ReadMaskSpec | undefined;
  /** The request's update mask: the server refuses bad paths before the handler runs. */
  readonly update?: UpdateMaskSpec | undefined;
}

export interface ReadMaskSpec {
  /** The request's google.protobuf.FieldMask field. */
  readonly field: DescField;
  /**
   * The response field the mask applies to: a message, a list of messages or
   * a map of messages (e.g. `GetUserResponse.user`). The whole response when
   * undefined.
   */
  readonly target?: DescField | undefined;
}

export interface UpdateMaskSpec {
  /** The request's google.protobuf.FieldMask field. */
  readonly field: DescField;
  /** The request's message field that holds the resource (e.g. `UpdateUserRequest.user`). */
  readonly resource: DescField;
  /**
   * Validation checks every rule of the resource, as without a mask
   * (`(grpckit.v1.method).update_mask.validate_whole_resource`). By default
   * the resource's rules apply only to the fields the mask names and to the
   * resource's identifier: see docs/validation.md.
   */
  readonly validateWholeResource?: boolean | undefined;
}
