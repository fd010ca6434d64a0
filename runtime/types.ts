/**
 * Type-level vocabulary of the public API: which TypeScript types are
 * differentiable, what their tangents are, and which `argnums` a function
 * accepts. The table follows DESIGN.md "Types" and matches the run-time
 * `ValueKind`s of registry.ts.
 *
 *   Tangent<number>          -> number
 *   Tangent<readonly number[]> -> number[]
 *   Tangent<readonly number[][]> -> number[][]
 *   Tangent<Float64Array>    -> Float64Array
 *   Tangent<string>          -> undefined
 */

/** A value tsad can differentiate with respect to. */
export type Differentiable =
  | number
  | readonly number[]
  | Float64Array
  | Float32Array
  | readonly (readonly number[])[];

/**
 * The tangent (and cotangent) type of a value of type `T`; `undefined` for
 * types that are not differentiable. Not distributive: `number | string` is
 * not differentiable, so its tangent is `undefined`. An optional parameter
 * (`k?: number`, `k = 2`) has the tangent of its type without `undefined`.
 */
export type Tangent<T> = DefinedTangent<Exclude<T, undefined>>;

type DefinedTangent<T> = [T] extends [never]
  ? undefined
  : [T] extends [number]
    ? number
    : [T] extends [Float64Array]
      ? Float64Array
      : [T] extends [Float32Array]
        ? Float32Array
        : [T] extends [readonly (readonly number[])[]]
          ? number[][]
          : [T] extends [readonly number[]]
            ? number[]
            : undefined;

/** One tangent per parameter: `[number, string]` -> `[number, undefined]`. */
export type TangentsOf<P extends readonly unknown[]> = {
  -readonly [K in keyof P]: Tangent<P[K]>;
};

/**
 * Tangents accepted by `jvp`, one per parameter; `undefined` stands for a
 * zero tangent.
 */
export type TangentArgs<P extends readonly unknown[]> = {
  -readonly [K in keyof P]: Tangent<P[K]> | undefined;
};

/**
 * The indices of the differentiable parameters of a parameter list:
 * `[number, string, number]` -> `0 | 2`. For a rest parameter list the
 * length is unknown and any `number` is accepted (checked at run time).
 */
export type DifferentiableIndex<P extends readonly unknown[]> =
  number extends P["length"]
    ? number
    : {
        [K in keyof P]: K extends `${infer I extends number}`
          ? [Exclude<P[K], undefined>] extends [Differentiable]
            ? I
            : never
          : never;
      }[number];

/** `argnums` of `grad` and friends: one index or a list of indices. */
export type Argnums<P extends readonly unknown[]> =
  DifferentiableIndex<P> | readonly DifferentiableIndex<P>[];

type TangentAt<P extends readonly unknown[], I> = I extends keyof P
  ? Tangent<P[I]>
  : never;

/**
 * What `grad(f, argnums)` returns per call: the tangent type of parameter
 * `argnums`, or a tuple of them for a list of indices.
 * `GradientOf<[number, string, number], readonly [2, 0]>` -> `[number, number]`.
 */
export type GradientOf<
  P extends readonly unknown[],
  A,
> = A extends readonly unknown[]
  ? { -readonly [K in keyof A]: TangentAt<P, A[K]> }
  : TangentAt<P, A>;

/**
 * The argument lists of a function with parameters `P`, each followed by
 * `V` (`hvp(f)(...args, v)`): as a call of `f` may, they leave out its
 * optional parameters, the last first. Rest parameters: `[...P, V]`.
 * `ThenLast<[number[], number?], V>` -> `[number[], V] | [number[], number | undefined, V]`.
 */
export type ThenLast<P extends readonly unknown[], V> =
  P extends Required<P> ? [...P, V] : OptionalThenLast<P, V>;

/** `ThenLast` of a tuple with optional elements (whose names it loses). */
type OptionalThenLast<P extends readonly unknown[], V> = P extends readonly []
  ? [V]
  : P extends readonly [infer H, ...infer R]
    ? [H, ...ThenLast<R, V>]
    : P extends readonly [(infer H)?, ...infer R]
      ? [V] | [H | undefined, ...ThenLast<R, V>]
      : [...P, V];

/**
 * A caller-owned buffer for a gradient: same type and shape as the
 * parameter. A `number` has no buffer to write into: `never` for a single
 * `argnums`, `undefined` as an entry of a tuple.
 */
type BufferFor<T> = [T] extends [number] ? never : Tangent<T>;

type BufferAt<P extends readonly unknown[], I> = I extends keyof P
  ? BufferFor<P[I]>
  : never;

type TupleBufferAt<P extends readonly unknown[], I> = I extends keyof P
  ? [P[I]] extends [number]
    ? undefined
    : BufferFor<P[I]>
  : never;

/**
 * The `out` option of `grad` / `valueAndGrad`, shaped like `GradientOf`:
 * `GradientBuffer<[number, Float64Array], readonly [0, 1]>` ->
 * `[undefined, Float64Array]`.
 */
export type GradientBuffer<
  P extends readonly unknown[],
  A,
> = A extends readonly unknown[]
  ? { -readonly [K in keyof A]: TupleBufferAt<P, A[K]> }
  : BufferAt<P, A>;

export interface GradOptions<P extends readonly unknown[], A> {
  /** Write the gradient here and return it instead of allocating one. */
  readonly out?: GradientBuffer<P, A>;
}

/**
 * What `hessian(f, argnums)` returns per call: for one index, a number for
 * a number parameter, else `number[][]` (entries counted row-major); for a
 * list, the blocks, `H[i][j]` a number where both parameters are numbers.
 * `HessianOf<[number[], number], readonly [0, 1]>` ->
 * `[[number[][], number[][]], [number[][], number]]`.
 */
export type HessianOf<
  P extends readonly unknown[],
  A,
> = A extends readonly unknown[]
  ? {
      -readonly [I in keyof A]: {
        -readonly [J in keyof A]: HessianBlock<At<P, A[I]>, At<P, A[J]>>;
      };
    }
  : HessianBlock<At<P, A>, At<P, A>>;

type At<P extends readonly unknown[], I> = I extends keyof P ? P[I] : never;

type HessianBlock<T, U> = [Exclude<T, undefined>] extends [number]
  ? [Exclude<U, undefined>] extends [number]
    ? number
    : number[][]
  : number[][];
