/**
 * Normalize: reads of variables declared outside the marked function.
 *
 * The generated adjoint reads such a variable in its forward sweep and
 * again in its reverse sweep, and a pullback runs both sweeps again later,
 * so the variable must hold the same value all along. A `const` does, and
 * so does a module-level `let` or `var` that no code assigns after its
 * declaration. Any other read is an error at the read:
 *
 *   let scale = 2;
 *   export function setScale(s: number) { scale = s; }
 *   /** @differentiable *\/
 *   export function f(x: number) { return scale * x; }   // TS96017 at `scale`
 *
 * Only code in the declaring module can assign a module-level variable (an
 * import is read-only), so that module is all there is to search. A `let`
 * or `var` anywhere else (a namespace export, a global of a script) may be
 * assigned from any file, so it is always rejected. Declaration files,
 * the default library's `Math` and `Infinity` among them, declare values
 * tsad treats as fixed.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError } from "../diagnostics";
import { declaredByStandardLibrary } from "./call-targets";
import { isDirectEval, skipWrappers } from "./wrappers";

export interface OuterVariableContext {
  readonly ts: typeof import("typescript");
  readonly checker: ts.TypeChecker;
  /** The variables each source file assigns to, and where first; found on first use. */
  readonly assignedIn: WeakMap<ts.SourceFile, ReadonlyMap<ts.Symbol, ts.Node>>;
}

/**
 * Throws if `id`, read by a marked function, names a variable some code
 * reassigns (`ns["value"]` names one by a string).
 */
export function requireFixedOuterVariable(
  context: OuterVariableContext,
  id: ts.Identifier | ts.StringLiteralLike,
): void {
  requireFixed(context, id, false);
}

/**
 * Throws if `id`, a marked function a marked function calls, may be
 * replaced: a function declaration is a binding too, which a direct
 * `eval` can assign, and the derivatives would call the old one's.
 */
export function requireFixedCallee(
  context: OuterVariableContext,
  id: ts.Identifier,
): void {
  requireFixed(context, id, true);
}

function requireFixed(
  context: OuterVariableContext,
  id: ts.Identifier | ts.StringLiteralLike,
  callee: boolean,
): void {
  const { ts, checker } = context;
  let symbol = checker.getSymbolAtLocation(id);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias)
    symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  const initializer =
    declaration && ts.isVariableDeclaration(declaration)
      ? declaration.initializer && skipWrappers(ts, declaration.initializer)
      : undefined;
  if (
    initializer &&
    ts.isNewExpression(initializer) &&
    ts.isIdentifier(initializer.expression) &&
    initializer.expression.text === "Proxy" &&
    declaredByStandardLibrary(
      checker.getSymbolAtLocation(initializer.expression),
    )
  ) {
    throw new DiffError(
      id,
      DiagnosticCode.UnsupportedSyntax,
      `'${id.text}' is a Proxy: reading it runs its handler, code tsad does not see, and the derivative code reads it again in the reverse sweep. Make it a plain array or object.`,
    );
  }
  const binding =
    callee &&
    symbol !== undefined &&
    (symbol.flags & ts.SymbolFlags.Function) !== 0;
  if (
    !symbol ||
    !(binding || symbol.flags & ts.SymbolFlags.Variable) ||
    !declaration ||
    declaration.getSourceFile().isDeclarationFile ||
    ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Constant
  ) {
    return;
  }
  const scope = moduleScope(ts, declaration);
  const moduleLevel =
    scope !== undefined && ts.isSourceFile(scope) && ts.isExternalModule(scope);
  const assignment = moduleLevel
    ? assignedIn(context, scope).get(symbol)
    : undefined;
  if ((moduleLevel || binding) && !assignment) return;
  const name = id.text;
  const where = moduleLevel
    ? "other code assigns"
    : "code in any file may assign";
  throw new DiffError(
    id,
    DiagnosticCode.ReassignableVariable,
    binding
      ? `'${name}' is a function that a direct \`eval\` of its module may replace: the derivative code would still call the one it was built from. Move the \`eval\` to a module of its own.`
      : `'${name}' is a \`let\` or \`var\` that ${where}: it may change between the forward and the reverse sweep (or before a pullback), and the derivative would be wrong. Declare it \`const\`, or pass its value in as a parameter.`,
    assignment
      ? [
          {
            node: assignment,
            message: ts.isCallExpression(assignment)
              ? `this \`eval\` may assign '${name}'`
              : `'${name}' is assigned here`,
          },
        ]
      : [],
  );
}

