/**
 * Reverse mode: `grad`, `valueAndGrad` and `vjp`, calling compiled
 * adjoints. `grad` and `valueAndGrad` call the gradient-only adjoint
 * compiled for their argnums where the program has one (registry.ts),
 * passing zeroed buffers for array gradients (new ones, or the caller's
 * `out`), and otherwise `f__vjp(...primals, cotangent) -> [value,
 * ...adjoints]`, picking entries:
 *
 *   grad(f, 1)(x, w)  ==  f__grad_1(x, w, 1, zerosLike(w))
 *                     ==  f__vjp(x, w, 1)[2]
 *
 * All validation happens when `grad(f, ...)` is called; the function it
 * returns only fits the argument count and calls compiled code (with
 * `{ out }`, it checks each buffer's shape too).
 */
import { fitArity, requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import {
  copyInto,
  describeActual,
  describeShape,
  isOfKind,
  sameShape,
  TYPE_NAMES,
  zeroFill,
  zerosLike,
  type ArrayKind,
} from "./kinds.js";
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
  requireLike,
  requireScalarResult,
} from "./validate.js";

/**
 * `grad(f, argnums = 0)`: a function with `f`'s parameters returning the
 * gradient of `f`'s number result with respect to parameter `argnums` (of
 * that parameter's type and shape), or a tuple of gradients for a list of
 * indices.
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
  return planGradient(f, argnums, options, "grad");
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
  return planGradient(f, argnums, options, "valueAndGrad") as (
    ...args: unknown[]
  ) => [unknown, unknown];
}

/**
 * `vjp(f, ...primals)`: `[f(...primals), pullback]`, where
 * `pullback(cotangent)` takes a cotangent of the result's kind and shape
 * and returns one cotangent per parameter (`undefined` for parameters that
 * are not differentiable).
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
  const result = requireDifferentiableResult(entry, "vjp");
  const where = callName("vjp", entry);
  const args = fitArity(primals, entry.params.length);
  const value: unknown = Reflect.apply(f, undefined, args);
  const pullback = (cotangent: unknown): unknown[] => {
    if (cotangent === undefined) {
      throw new TsadError(
        `${where}: the pullback needs a cotangent for the result, got undefined`,
      );
    }
    requireLike(
      result,
      value,
      cotangent,
      "the cotangent",
      `the value of ${entry.name}`,
      where,
    );
    // Recomputes the forward sweep; fine until vjp keeps the sweep's state.
    return entry.vjp(...args, cotangent).slice(1);
  };
  return [value, pullback];
}

/**
 * What `grad(f, argnums, options)` (`valueAndGrad`) returns: a call of the
 * gradient-only adjoint compiled for these argnums, or of `f__vjp`.
 */
function planGradient(
  f: Function,
  argnums: unknown,
  options: GradOptions<unknown[], unknown> | undefined,
  apiName: "grad" | "valueAndGrad",
): (...args: unknown[]) => unknown {
  const entry = requireCompiled(f, apiName);
  const { indices, single } = requireArgnums(entry, argnums, apiName);
  requireScalarResult(entry, apiName, "vjp or jacobian");
  const out = options?.out;
  const writers =
    out === undefined
      ? undefined
      : planOut(entry, indices, single, out, apiName);
  const fromVjp = vjpGradient(entry, indices, single, writers, apiName);
  const compiled = entry[apiName]?.[indices.join(",")];
  if (compiled === undefined) return fromVjp;
  const arity = entry.params.length;
  const withValue = apiName === "valueAndGrad";
  // A list of one argnum uses the compiled single gradient, in a tuple.
  const wrap = !single && indices.length === 1;
  const arrays = indices.flatMap((index, k) =>
    entry.params[index] === "number"
      ? []
      : [
          {
            index,
            kind: entry.params[index] as ArrayKind,
            buffer: single ? out : (out as unknown[] | undefined)?.[k],
            what: single ? "out" : `out[${k}]`,
          },
        ],
  );
  const where = callName(apiName, entry);
  return (...args) => {
    fitArity(args, arity);
    // A buffer that is also an argument would change under the adjoint
    // reading it: such a call goes through f__vjp, which copies at the end.
    if (out !== undefined && arrays.some((a) => args.includes(a.buffer))) {
      return fromVjp(...args);
    }
    args.push(1);
    for (const { index, kind, buffer, what } of arrays) {
      const parameter = args[index];
      if (out === undefined) {
        args.push(zerosLike(kind, parameter));
        continue;
      }
      if (!sameShape(kind, parameter, buffer)) {
        throwShape(kind, index, parameter, buffer, what, where);
      }
      zeroFill(kind, buffer);
      args.push(buffer);
    }
    const result = Reflect.apply(compiled, undefined, args);
    if (!wrap) return result;
    return withValue
      ? [(result as unknown[])[0], [(result as unknown[])[1]]]
      : [result];
  };
}

