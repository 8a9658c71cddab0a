// node bench/rpc/server-process.mjs <variant> <root> <example URL>: serves the
// variant's UserService on 127.0.0.1 (a free port), reports { port }, and
// answers "cpu" and "memory" requests. Started by the RPC suites (bench/rpc/ipc.mjs).

import { runtimeUrl } from "../lib/snapshot.mjs";
import { answerRequests, cpu, memory } from "./ipc.mjs";
import { variant } from "./variants.mjs";

const [id, root, example] = process.argv.slice(2);
const v = variant(id);
const impl = await import(`./impl/${v.impl}.mjs`);
const runtime = v.runtime ?? runtimeUrl(root);
const serverOptions = (await v.serverOptions?.(await import(runtime), runtime)) ?? {};
const server = await impl.serve({ root, example, serverOptions, runtime, schemaRules: v.schemaRules });
answerRequests({ cpu, memory }, { port: server.port });
