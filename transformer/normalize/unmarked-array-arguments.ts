/**
 * An array passed to a function that is not marked may come back changed:
 * tsad cannot see inside the callee, so it does not know which elements
 * the call writes. Its derivative code would then read stale values: a
 * read before the call reused after it, a read hoisted out of a loop, or
 * the reverse sweep rereading an element after the call changed it where
 * the forward sweep read it before.
 *
 *   let s = x * a[0];  bump(a);  return s;   // reverse sweep reads bump's a[0]
 *
 * The array is safe when the derivative code never reads it across the
 * call: the call comes before every other use of the array and is not in a
 * loop (or a callback, which runs like one), and the array holds no values
 * from the inputs or the caller yet (not a parameter, allocated or a
 * literal of numbers) and is no other name for an array, so everything
 * tsad sees starts from the state the call left; or nothing but such calls
 * uses the array at all; or the call changes nothing that existed before
 * it (unmarked-writes.ts reads what it runs: `console.log(a)`, a helper
 * that only reads `a`). Anything else is TS96003, whether or not the
 * callee writes: tsad cannot tell.
 *
 *   const a = new Array(n).fill(0);  fill(a, k);  ... x[i] * a[i] ...  // fine
 *   for (...) { s += x[0] * a[0] * s;  bump(a); }                      // TS96003
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError, type RelatedNode } from "../diagnostics";
import type { DifferentiableFunction } from "../select";
import { isObjectType } from "./hidden-writes";
import {
  accessRoot,
  isFieldBinding,
  isWrapper,
  skipWrappers,
} from "./wrappers";

export interface UnmarkedArrayArgumentsContext {
  readonly ts: typeof import("typescript");
  readonly checker: ts.TypeChecker;
  /** The marked function being lowered. */
  readonly fn: DifferentiableFunction;
  readonly isArray: (node: ts.Expression) => boolean;
  readonly isMatrix: (node: ts.Expression) => boolean;
  /** Whether `call` calls a function tsad cannot see into. */
  readonly isUnmarkedCall: (call: ts.CallExpression) => boolean;
  /**
   * Whether `call` changes nothing that existed before it, its arguments
   * included (`console.log(a)`, a helper that only reads `a`; see
   * unmarked-writes.ts).
   */
  readonly writesNothing: (call: ts.CallExpression) => boolean;
}

/** Throws at the first array argument of the unmarked `call` that tsad could read stale. */
export function requireArraysUnchangedByCall(
  context: UnmarkedArrayArgumentsContext,
  call: ts.CallExpression,
): void {
  const { ts, checker } = context;
  if (context.writesNothing(call)) return;
  for (const argument of call.arguments) {
    const name = skipWrappers(ts, argument);
    requireRecordUnchangedByCall(context, call, name);
    if (!ts.isIdentifier(name) || !context.isArray(name)) continue;
    const symbol = checker.getSymbolAtLocation(name);
    if (!symbol) continue;
    const alias = aliasOf(context, symbol);
    const uses = usesOf(context, symbol);
    // A parameter is the caller's array, which the caller reads as a
    // marked call leaves it: unchanged.
    const parameter =
      symbol.valueDeclaration !== undefined &&
      ts.isParameter(symbol.valueDeclaration);
    if (uses.length === 0 && !alias && !parameter) continue;
    const repeated = inLoop(ts, context.fn, call);
    const values = alias ?? valuesBefore(context, symbol);
    const before = values ?? usedBefore(uses, call, repeated);
    if (!before) continue;
    const callee = call.expression.getText();
    const a = name.text;
    const why = alias
      ? `'${a}' is another name for an array the function may use`
      : values
        ? `'${a}' holds values its derivative code reads`
        : repeated
          ? `this call runs in a loop while the function also uses '${a}'`
          : `the function uses '${a}' before this call`;
    const copy = context.isMatrix(name)
      ? `a copy of each of its rows`
      : `a copy: \`${callee}(${call.arguments.map((arg) => (arg === argument ? `${a}.slice()` : arg.getText())).join(", ")})\``;
    // Marking it cannot help: a marked function writes no argument.
    const moveCall = values
      ? ""
      : `call it before any other use of '${a}' and outside loops, or `;
    throw new DiffError(
      name,
      DiagnosticCode.UnsupportedSyntax,
      `'${callee}' is not marked, so tsad cannot know whether it changes '${a}', and ${why}: they could differ from the values the function read. If '${callee}' only reads '${a}', pass ${copy}; if it writes into '${a}', ${moveCall}have it return a new array instead (marked \`/** @differentiable */\` if its values depend on the inputs).`,
      [before],
    );
  }
}

