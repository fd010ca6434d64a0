/**
 * Simplify: make generated code read like code a person would write.
 *
 * Input and output: a function in IR. Applied to fixpoint:
 * - algebra on literals: `1 * x` -> `x`, `0 + x` -> `x`, `x ** 1` -> `x`,
 *   `(1 / b) * g` -> `g / b`, `(c ? 1 : 0) * g` -> `c ? g : 0`;
 * - copy and constant propagation, and single-use temporaries folded into
 *   their use (pure values that read nothing reassigned only);
 * - dead code: unused pure definitions, adjoints nobody reads;
 * - `let v = a; v += b;` -> `const v = a + b;` when nothing in between
 *   touches `v` or what `b` reads;
 * - `let m; if (c) { m = a; } else { m = b; }` -> `const m = c ? a : b;`
 * - `let` never reassigned -> `const`.
 * Variables returned directly keep their names: `return [r, x_adj]`.
 */
import {
  allReads,
  forEachExpr,
  mapExprs,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "./ir";

export function simplify(fn: FunctionIR): FunctionIR {
  let body: readonly Stmt[] = fn.body.map(simplifyStatementExprs);
  for (let round = 0; round < 50; round++) {
    const next = simplifyOnce(body);
    if (next === body) break;
    body = next;
  }
  const mutated = mutatedNames(body);
  return { ...fn, body: finalizeDeclarations(body, mutated) };
}

function simplifyOnce(body: readonly Stmt[]): Stmt[] | readonly Stmt[] {
  const uses = useCounts(body);
  const mutated = mutatedNames(body);
  const keep = returnedNames(body);

  const removed = removeDead(body, uses);
  if (removed) return removed;
  const inlined = inlineOne(body, uses, mutated, keep);
  if (inlined) return inlined;
  const folded = foldAccumulations(body);
  if (folded) return folded;
  const ternary = mergesToTernaries(body);
  if (ternary) return ternary;
  return body;
}

// ---- expressions ----------------------------------------------------------

const isNum = (e: Expr, value?: number): e is { kind: "num"; value: number } =>
  e.kind === "num" && (value === undefined || e.value === value);

export function simplifyExpr(e: Expr): Expr {
  switch (e.kind) {
    case "binary": {
      const left = simplifyExpr(e.left);
      const right = simplifyExpr(e.right);
      return simplifyBinary({ ...e, left, right });
    }
    case "neg": {
      const operand = simplifyExpr(e.operand);
      if (operand.kind === "neg") return operand.operand;
      if (isNum(operand)) return { kind: "num", value: -operand.value };
      return { ...e, operand };
    }
    case "math":
    case "call":
    case "extern":
      return { ...e, args: e.args.map(simplifyExpr) };
    case "tuple":
      return { ...e, elements: e.elements.map(simplifyExpr) };
    case "cond": {
      const test = simplifyExpr(e.test);
      if (test.kind === "bool")
        return simplifyExpr(test.value ? e.whenTrue : e.whenFalse);
      const whenTrue = simplifyExpr(e.whenTrue);
      const whenFalse = simplifyExpr(e.whenFalse);
      return { ...e, test, whenTrue, whenFalse };
    }
    case "compare":
    case "logical":
    case "inactiveBinary":
      return { ...e, left: simplifyExpr(e.left), right: simplifyExpr(e.right) };
    case "not":
      return { ...e, operand: simplifyExpr(e.operand) };
    case "member":
      return { ...e, object: simplifyExpr(e.object) };
    case "stopGradient":
      return { ...e, value: simplifyExpr(e.value) };
    default:
      return e;
  }
}

function simplifyBinary(e: Extract<Expr, { kind: "binary" }>): Expr {
  const { op, left, right } = e;
  if (isNum(left) && isNum(right)) {
    const folded = fold(op, left.value, right.value);
    if (Number.isFinite(folded) && Number.isInteger(folded))
      return { kind: "num", value: folded };
  }
  switch (op) {
    case "*":
      if (isNum(left, 0) || isNum(right, 0)) return { kind: "num", value: 0 };
      if (isNum(left, 1)) return right;
      if (isNum(right, 1)) return left;
      if (isNum(left, -1)) return simplifyExpr({ kind: "neg", operand: right });
      if (isNum(right, -1)) return simplifyExpr({ kind: "neg", operand: left });
      if (left.kind === "neg")
        return simplifyExpr({
          kind: "neg",
          operand: { ...e, left: left.operand },
        });
      if (right.kind === "neg")
        return simplifyExpr({
          kind: "neg",
          operand: { ...e, right: right.operand },
        });
      if (isReciprocal(left))
        return simplifyBinary({
          ...e,
          op: "/",
          left: right,
          right: left.right,
        });
      if (isReciprocal(right))
        return simplifyBinary({ ...e, op: "/", left, right: right.right });
      if (isIndicator(left)) return indicatorTimes(left, right);
      if (isIndicator(right)) return indicatorTimes(right, left);
      return e;
    case "+":
      if (isNum(left, 0)) return right;
      if (isNum(right, 0)) return left;
      if (right.kind === "neg") return { ...e, op: "-", right: right.operand };
      if (left.kind === "neg")
        return simplifyBinary({
          ...e,
          op: "-",
          left: right,
          right: left.operand,
        });
      return e;
    case "-":
      if (isNum(right, 0)) return left;
      if (isNum(left, 0)) return simplifyExpr({ kind: "neg", operand: right });
      if (right.kind === "neg") return { ...e, op: "+", right: right.operand };
      return e;
    case "/":
      if (isNum(right, 1)) return left;
      if (isNum(left, 0)) return { kind: "num", value: 0 };
      if (left.kind === "neg")
        return simplifyExpr({
          kind: "neg",
          operand: { ...e, left: left.operand },
        });
      return e;
    case "**":
      if (isNum(right, 1)) return left;
      if (isNum(right, 0)) return { kind: "num", value: 1 };
      return e;
    default:
      return e;
  }
}

function fold(op: string, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
    case "**":
      return a ** b;
    default:
      return NaN;
  }
}

