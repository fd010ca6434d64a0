/**
 * The link between compiled code and the runtime API.
 *
 * For every function marked `@differentiable`, the transformer emits two
 * functions beside it and registers them here:
 *
 *   function f(x, y) { ... }                     // the user's code
 *   function f__jvp(x, y, dx, dy) -> [f, df]     // tangent (forward) mode
 *   function f__vjp(x, y, f_adj) -> [f, x_adj, y_adj]  // adjoint (reverse)
 *   registerCompiled(f, { name: "f", params: ["number", "number"],
 *                         result: "number", jvp: f__jvp, vjp: f__vjp });
 *
 * Calling conventions (the transformer and the runtime both rely on them):
 * - `jvp(...primals, ...tangents)` takes one tangent per parameter, in
 *   parameter order, after all the primals; the tangent of a parameter whose
 *   kind is "none" is ignored. It returns `[value, tangentOfValue]`.
 * - `vjp(...primals, cotangentOfValue)` returns `[value, ...adjoints]` with
 *   one adjoint per parameter, `undefined` for kind "none".
 *
 * Compiled code calls compiled code directly (`g__vjp(...)`); the registry
 * is only consulted by the public API (`grad(f)` and friends), once per
 * `grad(...)` call, never per derivative evaluation.
 */

/** What a parameter or a result is, for differentiation. */
export type ValueKind = "number" | "none";

/** What the transformer registers for one compiled function. */
export interface CompiledDerivatives {
  /** The source name of the function, for error messages. */
  readonly name: string;
  /** One kind per parameter, in order. */
  readonly params: readonly ValueKind[];
  readonly result: ValueKind;
  /** `(...primals, ...tangents) => [value, tangentOfValue]` */
  readonly jvp: (...args: any[]) => [unknown, unknown];
  /** `(...primals, cotangentOfValue) => [value, ...adjoints]` */
  readonly vjp: (...args: any[]) => unknown[];
}

const compiled = new WeakMap<Function, CompiledDerivatives>();

/**
 * Called by generated code only, once per compiled function at module load.
 * Exported from the package so generated code can import it.
 *
 * @internal
 */
export function registerCompiled(
  f: Function,
  derivatives: CompiledDerivatives,
): void {
  compiled.set(f, derivatives);
}

/** The derivatives compiled for `f`, if the transformer compiled it. */
export function lookupCompiled(f: Function): CompiledDerivatives | undefined {
  return compiled.get(f);
}
