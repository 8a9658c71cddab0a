import type { GeneratedFile } from "@bufbuild/protoplugin";
import type { FileModel, MethodKind, MethodModel, ServiceModel } from "../model/service-model.js";
import { validateModulePath, validationNames } from "../model/validation-names.js";
import type { GrpckitOptions } from "../parameters.js";
import { authLiteral } from "./auth-literal.js";
import { httpLiteral } from "./http-literal.js";
import { masksLiteral, renderMasks } from "./render-masks.js";
import { serviceConfigLiteral } from "./service-config-literal.js";
import { type Slot, Slots } from "./slots.js";
import { template } from "./templates.js";

interface RuntimeView {
  readonly ServiceSpec: Slot;
  readonly grpcDefinition: Slot;
  /**
   * protobuf-es's DescService: the table's `desc` is cast to it through
   * `unknown`, because checking protoc-gen-es's precise `GenService<{...}>`
   * against it was most of what grpckit's code added to a type-check (a
   * tenth of the whole on Google's APIs); nothing reads the precise type.
   */
  readonly DescService: Slot;
  /**
   * The handler and client types are these mapped types over the method
   * table, not interfaces with a member per RPC: tsc resolves a mapped type's
   * members only where they are used, while it checks every member an
   * interface declares (on Google's APIs, 22k of the 1.03M types it made, and
   * 90-170 MB of its heap). Hovers still show each RPC's comment: it is on
   * the method's row, which the mapped members link to.
   */
  readonly HandlersOf: Slot;
  readonly ClientOf: Slot;
  /** Printed only in declaration mode (below). */
  readonly MethodSpec: Slot;
  readonly GrpcDefinition: Slot;
  readonly ServiceConfigJson: Slot;
}

interface MethodView {
  readonly doc: Slot;
  readonly localName: string;
  readonly name: string;
  readonly path: string;
  readonly kind: MethodKind;
  readonly input: Slot;
  readonly output: Slot;
  /** The request's validator, or "" when it has none. */
  readonly inputValidator: Slot;
  /** The method's auth rule as an object literal, or "" when it has none. */
  readonly auth: string;
  /** The request's field masks as an object literal, or "" when it has none. */
  readonly masks: string;
  /** The method's HTTP bindings as an array of `httpBinding` calls, or "" when it has none. */
  readonly http: string;
}

interface ServiceView {
  readonly doc: Slot;
  readonly typeName: string;
  readonly typeNameText: string;
  readonly specName: string;
  readonly desc: Slot;
  readonly exportSpec: Slot;
  readonly exportHandlers: Slot;
  readonly exportClient: Slot;
  readonly exportDefinition: Slot;
  readonly methods: readonly MethodView[];
  /** The client policies as a service config object literal, or "" when no method declares one. */
  readonly serviceConfig: string;
}

interface FileView {
  readonly rt: RuntimeView;
  readonly services: readonly ServiceView[];
  /**
   * Whether the consts carry their types written out (a method table's row is
   * a `MethodSpec<typeof Input, typeof Output, kind>`): when the plugin emits
   * `.d.ts` files, which protoplugin transpiles from this code without
   * protoc-gen-es's files or grpckit's types at hand, so that the types tsc
   * infers from the literals are not there to declare.
   */
  readonly declarations: boolean;
}

const render = template<FileView>("grpckit.ts.hbs");

/**
 * Prints the body of one `_grpckit.ts` file (after its preamble) into `f`;
 * with `declarations`, for a target that includes `.d.ts` files.
 */
export function renderFile(f: GeneratedFile, model: FileModel, options: GrpckitOptions, declarations: boolean): void {
  const slots = new Slots();
  const runtime = (name: string, typeOnly: boolean): Slot => slots.put(f.import(name, options.runtimeImport, typeOnly));
  const view: FileView = {
    rt: {
      ServiceSpec: runtime("ServiceSpec", true),
      grpcDefinition: runtime("grpcDefinition", false),
      DescService: slots.put(f.import("DescService", "@bufbuild/protobuf", true)),
      HandlersOf: runtime("HandlersOf", true),
      ClientOf: runtime("ClientOf", true),
      MethodSpec: runtime("MethodSpec", true),
      GrpcDefinition: runtime("GrpcDefinition", true),
      ServiceConfigJson: runtime("ServiceConfigJson", true),
    },
    services: model.services.map((service) => serviceView(f, slots, service, runtime)),
    declarations,
  };
  slots.print(f, render(view).trimEnd());
  renderMasks(f, model, options);
}

function serviceView(
  f: GeneratedFile,
  slots: Slots,
  service: ServiceModel,
  runtime: (name: string, typeOnly: boolean) => Slot,
): ServiceView {
  const { names } = service;
  return {
    doc: slots.put(f.jsDoc(service.desc)),
    typeName: JSON.stringify(service.typeName),
    typeNameText: service.typeName,
    specName: names.spec,
    desc: slots.put(f.importSchema(service.desc)),
    exportSpec: slots.put(f.export("const", names.spec)),
    exportHandlers: slots.put(f.export("type", names.handlers)),
    exportClient: slots.put(f.export("type", names.client)),
    exportDefinition: slots.put(f.export("const", names.definition)),
    methods: service.methods.map((method) => methodView(f, slots, method, runtime)),
    serviceConfig: service.serviceConfig === undefined ? "" : serviceConfigLiteral(service.serviceConfig),
  };
}

function methodView(
  f: GeneratedFile,
  slots: Slots,
  method: MethodModel,
  runtime: (name: string, typeOnly: boolean) => Slot,
): MethodView {
  return {
    doc: slots.put(f.jsDoc(method.desc, "    ")),
    localName: method.localName,
    name: JSON.stringify(method.name),
    path: JSON.stringify(method.path),
    kind: method.kind,
    input: slots.put(f.importSchema(method.input)),
    output: slots.put(f.importSchema(method.output)),
    inputValidator: method.validatesInput
      ? slots.put(f.import(validationNames(method.input).validator, validateModulePath(method.input.file)))
      : "",
    auth: method.auth === undefined ? "" : authLiteral(method.auth),
    masks: masksLiteral(f, slots, method.masks),
    http: method.http === undefined ? "" : httpLiteral(method.http, runtime("httpBinding", false)),
  };
}
