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
import { DiagnosticCode, DiffError } from "./diagnostics";
import type { MarkedCallee } from "./ir";
import { derivativeNames } from "./naming";

export type DifferentiableFunction =
  ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction;

export interface MarkedFunction {
  readonly name: string;
  readonly node: DifferentiableFunction;
  /** The top-level statement holding it. */
  readonly statement: ts.Statement;
  /** Where diagnostics point for "when differentiating" (its name). */
  readonly nameNode: ts.Node;
  /** Other modules may import it, so its derivatives are exported too. */
  readonly exported: boolean;
  /** Declarations are hoisted; a `const` is only bound after its statement. */
  readonly hoisted: boolean;
}

/** A JSDoc line that starts with the tag, as JSDoc tags do. */
const tagLine = /^\s*\*?\s*@differentiable(?![\w-])/;

/** The lines of a JSDoc comment (`/** ... *\/`) between its delimiters. */
const jsDocLines = (comment: string) => comment.slice(3, -2).split("\n");

/**
 * Whether the JSDoc comment `comment` has the tag after other text on a
 * line, where JSDoc does not take it (`/** Smooth. @differentiable *\/`).
 */
export const hasTagMidLine = (comment: string) =>
  jsDocLines(comment).some(
    (line) => /@differentiable(?![\w-])/.test(line) && !tagLine.test(line),
  );

/** Whether the JSDoc block right before `node` carries the tag. */
export function hasDifferentiableTag(
  ts: typeof import("typescript"),
  node: ts.Node,
): boolean {
  return taggedComments(ts, node).length > 0;
}

/** The JSDoc blocks right before `node` that carry the tag. */
function taggedComments(
  ts: typeof import("typescript"),
  node: ts.Node,
): ts.CommentRange[] {
  const sourceFile = node.getSourceFile();
  const ranges =
    ts.getLeadingCommentRanges(sourceFile.text, node.getFullStart()) ?? [];
  return ranges.filter(
    (range) =>
      range.kind === ts.SyntaxKind.MultiLineCommentTrivia &&
      sourceFile.text.startsWith("/**", range.pos) &&
      jsDocLines(sourceFile.text.slice(range.pos, range.end)).some((line) =>
        tagLine.test(line),
      ),
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

/**
 * The function expression or arrow a marked `const` is bound to. Not one
 * bound to a `let` or `var`: code may assign that another function, which
 * calls from compiled code (straight to the derivatives) would not see.
 */
function boundFunction(
  ts: typeof import("typescript"),
  declaration: ts.VariableDeclaration,
): ts.FunctionExpression | ts.ArrowFunction | undefined {
  if (
    (declaration.parent.flags & ts.NodeFlags.BlockScoped) !==
    ts.NodeFlags.Const
  )
    return undefined;
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

export interface Selection {
  readonly marked: MarkedFunction[];
  /** Tags on something tsad cannot differentiate as written. */
  readonly misplaced: DiffError[];
}

export function selectMarkedFunctions(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
): Selection {
  const exportedNames = locallyExportedNames(ts, sourceFile);
  const marked: MarkedFunction[] = [];
  const misplaced: DiffError[] = [];
  for (const statement of sourceFile.statements) {
    if (!hasDifferentiableTag(ts, statement)) continue;
    const found = marked.length;
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
        nameNode: statement.name,
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
            nameNode: declaration.name,
            exported: exportedHere || exportedNames.has(declaration.name.text),
            hoisted: false,
          });
        }
      }
    }
    if (marked.length === found) misplaced.push(misplacedTag(ts, statement));
  }
  return { marked, misplaced: [...misplaced, ...nestedTags(ts, sourceFile)] };
}

/**
 * Tags below the top level: on a nested function, a method, a function in
 * a namespace or a block. tsad differentiates top-level functions only, so
 * each is reported rather than ignored:
 *
 *   class C { /** @differentiable *\/ m(x: number) { ... } }  ->  TS96008 at `m`
 */
