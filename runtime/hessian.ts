/**
 * Second order: `hvp` and `hessian`, calling the adjoint of the tangent
 * function the transformer writes where the program asks for them
 * (`f__tangent__vjp`, registry.ts): reverse mode over forward mode. With
 * tangent `v` for the parameter and a cotangent of 1, the adjoint of the
 * parameter is the Hessian-vector product:
 *
 *   hvp(f)(x, w, v)   ==  f__tangent__vjp(x, w, v, zeros, 1)[1]
 *   hessian(f)(x, w)  ==  [hvp(f)(x, w, e_0), hvp(f)(x, w, e_1), ...]
 *
 * One `hvp` costs a few evaluations of `f`, whatever the size of `x`; the
 * Hessian is one `hvp` per entry of `x`.
 */
import { requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import {
  flatSize,
  flatten,
  forEachUnit,
  type DifferentiableKind,
} from "./kinds.js";
import type { CompiledDerivatives } from "./registry.js";
import type {
  Differentiable,
  DifferentiableIndex,
  HessianOf,
  Tangent,
} from "./types.js";
import {
  callName,
  requireArgnums,
  requirePrimals,
  requireLike,
  requireScalarResult,
  zeroTangent,
} from "./validate.js";

/**
 * `hvp(f, argnums = 0)`: a function taking `f`'s arguments and then a
 * vector `v` shaped like parameter `argnums`, returning the product of
 * the Hessian of `f`'s number result with respect to that parameter and
 * `v` (shaped like `v`), in one forward and one reverse sweep.
 *
 *   hvp((x: number[]) => x[0] * x[0] * x[1])([a, b], [1, 0])  // [2b, 2a]
 */
export function hvp<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: [...P, Tangent<P[0]>]) => Tangent<P[0]>;
export function hvp<
  P extends unknown[],
  const I extends DifferentiableIndex<P>,
>(
  f: (...args: P) => number,
  argnums: I,
): (...args: [...P, Tangent<P[I]>]) => Tangent<P[I]>;
export function hvp(
  f: Function,
  argnums: unknown = 0,
  // `any`: the overloads' `[...P, v]` is no `unknown[]` to TypeScript.
): (...args: any[]) => unknown {
  const plan = planSecondOrder(f, argnums, "hvp");
  return (...args) => {
    const v = args.pop();
    const primals = plan.primals(args);
    const input = primals[plan.index];
    requireLike(
      plan.kind,
      input,
      v,
      `v (the argument after ${plan.name}'s ${plan.arity})`,
      `argument ${plan.index}`,
      plan.where,
    );
    return plan.product(primals, v);
  };
}

/**
 * `hessian(f, argnums = 0)`: a function with `f`'s parameters returning
 * the Hessian of `f`'s number result with respect to parameter
 * `argnums`: a number for a number parameter, else `number[][]`, rows and
 * columns counting the parameter's entries (a matrix's row-major).
 *
 *   hessian((x: number[]) => x[0] * x[0] * x[1])([a, b])
 *     // [[2b, 2a], [2a, 0]]
 */
export function hessian<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: P) => HessianOf<P[0]>;
export function hessian<
  P extends unknown[],
  const I extends DifferentiableIndex<P>,
>(f: (...args: P) => number, argnums: I): (...args: P) => HessianOf<P[I]>;
export function hessian(
  f: Function,
  argnums: unknown = 0,
): (...args: unknown[]) => unknown {
  const plan = planSecondOrder(f, argnums, "hessian");
  return (...args) => {
    const primals = plan.primals(args);
    const input = primals[plan.index];
    if (plan.kind === "number") return plan.product(primals, 1);
    const size = flatSize(plan.kind, input);
    const rows = Array.from({ length: size }, () =>
      new Array<number>(size).fill(0),
    );
    // Column j is H e_j.
    forEachUnit(plan.kind, input, (unit, j) => {
      flatten(plan.kind, plan.product(primals, unit)).forEach((h, i) => {
        rows[i]![j] = h;
      });
    });
    return rows;
  };
}

interface SecondOrderPlan {
  readonly where: string;
  /** `f`'s name, and its parameters' count ("2 arguments"). */
  readonly name: string;
  readonly arity: string;
  readonly index: number;
  readonly kind: DifferentiableKind;
  /** The arguments, fitted to `f`'s parameters and checked. */
  primals(args: unknown[]): unknown[];
  /** H v, for `v` shaped like parameter `index`. */
  product(primals: readonly unknown[], v: unknown): unknown;
}

/** What `hvp(f, argnums)` and `hessian(f, argnums)` check once. */
function planSecondOrder(
  f: Function,
  argnums: unknown,
  apiName: string,
): SecondOrderPlan {
  const entry = requireCompiled(f, apiName);
  const where = callName(apiName, entry);
  requireScalarResult(entry, apiName, "jacobian for a vector result");
  if (Array.isArray(argnums)) {
    throw new TsadError(
      `${where}: argnums must be one parameter index, got an array; ` +
        `call ${apiName} once per parameter`,
    );
  }
  const index = requireArgnums(entry, argnums, apiName).indices[0]!;
  const adjoint = requireSecondOrder(entry, where);
  const count = entry.params.length;
  return {
    where,
    name: entry.name,
    arity: `${count} argument${count === 1 ? "" : "s"}`,
    index,
    // requireArgnums only accepts differentiable parameters.
    kind: entry.params[index] as DifferentiableKind,
    primals: (args) => requirePrimals(entry, args, index, where),
    product(primals, v) {
      const tangents = entry.params.map((kind, i) =>
        i === index ? v : zeroTangent(kind, primals[i]),
      );
      // [tangent of the value, ...adjoints of the primals, ...of the tangents]
      return adjoint(...primals, ...tangents, 1)[index + 1];
    },
  };
}

function requireSecondOrder(
  entry: CompiledDerivatives,
  where: string,
): (...args: unknown[]) => unknown[] {
  if (entry.hvp) return entry.hvp;
  throw new TsadError(
    `${where}: tsad wrote no second derivatives of ${entry.name}. It writes them ` +
      `for the functions a compiled file passes to hessian or hvp by name, or as ` +
      `the argument a function passes on to them (\`newton(${entry.name})\` where ` +
      `\`newton(f)\` calls \`hessian(f)\`), and the marked functions they call; not ` +
      `for a function stored or returned on the way: write hessian(${entry.name}) ` +
      `with ${entry.name} itself in a file tspc compiles (for example ` +
      `\`const H = hessian(${entry.name})\` at module level), and build again.`,
  );
}
