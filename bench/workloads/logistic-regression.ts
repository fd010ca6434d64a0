/**
 * Mean logistic loss of a linear model over a fixed data set of SAMPLES
 * rows and FEATURES columns. The data are module-level constants, so they
 * get no adjoint; only the weights w and the bias b are differentiated.
 */
import { normalSamples } from "../harness/data.js";

export const SAMPLES = 10_000;
export const FEATURES = 100;

/** Row-major SAMPLES x FEATURES features. */
export const X = normalSamples(SAMPLES * FEATURES, /*seed*/ 1);
/** Labels +1 / -1 from a noisy linear rule. */
export const y = Float64Array.from(
  normalSamples(SAMPLES, /*seed*/ 2),
  (noise, n) =>
    X[n * FEATURES] + 0.5 * X[n * FEATURES + 1] + noise > 0 ? 1 : -1,
);

/** log(1 + exp(t)) without overflow. */
/** @differentiable */
function softplus(t: number): number {
  return t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
}

/** @differentiable */
export function logisticLoss(w: Float64Array, b: number): number {
  let loss = 0;
  for (let n = 0; n < SAMPLES; n++) {
    let z = b;
    for (let j = 0; j < FEATURES; j++) z += w[j] * X[n * FEATURES + j];
    loss += softplus(-y[n] * z);
  }
  return loss / SAMPLES;
}
