import { request as httpRequest } from "node:http";
import { connect as http2Connect } from "node:http2";
import { create, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import {
  type Authenticator,
  AuthFailure,
  Code,
  type HandlersOf,
  type HttpListener,
  httpStatusOf,
  RpcError,
  type ServerInterceptor,
  serveHttp,
} from "grpckit";
import { describe, expect, it, onTestFinished } from "vitest";
import { ShelfService } from "../golden/http/gen/shelf/v1/shelf_grpckit.js";
import { type Book, BookSchema } from "../golden/http/gen/shelf/v1/shelf_pb.js";
import { serve } from "../support/serve.js";

/*
 * HTTP/JSON transcoding end to end: a real grpckit server with the shelf
 * service of test/golden/http, its bindings served by serveHttp on
 * 127.0.0.1, called with fetch and node:http(2).
 */

/** `Authorization: Bearer <subject>:<role>,<role>`; `Bearer bad` is a bad credential. */
const bearer: Authenticator = {
  name: "test",
  authenticate(context) {
    const [value] = context.metadata.get("authorization");
    if (typeof value !== "string") return undefined;
    const token = value.replace(/^Bearer /, "");
    if (token === "bad") throw new AuthFailure("bad token");
    const [subject = "", roles = ""] = token.split(":");
    return { subject, roles: roles === "" ? [] : roles.split(","), scopes: [], claims: {}, via: "test" };
  },
};

const book = (name: string, title = "T"): Book => create(BookSchema, { name, title, pages: 9007199254740993n });

interface Setup {
  readonly base: string;
  readonly seen: string[];
  readonly http: HttpListener;
  readonly events: string[];
}

async function setup(handlers: Partial<HandlersOf<typeof ShelfService>> = {}, http2 = false): Promise<Setup> {
  const seen: string[] = [];
  const events: string[] = [];
  const witness: ServerInterceptor = (next) => (call) => {
    seen.push(call.method.name);
    return next(call);
  };
  const all: Partial<HandlersOf<typeof ShelfService>> = {
    getBook: (req) => {
      if (req.name.endsWith("/missing")) throw new RpcError(Code.NOT_FOUND, `${req.name} not found`);
      return book(req.name);
    },
    listBooks: (req) => ({
      books: [book(`${req.parent}/books/${req.pageSize}`, req.tags.join("+"))],
      nextPageToken: "next",
    }),
    createBook: (req) => ({
      title: req.book?.title ?? "",
      pages: req.book?.pages ?? 0n,
      name: `${req.parent}/books/new`,
    }),
    updateBook: (req) => ({
      name: req.book?.name ?? "",
      title: `${req.book?.title} [${req.updateMask?.paths.join(",")}]`,
    }),
    deleteBook: () => ({}),
    moveBook: (req) => book(req.name, `${req.author?.id}->${req.targetShelf}`),
    listAll: (req) => ({ books: [book("a"), book(req.parent)] }),
    ...handlers,
  };
  const s = await serve(ShelfService, all, { auth: bearer, interceptors: [witness] });
  const http = await serveHttp(s.server, "127.0.0.1:0", { http2 });
  onTestFinished(() => http.close());
  return { base: `http://127.0.0.1:${http.port}`, seen, http, events };
}

const admin = { authorization: "Bearer ann:admin" };
const json = (body: unknown) => ({ "content-type": "application/json", body: JSON.stringify(body) });

describe("HTTP/JSON bindings", () => {
  it("GET with a multi-segment variable and an additional binding, public, int64 as a string", async () => {
    const { base, seen } = await setup();
    const res = await fetch(`${base}/v1/shelves/s1/books/b%202`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ name: "shelves/s1/books/b 2", title: "T", pages: "9007199254740993" });
    const other = await fetch(`${base}/v1/books/b3`);
    expect(await other.json()).toMatchObject({ name: "b3" });
    // The server's own interceptor saw both: the same chain as gRPC.
    expect(seen).toEqual(["GetBook", "GetBook"]);
  });

  it("prunes the response to a read_mask query parameter", async () => {
    const { base } = await setup();
    const res = await fetch(`${base}/v1/books/b1?read_mask=name,pages`);
    expect(await res.json()).toEqual({ name: "b1", pages: "9007199254740993" });
    const bad = await fetch(`${base}/v1/books/b1?read_mask=nope`);
    expect(bad.status).toBe(400);
  });

  it("maps query parameters, repeated and by JSON name, and needs a caller", async () => {
    const { base } = await setup();
    const anonymous = await fetch(`${base}/v1/shelves/s1/books?page_size=3`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: Code.UNAUTHENTICATED });
    const res = await fetch(`${base}/v1/shelves/s1/books?pageSize=3&tags=a&tags=b`, { headers: admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      books: [{ name: "shelves/s1/books/3", title: "a+b", pages: "9007199254740993" }],
      nextPageToken: "next",
    });
  });

  it("refuses an unknown query parameter and a value that does not fit its field", async () => {
    const { base } = await setup();
    for (const query of ["nope=1", "page_size=many", "page_size=99999999999"]) {
      const res = await fetch(`${base}/v1/shelves/s1/books?${query}`, { headers: admin });
      expect(res.status, query).toBe(400);
      expect(await res.json()).toMatchObject({ code: Code.INVALID_ARGUMENT });
    }
  });

  it("POST with a body field: validation answers 400 with BadRequest details", async () => {
    const { base } = await setup();
    const ok = await fetch(`${base}/v1/shelves/s1/books`, {
      method: "POST",
      headers: { ...admin, ...json({}) },
      body: JSON.stringify({ title: "Dune", pages: "412" }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: "shelves/s1/books/new", title: "Dune", pages: "412" });
    const bad = await fetch(`${base}/v1/shelves/s1/books`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ title: "" }),
    });
    expect(bad.status).toBe(400);
    const status = await bad.json();
    expect(status).toMatchObject({
      code: Code.INVALID_ARGUMENT,
      details: [
        {
          "@type": "type.googleapis.com/google.rpc.BadRequest",
          fieldViolations: [expect.objectContaining({ field: "book.title" })],
        },
      ],
    });
  });

  it("PATCH with the update_mask in the query, PUT with body *, the path winning over the body", async () => {
    const { base } = await setup();
    const patch = await fetch(`${base}/v1/shelves/s/books/b?update_mask=title`, {
      method: "PATCH",
      headers: admin,
      body: JSON.stringify({ name: "ignored", title: "New" }),
    });
    expect(await patch.json()).toEqual({ name: "shelves/s/books/b", title: "New [title]" });
    const put = await fetch(`${base}/v1/shelves/s/books/b`, {
      method: "PUT",
      headers: admin,
      body: JSON.stringify({ book: { title: "Whole" }, updateMask: "title,pages" }),
    });
    expect(await put.json()).toEqual({ name: "shelves/s/books/b", title: "Whole [title,pages]" });
  });

  it("a custom verb with body * and nested fields; a custom method with response_body", async () => {
    const { base } = await setup();
    const move = await fetch(`${base}/v1/shelves/s/books/b:move`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ author: { id: "a1" }, target_shelf: "t" }),
    });
    expect(await move.json()).toMatchObject({ name: "shelves/s/books/b", title: "a1->t" });
    const search = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${base}/v1/books/x/y`);
      const req = httpRequest(url, { method: "SEARCH", headers: admin }, (res) => {
        let body = "";
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(search.status).toBe(200);
    expect(JSON.parse(search.body)).toEqual([
      { name: "a", title: "T", pages: "9007199254740993" },
      { name: "x/y", title: "T", pages: "9007199254740993" },
    ]);
  });

  it("checks roles: 403 without, 200 with; a bad credential is 401", async () => {
    const { base } = await setup();
    const url = `${base}/v1/shelves/s/books/b`;
    expect((await fetch(url, { method: "DELETE", headers: { authorization: "Bearer bob" } })).status).toBe(403);
    expect((await fetch(url, { method: "DELETE", headers: { authorization: "Bearer bad" } })).status).toBe(401);
    const ok = await fetch(url, { method: "DELETE", headers: admin });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
  });

  it("maps every gRPC code to grpc-gateway's HTTP status, with a google.rpc.Status body", async () => {
    const expected: Record<number, number> = {
      [Code.CANCELLED]: 499,
      [Code.UNKNOWN]: 500,
      [Code.INVALID_ARGUMENT]: 400,
      [Code.DEADLINE_EXCEEDED]: 504,
      [Code.NOT_FOUND]: 404,
      [Code.ALREADY_EXISTS]: 409,
      [Code.PERMISSION_DENIED]: 403,
      [Code.UNAUTHENTICATED]: 401,
      [Code.RESOURCE_EXHAUSTED]: 429,
      [Code.FAILED_PRECONDITION]: 400,
      [Code.ABORTED]: 409,
      [Code.OUT_OF_RANGE]: 400,
      [Code.UNIMPLEMENTED]: 501,
      [Code.INTERNAL]: 500,
      [Code.UNAVAILABLE]: 503,
      [Code.DATA_LOSS]: 500,
    };
    const { base } = await setup({
      getBook: (req) => {
        throw new RpcError(Number(req.name), `failed with ${req.name}`);
      },
    });
    for (const [code, status] of Object.entries(expected)) {
      expect(httpStatusOf(Number(code))).toBe(status);
      const res = await fetch(`${base}/v1/books/${code}`);
      expect(res.status, `code ${code}`).toBe(status);
      expect(await res.json()).toEqual({ code: Number(code), message: `failed with ${code}`, details: [] });
    }
  });

  it("bounds an error's message as gRPC does (the server's maxStatusMessageBytes)", async () => {
    const { base } = await setup({
      getBook: () => {
        throw new RpcError(Code.NOT_FOUND, `no book ${"é".repeat(100_000)}`);
      },
    });
    const res = await fetch(`${base}/v1/books/b`);
    expect(res.status).toBe(404);
    const { message } = (await res.json()) as { message: string };
    expect(message.startsWith("no book é")).toBe(true);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
  });

  it("answers INTERNAL without the message of an unexpected error, and keeps serving", async () => {
    const { base } = await setup({
      getBook: () => {
        throw new Error("secret detail");
      },
    });
    const res = await fetch(`${base}/v1/books/b`);
    expect(res.status).toBe(500);
    expect(JSON.stringify(await res.json())).not.toContain("secret");
    expect((await fetch(`${base}/v1/books/b`)).status).toBe(500);
  });

  it("answers 404 for no binding, 501 for a stream of requests, 400 for bad JSON, 413 for a large body", async () => {
    const { base, http } = await setup();
    expect((await fetch(`${base}/v2/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/v1/books/b`, { method: "POST" })).status).toBe(404);
    // The path a caller sent is quoted as an excerpt, not whole (Node admits URLs up to ~16 KB).
    const long = await fetch(`${base}/v2/${"p".repeat(12_000)}`);
    expect(long.status).toBe(404);
    const { message } = (await long.json()) as { message: string };
    expect(message).toMatch(/^no binding for GET \/v2\/p+… \(truncated: 12004 characters\)$/);
    expect(message.length).toBeLessThan(260);
    const stream = await fetch(`${base}/v1/books:import`, { method: "POST", headers: admin, body: "{}" });
    expect(stream.status).toBe(501);
    expect(await stream.json()).toMatchObject({ code: Code.UNIMPLEMENTED });
    const notJson = await fetch(`${base}/v1/shelves/s/books`, { method: "POST", headers: admin, body: "{" });
    expect(notJson.status).toBe(400);
    const notObject = await fetch(`${base}/v1/shelves/s/books/b:move`, { method: "POST", headers: admin, body: "[]" });
    expect(notObject.status).toBe(400);
    const large = await fetch(`${base}/v1/shelves/s/books`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ title: "x".repeat(5 * 1024 * 1024) }),
    });
    expect(large.status).toBe(413);
    await http.close();
    // A second listener with a small limit: a chunked body (no content-length) is cut off too.
    const small = await setupSmall();
    const chunked = await fetch(`${small}/v1/shelves/s/books`, {
      method: "POST",
      headers: admin,
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"title":"${"y".repeat(200)}"}`));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("cuts off a client that keeps sending past the limit, to a binding or to no binding", async () => {
    const small = await setupSmall();
    for (const path of ["/v1/shelves/s/books", "/v2/nothing"]) {
      const outcome = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
        let sent = 0;
        let status = 0;
        const req = httpRequest(`${small}${path}`, { method: "POST", headers: admin });
        const chunk = Buffer.alloc(16 * 1024, 120);
        const pump = (): void => {
          // Bounded: a gateway that never cut the client off would fail here, not hang.
          while (sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) {
              req.once("drain", pump);
              return;
            }
          }
          reject(new Error(`${path}: 64 MiB sent and the gateway still reads`));
        };
        req.on("response", (res) => {
          status = res.statusCode ?? 0;
          res.resume();
        });
        req.on("close", () => resolve({ status, sent }));
        req.on("error", () => {});
        pump();
      });
      expect(outcome.status, path).toBe(path === "/v2/nothing" ? 404 : 413);
      expect(outcome.sent, path).toBeLessThan(64 * 1024 * 1024);
    }
  });

  it("writes proto field names when asked", async () => {
    const s = await serve(ShelfService, { listBooks: () => ({ nextPageToken: "n" }) }, { auth: false });
    const http = await serveHttp(s.server, "127.0.0.1:0", { useProtoFieldNames: true });
    onTestFinished(() => http.close());
    const res = await fetch(`http://127.0.0.1:${http.port}/v1/shelves/s/books`);
    expect(await res.json()).toEqual({ next_page_token: "n" });
  });

  it("serves HTTP/2 (h2c) too", async () => {
    const { http } = await setup({}, true);
    const session = http2Connect(`http://127.0.0.1:${http.port}`);
    onTestFinished(() => session.close());
    const body = await new Promise<string>((resolve, reject) => {
      const stream = session.request({ ":path": "/v1/books/h2" });
      let text = "";
      stream.on("data", (c) => {
        text += c;
      });
      stream.on("end", () => resolve(text));
      stream.on("error", reject);
    });
    expect(JSON.parse(body)).toMatchObject({ name: "h2" });
  });
});

