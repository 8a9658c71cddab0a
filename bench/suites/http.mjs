// http: HTTP/JSON requests per second through grpckit's gateway (serveHttp)
// against the same handler over gRPC, and against a hand-written node:http
// route doing the same decode and encode (path → request with protobuf-es's
// fromJson, response → toJson), side by side in one run. The service is the
// shelf service of test/golden/http (GetBook: GET /v1/books/{name}), without
// auth or interceptors on either side; the clients run in this process, on
// 127.0.0.1, with keep-alive. Goal (issue 21): gateway ≥ 0.9× the route.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, createServer as createHttpServer, request } from "node:http";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { build } from "esbuild";
import { runtimeDir, runtimeUrl } from "../lib/snapshot.mjs";

/** Compiles the shelf service's generated code against the bench's copy of the runtime. */
async function buildShelf(root) {
  const out = join(root, "bench/.build/http/shelf.mjs");
  mkdirSync(dirname(out), { recursive: true });
  await build({
    entryPoints: [join(root, "test/golden/http/gen/shelf/v1/shelf_grpckit.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile: out,
    external: ["@bufbuild/*", "grpckit/codegen", "zod"],
    logLevel: "error",
  });
  const codegen = relative(dirname(out), join(runtimeDir(root), "codegen.js"));
  writeFileSync(out, readFileSync(out, "utf8").replaceAll('from "grpckit/codegen"', `from "./${codegen}"`));
  return pathToFileURL(out).href;
}

/** Requests/s of GET `path` on `port` with `concurrency` requests in flight, for `ms`. */
function loadHttp(port, path, concurrency, ms) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let done = 0;
  const end = Date.now() + ms;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}: ${body}`));
          else resolve(body);
        });
      });
      req.on("error", reject);
      req.end();
    });
  const worker = async () => {
    while (Date.now() < end) {
      await one();
      done++;
    }
  };
  const started = performance.now();
  return Promise.all(Array.from({ length: concurrency }, worker)).then(() => {
    agent.destroy();
    return done / ((performance.now() - started) / 1000);
  });
}

async function loadGrpc(client, concurrency, ms) {
  let done = 0;
  const end = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < end) {
      await client.getBook({ name: "shelves/s1/books/b1" });
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

export async function run({ root, rows, progress, quick }) {
  const grpckit = await import(runtimeUrl(root));
  const { ShelfService } = await import(await buildShelf(root));
  const { input: GetBookRequestSchema, output: BookSchema } = ShelfService.methods.getBook;
  const book = create(BookSchema, { name: "", title: "Dune", pages: 412n });
  // The one handler both servers call.
  const getBook = (req) => ({ ...book, name: req.name });

  const server = grpckit.createServer({ auth: false });
  server.add(ShelfService, { getBook });
  const grpcPort = await server.listen("127.0.0.1:0");
  const gateway = await grpckit.serveHttp(server, "127.0.0.1:0");

  // The hand-written route: what a team writes beside its gRPC server.
  const route = createHttpServer((req, res) => {
    const match = /^\/v1\/books\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method !== "GET" || match === null) {
      res.writeHead(404).end();
      return;
    }
    const request = fromJson(GetBookRequestSchema, { name: decodeURIComponent(match[1]) });
    const text = JSON.stringify(toJson(BookSchema, create(BookSchema, getBook(request))));
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise((resolve) => route.listen(0, "127.0.0.1", resolve));
  const routePort = route.address().port;
  const client = grpckit.createClient(ShelfService, `127.0.0.1:${grpcPort}`);

  const ms = quick ? 500 : 5_000;
  const rounds = quick ? 1 : 3;
  const results = { route: [], gateway: [], grpc: [] };
  for (const concurrency of [1, 10]) {
    for (const key of Object.keys(results)) results[key] = [];
    for (let round = 0; round < rounds; round++) {
      // Interleaved, so that a slow moment of the machine hits all three alike.
      progress(`c=${concurrency} round ${round + 1}/${rounds}: hand-written route`);
      results.route.push(await loadHttp(routePort, "/v1/books/b1", concurrency, ms));
      progress(`c=${concurrency} round ${round + 1}/${rounds}: gateway`);
      results.gateway.push(await loadHttp(gateway.port, "/v1/books/b1", concurrency, ms));
      progress(`c=${concurrency} round ${round + 1}/${rounds}: gRPC`);
      results.grpc.push(await loadGrpc(client, concurrency, ms));
    }
    const best = (values) => Math.max(...values);
    const base = `hand-written node:http route, c=${concurrency}`;
    rows.add({ name: base, value: best(results.route), unit: "req/s", better: "higher" });
    rows.add({
      name: `grpckit serveHttp gateway, c=${concurrency}`,
      value: best(results.gateway),
      unit: "req/s",
      better: "higher",
      baseline: base,
    });
    rows.add({
      name: `grpckit over gRPC, c=${concurrency}`,
      value: best(results.grpc),
      unit: "calls/s",
      better: "higher",
      baseline: base,
    });
  }
  grpckit.closeClient(client);
  await gateway.close();
  await new Promise((resolve) => route.close(resolve));
  await server.shutdown(1_000);
}
