/**
 * A two-layer perceptron, 784-128-10 with ReLU, written with loops: the
 * mean softmax cross-entropy of a batch of BATCH fixed inputs. Weights are
 * row-major (W1 is HIDDEN x INPUTS, W2 is OUTPUTS x HIDDEN). It needs local
 * arrays and element writes (the hidden activations and the logits), which
 * tsad does not differentiate yet; `npm run bench` reports the diagnostic
 * until it does, and benchmarks it from then on.
 */
import { normalSamples } from "../harness/data.js";

export const BATCH = 64;
export const INPUTS = 784;
export const HIDDEN = 128;
export const OUTPUTS = 10;

/** Row-major BATCH x INPUTS inputs. */
export const inputs = normalSamples(BATCH * INPUTS, /*seed*/ 11);
/** One class in [0, OUTPUTS) per input. */
export const labels: number[] = Array.from(
  { length: BATCH },
  (_, n) => (n * 7) % OUTPUTS,
);

/** @differentiable */
export function mlpLoss(
  W1: Float64Array,
  b1: Float64Array,
  W2: Float64Array,
  b2: Float64Array,
): number {
  let loss = 0;
  for (let n = 0; n < BATCH; n++) {
    const hidden = new Float64Array(HIDDEN);
    const logits = new Float64Array(OUTPUTS);
    for (let j = 0; j < HIDDEN; j++) {
      let a = b1[j];
      for (let i = 0; i < INPUTS; i++)
        a += W1[j * INPUTS + i] * inputs[n * INPUTS + i];
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
    const label = labels[n];
    loss += largest + Math.log(sum) - logits[label];
  }
  return loss / BATCH;
}
