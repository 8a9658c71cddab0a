/*
 * The context some blocks of docs/*.md rely on without showing it: values
 * declared, not defined (a block is type-checked, never run). Each entry
 * applies to the first block of its page that contains `contains`. Blocks
 * import generated code from `./gen/...`: generated-example/.
 */

/** A prelude for the blocks of a page that contain `contains`. */
export interface Prelude {
  readonly contains: string;
  readonly prelude: string;
}

/** Modules the blocks import that this repository does not install (pino: any logger with these methods fits). */
export const ambient = `
declare module "pino" {
  type Log = (fields: object, message?: string) => void;
  export default function pino(): { debug: Log; info: Log; warn: Log; error: Log };
}
`;

const user = `import { UserService } from "./gen/ecommerce/v1/user_grpckit.js";`;
const order = `import { OrderService } from "./gen/ecommerce/v1/order_grpckit.js";`;
const jwtOptions = `import type { JwtOptions } from "grpckit";\ndeclare const jwtOptions: JwtOptions;`;
const server = `import type { Server } from "grpckit";\ndeclare const server: Server;`;
const logger = `import type { Logger } from "grpckit";\ndeclare const logger: Logger;`;

export const preludes: Record<string, readonly Prelude[]> = {
  "auth.md": [
    {
      contains: "auth: jwt({ jwks,",
      prelude: `import type { JSONWebKeySet } from "jose";
import type { Principal } from "grpckit";
import type { User } from "./gen/ecommerce/v1/user_pb.js";
${user}
declare const jwks: JSONWebKeySet;
declare const store: { get(userId: string, caller: Principal | undefined): Promise<User | undefined> };`,
    },
    {
      contains: "rules not enforced, on purpose",
      prelude: `import { anyOf, createServer, jwt, mtls, ServerReflection, ServerReflectionV1alpha } from "grpckit";
import pino from "pino";
${jwtOptions}`,
    },
    {
      contains: "order.userId !== caller.subject",
      prelude: `import type { Order } from "./gen/ecommerce/v1/order_pb.js";
${order}
${server}
declare const orders: { get(orderId: string, signal: AbortSignal): Promise<Order | undefined> };`,
    },
    {
      contains: "requirePrincipal(ctx)",
      prelude: `import type { ServerContext } from "grpckit";\ndeclare const ctx: ServerContext;`,
    },
    {
      contains: "jwks: () => keySet",
      prelude: `import type { JSONWebKeySet } from "jose";\nimport { jwt } from "grpckit";\ndeclare const keySet: JSONWebKeySet;`,
    },
    {
      contains: "allOf(mtls(), jwt(jwtOptions))",
      prelude: `import { allOf, anyOf, jwt, mtls } from "grpckit";\n${jwtOptions}`,
    },
    {
      contains: "const apiKeys: Authenticator",
      prelude: `import { type Authenticator, AuthFailure } from "grpckit";
declare const keys: Map<string, { id: string; roles: string[] }>;`,
    },
    {
      contains: "idp.clientCredentials()",
      prelude: `import { readFileSync } from "node:fs";
import { createClient } from "grpckit";
${user}
declare const idp: { clientCredentials(): Promise<{ accessToken: string }> };`,
    },
    {
      contains: "allowInsecureToken: true",
      prelude: `import { bearerToken, createClient } from "grpckit";\n${user}\ndeclare const token: string;`,
    },
  ],
  "clients.md": [
    {
      contains: "outlier_detection",
      prelude: `import { createPool } from "grpckit";\ndeclare const addresses: string[];`,
    },
    {
      contains: "as const satisfies ServiceSpec",
      prelude: `import type { ServiceSpec } from "grpckit";
import { OrderService as OrderService$1, GetOrderRequestSchema, GetOrderResponseSchema } from "./gen/ecommerce/v1/order_pb.js";`,
    },
    {
      contains: "Node's root certificates",
      prelude: `import { readFileSync } from "node:fs";\nimport { createPool } from "grpckit";\ndeclare const addresses: string[];`,
    },
  ],
  "deploy.md": [
    {
      contains: 'process.once("SIGTERM", stop)',
      prelude: `import type { UserServiceHandlers } from "./gen/ecommerce/v1/user_grpckit.js";\ndeclare const userHandlers: UserServiceHandlers;`,
    },
  ],
  "field-masks.md": [
    {
      contains: "applyUserUpdateMask(current, patch, updateMask)",
      prelude: `import type { UserServiceClient } from "./gen/ecommerce/v1/user_grpckit.js";
declare const store: {
  get(userId: string): Promise<import("./gen/ecommerce/v1/user_pb.js").User | undefined>;
  put(user: import("./gen/ecommerce/v1/user_pb.js").User): Promise<import("./gen/ecommerce/v1/user_pb.js").User>;
};
declare const users: UserServiceClient;`,
    },
  ],
  "interceptors.md": [
    {
      contains: "serverMetrics({ registry }), serverLogging({ logger })",
      prelude: `import type { Registry } from "prom-client";\n${logger}\ndeclare const registry: Registry;`,
    },
    { contains: "const countResponses", prelude: `import type { ServerInterceptor } from "grpckit";` },
    { contains: "const slowCalls", prelude: `import { observingServerInterceptor } from "grpckit";\n${logger}` },
    {
      contains: "selector(rateLimit",
      prelude: `import { createServer, serverLogging, type ServerInterceptor } from "grpckit";
${logger}
declare const rateLimit: ServerInterceptor;
declare const audit: ServerInterceptor;`,
    },
    {
      contains: "const kTenant",
      prelude: `import type { ServerContext, ServerInterceptor } from "grpckit";\ndeclare const context: ServerContext;`,
    },
    {
      contains: "{ parent: ctx }",
      prelude: `import { GatewayService } from "./gen/ecommerce/v1/gateway_grpckit.js";
import type { OrderServiceClient } from "./gen/ecommerce/v1/order_grpckit.js";
${server}
declare const orders: OrderServiceClient;`,
    },
    {
      contains: "sentry.captureException",
      prelude: `import { Code, RpcError, recovery } from "grpckit";
declare const sentry: { captureException(error: unknown, context: { tags: Record<string, string> }): void };
declare class PoolTimeout extends Error {}`,
    },
    { contains: "serverLogging({ logger: pino() })", prelude: `import { serverLogging } from "grpckit";` },
    { contains: "serveMetrics(registry", prelude: `import { createServer, recovery } from "grpckit";` },
    {
      contains: "NodeTracerProvider",
      prelude: `import { createClient, createServer, recovery } from "grpckit";\n${order}\ndeclare const address: string;`,
    },
  ],
  "http.md": [
    {
      contains: "serveHttp(server,",
      prelude: `import type { JSONWebKeySet } from "jose";
import type { ProductServiceHandlers } from "./gen/ecommerce/v1/product_grpckit.js";
import { ProductService } from "./gen/ecommerce/v1/product_grpckit.js";
declare const jwks: JSONWebKeySet;
declare const issuer: string;
declare const audience: string;
declare const handlers: ProductServiceHandlers;`,
    },
    {
      contains: "app.use(httpHandler(server))",
      prelude: `${server}
declare const app: { use(handler: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, next: () => void) => void): void };`,
    },
  ],
  "operations.md": [
    {
      contains: 'db.on("disconnect"',
      prelude: `import type { EventEmitter } from "node:events";\n${server}\ndeclare const db: EventEmitter;`,
    },
    { contains: "server.health?.shutdown()", prelude: server },
    {
      contains: "bigBatch",
      prelude: `import { createClient } from "grpckit";
import type { CreateUsersRequest } from "./gen/ecommerce/v1/user_pb.js";
${user}
declare const address: string;
declare const bigBatch: CreateUsersRequest[];`,
    },
  ],
  "scaffold.md": [
    {
      contains: "grpckit: unimplemented",
      prelude: `import type { ServerContext } from "grpckit";
import type { UserServiceHandlers } from "./gen/ecommerce/v1/user_grpckit.js";
import type { GetUserRequest, User } from "./gen/ecommerce/v1/user_pb.js";
declare const accounts: { find(userId: string, signal: AbortSignal): Promise<User | undefined> };`,
    },
  ],
  "validation.md": [
    {
      contains: "form.setError",
      prelude: `import { RpcError } from "grpckit";
import type { OrderServiceClient } from "./gen/ecommerce/v1/order_grpckit.js";
import type { CreateOrderRequest } from "./gen/ecommerce/v1/order_pb.js";
declare const orders: OrderServiceClient;
declare const request: CreateOrderRequest;
declare const form: { setError(field: string, message: string): void };`,
    },
    {
      contains: "interceptors: [clientValidation()]",
      prelude: `import { clientValidation, createClient } from "grpckit";\n${order}\ndeclare const address: string;`,
    },
    {
      contains: "validate(CreateOrderRequestValidator",
      prelude: `import { CreateOrderRequestSchema, type CreateOrderRequest } from "./gen/ecommerce/v1/order_pb.js";
import { CreateOrderRequestValidator } from "./gen/ecommerce/v1/order_validate.js";
declare const message: CreateOrderRequest;`,
    },
  ],
};
