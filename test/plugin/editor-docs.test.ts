import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "../support/codegen.js";
import { repositoryCompilerOptions } from "../support/typecheck.js";

/*
 * The generated handler and client types are mapped over the method table
 * (`HandlersOf<typeof Echo>`), and each RPC's comment is on its row. What an
 * editor shows on `handlers.say` or `client.old` must still be that comment,
 * with `@deprecated` (the strike-through) where the .proto deprecates the RPC.
 * Read through TypeScript's own API, as an editor does, on the kinds golden.
 */

const dir = mkdtempSync(join(root, "test/plugin/.editor-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const usage = `
import type { EchoClient, EchoHandlers } from "../../golden/kinds/gen/kinds/v1/kinds_grpckit.js";
export declare const handlers: EchoHandlers;
export declare const client: EchoClient;
`;

function program() {
  const file = join(dir, "usage.ts");
  writeFileSync(file, usage);
  const options = repositoryCompilerOptions();
  const built = ts.createProgram([file], { ...options, noEmit: true });
  const source = built.getSourceFile(file);
  if (source === undefined) throw new Error("usage.ts is not in the program");
  return { checker: built.getTypeChecker(), source, diagnostics: ts.getPreEmitDiagnostics(built) };
}

describe("the handler and client types in an editor", () => {
  const { checker, source, diagnostics } = program();
  /** The documentation and JSDoc tags of `member` of the exported const `name`, as quick info shows them. */
  const info = (name: string, member: string) => {
    const decl = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => s.declarationList.declarations)
      .find((d) => d.name.getText(source) === name);
    if (decl === undefined) throw new Error(`no ${name}`);
    const symbol = checker.getTypeAtLocation(decl).getProperty(member);
    if (symbol === undefined) throw new Error(`${name} has no ${member}`);
    return {
      doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)),
      tags: symbol.getJsDocTags(checker).map((t) => t.name),
    };
  };

  it("type-check", () => {
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "))).toEqual([]);
  });

  it("show each RPC's comment on a handler and on a client function", () => {
    expect(info("handlers", "say").doc).toBe("Unary says it back.\n\nA trailing comment.");
    expect(info("client", "say").doc).toBe(info("handlers", "say").doc);
    expect(info("client", "say").tags).toContain("generated");
  });

  it("mark a deprecated RPC @deprecated, and no other", () => {
    expect(info("client", "old").tags).toContain("deprecated");
    expect(info("handlers", "old").tags).toContain("deprecated");
    expect(info("client", "say").tags).not.toContain("deprecated");
  });
});
