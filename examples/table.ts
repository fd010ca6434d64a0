/**
 * Shared by the examples, and not differentiated: a central finite
 * difference to compare tsad against, and a plain-text table.
 */

/** `(f(x + h) - f(x - h)) / 2h`, with the step scaled to `x`. */
export function centralDifference(
  f: (x: number) => number,
  x: number,
  relativeStep = 1e-5,
): number {
  const h = relativeStep * Math.max(1, Math.abs(x));
  // Divide by the step actually taken, after rounding x + h and x - h.
  return (f(x + h) - f(x - h)) / (x + h - (x - h));
}

/** `digits` significant digits, without trailing zeros. */
export function formatNumber(value: number, digits = 12): string {
  return String(Number(value.toPrecision(digits)));
}

/** Prints rows under a header, columns right-aligned. */
export function printTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  digits = 12,
): void {
  const cells = rows.map((row) =>
    row.map((cell) =>
      typeof cell === "number" ? formatNumber(cell, digits) : cell,
    ),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => row[column]!.length)),
  );
  const line = (row: readonly string[]) =>
    row.map((cell, column) => cell.padStart(widths[column]!)).join("  ");
  console.log(line(header));
  console.log(line(widths.map((width) => "-".repeat(width))));
  for (const row of cells) console.log(line(row));
}

/**
 * One row per `x`: tsad's derivative, the hand-derived formula and the
 * finite difference side by side. Throws if tsad and the formula disagree
 * beyond rounding, so `npm run demo` fails loudly.
 */
export function printDerivativeTable(
  f: (x: number) => number,
  tsadDerivative: (x: number) => number,
  formula: (x: number) => number,
  xs: readonly number[],
): void {
  let worst = 0;
  const rows = xs.map((x) => {
    const exact = formula(x);
    const computed = tsadDerivative(x);
    const error = Math.abs(computed - exact) / Math.max(1, Math.abs(exact));
    worst = Math.max(worst, error);
    return [x, computed, exact, centralDifference(f, x), computed - exact];
  });
  printTable(
    ["x", "tsad", "formula", "finite difference", "tsad - formula"],
    rows,
  );
  if (!(worst <= 1e-12)) {
    throw new Error(`tsad's derivative is off by ${worst} (relative)`);
  }
}

/** `[a, b, c]` with `digits` significant digits per entry. */
export function formatVector(values: ArrayLike<number>, digits = 6): string {
  return `[${Array.from(values, (v) => formatNumber(v, digits)).join(", ")}]`;
}

/** Throws if two vectors differ beyond rounding (relative to 1). */
function requireClose(
  computed: ArrayLike<number>,
  expected: ArrayLike<number>,
): void {
  let worst = computed.length === expected.length ? 0 : Infinity;
  for (let i = 0; i < expected.length; i++) {
    const exact = expected[i]!;
    const error = Math.abs(computed[i]! - exact) / Math.max(1, Math.abs(exact));
    worst = Math.max(worst, error);
  }
  if (!(worst <= 1e-12)) {
    throw new Error(`tsad's gradient is off by ${worst} (relative)`);
  }
}

/**
 * One row per entry: tsad's gradient and the hand-derived formula side by
 * side. Throws if they disagree beyond rounding.
 */
export function printVectorComparison(
  computed: ArrayLike<number>,
  expected: ArrayLike<number>,
): void {
  printTable(
    ["i", "tsad", "formula", "tsad - formula"],
    Array.from(expected, (exact, i) => [
      i,
      computed[i]!,
      exact,
      computed[i]! - exact,
    ]),
  );
  requireClose(computed, expected);
}

/** The same for matrices, one row of each per line. */
export function printMatrixComparison(
  computed: readonly (readonly number[])[],
  expected: readonly (readonly number[])[],
): void {
  printTable(
    ["row", "tsad", "formula"],
    expected.map((row, i) => [
      i,
      formatVector(computed[i] ?? []),
      formatVector(row),
    ]),
  );
  if (computed.length !== expected.length) {
    throw new Error(
      `tsad's gradient has ${computed.length} rows, expected ${expected.length}`,
    );
  }
  expected.forEach((row, i) => requireClose(computed[i]!, row));
}