function nestedTags(
  ts: typeof import("typescript"),
  sourceFile: ts.SourceFile,
): DiffError[] {
  if (!sourceFile.text.includes("@differentiable")) return [];
  // A statement shares its comments with its first child: report each once,
  // at the outermost node it precedes, and never a top-level one again.
  const seen = new Set(
    sourceFile.statements.flatMap((s) =>
      taggedComments(ts, s).map((range) => range.pos),
    ),
  );
  const errors: DiffError[] = [];
  const visit = (node: ts.Node) => {
    for (const range of taggedComments(ts, node)) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      errors.push(nestedTag(ts, node));
    }
    ts.forEachChild(node, visit);
  };
  for (const statement of sourceFile.statements)
    ts.forEachChild(statement, visit);
  return errors;
}

function nestedTag(ts: typeof import("typescript"), node: ts.Node): DiffError {
  const initializer =
    ts.isVariableStatement(node) &&
    node.declarationList.declarations.length === 1
      ? node.declarationList.declarations[0]!.initializer
      : ts.isPropertyAssignment(node) || ts.isPropertyDeclaration(node)
        ? node.initializer
        : undefined;
  const isFunction =
    ts.isFunctionLike(node) ||
    (initializer !== undefined &&
      (ts.isArrowFunction(initializer) ||
        ts.isFunctionExpression(initializer)));
  if (!isFunction) return misplacedTag(ts, node);
  const name = ts.isVariableStatement(node)
    ? node.declarationList.declarations[0]!.name
    : ts.getNameOfDeclaration(node as ts.Declaration);
  const called = name ? `'${name.getText()}'` : "this function";
  return new DiffError(
    node,
    DiagnosticCode.MisplacedTag,
    `tsad differentiates top-level functions only, not nested functions, methods, or functions in a namespace or block. Move ${called} to the top level of the module (a method can call a top-level @differentiable function).`,
  );
}

function misplacedTag(
  ts: typeof import("typescript"),
  statement: ts.Node,
): DiffError {
  if (ts.isFunctionDeclaration(statement) && !statement.name) {
    return new DiffError(
      statement,
      DiagnosticCode.MisplacedTag,
      "A @differentiable function needs a name, so its derivatives can be registered: write `export default function f(...)`.",
    );
  }
  if (ts.isFunctionDeclaration(statement)) {
    return new DiffError(
      statement,
      DiagnosticCode.MisplacedTag,
      "A @differentiable function needs a body (an overload or `declare` has none): put the tag on the implementation.",
    );
  }
  if (
    ts.isVariableStatement(statement) &&
    !(statement.declarationList.flags & ts.NodeFlags.Const)
  ) {
    return new DiffError(
      statement,
      DiagnosticCode.MisplacedTag,
      "A @differentiable function must be bound to a `const`: a `let` or `var` may be assigned another function, whose derivatives compiled callers would not call. Declare it `const`.",
    );
  }
  return new DiffError(
    statement,
    DiagnosticCode.MisplacedTag,
    "@differentiable marks a function declaration, or a function expression or arrow function bound to a `const`; this is neither. Move the tag onto the function.",
  );
}

/**
 * What a type is for differentiation (DESIGN.md "Types"): `number` (also
 * `number | undefined` for an optional parameter), `number[]` and
 * `readonly number[]`, `Float64Array`, `Float32Array`, `number[][]`, each
 * also through `Readonly<...>`; anything else is not differentiable.
 */
export function valueKindOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  type: ts.Type,
): ValueKind {
  if (type.flags & ts.TypeFlags.TypeParameter) {
    const constraint = checker.getBaseConstraintOfType(type);
    return constraint && constraint !== type
      ? valueKindOf(ts, checker, constraint)
      : "none";
  }
  const defined = type.isUnion()
    ? type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined))
    : [type];
  if (defined.length === 0) return "none";
  if (defined.every((t) => t.flags & ts.TypeFlags.NumberLike)) return "number";
  if (defined.length !== 1) return "none";
  const only = defined[0]!;
  const readonlyOf = readonlyTarget(only);
  if (readonlyOf) return valueKindOf(ts, checker, readonlyOf);
  const name = only.getSymbol()?.getName();
  if (name === "Float64Array") return "float64";
  if (name === "Float32Array") return "float32";
  // `[number, number]`: a `number[]` of a known length.
  if (
    checker.isTupleType(only) &&
    checker
      .getTypeArguments(only as ts.TypeReference)
      .every((t) => t.flags & ts.TypeFlags.NumberLike)
  )
    return "array";
  if (checker.isArrayType(only)) {
    const element = checker.getTypeArguments(only as ts.TypeReference)[0];
    // `(number | undefined)[]` holds what is not a number.
    if (
      !element ||
      (element.isUnion() &&
        element.types.some(
          (t) => t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null),
        ))
    )
      return "none";
    const elementKind = valueKindOf(ts, checker, element);
    if (elementKind === "number") return "array";
    if (elementKind === "array") return "matrix";
  }
  return "none";
}

