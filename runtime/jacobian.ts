/**
 * `jacobian(f, argnums = 0)`: the Jacobian of `f`'s result with respect to
 * one parameter, as `number[][]` (rows: outputs, columns: inputs).
 * Matrices count row-major, a number counts as one row or one column:
 *
 *   jacobian((x: number[]) => [x[0] * x[1], Math.sin(x[0])])([a, b])
 *     // [[b, a], [Math.cos(a), 0]]
 *
 * Each call picks the cheaper mode from the shapes of that call: forward
 * mode, one `f__jvp` per input with a unit tangent (a column each), when
 * there are no more inputs than outputs; else reverse mode, one `f__vjp`
 * per output with a unit cotangent (a row each).
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
import type { Differentiable, DifferentiableIndex } from "./types.js";
import {
  callName,
  requireArgnums,
  requireDifferentiableResult,
  requirePrimals,
  zeroTangent,
} from "./validate.js";

export function jacobian<P extends [Differentiable, ...unknown[]]>(
  f: (...args: P) => Differentiable,
): (...args: P) => number[][];
export function jacobian<P extends unknown[]>(
  f: (...args: P) => Differentiable,
  argnums: DifferentiableIndex<P>,
): (...args: P) => number[][];
export function jacobian(
  f: Function,
  argnums: unknown = 0,
): (...args: unknown[]) => number[][] {
  const entry = requireCompiled(f, "jacobian");
  const outputKind = requireDifferentiableResult(entry, "jacobian");
  const where = callName("jacobian", entry);
  if (Array.isArray(argnums)) {
    throw new TsadError(
      `${where}: argnums must be one parameter index, got an array; ` +
        `call jacobian once per parameter`,
    );
  }
  const index = requireArgnums(entry, argnums, "jacobian").indices[0]!;
  // requireArgnums only accepts differentiable parameters.
  const inputKind = entry.params[index] as DifferentiableKind;
  return (...args) => {
    const primals = requirePrimals(entry, args, [index], where);
    const input = primals[index];
    const inputs = flatSize(inputKind, input);
    // A vector result's length is only known from the value itself; with
    // no input to sweep, `f` still runs, as a call of it would (it may throw).
    const value =
      outputKind === "number" && inputs > 0
        ? 0
        : Reflect.apply(f, undefined, primals);
    const outputs = flatSize(outputKind, value);
    return inputs <= outputs
      ? forwardJacobian(entry, primals, index, outputKind, outputs)
      : reverseJacobian(entry, primals, index, outputKind, value);
  };
}

/** One jvp per input: column `j` is the tangent of the result along e_j. */
function forwardJacobian(
  entry: CompiledDerivatives,
  primals: unknown[],
  index: number,
  outputKind: DifferentiableKind,
  outputs: number,
): number[][] {
  const inputKind = entry.params[index] as DifferentiableKind;
  const input = primals[index];
  const tangents = entry.params.map((kind, i) =>
    i === index ? undefined : zeroTangent(kind, primals[i]),
  );
  const rows = Array.from({ length: outputs }, () =>
    new Array<number>(flatSize(inputKind, input)).fill(0),
  );
  forEachUnit(inputKind, input, (unit, j) => {
    tangents[index] = unit;
    const column = flatten(outputKind, entry.jvp(...primals, ...tangents)[1]);
    // A hole in the tangent is one in the value (`t[2] = v` of an empty
    // `t`): no number there, and 0 in its row, as the reverse sweep gives.
    rows.forEach((row, i) => {
      row[j] = column[i] ?? 0;
    });
  });
  return rows;
}

/** One vjp per output: row `i` is the adjoint of the input for e_i. */
function reverseJacobian(
  entry: CompiledDerivatives,
  primals: unknown[],
  index: number,
  outputKind: DifferentiableKind,
  value: unknown,
): number[][] {
  const inputKind = entry.params[index] as DifferentiableKind;
  const rows: number[][] = [];
  forEachUnit(outputKind, value, (unit) => {
    rows.push(flatten(inputKind, entry.vjp(...primals, unit)[index + 1]));
  });
  return rows;
}
