/**
 * Reverse mode: `grad`, `valueAndGrad` and `vjp`, calling compiled
 * adjoints. `grad` and `valueAndGrad` call the gradient-only adjoint
 * compiled for their argnums where the program has one (registry.ts),
 * passing the caller's `out` buffers zeroed, or new zeros, and otherwise
 * `f__vjp(...primals, cotangent) -> [value, ...adjoints]`, picking
 * entries:
 *
 *   grad(f, 1)(x, w)  ==  f__grad_1(x, w, 1, zeros)
 *                     ==  f__vjp(x, w, 1)[2]
 *
 * All validation happens when `grad(f, ...)` is called; the function it
 * returns only fits the argument count and calls compiled code (with
 * `{ out }`, it checks each buffer's shape too).
 */
import { fitArity, requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import {
  cloneValue,
  copyInto,
  describeActual,
  describeShape,
  isOfKind,
  sameShape,
  scaled,
  sharesMemory,
  TYPE_NAMES,
  zeroFill,
  zerosLike,
  type ArrayKind,
  type DifferentiableKind,
} from "./kinds.js";
import { holdsMemoryOf, snapshot } from "./plain-data.js";
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
 *
 * The pullback is the derivative at the call of `vjp`, as in JAX, however
 * the arrays `f` read change after it. For a number result, `vjp` runs
 * `f__vjp` once with cotangent 1 and the pullback scales what it got (the
 * adjoint is linear in the cotangent): `f` and any function it calls run
 * once, and what they read later does not matter. For an array result
 * the pullback runs `f__vjp` when called, on copies of the array
 * arguments taken by `vjp`; module-level arrays `f` reads must stay as
 * they were (see the README).
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
  let value: unknown;
  let pullBack: (cotangent: unknown) => unknown[];
  if (result === "number") {
    const adjoints = entry.vjp(...args, 1);
    value = adjoints[0];
    pullBack = (cotangent) =>
      adjoints
        .slice(1)
        .map((adjoint, i) =>
          adjoint === undefined
            ? undefined
            : scaled(
                entry.params[i] as DifferentiableKind,
                adjoint,
                cotangent as number,
              ),
        );
  } else {
    const kept = args.map((arg, i) => {
      const kind = entry.params[i]!;
      if (kind === "none") return snapshot(arg);
      return kind === "number" || !isOfKind(kind, arg)
        ? arg
        : cloneValue(kind, arg);
    });
    value = Reflect.apply(f, undefined, args);
    pullBack = (cotangent) => entry.vjp(...kept, cotangent).slice(1);
  }
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
    return pullBack(cotangent);
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
  // The array parameters' gradients come in as buffers after the
  // cotangent: the caller's `out`, or new zeros made here. (A compiled
  // gradient that made its own zeros when given none ran the calls that
  // give it some 1.3x slower, Rosenbrock at d = 100: one function, two
  // kinds of buffer.)
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
  let call: (...args: unknown[]) => unknown;
  if (arrays.length === 0) {
    call = forwarder(arity, compiled, [1]);
  } else if (out === undefined) {
    call = withNewZeros(arity, compiled, arrays);
  } else {
    const where = callName(apiName, entry);
    // Each checks its buffer against this call's arguments and zeroes it;
    // true sends the call to f__vjp instead: a buffer that shares memory
    // with an argument (is one, a view of its bytes, a row of it) would
    // change under the adjoint reading it (f__vjp copies at the end).
    // One closure per buffer, with its own constants: on a gradient of
    // 100 numbers, a loop over a table of buffers cost a tenth of the
    // call.
    // Records and other arguments not differentiated may hold arrays.
    const holders = entry.params.flatMap((kind, i) =>
      kind === "none" ? [i] : [],
    );
    const guards = arrays.map(
      ({ index, kind, buffer, what }) =>
        (args: unknown[]) => {
          for (const arg of args) if (sharesMemory(arg, buffer)) return true;
          for (const i of holders)
            if (holdsMemoryOf(args[i], buffer)) return true;
          if (!sameShape(kind, args[index], buffer)) {
            throwShape(kind, index, args[index], buffer, what, where);
          }
          zeroFill(kind, buffer);
          return false;
        },
    );
    const prepare =
      guards.length === 1
        ? guards[0]!
        : (args: unknown[]) => guards.some((guard) => guard(args));
    call = forwarder(arity, compiled, [1, ...arrays.map((a) => a.buffer)], {
      prepare,
      otherwise:
        single || indices.length !== 1 ? fromVjp : unwrapped(fromVjp, apiName),
    });
  }
  // A list of one argnum uses the compiled single gradient, in a tuple.
  if (single || indices.length !== 1) return call;
  return apiName === "grad"
    ? (...args) => [call(...args)]
    : (...args) => {
        const [value, gradient] = call(...args) as [unknown, unknown];
        return [value, [gradient]];
      };
}

/**
 * For a list of one argnum, `gradient` (`f__vjp`'s, which gives it in a
 * tuple) as the compiled single gradient gives it: alone.
 */
function unwrapped(
  gradient: (...args: unknown[]) => unknown,
  apiName: "grad" | "valueAndGrad",
): (...args: unknown[]) => unknown {
  return apiName === "grad"
    ? (...args) => (gradient(...args) as [unknown])[0]
    : (...args) => {
        const [value, [only]] = gradient(...args) as [unknown, [unknown]];
        return [value, only];
      };
}

