/**
 * A literal factor that every use of a derivative value multiplies it by
 * is multiplied in once, where the value is defined:
 *
 *   const t_adj = t * g;                  const t_adj = 2 * (t * g);
 *   const dz_adj = 2 * (dz * t_adj);  ->  const dz_adj = dz * t_adj;
 *   const dy_adj = 2 * (dy * t_adj);      const dy_adj = dy * t_adj;
 *
 * The adjoint of `dz * dz` is `2 * (dz * t_adj)`, so a squared distance
 * gives one such factor per coordinate. Only derivative code changes (the
 * value and all its uses), where rounding may.
 */
import {
  assignedScalars,
  binary,
  forEachExpr,
  forEachSubexpression,
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  num,
  type Expr,
  type Stmt,
} from "../ir";
import { factorsOf, isNum, simplifyExpr } from "./algebra";
import { isExact } from "./exact";
import type { BodyFacts } from "./facts";

/** `body` with one value's factor moved; `undefined` if there is none. */
export function absorbCoefficients(
  { body, definitions }: BodyFacts,
  exactNames: ReadonlySet<string>,
): Stmt[] | undefined {
  const assigned = new Set<string>();
  assignedScalars(body, assigned);
  // The literal factor at each read of each value never reassigned.
  const coefficients = new Map<string, number[]>();
  definitionsWithValues(body, (name) => {
    if (!assigned.has(name)) coefficients.set(name, []);
  });
  forEachUse(body, exactNames, (name, c) => coefficients.get(name)?.push(c));

  for (const [name, uses] of coefficients) {
    const c = uses[0];
    if (
      c === undefined ||
      uses.length < 2 ||
      c === 1 ||
      !Number.isFinite(c) ||
      definitions.get(name) !== 1 ||
      exactNames.has(name) ||
      uses.some((u) => u !== c)
    )
      continue;
    return rewrite(body, name, c);
  }
  return undefined;
}

/** `visit` on each `const`, and each `let` with a value (nested too). */
function definitionsWithValues(
  body: readonly Stmt[],
  visit: (name: string) => void,
) {
  for (const s of body) {
    if (s.kind === "const" || (s.kind === "declare" && s.init)) visit(s.name);
    for (const block of nestedBlocks(s)) definitionsWithValues(block, visit);
  }
}

/**
 * Calls `record(name, c)` for each read of a name: `c` is the literal
 * factor of the product it is a factor of (1 if none), `NaN` where it may
 * not change (exact code, twice in one product).
 */
function forEachUse(
  body: readonly Stmt[],
  exactNames: ReadonlySet<string>,
  record: (name: string, coefficient: number) => void,
) {
  const walk = (e: Expr, exact: boolean) => {
    if (e.kind === "var") return record(e.name, exact ? NaN : 1);
    if (e.kind !== "binary" || e.op !== "*")
      return forEachSubexpression(e, (inner) => walk(inner, exact));
    const factors = factorsOf(e);
    let coefficient = 1;
    for (const f of factors) if (isNum(f)) coefficient *= f.value;
    const counts = new Map<string, number>();
    for (const f of factors)
      if (f.kind === "var") counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
    for (const f of factors) {
      if (f.kind !== "var") walk(f, exact);
      else if (exact || counts.get(f.name)! > 1) record(f.name, NaN);
      else record(f.name, coefficient);
    }
  };
  for (const s of body) {
    // Tests and loop headers are primal values.
    if (s.kind === "if") {
      walk(s.test, true);
      forEachUse(s.then, exactNames, record);
      forEachUse(s.else, exactNames, record);
    } else if (s.kind === "loop") {
      forEachExpr([{ ...s, body: [] }], (e) => walk(e, true));
      forEachUse(s.body, exactNames, record);
    } else {
      const exact = isExact(s, exactNames);
      forEachExpr([s], (e) => walk(e, exact));
    }
  }
}

/** `name` defined as `c` times its value, and read without the factor. */
function rewrite(body: readonly Stmt[], name: string, c: number): Stmt[] {
  const strip = (e: Expr): Expr => {
    if (e.kind !== "binary" || e.op !== "*") return mapSubexpressions(e, strip);
    const factors = factorsOf(e);
    if (!factors.some((f) => f.kind === "var" && f.name === name))
      return mapSubexpressions(e, strip);
    return factors
      .filter((f) => !isNum(f))
      .map((f) => (f.kind === "var" ? f : strip(f)))
      .reduce((left, right) => binary("*", left, right));
  };
  const scaled = (value: Expr) => simplifyExpr(binary("*", num(c), value));
  const visit = (block: readonly Stmt[]): Stmt[] =>
    block.map((s): Stmt => {
      if (s.kind === "declare" && s.name === name) {
        return { ...s, init: scaled(s.init!) };
      }
      if (s.kind === "const" && s.name === name) {
        return { ...s, value: scaled(s.value) };
      }
      if (s.kind === "if") {
        return { ...s, then: visit(s.then), else: visit(s.else) };
      }
      if (s.kind === "loop") return { ...s, body: visit(s.body) };
      return mapExprs(s, strip);
    });
  return visit(body);
}
