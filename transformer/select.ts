/**
 * Stage 1: find the functions marked `@differentiable` and resolve what
 * they call.
 *
 * Input: a source file. Output: one `MarkedFunction` per marked function
 * declaration, function expression or arrow bound to a `const`:
 *
 *   /** @differentiable *\/ export function f(x: number) { ... }
 *   -> { name: "f", node: <FunctionDeclaration>, exported: true, ... }
 *
 * The tag is read from the leading comments rather than `ts.getJSDocTags`,
 * since `tsc` skips JSDoc parsing in `.ts` files (TypeScript >= 5.3).
 */
import type * as ts from "typescript";
import type { ValueKind } from "../runtime/registry";
import type { MarkedCallee } from "./ir";

export type DifferentiableFunction =
  ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

export interface MarkedFunction {
  readonly name: string;
  readonly node: DifferentiableFunction;
  /** The top-level statement holding it. */
  readonly statement: ts.Statement;
  /** Other modules may import it, so its derivatives are exported too. */
  readonly exported: boolean;
  /** Declarations are hoisted; a `const` is only bound after its statement. */
  readonly hoisted: boolean;
}

const tagPattern = /^\/\*\*[\s\S]*?@differentiable\b/;

/** Whether the JSDoc block right before `node` carries the tag. */
export function hasDifferentiableTag(
  ts: typeof import("typescript"),
  node: ts.Node,
): boolean {
  const sourceFile = node.getSourceFile();
  const ranges =
    ts.getLeadingCommentRanges(sourceFile.text, node.getFullStart()) ?? [];
  return ranges.some(
    (range) =>
      range.kind === ts.SyntaxKind.MultiLineCommentTrivia &&
      tagPattern.test(sourceFile.text.slice(range.pos, range.end)),
  );
}

function hasModifier(
  ts: typeof import("typescript"),
  node: ts.Node,
  kind: ts.SyntaxKind,
): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind)
  );
}

/** Names exported through `export { a, b as c }` or `export default a`. */
function locallyExportedNames(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
): Set<string> {
  const names = new Set<string>();
  for (const statement of sourceFile.statements) {
    if (
      ts.isExportDeclaration(statement) &&
      !statement.moduleSpecifier &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements) {
        names.add((element.propertyName ?? element.name).text);
      }
    } else if (
      ts.isExportAssignment(statement) &&
      ts.isIdentifier(statement.expression)
    ) {
      names.add(statement.expression.text);
    }
  }
  return names;
}

/** The `const` declaration a marked function expression or arrow is bound to. */
function boundFunction(
  ts: typeof import("typescript"),
  declaration: ts.VariableDeclaration,
): ts.FunctionExpression | ts.ArrowFunction | undefined {
  let init = declaration.initializer;
  while (
    init &&
    (ts.isParenthesizedExpression(init) ||
      ts.isAsExpression(init) ||
      ts.isSatisfiesExpression(init))
  ) {
    init = init.expression;
  }
  return init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
    ? init
    : undefined;
}

export function selectMarkedFunctions(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
): MarkedFunction[] {
  const exportedNames = locallyExportedNames(ts, sourceFile);
  const marked: MarkedFunction[] = [];
  for (const statement of sourceFile.statements) {
    if (!hasDifferentiableTag(ts, statement)) continue;
    const exportedHere = hasModifier(
      ts,
      statement,
      ts.SyntaxKind.ExportKeyword,
    );
    if (
      ts.isFunctionDeclaration(statement) &&
      statement.body &&
      statement.name
    ) {
      marked.push({
        name: statement.name.text,
        node: statement,
        statement,
        exported: exportedHere || exportedNames.has(statement.name.text),
        hoisted: true,
      });
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const fn = boundFunction(ts, declaration);
        if (fn && ts.isIdentifier(declaration.name)) {
          marked.push({
            name: declaration.name.text,
            node: fn,
            statement,
            exported: exportedHere || exportedNames.has(declaration.name.text),
            hoisted: false,
          });
        }
      }
    }
  }
  return marked;
}

/** `number` (and numeric literal types) are differentiable; for now nothing else. */
export function valueKindOf(
  ts: typeof import("typescript"),
  type: ts.Type,
): ValueKind {
  return type.flags & ts.TypeFlags.NumberLike ? "number" : "none";
}

