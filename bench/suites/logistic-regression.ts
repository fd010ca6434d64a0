import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { grad, jvp } from "tsad";
import { uniformSamples } from "../harness/data.js";
import * as dual from "../harness/dual.js";
import {
  centralDifference,
  centralDifferences,
} from "../harness/finite-differences.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Suite } from "../harness/types.js";
import {
  FEATURES,
  logisticLoss,
  SAMPLES,
  X,
  y,
} from "../workloads/logistic-regression.js";

/**
 * The gradient by hand: d loss / d z_n = -y_n sigmoid(-y_n z_n) / SAMPLES,
 * spread over the weights by the sample's features. Returns the bias's.
 */
export function logisticGradientInto(
  w: Float64Array,
  b: number,
  gw: Float64Array,
): number {
  gw.fill(0);
  let gb = 0;
  for (let n = 0; n < SAMPLES; n++) {
    const row = n * FEATURES;
    let z = b;
    for (let j = 0; j < FEATURES; j++) z += w[j] * X[row + j];
    const dz = -y[n] / (1 + Math.exp(y[n] * z)) / SAMPLES;
    for (let j = 0; j < FEATURES; j++) gw[j] += dz * X[row + j];
    gb += dz;
  }
  return gb;
}

function softplusDual(t: dual.Dual): dual.Dual {
  return t.value > 0
    ? dual.add(t, dual.log1p(dual.exp(dual.neg(t))))
    : dual.log1p(dual.exp(t));
}

function logisticLossDual(w: dual.Dual[], b: dual.Dual): dual.Dual {
  let loss = dual.constant(0);
  for (let n = 0; n < SAMPLES; n++) {
    let z = b;
    for (let j = 0; j < FEATURES; j++) {
      z = dual.add(z, dual.scale(w[j], X[n * FEATURES + j]));
    }
    loss = dual.add(loss, softplusDual(dual.scale(z, -y[n])));
  }
  return dual.scale(loss, 1 / SAMPLES);
}

export const suite: Suite = {
  name: "logistic-regression",
  title: "Logistic regression loss",
  sizes: () => [SAMPLES],
  prepare(_, { tf, jax }) {
    const w = uniformSamples(FEATURES, /*seed*/ 9, -0.5, 0.5);
    const b = 0.1;
    const buffer = new Float64Array(FEATURES);
    /** w and b in one array, for the per-input methods. */
    const parameters = Float64Array.from([...w, b]);
    const tangent = new Float64Array(FEATURES);
    const lossOfParameters = () =>
      logisticLoss(parameters.subarray(0, FEATURES), parameters[FEATURES]);

    const XTensor = tf.tensor2d(Float32Array.from(X), [SAMPLES, FEATURES]);
    const yTensor = tf.tensor1d(Float32Array.from(y));
    const wTensor = tf.tensor1d(Float32Array.from(w));
    const bTensor = tf.scalar(b);
    const tfGradient = tf.grads((w: Tensor, b: Tensor) =>
      tf.mean(tf.softplus(tf.neg(yTensor).mul(tf.dot(XTensor, w).add(b)))),
    );

    const { numpy: np, nn } = jax;
    const XArray = np
      .array(X, { dtype: np.float64 })
      .reshape([SAMPLES, FEATURES]);
    const yArray = np.array(y, { dtype: np.float64 });
    const wArray = np.array(w, { dtype: np.float64 });
    const bArray = np.array(b, { dtype: np.float64 });
    const jaxGradient = jax.jit(
      jax.grad(
        (w: JaxArray, b: JaxArray, X: JaxArray, y: JaxArray) =>
          np.mean(nn.softplus(np.negative(y).mul(np.dot(X, w).add(b)))),
        { argnums: [0, 1] },
      ),
    );

    return {
      size: `n = 1e4, d = ${FEATURES}`,
      work: SAMPLES * FEATURES,
      methods: [
        methods.primal(() => logisticLoss(w, b)),
        tsadMethod("tsad grad", () => {
          const g = grad(logisticLoss, [0, 1]);
          return () => g(w, b);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(logisticLoss, [0, 1], { out: [buffer, undefined] });
            return () => g(w, b);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => {
            const gw = new Float64Array(FEATURES);
            return [gw, logisticGradientInto(w, b, gw)];
          },
          () => [buffer, logisticGradientInto(w, b, buffer)],
        ),
        methods.perInput(
          "tsad forward (jvp per input)",
          "tsad",
          FEATURES + 1,
          (i) => {
            if (i === FEATURES)
              return jvp(logisticLoss, [w, b], [tangent, 1])[1];
            tangent[i] = 1;
            const [, derivative] = jvp(logisticLoss, [w, b], [tangent, 0]);
            tangent[i] = 0;
            return derivative;
          },
        ),
        methods.tfjs(() => tfGradient([wTensor, bTensor])),
        methods.jax(() =>
          jaxGradient(wArray.ref, bArray.ref, XArray.ref, yArray.ref),
        ),
        methods.perInput("dual numbers", "dual", FEATURES + 1, (i) => {
          const seeded = dual.seed(parameters, i);
          return logisticLossDual(seeded, seeded[FEATURES]).tangent;
        }),
        {
          ...methods.perInput("finite differences", "fd", FEATURES + 1, (i) =>
            centralDifference(lossOfParameters, parameters, i),
          ),
          run: () => centralDifferences(lossOfParameters, parameters),
        },
      ],
      dispose: () => {
        for (const t of [XTensor, yTensor, wTensor, bTensor]) t.dispose();
        for (const a of [XArray, yArray, wArray, bArray]) a.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
