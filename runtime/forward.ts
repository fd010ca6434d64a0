/**
 * Forward mode: `derivative` and `jvp`, calling the compiled tangent
 * function `f__jvp(...primals, ...tangents) -> [value, tangentOfValue]`.
 *
 *   derivative(f)(x, y)  ==  f__jvp(x, y, 1, 0)[1]
 */
import { fitArity, requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import type { Differentiable, Tangent, TangentArgs } from "./types.js";
import {
  callName,
  requireAligned,
  requireDifferentiableResult,
  requireScalarResult,
  tangentFor,
} from "./validate.js";

/**
 * `derivative(f)`: for `f(x: number, ...rest): number`, a function with
 * `f`'s parameters returning `df/dx` (the other parameters held fixed),
 * computed in forward mode.
 */
export function derivative<P extends [number, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: P) => number;
export function derivative(f: Function): (...args: unknown[]) => unknown {
  const entry = requireCompiled(f, "derivative");
  requireScalarResult(entry, "derivative", "jvp");
  const first = entry.params[0];
  if (first !== "number") {
    const found =
      first === undefined
        ? `${entry.name} has no parameters`
        : `parameter 0 of ${entry.name} has kind "${first}"`;
    throw new TsadError(
      `${callName("derivative", entry)}: derivative needs a number as parameter 0; ${found}`,
    );
  }
  // Seed dx = 1 and every other tangent 0 (undefined for "none" kinds).
  const seeds = entry.params.map((kind, i) =>
    kind === "none" ? undefined : i === 0 ? 1 : 0,
  );
  const tangent = entry.jvp;
  const arity = entry.params.length;
  return (...args) => tangent(...fitArity(args, arity), ...seeds)[1];
}

/**
 * `jvp(f, primals, tangents)`: `[f(...primals), tangentOut]`, the
 * directional derivative of `f` at `primals` along `tangents`. Both arrays
 * have one entry per parameter; an `undefined` tangent means zero.
 */
export function jvp<P extends unknown[], R extends Differentiable>(
  f: (...args: P) => R,
  primals: NoInfer<P>,
  tangents: NoInfer<TangentArgs<P>>,
): [R, Tangent<R>];
export function jvp(
  f: Function,
  primals: unknown,
  tangents: unknown,
): [unknown, unknown] {
  const entry = requireCompiled(f, "jvp");
  requireDifferentiableResult(entry, "jvp");
  const where = callName("jvp", entry);
  const args = requireAligned(entry, primals, "primals", "jvp");
  const directions = requireAligned(entry, tangents, "tangents", "jvp").map(
    (tangent, i) =>
      tangentFor(entry.params[i]!, tangent, `tangents[${i}]`, where),
  );
  return entry.jvp(...args, ...directions);
}
