/**
 * The derivative rules: one table, used by both modes.
 *
 * Each rule gives the partial derivatives of an operation with respect to
 * each argument, as expressions over the argument atoms and the result:
 *
 *   Math.sin: (a) => [Math.cos(a)]
 *
 * `forward` turns them into a tangent (`dr = cos(a) * da`), `reverse` into
 * adjoint updates (`a_adj += cos(a) * r_adj`). A partial that is zero
 * everywhere is `ZERO`, so no code is generated for it at all.
 *
 * Conventions at non-differentiable points (documented in README):
 * abs'(0) = 0; sign, floor, ceil, round, trunc have derivative 0;
 * min/max send the whole derivative to the first argument that attains the
 * result; sqrt'(0) = Infinity; d(a ** b)/db = 0 where a <= 0, and
 * d(a ** b)/da = 0 where a = b = 0;
 * hypot'(0, ..., 0) = 0; fround has derivative 1.
 */
import { binary, math, neg, num, type BinaryOp, type Expr } from "./ir";

export const ZERO = "zero" as const;
/**
 * A partial derivative; or, where the order of the chain rule's product
 * matters, how to multiply it into the derivative `g` it scales.
 */
export type Partial = Expr | typeof ZERO | { readonly times: Times };
type Times = (g: Expr) => Expr;

type PartialsOf = (args: readonly Expr[], result: Expr) => Partial[];

interface Rule {
  /** `undefined` for variadic functions. */
  readonly arity?: number;
  readonly partials: PartialsOf;
}

const mul = (a: Expr, b: Expr) => binary("*", a, b);
const div = (a: Expr, b: Expr) => binary("/", a, b);
const add = (a: Expr, b: Expr) => binary("+", a, b);
const sub = (a: Expr, b: Expr) => binary("-", a, b);
const one = num(1);
const mathConstant = (name: string): Expr => ({ kind: "mathConst", name });
const cond = (test: Expr, whenTrue: Expr, whenFalse: Expr): Expr => ({
  kind: "cond",
  test,
  whenTrue,
  whenFalse,
});
const le = (a: Expr, b: Expr): Expr => ({
  kind: "compare",
  op: "<=",
  left: a,
  right: b,
});
const gt = (a: Expr, b: Expr): Expr => ({
  kind: "compare",
  op: ">",
  left: a,
  right: b,
});
const ge = (a: Expr, b: Expr): Expr => ({
  kind: "compare",
  op: ">=",
  left: a,
  right: b,
});
const eq = (a: Expr, b: Expr): Expr => ({
  kind: "compare",
  op: "===",
  left: a,
  right: b,
});

/**
 * d(a ** b): b * a ** (b - 1) and, where a > 0, a ** b * log(a). Where
 * b = 0, a ** b is 1 for every a and the first is 0, not 0 * 0 ** -1 =
 * NaN at a = 0: `a === 0 && b === 0 ? 0 : b * a ** (b - 1)`, unguarded
 * for a literal exponent (`x ** 3` -> `3 * x ** 2`; `x ** 0` has none).
 * Only at a = 0: elsewhere the product is 0 at b = 0 by itself, and its
 * derivative in b (a ** -1 there) is the second derivative's.
 */
const powerPartials: PartialsOf = ([a, b], r) => {
  const power = mul(b!, binary("**", a!, sub(b!, one)));
  const atZero: Expr = {
    kind: "logical",
    op: "&&",
    left: eq(a!, num(0)),
    right: eq(b!, num(0)),
  };
  return [
    b!.kind !== "num"
      ? cond(atZero, num(0), power)
      : b!.value === 0
        ? ZERO
        : power,
    cond(gt(a!, num(0)), mul(r, math("log", a!)), num(0)),
  ];
};

const unary = (partial: (a: Expr, r: Expr) => Partial): Rule => ({
  arity: 1,
  partials: ([a], r) => [partial(a!, r)],
});
const constant: Rule = { partials: (args) => args.map(() => ZERO) };

export const operatorRules: Record<BinaryOp | "neg", Rule> = {
  "+": { arity: 2, partials: () => [one, one] },
  "-": { arity: 2, partials: () => [one, num(-1)] },
  "*": { arity: 2, partials: ([a, b]) => [b!, a!] },
  "/": {
    arity: 2,
    // d(a / b)/db = -r / b; for r = 1 / b, -r * r: no second division,
    // and `g` multiplied in first: r * r is 0 for |r| < 1e-162 where
    // r * (r * g) is not (the second derivative of Math.log(u) at u =
    // Math.exp(400) multiplies it by u-sized tangents).
    partials: ([a, b], r) => [
      div(one, b!),
      a!.kind === "num" && a!.value === 1
        ? { times: (g) => neg(mul(r, mul(r, g))) }
        : neg(div(r, b!)),
    ],
  },
  "**": { arity: 2, partials: powerPartials },
  "%": {
    arity: 2,
    // The quotient `r` is the remainder of, `(a - r) / b` rounded: `a / b`
    // itself may round up to the next whole number (`1 % 0.1` is 1 - 9 * 0.1).
    partials: ([a, b], r) => [one, neg(math("round", div(sub(a!, r), b!)))],
  },
  neg: { arity: 1, partials: () => [num(-1)] },
};

