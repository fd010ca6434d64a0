/**
 * Which code may throw. The derivatives throw where the function does, so
 * a derivative calls a marked function whose value it does not need if
 * the call may throw, and a statement whose parts tsad computes out of
 * order (`f(x)[i]`, `xs.reduce(...)` first) may not have a call that may
 * throw run before such a part that may throw too.
 *
 * Code may throw if it has a `throw`, or runs code that may: what a call
 * runs as call-targets.ts finds it (a function of the program, marked or
 * not, looked into as far as its calls lead: a `validate(x)` helper
 * throws, a `note(...)` counter does not; a method with its overrides; a
 * class's constructors up its chain; a function handed to another by
 * reference, `xs.forEach(check)`, `check.call(...)`), and code tsad does
 * not see (a package's, a `let` holding a function), as well as a setter
 * or a getter of the program's that an access may run. The standard
 * library's functions are taken not to (`Math.exp`, `x.slice`,
 * `console.log`), nor is the runtime's `stopGradient`; nor are errors the
 * language raises (`new Float64Array(-1)`, a field of `undefined`).
 */
import type * as ts from "typescript";
import type { CallTargets } from "./call-targets";
import { coerces } from "./hidden-writes";
import { isAssignmentTarget } from "./outer-variables";
import { isFieldBinding, skipWrappers } from "./wrappers";

