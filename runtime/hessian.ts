/**
 * Second order: `hvp` and `hessian`, calling the adjoint of the tangent
 * function the transformer writes where the program asks for them
 * (`f__tangent__vjp`, registry.ts `tangentVjp`): reverse mode over forward mode. With
 * tangents `v` for the parameters and a cotangent of 1, the adjoint of
 * each parameter is its rows of the Hessian times `v`:
 *
 *   hvp(f)(x, w, v)   ==  f__tangent__vjp(x, w, v, zeros, 1)[1]
 *   hessian(f)(x, w)  ==  [hvp(f)(x, w, e_0), hvp(f)(x, w, e_1), ...]
 *
 * One `hvp` costs a few evaluations of `f`, whatever the size of `x`; the
 * Hessian is one `hvp` per entry of `x`. With a list of argnums, one
 * `hvp` per entry of those parameters gives every block, the mixed ones
 * too (a number counts as one row or one column, as in `jacobian`).
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
  Argnums,
  Differentiable,
  GradientOf,
  HessianOf,
  Tangent,
  ThenLast,
} from "./types.js";
import {
  callName,
  requireArgnums,
  requireLike,
  requirePrimals,
  requireScalarResult,
  zeroTangent,
} from "./validate.js";

/**
 * `hvp(f, argnums = 0)`: a function taking `f`'s arguments and then `v`,
 * shaped like parameter `argnums` (a tuple of such for a list), returning
 * the Hessian of `f`'s number result with respect to those parameters
 * times `v`, shaped like `v`, in one forward and one reverse sweep.
 *
 *   hvp((x: number[]) => x[0] * x[0] * x[1])([a, b], [1, 0])  // [2b, 2a]
 */
export function hvp<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: ThenLast<P, Tangent<P[0]>>) => Tangent<P[0]>;
export function hvp<P extends unknown[], const A extends Argnums<P>>(
  f: (...args: P) => number,
  argnums: A,
): (...args: ThenLast<P, GradientOf<P, A>>) => GradientOf<P, A>;
export function hvp(
  f: Function,
  argnums: unknown = 0,
  // `any`: the overloads' `ThenLast<P, v>` is no `unknown[]` to TypeScript.
): (...args: any[]) => unknown {
  const plan = planSecondOrder(f, argnums, "hvp");
  return (...args) => {
    const v = args.pop();
    const primals = plan.primals(args);
    const what = `v (the argument after ${plan.name}'s ${plan.arity})`;
    if (!plan.single && (!Array.isArray(v) || v.length !== plan.count)) {
      throw new TsadError(
        `${plan.where}: ${what} must be a tuple of ${plan.count} tangents, one per argnum`,
      );
    }
    const vs = plan.single ? [v] : (v as unknown[]);
    plan.indices.forEach((index, k) =>
      requireLike(
        plan.kinds[k]!,
        primals[index],
        vs[k],
        plan.single ? what : `${what}[${k}]`,
        `argument ${index}`,
        plan.where,
      ),
    );
    const adjoints = plan.adjoints(primals, vs);
    return plan.single ? adjoints[0] : adjoints;
  };
}

/**
 * `hessian(f, argnums = 0)`: a function with `f`'s parameters returning
 * the Hessian of `f`'s number result with respect to parameter
 * `argnums`: a number for a number parameter, else `number[][]`, rows and
 * columns counting the parameter's entries (a matrix's row-major). For a
 * list of argnums, the blocks `H[i][j]` (rows: parameter `argnums[i]`,
 * columns: `argnums[j]`), each a number where both are numbers.
 *
 *   hessian((x: number[]) => x[0] * x[0] * x[1])([a, b])
 *     // [[2b, 2a], [2a, 0]]
 *   hessian((x: number[], y: number) => x[0] * y * y, [0, 1])([a, b], c)
 *     // [[[[0, 0], [0, 0]], [[2c], [0]]], [[[2c, 0]], 2a]]
 */
