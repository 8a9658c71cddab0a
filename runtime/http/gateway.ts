import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from "node:http2";
import type { AddressInfo } from "node:net";
import { TLSSocket } from "node:tls";
import {
  create,
  type DescMessage,
  isMessage,
  type JsonValue,
  type MessageInitShape,
  type Registry,
  toJson,
} from "@bufbuild/protobuf";
import { Metadata, type StatusObject } from "@grpc/grpc-js";
import { Code } from "../errors.js";
import { excerpt } from "../excerpt.js";
import { firstEvent } from "../internal/streams.js";
import { CANCELLED, CallState, type ServerSurfaceCall } from "../server/call-state.js";
import { boundHandlerOf } from "../server/create-server.js";
import { type BoundHandler, checkResponse, invoker } from "../server/method-handlers.js";
import type { Server } from "../server/server.js";
import { INTERNAL_MESSAGE } from "../server/unexpected.js";
import type { AuthContext, MethodSpec, ServiceSpec } from "../service.js";
import type { HttpBinding } from "./binding.js";
import { requestOf } from "./request.js";
import { httpStatusOf, statusJson } from "./status.js";
import { matchTemplate, type PathTemplate, parseTemplate } from "./template.js";

/** Options of {@link httpHandler} and {@link serveHttp}. */
export interface HttpGatewayOptions {
  /**
   * Write responses with the .proto's field names (`user_id`) instead of
   * their JSON names (`userId`). Requests accept both. Default: false.
   */
  useProtoFieldNames?: boolean | undefined;
  /**
   * The largest request body accepted, in bytes; a larger one answers 413.
   * Default: 4 MiB, the gRPC server's default receive limit.
   */
  maxRequestBytes?: number | undefined;
  /** The registry for `google.protobuf.Any` fields in requests and responses. */
  registry?: Registry | undefined;
}

/** The default of {@link HttpGatewayOptions.maxRequestBytes}. */
export const DEFAULT_MAX_HTTP_REQUEST_BYTES = 4 * 1024 * 1024;

/** A request as node:http and node:http2's compatibility API hand it over. */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
/** A response as node:http and node:http2's compatibility API hand it over. */
export type HttpResponse = ServerResponse | Http2ServerResponse;

/**
 * A handler of Node's `(req, res)` signature: pass it to `http.createServer`,
 * `http2.createServer` (or `createSecureServer`), or use it as Express or
 * Fastify (`@fastify/middie`) middleware, where a request no binding matches
 * goes to `next`; without `next` it answers 404.
 */
export type HttpHandler = (req: HttpRequest, res: HttpResponse, next?: (error?: unknown) => void) => void;

interface Route {
  readonly template: PathTemplate;
  readonly binding: HttpBinding;
  readonly service: ServiceSpec;
  readonly method: MethodSpec;
}

/*
 * Request metadata an HTTP request carries over to the call: the credentials
 * and trace context interceptors read, and, as grpc-gateway does, any header
 * `Grpc-Metadata-<key>` as `<key>`. Other HTTP headers (cookies, hosts,
 * proxies') stay out of the call.
 */
const FORWARDED_HEADERS = new Set(["authorization", "traceparent", "tracestate", "x-request-id"]);
const METADATA_PREFIX = "grpc-metadata-";

/**
 * Serves the `google.api.http` bindings of the services added to `server`
 * as HTTP/JSON: each call runs through the method's full chain, exactly as a
 * gRPC call does (the server's interceptors, then auth, validation and read
 * masks, then the handler), with `Authorization` as its credentials. Errors
 * answer the HTTP status grpc-gateway maps their code to, with a
 * `google.rpc.Status` JSON body; server streams answer newline-delimited
 * JSON; client and bidi streams answer 501. See docs/http.md.
 *
 * Services added to `server` later are served too.
 */
