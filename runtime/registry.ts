/**
 * The link between compiled code and the runtime API.
 *
 * For every function marked `@differentiable`, the transformer emits two
 * functions beside it and registers them here:
 *
 *   function f(x, w) { ... }                     // the user's code
 *   function f__jvp(x, w, dx, dw) -> [f, df]     // tangent (forward) mode
 *   function f__vjp(x, w, f_adj) -> [f, x_adj, w_adj]  // adjoint (reverse)
 *   registerCompiled(f, { name: "f", params: ["number", "float64"],
 *                         result: "number", jvp: f__jvp, vjp: f__vjp });
 *
 * and, for each `grad(f, argnums)` / `valueAndGrad(f, argnums)` the
 * program calls with argnums known at compile time, a gradient-only
 * adjoint, listed under its argnums:
 *
 *   function f__grad_1(x, w, f_adj, w_adj) -> w_adj
 *   function f__valueAndGrad_0_1(x, w, f_adj, x_adj, w_adj) -> [f, [x_adj, w_adj]]
 *   registerCompiled(f, { ..., grad: { "1": f__grad_1 },
 *                         valueAndGrad: { "0,1": f__valueAndGrad_0_1 } });
 *
 * Calling conventions (the transformer and the runtime both rely on them):
 * - `jvp(...primals, ...tangents)` takes one tangent per parameter, in
 *   parameter order, after all the primals, and returns
 *   `[value, tangentOfValue]`. The tangent of a parameter has the
 *   parameter's kind and shape (a `number[]` of the same length for
 *   "array", a `Float64Array` for "float64", rows of the same lengths for
 *   "matrix"); the generated code only reads it, so callers may reuse one
 *   tangent buffer across calls. The tangent of a "none" parameter is
 *   ignored (pass `undefined`), and so is the tangent of an omitted optional
 *   parameter (`undefined` primal).
 * - `vjp(...primals, cotangentOfValue)` returns `[value, ...adjoints]` with
 *   one adjoint per parameter. The cotangent has the result's kind and
 *   shape (a number for a "number" result) and is only read. The adjoint of
 *   an array-kind parameter is a freshly allocated array of the parameter's
 *   kind and shape, owned by the caller; `undefined` for kind "none".
 * - A gradient-only adjoint for argnums `[a, b, ...]` (key `"a,b,..."`)
 *   takes `(...primals, cotangentOfValue, ...buffers)`, one buffer per
 *   array-kind parameter among the argnums, in argnums order, of that
 *   parameter's kind and shape, and adds the parameter's adjoint into it
 *   (callers pass zeros; it allocates no adjoint array of a
 *   parameter). It returns the adjoint of the
 *   one parameter for a single argnum (the buffer itself for an array),
 *   or a tuple in argnums order, and under `valueAndGrad`, `[value,
 *   that]`. Extra arguments after the buffers are ignored; `f`'s result is
 *   a number. Only the runtime calls these; a `grad` without one uses
 *   `vjp`.
 *
 * - `tangentVjp`, the adjoint of `f__tangent(...primals, ...tangents)` (which
 *   returns the tangent of the value alone, as `jvp` computes it): with
 *   the tangents `v` and a cotangent of 1, the adjoint of each primal is
 *   the Hessian times `v` (hessian.ts).
 *
 * Compiled code calls compiled code directly (`g__vjp(...)`); the registry
 * is only consulted by the public API (`grad(f)` and friends), once per
 * `grad(...)` call, never per derivative evaluation, but to check, at
 * each call of the derivatives, the callees another module exports
 * (`calls`).
 */
import { TsadError } from "./errors.js";
import { stack } from "./stack.js";

/**
 * What a parameter or a result is, for differentiation (DESIGN.md "Types"):
 *
 *   number                        -> "number"
 *   number[], readonly number[]   -> "array"    tangent: number[]
 *   Float64Array                  -> "float64"  tangent: Float64Array
 *   Float32Array                  -> "float32"  tangent: Float32Array
 *   number[][]                    -> "matrix"   tangent: number[][]
 *   anything else                 -> "none"     no tangent (undefined)
 */
export type ValueKind =
  "number" | "array" | "float64" | "float32" | "matrix" | "none";

/** What the transformer registers for one compiled function. */
export interface CompiledDerivatives {
  /** The source name of the function, for error messages. */
  readonly name: string;
  /** One kind per parameter, in order. */
  readonly params: readonly ValueKind[];
  /**
   * How many arguments a call needs, where the parameters after them are
   * optional (`?`, or a default value); all of them if absent.
   */
  readonly required?: number;
  /** The kind of the result; any kind, vectors and matrices included. */
  readonly result: ValueKind;
  /** `(...primals, ...tangents) => [value, tangentOfValue]` */
  readonly jvp: (...args: any[]) => [unknown, unknown];
  /** `(...primals, cotangentOfValue) => [value, ...adjoints]` */
  readonly vjp: (...args: any[]) => unknown[];
  /** Gradient-only adjoints by argnums: `"0,2"` -> `f__grad_0_2`. */
  readonly grad?: GradientTable;
  /** The same, returning `[value, gradient]`. */
  readonly valueAndGrad?: GradientTable;
  /**
   * The adjoint of the tangent function, where the program asks for
   * second derivatives (`hessian(f)`, `hvp(f)`):
   * `(...primals, ...tangents, cotangentOfTangent) =>
   * [tangentOfValue, ...adjointsOfPrimals, ...adjointsOfTangents]`.
   */
  readonly tangentVjp?: (...args: any[]) => unknown[];
  /**
   * The marked functions the derivatives call through another module's
   * exports (or through a marked function of this module that does),
   * each followed by the `vjp` the derivatives reach it by, read when
   * called: `() => [lib_1.cube, lib_1.cube__vjp]`. A module mock or a
   * stub may replace such an export after the build, and the function
   * then computes with the replacement while its derivatives call the
   * original's.
   */
  readonly calls?: () => readonly Function[];
}

