/**
 * k explicit Euler steps of x' = sin(x) over unit time. dx_k/dx_0 is a
 * product of k factors 1 + cos(x_i)/k and stays near 1 at any k, so the
 * gradient can be checked at k = 1e6. Each step overwrites x, so the
 * adjoint saves one value per step on the value stack.
 */
/** @differentiable */
export function eulerChain(x: number, k: number): number {
  for (let i = 0; i < k; i++) {
    x += Math.sin(x) / k;
  }
  return x;
}