export function httpHandler(server: Server, options: HttpGatewayOptions = {}): HttpHandler {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_HTTP_REQUEST_BYTES;
  const json = { useProtoFieldName: options.useProtoFieldNames === true, registry: options.registry };
  let routes = new Map<string, Route[]>();
  let known = -1;
  const routesOf = (verb: string): Route[] | undefined => {
    if (known !== server.services.length) {
      routes = routeTable(server.services);
      known = server.services.length;
    }
    return routes.get(verb);
  };
  return (req, res, next) => {
    // Split by hand: WHATWG URL parsing costs more than the rest of the routing.
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const pathname = q === -1 ? target : target.slice(0, q);
    let match: { route: Route; bindings: NonNullable<ReturnType<typeof matchTemplate>> } | undefined;
    for (const route of routesOf(req.method ?? "GET") ?? []) {
      const bindings = matchTemplate(route.template, pathname);
      if (bindings !== undefined) {
        match = { route, bindings };
        break;
      }
    }
    if (match === undefined) {
      if (next !== undefined) {
        next();
        return;
      }
      drain(req, res, maxRequestBytes);
      sendStatus(res, {
        code: Code.NOT_FOUND,
        details: `no binding for ${excerpt(req.method ?? "GET", 16)} ${excerpt(pathname, 200)}`,
        metadata: new Metadata(),
      });
      return;
    }
    const { route, bindings } = match;
    const bound = boundHandlerOf(server, route.method.path);
    const kind = route.method.kind;
    if (bound === undefined || kind === "client_streaming" || kind === "bidi_streaming") {
      drain(req, res, maxRequestBytes);
      const why =
        bound === undefined
          ? `${route.method.path} is not implemented`
          : `${route.method.path} streams its requests, which HTTP/JSON does not carry`;
      sendStatus(res, { code: Code.UNIMPLEMENTED, details: why, metadata: new Metadata() });
      return;
    }
    const query = new URLSearchParams(q === -1 ? "" : target.slice(q + 1));
    serveCall(bound, route, bindings, query, req, res, maxRequestBytes, json, options.registry).catch(() => {
      // serveCall answers every error of the call itself; this is a failure of the answer (a socket
      // torn down mid-write): nothing is left to tell the client.
      if (!res.headersSent) {
        sendStatus(res, { code: Code.INTERNAL, details: INTERNAL_MESSAGE, metadata: new Metadata() });
      }
    });
  };
}

function routeTable(services: readonly ServiceSpec[]): Map<string, Route[]> {
  const table = new Map<string, Route[]>();
  for (const service of services) {
    for (const method of Object.values(service.methods)) {
      for (const binding of method.http ?? []) {
        const list = table.get(binding.method) ?? [];
        list.push({ template: parseTemplate(binding.path), binding, service, method });
        table.set(binding.method, list);
      }
    }
  }
  return table;
}

type JsonWriteOptions = { useProtoFieldName: boolean; registry: Registry | undefined };

async function serveCall(
  bound: BoundHandler,
  route: Route,
  bindings: NonNullable<ReturnType<typeof matchTemplate>>,
  query: URLSearchParams,
  req: HttpRequest,
  res: HttpResponse,
  maxRequestBytes: number,
  json: JsonWriteOptions,
  registry: Registry | undefined,
): Promise<void> {
  let body: JsonValue | undefined;
  if (route.binding.body !== undefined) {
    const read = await readBody(req, res, maxRequestBytes);
    if (typeof read !== "string") {
      sendStatus(res, read, read.code === Code.RESOURCE_EXHAUSTED ? 413 : undefined);
      return;
    }
    try {
      body = read === "" ? undefined : (JSON.parse(read) as JsonValue);
    } catch {
      sendStatus(res, {
        code: Code.INVALID_ARGUMENT,
        details: "the request body is not JSON",
        metadata: new Metadata(),
      });
      return;
    }
  } else {
    drain(req, res, maxRequestBytes);
  }
  const surface = new HttpSurfaceCall(req, res);
  const state = new CallState(bound.service, bound.method, surface, bound.inFlight, bound.report, bound.limits, {
    watch: true,
  });
  const { method } = route;
  const invoke = invoker(bound);
  let request: unknown;
  try {
    request = requestOf(method.input, route.binding, { body, path: bindings, query }, registry);
  } catch (error) {
    sendStatus(res, state.fail(error));
    return;
  }
  if (method.kind === "server_streaming") {
    await streamResponses(state, res, route, invoke, request, json);
    return;
  }
  try {
    const response = await invoke(request, state.context);
    if (state.cancelled) return;
    const text = JSON.stringify(responseJson(method, route.binding, response, json));
    const trailer = state.finish();
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headersOf(trailer, "grpc-trailer-"),
    });
    res.end(text);
  } catch (error) {
    if (!state.cancelled) {
      sendStatus(res, state.fail(error));
    }
  }
}

/**
 * Writes each response as one line of JSON as the handler yields it, and
 * pulls the next only once the socket took the previous one (backpressure).
 * A client that goes away cancels the call: the handler's signal aborts and
 * its generator is closed. An error after the first line is sent as a last
 * line `{"error": Status}`, as grpc-gateway does; before it, as a status.
 */
