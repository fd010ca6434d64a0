/**
 * The Black-Scholes price of a European call. One reverse sweep gives all
 * four first-order Greeks: delta = dV/dS, rho = dV/dr, vega = dV/dsigma and
 * theta = -dV/dT.
 */

/** 1 / sqrt(2 pi) */
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * The standard normal CDF by Abramowitz and Stegun 26.2.17 (absolute error
 * below 7.5e-8); every method in the benchmark uses this same polynomial.
 */
/** @differentiable */
export function normalCdf(x: number): number {
  const k = 1 / (1 + 0.2316419 * Math.abs(x));
  const poly =
    k *
    (0.31938153 +
      k *
        (-0.356563782 +
          k * (1.781477937 + k * (-1.821255978 + k * 1.330274429))));
  const upper = INV_SQRT_2PI * Math.exp((-x * x) / 2) * poly;
  return x < 0 ? upper : 1 - upper;
}

/** @differentiable */
export function callPrice(
  S: number,
  K: number,
  T: number,
  r: number,
  sigma: number,
): number {
  const sqrtT = Math.sqrt(T);
  const d1 =
    (Math.log(S / K) + (r + (sigma * sigma) / 2) * T) / (sigma * sqrtT);
  const d2 = d1 - sigma * sqrtT;
  return S * normalCdf(d1) - K * Math.exp(-r * T) * normalCdf(d2);
}