/**
 * `T` of the standard library's `Readonly<T>`: a typed array seen through
 * it (`Readonly<Float64Array>`) is a mapped object type, not the array
 * type, but it holds the same elements and cannot be written.
 */
function readonlyTarget(type: ts.Type): ts.Type | undefined {
  const alias = type.aliasSymbol;
  const [target] = type.aliasTypeArguments ?? [];
  const declaration = alias?.declarations?.[0];
  return alias?.name === "Readonly" &&
    declaration?.getSourceFile().hasNoDefaultLib
    ? target
    : undefined;
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
  const target = calleeTarget(ts, checker, callee);
  if (!target) return undefined;
  const { fn, derivativeBase } = target;
  const params = fn.parameters.map((p) =>
    valueKindOf(ts, checker, checker.getTypeAtLocation(p)),
  );
  const signature = checker.getSignatureFromDeclaration(fn);
  const result = signature
    ? valueKindOf(ts, checker, checker.getReturnTypeOfSignature(signature))
    : "none";

  const imported = importedFrom(ts, checker, callee);
  if (imported) {
    return {
      declaration: fn,
      params,
      result,
      ref: {
        kind: "module",
        specifier: imported.specifier,
        path: imported.path,
        exportName: imported.name,
        derivativeBase,
      },
    };
  }
  if (
    ts.isIdentifier(callee) &&
    fn.getSourceFile() === callee.getSourceFile()
  ) {
    return {
      declaration: fn,
      params,
      result,
      ref: { kind: "local", name: derivativeBase },
    };
  }
  return undefined;
}

/** The marked function a symbol (or the import it aliases) declares. */
/**
 * Whether `callee` names a marked function, without what calling it
 * takes: the analyses asking it of every call need no more.
 */
export function isMarkedCallee(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): boolean {
  return calleeTarget(ts, checker, callee) !== undefined;
}

function calleeTarget(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): ReturnType<typeof markedTarget> {
  const symbol = checker.getSymbolAtLocation(
    ts.isPropertyAccessExpression(callee) ? callee.name : callee,
  );
  return symbol && markedTarget(ts, checker, symbol);
}

function markedTarget(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  symbol: ts.Symbol,
): { fn: DifferentiableFunction; derivativeBase: string } | undefined {
  const target =
    symbol.flags & ts.SymbolFlags.Alias
      ? checker.getAliasedSymbol(symbol)
      : symbol;
  // An overloaded function's implementation, after its signatures.
  const declaration =
    target.declarations?.find((d) => !ts.isFunctionDeclaration(d) || d.body) ??
    target.declarations?.[0];
  const fn = declaration && markedDeclaration(ts, declaration);
  if (!fn) return undefined;
  const derivativeBase = ts.isFunctionDeclaration(fn)
    ? fn.name!.text
    : (declaration as ts.VariableDeclaration).name.getText();
  return { fn, derivativeBase };
}

/** Marked functions a module re-exports, whose derivatives it re-exports too. */
export interface DerivativeReexport {
  /** The statement re-exporting them; the derivatives' export follows it. */
  readonly statement: ts.Statement;
  /** The module the derivatives come from. */
  readonly specifier: ts.Expression;
  /** The names of the functions as declared, before derivative suffixes. */
  readonly bases: readonly string[];
  /** Their declarations, in the same order. */
  readonly functions: readonly DifferentiableFunction[];
}

/**
 * Marked functions this module exports without declaring them, so calls
 * through this module find their derivatives too:
 *
 *   export { f } from "./lib.js"             ->  export { f__jvp, f__vjp } from "./lib.js"
 *   import { f } from "./lib.js"; export { f as g };  (or `export default f`)
 *                                            ->  export { f__jvp, f__vjp } from "./lib.js"
 */
