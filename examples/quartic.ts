// d/dx (2x^4 - 1) = 8x^3, in forward mode with `derivative`.
import { derivative } from "tsad";
import { printDerivativeTable } from "./table.js";

/** @differentiable */
function quartic(x: number): number {
  return 2 * x * x * x * x - 1;
}

console.log("f(x) = 2x^4 - 1, f'(x) = 8x^3\n");
printDerivativeTable(
  quartic,
  derivative(quartic),
  (x) => 8 * x ** 3,
  [-2, -1, -0.5, 0, 0.25, 1, 1.5, 3],
);
