/** Every suite, in the order the report lists them. */
import type { Suite } from "../harness/types.js";
import { suite as blackScholes } from "./black-scholes.js";
import { scalingSuite, suite as eulerChain } from "./euler-chain.js";
import { suite as leastSquares } from "./least-squares.js";
import { suite as lennardJones } from "./lennard-jones.js";
import { suite as logisticRegression } from "./logistic-regression.js";
import { suite as mlp } from "./mlp.js";
import { suite as quadraticForm } from "./quadratic-form.js";
import { suite as rosenbrock } from "./rosenbrock.js";

export const SUITES: readonly Suite[] = [
  rosenbrock,
  quadraticForm,
  leastSquares,
  logisticRegression,
  eulerChain,
  lennardJones,
  blackScholes,
  mlp,
  scalingSuite,
];

/** Not a table of methods: mathjs on the chain, k growing one step at a time. */
export const SYMBOLIC_CHAIN = "symbolic-chain";
