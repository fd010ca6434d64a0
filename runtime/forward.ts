/**
 * Forward mode: `derivative` and `jvp`, calling the compiled tangent
 * function `f__jvp(...primals, ...tangents) -> [value, tangentOfValue]`.
 *
 *   derivative(f)(x, w)  ==  f__jvp(x, w, 1, zerosLike(w))[1]
 */
import { fitArity, requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import type { Differentiable, Tangent, TangentArgs } from "./types.js";
import {
  callName,
  requireAligned,
  requireDifferentiableResult,
  requireKind,
  tangentFor,
  zeroTangent,
} from "./validate.js";

/**
 * `derivative(f)`: for `f(x: number, ...rest)`, a function with `f`'s
 * parameters returning `df/dx` (the other parameters held fixed), computed
 * in forward mode. `df/dx` has the shape of `f`'s result: a number, or a
 * vector or matrix for a vector- or matrix-valued `f`.
 */
export function derivative<
  P extends [number, ...unknown[]],
  R extends Differentiable,
>(f: (...args: P) => R): (...args: P) => Tangent<R>;
export function derivative(f: Function): (...args: unknown[]) => unknown {
  const entry = requireCompiled(f, "derivative");
  requireDifferentiableResult(entry, "derivative");
  const where = callName("derivative", entry);
  const first = entry.params[0];
  if (first !== "number") {
    const found =
      first === undefined
        ? `${entry.name} has no parameters`
        : `parameter 0 of ${entry.name} has kind "${first}"`;
    throw new TsadError(
      `${where}: derivative needs a number as parameter 0; ${found}`,
    );
  }
  const tangent = entry.jvp;
  const kinds = entry.params;
  const arity = kinds.length;
  // Seed dx = 1 and every other tangent 0 (undefined for "none" kinds);
  // zeros of array parameters take their shape from each call's arguments.
  if (kinds.every((kind) => kind === "number" || kind === "none")) {
    const seeds = kinds.map((kind, i) =>
      kind === "none" ? undefined : i === 0 ? 1 : 0,
    );
    return (...args) => tangent(...fitArity(args, arity), ...seeds)[1];
  }
  return (...args) => {
    const primals = fitArity(args, arity);
    const seeds = kinds.map((kind, i) => {
      if (i === 0) return 1;
      requireKind(kind, primals[i], `argument ${i}`, where);
      return zeroTangent(kind, primals[i]);
    });
    return tangent(...primals, ...seeds)[1];
  };
}

/**
 * `jvp(f, primals, tangents)`: `[f(...primals), tangentOut]`, the
 * directional derivative of `f` at `primals` along `tangents`. Both arrays
 * have one entry per parameter; a tangent has its primal's kind and shape,
 * and `undefined` means zero.
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
  const given = requireAligned(entry, tangents, "tangents", "jvp");
  const directions = entry.params.map((kind, i) => {
    requireKind(kind, args[i], `primals[${i}]`, where);
    return tangentFor(kind, args[i], given[i], i, where);
  });
  return entry.jvp(...args, ...directions);
}
