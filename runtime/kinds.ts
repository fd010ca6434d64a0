/**
 * What each differentiable `ValueKind` is at run time: its shape, a zero of
 * that shape, unit vectors, copies and flat (row-major) element access.
 * Everything kind-specific lives here, so the API modules treat a number, a
 * Float32Array and a number[][] alike.
 *
 *   zerosLike("matrix", [[1, 2], [3, 4]])          -> [[0, 0], [0, 0]]
 *   flatten("matrix", [[1, 2], [3, 4]])            -> [1, 2, 3, 4]
 *   describeShape("float64", new Float64Array(3))  -> "a Float64Array of length 3"
 */
import { describeValue } from "./compiled.js";
import type { ValueKind } from "./registry.js";

/** The kinds a derivative can be taken with respect to. */
export type DifferentiableKind = Exclude<ValueKind, "none">;

/** The differentiable kinds whose values are arrays, mutable in place. */
export type ArrayKind = Exclude<DifferentiableKind, "number">;

export const DIFFERENTIABLE_KINDS: readonly DifferentiableKind[] = [
  "number",
  "array",
  "float64",
  "float32",
  "matrix",
];

export function isDifferentiable(kind: ValueKind): kind is DifferentiableKind {
  return (DIFFERENTIABLE_KINDS as readonly ValueKind[]).includes(kind);
}

/** The TypeScript type of a kind, for messages. */
export const TYPE_NAMES: Readonly<Record<DifferentiableKind, string>> = {
  number: "number",
  array: "number[]",
  float64: "Float64Array",
  float32: "Float32Array",
  matrix: "number[][]",
};

type Vector = number[] | Float64Array | Float32Array;
type Matrix = number[][];

/** Whether `value` is a value of `kind`; the elements are not looked at. */
export function isOfKind(kind: DifferentiableKind, value: unknown): boolean {
  switch (kind) {
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "float64":
      return value instanceof Float64Array;
    case "float32":
      return value instanceof Float32Array;
    case "matrix":
      return Array.isArray(value) && value.every((row) => Array.isArray(row));
  }
}

/**
 * Whether `value` has the kind and shape of `reference` (a value of
 * `kind`): same length, same row lengths. Cheap: the elements are not
 * looked at.
 */
export function sameShape(
  kind: DifferentiableKind,
  reference: unknown,
  value: unknown,
): boolean {
  if (!isOfKind(kind, value)) return false;
  if (kind === "number") return true;
  if (kind !== "matrix") {
    return (value as Vector).length === (reference as Vector).length;
  }
  const rows = reference as Matrix;
  const other = value as Matrix;
  return (
    other.length === rows.length &&
    rows.every((row, r) => other[r]!.length === row.length)
  );
}

/**
 * The first element of an array-kind `value` that is not a number, with
 * its path (`[2]`, `[1][0]`); `undefined` if there is none.
 */
export function findNonNumber(
  kind: DifferentiableKind,
  value: unknown,
): { readonly path: string; readonly element: unknown } | undefined {
  if (kind === "array") {
    const index = (value as unknown[]).findIndex((e) => typeof e !== "number");
    return index < 0
      ? undefined
      : { path: `[${index}]`, element: (value as unknown[])[index] };
  }
  if (kind === "matrix") {
    const rows = value as unknown[][];
    for (let r = 0; r < rows.length; r++) {
      const c = rows[r]!.findIndex((e) => typeof e !== "number");
      if (c >= 0) return { path: `[${r}][${c}]`, element: rows[r]![c] };
    }
  }
  return undefined;
}

/** "a number[] of length 3", "a number[][] of shape 2x3", ... */
export function describeShape(
  kind: DifferentiableKind,
  value: unknown,
): string {
  if (kind === "number") return "a number";
  if (kind === "matrix") return `a number[][] ${matrixShape(value as Matrix)}`;
  return `a ${TYPE_NAMES[kind]} of length ${(value as Vector).length}`;
}

/** What a value the caller passed looks like, whatever its kind. */
export function describeActual(value: unknown): string {
  if (typeof value === "number") return `the number ${value}`;
  if (ArrayBuffer.isView(value) && "length" in value) {
    return `a ${value.constructor.name} of length ${value.length}`;
  }
  if (!Array.isArray(value)) return describeValue(value);
  if (value.length === 0) return "an empty array";
  if (value.every((e) => typeof e === "number")) {
    return `a number[] of length ${value.length}`;
  }
  if (value.every((e) => Array.isArray(e))) {
    return `a number[][] ${matrixShape(value)}`;
  }
  return `an array of length ${value.length}`;
}

/** "of shape 2x3", or "with row lengths [2, 3]" for ragged rows. */
function matrixShape(rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return "with 0 rows";
  const lengths = rows.map((row) => row.length);
  return lengths.every((n) => n === lengths[0])
    ? `of shape ${rows.length}x${lengths[0]}`
    : `with row lengths [${lengths.join(", ")}]`;
}

