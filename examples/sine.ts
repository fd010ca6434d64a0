// d/dx sin(x) = cos(x): Math functions come with derivative rules.
import { derivative } from "tsad";
import { printDerivativeTable } from "./table.js";

/** @differentiable */
function sine(x: number): number {
  return Math.sin(x);
}

const angles = [-1, 0, Math.PI / 6, Math.PI / 4, Math.PI / 2, 2.5, Math.PI];

console.log("f(x) = sin(x), f'(x) = cos(x)\n");
printDerivativeTable(sine, derivative(sine), Math.cos, angles);
