// A user's application, for test/install/readme.test.ts: serves the
// generated NoteService and calls each of its methods, then prints what it
// saw as one line of JSON. It passes grpc-js objects of its own (credentials,
// Metadata) to grpckit and checks grpckit's with instanceof: with the peers
// installed once, they are the same classes.
import { credentials, Metadata } from "@grpc/grpc-js";
import { type Authenticator, Code, closeClient, createClient, createServer, fieldMask, RpcError } from "grpckit";
import { NoteService } from "./gen/acme/v1/notes_grpckit.js";
import type { Note } from "./gen/acme/v1/notes_pb.js";

// Callers that send "x-role: writer" are writers.
const header: Authenticator = {
  name: "header",
  authenticate(ctx) {
    const role = ctx.metadata.get("x-role")[0];
    return typeof role === "string"
      ? { subject: "someone", roles: [role], scopes: [], claims: {}, via: "header" }
      : undefined;
  },
};

const notes = new Map<string, Note>();
const server = createServer({ auth: header });
server.add(NoteService, {
  async getNote(req) {
    const note = notes.get(req.id);
    if (note === undefined) {
      throw new RpcError(Code.NOT_FOUND, `no note ${req.id}`, { metadata: { "x-missing": req.id } });
    }
    return { note };
  },
  async *listNotes() {
    yield* [...notes.values()].map((note) => ({ note }));
  },
  async createNotes(requests) {
    let count = 0;
    for await (const { note } of requests) {
      if (note !== undefined) {
        notes.set(note.id, note);
        count++;
      }
    }
    return { count };
  },
  async *chat(messages) {
    for await (const { text } of messages) yield { text: `echo: ${text}` };
  },
});
const port = await server.listen("127.0.0.1:0");
const client = createClient(NoteService, `127.0.0.1:${port}`, { credentials: credentials.createInsecure() });
const codeOf = (e: unknown) => (e instanceof RpcError ? Code[e.code] : String(e));
const results: Record<string, unknown> = {};

const writer = new Metadata();
writer.set("x-role", "writer");
const fresh = [
  { note: { id: "n1", title: "first", body: "one" } },
  { note: { id: "n2", title: "second", body: "two" } },
];
results.createdByAnyone = await client.createNotes(fresh).then(({ count }) => count, codeOf);
results.created = (await client.createNotes(fresh, { metadata: writer })).count;
const { note } = await client.getNote({ id: "n1", readMask: fieldMask<Note>("title") });
results.masked = { title: note?.title, body: note?.body };
results.invalid = await client.getNote({ id: "" }).then(() => "OK", codeOf);
results.missing = await client.getNote({ id: "n9" }).then(
  () => "OK",
  (e: unknown) => (e instanceof RpcError && e.metadata instanceof Metadata ? e.metadata.get("x-missing") : codeOf(e)),
);
results.listed = [];
for await (const { note } of client.listNotes({})) (results.listed as unknown[]).push(note?.id);
results.chat = [];
for await (const { text } of client.chat([{ text: "hi" }, { text: "bye" }])) (results.chat as unknown[]).push(text);
closeClient(client);
await server.shutdown(1_000);
console.log(JSON.stringify(results));
