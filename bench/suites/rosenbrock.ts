import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { grad, jvp } from "tsad";
import { uniformSamples } from "../harness/data.js";
import * as dual from "../harness/dual.js";
import {
  centralDifference,
  centralDifferences,
} from "../harness/finite-differences.js";
import { powerOfTen } from "../harness/format.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Suite } from "../harness/types.js";
import { rosenbrock } from "../workloads/rosenbrock.js";

/**
 * The gradient by hand, in one pass: a_i = x[i+1] - x[i]^2 feeds g[i]
 * (-400 a_i x[i]) and g[i+1] (200 a_i), so the second part is carried.
 */
export function rosenbrockGradientInto(
  x: Float64Array,
  g: Float64Array,
): Float64Array {
  let carried = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    g[i] = carried - 400 * a * x[i] - 2 * (1 - x[i]);
    carried = 200 * a;
  }
  g[x.length - 1] = carried;
  return g;
}

function rosenbrockDual(x: dual.Dual[]): dual.Dual {
  let f = dual.constant(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = dual.sub(x[i + 1], dual.mul(x[i], x[i]));
    const b = dual.shift(dual.neg(x[i]), 1);
    f = dual.add(f, dual.add(dual.scale(dual.mul(a, a), 100), dual.mul(b, b)));
  }
  return f;
}

export const suite: Suite = {
  name: "rosenbrock",
  title: "Rosenbrock",
  sizes: (quick) => (quick ? [1e2, 1e4] : [1e2, 1e4, 1e6]),
  prepare(d, { tf, jax }) {
    const x = uniformSamples(d, /*seed*/ 3, -1.5, 1.5);
    const buffer = new Float64Array(d);
    const tangent = new Float64Array(d);

    const xTensor = tf.tensor1d(Float32Array.from(x));
    const tfGradient = tf.grad((x: Tensor) => {
      const head = x.slice(0, d - 1);
      const a = x.slice(1).sub(head.square());
      const b = tf.sub(1, head);
      return a.square().mul(100).add(b.square()).sum();
    });

    const { numpy: np } = jax;
    const xArray = np.array(x, { dtype: np.float64 });
    const jaxGradient = jax.jit(
      jax.grad((x: JaxArray) => {
        const head = x.ref.slice([0, -1]);
        const a = x.slice([1]).sub(np.square(head.ref));
        const b = np.subtract(1, head);
        return np.square(a).mul(100).add(np.square(b)).sum();
      }),
    );

    return {
      size: `d = ${powerOfTen(d)}`,
      work: d,
      methods: [
        methods.primal(() => rosenbrock(x)),
        tsadMethod("tsad grad", () => {
          const g = grad(rosenbrock);
          return () => g(x);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(rosenbrock, 0, { out: buffer });
            return () => g(x);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => rosenbrockGradientInto(x, new Float64Array(d)),
          () => rosenbrockGradientInto(x, buffer),
        ),
        methods.perInput("tsad forward (jvp per input)", "tsad", d, (i) => {
          tangent[i] = 1;
          const [, derivative] = jvp(rosenbrock, [x], [tangent]);
          tangent[i] = 0;
          return derivative;
        }),
        methods.tfjs(() => tfGradient(xTensor)),
        methods.jax(() => [jaxGradient(xArray.ref)]),
        methods.perInput(
          "dual numbers",
          "dual",
          d,
          (i) => rosenbrockDual(dual.seed(x, i)).tangent,
        ),
        {
          ...methods.perInput("finite differences", "fd", d, (i) =>
            centralDifference(() => rosenbrock(x), x, i),
          ),
          run: () => centralDifferences(() => rosenbrock(x), x),
        },
      ],
      dispose: () => {
        xTensor.dispose();
        xArray.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