/**
 * The marked function a call refers to, if any: a function in this module,
 * or one imported by name, as default, or through a namespace import.
 */
export function resolveMarkedCallee(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): (MarkedCallee & { declaration: DifferentiableFunction }) | undefined {
  const symbol = checker.getSymbolAtLocation(
    ts.isPropertyAccessExpression(callee) ? callee.name : callee,
  );
  if (!symbol) return undefined;
  const target =
    symbol.flags & ts.SymbolFlags.Alias
      ? checker.getAliasedSymbol(symbol)
      : symbol;
  const declaration = target.declarations?.[0];
  if (!declaration) return undefined;
  const fn = markedDeclaration(ts, declaration);
  if (!fn) return undefined;
  const params = fn.parameters.map((p) =>
    valueKindOf(ts, checker.getTypeAtLocation(p)),
  );
  const derivativeBase = ts.isFunctionDeclaration(fn)
    ? fn.name!.text
    : (declaration as ts.VariableDeclaration).name.getText();

  if (ts.isIdentifier(callee)) {
    const importSpecifier = symbol.declarations?.[0];
    if (importSpecifier && ts.isImportSpecifier(importSpecifier)) {
      return {
        declaration: fn,
        params,
        ref: {
          kind: "module",
          specifier: moduleSpecifierOf(ts, importSpecifier),
          exportName: (importSpecifier.propertyName ?? importSpecifier.name)
            .text,
          derivativeBase,
        },
      };
    }
    if (importSpecifier && ts.isImportClause(importSpecifier)) {
      return {
        declaration: fn,
        params,
        ref: {
          kind: "module",
          specifier: moduleSpecifierOf(ts, importSpecifier),
          exportName: "default",
          derivativeBase,
        },
      };
    }
    if (declaration.getSourceFile() === callee.getSourceFile()) {
      return {
        declaration: fn,
        params,
        ref: { kind: "local", name: derivativeBase },
      };
    }
    return undefined;
  }
  if (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression)
  ) {
    const namespace = checker.getSymbolAtLocation(callee.expression)
      ?.declarations?.[0];
    if (namespace && ts.isNamespaceImport(namespace)) {
      return {
        declaration: fn,
        params,
        ref: {
          kind: "module",
          specifier: moduleSpecifierOf(ts, namespace),
          exportName: callee.name.text,
          derivativeBase,
        },
      };
    }
  }
  return undefined;
}

function markedDeclaration(
  ts: typeof import("typescript"),
  declaration: ts.Declaration,
): DifferentiableFunction | undefined {
  if (ts.isFunctionDeclaration(declaration) && declaration.name) {
    return hasDifferentiableTag(ts, declaration) ? declaration : undefined;
  }
  if (
    ts.isVariableDeclaration(declaration) &&
    ts.isVariableStatement(declaration.parent.parent)
  ) {
    const fn = boundFunction(ts, declaration);
    return fn && hasDifferentiableTag(ts, declaration.parent.parent)
      ? fn
      : undefined;
  }
  return undefined;
}

function moduleSpecifierOf(
  ts: typeof import("typescript"),
  node: ts.ImportSpecifier | ts.ImportClause | ts.NamespaceImport,
): string {
  let current: ts.Node = node;
  while (!ts.isImportDeclaration(current)) current = current.parent;
  return (current.moduleSpecifier as ts.StringLiteral).text;
}

/** The module an imported binding comes from, for recognising `stopGradient`. */
export function importedFrom(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): { specifier: string; name: string } | undefined {
  if (ts.isIdentifier(callee)) {
    const declaration = checker.getSymbolAtLocation(callee)?.declarations?.[0];
    if (declaration && ts.isImportSpecifier(declaration)) {
      return {
        specifier: moduleSpecifierOf(ts, declaration),
        name: (declaration.propertyName ?? declaration.name).text,
      };
    }
  }
  if (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression)
  ) {
    const declaration = checker.getSymbolAtLocation(callee.expression)
      ?.declarations?.[0];
    if (declaration && ts.isNamespaceImport(declaration)) {
      return {
        specifier: moduleSpecifierOf(ts, declaration),
        name: callee.name.text,
      };
    }
  }
  return undefined;
}
