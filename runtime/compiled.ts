/**
 * Where every public API call starts: find the derivatives the transformer
 * compiled for `f`, or fail with instructions. An uncompiled function never
 * gets a silently wrong (or zero) derivative.
 */
import { TsadError } from "./errors.js";
import { lookupCompiled, type CompiledDerivatives } from "./registry.js";

export function functionName(f: unknown): string {
  return typeof f === "function" && f.name !== ""
    ? f.name
    : "<anonymous function>";
}

export function requireCompiled(
  f: unknown,
  apiName: string,
): CompiledDerivatives {
  if (typeof f !== "function") {
    throw new TsadError(
      `${apiName} expects a function, got ${describeValue(f)}`,
    );
  }
  const entry = lookupCompiled(f);
  if (entry === undefined) {
    const name = functionName(f);
    throw new TsadError(
      `${apiName}(${name}): ${name} was not compiled by tsad. ` +
        `Mark it /** @differentiable */, add { "transform": "tsad/transformer" } ` +
        `to compilerOptions.plugins in tsconfig.json, and build with tspc (ts-patch). ` +
        `If it is marked and the build reported an error TS960xx for it, fix that: ` +
        `tsad writes no derivatives for a function with an error.`,
    );
  }
  return entry;
}

/**
 * Make `args` exactly as long as the compiled function's parameter list, as
 * the calling convention needs: compiled `jvp` / `vjp` take their tangents
 * or cotangent right after the primals, so a missing optional argument
 * would shift them. Missing arguments become `undefined`, extra ones are
 * dropped, as in a plain call of the original function.
 */
export function fitArity(args: unknown[], arity: number): unknown[] {
  if (args.length !== arity) args.length = arity;
  return args;
}

export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(", ")}]`;
  return String(value);
}
