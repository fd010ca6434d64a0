/**
 * Arrays a marked function shares with code outside it: its array
 * parameters (the caller's), module-level arrays, and the arrays unmarked
 * calls return (either of those, for all tsad knows). A local name bound to
 * one is that array, not a copy, so writing into it is a side effect the
 * derivative code cannot see (TS96007), and so is returning it: the caller
 * would get the same array and could write into it (TS96003).
 *
 *   const b = x;  b[0] = 2 * b[0];   ->  TS96007 at `b`: it is parameter 'x'
 *   return b;                        ->  TS96003: return a copy, `b.slice()`
 *
 * Rows of a matrix are tracked by the lowering itself (`Row.matrix`), which
 * asks here about the matrix.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError, type RelatedNode } from "../diagnostics";
import { isMarkedCallee } from "../select";
import { skipWrappers } from "./wrappers";

/** Whose array an expression is, when it is not the function's own. */
type Owner =
  | { readonly kind: "parameter"; readonly name: ts.Identifier }
  | { readonly kind: "outer"; readonly name: ts.Identifier }
  | { readonly kind: "call"; readonly call: ts.CallExpression }
  /** `text`: `data.t`; `node`: an expression of the field's type. */
  | {
      readonly kind: "field";
      readonly text: string;
      readonly node: ts.Expression;
    };

/** A local name bound to a shared array, and where it was bound. */
interface Alias {
  readonly owner: Owner;
  readonly bindings: readonly RelatedNode[];
}

export interface SharedArraysContext {
  readonly ts: typeof import("typescript");
  readonly checker: ts.TypeChecker;
  /** Declared inside the marked function (parameters included). */
  readonly isLocal: (id: ts.Identifier) => boolean;
  readonly isArray: (node: ts.Expression) => boolean;
}

export class SharedArrays {
  private readonly aliases = new Map<ts.Symbol, Alias>();

  constructor(private readonly context: SharedArraysContext) {}

  /** `const b = init` (or `let`): `b` is whatever array `init` is. */
  bind(name: ts.Identifier, init: ts.Expression, at: ts.Node): void {
    this.bindTo(name, this.aliasOf(init), at);
  }

  /** `const { t } = data`: `t` is the array the field `data.t` holds. */
  bindField(name: ts.Identifier, field: string, at: ts.Node): void {
    this.bindTo(
      name,
      { owner: { kind: "field", text: field, node: name }, bindings: [] },
      at,
    );
  }

  private bindTo(
    name: ts.Identifier,
    alias: Alias | undefined,
    at: ts.Node,
  ): void {
    if (!this.context.isArray(name) || !alias) return;
    this.aliases.set(this.context.checker.getSymbolAtLocation(name)!, {
      owner: alias.owner,
      bindings: [
        ...alias.bindings,
        {
          node: at,
          message: `'${name.text}' is bound to ${describe(alias.owner)} here`,
        },
      ],
    });
  }

  /** Writing into the local `node` names (through any alias) stays local. */
  requireWritable(node: ts.Identifier): void {
    const symbol = this.context.checker.getSymbolAtLocation(node);
    const alias = symbol && this.aliases.get(symbol);
    if (!alias) return;
    const source = sourceOf(alias.owner);
    throw new DiffError(
      node,
      DiagnosticCode.CapturedWrite,
      `'${node.text}' is ${describe(alias.owner)}, not a copy: writing into it ${effect(alias.owner)}, a side effect the derivative code cannot see. Declare '${node.text}' as a copy: ${copyStatement(this.context, source, node.text)}.`,
      alias.bindings,
    );
  }

  /** `return v`: the caller gets an array of its own, never a shared one. */
  requireOwnResult(returned: ts.Expression): void {
    if (!this.context.isArray(returned)) return;
    const alias = this.aliasOf(returned);
    if (!alias) return;
    const is =
      alias.bindings.length === 0
        ? describe(alias.owner)
        : `'${returned.getText()}', which is ${describe(alias.owner)}`;
    const copy = isMatrix(this.context, returned)
      ? `${copyStatement(this.context, { text: returned.getText(), node: returned }, "copy")}, then \`return copy\``
      : `\`return ${skipWrappers(this.context.ts, returned).getText()}.slice()\``;
    throw new DiffError(
      returned,
      DiagnosticCode.UnsupportedSyntax,
      `This returns ${is}: the caller would get that same array, and its writes through the result would change it where the derivative code cannot see them. Return a copy: ${copy}.`,
      alias.bindings,
    );
  }