/**
 * A record (`bump(data)`), or what a record's field holds (`bump(data.t)`):
 * the call may change its fields, which the function reads through the
 * record's name anywhere else (before the call, the reverse sweep reads
 * them again after it).
 */
function requireRecordUnchangedByCall(
  context: UnmarkedArrayArgumentsContext,
  call: ts.CallExpression,
  argument: ts.Expression,
): void {
  const { ts, checker } = context;
  const root = accessRoot(ts, argument);
  if (!ts.isIdentifier(root) || context.isArray(root)) return;
  // A field's number (`half(o.lr)`) gives the call no way to the record.
  if (
    argument !== root &&
    !isObjectType(ts, checker.getTypeAtLocation(argument))
  )
    return;
  const type = checker.getTypeAtLocation(root);
  if (!isObjectType(ts, type) || type.getCallSignatures().length > 0) return;
  const symbol = checker.getSymbolAtLocation(root);
  const declaration = symbol?.valueDeclaration;
  const use =
    symbol &&
    usesOf(context, symbol).find(
      (u) =>
        u.getStart() < argument.getStart() || u.getEnd() > argument.getEnd(),
    );
  // A parameter is the caller's record (which the caller reads as a
  // marked call leaves it), and `const d = data` another name for one,
  // whose uses tsad does not follow: used or not here, they are read.
  const shared: RelatedNode | undefined =
    declaration === undefined
      ? undefined
      : ts.isParameter(declaration)
        ? { node: declaration, message: `'${root.text}' is the caller's` }
        : ts.isVariableDeclaration(declaration) &&
            declaration.initializer !== undefined &&
            !ts.isObjectLiteralExpression(
              skipWrappers(ts, declaration.initializer),
            )
          ? {
              node: declaration,
              message: `'${root.text}' is another name for a record here`,
            }
          : undefined;
  const related = use
    ? { node: use, message: `'${root.text}' is used here` }
    : shared;
  if (!related) return;
  const callee = call.expression.getText();
  throw new DiffError(
    argument,
    DiagnosticCode.UnsupportedSyntax,
    `'${callee}' is not marked, so tsad cannot know whether it changes '${argument.getText()}', and the fields of '${root.text}' are read (by the function, or by its caller for a parameter). If '${callee}' only reads it, pass a copy of what it needs; if it changes it, call it outside the marked function.`,
    [related],
  );
}

function usedBefore(
  uses: readonly ts.Identifier[],
  call: ts.CallExpression,
  repeated: boolean,
): RelatedNode | undefined {
  const use = uses.find((u) => repeated || u.getStart() < call.getStart());
  return use && { node: use, message: `'${use.text}' is used here` };
}

/**
 * `const b = a` or `const r = m[i]`: the call changes an array other
 * names reach, whose uses are not the argument's.
 */
function aliasOf(
  context: UnmarkedArrayArgumentsContext,
  symbol: ts.Symbol,
): RelatedNode | undefined {
  const { ts } = context;
  const declaration = symbol.valueDeclaration;
  // `const { t } = data`: another name for `data.t`.
  if (declaration && isFieldBinding(ts, declaration))
    return {
      node: declaration,
      message: `'${declaration.name.getText()}' is another name for the array a field holds here`,
    };
  if (!declaration || !ts.isVariableDeclaration(declaration)) return undefined;
  const init =
    declaration.initializer && skipWrappers(ts, declaration.initializer);
  if (
    !init ||
    !(
      ts.isIdentifier(init) ||
      ts.isElementAccessExpression(init) ||
      ts.isPropertyAccessExpression(init)
    )
  )
    return undefined;
  return {
    node: init,
    message: `'${declaration.name.getText()}' is another name for '${init.getText()}' here`,
  };
}

