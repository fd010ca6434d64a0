import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { grad, jvp } from "tsad";
import { matrixOfRows, uniformSamples } from "../harness/data.js";
import * as dual from "../harness/dual.js";
import {
  centralDifference,
  centralDifferences,
} from "../harness/finite-differences.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Suite } from "../harness/types.js";
import { leastSquares } from "../workloads/least-squares.js";

const ROWS = 1000;

/** 2 A^T (Ax - b) by hand, one pass over the rows of A. */
export function leastSquaresGradientInto(
  A: number[][],
  x: number[],
  b: number[],
  g: number[],
): number[] {
  g.fill(0);
  for (let i = 0; i < b.length; i++) {
    const row = A[i];
    let r = -b[i];
    for (let j = 0; j < x.length; j++) r += row[j] * x[j];
    const scaled = 2 * r;
    for (let j = 0; j < x.length; j++) g[j] += scaled * row[j];
  }
  return g;
}

function leastSquaresDual(
  A: number[][],
  x: dual.Dual[],
  b: number[],
): dual.Dual {
  let loss = dual.constant(0);
  for (let i = 0; i < b.length; i++) {
    let r = dual.constant(-b[i]);
    for (let j = 0; j < x.length; j++)
      r = dual.add(r, dual.scale(x[j], A[i][j]));
    loss = dual.add(loss, dual.mul(r, r));
  }
  return loss;
}

export const suite: Suite = {
  name: "least-squares",
  title: "Least squares ‖Ax − b‖²",
  sizes: (quick) => (quick ? [100] : [100, 1000]),
  prepare(d, { tf, jax }) {
    const A = matrixOfRows(ROWS, d, /*seed*/ 6);
    const x = Array.from(uniformSamples(d, /*seed*/ 7));
    const b = Array.from(uniformSamples(ROWS, /*seed*/ 8));
    const buffer = new Array<number>(d).fill(0);
    const zeroA = A.map((row) => row.map(() => 0));
    const zeroB = b.map(() => 0);
    const tangent = new Array<number>(d).fill(0);

    const ATensor = tf.tensor2d(A);
    const bTensor = tf.tensor1d(b);
    const xTensor = tf.tensor1d(x);
    const tfGradient = tf.grad((x: Tensor) =>
      tf.sum(tf.square(tf.sub(tf.dot(ATensor, x), bTensor))),
    );

    const { numpy: np } = jax;
    const AArray = np.array(A, { dtype: np.float64 });
    const bArray = np.array(b, { dtype: np.float64 });
    const xArray = np.array(x, { dtype: np.float64 });
    const jaxGradient = jax.jit(
      jax.grad(
        (A: JaxArray, x: JaxArray, b: JaxArray) =>
          np.sum(np.square(np.dot(A, x).sub(b))),
        { argnums: 1 },
      ),
    );

    return {
      size: `${ROWS} x ${d}`,
      work: ROWS * d,
      methods: [
        methods.primal(() => leastSquares(A, x, b)),
        tsadMethod("tsad grad", () => {
          const g = grad(leastSquares, 1);
          return () => g(A, x, b);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(leastSquares, 1, { out: buffer });
            return () => g(A, x, b);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => leastSquaresGradientInto(A, x, b, new Array<number>(d).fill(0)),
          () => leastSquaresGradientInto(A, x, b, buffer),
        ),
        methods.perInput(
          "tsad forward (jvp per input)",
          "tsad",
          d,
          (i) => {
            tangent[i] = 1;
            const [, derivative] = jvp(
              leastSquares,
              [A, x, b],
              [zeroA, tangent, zeroB],
            );
            tangent[i] = 0;
            return derivative;
          },
          "the zero tangents of A and b are allocated once and passed in",
        ),
        methods.tfjs(() => tfGradient(xTensor)),
        methods.jax(() => [jaxGradient(AArray.ref, xArray.ref, bArray.ref)]),
        methods.perInput(
          "dual numbers",
          "dual",
          d,
          (i) => leastSquaresDual(A, dual.seed(x, i), b).tangent,
        ),
        {
          ...methods.perInput("finite differences", "fd", d, (i) =>
            centralDifference(() => leastSquares(A, x, b), x, i),
          ),
          run: () => centralDifferences(() => leastSquares(A, x, b), x),
        },
      ],
      dispose: () => {
        ATensor.dispose();
        bTensor.dispose();
        xTensor.dispose();
        AArray.dispose();
        bArray.dispose();
        xArray.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
