import type { Client, ServiceError } from "@grpc/grpc-js";
import {
  type ChannelTransport,
  type ClientOf,
  type Code,
  createClient,
  createTransport,
  jwt,
  Metadata,
  RpcError,
  type ServiceSpec,
  type TransportOptions,
} from "grpckit";
import { expect, onTestFinished } from "vitest";
import { createMemoryStore } from "../../example/store/memory.js";
import type { Store } from "../../example/store/repositories.js";
import { failure, refusalLog } from "../auth/support/harness.js";
import { AUDIENCE, claims, ISSUER, type RsaKeys, rsaKeys, sign } from "../auth/support/tokens.js";
import { type Shop, seedOrder, serveShop } from "../example/harness.js";
import { within } from "../support/serve.js";

/*
 * The shared parts of the attack suite: a channel on which an attacker's
 * call and an honest call go side by side, raw calls that send bytes as
 * they are, a store that records every write, and the assertion each
 * attack ends with: refused with its code, the channel still serving, the
 * data as it was.
 */

/** The methods of the store's repositories that only read. Every other call is a write. */
const READS = new Set(["get", "scan", "search", "changes"]);

/** A store that records the writes that reach it. */
export interface WatchedStore {
  readonly store: Store;
  /** Each write so far, as `repository.method`, in order. */
  readonly writes: readonly string[];
}

/**
 * Wraps `store` so that every call of a method that writes (anything but
 * get, scan, search and changes) is recorded before it runs: an attack
 * changed no data if no write reached the store.
 */
export function watchStore(store: Store = createMemoryStore()): WatchedStore {
  const writes: string[] = [];
  const watch = <R extends object>(name: string, repository: R): R =>
    new Proxy(repository, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== "function" || typeof key !== "string" || READS.has(key)) {
          return typeof value === "function" ? value.bind(target) : value;
        }
        return (...args: unknown[]) => {
          writes.push(`${name}.${key}`);
          return value.apply(target, args);
        };
      },
    });
  return {
    store: {
      users: watch("users", store.users),
      products: watch("products", store.products),
      orders: watch("orders", store.orders),
    },
    writes,
  };
}

/** One grpc-js channel, shared by grpckit clients and raw calls, closed when the test ends. */
export interface AttackChannel {
  readonly transport: ChannelTransport;
  /** A grpckit client of `service` on this channel, sending `token` (if any) with each call. */
  client<S extends ServiceSpec>(service: S, token?: string): ClientOf<S>;
  /**
   * A unary call of `path` whose request is `bytes` as they are (the message
   * part of the frame: grpc-js adds the frame's header, and compresses if
   * the transport does). Resolves with the response's bytes; rejects with an
   * `RpcError` of the status the server sent.
   */
  raw(path: string, bytes: Uint8Array, metadata?: Metadata): Promise<Buffer>;
}

/** Opens a channel to `address` on 127.0.0.1 for an attack and what follows it. */
export function channelTo(address: string, options: TransportOptions = {}): AttackChannel {
  const transport = createTransport(address, options);
  onTestFinished(() => transport.close());
  // The transport's grpc-js client is its channel: raw calls go where the clients' calls go.
  const grpc: Client = transport.client;
  return {
    transport,
    client<S extends ServiceSpec>(service: S, token?: string) {
      return createClient(service, transport, token === undefined ? {} : { token, allowInsecureToken: true });
    },
    raw(path, bytes, metadata = new Metadata()) {
      return new Promise<Buffer>((resolve, reject) => {
        grpc.makeUnaryRequest(
          path,
          (request: Uint8Array) => Buffer.from(request),
          (response: Buffer) => response,
          bytes,
          metadata,
          {},
          (error: ServiceError | null, response?: Buffer) => {
            if (error !== null) {
              reject(new RpcError(error.code, error.details, { metadata: error.metadata }));
            } else {
              resolve(response ?? Buffer.alloc(0));
            }
          },
        );
      });
    },
  };
}

/**
 * Expects `honest` (a call on the channel the attack used) to succeed, and
 * returns what it resolved with: the attack left the channel, its
 * connection and the server serving.
 */
export async function expectStillServes<T>(honest: () => Promise<T>): Promise<T> {
  return within(honest(), "an honest call after the attack");
}

/** What an attack must leave behind. */
export interface Held {
  /** The status code the attack gets. */
  readonly code: Code;
  /** An honest call on the same channel, made after the attack: it must succeed. */
  readonly honest: () => Promise<unknown>;
  /** The store whose data must not change (no write may reach it). */
  readonly store?: WatchedStore | undefined;
  /** For attacks without a store: a check that the handler did not run, or that nothing changed. */
  readonly unchanged?: (() => void) | undefined;
}

/**
 * Runs `attack` and expects it to fail with `held.code`, the channel to
 * serve an honest call after it, and no data to have changed. Returns the
 * attack's error, for checks of its message.
 */
export async function expectHeld(attack: () => Promise<unknown>, held: Held): Promise<RpcError> {
  const writesBefore = held.store?.writes.length ?? 0;
  const error = await failure(within(attack(), "the answer to the attack"), held.code);
  expect(held.store?.writes.slice(writesBefore) ?? [], "writes that reached the store").toEqual([]);
  held.unchanged?.();
  await expectStillServes(held.honest);
  return error;
}

/**
 * The example's shop (its three services over one store, test/example/harness.ts)
 * behind an RS256 JWT authenticator, seeded with a user, two products and an
 * order; its store records writes.
 */
export interface ShopUnderAttack {
  readonly shop: Shop;
  readonly store: WatchedStore;
  readonly seed: Awaited<ReturnType<typeof seedOrder>>;
  /** The identity provider's keys: tokens signed with the private key pass. */
  readonly keys: RsaKeys;
  /** A valid token of an admin, who may call every method. */
  readonly adminToken: string;
  /** The refusals the servers logged (kept, not printed). */
  readonly log: ReturnType<typeof refusalLog>;
  /** A valid token of `subject` with `roles`. */
  tokenFor(subject: string, roles?: readonly string[]): Promise<string>;
}

/** Serves the shop of {@link ShopUnderAttack} until the test ends. */
export async function serveShopUnderAttack(): Promise<ShopUnderAttack> {
  const keys = await rsaKeys();
  const tokenFor = (subject: string, roles: readonly string[] = []) =>
    sign(claims(subject, { roles: [...roles] }), keys.privateKey);
  const adminToken = await tokenFor("test-admin", ["admin"]);
  const store = watchStore();
  const log = refusalLog();
  const authenticator = jwt({ publicKey: keys.publicPem, algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE });
  const shop = await serveShop(store.store, { auth: { authenticator, logger: log }, adminToken });
  const seed = await seedOrder(shop);
  return { shop, store, seed, keys, adminToken, log, tokenFor };
}