/**
 * Where the array got values derivative code may read before any call
 * could change them: a parameter (the caller's values, active ones
 * included), or an initializer other than fresh constants.
 *
 *   const a = [x, 2 * x];  zero(a);  return a[0];   // a[0]'s adjoint went to x
 */
function valuesBefore(
  context: UnmarkedArrayArgumentsContext,
  symbol: ts.Symbol,
): RelatedNode | undefined {
  const { ts } = context;
  const declaration = symbol.valueDeclaration;
  if (!declaration) return undefined;
  if (isFieldBinding(ts, declaration))
    return {
      node: declaration,
      message: `'${declaration.name.getText()}' gets its values from a field here`,
    };
  if (ts.isParameter(declaration))
    return {
      node: declaration,
      message: `'${declaration.name.getText()}' is a parameter: its values come from the caller`,
    };
  if (
    ts.isVariableDeclaration(declaration) &&
    declaration.initializer &&
    !isFreshConstant(context, declaration.initializer)
  )
    return {
      node: declaration.initializer,
      message: `'${declaration.name.getText()}' gets its values here`,
    };
  return undefined;
}

/**
 * An array whose values do not depend on the inputs: allocated
 * (`new Float64Array(n)`, `new Array(n).fill(0)`), a literal of number
 * literals, or what an unmarked call returned.
 */
function isFreshConstant(
  context: UnmarkedArrayArgumentsContext,
  init: ts.Expression,
): boolean {
  const { ts } = context;
  init = skipWrappers(ts, init);
  if (ts.isNewExpression(init)) return true;
  if (ts.isArrayLiteralExpression(init))
    return init.elements.every(
      (e) =>
        ts.isNumericLiteral(e) ||
        (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand)) ||
        (ts.isArrayLiteralExpression(e) && isFreshConstant(context, e)),
    );
  if (!ts.isCallExpression(init)) return false;
  const callee = skipWrappers(ts, init.expression);
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === "fill")
    return isFreshConstant(context, callee.expression);
  if (ts.isIdentifier(callee) && callee.text === "Array") return true;
  return context.isUnmarkedCall(init);
}

/**
 * The uses of `symbol` in the marked function that derivative code sees:
 * all but its declaration and the arguments of unmarked calls (checked
 * themselves).
 */
function usesOf(
  context: UnmarkedArrayArgumentsContext,
  symbol: ts.Symbol,
): ts.Identifier[] {
  const { ts, checker } = context;
  const uses: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isIdentifier(node) &&
      checker.getSymbolAtLocation(node) === symbol &&
      !isDeclarationName(ts, node) &&
      !isUnmarkedArgument(context, node)
    )
      uses.push(node);
    ts.forEachChild(node, visit);
  };
  if (context.fn.body) visit(context.fn.body);
  return uses;
}

function isDeclarationName(
  ts: typeof import("typescript"),
  node: ts.Identifier,
): boolean {
  const parent = node.parent;
  return (
    (ts.isVariableDeclaration(parent) || ts.isParameter(parent)) &&
    parent.name === node
  );
}

function isUnmarkedArgument(
  context: UnmarkedArrayArgumentsContext,
  node: ts.Identifier,
): boolean {
  const { ts } = context;
  let argument: ts.Node = node;
  while (isWrapper(ts, argument.parent)) argument = argument.parent;
  const call = argument.parent;
  return (
    ts.isCallExpression(call) &&
    call.arguments.includes(argument as ts.Expression) &&
    context.isUnmarkedCall(call)
  );
}

/** Whether `node` may run more than once per call of `fn`. */
function inLoop(
  ts: typeof import("typescript"),
  fn: ts.Node,
  node: ts.Node,
): boolean {
  for (let n = node.parent; n !== fn; n = n.parent) {
    if (ts.isIterationStatement(n, /*lookInLabeledStatements*/ false))
      return true;
    if (ts.isFunctionLike(n)) return true;
  }
  return false;
}
