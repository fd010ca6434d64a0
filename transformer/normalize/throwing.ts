/**
 * Which code may throw. The derivatives throw where the function does, so
 * a derivative calls a marked function whose value it does not need if
 * the call may throw, and a statement whose parts tsad computes out of
 * order (`f(x)[i]`, `xs.reduce(...)` first) may not have a call that may
 * throw run before such a part that may throw too.
 *
 * Code may throw if it has a `throw`, or calls code that may: a function
 * of the program, marked or not, looked into as far as its calls lead
 * (`validate(x)` helpers throw, a `note(...)` counter does not), or code
 * tsad does not see (a package's function, a method of an interface).
 * The standard library's functions are taken not to (`Math.exp`,
 * `x.slice`, `console.log`), nor is the runtime's `stopGradient`; nor are
 * errors the language raises (`new Float64Array(-1)`, a field of
 * `undefined`).
 */
import type * as ts from "typescript";
import { skipWrappers } from "./wrappers";

export class Throwing {
  /** Per function or class looked into. */
  private readonly known = new WeakMap<ts.Node, boolean>();
  /** The code being looked into, and whether a call led back into it. */
  private readonly open = new Set<ts.Node>();
  private ledBack = false;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    private readonly isStopGradient: (call: ts.CallExpression) => boolean,
  ) {}

  /** Whether a call of `fn` (a function of the program) may throw. */
  callMayThrow(fn: ts.SignatureDeclaration): boolean {
    return this.codeMayThrow(fn);
  }

  /** Whether running `node` (an expression, a statement) may throw. */
  mayThrow(node: ts.Node): boolean {
    const { ts } = this;
    const visit = (n: ts.Node): boolean => {
      if (ts.isThrowStatement(n)) return true;
      if (
        (ts.isCallExpression(n) || ts.isNewExpression(n)) &&
        this.calleeMayThrow(n)
      )
        return true;
      return ts.forEachChild(n, visit) ?? false;
    };
    return visit(node);
  }

  private calleeMayThrow(call: ts.CallExpression | ts.NewExpression): boolean {
    const { ts, checker } = this;
    if (ts.isCallExpression(call) && this.isStopGradient(call)) return false;
    const callee = skipWrappers(ts, call.expression);
    let symbol = checker.getSymbolAtLocation(
      ts.isPropertyAccessExpression(callee) ? callee.name : callee,
    );
    if (symbol && symbol.flags & ts.SymbolFlags.Alias)
      symbol = checker.getAliasedSymbol(symbol);
    const declarations = symbol?.declarations ?? [];
    if (declarations.some((d) => d.getSourceFile().hasNoDefaultLib))
      return false;
    const code = declarations.find(
      (d) =>
        this.codeOf(d) !== undefined && !d.getSourceFile().isDeclarationFile,
    );
    return code ? this.codeMayThrow(this.codeOf(code)!) : true;
  }

  /** The code a declaration runs when called: a function's, a class's. */
  private codeOf(declaration: ts.Declaration): ts.Node | undefined {
    const { ts } = this;
    if (ts.isClassLike(declaration)) return declaration;
    // Its parameters' defaults run too.
    if (ts.isFunctionLike(declaration))
      return "body" in declaration && declaration.body
        ? declaration
        : undefined;
    const value =
      ts.isVariableDeclaration(declaration) ||
      ts.isPropertyAssignment(declaration)
        ? declaration.initializer && skipWrappers(ts, declaration.initializer)
        : undefined;
    return value &&
      (ts.isArrowFunction(value) || ts.isFunctionExpression(value))
      ? value
      : undefined;
  }

  private codeMayThrow(code: ts.Node): boolean {
    const answer = this.known.get(code);
    if (answer !== undefined) return answer;
    // A call back into code being looked into adds nothing new to it, but
    // a "no" that leaned on it is only final once that code is answered:
    // it is not kept (functions that call each other, unmarked ones).
    if (this.open.has(code)) {
      this.ledBack = true;
      return false;
    }
    const outer = this.ledBack;
    this.ledBack = false;
    this.open.add(code);
    const found = this.mayThrow(code);
    this.open.delete(code);
    if (found || !this.ledBack) this.known.set(code, found);
    this.ledBack ||= outer;
    return found;
  }
}
