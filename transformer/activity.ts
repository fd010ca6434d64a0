/**
 * Activity analysis: which variables carry derivatives.
 *
 * Input: a normalized function. Output: the set of active variables, those
 * that both depend on a differentiable parameter (varied) and flow into the
 * result through differentiable operations (useful). Only active variables
 * get tangent or adjoint code:
 *
 *   function f(x: number, n: number) {   varied: x, n, a, b, c
 *     const a = x * 2;                    useful: a, x, b, n, ...
 *     const b = n > 0;   // test only     active: x, a (not b: a boolean that
 *     ...                                 only steers control flow)
 *
 * It also rejects what would silently lose a derivative: an active value
 * passed to a function tsad cannot see into.
 */
import { DiagnosticCode, DiffError } from "./diagnostics";
import { allReads, type Expr, type FunctionIR, type Stmt } from "./ir";

export interface Activity {
  readonly active: ReadonlySet<string>;
}

/**
 * `independents`: the parameters derivatives are taken with respect to, by
 * index (all differentiable ones by default). A gradient with respect to
 * `x` alone gives `A` and what only `A` reaches no adjoint code.
 */
export function analyzeActivity(
  fn: FunctionIR,
  independents?: readonly number[],
): Activity {
  const varied = variedNames(fn, independents);

  const useful = new Set<string>();
  const returned = fn.body.at(-1);
  if (returned?.kind === "return" && returned.value.kind === "var")
    useful.add(returned.value.name);
  untilStable(useful, () =>
    forEachDefinition(fn.body, (name, value) => {
      if (useful.has(name))
        differentiableReads(value, (read) => useful.add(read));
    }),
  );

  const active = new Set([...varied].filter((name) => useful.has(name)));
  // What carries a derivative: `tick(x.length)` passes an integer on.
  let carriesDerivative: Set<string> | undefined;
  forEachDefinition(fn.body, (name, value) => {
    if (active.has(name))
      rejectOpaqueFlow(
        value,
        varied,
        () => (carriesDerivative ??= variedNames(fn, independents, true)),
      );
  });
  return { active };
}

/**
 * The variables that depend on the (`independents`) differentiable
 * parameters; with `differentiably`, only through operations with a
 * derivative (not through a length, a comparison, an index).
 */
export function variedNames(
  fn: FunctionIR,
  independents?: readonly number[],
  differentiably = false,
): Set<string> {
  const varied = new Set(
    fn.params
      .filter(
        (p, i) => p.kind !== "none" && (independents?.includes(i) ?? true),
      )
      .map((p) => p.name),
  );
  const depends = (value: Expr) => {
    if (!differentiably) return readsAny(value, varied);
    let found = false;
    differentiableReads(value, (read) => (found ||= varied.has(read)));
    return found;
  };
  // Loops make the flow cyclic (a carried variable feeds itself), so both
  // passes (this one and `useful`'s) run until nothing changes.
  untilStable(varied, () =>
    forEachDefinition(fn.body, (name, value) => {
      if (depends(value)) varied.add(name);
    }),
  );
  return varied;
}

/** Runs `pass`, which adds to `set`, until a run adds nothing. */
function untilStable(set: ReadonlySet<string>, pass: () => void) {
  for (let size = -1; size !== set.size;) {
    size = set.size;
    pass();
  }
}

export function isActiveAtom(
  activity: Activity,
  e: Expr,
): e is { kind: "var"; name: string } {
  return e.kind === "var" && activity.active.has(e.name);
}

type Visit = (name: string, value: Expr) => void;

/** Every definition, nested blocks and loops included, in program order. */
function forEachDefinition(body: readonly Stmt[], visit: Visit) {
  for (const s of body) {
    if (s.kind === "const" || s.kind === "assign") visit(s.name, s.value);
    if (s.kind === "declare" && s.init) visit(s.name, s.init);
    // An element written makes the array depend on (and feed) the value.
    if ((s.kind === "store" || s.kind === "append") && s.array.kind === "var") {
      visit(s.array.name, s.value);
    }
    if (s.kind === "if") {
      forEachDefinition(s.then, visit);
      forEachDefinition(s.else, visit);
    }
    if (s.kind === "loop") {
      if (s.header.kind === "while") forEachDefinition(s.header.test, visit);
      forEachDefinition(s.body, visit);
    }
  }
}

/** Whether `e` depends on `names` at all, `stopGradient` aside. */
function readsAny(e: Expr, names: ReadonlySet<string>): boolean {
  let found = false;
  allReads(
    e,
    (read) => (found ||= names.has(read)),
    /*intoStopGradient*/ false,
  );
  return found;
}

/**
 * The variables a value's derivative depends on. Comparisons, `stopGradient`
 * and non-number parameters of marked callees pass no derivative on; opaque
 * calls and members are included so `rejectOpaqueFlow` can see them.
 */
export function differentiableReads(
  e: Expr,
  visit: (name: string) => void,
): void {
  switch (e.kind) {
    case "var":
      return visit(e.name);
    case "binary":
      differentiableReads(e.left, visit);
      return differentiableReads(e.right, visit);
    case "neg":
      return differentiableReads(e.operand, visit);
    case "math":
    case "extern":
      return e.args.forEach((a) => differentiableReads(a, visit));
    case "call":
      return e.args.forEach((a, i) => {
        if (e.callee.params[i] !== "none") differentiableReads(a, visit);
      });
    case "cond":
      differentiableReads(e.whenTrue, visit);
      return differentiableReads(e.whenFalse, visit);
    case "member":
      return e.numeric ? differentiableReads(e.object, visit) : undefined;
    case "index":
    case "copy":
      return differentiableReads(e.array, visit);
    case "arrayLiteral":
      return e.elements.forEach((element) =>
        differentiableReads(element, visit),
      );
    default:
      return;
  }
}

/**
 * `varied`: what depends on the parameters at all; `carriesDerivative`
 * (asked for only where `varied` finds something): through operations
 * with a derivative.
 */
function rejectOpaqueFlow(
  value: Expr,
  varied: ReadonlySet<string>,
  carriesDerivative: () => ReadonlySet<string>,
) {
  const differentiable = (e: Expr) => {
    if (!readsAny(e, varied)) return false;
    const names = carriesDerivative();
    let found = false;
    differentiableReads(e, (read) => (found ||= names.has(read)));
    return found;
  };
  // Whatever its declared type, an active value computed by a call tsad
  // cannot see into would lose its derivative.
  if (value.kind === "extern" && value.args.some(differentiable)) {
    const callee = value.callee.getText();
    throw new DiffError(
      value.node,
      DiagnosticCode.UnmarkedCall,
      `'${callee}' is not marked @differentiable, so tsad cannot differentiate through it. Mark its declaration with /** @differentiable */, or wrap the argument in stopGradient(...) if its derivative should be zero.`,
    );
  }
  if (
    value.kind === "member" &&
    value.numeric &&
    differentiable(value.object)
  ) {
    throw new DiffError(
      value.node,
      DiagnosticCode.UnsupportedSyntax,
      `tsad cannot differentiate through the property '${value.name}' yet. Compute this value from numbers directly, or wrap it in stopGradient(...).`,
    );
  }
}