export function hessian<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => number,
): (...args: P) => HessianOf<P, 0>;
export function hessian<P extends unknown[], const A extends Argnums<P>>(
  f: (...args: P) => number,
  argnums: A,
): (...args: P) => HessianOf<P, A>;
export function hessian(
  f: Function,
  argnums: unknown = 0,
): (...args: unknown[]) => unknown {
  const plan = planSecondOrder(f, argnums, "hessian");
  return (...args) => {
    const primals = plan.primals(args);
    const sizes = plan.indices.map((index, k) =>
      flatSize(plan.kinds[k]!, primals[index]),
    );
    const blocks = sizes.map((rows) =>
      sizes.map(() => Array.from({ length: rows }, () => new Array<number>(0))),
    );
    const zeros = () =>
      plan.indices.map((other, k) =>
        zeroTangent(plan.kinds[k]!, primals[other]),
      );
    // With no entries no column is swept, but `f` still runs, as a call
    // of it would (it may throw).
    if (sizes.every((size) => size === 0)) plan.adjoints(primals, zeros());
    // Column e of the blocks of parameter j: the adjoints for tangent e_e.
    plan.indices.forEach((index, j) => {
      const tangents = zeros();
      forEachUnit(plan.kinds[j]!, primals[index], (unit, e) => {
        tangents[j] = unit;
        plan.adjoints(primals, tangents).forEach((adjoint, i) =>
          flatten(plan.kinds[i]!, adjoint).forEach((h, r) => {
            blocks[i]![j]![r]![e] = h;
          }),
        );
      });
    });
    const shaped = blocks.map((row, i) =>
      row.map((block, j) =>
        plan.kinds[i] === "number" && plan.kinds[j] === "number"
          ? block[0]![0]!
          : block,
      ),
    );
    return plan.single ? shaped[0]![0] : shaped;
  };
}

interface SecondOrderPlan {
  readonly where: string;
  /** `f`'s name, and its parameters' count ("2 arguments"). */
  readonly name: string;
  readonly arity: string;
  /** The argnums, their kinds; `single`: one index, not a list. */
  readonly indices: readonly number[];
  readonly kinds: readonly DifferentiableKind[];
  readonly single: boolean;
  readonly count: number;
  /** The arguments, fitted to `f`'s parameters and checked. */
  primals(args: unknown[]): unknown[];
  /** H v's parts for the argnums, `vs` shaped like their parameters. */
  adjoints(primals: readonly unknown[], vs: readonly unknown[]): unknown[];
}

/** What `hvp(f, argnums)` and `hessian(f, argnums)` check once. */
function planSecondOrder(
  f: Function,
  argnums: unknown,
  apiName: string,
): SecondOrderPlan {
  const entry = requireCompiled(f, apiName);
  const where = callName(apiName, entry);
  requireScalarResult(
    entry,
    apiName,
    "a function returning one number (one output, or a weighted sum of them)",
  );
  const { indices, single } = requireArgnums(entry, argnums, apiName);
  const repeated = indices.find((index, k) => indices.indexOf(index) !== k);
  if (repeated !== undefined) {
    throw new TsadError(
      `${where}: argnums names parameter ${repeated} twice; name each parameter once`,
    );
  }
  const adjoint = requireSecondOrder(entry, where);
  const count = entry.params.length;
  return {
    where,
    name: entry.name,
    arity: `${count} argument${count === 1 ? "" : "s"}`,
    indices,
    // requireArgnums only accepts differentiable parameters.
    kinds: indices.map((index) => entry.params[index] as DifferentiableKind),
    single,
    count: indices.length,
    primals: (args) => requirePrimals(entry, args, indices, where),
    adjoints(primals, vs) {
      const tangents = entry.params.map((kind, i) => {
        const k = indices.indexOf(i);
        return k >= 0 ? vs[k] : zeroTangent(kind, primals[i]);
      });
      // [tangent of the value, ...adjoints of the primals, ...of the tangents]
      const adjoints = adjoint(...primals, ...tangents, 1);
      return indices.map((index) => adjoints[index + 1]);
    },
  };
}

function requireSecondOrder(
  entry: CompiledDerivatives,
  where: string,
): (...args: unknown[]) => unknown[] {
  if (entry.tangentVjp) return entry.tangentVjp;
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
