import type { DescFile, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { safeIdentifier } from "@bufbuild/protoplugin";
import { type AuthRuleModel, serviceAuthModel } from "./auth-model.js";
import { type ServiceConfigModel, serviceClientModel } from "./client-model.js";
import { type HttpBindingModel, methodHttpModel } from "./http-model.js";
import { type MethodMasksModel, methodMasksModel } from "./mask-model.js";

/**
 * Method names that would change what the objects keyed by them are, beyond
 * the names protobuf-es already escapes (`constructor`, `toString`, `toJSON`,
 * `valueOf`): a `then` makes a client or a handler object thenable (an
 * `await` of it, or an async function returning it, never settles); a
 * `__proto__:` key in an object literal sets its prototype instead; and the
 * other members of Object.prototype are what TypeScript sees in every object
 * literal, so a handlers literal that leaves `hasOwnProperty` out would not
 * type-check, and a client's own `hasOwnProperty` would hide Object's.
 */
const unsafeMethodNames = new Set([
  "then",
  "__proto__",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
]);

/** Names an ES module may not declare, which protoplugin's safeIdentifier does not escape. */
const strictReserved = new Set(["await", "eval", "arguments"]);

/**
 * The property names of a service's methods in generated objects:
 * protobuf-es's local names (`getUser`, `constructor$`), with a `$` suffix
 * for `then` and the other members of Object.prototype (`hasOwnProperty$`,
 * `__proto__$`), and for a name an earlier method of the service
 * took (`rpc Foo` and `rpc foo` are both `foo` to protobuf-es).
 */
export function methodLocalNames(service: DescService): string[] {
  const taken = new Set<string>();
  return service.methods.map((method) => {
    let name = unsafeMethodNames.has(method.localName) ? `${method.localName}$` : method.localName;
    while (taken.has(name)) {
      name = `${name}$`;
    }
    taken.add(name);
    return name;
  });
}

/** The four method kinds, spelled as the runtime's `MethodKind`. */
export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

/** One RPC, as the templates need it. */
export interface MethodModel {
  readonly desc: DescMethod;
  /** The name in the .proto, e.g. `GetUser`. */
  readonly name: string;
  /** The property name in generated objects, e.g. `getUser` (`constructor$` for `Constructor`, `then$` for `Then`). */
  readonly localName: string;
  /** `/package.Service/Method`. */
  readonly path: string;
  readonly kind: MethodKind;
  readonly input: DescMessage;
  readonly output: DescMessage;
  readonly deprecated: boolean;
  /** The request message has a validator (it declares rules, or holds a message that does). */
  readonly validatesInput: boolean;
  /** Who may call: the method's auth rule, else its service's; undefined when neither declares one. */
  readonly auth: AuthRuleModel | undefined;
  /** The request's read and update masks; undefined when it has neither. */
  readonly masks: MethodMasksModel | undefined;
  /** The method's `google.api.http` bindings; undefined when it declares none. */
  readonly http: readonly HttpBindingModel[] | undefined;
}

/** The identifiers one service exports from its `_grpckit.ts` file. */
export interface ServiceNames {
  /** The method table passed to `createServer().add` and `createClient`. */
  readonly spec: string;
  readonly handlers: string;
  readonly client: string;
  /** The grpc-js `ServiceDefinition`. */
  readonly definition: string;
}

export interface ServiceModel {
  readonly desc: DescService;
  /** Fully-qualified name, e.g. `ecommerce.v1.UserService`. */
  readonly typeName: string;
  readonly names: ServiceNames;
  readonly methods: readonly MethodModel[];
  /** The service or one of its methods declares an auth rule (else the plugin warns). */
  readonly declaresAuthRules: boolean;
  /** The gRPC service config of its methods' client policies; undefined when none declares one. */
  readonly serviceConfig: ServiceConfigModel | undefined;
}

export interface FileModel {
  readonly file: DescFile;
  readonly services: readonly ServiceModel[];
}

const kindByMethodKind = {
  unary: "unary",
  server_streaming: "server_streaming",
  client_streaming: "client_streaming",
  bidi_streaming: "bidi_streaming",
} as const satisfies Record<DescMethod["methodKind"], MethodKind>;

/**
 * Builds the model of one .proto file: its services with their methods and
 * the names grpckit exports for them. Pure: descriptors in, data out.
 *
 * Exported names never collide within a file: a generated name that another
 * service of the file already took (service `Foo` exports `FooClient`, and a
 * service may be called `FooClient`) gets a `$` suffix, as protoplugin does
 * for reserved words. Collisions with imported message names are resolved by
 * protoplugin, which aliases the import. `hasValidator` tells which request
 * messages have a validator for the method table to refer to.
 */
export function buildFileModel(file: DescFile, hasValidator: (desc: DescMessage) => boolean = () => false): FileModel {
  const taken = new Set<string>();
  const claim = (wanted: string): string => {
    // safeIdentifier leaves these as they are; an ES module (strict code) reserves
    // them, and e.g. `grpcDefinition(await)` would not parse.
    let name = strictReserved.has(wanted) ? `${wanted}$` : safeIdentifier(wanted);
    while (taken.has(name)) {
      name = `${name}$`;
    }
    taken.add(name);
    return name;
  };
  // Service names first, so that a service keeps its own name even when an
  // earlier service's derived name would take it.
  const specNames = file.services.map((service) => claim(service.name));
  const services = file.services.map((service, i): ServiceModel => {
    const spec = specNames[i] ?? service.name;
    const auth = serviceAuthModel(service); // throws for a rule that cannot work
    const localNames = methodLocalNames(service);
    return {
      desc: service,
      typeName: service.typeName,
      names: {
        spec,
        handlers: claim(`${spec}Handlers`),
        client: claim(`${spec}Client`),
        definition: claim(`${spec}Definition`),
      },
      methods: service.methods.map((method, j) =>
        buildMethodModel(service, method, localNames[j] ?? method.localName, hasValidator, auth.rules.get(method)),
      ),
      declaresAuthRules: auth.declaresRules,
      serviceConfig: serviceClientModel(service), // throws for a client policy that cannot work
    };
  });
  return { file, services };
}

function buildMethodModel(
  service: DescService,
  method: DescMethod,
  localName: string,
  hasValidator: (desc: DescMessage) => boolean,
  auth: AuthRuleModel | undefined,
): MethodModel {
  return {
    desc: method,
    name: method.name,
    localName,
    path: `/${service.typeName}/${method.name}`,
    kind: kindByMethodKind[method.methodKind],
    input: method.input,
    output: method.output,
    deprecated: method.deprecated,
    validatesInput: hasValidator(method.input),
    auth,
    masks: methodMasksModel(method), // throws for a mask declaration that cannot work
    http: methodHttpModel(method), // throws for a binding that cannot work
  };
}
