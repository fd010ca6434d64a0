/**
 * Every naming rule for generated code, so the output reads like the input:
 *
 *   source `x` -> tangent `dx`, adjoint `x_adj`, new version `x_1`
 *   `Math.sin(y)` kept in a temporary -> `sin_y`
 *   function `f` -> `f__jvp` (tangent), `f__vjp` (adjoint), `f__grad_1`
 *   (gradient with respect to parameter 1), `f__tangent__vjp` (Hessian)
 *
 * A `Names` instance hands out names unique within one generated function;
 * it is seeded with every identifier of the source file so that generated
 * names never shadow what the function refers to. A derived name that is a
 * reserved word gets a suffix: tangent of `o` -> `do_1`, not `do`.
 */
export const derivativeName = (base: string, variant: "jvp" | "vjp") =>
  `${base}__${variant}`;

/**
 * The tangent function returning the tangent alone, which `hvp` and
 * `hessian` differentiate: `f__tangent`, and its adjoint
 * `f__tangent__vjp`.
 */
export const tangentOnlyName = (base: string) => `${base}__tangent`;

/**
 * Every name a marked function's generated code exports beside it: what a
 * file may not declare, and what a module re-exporting the function
 * re-exports. `secondOrder`: the program asks for its Hessian.
 */
export const derivativeNames = (
  base: string,
  secondOrder = false,
): string[] => [
  derivativeName(base, "jvp"),
  derivativeName(base, "vjp"),
  ...(secondOrder
    ? [tangentOnlyName(base), derivativeName(tangentOnlyName(base), "vjp")]
    : []),
];

/**
 * Globals the generated code refers to by name (`Math.cos(x)`, `new
 * Array(n)`). A local of the same name is renamed in generated code
 * (`Math` -> `Math_1`); a module-level one is an error (TS96009).
 */
export const generatedGlobals: readonly string[] = [
  "Math",
  "Array",
  "Float64Array",
  "Float32Array",
  "TypeError",
];

/**
 * The adjoint `grad(f, argnums)` calls: `f__grad_1`, `f__grad_0_2`, and
 * `f__valueAndGrad_1` for `valueAndGrad`.
 */
export const gradientName = (
  base: string,
  argnums: readonly number[],
  withValue: boolean,
) => `${base}__${withValue ? "valueAndGrad" : "grad"}_${argnums.join("_")}`;

/**
 * Words a generated binding may not be: reserved words, those reserved in
 * strict mode and modules, and the globals that cannot or should not be
 * rebound (`const eval` is a strict-mode error, and generated code reads
 * `undefined`).
 */
const unusableNames: ReadonlySet<string> = new Set([
  "arguments",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "eval",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "implements",
  "import",
  "in",
  "Infinity",
  "instanceof",
  "interface",
  "let",
  "NaN",
  "new",
  "null",
  "package",
  "private",
  "protected",
  "public",
  "return",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "undefined",
  "var",
  "void",
  "while",
  "with",
  "yield",
]);

export class Names {
  private readonly taken: Set<string>;

  constructor(taken: Iterable<string>) {
    this.taken = new Set(taken);
  }

  /**
   * A name not used yet and not reserved: `base`, else `base_1`, `base_2`,
   * ... Never a global generated code calls, nor one with `__`, which
   * derivatives' names have (`g__jvp`, a tangent `dg__jvp` of `g__jvp`).
   */
  fresh(base: string): string {
    const clean =
      base
        .replace(/[^A-Za-z0-9_$]/g, "_")
        .replace(/__+/g, "_")
        .replace(/^(?=\d)/, "_") || "t";
    let name = clean;
    for (
      let i = 1;
      this.taken.has(name) ||
      unusableNames.has(name) ||
      generatedGlobals.includes(name);
      i++
    ) {
      name = `${clean}_${i}`;
    }
    this.taken.add(name);
    return name;
  }

  /**
   * `fresh` of a name made from an expression (`x_adj[i]` ->
   * `x_adj_i`): runs of other characters one `_`, none at the ends.
   */
  freshFrom(description: string): string {
    return this.fresh(
      description.replace(/^[^A-Za-z0-9$]+|[^A-Za-z0-9$]+$/g, ""),
    );
  }

  /** A new SSA version of a source variable (`x` -> `x_1`). */
  version(source: string): string {
    return this.fresh(source.replace(/_\d+$/, ""));
  }

  tangent(primal: string): string {
    return this.fresh(`d${primal}`);
  }

  adjoint(primal: string): string {
    return this.fresh(`${primal}_adj`);
  }

  clone(): Names {
    return new Names(this.taken);
  }

  /** A copy with `names` taken too. */
  with(names: Iterable<string>): Names {
    const copy = this.clone();
    for (const name of names) copy.taken.add(name);
    return copy;
  }
}