/** An entry as the registry keeps it. */
interface Registered extends CompiledDerivatives {
  /** Where `calls` is given. */
  readonly callsCheck?: CallsCheck;
}

/** `(...primals, cotangentOfValue, ...buffers) => gradient` by argnums. */
export type GradientTable = Readonly<
  Record<string, (...args: any[]) => unknown>
>;

/**
 * One table for every copy of this runtime a process loads (a package
 * installed twice, a CommonJS and an ES module copy): the generated code
 * registers with the copy its module imports, and `grad(f)` may come from
 * another. The key names the entries' format, which copies must share: a
 * new calling convention takes a new key.
 */
const compiled = shared<Function, Registered>(Symbol.for("tsad.compiled.v1"));
/** The function each registered `vjp` was compiled from. */
const compiledFrom = shared<Function, Function>(
  Symbol.for("tsad.compiledFrom.v1"),
);

function shared<K extends object, V>(key: symbol): WeakMap<K, V> {
  try {
    return ((globalThis as { [key]?: WeakMap<K, V> })[key] ??= new WeakMap());
  } catch {
    // A frozen `globalThis` (SES): this copy's own table.
    return new WeakMap();
  }
}

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
  const callsCheck =
    derivatives.calls && new CallsCheck(derivatives.name, derivatives.calls);
  const run = <F extends (...args: any[]) => unknown>(fn: F): F =>
    unwinding(fn, callsCheck);
  const table = (gradients: GradientTable | undefined) =>
    gradients &&
    Object.fromEntries(
      Object.entries(gradients).map(([key, fn]) => [key, run(fn)]),
    );
  compiledFrom.set(derivatives.vjp, f);
  compiled.set(f, {
    ...derivatives,
    jvp: run(derivatives.jvp),
    vjp: run(derivatives.vjp),
    grad: table(derivatives.grad),
    valueAndGrad: table(derivatives.valueAndGrad),
    tangentVjp: derivatives.tangentVjp && run(derivatives.tangentVjp),
    callsCheck,
  });
}

/**
 * The check of one function's `calls`. A check runs at every call of the
 * derivatives, so it keeps what it found the last time, the exports read
 * and their own checks: while they stay the same, it only compares them.
 */
class CallsCheck {
  private read: readonly Function[] = [];
  private callees: readonly (CallsCheck | undefined)[] = [];
  private lastRun: object | undefined;

  constructor(
    private readonly name: string,
    private readonly calls: () => readonly Function[],
  ) {}

  run(check: object): void {
    if (this.lastRun === check) return;
    this.lastRun = check;
    const read = this.calls();
    if (!sameFunctions(read, this.read)) this.verify(read);
    for (const callee of this.callees) callee?.run(check);
  }

  private verify(read: readonly Function[]): void {
    const callees: (CallsCheck | undefined)[] = [];
    for (let i = 0; i < read.length; i += 2) {
      const callee = read[i]!;
      const original = compiledFrom.get(read[i + 1]!);
      const entry = compiled.get(callee);
      // A `vjp` registered by an older copy of the runtime has no
      // `compiledFrom`: then only the callee is known to be compiled.
      if (entry === undefined || (original && original !== callee)) {
        const name = original && compiled.get(original)?.name;
        throw new TsadError(
          `${this.name} calls ${name ? `'${name}'` : "a marked function"} ` +
            `of another module, which has been replaced since tsad compiled it ` +
            `(by a module mock or a stub?): ${this.name} would compute with the ` +
            `replacement, and its derivatives with the original. Replace only ` +
            `functions that ${this.name} does not call.`,
        );
      }
      callees.push(entry.callsCheck);
    }
    this.read = read;
    this.callees = callees;
  }
}

function sameFunctions(
  a: readonly Function[],
  b: readonly Function[],
): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `fn`, but that first checks the functions it reaches through another
 * module's exports (`CallsCheck`), and that if it throws it first takes
 * off the value stack what it left there: a `throw` (the user's, or the
 * language's: a field of `undefined`) ends a forward sweep before the
 * reverse sweep pops what it pushed. A caller that catches such errors and goes on (a line search)
 * would pile those values up, and one inside another derivative's sweep
 * (an unmarked helper that calls `grad`) would leave them for that
 * sweep's pops.
 */
function unwinding<F extends (...args: any[]) => unknown>(
  fn: F,
  callsCheck: CallsCheck | undefined,
): F {
  return function (this: unknown) {
    const numbers = stack.numbers;
    const others = stack.others;
    try {
      // A new object per check, so that it visits each function once
      // (numbers could repeat those of another copy of the runtime).
      callsCheck?.run({});
      // `apply` of `arguments` passes them on as they came, without the
      // array a rest parameter makes (which costs more than a small
      // gradient).
      return fn.apply(undefined, arguments as unknown as Parameters<F>);
    } catch (error) {
      stack.unwind(numbers, others);
      throw error;
    }
  } as F;
}

/** The derivatives compiled for `f`, if the transformer compiled it. */
export function lookupCompiled(f: Function): CompiledDerivatives | undefined {
  return compiled.get(f);
}
