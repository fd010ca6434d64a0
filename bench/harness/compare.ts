/**
 * Gradients come back as numbers, arrays, typed arrays, arrays of rows or
 * tuples of these; they are compared as one flat list of numbers.
 */

/** Every number in `value`, depth first: [1, [2, 3], Float64Array[4]] -> [1, 2, 3, 4]. */
export function flatten(value: unknown): number[] {
  const out: number[] = [];
  const visit = (item: unknown): void => {
    if (typeof item === "number") {
      out.push(item);
    } else if (ArrayBuffer.isView(item)) {
      const view = item as unknown as ArrayLike<number>;
      for (let i = 0; i < view.length; i++) out.push(view[i]!);
    } else if (Array.isArray(item)) {
      for (const x of item) visit(x);
    } else {
      throw new Error(`flatten: not a number or an array: ${String(item)}`);
    }
  };
  visit(value);
  return out;
}

/**
 * max_i |a_i - b_i| / max_i |b_i|: the normwise relative difference, which
 * does not blow up on the tiny components that an elementwise relative
 * difference divides by.
 */
export function relativeDifference(
  actual: readonly number[],
  reference: readonly number[],
): number {
  if (actual.length !== reference.length) return Infinity;
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs(actual[i]! - reference[i]!);
    difference = Number.isNaN(d) ? Infinity : Math.max(difference, d);
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return scale === 0 ? difference : difference / scale;
}
