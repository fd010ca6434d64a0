// Newton's method on a smooth loss of 5 parameters (a softplus-regularised
// least-squares fit), with tsad's gradient and Hessian: each step solves
// H s = -g. Converges quadratically: the gradient's norm squares (roughly)
// at each step near the minimum. The solver takes the function as a
// parameter, as a library's would: tsad writes second derivatives for the
// marked functions a program passes to it. The Hessian is checked against
// one derived by hand at the start.
import { grad, hessian } from "tsad";
import {
  formatNumber,
  formatVector,
  printMatrixComparison,
  printTable,
} from "./table.js";

// Fit y ≈ w0 + w1 t + w2 t² + w3 sin(t) + w4 cos(t) on 12 points.
const ts = Array.from({ length: 12 }, (_, k) => k / 4);
const ys = ts.map((t) => 1 + 0.5 * t - 0.2 * t * t + Math.sin(2 * t));

/**
 * Half the squared residuals, plus softplus(w_j) for each weight: a
 * penalty smooth everywhere, so the Hessian exists at every w.
 */
/** @differentiable */
function loss(w: number[]): number {
  let s = 0;
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k]!;
    const r =
      w[0]! +
      w[1]! * t +
      w[2]! * t * t +
      w[3]! * Math.sin(t) +
      w[4]! * Math.cos(t) -
      ys[k]!;
    s += 0.5 * r * r;
  }
  for (let j = 0; j < w.length; j++) s += Math.log1p(Math.exp(w[j]!));
  return s;
}

/**
 * The Hessian by hand: sum_k phi_k phi_k^T (phi: the basis at t_k), plus
 * the penalty's diagonal, softplus''(w) = e^w / (1 + e^w)².
 */
function lossHessian(w: readonly number[]): number[][] {
  const H = w.map(() => w.map(() => 0));
  for (const t of ts) {
    const phi = [1, t, t * t, Math.sin(t), Math.cos(t)];
    phi.forEach((a, i) => phi.forEach((b, j) => (H[i]![j]! += a * b)));
  }
  w.forEach((wj, j) => (H[j]![j]! += Math.exp(wj) / (1 + Math.exp(wj)) ** 2));
  return H;
}

/** Solves A x = b by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs(M[r]![c]!) > Math.abs(M[pivot]![c]!)) pivot = r;
    [M[c], M[pivot]] = [M[pivot]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const factor = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= factor * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** Minimises `f` from `w0` by Newton's method; the table of its steps. */
function newton(
  f: (w: number[]) => number,
  w0: number[],
): { w: number[]; rows: (string | number)[][] } {
  const gradient = grad(f);
  const H = hessian(f);
  let w = w0;
  const rows: (string | number)[][] = [];
  for (let step = 0; step < 20; step++) {
    const g = gradient(w);
    const norm = Math.hypot(...g);
    rows.push([step, f(w), norm]);
    if (norm < 1e-9) break;
    const s = solve(
      H(w),
      g.map((gi) => -gi),
    );
    w = w.map((wi, i) => wi + s[i]!);
  }
  return { w, rows };
}

/** Prints `f`'s Hessian at `w` beside `expected`; throws if they differ. */
function compareHessian(
  f: (w: number[]) => number,
  w: number[],
  expected: number[][],
): void {
  printMatrixComparison(hessian(f)(w), expected);
}

const start = [0, 0, 0, 0, 0];
console.log("Hessian at w = 0: tsad's, and the one derived by hand");
compareHessian(loss, start, lossHessian(start));

const { w, rows } = newton(loss, start);
console.log("\nNewton's method");
printTable(["step", "loss", "||gradient||"], rows, /*digits*/ 6);
console.log(`\nw = ${formatVector(w)}, loss ${formatNumber(loss(w), 10)}`);
const finalNorm = rows.at(-1)![2] as number;
if (!(finalNorm < 1e-9) || rows.length > 6) {
  throw new Error("Newton's method did not converge quadratically");
}
