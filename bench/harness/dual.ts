/**
 * Forward mode by dual numbers, the textbook way: every value carries its
 * derivative along one input direction, every operation allocates a new
 * pair, and a gradient takes one pass per input.
 */
export class Dual {
  constructor(
    readonly value: number,
    readonly tangent: number,
  ) {}
}

export const constant = (value: number): Dual => new Dual(value, 0);

export const add = (a: Dual, b: Dual): Dual =>
  new Dual(a.value + b.value, a.tangent + b.tangent);

export const sub = (a: Dual, b: Dual): Dual =>
  new Dual(a.value - b.value, a.tangent - b.tangent);

export const mul = (a: Dual, b: Dual): Dual =>
  new Dual(a.value * b.value, a.tangent * b.value + a.value * b.tangent);

export const div = (a: Dual, b: Dual): Dual =>
  new Dual(
    a.value / b.value,
    (a.tangent * b.value - a.value * b.tangent) / (b.value * b.value),
  );

export const scale = (a: Dual, c: number): Dual =>
  new Dual(a.value * c, a.tangent * c);

export const shift = (a: Dual, c: number): Dual =>
  new Dual(a.value + c, a.tangent);

export const neg = (a: Dual): Dual => new Dual(-a.value, -a.tangent);

export const sin = (a: Dual): Dual =>
  new Dual(Math.sin(a.value), Math.cos(a.value) * a.tangent);

export const exp = (a: Dual): Dual => {
  const e = Math.exp(a.value);
  return new Dual(e, e * a.tangent);
};

export const log = (a: Dual): Dual =>
  new Dual(Math.log(a.value), a.tangent / a.value);

export const log1p = (a: Dual): Dual =>
  new Dual(Math.log1p(a.value), a.tangent / (1 + a.value));

export const sqrt = (a: Dual): Dual => {
  const s = Math.sqrt(a.value);
  return new Dual(s, a.tangent / (2 * s));
};

export const abs = (a: Dual): Dual =>
  a.value < 0 ? neg(a) : a.value > 0 ? a : new Dual(0, 0);

/**
 * The gradient of a function of `count` inputs by one forward pass per
 * input: `pass(i)` runs the function with input i seeded with tangent 1.
 */
export function gradientByPasses(
  count: number,
  pass: (seeded: number) => number,
): Float64Array {
  const gradient = new Float64Array(count);
  for (let i = 0; i < count; i++) gradient[i] = pass(i);
  return gradient;
}

/** The inputs as duals, input `seeded` with tangent 1 and the rest 0. */
export function seed(values: ArrayLike<number>, seeded: number): Dual[] {
  return Array.from(values, (v, i) => new Dual(v, i === seeded ? 1 : 0));
}
