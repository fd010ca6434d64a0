// The lecture's vector examples, each gradient beside its hand-derived
// formula: ||x||^2 (gradient 2x), ||x||_1 (gradient sign(x)) and x^T A x
// (gradient Ax + A^T x with respect to x, x x^T with respect to A). The
// gradient comes back with the parameter's type and shape.
import { checkGrad, grad } from "tsad";
import { printMatrixComparison, printVectorComparison } from "./table.js";

/** @differentiable */
function squaredNorm(x: number[]): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s;
}

/** @differentiable */
function l1Norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s;
}

/** @differentiable */
function quadraticForm(A: number[][], x: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      s += x[i]! * A[i]![j]! * x[j]!;
    }
  }
  return s;
}

const x = [1.5, -2, 0.25, 3];

console.log(`x = [${x.join(", ")}]\n`);
console.log("f(x) = ||x||^2, gradient 2x");
printVectorComparison(
  grad(squaredNorm)(x),
  x.map((v) => 2 * v),
);

// abs'(0) = 0, so the gradient at a zero entry is sign(0) = 0.
const y = Float64Array.from([1.5, -2, 0, 3]);
const l1Gradient = grad(l1Norm)(y);
console.log(
  `\nf(y) = ||y||_1 at y = [${y.join(", ")}], gradient sign(y) ` +
    `(tsad returns a ${l1Gradient.constructor.name})`,
);
printVectorComparison(l1Gradient, y.map(Math.sign));

// A is not symmetric, so Ax + A^T x differs from 2Ax.
const A = [
  [2, -1, 0, 0.5],
  [1, 3, -2, 0],
  [0, 0.5, 1, -1],
  [-0.5, 0, 2, 4],
];
const Ax = A.map((row) => row.reduce((s, a, j) => s + a * x[j]!, 0));
const ATx = x.map((_, j) => A.reduce((s, row, i) => s + row[j]! * x[i]!, 0));
const [dA, dx] = grad(quadraticForm, [0, 1])(A, x);
console.log("\nf(A, x) = x^T A x, gradient with respect to x: Ax + A^T x");
printVectorComparison(
  dx,
  Ax.map((v, i) => v + ATx[i]!),
);
console.log("\ngradient with respect to A: x x^T");
printMatrixComparison(
  dA,
  x.map((xi) => x.map((xj) => xi * xj)),
);

const checks = [
  checkGrad(squaredNorm, [x]),
  checkGrad(l1Norm, [y]),
  checkGrad(quadraticForm, [A, x]),
];
console.log(
  `\ncheckGrad against finite differences: ${checks.map((c) => (c.ok ? "ok" : "FAILED")).join(", ")}`,
);
if (!checks.every((c) => c.ok)) {
  throw new Error(
    "checkGrad found a gradient that disagrees with finite differences",
  );
}
