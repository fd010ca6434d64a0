/**
 * Algebra on expressions, bottom-up, for readable and lean derivative code:
 *
 *   1 * x -> x     0 + x -> x     x ** 1 -> x     2 * (4 * x) -> 8 * x
 *   (1 / b) * g -> g / b          (c ? 1 : 0) * g -> c ? g : 0
 *   2 > 0 ? a : b -> a            x + -y -> x - y
 *
 * Primal values get only the rewrites that never change a result.
 */
import {
  mapAll,
  mapSubexpressions,
  num,
  readsField,
  someSubexpression,
  type Expr,
} from "../ir";

/** Free of side effects, so it may move or go: no calls, no property reads, no pops. */
export function isPure(e: Expr): boolean {
  return !someSubexpression(
    e,
    (inner) =>
      inner.kind === "call" ||
      inner.kind === "extern" ||
      readsField(inner) ||
      inner.kind === "popped",
  );
}

export const isNum = (
  e: Expr,
  value?: number,
): e is { kind: "num"; value: number } =>
  e.kind === "num" && (value === undefined || e.value === value);

/**
 * The rewrites for one kind of code. Primal values must equal what the
 * user's function computes to the last bit (`valueAndGrad(f)(x)[0] ===
 * f(x)`), so for them (`exact`) only rewrites that never change a result
 * apply; derivative code also gets those that change rounding
 * (`3 * (5 * g)` -> `15 * g`, `(1 / b) * g` -> `g / b`) and drop terms
 * multiplied by a literal 0 (as JAX does, even where the other factor is
 * infinite).
 */