/** The gradient from `f__vjp`'s tuple of all adjoints. */
function vjpGradient(
  entry: CompiledDerivatives,
  indices: readonly number[],
  single: boolean,
  writers: ((adjoint: unknown) => unknown)[] | undefined,
  apiName: "grad" | "valueAndGrad",
): (...args: unknown[]) => unknown {
  const slots = indices.map((index) => index + 1);
  let gradientOf: (adjoints: unknown[]) => unknown;
  if (writers === undefined) {
    const slot = slots[0]!;
    gradientOf = single
      ? (adjoints) => adjoints[slot]
      : (adjoints) => slots.map((s) => adjoints[s]);
  } else {
    gradientOf = single
      ? (adjoints) => writers[0]!(adjoints[slots[0]!])
      : (adjoints) => slots.map((s, k) => writers[k]!(adjoints[s]));
  }
  const arity = entry.params.length;
  const adjoint = entry.vjp;
  return apiName === "grad"
    ? (...args) => gradientOf(adjoint(...fitArity(args, arity), 1))
    : (...args) => {
        const adjoints = adjoint(...fitArity(args, arity), 1);
        return [adjoints[0], gradientOf(adjoints)];
      };
}

/**
 * One writer per argnum for `{ out }`: an array parameter's gradient is
 * copied into its buffer (checked for kind now, for shape on every call)
 * and the buffer returned; a number gradient is returned as it is.
 *
 *   grad(f, [0, 1], { out: [undefined, wBuffer] })(x, w)  // [dx, wBuffer]
 */
function planOut(
  entry: CompiledDerivatives,
  indices: readonly number[],
  single: boolean,
  out: unknown,
  apiName: string,
): ((adjoint: unknown) => unknown)[] {
  const where = callName(apiName, entry);
  if (indices.every((i) => entry.params[i] === "number")) {
    const index = indices[0];
    throw new TsadError(
      index === undefined
        ? `${where}: argnums is empty, so there is no gradient to write into out`
        : `${where}: the out option needs a buffer parameter, but parameter ` +
            `${index} of ${entry.name} is a number, which has no buffer to write into; ` +
            `use the returned gradient instead (out is for array parameters)`,
    );
  }
  if (single) return [bufferWriter(entry, indices[0]!, out, "out", where)];
  if (!Array.isArray(out) || out.length !== indices.length) {
    throw new TsadError(
      `${where}: out must be an array with one entry per argnums entry (${indices.length}), ` +
        `a buffer for an array parameter and undefined for a number, got ${describeActual(out)}`,
    );
  }
  return indices.map((index, k) => {
    const what = `out[${k}]`;
    if (entry.params[index] !== "number") {
      return bufferWriter(entry, index, out[k], what, where);
    }
    if (out[k] !== undefined) {
      throw new TsadError(
        `${where}: ${what} must be undefined: parameter ${index} of ${entry.name} is a number, ` +
          `which has no buffer; its gradient is returned in the tuple`,
      );
    }
    return (adjoint) => adjoint;
  });
}

function bufferWriter(
  entry: CompiledDerivatives,
  index: number,
  buffer: unknown,
  what: string,
  where: string,
): (adjoint: unknown) => unknown {
  // planOut only asks for writers of array parameters.
  const kind = entry.params[index] as ArrayKind;
  if (!isOfKind(kind, buffer)) {
    throw new TsadError(
      `${where}: ${what} must be a ${TYPE_NAMES[kind]} for the gradient of parameter ` +
        `${index} of ${entry.name}, got ${describeActual(buffer)}`,
    );
  }
  return (adjoint) => {
    if (!sameShape(kind, adjoint, buffer)) {
      throwShape(kind, index, adjoint, buffer, what, where);
    }
    copyInto(kind, adjoint, buffer);
    return buffer;
  };
}

function throwShape(
  kind: ArrayKind,
  index: number,
  like: unknown,
  buffer: unknown,
  what: string,
  where: string,
): never {
  throw new TsadError(
    `${where}: ${what} must be ${describeShape(kind, like)}, like parameter ${index}, ` +
      `got ${describeActual(buffer)}`,
  );
}
