import type { Tensor } from "@tensorflow/tfjs";
import type { Array as JaxArray } from "@jax-js/jax";
import { grad } from "tsad";
import { normalSamples } from "../harness/data.js";
import { tsadMethod } from "../harness/measure.js";
import * as methods from "../harness/methods.js";
import type { Suite } from "../harness/types.js";
import {
  BATCH,
  HIDDEN,
  inputs,
  INPUTS,
  labels,
  mlpLoss,
  OUTPUTS,
} from "../workloads/mlp.js";

type Parameters = [Float64Array, Float64Array, Float64Array, Float64Array];

/** Backpropagation by hand, written into the four gradient buffers. */
export function mlpGradientInto(
  [W1, b1, W2, b2]: Parameters,
  [gW1, gb1, gW2, gb2]: Parameters,
): Parameters {
  for (const g of [gW1, gb1, gW2, gb2]) g.fill(0);
  const preactivation = new Float64Array(HIDDEN);
  const hidden = new Float64Array(HIDDEN);
  const hiddenAdjoint = new Float64Array(HIDDEN);
  const logits = new Float64Array(OUTPUTS);
  for (let n = 0; n < BATCH; n++) {
    const input = n * INPUTS;
    for (let j = 0; j < HIDDEN; j++) {
      let a = b1[j];
      for (let i = 0; i < INPUTS; i++)
        a += W1[j * INPUTS + i] * inputs[input + i];
      preactivation[j] = a;
      hidden[j] = Math.max(a, 0);
    }
    let largest = -Infinity;
    for (let o = 0; o < OUTPUTS; o++) {
      let a = b2[o];
      for (let j = 0; j < HIDDEN; j++) a += W2[o * HIDDEN + j] * hidden[j];
      logits[o] = a;
      largest = Math.max(largest, a);
    }
    let sum = 0;
    for (let o = 0; o < OUTPUTS; o++) sum += Math.exp(logits[o] - largest);
    hiddenAdjoint.fill(0);
    for (let o = 0; o < OUTPUTS; o++) {
      const target = o === labels[n] ? 1 : 0;
      const adjoint = (Math.exp(logits[o] - largest) / sum - target) / BATCH;
      gb2[o] += adjoint;
      for (let j = 0; j < HIDDEN; j++) {
        gW2[o * HIDDEN + j] += adjoint * hidden[j];
        hiddenAdjoint[j] += adjoint * W2[o * HIDDEN + j];
      }
    }
    for (let j = 0; j < HIDDEN; j++) {
      // Math.max(a, 0) passes the derivative on where a >= 0, as tsad's does.
      if (preactivation[j] < 0) continue;
      const adjoint = hiddenAdjoint[j];
      gb1[j] += adjoint;
      for (let i = 0; i < INPUTS; i++)
        gW1[j * INPUTS + i] += adjoint * inputs[input + i];
    }
  }
  return [gW1, gb1, gW2, gb2];
}

const zerosLike = (parameters: Parameters) =>
  parameters.map((p) => new Float64Array(p.length)) as Parameters;

export const suite: Suite = {
  name: "mlp",
  title: "MLP 784-128-10",
  sizes: () => [BATCH],
  needsTsad: true,
  prepare(_, { tf, jax }) {
    const scale1 = 1 / Math.sqrt(INPUTS);
    const scale2 = 1 / Math.sqrt(HIDDEN);
    const parameters: Parameters = [
      normalSamples(HIDDEN * INPUTS, /*seed*/ 12).map((v) => v * scale1),
      normalSamples(HIDDEN, /*seed*/ 13).map((v) => v * 0.1),
      normalSamples(OUTPUTS * HIDDEN, /*seed*/ 14).map((v) => v * scale2),
      normalSamples(OUTPUTS, /*seed*/ 15).map((v) => v * 0.1),
    ];
    const buffers = zerosLike(parameters);
    const oneHot = new Float64Array(BATCH * OUTPUTS);
    labels.forEach((label, n) => (oneHot[n * OUTPUTS + label] = 1));

    const shapes = [[HIDDEN, INPUTS], [HIDDEN], [OUTPUTS, HIDDEN], [OUTPUTS]];
    const inputsTensor = tf.tensor2d(Float32Array.from(inputs), [
      BATCH,
      INPUTS,
    ]);
    const oneHotTensor = tf.tensor2d(Float32Array.from(oneHot), [
      BATCH,
      OUTPUTS,
    ]);
    const parameterTensors = parameters.map((p, i) =>
      tf.tensor(Float32Array.from(p), shapes[i]),
    );
    const tfGradient = tf.grads(
      (W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) => {
        const hidden = tf.relu(
          tf.matMul(inputsTensor, W1, false, true).add(b1),
        );
        const logits = tf.matMul(hidden, W2, false, true).add(b2);
        return tf.neg(
          tf.mean(tf.sum(oneHotTensor.mul(tf.logSoftmax(logits)), 1)),
        );
      },
    );

    const { numpy: np, nn } = jax;
    const inputsArray = np
      .array(inputs, { dtype: np.float64 })
      .reshape([BATCH, INPUTS]);
    const oneHotArray = np
      .array(oneHot, { dtype: np.float64 })
      .reshape([BATCH, OUTPUTS]);
    const parameterArrays = parameters.map((p, i) =>
      np.array(p, { dtype: np.float64 }).reshape(shapes[i]!),
    );
    const jaxGradient = jax.jit(
      jax.grad(
        (
          W1: JaxArray,
          b1: JaxArray,
          W2: JaxArray,
          b2: JaxArray,
          x: JaxArray,
          oneHot: JaxArray,
        ) => {
          const hidden = nn.relu(np.matmul(x, np.transpose(W1)).add(b1));
          const logits = np.matmul(hidden, np.transpose(W2)).add(b2);
          return np.negative(
            np.mean(np.sum(oneHot.mul(nn.logSoftmax(logits)), 1)),
          );
        },
        { argnums: [0, 1, 2, 3] },
      ),
    );
    const [W1, b1, W2, b2] = parameters;

    return {
      size: `batch ${BATCH}`,
      work: BATCH * HIDDEN * INPUTS,
      methods: [
        methods.primal(() => mlpLoss(W1, b1, W2, b2)),
        tsadMethod("tsad grad", () => {
          const g = grad(mlpLoss, [0, 1, 2, 3]);
          return () => g(W1, b1, W2, b2);
        }),
        tsadMethod(
          "tsad grad { out }",
          () => {
            const g = grad(mlpLoss, [0, 1, 2, 3], { out: buffers });
            return () => g(W1, b1, W2, b2);
          },
          { allocation: "buffer" },
        ),
        ...methods.handWritten(
          () => mlpGradientInto(parameters, zerosLike(parameters)),
          () => mlpGradientInto(parameters, buffers),
        ),
        methods.tfjs(() => tfGradient(parameterTensors)),
        methods.jax(() =>
          jaxGradient(
            ...(parameterArrays.map((a) => a.ref) as [
              JaxArray,
              JaxArray,
              JaxArray,
              JaxArray,
            ]),
            inputsArray.ref,
            oneHotArray.ref,
          ),
        ),
        {
          name: "dual numbers, finite differences",
          family: "dual",
          run: () => undefined,
          skip: "one pass per input: 101,770 inputs",
        },
      ],
      dispose: () => {
        for (const t of [inputsTensor, oneHotTensor, ...parameterTensors])
          t.dispose();
        for (const a of [inputsArray, oneHotArray, ...parameterArrays])
          a.dispose();
        jaxGradient.dispose();
      },
    };
  },
};
