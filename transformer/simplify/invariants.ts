/**
 * What a loop computes the same in every iteration is computed once,
 * before it, as a person writes it. The reverse sweep's recomputation of
 * an iteration is full of such values (an outer index read in an inner
 * loop, a matrix row):
 *
 *   for (let j = n - 1; j >= 0; j--) {        const x_i = x[i];
 *     x_adj[j] += x[i] * A[i][j] * s_adj; ->   const A_i = A[i];
 *   }                                          for (let j = n - 1; j >= 0; j--) {
 *                                                x_adj[j] += x_i * A_i[j] * s_adj;
 *                                              }
 *
 * What moves: arithmetic, `Math` functions and element reads of arrays
 * the loop does not write, on variables the loop does not change (and
 * names from outside the function, unless the loop calls code tsad does
 * not see, which could change them), and rows `A[i]` of matrices read so.
 * None of it can throw, so computing it when the loop runs no iteration
 * changes nothing: an element of a variable that holds an element (a row
 * `A_i`, which is `undefined` past the matrix's end) stays. A `const` whose whole value moves keeps its name (when
 * the function defines it only there).
 *
 * In derivative code, where rounding may change, a product's invariant
 * factors are multiplied first, so that their product moves: every
 * adjoint in a loop is proportional to the result's, and
 * `200 * (x[i + 1] - t) * f_adj` costs one multiplication less as
 * `t_1 * (x[i + 1] - t)`, with `const t_1 = 200 * f_adj` before the loop.
 */
import {
  readsField,
  allReads,
  assignedScalars,
  binary,
  containsLoop,
  definedNames,
  forEachExpr,
  forEachSubexpression,
  someSubexpression,
  mapBlocks,
  mapExprs,
  mapSubexpressions,
  neg,
  nestedBlocks,
  num,
  ref,
  type Expr,
  type Stmt,
} from "../ir";
import { expressionKey, factorsOf, isNum } from "./algebra";
import {
  forget,
  readsElements,
  remember,
  writtenArrays,
  type Available,
} from "./available";
import { isExact } from "./exact";
import type { BodyFacts } from "./facts";
import type { Names } from "../naming";

type Loop = Extract<Stmt, { kind: "loop" }>;

/**
 * `body` with loop-invariant values moved out; `undefined` if none.
 * `exactNames`: the names of primal values, whose rounding must not
 * change (see `isExact`); the names of values moved out of their
 * statements join it.
 */
export function hoistInvariants(
  facts: BodyFacts,
  exactNames: Set<string>,
  reserved: Names,
): Stmt[] | undefined {
  const { body } = facts;
  if (!containsLoop(body)) return undefined;
  const { definitions } = facts;
  // Made when a value first needs a name of its own: most calls hoist
  // none (taken before `exactNames` gets the names made).
  let names: Names | undefined;
  const fresh = (description: string) => {
    if (!names) {
      const used = new Set<string>([...exactNames, ...definitions.keys()]);
      forEachExpr(body, (e) => allReads(e, (name) => used.add(name)));
      names = reserved.with(used);
    }
    return names.freshFrom(description);
  };
  const ownName = facts.own;
  const elements = elementNames(body);
  let changed = false;

  const visit = (block: readonly Stmt[]): Stmt[] => {
    const out: Stmt[] = [];
    const before: Available = new Map();
    for (const statement of block) {
      const s = mapBlocks(statement, visit);
      if (s.kind === "loop") {
        const { hoisted, loop } = hoistFrom(
          s,
          before,
          definitions,
          fresh,
          ownName,
          exactNames,
          elements,
        );
        if (hoisted.length > 0) changed = true;
        out.push(...hoisted, loop);
      } else {
        out.push(s);
      }
      forget(before, s, ownName);
      if (s.kind === "const") remember(before, s.name, s.value);
    }
    return out;
  };
  const result = visit(body);
  return changed ? result : undefined;
}

function hoistFrom(
  loop: Loop,
  before: Available,
  definitions: ReadonlyMap<string, number>,
  fresh: (description: string) => string,
  ownName: (array: string) => boolean,
  exactNames: Set<string>,
  elements: Set<string>,
): { hoisted: Stmt[]; loop: Loop } {
  const changing = definedNames(nestedBlocks(loop).flat());
  assignedScalars([loop], changing);
  if (loop.header.kind === "counted") changing.add(loop.header.counter);
  const written = new Set<string>();
  writtenArrays([loop], written);
  written.forEach((name) => changing.add(name));
  const elementsStay = [...written].every(ownName);
  let opaque = false;
  forEachExpr([loop], (e) => (opaque ||= callsOut(e)));
  const invariant = (e: Expr) => {
    let varies = false;
    allReads(e, (name) => (varies ||= changing.has(name)));
    return (
      !varies &&
      (elementsStay || !readsElements(e)) &&
      canHoist(e, /*outside*/ !opaque, elements)
    );
  };

  const hoisted: Stmt[] = [];
  /**
   * The variable holding `e` before the loop (a new one if need be); for
   * `exact` code, one whose value stays exact.
   */
  const held = (e: Expr, exact: boolean): Expr => {
    const known = before.get(expressionKey(e)!);
    if (known && (!exact || exactNames.has(known.name))) return ref(known.name);
    const name = fresh(baseName(e));
    if (exact) exactNames.add(name);
    hoisted.push({ kind: "const", name, value: e });
    if (e.kind === "index") elements.add(name);
    remember(before, name, e);
    return ref(name);
  };
  const moveOut = (e: Expr, exact: boolean): Expr => {
    // Reading a name again costs nothing; negating one is as cheap.
    if (isAtom(e) || (e.kind === "neg" && isAtom(e.operand))) return e;
    if (invariant(e) && expressionKey(e) !== undefined) return held(e, exact);
    const grouped = exact ? undefined : invariantFactorsFirst(e, invariant);
    if (grouped) {
      return binary(
        "*",
        moveOut(grouped.invariant, false),
        moveOut(grouped.varying, false),
      );
    }
    if (
      (e.kind === "index" || e.kind === "length") &&
      (e.array.kind === "var" || e.array.kind === "verbatim") &&
      e.indices.length > 0
    ) {
      // A matrix row read with an invariant index: `A[i][j]` -> `A_i[j]`.
      const indices = e.indices.map((i) => moveOut(i, true));
      const row: Expr = {
        kind: "index",
        array: e.array,
        indices: [indices[0]!],
      };
      if ((indices.length > 1 || e.kind === "length") && invariant(row)) {
        return { ...e, array: held(row, exact), indices: indices.slice(1) };
      }
      return { ...e, indices };
    }
    return mapSubexpressions(e, (inner) => moveOut(inner, exact));
  };

  const rewrite = (block: readonly Stmt[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if (
        s.kind === "const" &&
        definitions.get(s.name) === 1 &&
        s.value.kind !== "var" &&
        invariant(s.value)
      ) {
        // The whole definition moves, under its own name.
        changing.delete(s.name);
        hoisted.push(s);
        remember(before, s.name, s.value);
        return [];
      }
      if (s.kind === "if") {
        return [
          {
            ...s,
            test: moveOut(s.test, true),
            then: rewrite(s.then),
            else: rewrite(s.else),
          },
        ];
      }
      // An inner loop's bounds are computed once per iteration already.
      if (s.kind === "loop") return [s];
      const exact = isExact(s, exactNames);
      return [mapExprs(s, (e) => moveOut(e, exact))];
    });
  const body = rewrite(loop.body);
  return { hoisted, loop: { ...loop, body } };
}

