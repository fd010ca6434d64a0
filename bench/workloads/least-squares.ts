/** ||Ax - b||^2 for an m x d matrix A given as an array of rows. */
/** @differentiable */
export function leastSquares(A: number[][], x: number[], b: number[]): number {
  let loss = 0;
  for (let i = 0; i < b.length; i++) {
    let r = -b[i];
    for (let j = 0; j < x.length; j++) r += A[i][j] * x[j];
    loss += r * r;
  }
  return loss;
}