function assignedIn(
  context: OuterVariableContext,
  sourceFile: ts.SourceFile,
): ReadonlyMap<ts.Symbol, ts.Node> {
  let assigned = context.assignedIn.get(sourceFile);
  if (assigned) return assigned;
  const { ts, checker } = context;
  const found = new Map<ts.Symbol, ts.Node>();
  let directEval: ts.CallExpression | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && isAssignmentTarget(ts, node)) {
      const symbol = ts.isShorthandPropertyAssignment(node.parent)
        ? checker.getShorthandAssignmentValueSymbol(node.parent)
        : checker.getSymbolAtLocation(node);
      if (symbol && !found.has(symbol)) found.set(symbol, node);
    }
    if (isDirectEval(ts, node)) directEval ??= node;
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  // A direct `eval` may assign any variable (or function or class) of
  // the module without naming it.
  const declared = (node: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node)) &&
      node.name &&
      moduleScope(ts, node) === sourceFile
    )
      for (const symbol of declaredSymbols(ts, checker, node.name))
        if (!found.has(symbol)) found.set(symbol, directEval!);
    ts.forEachChild(node, declared);
  };
  if (directEval) declared(sourceFile);
  assigned = found;
  context.assignedIn.set(sourceFile, assigned);
  return assigned;
}

/** The function, module block or file whose variable `declaration` declares. */
function moduleScope(
  ts: typeof import("typescript"),
  declaration: ts.Node,
): ts.Node | undefined {
  return ts.findAncestor(
    declaration.parent,
    (n) => ts.isFunctionLike(n) || ts.isSourceFile(n) || ts.isModuleBlock(n),
  );
}

/** The variables a declaration's name, or its destructuring pattern, declares. */
function declaredSymbols(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  name: ts.BindingName,
): ts.Symbol[] {
  if (ts.isIdentifier(name)) {
    const symbol = checker.getSymbolAtLocation(name);
    return symbol ? [symbol] : [];
  }
  return name.elements.flatMap((element) =>
    ts.isOmittedExpression(element)
      ? []
      : declaredSymbols(ts, checker, element.name),
  );
}

/**
 * Whether `node` writes what an expression names: an assignment, `++`,
 * `--`, `delete`, or a `for...of`/`for...in` binding no declaration.
 * `visit` gets each target, destructuring patterns opened into theirs.
 */
export function forEachWrittenTarget(
  ts: typeof import("typescript"),
  node: ts.Node,
  visit: (target: ts.Expression) => void,
): boolean {
  const open = (target: ts.Expression): void => {
    target = skipWrappers(ts, target);
    if (ts.isArrayLiteralExpression(target))
      for (const e of target.elements)
        open(ts.isSpreadElement(e) ? e.expression : e);
    else if (ts.isObjectLiteralExpression(target))
      for (const p of target.properties) {
        if (ts.isPropertyAssignment(p)) open(p.initializer);
        else if (ts.isSpreadAssignment(p)) open(p.expression);
        else if (ts.isShorthandPropertyAssignment(p)) visit(p.name);
      }
    else if (ts.isBinaryExpression(target))
      open(target.left); // a default
    else visit(target);
  };
  if (
    ts.isBinaryExpression(node) &&
    node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
    node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
  )
    open(node.left);
  else if (
    (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
    (node.operator === ts.SyntaxKind.PlusPlusToken ||
      node.operator === ts.SyntaxKind.MinusMinusToken)
  )
    open(node.operand);
  else if (ts.isDeleteExpression(node)) open(node.expression);
  else if (
    (ts.isForOfStatement(node) || ts.isForInStatement(node)) &&
    !ts.isVariableDeclarationList(node.initializer)
  )
    open(node.initializer);
  else return false;
  return true;
}

/**
 * Whether assigning `id` is what the code does: `x = v`, `x += v`, `x++`,
 * `[x, y] = ...`, `({ x } = ...)`, `for (x of xs)`.
 */
export function isAssignmentTarget(
  ts: typeof import("typescript"),
  target: ts.Expression,
): boolean {
  let node: ts.Node = target;
  for (;;) {
    const parent = node.parent;
    if (
      ts.isParenthesizedExpression(parent) ||
      ts.isNonNullExpression(parent) ||
      ts.isAsExpression(parent) ||
      ts.isSatisfiesExpression(parent) ||
      ts.isTypeAssertionExpression(parent) ||
      ts.isArrayLiteralExpression(parent) ||
      ts.isSpreadElement(parent) ||
      ts.isSpreadAssignment(parent) ||
      (ts.isShorthandPropertyAssignment(parent) && parent.name === node) ||
      (ts.isPropertyAssignment(parent) && parent.initializer === node)
    ) {
      // Inside a pattern: the literal it belongs to decides.
      node = ts.isObjectLiteralElement(parent) ? parent.parent : parent;
      continue;
    }
    if (ts.isBinaryExpression(parent)) {
      const op = parent.operatorToken.kind;
      return (
        parent.left === node &&
        op >= ts.SyntaxKind.FirstAssignment &&
        op <= ts.SyntaxKind.LastAssignment
      );
    }
    if (
      ts.isPrefixUnaryExpression(parent) ||
      ts.isPostfixUnaryExpression(parent)
    ) {
      return (
        parent.operator === ts.SyntaxKind.PlusPlusToken ||
        parent.operator === ts.SyntaxKind.MinusMinusToken
      );
    }
    return (
      (ts.isForOfStatement(parent) || ts.isForInStatement(parent)) &&
      parent.initializer === node
    );
  }
}
