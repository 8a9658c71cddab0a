// The method table's HTTP bindings (see MethodSpec in service.ts: each concern adds its own property).
declare module "../service.js" {
  interface MethodSpec<I, O, K> {
    /**
     * The method's HTTP bindings, when its .proto declares `google.api.http`:
     * the rule first, then its `additional_bindings`. `serveHttp` serves them
     * as HTTP/JSON. See docs/http.md.
     */
    readonly http?: readonly HttpBinding[] | undefined;
  }
}

/** One `google.api.http` binding of a method, as generated code spells it. */
export interface HttpBinding {
  /** `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, or a custom method. */
  readonly method: string;
  /** The path template, e.g. `/v1/{name=shelves/*}/books`. */
  readonly path: string;
  /** Where the request body goes: `*` (the whole request) or a top-level field; no body when undefined. */
  readonly body?: string | undefined;
  /** The response field that is the HTTP response body; the whole response when undefined. */
  readonly responseBody?: string | undefined;
}

/**
 * One `HttpBinding`, from its parts: what generated method tables call for
 * each binding of their `http:` rows. A call rather than an object literal
 * keeps type-checking them cheap: every row's array then has the one type
 * `readonly [HttpBinding, ...]`, where an array of object literals has a type
 * of its own, whose members (all of `ReadonlyArray`'s) the compiler builds
 * again for each row; on Google's APIs that was over half of what grpckit's
 * code added to a type-check's memory.
 */
export function httpBinding(method: string, path: string, body?: string, responseBody?: string): HttpBinding {
  const binding: { -readonly [K in keyof HttpBinding]: HttpBinding[K] } = { method, path };
  if (body !== undefined) binding.body = body;
  if (responseBody !== undefined) binding.responseBody = responseBody;
  return binding;
}