async function streamResponses(
  state: CallState,
  res: HttpResponse,
  route: Route,
  invoke: ReturnType<typeof invoker>,
  request: unknown,
  json: JsonWriteOptions,
): Promise<void> {
  let iterator: AsyncIterator<unknown> | undefined;
  const stopWatching = state.whenCutShort(() => {
    void iterator?.return?.()?.catch(() => {});
  });
  let exhausted = false;
  try {
    const output = invoke(request, state.context);
    if (typeof output !== "object" || output === null || !(Symbol.asyncIterator in output)) {
      throw new TypeError(
        `the handler of ${route.method.path} must return an AsyncIterable, e.g. be an async generator function`,
      );
    }
    iterator = (output as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    for (;;) {
      if (state.cancelled) return;
      const result = await iterator.next();
      if (state.cancelled) return;
      if (result.done === true) {
        exhausted = true;
        break;
      }
      const line = `${JSON.stringify(responseJson(route.method, route.binding, result.value, json))}\n`;
      if (!res.headersSent) {
        res.writeHead(200, { "content-type": "application/x-ndjson" });
      }
      if (!(res as ServerResponse).write(line)) {
        if ((await state.race(firstEvent(res, ["drain", "close"]))) === CANCELLED) return;
      }
    }
    state.finish();
    if (!res.headersSent) {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
    }
    res.end();
  } catch (error) {
    if (state.cancelled) return;
    const status = state.fail(error);
    if (res.headersSent) {
      res.end(`${JSON.stringify({ error: statusJson(status) })}\n`);
    } else {
      sendStatus(res, status);
    }
  } finally {
    stopWatching();
    if (!exhausted) {
      void iterator?.return?.()?.catch(() => {});
    }
  }
}

/** The JSON of one response: the whole message, or its `response_body` field. */
function responseJson(method: MethodSpec, binding: HttpBinding, response: unknown, json: JsonWriteOptions): JsonValue {
  checkResponse(method, response);
  const schema: DescMessage = method.output;
  const message = isMessage(response, schema) ? response : create(schema, response as MessageInitShape<DescMessage>);
  const options = { useProtoFieldName: json.useProtoFieldName, ...(json.registry ? { registry: json.registry } : {}) };
  if (binding.responseBody === undefined) {
    return toJson(schema, message, options);
  }
  const field = schema.fields.find((f) => f.name === binding.responseBody);
  const whole = toJson(schema, message, { ...options, alwaysEmitImplicit: true }) as Record<string, JsonValue>;
  const key = field === undefined ? "" : json.useProtoFieldName ? field.name : field.jsonName;
  return whole[key] ?? null;
}

/** Answers a status: the HTTP status of its code, a google.rpc.Status JSON body, its trailers as headers. */
function sendStatus(res: HttpResponse, status: StatusObject, httpStatus = httpStatusOf(status.code)): void {
  if (res.headersSent || res.writableEnded) {
    res.end();
    return;
  }
  const body = JSON.stringify(statusJson(status));
  res.writeHead(httpStatus, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headersOf(status.metadata, "grpc-trailer-"),
  });
  res.end(body);
}

/** Metadata as HTTP headers with a prefix; binary values in base64. grpc-status-details-bin goes in the body instead. */
function headersOf(metadata: Metadata | undefined, prefix: string): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  if (metadata === undefined) return headers;
  for (const [key, values] of Object.entries(metadata.toHttp2Headers())) {
    if (key === "grpc-status-details-bin" || values === undefined) continue;
    const list = Array.isArray(values) ? values : [values];
    headers[`${prefix}${key}`] = list.map((v) => String(v));
  }
  return headers;
}

/**
 * Reads the request body as text, up to `limit` bytes. Past the limit, the
 * request is cut off once the answer is written: a client that keeps sending
 * is not read for ever.
 */
function readBody(req: HttpRequest, res: HttpResponse, limit: number): Promise<string | StatusObject> {
  const tooLarge = (): StatusObject => {
    res.once("finish", () => req.destroy());
    return {
      code: Code.RESOURCE_EXHAUSTED,
      details: `the request body is larger than ${limit} bytes`,
      metadata: new Metadata(),
    };
  };
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve(tooLarge());
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const settle = (value: string | StatusObject): void => {
      if (!done) {
        done = true;
        resolve(value);
      }
    };
    const gone = (): void =>
      settle({ code: Code.CANCELLED, details: "the request body did not arrive", metadata: new Metadata() });
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        settle(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => settle(Buffer.concat(chunks).toString("utf8")));
    req.on("error", gone);
    // A client that goes away mid-body may end the request with neither 'end' nor 'error'.
    req.on("close", gone);
  });
}

