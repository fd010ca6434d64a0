/** Deterministic test data: the same numbers in every run and process. */

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` numbers uniform in [low, high). */
export function uniformSamples(
  count: number,
  seed: number,
  low = -1,
  high = 1,
): Float64Array {
  const next = uniformGenerator(seed);
  return Float64Array.from(
    { length: count },
    () => low + (high - low) * next(),
  );
}

/** `count` standard normal numbers (Box-Muller). */
export function normalSamples(count: number, seed: number): Float64Array {
  const next = uniformGenerator(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** A rows x columns matrix as an array of rows. */
export function matrixOfRows(
  rows: number,
  columns: number,
  seed: number,
): number[][] {
  const values = uniformSamples(rows * columns, seed);
  return Array.from({ length: rows }, (_, i) =>
    Array.from(values.subarray(i * columns, (i + 1) * columns)),
  );
}