const isReciprocal = (e: Expr): e is Extract<Expr, { kind: "binary" }> =>
  e.kind === "binary" && e.op === "/" && isNum(e.left, 1);

/** `c ? 1 : 0` or `c ? 0 : 1`, as the min/max/hypot rules make them. */
const isIndicator = (e: Expr): e is Extract<Expr, { kind: "cond" }> =>
  e.kind === "cond" &&
  ((isNum(e.whenTrue, 1) && isNum(e.whenFalse, 0)) ||
    (isNum(e.whenTrue, 0) && isNum(e.whenFalse, 1)));

function indicatorTimes(
  indicator: Extract<Expr, { kind: "cond" }>,
  factor: Expr,
): Expr {
  const pick = (e: Expr) => (isNum(e, 1) ? factor : e);
  return {
    ...indicator,
    whenTrue: pick(indicator.whenTrue),
    whenFalse: pick(indicator.whenFalse),
  };
}

function substitute(e: Expr, name: string, replacement: Expr): Expr {
  const sub = (inner: Expr) => substitute(inner, name, replacement);
  switch (e.kind) {
    case "var":
      return e.name === name ? replacement : e;
    case "binary":
    case "compare":
    case "logical":
    case "inactiveBinary":
      return { ...e, left: sub(e.left), right: sub(e.right) };
    case "neg":
    case "not":
      return { ...e, operand: sub(e.operand) };
    case "math":
    case "call":
    case "extern":
      return { ...e, args: e.args.map(sub) };
    case "tuple":
      return { ...e, elements: e.elements.map(sub) };
    case "cond":
      return {
        ...e,
        test: sub(e.test),
        whenTrue: sub(e.whenTrue),
        whenFalse: sub(e.whenFalse),
      };
    case "member":
      return { ...e, object: sub(e.object) };
    case "stopGradient":
      return { ...e, value: sub(e.value) };
    default:
      return e;
  }
}

// ---- statements -----------------------------------------------------------

const simplifyStatementExprs = (s: Stmt) => mapExprs(s, simplifyExpr);

function useCounts(body: readonly Stmt[]): Map<string, number> {
  const uses = new Map<string, number>();
  forEachExpr(body, (e) =>
    allReads(e, (name) => uses.set(name, (uses.get(name) ?? 0) + 1)),
  );
  return uses;
}

function mutatedNames(
  body: readonly Stmt[],
  into = new Set<string>(),
): Set<string> {
  for (const s of body) {
    if (s.kind === "assign" || s.kind === "accumulate") into.add(s.name);
    if (s.kind === "declare" && !s.init) into.add(s.name);
    if (s.kind === "if") {
      mutatedNames(s.then, into);
      mutatedNames(s.else, into);
    }
  }
  return into;
}