const isAtom = (e: Expr) =>
  e.kind === "var" ||
  e.kind === "num" ||
  e.kind === "mathConst" ||
  e.kind === "verbatim";

/**
 * A product (or its negation) as the product of its invariant factors,
 * literals and sign included, times the product of the others, when that
 * saves a multiplication in the loop: `-(2 * (b * f_adj))` ->
 * `(-2 * f_adj) * b`. `undefined` if it would not.
 */
function invariantFactorsFirst(
  e: Expr,
  invariant: (e: Expr) => boolean,
): { invariant: Expr; varying: Expr } | undefined {
  const negated = e.kind === "neg";
  const product = negated ? e.operand : e;
  if (product.kind !== "binary" || product.op !== "*") return undefined;
  let coefficient = negated ? -1 : 1;
  const fixed: Expr[] = [];
  const varying: Expr[] = [];
  for (const factor of factorsOf(product)) {
    if (isNum(factor)) coefficient *= factor.value;
    else if (invariant(factor) && expressionKey(factor) !== undefined)
      fixed.push(factor);
    else varying.push(factor);
  }
  // A negation costs what a multiplication does; `-f_adj` does not move.
  const saved = fixed.length - 1 + (Math.abs(coefficient) === 1 ? 0 : 1);
  if (fixed.length === 0 || varying.length === 0 || saved < 1) return undefined;
  const fixedProduct = fixed.reduce((left, right) => binary("*", left, right));
  return {
    invariant:
      coefficient === 1
        ? fixedProduct
        : coefficient === -1
          ? neg(fixedProduct)
          : binary("*", num(coefficient), fixedProduct),
    varying: varying.reduce((left, right) => binary("*", left, right)),
  };
}

/** `x[i]` -> `x_i`, `A[i]` -> `A_i`; other values -> `t`. */
function baseName(e: Expr): string {
  if (e.kind !== "index") return "t";
  const array =
    e.array.kind === "var"
      ? e.array.name
      : ((e.array as { node?: { text?: string } }).node?.text ?? "t");
  return `${array}_${e.indices.map((i) => expressionKey(i) ?? "k").join("_")}`;
}

/**
 * Pure and unable to throw: arithmetic, `Math`, reads of array variables
 * (not of `elements`, which may be `undefined`), and with `outside`, names
 * from outside the function (and their elements).
 */
function canHoist(
  e: Expr,
  outside: boolean,
  elements: ReadonlySet<string>,
): boolean {
  // A name or a literal: no property read (a getter could do anything).
  const name = (a: Expr) =>
    a.kind === "var" ||
    (outside && a.kind === "verbatim" && !("expression" in a.node));
  switch (e.kind) {
    case "num":
    case "var":
    case "mathConst":
    case "binary":
    case "neg":
    case "math":
      break;
    case "verbatim":
      return name(e);
    case "index":
      if (!name(e.array) || e.indices.length !== 1) return false;
      if (e.array.kind === "var" && elements.has(e.array.name)) return false;
      return e.indices.every((i) => canHoist(i, outside, elements));
    default:
      return false;
  }
  let ok = true;
  forEachSubexpression(
    e,
    (inner) => (ok &&= canHoist(inner, outside, elements)),
  );
  return ok;
}

/** The variables given an element of an array (a row, of a matrix). */
function elementNames(body: readonly Stmt[]): Set<string> {
  const names = new Set<string>();
  const visit = (block: readonly Stmt[]) => {
    for (const s of block) {
      if (
        ((s.kind === "const" || s.kind === "assign") &&
          s.value.kind === "index") ||
        (s.kind === "declare" && s.init?.kind === "index")
      )
        names.add(s.name);
      nestedBlocks(s).forEach(visit);
    }
  };
  visit(body);
  return names;
}

/** Calls code tsad does not see, or reads a property. */
function callsOut(e: Expr): boolean {
  return someSubexpression(
    e,
    (inner) => inner.kind === "extern" || readsField(inner),
  );
}