export class Throwing {
  /** Per function or class looked into. */
  private readonly known = new WeakMap<ts.Node, boolean>();
  /** The code being looked into, and whether a call led back into it. */
  private readonly open = new Set<ts.Node>();
  private ledBack = false;
  /**
   * Code answered "no" in the open query while a call led back into open
   * code: final if the query's answer is "no" too.
   */
  private readonly tentative = new Set<ts.Node>();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly targets: CallTargets,
    private readonly isStopGradient: (call: ts.CallExpression) => boolean,
  ) {}

  /** Whether running `node` (an expression, a statement) may throw. */
  mayThrow(node: ts.Node): boolean {
    const { ts } = this;
    const visit = (n: ts.Node): boolean => {
      if (ts.isThrowStatement(n)) return true;
      if (
        (ts.isCallExpression(n) || ts.isNewExpression(n)) &&
        this.runMayThrow(n)
      )
        return true;
      if (ts.isTaggedTemplateExpression(n) && this.functionsMayThrow(n.tag))
        return true;
      if (
        (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) &&
        this.accessMayThrow(n)
      )
        return true;
      // `const { w } = cfg` reads `cfg.w`, as `cfg.w` does.
      if (
        isFieldBinding(ts, n) &&
        this.accessorsMayThrow(propertyNameOf(ts, n), "get")
      )
        return true;
      if (this.runsObjectCode(n)) return true;
      return ts.forEachChild(n, visit) ?? false;
    };
    return visit(node);
  }

  /** What a call or `new` runs, and the functions it is handed. */
  private runMayThrow(call: ts.CallExpression | ts.NewExpression): boolean {
    const { ts, targets } = this;
    if (ts.isCallExpression(call) && this.isStopGradient(call)) return false;
    const callee = skipWrappers(ts, call.expression);
    let library = false;
    if (ts.isNewExpression(call)) {
      // Its constructors, up the chain of classes it extends.
      for (
        let cls = targets.classOf(callee);
        cls !== "library";
        cls = targets.baseClassOf(cls)
      ) {
        if (cls === undefined || this.codeMayThrow(cls)) return true;
      }
    } else if (
      ts.isPropertyAccessExpression(callee) &&
      ["call", "apply", "bind"].includes(callee.name.text) &&
      targets.isFunctionValue(callee.expression)
    ) {
      if (this.functionsMayThrow(callee.expression)) return true;
    } else {
      const functions = targets.functionsOf(callee);
      if (this.anyMayThrow(functions)) return true;
      library = functions === "library";
    }
    // A function handed over by reference may be called (`forEach(check)`);
    // one written in place is looked into where it is. A library function
    // may run the accessors of a program's object (`Object.assign(box, v)`).
    return (call.arguments ?? []).some((a) =>
      targets.isFunctionValue(a)
        ? !ts.isArrowFunction(skipWrappers(ts, a)) &&
          !ts.isFunctionExpression(skipWrappers(ts, a)) &&
          this.functionsMayThrow(a)
        : library &&
          targets.isProgramObject(a) &&
          (this.accessorsMayThrow(undefined, "get") ||
            this.accessorsMayThrow(undefined, "set")),
    );
  }

  /**
   * Code an object of the program's runs by the language's own doing: its
   * iterator (`for...of`, spread) and its conversions (`${o}`, `o + 1`),
   * taken to throw as code tsad does not read.
   */
  private runsObjectCode(n: ts.Node): boolean {
    const { ts, targets } = this;
    const object = (e: ts.Expression) => targets.isProgramObject(e);
    if (ts.isForOfStatement(n) || ts.isSpreadElement(n) || ts.isTemplateSpan(n))
      return object(n.expression);
    // `{ ...o }` runs the getters of `o` itself.
    if (ts.isSpreadAssignment(n))
      return object(n.expression) && this.accessorsMayThrow(undefined, "get");
    // `const [a] = o` runs its iterator.
    if (
      ts.isArrayBindingPattern(n) &&
      ts.isVariableDeclaration(n.parent) &&
      n.parent.initializer
    )
      return object(n.parent.initializer);
    if (
      ts.isPrefixUnaryExpression(n) &&
      n.operator !== ts.SyntaxKind.ExclamationToken
    )
      return object(n.operand);
    if (ts.isBinaryExpression(n) && coerces(ts, n.operatorToken.kind))
      return object(n.left) || object(n.right);
    return false;
  }

  private functionsMayThrow(callee: ts.Expression): boolean {
    return this.anyMayThrow(this.targets.functionsOf(callee));
  }

  /** Whether one of the functions a call may run may throw. */
  private anyMayThrow(
    functions: ReturnType<CallTargets["functionsOf"]>,
  ): boolean {
    if (functions === "library") return false;
    if (functions === "unknown") return true;
    return functions.some((fn) => this.codeMayThrow(fn));
  }

  /** A setter an assignment may run, a getter a read may run. */
  private accessMayThrow(
    access: ts.PropertyAccessExpression | ts.ElementAccessExpression,
  ): boolean {
    const { ts, targets } = this;
    const name = ts.isPropertyAccessExpression(access)
      ? access.name.text
      : ts.isStringLiteralLike(access.argumentExpression)
        ? access.argumentExpression.text
        : undefined;
    return isAssignmentTarget(ts, access)
      ? targets.mayBeSetter(name) && this.accessorsMayThrow(name, "set")
      : targets.mayRunGetter(access) && this.accessorsMayThrow(name, "get");
  }

  /** Whether a getter (or setter) named `name`, any for `undefined`, may throw. */
  private accessorsMayThrow(
    name: string | undefined,
    kind: "get" | "set",
  ): boolean {
    const accessors = this.targets.accessorsNamed(name, kind);
    return (
      accessors === "unknown" ||
      accessors.some((accessor) => this.codeMayThrow(accessor))
    );
  }

  /**
   * Whether running `code` may throw: a function of the program (called),
   * a class (constructed), an accessor; answered once per program.
   */
  codeMayThrow(code: ts.Node): boolean {
    const answer = this.known.get(code);
    if (answer !== undefined) return answer;
    // A call back into code being looked into adds nothing new to it, but
    // a "no" that leaned on it is final only once the outermost query is
    // answered "no" (functions that call each other); until then it
    // answers "no" again, leaning the same way, so each code is looked
    // into once per query.
    if (this.open.has(code) || this.tentative.has(code)) {
      this.ledBack = true;
      return false;
    }
    const outer = this.ledBack;
    this.ledBack = false;
    this.open.add(code);
    const found = this.mayThrow(code);
    this.open.delete(code);
    if (found || !this.ledBack) this.known.set(code, found);
    else this.tentative.add(code);
    this.ledBack ||= outer;
    if (this.open.size === 0) {
      if (!found) for (const t of this.tentative) this.known.set(t, false);
      this.tentative.clear();
      this.ledBack = false;
    }
    return found;
  }
}

/**
 * The property a binding element reads, `w` in `const { w: v } = o`;
 * `undefined` for any (a rest, a computed key).
 */
function propertyNameOf(
  ts: typeof import("typescript"),
  element: ts.BindingElement,
): string | undefined {
  if (element.dotDotDotToken) return undefined;
  const key = element.propertyName ?? element.name;
  return ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
}