export function reexportedDerivatives(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
): { reexports: DerivativeReexport[]; conflicts: DiffError[] } {
  // Each derivative name is exported once, for one function.
  const claimed = new Map<string, DifferentiableFunction>();
  const conflicts: DiffError[] = [];
  const reexports = sourceFile.statements.flatMap((statement) => {
    const bySpecifier = new Map<
      string,
      {
        node: ts.Expression;
        bases: string[];
        functions: DifferentiableFunction[];
      }
    >();
    const add = (
      at: ts.Node,
      specifier: ts.Expression,
      symbol: ts.Symbol | undefined,
    ) => {
      const target = symbol && markedTarget(ts, checker, symbol);
      if (!target || !ts.isStringLiteral(specifier)) return;
      const base = target.derivativeBase;
      const owner = claimed.get(base);
      if (owner === target.fn) return;
      if (owner) {
        conflicts.push(
          new DiffError(
            at,
            DiagnosticCode.ReservedName,
            `This module re-exports two different @differentiable functions declared as '${base}', whose derivatives would both be exported as ${quotedDerivativeNames(base)}. Rename one where it is declared.`,
          ),
        );
        return;
      }
      claimed.set(base, target.fn);
      const entry = bySpecifier.get(specifier.text) ?? {
        node: specifier,
        bases: [],
        functions: [],
      };
      entry.bases.push(base);
      entry.functions.push(target.fn);
      bySpecifier.set(specifier.text, entry);
    };
    // A name this module imports, then exports: where it is imported from.
    const addImported = (at: ts.Node, local: ts.Symbol | undefined) => {
      const declaration = local?.declarations?.[0];
      if (
        declaration &&
        (ts.isImportSpecifier(declaration) || ts.isImportClause(declaration)) &&
        !isTypeOnlyImport(ts, declaration)
      ) {
        add(at, importDeclarationOf(ts, declaration).moduleSpecifier, local);
      }
    };
    if (
      ts.isExportDeclaration(statement) &&
      !statement.isTypeOnly &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const element of statement.exportClause.elements) {
        if (element.isTypeOnly) continue;
        if (statement.moduleSpecifier) {
          add(
            element,
            statement.moduleSpecifier,
            checker.getSymbolAtLocation(element.name),
          );
        } else {
          addImported(
            element,
            checker.getExportSpecifierLocalTargetSymbol(element),
          );
        }
      }
    } else if (
      ts.isExportAssignment(statement) &&
      !statement.isExportEquals &&
      ts.isIdentifier(statement.expression)
    ) {
      addImported(
        statement.expression,
        checker.getSymbolAtLocation(statement.expression),
      );
    }
    return [...bySpecifier.values()].map(({ node, bases, functions }) => ({
      statement,
      specifier: node,
      bases,
      functions,
    }));
  });
  return { reexports, conflicts };
}

function importDeclarationOf(
  ts: typeof import("typescript"),
  node: ts.Node,
): ts.ImportDeclaration {
  while (!ts.isImportDeclaration(node)) node = node.parent;
  return node;
}

function isTypeOnlyImport(
  ts: typeof import("typescript"),
  declaration: ts.ImportSpecifier | ts.ImportClause,
): boolean {
  return (
    declaration.isTypeOnly ||
    (importDeclarationOf(ts, declaration).importClause?.isTypeOnly ?? false)
  );
}