/**
 * `(a, b, ...) => target(a, b, ..., ...tail)` with `arity` parameters (so
 * extra arguments are dropped and missing ones are undefined, as in a call
 * of `f`): a rest parameter and `apply` cost more than the compiled
 * gradient of a small function. A tail of up to five values (a cotangent
 * and four buffers) is passed as it is; unused places are undefined. With
 * `guard`, each call first runs `prepare(args)`, and goes to `otherwise`
 * when that returns true.
 */
function forwarder(
  arity: number,
  target: (...args: unknown[]) => unknown,
  tail: readonly unknown[],
  guard?: {
    prepare: (args: unknown[]) => boolean;
    otherwise: (...args: unknown[]) => unknown;
  },
): (...args: unknown[]) => unknown {
  const [t0, t1, t2, t3, t4] = tail;
  const prepare = guard?.prepare;
  const otherwise = guard?.otherwise;
  if (tail.length <= 5) {
    switch (arity) {
      case 1:
        return (a) =>
          prepare?.([a]) ? otherwise!(a) : target(a, t0, t1, t2, t3, t4);
      case 2:
        return (a, b) =>
          prepare?.([a, b])
            ? otherwise!(a, b)
            : target(a, b, t0, t1, t2, t3, t4);
      case 3:
        return (a, b, c) =>
          prepare?.([a, b, c])
            ? otherwise!(a, b, c)
            : target(a, b, c, t0, t1, t2, t3, t4);
      case 4:
        return (a, b, c, d) =>
          prepare?.([a, b, c, d])
            ? otherwise!(a, b, c, d)
            : target(a, b, c, d, t0, t1, t2, t3, t4);
      case 5:
        return (a, b, c, d, e) =>
          prepare?.([a, b, c, d, e])
            ? otherwise!(a, b, c, d, e)
            : target(a, b, c, d, e, t0, t1, t2, t3, t4);
      case 6:
        return (a, b, c, d, e, g) =>
          prepare?.([a, b, c, d, e, g])
            ? otherwise!(a, b, c, d, e, g)
            : target(a, b, c, d, e, g, t0, t1, t2, t3, t4);
    }
  }
  return (...args) => {
    fitArity(args, arity);
    return prepare?.(args) ? otherwise!(...args) : target(...args, ...tail);
  };
}

/**
 * `compiled` called with a new zero buffer for each array gradient, shaped
 * like its argument. For one array gradient of a function of up to six
 * parameters, the buffer is all it allocates: the rest parameter, spreads
 * and list of buffers of the general case made three more objects per
 * call, which at d = 100 (Rosenbrock) is more young-generation garbage than
 * the hand-written gradient makes in all.
 */
function withNewZeros(
  arity: number,
  compiled: (...args: unknown[]) => unknown,
  arrays: readonly { index: number; kind: ArrayKind }[],
): (...args: unknown[]) => unknown {
  const [only] = arrays;
  if (arrays.length === 1 && only !== undefined) {
    const { index, kind } = only;
    // A switch rather than a list of the arguments, which would be one
    // more object per call.
    const zeros = (
      a: unknown,
      b?: unknown,
      c?: unknown,
      d?: unknown,
      e?: unknown,
      g?: unknown,
    ) => {
      switch (index) {
        case 0:
          return zerosLike(kind, a);
        case 1:
          return zerosLike(kind, b);
        case 2:
          return zerosLike(kind, c);
        case 3:
          return zerosLike(kind, d);
        case 4:
          return zerosLike(kind, e);
        default:
          return zerosLike(kind, g);
      }
    };
    switch (arity) {
      case 1:
        return (a) => compiled(a, 1, zeros(a));
      case 2:
        return (a, b) => compiled(a, b, 1, zeros(a, b));
      case 3:
        return (a, b, c) => compiled(a, b, c, 1, zeros(a, b, c));
      case 4:
        return (a, b, c, d) => compiled(a, b, c, d, 1, zeros(a, b, c, d));
      case 5:
        return (a, b, c, d, e) =>
          compiled(a, b, c, d, e, 1, zeros(a, b, c, d, e));
      case 6:
        return (a, b, c, d, e, g) =>
          compiled(a, b, c, d, e, g, 1, zeros(a, b, c, d, e, g));
    }
  }
  return (...args) =>
    compiled(
      ...fitArity(args, arity),
      1,
      ...arrays.map(({ index, kind }) => zerosLike(kind, args[index])),
    );
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
  // The gradients of two parameters cannot share a buffer (they would
  // add up in it, or the last would win); a repeated argnum can.
  indices.forEach((index, k) =>
    indices.forEach((other, j) => {
      if (j <= k || other === index || out[k] === undefined) return;
      if (sharesMemory(out[k], out[j]))
        throw new TsadError(
          `${where}: out[${k}] and out[${j}] share memory, but they hold the gradients of ` +
            `different parameters (${index} and ${other} of ${entry.name}); give each its own buffer`,
        );
    }),
  );
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
  // `new Array(n).fill(new Array(k).fill(0))`: one row, n times.
  if (
    kind === "matrix" &&
    new Set(buffer as unknown[]).size !== (buffer as unknown[]).length
  ) {
    throw new TsadError(
      `${where}: ${what} holds one row array more than once, so the gradient's rows would overwrite each other; ` +
        `give each row its own array (\`Array.from({ length: n }, () => new Array(k).fill(0))\`)`,
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
