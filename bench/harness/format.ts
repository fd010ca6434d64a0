/** How numbers read in the progress log and the report. */

/** 0.00042 -> "420 ns", 0.42 -> "420 µs", 420 -> "420 ms", 4200 -> "4.20 s" */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (ms >= 1) return `${ms.toPrecision(3)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toPrecision(3)} µs`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
}

/** 10000 -> "1e4", 2000 -> "2000" */
export function powerOfTen(n: number): string {
  const exponent = Math.log10(n);
  return Number.isInteger(exponent) && exponent >= 2 ? `1e${exponent}` : `${n}`;
}

/** A ratio with three significant digits: 1.2345 -> "1.23", 1234.5 -> "1235" */
export function formatRatio(ratio: number): string {
  return ratio >= 100 ? ratio.toFixed(0) : ratio.toPrecision(3);
}

/** A relative difference: 0 -> "0", 2.2e-17 -> "2e-17" */
export function formatDifference(difference: number): string {
  return difference === 0
    ? "0"
    : difference.toExponential(0).replace("e+", "e");
}