  private aliasOf(node: ts.Expression): Alias | undefined {
    const { ts, checker } = this.context;
    node = skipWrappers(ts, node);
    if (ts.isIdentifier(node)) {
      const symbol = checker.getSymbolAtLocation(node);
      const alias = symbol && this.aliases.get(symbol);
      if (alias) return alias;
      if (!this.context.isLocal(node))
        return { owner: { kind: "outer", name: node }, bindings: [] };
      const declaration = symbol?.valueDeclaration;
      return declaration && ts.isParameter(declaration)
        ? { owner: { kind: "parameter", name: node }, bindings: [] }
        : undefined;
    }
    // `const t = data.t`: the record's array, which its owner reaches.
    if (ts.isPropertyAccessExpression(node))
      return {
        owner: { kind: "field", text: node.getText(), node },
        bindings: [],
      };
    if (!ts.isCallExpression(node)) return undefined;
    const callee = node.expression;
    // `Array(n)` allocates, as `new Array(n)` does.
    if (ts.isIdentifier(callee) && callee.text === "Array") return undefined;
    if (ts.isPropertyAccessExpression(callee)) {
      // `x.slice()` copies; `a.fill(v)` returns `a` itself.
      if (callee.name.text === "slice") return undefined;
      if (callee.name.text === "fill") return this.aliasOf(callee.expression);
      // Other array methods make new arrays or are errors of their own
      // (`xs.map(f)`, of records too).
      if (
        this.context.isArray(callee.expression) ||
        checker.isArrayType(checker.getTypeAtLocation(callee.expression))
      )
        return undefined;
      // `Array.from(x)`, `Float64Array.from(x)`: new arrays.
      if (
        ts.isIdentifier(callee.expression) &&
        /^(Array|Float64Array|Float32Array)$/.test(callee.expression.text) &&
        callee.name.text === "from"
      )
        return undefined;
    }
    // A marked function returns an array of its own.
    if (isMarkedCallee(ts, checker, callee)) return undefined;
    return { owner: { kind: "call", call: node }, bindings: [] };
  }
}

function describe(owner: Owner): string {
  switch (owner.kind) {
    case "parameter":
      return `the parameter '${owner.name.text}'`;
    case "outer":
      return `the outer array '${owner.name.text}'`;
    case "call":
      return `the array '${owner.call.getText()}' returns`;
    case "field":
      return `the array the field '${owner.text}' holds`;
  }
}

function effect(owner: Owner): string {
  switch (owner.kind) {
    case "parameter":
      return "changes the caller's array";
    case "outer":
      return "changes an array outside this function";
    case "call":
      return "may change an array outside this function (a function that is not @differentiable may return an array it keeps)";
    case "field":
      return "changes an array outside this function";
  }
}

/** The array as the program reads it, and an expression of its type. */
function sourceOf(owner: Owner): { text: string; node: ts.Expression } {
  switch (owner.kind) {
    case "call":
      return { text: owner.call.getText(), node: owner.call };
    case "field":
      return owner;
    default:
      return { text: owner.name.text, node: owner.name };
  }
}

/** `const b = x.slice()`; for a matrix, a copy of each row too. */
function copyStatement(
  context: SharedArraysContext,
  source: { text: string; node: ts.Expression },
  name: string,
): string {
  const { text } = source;
  return isMatrix(context, source.node)
    ? `\`const ${name}: number[][] = []; for (const row of ${text}) ${name}.push(row.slice());\``
    : `\`const ${name} = ${text}.slice()\``;
}

function isMatrix(context: SharedArraysContext, node: ts.Expression): boolean {
  const { checker } = context;
  const type = checker.getTypeAtLocation(node);
  const element =
    checker.isArrayType(type) &&
    checker.getTypeArguments(type as ts.TypeReference)[0];
  return (
    element !== undefined && element !== false && checker.isArrayType(element)
  );
}
