/**
 * The tsad runtime: `import { grad, ... } from "tsad"`. The API follows
 * JAX (DESIGN.md "Runtime API"); every function here works on functions
 * the transformer compiled and throws `TsadError` on anything else.
 */
export { grad, valueAndGrad, vjp } from "./reverse.js";
export { derivative, jvp } from "./forward.js";
export { jacobian } from "./jacobian.js";
export { hessian, hvp } from "./hessian.js";
export {
  checkGrad,
  type CheckGradOptions,
  type CheckGradResult,
} from "./check.js";
export { stopGradient } from "./stop-gradient.js";
export { stack, ValueStack } from "./stack.js";
export { TsadError } from "./errors.js";
export {
  registerCompiled,
  type CompiledDerivatives,
  type ValueKind,
} from "./registry.js";
export type {
  Argnums,
  Differentiable,
  DifferentiableIndex,
  GradientBuffer,
  GradientOf,
  GradOptions,
  HessianOf,
  Tangent,
  TangentArgs,
  TangentsOf,
} from "./types.js";
