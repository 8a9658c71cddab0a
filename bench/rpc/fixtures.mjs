// The messages of the RPC suites, as plain objects (protobuf-es init shapes,
// which are also what @grpc/proto-loader takes with its usual options). All
// variants send the same bytes. The service is ecommerce.v1.UserService of
// proto/ecommerce/v1/user.proto:
//
//   GetUser        unary: GetUserRequest -> GetUserResponse { user: USER }     (~140 bytes)
//   ListUsers      server streaming: { user: SMALL_USER } messages (~60 bytes each), as many as
//                  the request's filter says (page_size is at most 100 by the schema's rules):
//                  listFilter(count, large); count 0: until cancelled; large: LARGE_USER (~1 KB each)
//   CreateUsers    client streaming: CREATE_REQUEST each (~50 bytes) -> an empty response
//   ChatWithUsers  bidi: each CHAT_REQUEST echoed back as it comes

export const USER_ID = "u-0123456789";

export const USER = {
  userId: USER_ID,
  email: "ada.lovelace@example.com",
  displayName: "Ada Lovelace",
  profile: { firstName: "Ada", lastName: "Lovelace", avatarUrl: "https://example.com/a/ada.png" },
  metadata: { source: "newsletter", tier: "gold" },
  roles: ["admin", "buyer"],
};

export const SMALL_USER = { userId: USER_ID, email: "ada.lovelace@example.com", displayName: "Ada Lovelace" };

export const LARGE_USER = { ...SMALL_USER, displayName: "Ada Lovelace ".repeat(80) };

export const GET_REQUEST = { userId: USER_ID };

export const CREATE_REQUEST = { user: { email: "grace.hopper@example.com", displayName: "Grace Hopper" } };

export const CHAT_REQUEST = { userId: USER_ID, message: "ping from the bench" };

/** ListUsers' count for "until cancelled". */
export const ENDLESS = 0;

/**
 * The user of the `i`-th message of an endless ListUsers stream (the memory
 * suite's slow readers): a copy with a display name of its own, as a real
 * server's messages each carry their own data. A stream that wrote one
 * prebuilt message over and over would compare unlike things: plain grpc-js
 * encodes when it flushes, so its stream buffers would hold references to one
 * object (nothing), where grpckit encodes as the handler yields and holds the
 * bytes (bench/README.md, finding 4).
 */
export function endlessUser(large, i) {
  const base = large ? LARGE_USER : SMALL_USER;
  // Through a Buffer: a flat string of its own, not a rope over the shared one.
  return { ...base, displayName: Buffer.from(`${base.displayName} ${i}`, "latin1").toString("latin1") };
}

/** The ListUsers filter that asks the bench servers for `count` messages (0: without end). */
export function listFilter(count, large) {
  return `bench count=${count}${large ? " large" : ""}`;
}

/** What a bench server reads from a ListUsers filter: { total, large }. */
export function parseListFilter(filter) {
  const count = Number(/count=(\d+)/.exec(filter)?.[1] ?? 0);
  return { total: count > 0 ? count : Number.POSITIVE_INFINITY, large: filter.includes("large") };
}

export const paths = {
  getUser: "/ecommerce.v1.UserService/GetUser",
  listUsers: "/ecommerce.v1.UserService/ListUsers",
  createUsers: "/ecommerce.v1.UserService/CreateUsers",
  chatWithUsers: "/ecommerce.v1.UserService/ChatWithUsers",
};
