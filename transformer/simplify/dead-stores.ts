/**
 * Stores into single elements nothing reads afterwards. Liveness
 * (liveness.ts) keeps every store into an array the function still reads,
 * so the reverse sweep of a returned matrix literal kept the zeroing of
 * each cotangent element it had taken:
 *
 *   const t_adj = result_adj[1][1];          const t_adj = result_adj[1][1];
 *   result_adj[1][1] = 0;               ->
 *   s_adj += result_adj[0][0];               s_adj += result_adj[0][0];
 *
 * Only where that is plain to see: a `set` of an element with literal
 * indices, of an array only its own name reaches (`arrayNames`), outside
 * loops (a loop could read it again in its next iteration), with a value
 * that has no effect (no call, no pop), and every later mention of the
 * array an element with a literal index that differs.
 */
import {
  definedNames,
  forEachExpr,
  forEachSubexpression,
  someSubexpression,
  nestedBlocks,
  type Expr,
  type Stmt,
} from "../ir";
import type { BodyFacts } from "./facts";

/** `body` without such stores; `undefined` if there are none. */
export function removeDeadStores({
  body,
  owned,
}: BodyFacts): Stmt[] | undefined {
  let changed = false;
  /** `after`: the blocks that run once `block` is done, innermost first. */
  const inBlock = (
    block: readonly Stmt[],
    after: readonly (readonly Stmt[])[],
  ): Stmt[] =>
    block.flatMap((s, k): Stmt[] => {
      // Only a store goes, and only a branch holds more: no copy of the
      // rest of the block for the other statements.
      if (s.kind !== "store" && s.kind !== "if") return [s];
      const rest = [block.slice(k + 1), ...after];
      if (s.kind === "store" && isDead(s, owned, rest)) {
        changed = true;
        return [];
      }
      if (s.kind !== "if") return [s];
      return [
        { ...s, then: inBlock(s.then, rest), else: inBlock(s.else, rest) },
      ];
    });
  const kept = inBlock(body, []);
  return changed ? kept : undefined;
}

type Store = Extract<Stmt, { kind: "store" }>;

function isDead(
  s: Store,
  owned: (array: string) => boolean,
  rest: readonly (readonly Stmt[])[],
): boolean {
  if (s.mode !== "set" || s.array.kind !== "var") return false;
  const name = s.array.name;
  const element = literalIndices(s.indices);
  if (!owned(name) || !element || hasEffects(s.value)) return false;
  return !rest.some((block) => mayRead(block, name, element));
}

/** Whether `block` may read (or take, or rename) element `element` of `name`. */
function mayRead(
  block: readonly Stmt[],
  name: string,
  element: readonly number[],
): boolean {
  const inExpr = (e: Expr) => exprMayRead(e, name, element);
  return block.some((s) => {
    if (s.kind === "store" && s.array.kind === "var" && s.array.name === name)
      return (
        !differs(s.indices, element) || [...s.indices, s.value].some(inExpr)
      );
    if (s.kind === "accumulate" && s.name === name)
      return (
        !s.indices ||
        !differs(s.indices, element) ||
        [...s.indices, s.value].some(inExpr)
      );
    if (s.kind === "if")
      return (
        inExpr(s.test) ||
        mayRead(s.then, name, element) ||
        mayRead(s.else, name, element)
      );
    if (s.kind === "loop") {
      const header =
        s.header.kind === "counted"
          ? [s.header.start, s.header.end]
          : [s.header.condition];
      return (
        header.some(inExpr) ||
        nestedBlocks(s).some((b) => mayRead(b, name, element))
      );
    }
    if (
      definedNames([s]).has(name) ||
      ((s.kind === "assign" || s.kind === "pop") && s.name === name)
    )
      return true;
    let found = false;
    forEachExpr([s], (e) => (found ||= inExpr(e)));
    return found;
  });
}

function exprMayRead(
  e: Expr,
  name: string,
  element: readonly number[],
): boolean {
  if (e.kind === "var") return e.name === name;
  if (e.kind === "index" && e.array.kind === "var" && e.array.name === name) {
    return (
      !differs(e.indices, element) ||
      e.indices.some((i) => exprMayRead(i, name, element))
    );
  }
  let found = false;
  forEachSubexpression(e, (inner) => {
    found ||= exprMayRead(inner, name, element);
  });
  return found;
}

/** Whether `indices` name another element (or row) than `element`, for sure. */
function differs(indices: readonly Expr[], element: readonly number[]) {
  return indices.some((index, k) => {
    const literal = index.kind === "num" ? index.value : undefined;
    return (
      literal !== undefined && k < element.length && literal !== element[k]
    );
  });
}

function literalIndices(indices: readonly Expr[]): number[] | undefined {
  const values = indices.map((i) => (i.kind === "num" ? i.value : undefined));
  return values.every((v) => v !== undefined) ? values : undefined;
}

/** A call or a pop: removing the store would remove that too. */
function hasEffects(e: Expr): boolean {
  return someSubexpression(
    e,
    (inner) =>
      inner.kind === "call" ||
      inner.kind === "extern" ||
      inner.kind === "popped",
  );
}
