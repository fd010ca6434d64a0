/**
 * Reverse mode: `grad`, `valueAndGrad` and `vjp`, all calling the compiled
 * adjoint `f__vjp(...primals, cotangent) -> [value, ...adjoints]`.
 *
 *   grad(f, 1)(x, y)  ==  f__vjp(x, y, 1)[2]
 *
 * All validation happens when `grad(f, ...)` is called; the function it
 * returns only fits the argument count, calls `f__vjp` and picks entries.
 */
import { fitArity, requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import type { CompiledDerivatives } from "./registry.js";
import type {
  Argnums,
  Differentiable,
  GradientOf,
  GradOptions,
  Tangent,
  TangentsOf,
} from "./types.js";
import {
  callName,
  requireArgnums,
  requireDifferentiableResult,
  requireScalarResult,
  tangentFor,
} from "./validate.js";

/**
 * `grad(f, argnums = 0)`: a function with `f`'s parameters returning the
 * gradient of `f`'s number result with respect to parameter `argnums`, or a
 * tuple of gradients for a list of indices.
 *
 *   grad((x: number, y: number) => x * Math.sin(y), [0, 1])(x, y)
 *     // [Math.sin(y), x * Math.cos(y)]
 */
export function grad<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: P) => Tangent<P[0]>;
export function grad<P extends unknown[], const A extends Argnums<P>>(
  f: (...args: P) => number,
  argnums: A,
  options?: GradOptions<P, A>,
): (...args: P) => GradientOf<P, A>;
export function grad(
  f: Function,
  argnums: unknown = 0,
  options?: GradOptions<unknown[], unknown>,
): (...args: unknown[]) => unknown {
  const { adjoint, arity, slots, single } = planGradient(
    f,
    argnums,
    options,
    "grad",
  );
  if (single) {
    const slot = slots[0]!;
    return (...args) => adjoint(...fitArity(args, arity), 1)[slot];
  }
  return (...args) => {
    const adjoints = adjoint(...fitArity(args, arity), 1);
    return slots.map((slot) => adjoints[slot]);
  };
}

/**
 * `valueAndGrad(f, argnums = 0)`: like `grad`, returning
 * `[f(...args), gradient]` from one forward and one reverse sweep.
 */
export function valueAndGrad<
  P extends [Differentiable, ...unknown[]],
  R extends number,
>(f: (...args: P) => R): (...args: P) => [R, Tangent<P[0]>];
export function valueAndGrad<
  P extends unknown[],
  R extends number,
  const A extends Argnums<P>,
>(
  f: (...args: P) => R,
  argnums: A,
  options?: GradOptions<P, A>,
): (...args: P) => [R, GradientOf<P, A>];
export function valueAndGrad(
  f: Function,
  argnums: unknown = 0,
  options?: GradOptions<unknown[], unknown>,
): (...args: unknown[]) => [unknown, unknown] {
  const { adjoint, arity, slots, single } = planGradient(
    f,
    argnums,
    options,
    "valueAndGrad",
  );
  if (single) {
    const slot = slots[0]!;
    return (...args) => {
      const adjoints = adjoint(...fitArity(args, arity), 1);
      return [adjoints[0], adjoints[slot]];
    };
  }
  return (...args) => {
    const adjoints = adjoint(...fitArity(args, arity), 1);
    return [adjoints[0], slots.map((slot) => adjoints[slot])];
  };
}

/**
 * `vjp(f, ...primals)`: `[f(...primals), pullback]`, where
 * `pullback(cotangent)` returns one cotangent per parameter (`undefined`
 * for parameters that are not differentiable).
 */
export function vjp<P extends unknown[], R extends Differentiable>(
  f: (...args: P) => R,
  ...primals: NoInfer<P>
): [R, (cotangent: Tangent<R>) => TangentsOf<P>];
export function vjp(
  f: Function,
  ...primals: unknown[]
): [unknown, (cotangent: never) => unknown] {
  const entry = requireCompiled(f, "vjp");
  requireDifferentiableResult(entry, "vjp");
  const where = callName("vjp", entry);
  const args = fitArity(primals, entry.params.length);
  const pullback = (cotangent: unknown): unknown[] => {
    if (cotangent === undefined) {
      throw new TsadError(
        `${where}: the pullback needs a cotangent for the result, got undefined`,
      );
    }
    const seed = tangentFor(entry.result, cotangent, "the cotangent", where);
    // Recomputes the forward sweep; fine until vjp keeps the sweep's state.
    return entry.vjp(...args, seed).slice(1);
  };
  return [Reflect.apply(f, undefined, args), pullback];
}

interface GradientPlan {
  readonly adjoint: CompiledDerivatives["vjp"];
  readonly arity: number;
  /** Positions of the wanted adjoints in `adjoint`'s result. */
  readonly slots: readonly number[];
  readonly single: boolean;
}

function planGradient(
  f: Function,
  argnums: unknown,
  options: GradOptions<unknown[], unknown> | undefined,
  apiName: string,
): GradientPlan {
  const entry = requireCompiled(f, apiName);
  const { indices, single } = requireArgnums(entry, argnums, apiName);
  requireScalarResult(entry, apiName, "vjp or jacobian");
  if (options?.out !== undefined) rejectOut(entry, indices, apiName);
  return {
    adjoint: entry.vjp,
    arity: entry.params.length,
    slots: indices.map((index) => index + 1),
    single,
  };
}

/**
 * `{ out }` is for array parameters, whose gradients can be written into a
 * caller's buffer. Every differentiable kind today is "number", which has
 * no buffer.
 */
function rejectOut(
  entry: CompiledDerivatives,
  indices: readonly number[],
  apiName: string,
): never {
  const where = callName(apiName, entry);
  const index = indices.find((i) => entry.params[i] === "number");
  if (index === undefined) {
    throw new TsadError(
      `${where}: argnums is empty, so there is no gradient to write into out`,
    );
  }
  throw new TsadError(
    `${where}: the out option needs a buffer parameter, but parameter ` +
      `${index} of ${entry.name} is a number, which has no buffer to write into; ` +
      `use the returned gradient instead (out is for array parameters)`,
  );
}
