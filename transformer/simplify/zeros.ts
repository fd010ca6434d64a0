/**
 * An adjoint that a branch makes exactly zero (the derivative of
 * `Math.max(a, 0)` where `a < 0`, of the branch not taken) contributes
 * nothing to what it is added into: the additions it scales go into the
 * branch, as a person writes backpropagation through a ReLU.
 *
 *   const a_adj = a >= 0 ? h_adj : 0;          if (a >= 0) {
 *   for (let i = n - 1; i >= 0; i--) {    ->     const a_adj = h_adj;
 *     W_adj[i] += x[i] * a_adj;                  for (let i = n - 1; i >= 0; i--) {
 *   }                                              W_adj[i] += x[i] * a_adj;
 *   b_adj += a_adj;                              }
 *                                                b_adj += a_adj;
 *                                              }
 *
 * Only additions of multiples of the adjoint (and the temporaries they
 * read) move, so each skipped addition adds a zero product (an infinite or
 * NaN factor times that zero aside, which the derivative does not have).
 */
import {
  readsField,
  allReads,
  forEachExpr,
  someSubexpression,
  mapBlocks,
  nestedBlocks,
  type Expr,
  type Stmt,
} from "../ir";
import { isNum } from "./algebra";

/** `body` with such additions in branches; `undefined` if none. */
export function skipZeroAdjoints(body: readonly Stmt[]): Stmt[] | undefined {
  let changed = false;
  const visit = (block: readonly Stmt[]): Stmt[] => {
    const out = block.map((s) => mapBlocks(s, visit));
    for (let k = 0; k < out.length; k++) {
      const wrapped = branchFrom(out, k) ?? additionsIntoBranch(out, k);
      if (!wrapped) continue;
      changed = true;
      out.splice(k, wrapped.length, ...wrapped.replacement);
    }
    return out;
  };
  const result = visit(body);
  return changed ? result : undefined;
}

/** The `if` replacing `block[k]` and the statements after it that move. */
function branchFrom(
  block: readonly Stmt[],
  k: number,
): { replacement: Stmt[]; length: number } | undefined {
  const s = block[k]!;
  // `let` until simplify has seen that nothing assigns it again.
  const init =
    s.kind === "const" ? s.value : s.kind === "declare" ? s.init : undefined;
  if (init?.kind !== "cond" || (s.kind !== "const" && s.kind !== "declare")) {
    return undefined;
  }
  if (assigns(block, s.name)) return undefined;
  const { test, whenTrue, whenFalse } = init;
  const zeroWhenFalse = isZero(whenFalse);
  if (!zeroWhenFalse && !isZero(whenTrue)) return undefined;
  const adjoint = s.name;
  let last = -1;
  block.forEach((t, i) => reads([t], adjoint) && (last = i));
  if (last <= k) return undefined;
  const moved = block.slice(k + 1, last + 1);
  if (!movableAdditions(moved, block.slice(last + 1), adjoint))
    return undefined;
  const value = zeroWhenFalse ? whenTrue : whenFalse;
  const branch: Stmt = {
    kind: "if",
    test: zeroWhenFalse ? test : { kind: "not", operand: test },
    then: [{ kind: "const", name: adjoint, value }, ...moved],
    else: [],
  };
  return { replacement: [branch], length: last - k + 1 };
}

/**
 * An adjoint that starts at 0 and only one branch of the `if` after it
 * adds to (the adjoint of an element read outside the branch that uses
 * it): the additions it scales go at the end of that branch. Elsewhere
 * they add 0, which past the end of a `number[]` would make an element.
 *
 *   let next_adj = 0;                 let next_adj = 0;
 *   if (test) { next_adj += t; }  ->  if (test) {
 *   x_adj[i + 1] += next_adj;           next_adj += t;
 *                                       x_adj[i + 1] += next_adj;
 *                                     }
 */
