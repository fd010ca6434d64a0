/**
 * Central finite differences, (f(x + h e_i) - f(x - h e_i)) / 2h, two
 * evaluations of the primal per input. The step is about the cube root of
 * the machine epsilon relative to |x_i|, which balances truncation against
 * rounding.
 */
const RELATIVE_STEP = 6e-6;

/** One component: perturbs `x[i]` in place and restores it exactly. */
export function centralDifference(
  f: () => number,
  x: { [index: number]: number },
  i: number,
): number {
  const xi = x[i]!;
  const h = RELATIVE_STEP * Math.max(1, Math.abs(xi));
  x[i] = xi + h;
  const above = f();
  x[i] = xi - h;
  const below = f();
  x[i] = xi;
  return (above - below) / (2 * h);
}

/** All components of the gradient of `f` with respect to the entries of `x`. */
export function centralDifferences(
  f: () => number,
  x: { [index: number]: number; length: number },
): Float64Array {
  const gradient = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) gradient[i] = centralDifference(f, x, i);
  return gradient;
}
