/**
 * Independent answers for numeric checks: central finite differences and a
 * seeded random number generator, so every run checks the same points.
 */

/** Mulberry32: small, seeded, good enough to pick test points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * d f / dx at `x` by central differences, the step scaled to |x|. For a
 * Float32Array element the step is larger and measured after rounding to
 * float32, since that is what `f` sees.
 */
export function centralDifference(
  f: (x: number) => number,
  x: number,
  float32 = false,
): number {
  const h = (float32 ? 1e-3 : 1e-6) * Math.max(1, Math.abs(x));
  const round = float32 ? Math.fround : (v: number) => v;
  const above = round(x + h);
  const below = round(x - h);
  return (f(above) - f(below)) / (above - below);
}

/** |a - b| <= atol + rtol * max(|a|, |b|) */
export function close(
  a: number,
  b: number,
  rtol: number,
  atol: number,
): boolean {
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}
