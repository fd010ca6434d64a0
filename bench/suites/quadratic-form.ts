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
import { quadraticForm } from "../workloads/quadratic-form.js";

/** (A + A^T) x by hand, reading A row by row. */
export function quadraticFormGradientInto(
  A: number[][],
  x: number[],
  g: number[],
): number[] {
  g.fill(0);
  for (let i = 0; i < x.length; i++) {
    const row = A[i];
    const xi = x[i];
    let rowDotX = 0;
    for (let j = 0; j < x.length; j++) {
      rowDotX += row[j] * x[j];
      g[j] += row[j] * xi;
    }
    g[i] += rowDotX;
  }
  return g;
}

function quadraticFormDual(A: number[][], x: dual.Dual[]): dual.Dual {
  let s = dual.constant(0);
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      s = dual.add(s, dual.mul(dual.scale(x[i], A[i][j]), x[j]));
    }
  }
  return s;
}

export const suite: Suite = {
  name: "quadratic-form",
  title: "Quadratic form x^T A x",
  sizes: (quick) => (quick ? [100] : [100, 1000]),
  prepare(d, { tf, jax }) {
    const A = matrixOfRows(d, d, /*seed*/ 4);
    const x = Array.from(uniformSamples(d, /*seed*/ 5));
    const buffer = new Array<number>(d).fill(0);
    const zeroA = A.map((row) => row.map(() => 0));
    const tangent = new Array<number>(d).fill(0);

    const ATensor = tf.tensor2d(A);
    const xTensor = tf.tensor1d(x);
    const tfGradient = tf.grad((x: Tensor) => tf.dot(x, tf.dot(ATensor, x)));

    const { numpy: np } = jax;
    const AArray = np.array(A, { dtype: np.float64 });
    const xArray = np.array(x, { dtype: np.float64 });
    const jaxGradient = jax.jit(
      jax.grad((A: JaxArray, x: JaxArray) => np.dot(x.ref, np.dot(A, x)), {
        argnums: 1,
      }),
    );

    return {
      size: `d = ${d}`,
      work: d * d,
      methods: [
        methods.primal(() => quadraticForm(A, x)),
        tsadMethod("tsad grad", () => {
          const g = grad(quadraticForm, 1);
          return () => g(A, x);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(quadraticForm, 1, { out: buffer });
            return () => g(A, x);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => quadraticFormGradientInto(A, x, new Array<number>(d).fill(0)),
          () => quadraticFormGradientInto(A, x, buffer),
        ),
        methods.perInput(
          "tsad forward (jvp per input)",
          "tsad",
          d,
          (i) => {
            tangent[i] = 1;
            const [, derivative] = jvp(quadraticForm, [A, x], [zeroA, tangent]);
            tangent[i] = 0;
            return derivative;
          },
          "A's zero tangent is allocated once and passed in",
        ),
        methods.tfjs(() => tfGradient(xTensor)),
        methods.jax(() => [jaxGradient(AArray.ref, xArray.ref)]),
        methods.perInput(
          "dual numbers",
          "dual",
          d,
          (i) => quadraticFormDual(A, dual.seed(x, i)).tangent,
        ),
        {
          ...methods.perInput("finite differences", "fd", d, (i) =>
            centralDifference(() => quadraticForm(A, x), x, i),
          ),
          run: () => centralDifferences(() => quadraticForm(A, x), x),
        },
      ],
      dispose: () => {
        ATensor.dispose();
        xTensor.dispose();
        AArray.dispose();
        xArray.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