const oneOverSqrt = (e: Expr) => div(one, math("sqrt", e));

/** Keyed by the `Math` member name. */
export const mathRules: Record<string, Rule> = {
  sin: unary((a) => math("cos", a)),
  cos: unary((a) => neg(math("sin", a))),
  tan: unary((_, r) => add(one, mul(r, r))),
  asin: unary((a) => oneOverSqrt(sub(one, mul(a, a)))),
  acos: unary((a) => neg(oneOverSqrt(sub(one, mul(a, a))))),
  atan: unary((a) => div(one, add(one, mul(a, a)))),
  atan2: {
    arity: 2,
    // atan2(y, x): d/dy = x / (x² + y²), d/dx = -y / (x² + y²)
    partials: ([y, x]) => {
      const r2 = add(mul(x!, x!), mul(y!, y!));
      return [div(x!, r2), neg(div(y!, r2))];
    },
  },
  sinh: unary((a) => math("cosh", a)),
  cosh: unary((a) => math("sinh", a)),
  tanh: unary((_, r) => sub(one, mul(r, r))),
  asinh: unary((a) => oneOverSqrt(add(mul(a, a), one))),
  acosh: unary((a) => oneOverSqrt(sub(mul(a, a), one))),
  atanh: unary((a) => div(one, sub(one, mul(a, a)))),
  exp: unary((_, r) => r),
  expm1: unary((_, r) => add(r, one)),
  log: unary((a) => div(one, a)),
  log1p: unary((a) => div(one, add(one, a))),
  log2: unary((a) => div(one, mul(a, mathConstant("LN2")))),
  log10: unary((a) => div(one, mul(a, mathConstant("LN10")))),
  sqrt: unary((_, r) => div(num(0.5), r)),
  cbrt: unary((_, r) => div(one, mul(num(3), mul(r, r)))),
  pow: { arity: 2, partials: powerPartials },
  hypot: {
    partials: (args, r) =>
      args.map((a) => cond(eq(r, num(0)), num(0), div(a, r))),
  },
  abs: unary((a) => math("sign", a)),
  // Binary only: normalize nests variadic calls, min(a, b, c) = min(min(a, b), c).
  min: {
    arity: 2,
    partials: ([a, b]) => [
      cond(le(a!, b!), one, num(0)),
      cond(le(a!, b!), num(0), one),
    ],
  },
  max: {
    arity: 2,
    partials: ([a, b]) => [
      cond(ge(a!, b!), one, num(0)),
      cond(ge(a!, b!), num(0), one),
    ],
  },
  sign: constant,
  floor: constant,
  ceil: constant,
  round: constant,
  trunc: constant,
  fround: unary(() => one),
};

/** `Math` members that are constants, not functions. */
export const mathConstants = new Set([
  "PI",
  "E",
  "LN2",
  "LN10",
  "LOG2E",
  "LOG10E",
  "SQRT1_2",
  "SQRT2",
]);

/** `Math` functions that differ between calls: never differentiable. */
export const nondeterministicMath = new Set(["random"]);

export type RuleKey =
  | { readonly kind: "operator"; readonly op: BinaryOp | "neg" }
  | { readonly kind: "math"; readonly fn: string };

/** The rule for an operation, or `undefined` when there is none. */
export function lookupRule(key: RuleKey): Rule | undefined {
  return key.kind === "operator"
    ? operatorRules[key.op]
    : Object.hasOwn(mathRules, key.fn)
      ? mathRules[key.fn]
      : undefined;
}

/**
 * The non-zero partial derivatives of a normalized operation, paired with
 * the operand each belongs to, as the product of each with a derivative
 * `g` (`times`). `result` is the variable holding the operation's value.
 * Calls to marked functions are the modes' business.
 */
export function partialsOf(
  value: Expr,
  result: Expr,
): { operand: Expr; times: Times }[] {
  const pair = (operands: readonly Expr[], rule: Rule | undefined) => {
    if (!rule) throw new Error(`no derivative rule for ${describe(value)}`);
    const partials = rule.partials(operands, result);
    return operands.flatMap((operand, i) => {
      const partial = partials[i]!;
      if (partial === ZERO) return [];
      const times: Times =
        "times" in partial ? partial.times : (g) => mul(partial, g);
      return [{ operand, times }];
    });
  };
  switch (value.kind) {
    case "var":
      return [{ operand: value, times: (g) => g }];
    case "binary":
      return pair([value.left, value.right], operatorRules[value.op]);
    case "neg":
      return pair([value.operand], operatorRules.neg);
    case "math":
      return pair(value.args, lookupRule({ kind: "math", fn: value.fn }));
    default:
      return [];
  }
}

function describe(value: Expr): string {
  return value.kind === "math" ? `Math.${value.fn}` : value.kind;
}
