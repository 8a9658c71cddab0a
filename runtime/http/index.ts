/*
 * HTTP/JSON transcoding of `google.api.http` bindings: the same handlers,
 * behind the same chain, for callers that cannot speak gRPC. See docs/http.md.
 */
export { type HttpBinding, httpBinding } from "./binding.js";
export {
  DEFAULT_MAX_HTTP_REQUEST_BYTES,
  type HttpGatewayOptions,
  type HttpHandler,
  type HttpListener,
  type HttpRequest,
  type HttpResponse,
  httpHandler,
  type ServeHttpOptions,
  serveHttp,
} from "./gateway.js";
export { httpStatusOf } from "./status.js";