function algebra(exact: boolean): (e: Expr) => Expr {
  // Unchanged expressions come back as the same objects (see
  // `mapSubexpressions`), so their cached keys stay.
  function simplifyExpr(e: Expr): Expr {
    switch (e.kind) {
      case "binary": {
        const left = simplifyExpr(e.left);
        const right = simplifyExpr(e.right);
        return simplifyBinary(
          left === e.left && right === e.right ? e : { ...e, left, right },
        );
      }
      case "neg": {
        const operand = simplifyExpr(e.operand);
        if (operand.kind === "neg") return operand.operand;
        if (isNum(operand)) return { kind: "num", value: -operand.value };
        return operand === e.operand ? e : { ...e, operand };
      }
      case "cond": {
        const test = simplifyExpr(e.test);
        if (test.kind === "bool")
          return simplifyExpr(test.value ? e.whenTrue : e.whenFalse);
        const whenTrue = simplifyExpr(e.whenTrue);
        const whenFalse = simplifyExpr(e.whenFalse);
        return test === e.test &&
          whenTrue === e.whenTrue &&
          whenFalse === e.whenFalse
          ? e
          : { ...e, test, whenTrue, whenFalse };
      }
      case "compare": {
        const left = simplifyExpr(e.left);
        const right = simplifyExpr(e.right);
        if (isNum(left) && isNum(right)) {
          return {
            kind: "bool",
            value: compare(e.op, left.value, right.value),
          };
        }
        return left === e.left && right === e.right ? e : { ...e, left, right };
      }
      case "index": {
        const array = simplifyExpr(e.array);
        const indices = mapAll(e.indices, simplifyExpr);
        return readElement(array, indices, e);
      }
      case "math": {
        // `Math.ceil(2.5)` -> 3: the rounding functions are exact.
        const args = mapAll(e.args, simplifyExpr);
        const round = ROUNDING[e.fn];
        const value =
          round && args.length === 1 && isNum(args[0]!)
            ? round(args[0].value)
            : undefined;
        // (A literal prints no -0.)
        if (
          value !== undefined &&
          Number.isFinite(value) &&
          !Object.is(value, -0)
        )
          return { kind: "num", value };
        return args === e.args ? e : { ...e, args };
      }
      case "call":
      case "extern":
      case "tuple":
      case "logical":
      case "inactiveBinary":
      case "not":
      case "member":
      case "stopGradient":
      case "arrayLiteral":
        return mapSubexpressions(e, simplifyExpr);
      case "zeros": {
        // Zeros shaped like a row inlined from its literal,
        // `[v, v * v]`: as many zeros as it has elements.
        const like = simplifyExpr(e.like);
        if (
          like.kind === "arrayLiteral" &&
          like.arrayKind !== "matrix" &&
          like.elements.every(isPure)
        ) {
          return {
            kind: "newArray",
            arrayKind: e.arrayKind,
            length: { kind: "num", value: like.elements.length },
          };
        }
        return like === e.like ? e : { ...e, like };
      }
      case "orZero": {
        // Only a missing element is `undefined`.
        const value = simplifyExpr(e.value);
        if (value.kind !== "index") return value;
        return value === e.value ? e : { ...e, value };
      }
      default:
        return e;
    }
  }

  /**
   * An element read from an array made on the spot reads the array it
   * comes from: `(c ? a.slice() : zeros)[0]` -> `c ? a[0] : 0`, with no
   * allocation.
   */
  function readElement(
    array: Expr,
    indices: readonly Expr[],
    read?: Extract<Expr, { kind: "index" }>,
  ): Expr {
    switch (array.kind) {
      case "cond":
        return simplifyExpr({
          ...array,
          whenTrue: { kind: "index", array: array.whenTrue, indices },
          whenFalse: { kind: "index", array: array.whenFalse, indices },
        });
      // Numbers only: a row read from a copy must stay a row of the copy.
      case "copy":
        return indices.length === (array.matrix ? 2 : 1)
          ? readElement(array.array, indices)
          : { kind: "index", array, indices };
      case "zeros":
        return indices.length === (array.arrayKind === "matrix" ? 2 : 1)
          ? num(0)
          : { kind: "index", array, indices };
      // `[a, b][0]` -> `a`, where dropping `b` drops no call.
      case "arrayLiteral": {
        const [first, ...rest] = indices;
        const element =
          first?.kind === "num" ? array.elements[first.value] : undefined;
        const pure = !array.elements.some((e) =>
          someSubexpression(
            e,
            (inner) => inner.kind === "call" || inner.kind === "extern",
          ),
        );
        if (element !== undefined && pure)
          return rest.length === 0 ? element : readElement(element, rest);
      }
    }
    return read?.array === array && read.indices === indices
      ? read
      : { kind: "index", array, indices };
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
        if (!exact && (isNum(left, 0) || isNum(right, 0))) {
          return { kind: "num", value: 0 };
        }
        if (isNum(left, 1)) return right;
        if (isNum(right, 1)) return left;
        if (isNum(left, -1))
          return simplifyExpr({ kind: "neg", operand: right });
        if (isNum(right, -1))
          return simplifyExpr({ kind: "neg", operand: left });
        if (exact) return e;
        if (hasScatteredConstants(e)) return gatherConstants(e);
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
        // -0 + 0 is +0: primal code keeps its additions of zero.
        if (!exact && isNum(left, 0)) return right;
        if (!exact && isNum(right, 0)) return left;
        if (!exact) {
          const collected = collectTerms(e);
          if (collected !== e) return collected;
        }
        if (sameValue(left, right)) {
          return simplifyExpr({
            ...e,
            op: "*",
            left: { kind: "num", value: 2 },
            right: left,
          });
        }
        if (right.kind === "neg")
          return { ...e, op: "-", right: right.operand };
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
        if (!exact && isNum(left, 0))
          return simplifyExpr({ kind: "neg", operand: right });
        if (!exact) {
          const collected = collectTerms(e);
          if (collected !== e) return collected;
        }
        if (right.kind === "neg")
          return { ...e, op: "+", right: right.operand };
        return e;
      case "/":
        if (isNum(right, 1)) return left;
        if (!exact && isNum(left, 0)) return { kind: "num", value: 0 };
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

  /**
   * `a * g + a * g - g` -> `(2 * a - 1) * g`: the like terms of a sum
   * added up, and a factor several terms share multiplied once. `e` itself
   * if neither applies.
   */
  function collectTerms(e: Expr): Expr {
    const terms = termsOf(e, 1);
    if (terms.length < 2 || terms.length > maxTerms) return e;
    const combined = combineLikeTerms(terms);
    // `2 * a - 2 * b` -> `2 * (a - b)`: a coefficient all terms share,
    // negative if all are (`-2 * (a + b)`).
    const size = Math.abs(combined[0]?.coefficient ?? 1);
    const shared = combined.every((t) => t.coefficient < 0) ? -size : size;
    if (
      combined.length >= 2 &&
      size !== 1 &&
      combined.every((t) => Math.abs(t.coefficient) === size)
    ) {
      const unit = combined.map((t) => ({
        ...t,
        coefficient: t.coefficient / shared,
      }));
      return simplifyExpr({
        kind: "binary",
        op: "*",
        left: num(shared),
        right: sumOfCollected(unit),
      });
    }
    const factored = factorOut(combined);
    if (combined.length === terms.length && !factored) return e;
    return factored ?? sumOf(combined);
  }

  function sumOfCollected(terms: readonly Term[]): Expr {
    const combined = combineLikeTerms(terms);
    return factorOut(combined) ?? sumOf(combined);
  }

  /**
   * The terms that share the factor most terms have, added up and
   * multiplied by it once, beside the others; `undefined` if no two terms
   * share a factor.
   */
  function factorOut(terms: readonly Term[]): Expr | undefined {
    const counts = new Map<string, number>();
    for (const term of terms)
      for (const key of new Set(term.keys)) {
        if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    let common: string | undefined;
    for (const [key, count] of counts)
      if (count >= 2 && count > (counts.get(common!) ?? 1)) common = key;
    if (common === undefined) return undefined;
    const sharing = terms.filter((t) => t.keys.includes(common));
    const at = sharing[0]!.keys.indexOf(common);
    const factor = sharing[0]!.factors[at]!;
    const rest = sharing.map((t) => {
      const i = t.keys.indexOf(common);
      return {
        ...t,
        factors: t.factors.filter((_, j) => j !== i),
        keys: t.keys.filter((_, j) => j !== i),
      };
    });
    const product: Expr = simplifyExpr({
      kind: "binary",
      op: "*",
      left: sumOfCollected(rest),
      right: factor,
    });
    const first = terms.indexOf(sharing[0]!);
    return sumOf(
      terms.flatMap((t, i): Term[] =>
        i === first
          ? [{ coefficient: 1, factors: [product], keys: [undefined] }]
          : sharing.includes(t)
            ? []
            : [t],
      ),
    );
  }

  /** The expression adding up `terms`, in order but a positive one first. */
  function sumOf(terms: readonly Term[]): Expr {
    if (terms.length === 0) return num(0);
    const positive = terms.findIndex((t) => t.coefficient > 0);
    if (positive > 0)
      terms = [terms[positive]!, ...terms.filter((_, i) => i !== positive)];
    return terms.slice(1).reduce<Expr>(
      (sum, term) =>
        simplifyExpr({
          kind: "binary",
          op: term.coefficient < 0 ? "-" : "+",
          left: sum,
          right: termOf({ ...term, coefficient: Math.abs(term.coefficient) }),
        }),
      termOf(terms[0]!),
    );
  }

  /** `coefficient * f1 * f2 ...`, the literal in front. */
  function termOf({
    coefficient,
    factors,
  }: Pick<Term, "coefficient" | "factors">): Expr {
    if (factors.length === 0) return num(coefficient);
    const product = factors.reduce((left, right) => ({
      kind: "binary",
      op: "*",
      left,
      right,
    }));
    return simplifyExpr({
      kind: "binary",
      op: "*",
      left: num(coefficient),
      right: product,
    });
  }

  /** `4 * x ** 3 * 2 * g` -> `8 * x ** 3 * g`: one literal factor, in front. */
  function gatherConstants(e: Expr): Expr {
    const factors = factorsOf(e);
    const coefficient = factors.reduce(
      (c, f) => (isNum(f) ? c * f.value : c),
      1,
    );
    return termOf({
      coefficient,
      factors: factors.filter((f) => !isNum(f)),
    });
  }

  return simplifyExpr;
}

const exactAlgebra = algebra(/*exact*/ true);
const derivativeAlgebra = algebra(/*exact*/ false);

/** Simplifies `e`; `exact` for primal values (see `algebra`). */
export function simplifyExpr(e: Expr, exact = false): Expr {
  return exact ? exactAlgebra(e) : derivativeAlgebra(e);
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

export function substitute(e: Expr, name: string, replacement: Expr): Expr {
  if (e.kind === "var") return e.name === name ? replacement : e;
  return mapSubexpressions(e, (inner) => substitute(inner, name, replacement));
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "===":
    case "==":
      return a === b;
    default:
      return a !== b;
  }
}

/** Sums longer than this are left as they are: collecting is quadratic. */
const maxTerms = 64;

/** A product in a sum: a literal coefficient times other factors. */
interface Term {
  readonly coefficient: number;
  readonly factors: readonly Expr[];
  /** Each factor's `expressionKey`. */
  readonly keys: readonly (string | undefined)[];
}

/** The terms of a sum: `a * b - 2 * c` -> [1·a·b, -2·c]. */
function termsOf(e: Expr, sign: number): Term[] {
  if (e.kind === "binary" && (e.op === "+" || e.op === "-"))
    return [
      ...termsOf(e.left, sign),
      ...termsOf(e.right, e.op === "-" ? -sign : sign),
    ];
  if (e.kind === "neg") return termsOf(e.operand, -sign);
  let coefficient = sign;
  const factors: Expr[] = [];
  for (const factor of factorsOf(e)) {
    if (isNum(factor)) coefficient *= factor.value;
    else if (factor.kind === "neg") {
      coefficient = -coefficient;
      factors.push(factor.operand);
    } else factors.push(factor);
  }
  return [{ coefficient, factors, keys: factors.map(expressionKey) }];
}

/** Terms that differ only in their coefficient, added into one. */
function combineLikeTerms(terms: readonly Term[]): Term[] {
  const combined: Term[] = [];
  const at = new Map<string, number>();
  for (const term of terms) {
    const keys = term.keys.includes(undefined)
      ? undefined
      : term.keys.length === 1
        ? term.keys[0]
        : [...(term.keys as string[])].sort().join("\u0000");
    const i = keys === undefined ? undefined : at.get(keys);
    if (i === undefined) {
      if (keys !== undefined) at.set(keys, combined.length);
      combined.push(term);
    } else {
      const like = combined[i]!;
      combined[i] = {
        ...like,
        coefficient: like.coefficient + term.coefficient,
      };
    }
  }
  return combined.filter((t) => t.coefficient !== 0);
}

/** The factors of a product: `2 * x * (4 * y)` -> [2, x, 4, y]. */
export function factorsOf(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "*"
    ? [...factorsOf(e.left), ...factorsOf(e.right)]
    : [e];
}

const ROUNDING: Partial<Record<string, (x: number) => number>> = {
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  trunc: Math.trunc,
};

/** A product with more than one literal factor, or one not in front. */
function hasScatteredConstants(e: Expr): boolean {
  const factors = factorsOf(e);
  const literals = factors.filter((f) => isNum(f)).length;
  return literals > 1 || (literals === 1 && !isNum(factors[0]!));
}

/**
 * The keys of expressions already keyed. Expressions are never changed
 * once built, so a key stays right; without it, keying every subexpression
 * of a deep expression (as reuseComputedValues does) takes quadratic time.
 */
const keys = new WeakMap<Expr, string | null>();

/** A string equal for structurally equal pure expressions, else `undefined`. */
export function expressionKey(e: Expr): string | undefined {
  // A name is its own key: most keyed expressions are names, and a
  // WeakMap entry costs more than it saves for them.
  if (e.kind === "var") return e.name;
  // One lookup: `null` is an expression known to have no key.
  const known = keys.get(e);
  if (known !== undefined) return known ?? undefined;
  const key = computeKey(e);
  keys.set(e, key ?? null);
  return key;
}

function computeKey(e: Expr): string | undefined {
  switch (e.kind) {
    case "num":
      return `${e.value}`;
    case "mathConst":
      return `Math.${e.name}`;
    case "verbatim": {
      // A name from outside the function, or a literal.
      const text = (e.node as { text?: unknown }).text;
      return typeof text === "string" ? `@${e.node.kind}:${text}` : undefined;
    }
    case "binary":
    case "compare": {
      const left = expressionKey(e.left);
      const right = expressionKey(e.right);
      return left === undefined || right === undefined
        ? undefined
        : `(${left}${e.op}${right})`;
    }
    case "neg": {
      const operand = expressionKey(e.operand);
      return operand === undefined ? undefined : `(-${operand})`;
    }
    case "index": {
      const parts = [e.array, ...e.indices].map(expressionKey);
      return parts.includes(undefined)
        ? undefined
        : `${parts[0]}[${parts.slice(1).join("][")}]`;
    }
    case "math": {
      const args = e.args.map(expressionKey);
      return args.includes(undefined)
        ? undefined
        : `Math.${e.fn}(${args.join(",")})`;
    }
    default:
      return undefined;
  }
}

function sameValue(a: Expr, b: Expr): boolean {
  const key = expressionKey(a);
  return key !== undefined && key === expressionKey(b);
}