/**
 * Reads and drops a body nobody needs, so that the connection can carry its
 * next request; past `limit` bytes, the request is cut off once the answer
 * is written.
 */
function drain(req: HttpRequest, res: HttpResponse, limit: number): void {
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      req.pause();
      if (res.writableFinished) req.destroy();
      else res.once("finish", () => req.destroy());
    }
  });
  req.resume();
}

/**
 * An HTTP exchange as the call state sees a grpc-js call: its metadata, peer
 * and connection security, and its cancellation when the client goes away
 * before the answer is written.
 */
class HttpSurfaceCall implements ServerSurfaceCall {
  readonly metadata: Metadata;
  /** Closed before the answer was written: the client went away. */
  private cut = false;
  private onCancelled: (() => void) | undefined;

  constructor(
    private readonly req: HttpRequest,
    private readonly res: HttpResponse,
  ) {
    this.metadata = metadataOf(req);
    // One listener per exchange: 'close' comes after 'finish' when the answer was written.
    res.once("close", () => {
      if (!res.writableFinished) {
        this.cut = true;
        this.onCancelled?.();
      }
    });
  }

  get cancelled(): boolean {
    return this.cut;
  }

  getPeer(): string {
    const { remoteAddress, remotePort } = this.req.socket;
    return `${remoteAddress ?? "unknown"}:${remotePort ?? 0}`;
  }

  getAuthContext(): AuthContext {
    const socket = this.req.socket;
    if (!(socket instanceof TLSSocket)) return {};
    const certificate = socket.authorized ? socket.getPeerCertificate() : undefined;
    return {
      transportSecurityType: "ssl",
      ...(certificate !== undefined && Object.keys(certificate).length > 0 ? { sslPeerCertificate: certificate } : {}),
    };
  }

  getDeadline(): number {
    return Number.POSITIVE_INFINITY;
  }

  sendMetadata(metadata: Metadata): void {
    if (this.res.headersSent) return;
    for (const [key, values] of Object.entries(headersOf(metadata, METADATA_PREFIX))) {
      this.res.setHeader(key, values);
    }
  }

  on(_event: "cancelled", listener: () => void): this {
    // CallState listens once per call.
    this.onCancelled = listener;
    return this;
  }
}

function metadataOf(req: HttpRequest): Metadata {
  const metadata = new Metadata();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const key = name.startsWith(METADATA_PREFIX)
      ? name.slice(METADATA_PREFIX.length)
      : FORWARDED_HEADERS.has(name)
        ? name
        : undefined;
    if (key === undefined || key === "" || key.startsWith("grpc-")) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      try {
        metadata.add(key, key.endsWith("-bin") ? Buffer.from(v, "base64") : v);
      } catch {
        // Not a valid metadata key or value: the call goes on without it.
      }
    }
  }
  return metadata;
}

/** A listener {@link serveHttp} started. */
export interface HttpListener {
  /** The port it listens on. */
  readonly port: number;
  /** Stops accepting connections; resolves once the open ones are closed. */
  close(): Promise<void>;
}

/** Options of {@link serveHttp}: the gateway's, and the protocol. */
export interface ServeHttpOptions extends HttpGatewayOptions {
  /** Serve cleartext HTTP/2 (h2c) instead of HTTP/1.1. Default: false. */
  http2?: boolean | undefined;
}

/**
 * Listens on `address` (`host:port`; port 0 picks a free one) and serves
 * the HTTP/JSON bindings of `server` with {@link httpHandler}, on its own
 * port beside the gRPC one. Close it before (or with) `server.shutdown()`.
 *
 * @example
 * const http = await serveHttp(server, "127.0.0.1:8080");
 */
export async function serveHttp(
  server: Server,
  address: string,
  options: ServeHttpOptions = {},
): Promise<HttpListener> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(colon + 1));
  if (colon === -1 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`serveHttp expects host:port, e.g. 127.0.0.1:8080, not ${JSON.stringify(address)}`);
  }
  const handler = httpHandler(server, options);
  const sessions = new Set<Http2Session>();
  const listener =
    options.http2 === true
      ? createHttp2Server((req, res) => handler(req, res)).on("session", (session: Http2Session) => {
          sessions.add(session);
          session.once("close", () => sessions.delete(session));
        })
      : createHttp1Server((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  return {
    port: (listener.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        // Idle connections would hold the listener open: HTTP/1.1 keep-alive, HTTP/2 sessions.
        if ("closeIdleConnections" in listener) {
          listener.closeIdleConnections();
        }
        for (const session of sessions) {
          session.close();
        }
      }),
  };
}