/** A zero tangent with the kind and shape of `like`. */
export function zerosLike(kind: DifferentiableKind, like: unknown): unknown {
  switch (kind) {
    case "number":
      return 0;
    case "array":
      return new Array<number>((like as Vector).length).fill(0);
    case "float64":
      return new Float64Array((like as Vector).length);
    case "float32":
      return new Float32Array((like as Vector).length);
    case "matrix":
      return (like as Matrix).map((row) =>
        new Array<number>(row.length).fill(0),
      );
  }
}

/** A copy of an array-kind value, for perturbing it. */
export function cloneValue(kind: ArrayKind, value: unknown): unknown {
  return kind === "matrix"
    ? (value as Matrix).map((row) => row.slice())
    : (value as Vector).slice();
}

/** `factor` times a value of `kind`: a new value, of the same kind and shape. */
export function scaled(
  kind: DifferentiableKind,
  value: unknown,
  factor: number,
): unknown {
  switch (kind) {
    case "number":
      return factor * (value as number);
    case "array":
      return (value as Vector).map((v) => factor * v);
    case "float64":
    case "float32":
      return (value as Float64Array | Float32Array).map((v) => factor * v);
    case "matrix":
      return (value as Matrix).map((row) => row.map((v) => factor * v));
  }
}

/** Sets every number of an array-kind value to 0, in place. */
export function zeroFill(kind: ArrayKind, target: unknown): void {
  if (kind === "matrix") (target as number[][]).forEach((row) => row.fill(0));
  else (target as number[] | Float64Array | Float32Array).fill(0);
}

/** Copy `source` into `target`, both of `kind` and the same shape. */
export function copyInto(
  kind: ArrayKind,
  source: unknown,
  target: unknown,
): void {
  if (kind === "float64" || kind === "float32") {
    (target as Float64Array | Float32Array).set(source as ArrayLike<number>);
    return;
  }
  const copyRow = (from: ArrayLike<number>, to: number[]) => {
    for (let i = 0; i < to.length; i++) to[i] = from[i]!;
  };
  if (kind === "array") copyRow(source as Vector, target as number[]);
  else
    (target as Matrix).forEach((row, r) =>
      copyRow((source as Matrix)[r]!, row),
    );
}

/** How many numbers a value of `kind` holds: 1 for a number. */
export function flatSize(kind: DifferentiableKind, value: unknown): number {
  if (kind === "number") return 1;
  if (kind === "matrix") {
    return (value as Matrix).reduce((n, row) => n + row.length, 0);
  }
  return (value as Vector).length;
}

/** The numbers of a value, row-major: a fresh `number[]`. */
export function flatten(kind: DifferentiableKind, value: unknown): number[] {
  if (kind === "number") return [value as number];
  if (kind === "matrix") return (value as Matrix).flat();
  return Array.from(value as Vector);
}

/** Read and write the numbers of an array-kind value by flat index. */
export interface FlatEntries {
  readonly size: number;
  get(k: number): number;
  set(k: number, x: number): void;
}

export function flatEntries(kind: ArrayKind, value: unknown): FlatEntries {
  if (kind !== "matrix") {
    const vector = value as Vector;
    return {
      size: vector.length,
      get: (k) => vector[k]!,
      set: (k, x) => {
        vector[k] = x;
      },
    };
  }
  const rows = value as Matrix;
  const rowOf: number[] = [];
  const columnOf: number[] = [];
  rows.forEach((row, r) =>
    row.forEach((_, c) => {
      rowOf.push(r);
      columnOf.push(c);
    }),
  );
  return {
    size: rowOf.length,
    get: (k) => rows[rowOf[k]!]![columnOf[k]!]!,
    set: (k, x) => {
      rows[rowOf[k]!]![columnOf[k]!] = x;
    },
  };
}

/**
 * Call `visit(unit, k)` for each flat index `k` of a value shaped like
 * `like`, where `unit` is 1 at `k` and 0 elsewhere. `unit` is one buffer
 * reused between calls (compiled code only reads tangents and cotangents),
 * so `visit` must not keep it.
 */
export function forEachUnit(
  kind: DifferentiableKind,
  like: unknown,
  visit: (unit: unknown, k: number) => void,
): void {
  if (kind === "number") {
    visit(1, 0);
    return;
  }
  const unit = zerosLike(kind, like);
  const entries = flatEntries(kind, unit);
  for (let k = 0; k < entries.size; k++) {
    entries.set(k, 1);
    visit(unit, k);
    entries.set(k, 0);
  }
}

/**
 * Whether two values share memory a write into one would show in the
 * other: the same array, typed arrays over overlapping bytes of one
 * buffer, or a row one holds and the other is or holds (`M` and `M[0]`,
 * `M` and `M.slice()`).
 */
export function sharesMemory(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b))
    return (
      a.buffer === b.buffer &&
      a.byteOffset < b.byteOffset + b.byteLength &&
      b.byteOffset < a.byteOffset + a.byteLength
    );
  if (!Array.isArray(a) || !Array.isArray(b)) return false;
  const aRows = typeof a[0] === "object";
  const bRows = typeof b[0] === "object";
  if (aRows && bRows) {
    const rows = new Set<unknown>(a);
    return b.some((row) => rows.has(row));
  }
  if (aRows) return a.includes(b);
  return bRows && b.includes(a);
}
