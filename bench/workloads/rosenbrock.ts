/**
 * The Rosenbrock function in d dimensions. Its sum is never read back, so
 * the adjoint needs no value stack.
 */
/** @differentiable */
export function rosenbrock(x: Float64Array): number {
  let f = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
  }
  return f;
}
