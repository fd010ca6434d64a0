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
import type * as ts from "typescript";
import { DiagnosticCode, DiffError } from "./diagnostics";
import {
  allReads,
  arrayKinds,
  definedNames,
  forEachSubexpression,
  nestedBlocks,
  readsField,
  type Expr,
  type Reads,
  type FunctionIR,
  type Stmt,
} from "./ir";

export interface Activity {
  readonly active: ReadonlySet<string>;
  /**
   * The calls of unmarked functions given a varying value, whose results
   * carry no derivative (unused, compared, an index), but a call that
   * changes nothing (`UnmarkedCall.writesNothing`). One may keep the
   * value for other unmarked code (a call whose result the function
   * uses, a getter) to give back out of the derivatives' sight: the two
   * cannot meet (see `unmarkedCallsOf`).
   */
  readonly keeps: readonly ts.Node[];
  /**
   * The calls of unmarked functions given a local array that may change
   * it: they may fill it with what another call kept (or with what they
   * are given).
   */
  readonly fills: readonly ts.Node[];
  /** Of those, the ones also given a varying value of another kind. */
  readonly fillsWithVarying: readonly ts.Node[];
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
  // What carries a varying value: `tick(x.length)` passes an integer on.
  let carried: Set<string> | undefined;
  const carriedNames = () =>
    (carried ??= variedNames(fn, independents, informativeReads));
  forEachDefinition(fn.body, (name, value) => {
    if (active.has(name)) rejectOpaqueFlow(value, varied, carriedNames);
  });
  // Those whose results are active are rejected above.
  const keeps: ts.Node[] = [];
  const fills: ts.Node[] = [];
  const fillsWithVarying: ts.Node[] = [];
  const locals = definedNames(fn.body);
  const arrays = arrayKinds(fn);
  const local = (arg: Expr) =>
    arg.kind === "var" && locals.has(arg.name) && arrays.has(arg.name);
  const varying = (arg: Expr) => passesVaryingOn(arg, varied, carriedNames);
  const note = (value: Expr, resultActive: boolean) => {
    if (value.kind !== "extern") return;
    if (value.writesNothing) return;
    if (!resultActive && value.args.some(varying)) keeps.push(value.node);
    if (!value.args.some(local)) return;
    fills.push(value.node);
    // An array it is given and fills is checked where it is read (see
    // unmarked-array-arguments.ts); another varying value may go into it.
    if (value.args.some((arg) => !local(arg) && varying(arg)))
      fillsWithVarying.push(value.node);
  };
  forEachEffect(fn.body, (value) => note(value, false));
  forEachDefinition(fn.body, (name, value) => note(value, active.has(name)));
  return { active, keeps, fills, fillsWithVarying };
}

/** Every variable a value reads, `stopGradient` aside. */
const anyReads: Reads = (e, visit) =>
  allReads(e, visit, /*intoStopGradient*/ false);

/**
 * The variables that depend on the (`independents`) differentiable
 * parameters through what `reads` follows: anything (`stopGradient`
 * aside), operations with a derivative (`differentiableReads`: not
 * through a length, a comparison, an index), or operations that may pass
 * a varying value on (`informativeReads`).
 */
export function variedNames(
  fn: FunctionIR,
  independents?: readonly number[],
  reads: Reads = anyReads,
): Set<string> {
  const varied = new Set(
    fn.params
      .filter(
        (p, i) => p.kind !== "none" && (independents?.includes(i) ?? true),
      )
      .map((p) => p.name),
  );
  const depends = (value: Expr) => {
    let found = false;
    reads(value, (read) => (found ||= varied.has(read)));
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

/** The value of every statement made for its effects, nested ones too. */
function forEachEffect(body: readonly Stmt[], visit: (value: Expr) => void) {
  for (const s of body) {
    if (s.kind === "effect") visit(s.value);
    nestedBlocks(s).forEach((block) => forEachEffect(block, visit));
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
 * The variables whose values `e` may pass on, so that a function tsad
 * does not see could compute a varying number from it: all it reads, but
 * through a length, a comparison or `!` (integers and booleans, constant
 * between the points where they jump) or `stopGradient`. A string made
 * from a number passes it on (`parseFloat("" + x)`).
 */
export const informativeReads: Reads = (e, visit) => {
  const walk = (inner: Expr): void => {
    switch (inner.kind) {
      case "var":
        return visit(inner.name);
      case "length":
      case "compare":
      case "not":
      case "stopGradient":
        return;
      // The index of an element of data only picks the element.
      case "member":
        return walk(inner.object);
      default:
        forEachSubexpression(inner, walk);
    }
  };
  walk(e);
};

/**
 * Whether `e` may pass a varying value on. `varied`: what depends on the
 * parameters at all; `carried` (asked for only where `varied` finds
 * something): what may pass a varying value on.
 */
function passesVaryingOn(
  e: Expr,
  varied: ReadonlySet<string>,
  carried: () => ReadonlySet<string>,
): boolean {
  if (!readsAny(e, varied)) return false;
  let found = false;
  informativeReads(e, (read) => (found ||= carried().has(read)));
  return found;
}

/**
 * `varied`: what depends on the parameters at all; `carried` (asked for
 * only where `varied` finds something): what may pass a varying value on.
 */
function rejectOpaqueFlow(
  value: Expr,
  varied: ReadonlySet<string>,
  carried: () => ReadonlySet<string>,
) {
  const passesOn = (e: Expr) => passesVaryingOn(e, varied, carried);
  // Whatever its declared type, an active value computed by a call tsad
  // cannot see into would lose its derivative.
  if (value.kind === "extern" && value.args.some(passesOn)) {
    const callee = value.callee.getText();
    throw new DiffError(
      value.node,
      DiagnosticCode.UnmarkedCall,
      value.markedDeclaration
        ? `'${callee}' is marked @differentiable where it is compiled, but this program has only its declaration, without its derivatives: tsad differentiates calls of marked functions whose source the program compiles. Compile its source with this program (its files in "include", not a package or a project reference), or wrap the argument in stopGradient(...) if its derivative should be zero.`
        : value.library
          ? `'${callee}' is a library function that tsad has no derivative rule for, so it cannot differentiate through it. Compute the value with operations tsad differentiates (a loop, \`Math\` functions, \`.slice()\` for a copy), or wrap the argument in stopGradient(...) if its derivative should be zero.`
          : `'${callee}' is not marked @differentiable, so tsad cannot differentiate through it. Mark its declaration with /** @differentiable */, or wrap the argument in stopGradient(...) if its derivative should be zero.`,
      value.markedDeclaration
        ? [
            {
              node: value.markedDeclaration,
              message: `'${callee}' is declared here, in a declaration file`,
            },
          ]
        : [],
    );
  }
  if (readsField(value) && value.numeric && passesOn(value.object)) {
    throw new DiffError(
      value.node,
      DiagnosticCode.UnsupportedSyntax,
      `tsad cannot differentiate through the property '${value.key}' yet. Compute this value from numbers directly, or wrap it in stopGradient(...).`,
    );
  }
}
