/**
 * `checkGrad`: the reverse-mode gradient against central finite
 * differences, for tests of compiled code and of custom derivatives.
 *
 *   fd_i = (f(.., x_i + h, ..) - f(.., x_i - h, ..)) / (2h),
 *   h = eps * max(1, |x_i|)
 */
import { requireCompiled } from "./compiled.js";
import { TsadError } from "./errors.js";
import type { Argnums } from "./types.js";
import {
  callName,
  requireAligned,
  requireArgnums,
  requireScalarResult,
} from "./validate.js";

export interface CheckGradOptions<P extends readonly unknown[]> {
  /** Parameters to check; default: every number parameter. */
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
  const indices =
    options.argnums === undefined
      ? entry.params.flatMap((kind, i) => (kind === "number" ? [i] : []))
      : requireArgnums(entry, options.argnums, "checkGrad").indices;

  const adjoints = entry.vjp(...primals, 1);
  let ok = true;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (const i of indices) {
    const x = primals[i];
    if (typeof x !== "number") {
      throw new TsadError(
        `${callName("checkGrad", entry)}: args[${i}] must be a number, got ${typeof x}`,
      );
    }
    const h = eps * Math.max(1, Math.abs(x));
    const up = [...primals];
    const down = [...primals];
    up[i] = x + h;
    down[i] = x - h;
    // The step actually taken, after rounding x + h and x - h.
    const step = x + h - (x - h);
    const fd = (f(...up) - f(...down)) / step;
    const reverse = adjoints[i + 1] as number;
    const absError = Math.abs(reverse - fd);
    const scale = Math.max(Math.abs(reverse), Math.abs(fd));
    const relError = absError === 0 ? 0 : absError / scale;
    // Negated so that a NaN fails the check (Math.max keeps NaN too).
    if (!(absError <= atol + rtol * Math.abs(fd))) ok = false;
    maxAbsError = Math.max(maxAbsError, absError);
    maxRelError = Math.max(maxRelError, relError);
  }
  return { ok, maxAbsError, maxRelError };
}
