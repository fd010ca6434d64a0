/**
 * The workloads as mathjs expressions, for symbolic differentiation: the
 * chain of k Euler steps and the Black-Scholes call price.
 */
import * as math from "mathjs";

const INV_SQRT_2PI = 0.3989422804014327;
/** Abramowitz and Stegun 26.2.17, innermost coefficient first. */
export const CDF_COEFFICIENTS = [
  1.330274429, -1.821255978, 1.781477937, -0.356563782, 0.31938153,
];

/**
 * The chain after k steps, x_k = x_{k-1} + sin(x_{k-1}) / k. Both uses of
 * x_{k-1} share one node object, but mathjs walks the expression as a
 * tree, which holds x 2^k times: 5 * 2^k - 4 nodes.
 */
export function chainExpression(k: number): math.MathNode {
  let x: math.MathNode = new math.SymbolNode("x");
  for (let i = 0; i < k; i++) {
    const step = new math.OperatorNode("/", "divide", [
      new math.FunctionNode("sin", [x]),
      new math.ConstantNode(k),
    ]);
    x = new math.OperatorNode("+", "add", [x, step]);
  }
  return x;
}

/**
 * The call price V(S, K, T, r, sigma) with the same normal CDF polynomial
 * as the workload; x / abs(x) stands for the branch on the sign of x, which
 * mathjs cannot differentiate.
 */
export function callPriceExpression(): math.MathNode {
  const cdf = (x: string) => {
    const k = `(1 / (1 + 0.2316419 * abs(${x})))`;
    const poly = CDF_COEFFICIENTS.reduce(
      (inner, c) => `${k} * (${c} + ${inner})`,
      "0",
    );
    const upper = `(${INV_SQRT_2PI} * exp(-(${x})^2 / 2) * ${poly})`;
    return `(0.5 + ${x} / abs(${x}) * (0.5 - ${upper}))`;
  };
  const d1 = "((log(S / K) + (r + sigma^2 / 2) * T) / (sigma * sqrt(T)))";
  const d2 = `(${d1} - sigma * sqrt(T))`;
  return math.parse(`S * ${cdf(d1)} - K * exp(-r * T) * ${cdf(d2)}`);
}

/** The Greeks' parameters, in the order every method returns them. */
export const GREEKS = ["S", "sigma", "r", "T"] as const;

/** The compiled derivatives of the call price along each of GREEKS. */
export function deriveCallPrice(simplify: boolean): math.EvalFunction[] {
  const expression = callPriceExpression();
  return GREEKS.map((name) =>
    math.derivative(expression, name, { simplify }).compile(),
  );
}

/** A tree's node count, visiting a shared subtree once per use. */
export function treeSize(node: math.MathNode): number {
  let count = 0;
  node.traverse(() => count++);
  return count;
}