function additionsIntoBranch(
  block: readonly Stmt[],
  k: number,
): { replacement: Stmt[]; length: number } | undefined {
  const s = block[k]!;
  if (s.kind !== "declare" || !s.init || !isZero(s.init)) return undefined;
  const adjoint = s.name;
  // Past declarations of other adjoints, which the branch gives values.
  let j = k + 1;
  for (let t = block[j]; t?.kind === "declare"; t = block[++j])
    if (t.init && !isZero(t.init)) return undefined;
  const branching = block[j];
  if (branching?.kind !== "if") return undefined;
  const inThen = assigns(branching.then, adjoint);
  const inElse = assigns(branching.else, adjoint);
  if (inThen === inElse) return undefined;
  // Only the branch that adds to it reads it.
  if (reads(inThen ? branching.else : branching.then, adjoint))
    return undefined;
  let last = -1;
  block.forEach((t, i) => reads([t], adjoint) && (last = i));
  if (last <= j) return undefined;
  const moved = block.slice(j + 1, last + 1);
  if (!movableAdditions(moved, block.slice(last + 1), adjoint))
    return undefined;
  const branch: Stmt = inThen
    ? { ...branching, then: [...branching.then, ...moved] }
    : { ...branching, else: [...branching.else, ...moved] };
  return {
    replacement: [...block.slice(k, j), branch],
    length: last - k + 1,
  };
}

/**
 * Whether `moved` only adds multiples of `adjoint` (and computes the pure
 * temporaries they read, which `later` does not read), so that it may run
 * only where `adjoint` is not 0.
 */
function movableAdditions(
  moved: readonly Stmt[],
  later: readonly Stmt[],
  adjoint: string,
): boolean {
  const temporaries = new Set<string>();
  const movable = (t: Stmt): boolean => {
    if (t.kind === "const" && !reads([t], adjoint) && pure(t.value)) {
      temporaries.add(t.name);
      return true;
    }
    if (t.kind === "accumulate")
      return t.name !== adjoint && linearIn(t.value, adjoint);
    if (t.kind === "loop" && t.header.kind === "counted") {
      return t.body.every(movable);
    }
    return false;
  };
  return (
    moved.every(movable) && ![...temporaries].some((name) => reads(later, name))
  );
}

const isZero = (e: Expr) => isNum(e, 0);

/** `a`, `x * a`, `a / x`, `-(x * a)`, sums of such: zero where `a` is. */
function linearIn(e: Expr, a: string): boolean {
  switch (e.kind) {
    case "var":
      return e.name === a;
    case "neg":
      return linearIn(e.operand, a);
    case "binary":
      if (e.op === "+" || e.op === "-") {
        return linearIn(e.left, a) && linearIn(e.right, a);
      }
      if (e.op === "*") {
        return (
          (linearIn(e.left, a) && !readsExpr(e.right, a)) ||
          (linearIn(e.right, a) && !readsExpr(e.left, a))
        );
      }
      if (e.op === "/") return linearIn(e.left, a) && !readsExpr(e.right, a);
      return false;
    default:
      return false;
  }
}

/** Arithmetic and element reads: nothing that could do something else. */
function pure(e: Expr): boolean {
  return !someSubexpression(
    e,
    (inner) =>
      inner.kind === "call" ||
      inner.kind === "extern" ||
      readsField(inner) ||
      inner.kind === "newArray" ||
      inner.kind === "zeros" ||
      inner.kind === "copy" ||
      inner.kind === "arrayLiteral",
  );
}

function assigns(body: readonly Stmt[], name: string): boolean {
  return body.some(
    (s) =>
      ((s.kind === "assign" || s.kind === "accumulate" || s.kind === "pop") &&
        s.name === name) ||
      nestedBlocks(s).some((block) => assigns(block, name)),
  );
}

function readsExpr(e: Expr, name: string): boolean {
  let found = false;
  allReads(e, (read) => (found ||= read === name));
  return found;
}

function reads(body: readonly Stmt[], name: string): boolean {
  let found = false;
  forEachExpr(body, (e) => (found ||= readsExpr(e, name)));
  return found;
}
