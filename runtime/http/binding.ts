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
