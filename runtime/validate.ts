/**
 * Checks the API runs once, when `grad(f, ...)` and friends are called,
 * against the compiled signature of `f` (its `ValueKind`s), so that the
 * functions they return are thin calls into compiled code.
 */
import type { CompiledDerivatives, ValueKind } from "./registry.js";
import { describeValue } from "./compiled.js";
import { TsadError } from "./errors.js";

/** The kinds a derivative can be taken with respect to. */
const DIFFERENTIABLE_KINDS: readonly ValueKind[] = ["number"];

export function isDifferentiable(kind: ValueKind): boolean {
  return DIFFERENTIABLE_KINDS.includes(kind);
}

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

/** `jvp` and `vjp` need a result that has a tangent at all. */
export function requireDifferentiableResult(
  entry: CompiledDerivatives,
  apiName: string,
): void {
  if (!isDifferentiable(entry.result)) {
    throw new TsadError(
      `${callName(apiName, entry)}: the result of ${entry.name} has kind "${entry.result}", ` +
        `which is not differentiable, so it has no ${apiName === "jvp" ? "tangent" : "cotangent"}`,
    );
  }
}

/** `jvp`'s `primals` and `tangents` must line up with the parameters. */
export function requireAligned(
  entry: CompiledDerivatives,
  values: unknown,
  what: string,
  apiName: string,
): readonly unknown[] {
  const count = entry.params.length;
  if (!Array.isArray(values) || values.length !== count) {
    const got = Array.isArray(values)
      ? `${values.length} entries`
      : describeValue(values);
    throw new TsadError(
      `${callName(apiName, entry)}: ${what} must be an array with one entry per parameter of ` +
        `${entry.name} (${count}), got ${got}`,
    );
  }
  return values;
}

/**
 * The tangent (or cotangent) the compiled code receives for a value of
 * `kind`: `undefined` means zero for a number, and is all a "none" value
 * gets.
 */
export function tangentFor(
  kind: ValueKind,
  tangent: unknown,
  what: string,
  where: string,
): unknown {
  if (kind === "none") return undefined;
  if (tangent === undefined) return 0;
  if (typeof tangent !== "number") {
    throw new TsadError(
      `${where}: ${what} must be a number (or undefined for 0), got ${describeValue(tangent)}`,
    );
  }
  return tangent;
}
