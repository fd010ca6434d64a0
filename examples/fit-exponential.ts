// Fit y = a e^(b t) to five data points by gradient descent. The gradient
// of the loss comes from tsad's reverse mode (`valueAndGrad`), and every
// printed step compares it with finite differences (by hand and with
// `checkGrad`).
import { checkGrad, valueAndGrad } from "tsad";
import { centralDifference, formatNumber, printTable } from "./table.js";

// The data: y = 3 e^(-0.7 t) at five times, plus fixed "measurement noise".
const trueA = 3;
const trueB = -0.7;
const noise = [0.04, -0.03, 0.02, -0.05, 0.01];
const times = [0, 0.5, 1, 1.5, 2];
const values = times.map((t, i) => trueA * Math.exp(trueB * t) + noise[i]!);

/** @differentiable */
function squaredResidual(a: number, b: number, t: number, y: number): number {
  const residual = a * Math.exp(b * t) - y;
  return residual * residual;
}

/** The mean squared residual; the data are constants to tsad. */
/** @differentiable */
function loss(a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < times.length; i++) {
    sum += squaredResidual(a, b, times[i]!, values[i]!);
  }
  return sum / times.length;
}

const lossAndGradient = valueAndGrad(loss, [0, 1]);
const learningRate = 0.2;
const steps = 200;
let a = 1;
let b = 0;
let allChecksPassed = true;
const rows: (string | number)[][] = [];
for (let step = 0; step <= steps; step++) {
  const [value, [dA, dB]] = lossAndGradient(a, b);
  if (step % 20 === 0) {
    const check = checkGrad(loss, [a, b]);
    allChecksPassed &&= check.ok;
    rows.push([
      step,
      value,
      dA,
      centralDifference((p) => loss(p, b), a),
      dB,
      centralDifference((p) => loss(a, p), b),
      `${check.ok ? "ok" : "FAILED"} (${check.maxRelError.toExponential(1)})`,
    ]);
  }
  a -= learningRate * dA;
  b -= learningRate * dB;
}

console.log(
  `Fit y = a exp(b t) to ${times.length} noisy points from a = ${trueA}, b = ${trueB}`,
);
console.log(
  `gradient descent from a = 1, b = 0, learning rate ${learningRate}\n`,
);
printTable(
  ["step", "loss", "dL/da", "finite diff", "dL/db", "finite diff", "checkGrad"],
  rows,
  /*digits*/ 6,
);
console.log(
  `\nfinal: a = ${formatNumber(a)}, b = ${formatNumber(b)}, loss = ${formatNumber(loss(a, b))}`,
);
if (!allChecksPassed) {
  throw new Error(
    "checkGrad found a gradient that disagrees with finite differences",
  );
}