function returnedNames(body: readonly Stmt[]): Set<string> {
  const names = new Set<string>();
  const last = body.at(-1);
  if (last?.kind === "return") {
    const elements =
      last.value.kind === "tuple" ? last.value.elements : [last.value];
    for (const e of elements) if (e.kind === "var") names.add(e.name);
  }
  return names;
}

function isPure(e: Expr): boolean {
  let pure = true;
  const visit = (inner: Expr): void => {
    if (inner.kind === "call" || inner.kind === "extern") pure = false;
    if (
      inner.kind === "binary" ||
      inner.kind === "compare" ||
      inner.kind === "logical"
    ) {
      visit(inner.left);
      visit(inner.right);
    }
    if (inner.kind === "neg" || inner.kind === "not") visit(inner.operand);
    if (inner.kind === "math") inner.args.forEach(visit);
    if (inner.kind === "tuple") inner.elements.forEach(visit);
    if (inner.kind === "cond")
      [inner.test, inner.whenTrue, inner.whenFalse].forEach(visit);
  };
  visit(e);
  return pure && e.kind !== "member" && e.kind !== "inactiveBinary";
}

const isAtom = (e: Expr) =>
  ["var", "num", "mathConst", "bool", "undefined"].includes(e.kind);

/** Removes one batch of dead code; `undefined` if there was none. */
function removeDead(
  body: readonly Stmt[],
  uses: ReadonlyMap<string, number>,
): Stmt[] | undefined {
  let changed = false;
  const unused = (name: string) => !uses.get(name);
  const visit = (block: readonly Stmt[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      switch (s.kind) {
        case "const":
          if (unused(s.name) && (isPure(s.value) || s.value.kind === "call"))
            return ((changed = true), []);
          return [s];
        case "declare":
        case "assign":
        case "accumulate":
          if (
            unused(s.name) &&
            (s.kind === "declare" ? !s.init || isPure(s.init) : true)
          ) {
            return ((changed = true), []);
          }
          return [s];
        case "destructure": {
          const names = s.names.map((n) => (n && unused(n) ? undefined : n));
          if (names.every((n) => n === undefined) && s.value.kind === "call")
            return ((changed = true), []);
          if (names.some((n, i) => n !== s.names[i])) changed = true;
          while (names.length > 0 && names.at(-1) === undefined) names.pop();
          return [{ ...s, names }];
        }
        case "if": {
          const then = visit(s.then);
          const otherwise = visit(s.else);
          if (then.length === 0 && otherwise.length === 0)
            return ((changed = true), []);
          return [{ ...s, then, else: otherwise }];
        }
        default:
          return [s];
      }
    });
  const result = visit(body);
  return changed ? result : undefined;
}

/**
 * Substitutes one definition into its uses: atoms everywhere, other pure
 * values at their only use. Only values that read nothing reassigned move,
 * so the value is the same wherever it is read.
 */
function inlineOne(
  body: readonly Stmt[],
  uses: ReadonlyMap<string, number>,
  mutated: ReadonlySet<string>,
  keep: ReadonlySet<string>,
): Stmt[] | undefined {
  let candidate: { name: string; value: Expr } | undefined;
  const find = (block: readonly Stmt[]) => {
    for (const [i, s] of block.entries()) {
      if (candidate) return;
      const value =
        s.kind === "const"
          ? s.value
          : s.kind === "declare"
            ? s.init
            : undefined;
      if (
        value &&
        (s.kind === "const" || s.kind === "declare") &&
        !mutated.has(s.name) &&
        !keep.has(s.name)
      ) {
        let readsMutated = false;
        allReads(value, (name) => (readsMutated ||= mutated.has(name)));
        const next = block[i + 1];
        // Nothing runs between a definition and a use in the very next
        // simple statement, so there the value may read anything.
        const usedNext =
          next !== undefined && next.kind !== "if" && touches(next, s.name);
        const movable = isPure(value) && (!readsMutated || usedNext);
        if (movable && (isAtom(value) || uses.get(s.name) === 1))
          candidate = { name: s.name, value };
      }
      if (s.kind === "if") {
        find(s.then);
        find(s.else);
      }
    }
  };
  find(body);
  if (!candidate) return undefined;
  const { name, value } = candidate;
  const visit = (block: readonly Stmt[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if ((s.kind === "const" || s.kind === "declare") && s.name === name)
        return [];
      const replaced = mapExprs(s, (e) =>
        simplifyExpr(substitute(e, name, value)),
      );
      return replaced.kind === "if"
        ? [
            {
              ...replaced,
              then: visit(replaced.then),
              else: visit(replaced.else),
            },
          ]
        : [replaced];
    });
  return visit(body);
}

