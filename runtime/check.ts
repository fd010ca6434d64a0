/**
 * `checkGrad`: the reverse-mode gradient against central finite
 * differences, element by element, for tests of compiled code and of
 * custom derivatives.
 *
 *   fd_k = (f(.., x_k + h, ..) - f(.., x_k - h, ..)) / (2h),
 *   h = eps * max(1, |x_k|)
 *
 * where x_k is a number parameter or one element of an array parameter
 * (a vector's entry, a matrix's entry w[r][c]).
 */
import { requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import {
  cloneValue,
  describeActual,
  flatEntries,
  flatten,
  isDifferentiable,
  isOfKind,
  TYPE_NAMES,
  type DifferentiableKind,
  type FlatEntries,
} from "./kinds.js";
import type { Argnums } from "./types.js";
import {
  callName,
  requireAligned,
  requireArgnums,
  requireScalarResult,
} from "./validate.js";

export interface CheckGradOptions<P extends readonly unknown[]> {
  /** Parameters to check; default: every differentiable parameter. */
  readonly argnums?: Argnums<P>;
  /** Relative finite-difference step; default 1e-6. */
  readonly eps?: number;
  /** Relative tolerance, against the finite difference; default 1e-5. */
  readonly rtol?: number;
  /** Absolute tolerance; default 1e-6. */
  readonly atol?: number;
}

export interface CheckGradResult {
  /** Every entry satisfies `|grad - fd| <= atol + rtol * |fd|`. */
  readonly ok: boolean;
  /** Largest `|grad - fd|`. */
  readonly maxAbsError: number;
  /** Largest `|grad - fd| / max(|grad|, |fd|)` (0 where both are 0). */
  readonly maxRelError: number;
}

export function checkGrad<P extends unknown[]>(
  f: (...args: P) => number,
  args: NoInfer<P>,
  options?: CheckGradOptions<NoInfer<P>>,
): CheckGradResult;
export function checkGrad(
  f: (...args: unknown[]) => number,
  args: unknown,
  options: CheckGradOptions<unknown[]> = {},
): CheckGradResult {
  const { eps = 1e-6, rtol = 1e-5, atol = 1e-6 } = options;
  const entry = requireCompiled(f, "checkGrad");
  requireScalarResult(entry, "checkGrad", "vjp with a chosen cotangent");
  const primals = requireAligned(entry, args, "args", "checkGrad");
  // By default, the parameters a call needs and the optional ones given a
  // value: one left out has none to vary.
  const required = entry.required ?? entry.params.length;
  const indices =
    options.argnums === undefined
      ? entry.params.flatMap((kind, i) =>
          isDifferentiable(kind) && (i < required || primals[i] !== undefined)
            ? [i]
            : [],
        )
      : requireArgnums(entry, options.argnums, "checkGrad").indices;

  const adjoints = entry.vjp(...primals, 1);
  let ok = true;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (const i of indices) {
    // requireArgnums and the default only pick differentiable parameters.
    const kind = entry.params[i] as DifferentiableKind;
    const x = primals[i];
    if (!isOfKind(kind, x)) {
      throw new TsadError(
        `${callName("checkGrad", entry)}: args[${i}] must be a ${TYPE_NAMES[kind]}, ` +
          `got ${describeActual(x)}`,
      );
    }
    const reverse = flatten(kind, adjoints[i + 1]);
    // Perturb a copy, one element at a time, and put the element back.
    const perturbed = [...primals];
    const entries: FlatEntries =
      kind === "number"
        ? {
            size: 1,
            get: () => perturbed[i] as number,
            set: (_, value) => {
              perturbed[i] = value;
            },
          }
        : flatEntries(kind, (perturbed[i] = cloneValue(kind, x)));
    for (let k = 0; k < entries.size; k++) {
      const xk = entries.get(k);
      const h = eps * Math.max(1, Math.abs(xk));
      // Read back what was stored: a Float32Array rounds x + h.
      entries.set(k, xk + h);
      const up = entries.get(k);
      const fUp = f(...perturbed);
      entries.set(k, xk - h);
      const down = entries.get(k);
      const fDown = f(...perturbed);
      entries.set(k, xk);
      const fd = (fUp - fDown) / (up - down);
      const absError = Math.abs(reverse[k]! - fd);
      const scale = Math.max(Math.abs(reverse[k]!), Math.abs(fd));
      const relError = absError === 0 ? 0 : absError / scale;
      // Negated so that a NaN fails the check (Math.max keeps NaN too).
      if (!(absError <= atol + rtol * Math.abs(fd))) ok = false;
      maxAbsError = Math.max(maxAbsError, absError);
      maxRelError = Math.max(maxRelError, relError);
    }
  }
  return { ok, maxAbsError, maxRelError };
}