async function setupSmall(): Promise<string> {
  const s = await serve(ShelfService, { createBook: (req) => req.book ?? {} }, { auth: false });
  const http = await serveHttp(s.server, "127.0.0.1:0", { maxRequestBytes: 100 });
  onTestFinished(() => http.close());
  return `http://127.0.0.1:${http.port}`;
}

describe("server streaming over HTTP", () => {
  it("streams newline-delimited JSON", async () => {
    const { base } = await setup({
      async *streamBooks(req) {
        for (let i = 0; i < 3; i++) yield book(`${req.parent}/books/${i}`);
      },
    });
    const res = await fetch(`${base}/v1/shelves/s/books:stream`, { headers: admin });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.name)).toEqual(["shelves/s/books/0", "shelves/s/books/1", "shelves/s/books/2"]);
  });

  it("ends with an error line when the handler fails after the first message", async () => {
    const { base } = await setup({
      async *streamBooks() {
        yield book("one");
        throw new RpcError(Code.ABORTED, "stopped");
      },
    });
    const res = await fetch(`${base}/v1/shelves/s/books:stream`, { headers: admin });
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { name: "one", title: "T", pages: "9007199254740993" },
      { error: { code: Code.ABORTED, message: "stopped", details: [] } },
    ]);
  });

  it("cancels the handler when the client goes away, and holds back a fast generator", async () => {
    let produced = 0;
    let aborted: (value: unknown) => void = () => {};
    const abortedReason = new Promise((resolve) => {
      aborted = resolve;
    });
    let closed = false;
    const { base } = await setup({
      async *streamBooks(_req, ctx) {
        ctx.signal.addEventListener("abort", () => aborted(ctx.signal.reason));
        try {
          for (;;) {
            produced++;
            yield book("x".repeat(1024));
          }
        } finally {
          closed = true;
        }
      },
    });
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/shelves/s/books:stream`, { headers: admin, signal: controller.signal });
    const reader = res.body?.getReader();
    await reader?.read();
    // The client reads one chunk and stops reading: the handler waits on backpressure.
    await new Promise((r) => setTimeout(r, 200));
    const early = produced;
    await new Promise((r) => setTimeout(r, 200));
    expect(produced).toBe(early);
    expect(produced).toBeLessThan(10_000);
    controller.abort();
    expect(await abortedReason).toMatchObject({ code: Code.CANCELLED });
    await expect.poll(() => closed).toBe(true);
  });
});

describe("JSON mapping", () => {
  it("turns any response into JSON that parses back to an equal message", async () => {
    let next: Book = book("");
    const { base } = await setup({ getBook: () => next });
    await fc.assert(
      fc.asyncProperty(
        fc.string(),
        fc.string(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        async (n, t, p) => {
          next = create(BookSchema, { name: n, title: t, pages: p });
          const res = await fetch(`${base}/v1/books/x`);
          const back = fromJson(BookSchema, (await res.json()) as JsonValue);
          expect(toJson(BookSchema, back)).toEqual(toJson(BookSchema, next));
          expect(back).toEqual(next);
        },
      ),
      { numRuns: 50 },
    );
  });
});
