/**
 * Checks the API runs once, when `grad(f, ...)` and friends are called,
 * against the compiled signature of `f` (its `ValueKind`s), so that the
 * functions they return are thin calls into compiled code.
 */
import type { CompiledDerivatives, ValueKind } from "./registry.js";
import { describeValue, fitArity } from "./compiled.js";
import { TsadError } from "./errors.js";
import {
  describeActual,
  describeShape,
  DIFFERENTIABLE_KINDS,
  findNonNumber,
  isDifferentiable,
  isOfKind,
  sameShape,
  TYPE_NAMES,
  zerosLike,
  type DifferentiableKind,
} from "./kinds.js";

/** `grad(f)` -> "grad(f)", the prefix of every message. */
export function callName(apiName: string, entry: CompiledDerivatives): string {
  return `${apiName}(${entry.name})`;
}

/**
 * Validate `argnums` (one index or a list) and return the indices; `single`
 * says whether the caller gets one gradient or a tuple.
 */
export function requireArgnums(
  entry: CompiledDerivatives,
  argnums: unknown,
  apiName: string,
): { readonly indices: readonly number[]; readonly single: boolean } {
  if (Array.isArray(argnums)) {
    return {
      indices: argnums.map((argnum) => requireArgnum(entry, argnum, apiName)),
      single: false,
    };
  }
  return { indices: [requireArgnum(entry, argnums, apiName)], single: true };
}

function requireArgnum(
  entry: CompiledDerivatives,
  argnum: unknown,
  apiName: string,
): number {
  const where = callName(apiName, entry);
  if (typeof argnum !== "number" || !Number.isInteger(argnum)) {
    throw new TsadError(
      `${where}: argnums must be an integer or an array of integers, got ${describeValue(argnum)}`,
    );
  }
  const count = entry.params.length;
  if (argnum < 0 || argnum >= count) {
    const valid =
      count === 0 ? "it has no parameters" : `valid: 0 to ${count - 1}`;
    throw new TsadError(
      `${where}: argnums ${argnum} is out of range: ${entry.name} has ${count} parameter${count === 1 ? "" : "s"} (${valid})`,
    );
  }
  const kind = entry.params[argnum]!;
  if (!isDifferentiable(kind)) {
    throw new TsadError(
      `${where}: cannot differentiate with respect to argnums ${argnum}: ` +
        `parameter ${argnum} of ${entry.name} has kind "${kind}", which is not differentiable ` +
        `(differentiable kinds: ${DIFFERENTIABLE_KINDS.join(", ")})`,
    );
  }
  return argnum;
}

/** `grad`, `derivative` and `checkGrad` need `f` to return one number. */
export function requireScalarResult(
  entry: CompiledDerivatives,
  apiName: string,
  alternatives: string,
): void {
  if (entry.result !== "number") {
    throw new TsadError(
      `${callName(apiName, entry)}: ${apiName} needs a scalar result; use ${alternatives} ` +
        `(the result of ${entry.name} has kind "${entry.result}")`,
    );
  }
}

/** `jvp`, `vjp`, `derivative` and `jacobian` need a result with a tangent. */
export function requireDifferentiableResult(
  entry: CompiledDerivatives,
  apiName: string,
): DifferentiableKind {
  if (isDifferentiable(entry.result)) return entry.result;
  throw new TsadError(
    `${callName(apiName, entry)}: the result of ${entry.name} has kind "${entry.result}", ` +
      `which is not differentiable (differentiable kinds: ${DIFFERENTIABLE_KINDS.join(", ")})`,
  );
}

/**
 * `jvp`'s `primals` and `tangents` must line up with the parameters; those
 * of optional parameters may be left out at the end (`undefined`, as in a
 * call of the function).
 */
export function requireAligned(
  entry: CompiledDerivatives,
  values: unknown,
  what: string,
  apiName: string,
): readonly unknown[] {
  const count = entry.params.length;
  const required = entry.required ?? count;
  if (
    !Array.isArray(values) ||
    values.length < required ||
    values.length > count
  ) {
    const got = Array.isArray(values)
      ? `${values.length} entries`
      : describeValue(values);
    const expected =
      required === count ? `${count}` : `${required} to ${count}`;
    throw new TsadError(
      `${callName(apiName, entry)}: ${what} must be an array with one entry per parameter of ` +
        `${entry.name} (${expected}), got ${got}`,
    );
  }
  return values.length === count
    ? values
    : [...values, ...new Array<undefined>(count - values.length)];
}

/**
 * A primal argument for a parameter of `kind` must be a value of that kind;
 * `undefined` passes, as the argument of an omitted optional parameter.
 */
export function requireKind(
  kind: ValueKind,
  value: unknown,
  what: string,
  where: string,
): void {
  if (kind === "none" || value === undefined || isOfKind(kind, value)) return;
  throw new TsadError(
    `${where}: ${what} must be a ${TYPE_NAMES[kind]}, got ${describeActual(value)}`,
  );
}

/**
 * The arguments of a call of `f`, fitted to its parameters, each of its
 * parameter's kind, with those derivatives are taken for (`indices`)
 * present.
 */
export function requirePrimals(
  entry: CompiledDerivatives,
  args: unknown[],
  indices: readonly number[],
  where: string,
): unknown[] {
  const primals = fitArity(args, entry.params.length);
  const missing = indices.find((index) => primals[index] === undefined);
  if (missing !== undefined) {
    throw new TsadError(`${where}: argument ${missing} is missing`);
  }
  primals.forEach((primal, i) =>
    requireKind(entry.params[i]!, primal, `argument ${i}`, where),
  );
  return primals;
}

/**
 * `value` (a tangent or cotangent the caller passed) must have the kind and
 * shape of `reference` and hold numbers only. Per call and O(size): for
 * `jvp` and pullbacks, not for `grad`.
 */
export function requireLike(
  kind: DifferentiableKind,
  reference: unknown,
  value: unknown,
  what: string,
  like: string,
  where: string,
): void {
  if (!sameShape(kind, reference, value)) {
    throw new TsadError(
      `${where}: ${what} must be ${describeShape(kind, reference)}, like ${like}, ` +
        `got ${describeActual(value)}`,
    );
  }
  const bad = findNonNumber(kind, value);
  if (bad !== undefined) {
    throw new TsadError(
      `${where}: ${what}${bad.path} must be a number, got ${describeValue(bad.element)}`,
    );
  }
}

/**
 * The tangent the compiled `jvp` receives for parameter `index` with
 * primal `primal`: `undefined` stands for a zero of the primal's kind and
 * shape; a given tangent is checked against the primal. A "none" parameter
 * gets `undefined`, and so does an omitted optional array parameter (its
 * tangent is ignored).
 */
export function tangentFor(
  kind: ValueKind,
  primal: unknown,
  tangent: unknown,
  index: number,
  where: string,
): unknown {
  if (kind === "none") return undefined;
  if (tangent === undefined) return zeroTangent(kind, primal);
  const what = `tangents[${index}]`;
  if (primal === undefined) {
    requireKind(kind, tangent, what, where);
    return tangent;
  }
  requireLike(kind, primal, tangent, what, `primals[${index}]`, where);
  return tangent;
}

/**
 * A zero tangent for a parameter of `kind` holding `primal` (already
 * checked with `requireKind`): 0 for a number, `undefined` where the
 * tangent is ignored.
 */
export function zeroTangent(kind: ValueKind, primal: unknown): unknown {
  if (kind === "none") return undefined;
  if (kind === "number") return 0;
  return primal === undefined ? undefined : zerosLike(kind, primal);
}
