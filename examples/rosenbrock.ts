// Minimise the Rosenbrock function in 10 dimensions by L-BFGS with a
// backtracking line search. The optimiser is plain TypeScript (not
// differentiated); tsad supplies the gradient, written into one buffer
// that every call reuses (`valueAndGrad(f, 0, { out })`).
import { checkGrad, valueAndGrad } from "tsad";
import {
  formatNumber,
  formatVector,
  printTable,
  printVectorComparison,
} from "./table.js";

/** sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; minimum 0 at x = 1. */
/** @differentiable */
function rosenbrock(x: Float64Array): number {
  let f = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    f += 100 * a * a + b * b;
  }
  return f;
}

/** The gradient derived by hand, to compare with tsad's. */
function rosenbrockGradient(x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    g[i]! += -400 * x[i]! * a - 2 * (1 - x[i]!);
    g[i + 1]! += 200 * a;
  }
  return g;
}

const dot = (u: Float64Array, v: Float64Array): number =>
  u.reduce((s, ui, i) => s + ui * v[i]!, 0);

const d = 10;
const start = Float64Array.from({ length: d }, (_, i) =>
  i % 2 === 0 ? -1.2 : 1,
);
const check = checkGrad(rosenbrock, [start]);
console.log(`d = ${d}, start x0 = ${formatVector(start)}`);
console.log(
  `checkGrad at x0: ${check.ok ? "ok" : "FAILED"} ` +
    `(max relative error ${check.maxRelError.toExponential(1)})\n`,
);
console.log("gradient at x0");
const gradient = new Float64Array(d);
const lossAndGradient = valueAndGrad(rosenbrock, 0, { out: gradient });
lossAndGradient(start);
printVectorComparison(gradient, rosenbrockGradient(start));

/**
 * L-BFGS (the two-loop recursion of Nocedal and Wright, Algorithm 7.4)
 * keeping the last `memory` steps, with a backtracking line search on the
 * Armijo condition. Returns the point reached and the iteration count.
 */
function minimize(
  x0: Float64Array,
  { memory = 8, tolerance = 1e-10, maxIterations = 1000 } = {},
): { x: Float64Array; iterations: number } {
  const x = x0.slice();
  let loss = lossAndGradient(x)[0];
  const g = gradient.slice();
  const steps: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  const rows: (string | number)[][] = [];
  let iteration = 0;
  for (; iteration < maxIterations; iteration++) {
    const gradientNorm = Math.sqrt(dot(g, g));
    if (iteration % 10 === 0) rows.push([iteration, loss, gradientNorm]);
    if (gradientNorm < tolerance) break;
    // Two-loop recursion: direction = -H g.
    const direction = g.map((gi) => -gi);
    const alphas: number[] = [];
    for (let k = steps.length - 1; k >= 0; k--) {
      const { s, y, rho } = steps[k]!;
      const alpha = rho * dot(s, direction);
      alphas[k] = alpha;
      for (let i = 0; i < d; i++) direction[i]! -= alpha * y[i]!;
    }
    const last = steps.at(-1);
    const scale = last
      ? dot(last.s, last.y) / dot(last.y, last.y)
      : 1 / gradientNorm;
    for (let i = 0; i < d; i++) direction[i]! *= scale;
    for (const [k, { s, y, rho }] of steps.entries()) {
      const beta = rho * dot(y, direction);
      for (let i = 0; i < d; i++) direction[i]! += (alphas[k]! - beta) * s[i]!;
    }
    // Backtracking: halve the step until the loss drops enough.
    const slope = dot(g, direction);
    const trial = new Float64Array(d);
    let step = 1;
    let trialLoss: number;
    for (;;) {
      for (let i = 0; i < d; i++) trial[i] = x[i]! + step * direction[i]!;
      trialLoss = lossAndGradient(trial)[0];
      if (trialLoss <= loss + 1e-4 * step * slope || step < 1e-20) break;
      step /= 2;
    }
    const s = trial.map((ti, i) => ti - x[i]!);
    const y = gradient.map((gi, i) => gi - g[i]!);
    const sy = dot(s, y);
    // Keep only pairs with positive curvature, so H stays positive definite.
    if (sy > 1e-16) {
      steps.push({ s, y, rho: 1 / sy });
      if (steps.length > memory) steps.shift();
    }
    x.set(trial);
    g.set(gradient);
    loss = trialLoss;
  }
  console.log("\nL-BFGS, memory 8, backtracking line search");
  printTable(["iteration", "loss", "||gradient||"], rows, /*digits*/ 6);
  return { x, iterations: iteration };
}

const { x, iterations } = minimize(start);
const finalLoss = rosenbrock(x);
console.log(
  `\nstopped after ${iterations} iterations: loss = ${formatNumber(finalLoss, 6)}`,
);
console.log(`x = ${formatVector(x)}`);
if (!check.ok || !(finalLoss < 1e-12)) {
  throw new Error("the minimisation did not reach the minimum at x = 1");
}