/** `let v = a; ...; v += b;` -> `let v = a + b; ...` where that is safe. */
function foldAccumulations(body: readonly Stmt[]): Stmt[] | undefined {
  for (const [i, s] of body.entries()) {
    if (s.kind !== "declare" || !s.init) continue;
    for (let j = i + 1; j < body.length; j++) {
      const later = body[j]!;
      if (later.kind === "accumulate" && later.name === s.name) {
        const between = body.slice(i + 1, j);
        const touched = new Set<string>();
        mutatedNames(between, touched);
        definedNames(between, touched);
        let blocked = false;
        allReads(later.value, (name) => (blocked ||= touched.has(name)));
        if (blocked) break;
        const merged: Stmt = {
          ...s,
          init: simplifyExpr({
            kind: "binary",
            op: "+",
            left: s.init,
            right: later.value,
          }),
        };
        return [...body.slice(0, i), merged, ...between, ...body.slice(j + 1)];
      }
      if (touches(later, s.name)) break;
    }
  }
  for (const [i, s] of body.entries()) {
    if (s.kind !== "if") continue;
    const then = foldAccumulations(s.then);
    const otherwise = foldAccumulations(s.else);
    if (then || otherwise) {
      return [
        ...body.slice(0, i),
        { ...s, then: then ?? [...s.then], else: otherwise ?? [...s.else] },
        ...body.slice(i + 1),
      ];
    }
  }
  return undefined;
}

function definedNames(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (s.kind === "const" || s.kind === "declare") into.add(s.name);
    if (s.kind === "destructure") s.names.forEach((n) => n && into.add(n));
    if (s.kind === "if") {
      definedNames(s.then, into);
      definedNames(s.else, into);
    }
  }
}

function touches(s: Stmt, name: string): boolean {
  let found = false;
  forEachExpr([s], (e) => allReads(e, (read) => (found ||= read === name)));
  const written = new Set<string>();
  mutatedNames([s], written);
  return found || written.has(name);
}

/**
 * `let m; if (c) { m = a; } else { m = b; }` -> `const m = c ? a : b;` and
 * `let v = 0; if (c) { v += a; }` -> `const v = c ? a : 0;`
 */
function mergesToTernaries(body: readonly Stmt[]): Stmt[] | undefined {
  for (const [i, s] of body.entries()) {
    const next = body[i + 1];
    if (s.kind === "declare" && next?.kind === "if") {
      const start = s.init;
      const branchValue = (branch: readonly Stmt[]): Expr | undefined => {
        if (branch.length === 0)
          return start && isNum(start, 0) ? start : undefined;
        const [only] = branch;
        if (
          branch.length !== 1 ||
          only!.kind === "if" ||
          !("name" in only!) ||
          only.name !== s.name
        )
          return undefined;
        if (only.kind === "assign" && !start) return only.value;
        if (only.kind === "accumulate" && start && isNum(start, 0))
          return only.value;
        return undefined;
      };
      const whenTrue = branchValue(next.then);
      const whenFalse = branchValue(next.else);
      if (whenTrue && whenFalse) {
        const value = simplifyExpr({
          kind: "cond",
          test: next.test,
          whenTrue,
          whenFalse,
        });
        return [
          ...body.slice(0, i),
          { kind: "declare", name: s.name, init: value },
          ...body.slice(i + 2),
        ];
      }
    }
    if (s.kind === "if") {
      const then = mergesToTernaries(s.then);
      const otherwise = mergesToTernaries(s.else);
      if (then || otherwise) {
        return [
          ...body.slice(0, i),
          { ...s, then: then ?? [...s.then], else: otherwise ?? [...s.else] },
          ...body.slice(i + 1),
        ];
      }
    }
  }
  return undefined;
}

/** `let v = a` never reassigned becomes `const v = a`. */
function finalizeDeclarations(
  body: readonly Stmt[],
  mutated: ReadonlySet<string>,
): Stmt[] {
  return body.map((s): Stmt => {
    if (s.kind === "declare" && s.init && !mutated.has(s.name))
      return { kind: "const", name: s.name, value: s.init };
    if (s.kind === "if") {
      return {
        ...s,
        then: finalizeDeclarations(s.then, mutated),
        else: finalizeDeclarations(s.else, mutated),
      };
    }
    return s;
  });
}
