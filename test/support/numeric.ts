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

/** d f / d args[i] by central differences with a step scaled to |x|. */
export function centralDifference(
  f: (...args: number[]) => number,
  args: readonly number[],
  i: number,
): number {
  const h = 1e-6 * Math.max(1, Math.abs(args[i]!));
  const at = (delta: number) => {
    const shifted = [...args];
    shifted[i] = args[i]! + delta;
    return f(...shifted);
  };
  return (at(h) - at(-h)) / (2 * h);
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
