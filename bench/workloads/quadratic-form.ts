/** The quadratic form x^T A x, with A as an array of rows. */
/** @differentiable */
export function quadraticForm(A: number[][], x: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      s += x[i] * A[i][j] * x[j];
    }
  }
  return s;
}