function markedDeclaration(
  ts: typeof import("typescript"),
  declaration: ts.Declaration,
): DifferentiableFunction | undefined {
  // Only top-level functions are marked; a tag anywhere else is an error.
  if (
    ts.isFunctionDeclaration(declaration) &&
    declaration.name &&
    ts.isSourceFile(declaration.parent)
  ) {
    // An overload's signature, or a `declare`d function (a package's too),
    // has no code to differentiate (a tag on one is TS96008 in the program).
    return hasDifferentiableTag(ts, declaration) && declaration.body
      ? declaration
      : undefined;
  }
  if (
    ts.isVariableDeclaration(declaration) &&
    ts.isVariableStatement(declaration.parent.parent) &&
    ts.isSourceFile(declaration.parent.parent.parent)
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
  return (importDeclarationOf(ts, node).moduleSpecifier as ts.StringLiteral)
    .text;
}

/**
 * The module an imported binding comes from and the name it is exported
 * under: a named import, a default import (`"default"`), or `ns.f` through
 * a namespace import. A namespace that a module exports
 * (`export * as L from "./lib.js"`, imported as `{ L }`) is a path:
 * `L.f` -> name `f`, path `["L"]`.
 */
export function importedFrom(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): { specifier: string; name: string; path: string[] } | undefined {
  const members: string[] = [];
  let root = callee;
  while (ts.isPropertyAccessExpression(root)) {
    members.unshift(root.name.text);
    root = root.expression;
  }
  if (!ts.isIdentifier(root)) return undefined;
  const declaration = checker.getSymbolAtLocation(root)?.declarations?.[0];
  if (!declaration) return undefined;
  const imported = ts.isImportSpecifier(declaration)
    ? (declaration.propertyName ?? declaration.name).text
    : ts.isImportClause(declaration)
      ? "default"
      : undefined;
  const names =
    imported !== undefined
      ? [imported, ...members]
      : ts.isNamespaceImport(declaration)
        ? members
        : [];
  if (names.length === 0) return undefined;
  return {
    specifier: moduleSpecifierOf(
      ts,
      declaration as ts.ImportSpecifier | ts.ImportClause | ts.NamespaceImport,
    ),
    name: names.at(-1)!,
    path: names.slice(0, -1),
  };
}

/**
 * A module's exports whose derivatives would share a name: two marked
 * functions declared under one name (`export *` from one module and
 * `export { sq as k }` from another, or a local `sq` exported as `s`
 * beside a star-exported `sq`), or a marked function and an export of the
 * program's named like its derivatives (`sq__jvp`). ES modules let a
 * module's own export shadow a star export, and drop a name two star
 * exports give, so a call through this module would reach the wrong
 * derivative, or none.
 */
export function derivativeNameClashes(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  sourceFile: ts.SourceFile,
): DiffError[] {
  const module = checker.getSymbolAtLocation(sourceFile);
  if (!module) return [];
  const exports = checker.getExportsOfModule(module);
  const byBase = new Map<string, { fn: DifferentiableFunction; as: string }>();
  const byName = new Map(exports.map((e) => [e.name, e]));
  const clashes: DiffError[] = [];
  const at = (symbol: ts.Symbol): ts.Node => {
    const declaration = symbol.declarations?.[0];
    return declaration?.getSourceFile() === sourceFile
      ? declaration
      : (sourceFile.statements.find((s) => ts.isExportDeclaration(s)) ??
          sourceFile);
  };
  for (const symbol of exports) {
    const target = markedTarget(ts, checker, symbol);
    if (!target) continue;
    const base = target.derivativeBase;
    const other = byBase.get(base);
    if (other && other.fn !== target.fn) {
      clashes.push(
        new DiffError(
          at(symbol),
          DiagnosticCode.ReservedName,
          `This module exports two different @differentiable functions declared as '${base}' ('${other.as}' and '${symbol.name}'), whose derivatives would both be exported as ${quotedDerivativeNames(base)}: one would hide the other. Rename one where it is declared, or import it from its own module.`,
        ),
      );
      continue;
    }
    byBase.set(base, { fn: target.fn, as: symbol.name });
    // A marked function of this file's own has its names checked with it.
    if (target.fn.getSourceFile() === sourceFile) continue;
    const taken = derivativeNames(base)
      .map((name) => byName.get(name))
      .find((e) => e !== undefined && !markedTarget(ts, checker, e));
    if (taken)
      clashes.push(
        new DiffError(
          at(taken),
          DiagnosticCode.ReservedName,
          `This module exports '${taken.name}', the name of a derivative of the @differentiable function '${symbol.name}' it exports: calls of '${symbol.name}' through this module would reach it. Rename it.`,
        ),
      );
  }
  return clashes;
}

/** `'f__jvp' and 'f__vjp'`, for messages. */
const quotedDerivativeNames = (base: string) =>
  derivativeNames(base)
    .map((name) => `'${name}'`)
    .join(" and ");
