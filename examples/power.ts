// d/dx x**5 = 5x^4: the `**` operator has its own derivative rule.
import { derivative } from "tsad";
import { printDerivativeTable } from "./table.js";

/** @differentiable */
function fifthPower(x: number): number {
  return x ** 5;
}

console.log("f(x) = x**5, f'(x) = 5x^4\n");
printDerivativeTable(
  fifthPower,
  derivative(fifthPower),
  (x) => 5 * x ** 4,
  [-2, -1, -0.5, 0, 0.25, 1, 1.5, 3],
);
