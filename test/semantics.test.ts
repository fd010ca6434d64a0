/**
 * What compiled functions promise beyond matching derivatives: the value
 * they return is the user's function's value to the last bit, and calls
 * through the API behave like calls of the function itself (defaults).
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkGrad,
  derivative,
  grad,
  hessian,
  hvp,
  jacobian,
  jvp,
  stack,
  valueAndGrad,
  vjp,
} from "../runtime/index.js";
import { emitTo, formatDiagnostic, repoRoot } from "./support/compile.js";

async function compileFixture<M>(name: string): Promise<M> {
  const input = path.join(repoRoot, "fixtures", name, "input.ts");
  const outDir = path.join(repoRoot, ".tmp/semantics", name);
  expect(emitTo([input], outDir).map(formatDiagnostic)).toEqual([]);
  return import(pathToFileURL(path.join(outDir, "input.js")).href);
}

/** What calling `f` throws: the answer every derivative must give. */
const thrownBy = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};
const sameThrow = (primal: () => unknown, derivative: () => unknown) => {
  const expected = thrownBy(primal) as Error;
  const got = thrownBy(derivative) as Error;
  expect(got).toBeInstanceOf(expected.constructor);
  expect(got.message).toBe(expected.message);
};

describe("parameters with default values", () => {
  let m: {
    scaledSquare: (x: number, k?: number) => number;
    shifted: (x: number, offset?: number) => number;
  };
  beforeAll(async () => {
    m = await compileFixture("scalar/default-parameters");
  });

  it("uses the default when the argument is left out", () => {
    // scaledSquare(x, k = 2) = k x^2: d/dx = 2 k x
    expect(m.scaledSquare(3)).toBe(18);
    expect(grad(m.scaledSquare)(3)).toBe(12);
    expect(derivative(m.scaledSquare)(3)).toBe(12);
    expect(valueAndGrad(m.scaledSquare)(3)).toEqual([18, 12]);
  });

  it("differentiates through a default that reads another parameter", () => {
    // shifted(x, offset = 3x) = 3x^2 when offset is left out: d/dx = 6x
    expect(grad(m.shifted)(2)).toBe(12);
    // ... and x * offset when it is given: d/dx = offset, d/doffset = x
    expect(grad(m.shifted, [0, 1])(2, 5)).toEqual([5, 2]);
    expect(jvp(m.shifted, [2, 5], [1, 0])).toEqual([10, 5]);
  });

  it("lets jvp leave out what a call may leave out", () => {
    // shifted(x) = 3x^2: along dx = 1, 6x
    expect(jvp(m.shifted, [2], [1])).toEqual([12, 12]);
    // ... a tangent left out is zero: d/dx x * offset = offset
    expect(jvp(m.shifted, [2, 5], [1])).toEqual([10, 5]);
    // checkGrad varies what is given: shifted(x) = 3x^2
    expect(checkGrad(m.shifted, [2]).ok).toBe(true);
    // @ts-expect-error x may not be left out
    expect(() => jvp(m.shifted, [], [])).toThrow(
      "jvp(shifted): primals must be an array with one entry per parameter of shifted (1 to 2), got 0 entries",
    );
  });
});

describe("a result with holes", () => {
  let m: { holes: (x: number[], c: number) => number[] };
  beforeAll(async () => {
    m = await compileFixture("arrays/write-past-end");
  });

  it("has rows of zeros in its Jacobian where it holds no number", () => {
    // holes(x, c) = [ , , x0 c]: d/dx0 of the last is c
    // One input: a tangent sweep per input, whose tangent has the holes.
    expect(jacobian(m.holes)([0.3], 2)).toEqual([[0], [0], [2]]);
    // More inputs than outputs: an adjoint sweep per output.
    expect(jacobian(m.holes)([0.3, 1, 2, 3, 4], 2)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [2, 0, 0, 0, 0],
    ]);
  });
});

describe("numbers destructured from a record", () => {
  let m: {
    weighted: (
      x: number[],
      w: { scale: number; shift: number; power?: number },
    ) => number;
    damped: (
      x: number,
      y: number,
      options?: { rate?: number; decay?: number },
    ) => number;
    withFallback: (x: number, o: { k?: number }) => number;
  };
  beforeAll(async () => {
    m = await compileFixture("scalar/record-fields");
  });

  it("applies a field's default only where the field is undefined", () => {
    // sum scale (x_i - shift)^power: d/dx_i = scale power (x_i - shift)^(power - 1)
    const x = [1.5, -0.5];
    expect(grad(m.weighted)(x, { scale: 3, shift: 0.5 })).toEqual([6, -6]);
    expect(grad(m.weighted)(x, { scale: 3, shift: 0.5, power: 3 })).toEqual([
      9, 9,
    ]);
  });

  it("reads a parameter left out as `{}`, later defaults from earlier fields", () => {
    // exp(-decay x) sin(rate y), rate = 0.5 and decay = rate / 2 by default
    const value = (x: number, y: number, rate: number, decay: number) => [
      -decay * Math.exp(-decay * x) * Math.sin(rate * y),
      rate * Math.exp(-decay * x) * Math.cos(rate * y),
    ];
    const [gx, gy] = grad(m.damped, [0, 1])(0.7, 1.3);
    const [ex, ey] = value(0.7, 1.3, 0.5, 0.25);
    expect(gx).toBeCloseTo(ex!, 14);
    expect(gy).toBeCloseTo(ey!, 14);
    const [hx, hy] = grad(m.damped, [0, 1])(0.7, 1.3, { rate: 2 });
    const [fx, fy] = value(0.7, 1.3, 2, 1);
    expect(hx).toBeCloseTo(fx!, 14);
    expect(hy).toBeCloseTo(fy!, 14);
  });

  it("fills a missing number with `??=`, and keeps one that is there", () => {
    // k = x when o.k is missing: x^2, d/dx = 2x; else k x, d/dx = k
    expect(grad(m.withFallback)(1.5, {})).toBe(3);
    expect(grad(m.withFallback)(1.5, { k: 4 })).toBe(4);
    expect(grad(m.withFallback)(1.5, { k: 0 })).toBe(0);
  });
});

describe("Array.from's length", () => {
  let m: {
    squaredSteps: (x: number[]) => number;
    pairProducts: (x: number[]) => number;
    perGroup: (x: number[], group: { size: number }) => number;
  };
  beforeAll(async () => {
    m = await compileFixture("loops/regression-review-round-53");
  });

  it("makes no elements where it is negative or NaN, as JS does", () => {
    // x.length - 1 = -1: no steps, s = 0
    expect(m.squaredSteps([])).toBe(0);
    expect(grad(m.squaredSteps)([])).toEqual([]);
    // ceil(0 / 0) = NaN: no groups, s = 1
    expect(m.perGroup([], { size: 0 })).toBe(1);
    expect(grad(m.perGroup)([], { size: 0 })).toEqual([]);
    expect(jvp(m.perGroup, [[], { size: 0 }], [[], undefined])).toEqual([1, 0]);
  });

  it("is rounded toward 0", () => {
    // 3 / 2 -> 1 pair, x0 x1: d/dx = [x1, x0, 0]
    expect(m.pairProducts([3, 5, 7])).toBe(15);
    expect(grad(m.pairProducts)([3, 5, 7])).toEqual([5, 3, 0]);
  });
});

describe("the remainder", () => {
  let m: { remainder: (a: number, b: number) => number };
  beforeAll(async () => {
    m = await compileFixture("scalar/remainder");
  });

  it("takes the quotient the remainder took, where a / b rounds past it", () => {
    // 1 % 0.1 = 1 - 9 * 0.1 (0.0999...), though 1 / 0.1 is 10.
    expect(m.remainder(1, 0.1)).toBeCloseTo(0.1, 15);
    expect(grad(m.remainder, [0, 1])(1, 0.1)).toEqual([1, -9]);
    expect(grad(m.remainder, [0, 1])(5, 0.05)).toEqual([1, -99]);
    expect(grad(m.remainder, [0, 1])(-7.5, 2)).toEqual([1, 3]);
    expect(jvp(m.remainder, [1, 0.1], [0, 1])[1]).toBe(-9);
  });
});

describe("arrays held in a record argument", () => {
  type Data = { t: Float64Array };
  let m: {
    squaredError: (x: Float64Array, data: Data) => number;
    scaledSquares: (x: Float64Array, batch: Data) => Float64Array;
  };
  beforeAll(async () => {
    m = await compileFixture("arrays/record-held-arrays");
  });
  const x = () => Float64Array.from([0.3, -0.7, 1.1]);

  it("are read before a gradient buffer that is one of them is written", () => {
    // d/dx sum (x - t)^2 = 2 (x - t)
    const expected = [2 * (0.3 - 1), 2 * (-0.7 - 2), 2 * (1.1 - 3)];
    const check = (buffer: Float64Array) =>
      Array.from(buffer).forEach((g, i) =>
        expect(g).toBeCloseTo(expected[i]!, 14),
      );
    // The gradient compiled for argnums 0, and f__vjp's for [0].
    const data = { t: Float64Array.from([1, 2, 3]) };
    expect(grad(m.squaredError, 0, { out: data.t })(x(), data)).toBe(data.t);
    check(data.t);
    const other = { t: Float64Array.from([1, 2, 3]) };
    const [written] = grad(m.squaredError, [0], { out: [other.t] })(x(), other);
    expect(written).toBe(other.t);
    check(other.t);
    const third = { t: Float64Array.from([1, 2, 3]) };
    const [value, [alone]] = valueAndGrad(m.squaredError, [0], {
      out: [third.t],
    })(x(), third);
    expect(value).toBeCloseTo(0.7 ** 2 + 2.7 ** 2 + 1.9 ** 2, 14);
    expect(alone).toBe(third.t);
    check(third.t);
  });

  it("are read before a gradient buffer that a class's instance holds is written", () => {
    class Batch {
      constructor(readonly t: Float64Array) {}
    }
    // A getter of a private field: no field shows the array.
    class Hidden {
      readonly #t: Float64Array;
      constructor(t: Float64Array) {
        this.#t = t;
      }
      get t(): Float64Array {
        return this.#t;
      }
    }
    for (const batch of [
      new Batch(Float64Array.from([1, 2, 3])),
      new Hidden(Float64Array.from([1, 2, 3])),
    ]) {
      // d/dx sum (x - t)^2 = 2 (x - t)
      const [value, gradient] = valueAndGrad(m.squaredError, 0, {
        out: batch.t,
      })(x(), batch);
      expect(value).toBeCloseTo(0.7 ** 2 + 2.7 ** 2 + 1.9 ** 2, 14);
      expect(gradient).toBe(batch.t);
      [2 * (0.3 - 1), 2 * (-0.7 - 2), 2 * (1.1 - 3)].forEach((g, i) =>
        expect(batch.t[i]).toBeCloseTo(g, 14),
      );
    }
  });

  it("are read by a pullback as they were when vjp was called", () => {
    const batch = { t: Float64Array.from([1, 2, 3]) };
    const [, pullback] = vjp(m.scaledSquares, x(), batch);
    batch.t.set([10, 20, 30]);
    const [cotangent] = pullback(Float64Array.from([1, 1, 1]));
    // d/dx_i x_i^2 t_i = 2 x_i t_i, with the t the value was computed from
    expect(Array.from(cotangent as Float64Array)).toEqual([
      2 * 0.3 * 1,
      2 * -0.7 * 2,
      2 * 1.1 * 3,
    ]);
  });
});

describe("primal values", () => {
  let m: { timesZero: (x: number, k: number) => number };
  beforeAll(async () => {
    m = await compileFixture("scalar/unused-and-constant");
  });

  it("keep the user's arithmetic, NaN and Infinity included", () => {
    expect(m.timesZero(1, Infinity)).toBeNaN();
    expect(valueAndGrad(m.timesZero)(1, Infinity)[0]).toBeNaN();
    expect(jvp(m.timesZero, [1, Infinity], [1, 0])[0]).toBeNaN();
    expect(vjp(m.timesZero, 1, Infinity)[0]).toBeNaN();
  });
});

describe("`??`", () => {
  let m: { scaledNorm: (x: number[], k?: number) => number };
  beforeAll(async () => {
    m = await compileFixture("scalar/nullish-coalescing");
  });

  it("takes the right side where the left is undefined", () => {
    // scaledNorm(x, k = 2) = k x0 sum(x): d/dx0 = k (sum(x) + x0),
    // d/dxi = k x0, d/dk = x0 sum(x)
    expect(grad(m.scaledNorm)([1, -3])).toEqual([2 * (-2 + 1), 2 * 1]);
    expect(grad(m.scaledNorm, [0, 1])([1, -3], 0.5)).toEqual([
      [0.5 * (-2 + 1), 0.5],
      -2,
    ]);
  });
});

describe("second derivatives where a guard is taken", () => {
  let m: { power: (x: number[]) => number };
  beforeAll(async () => {
    m = await compileFixture("hessian/regression-power-exponent-zero");
  });

  it("differentiate a ** b in b at b = 0, where its derivative in a is 0", () => {
    // power(a, b) = a^b + b^a. At (2, 0): a^b: [[0, 1/a], [1/a, ln(a)^2]];
    // b^a has a^b's Hessian with a and b swapped, and is 0 near b = 0 but
    // for b^a's second derivative in b, a (a - 1) b^(a - 2) = 2.
    const [[aa, ab], [ba, bb]] = hessian(m.power)([2, 0]) as number[][] as [
      [number, number],
      [number, number],
    ];
    expect(aa).toBe(0);
    expect(ab).toBeCloseTo(0.5, 12);
    expect(ba).toBeCloseTo(0.5, 12);
    expect(bb).toBeCloseTo(Math.log(2) ** 2 + 2, 12);
  });
});

describe("`throw`", () => {
  let m: {
    checkedSqrt: (x: number) => number;
    weightedSum: (w: number[], x: number[]) => number;
    activation: (x: number, mode: string) => number;
    iterate: (x: number, steps: number[]) => number;
    piecewise: (x: number) => number;
    sumOfSquares: (x: number[], scale: number) => number;
    rowProducts: (m: number[][]) => number;
  };
  beforeAll(async () => {
    m = await compileFixture("scalar/throw-guards");
  });

  it("throws from every derivative where the function throws", () => {
    const x = -1;
    const f = () => m.checkedSqrt(x);
    sameThrow(f, () => grad(m.checkedSqrt)(x));
    sameThrow(f, () => valueAndGrad(m.checkedSqrt)(x));
    sameThrow(f, () => derivative(m.checkedSqrt)(x));
    sameThrow(f, () => jvp(m.checkedSqrt, [x], [1]));
    sameThrow(f, () => vjp(m.checkedSqrt, x));
    // The fixture asks for its Hessian: its second derivatives are written.
    sameThrow(f, () => hessian(m.checkedSqrt)(x));
    sameThrow(f, () => hvp(m.checkedSqrt)(x, 1));
    expect(grad(m.checkedSqrt)(4)).toBe(0.25);
  });

  it("reads the variables as they are where it throws", () => {
    // y_{k+1} = y_k - steps[k] sin(y_k): y_1 = 2 + 30 sin 2 = 29.3,
    // y_2 = y_1 + 200 sin(y_1) = -139.5.
    const steps = [-30, -200, 0];
    const f = () => m.iterate(2, steps);
    expect(thrownBy(f)).toHaveProperty(
      "message",
      expect.stringMatching(/^diverged at step 1: y = -139\.5/),
    );
    sameThrow(f, () => grad(m.iterate)(2, steps));
    sameThrow(f, () => grad(m.iterate, 1)(2, steps));
    sameThrow(f, () => jvp(m.iterate, [2, steps], [1, [0, 0, 0]]));
    sameThrow(f, () => hessian(m.iterate)(2, steps));
  });

  it("leaves the value stack as it was", () => {
    // iterate's forward sweep pushes y at step 0, then throws at step 1.
    const before = stack.size;
    for (let k = 0; k < 3; k++) {
      thrownBy(() => grad(m.iterate)(2, [-30, -200, 0]));
      thrownBy(() => hessian(m.iterate)(2, [-30, -200, 0]));
    }
    expect(stack.size).toBe(before);
  });

  it("throws from loops, switches and the last statement", () => {
    sameThrow(
      () => m.weightedSum([1, 2], [0, 1, 2]),
      () => grad(m.weightedSum, [0, 1])([1, 2], [0, 1, 2]),
    );
    sameThrow(
      () => m.weightedSum([1, 2], [0, 800]),
      () => grad(m.weightedSum)([1, 2], [0, 800]),
    );
    sameThrow(
      () => m.activation(1, "relu"),
      () => grad(m.activation)(1, "relu"),
    );
    sameThrow(
      () => m.piecewise(3),
      () => derivative(m.piecewise)(3),
    );
    sameThrow(
      () => m.piecewise(3),
      () => jvp(m.piecewise, [3], [1]),
    );
  });

  it("calls a marked function that may throw where its value is not needed", () => {
    const f = () => m.sumOfSquares([1, 2], -1);
    sameThrow(f, () => grad(m.sumOfSquares)([1, 2], -1));
    sameThrow(f, () => jvp(m.sumOfSquares, [[1, 2], -1], [[1, 0], 0]));
    sameThrow(f, () => vjp(m.sumOfSquares, [1, 2], -1));
    sameThrow(f, () => hessian(m.sumOfSquares)([1, 2], -1));
    expect(grad(m.sumOfSquares)([1, 2], 1)).toEqual([2, 4]);
  });

  it("reads a row's length and elements where it throws", () => {
    const rows = [[1, 2], [3]];
    sameThrow(
      () => m.rowProducts(rows),
      () => grad(m.rowProducts)(rows),
    );
    expect(thrownBy(() => grad(m.rowProducts)(rows))).toHaveProperty(
      "message",
      "a row of 1 entries, first 3: [3]",
    );
  });

  it("runs the function for a Hessian of no entries", () => {
    sameThrow(
      () => m.sumOfSquares([], -1),
      () => hessian(m.sumOfSquares)([], -1),
    );
    expect(hessian(m.sumOfSquares)([], 1)).toEqual([]);
  });

  it("differentiates where it does not throw", () => {
    // tanh: d/dx (x tanh x) = tanh x + x (1 - tanh^2 x)
    const t = Math.tanh(0.5);
    expect(grad(m.activation)(0.5, "tanh")).toBeCloseTo(
      t + 0.5 * (1 - t * t),
      14,
    );
    // piecewise: 2x below 1, 2 from 1 to 2.
    expect(grad(m.piecewise)(0.5)).toBe(1);
    expect(grad(m.piecewise)(1.5)).toBe(2);
  });
});

describe("array searches and `reduce` without an initial value", () => {
  let m: {
    sumAndMax: (x: number[]) => number;
    lookFor: (x: number[], y: number) => number;
  };
  beforeAll(async () => {
    m = await compileFixture("arrays/array-searches");
  });

  it("throw JavaScript's TypeError from every derivative for no elements", () => {
    const f = () => m.sumAndMax([]);
    expect(thrownBy(f)).toBeInstanceOf(TypeError);
    sameThrow(f, () => grad(m.sumAndMax)([]));
    sameThrow(f, () => jvp(m.sumAndMax, [[]], [[]]));
    sameThrow(f, () => vjp(m.sumAndMax, []));
    sameThrow(f, () => hessian(m.sumAndMax)([]));
  });

  it("find NaN with `includes` only, and 0 for -0 with both", () => {
    // (includes ? 2 : 3) x0 + (indexOf + 1) x1: the gradient says which
    // element each found.
    expect(grad(m.lookFor)([1, 2, NaN], NaN)).toEqual([2, 0, 0]);
    expect(grad(m.lookFor)([1, 2, NaN], 2)).toEqual([2, 2, 0]);
    expect(grad(m.lookFor)([1, -0, 4], 0)).toEqual([2, 2, 0]);
    expect(grad(m.lookFor)([1, 2, 4], 7)).toEqual([3, 0, 0]);
    expect(m.lookFor([1, 2, NaN], NaN)).toBe(2);
    expect(jvp(m.lookFor, [[1, 2, NaN], NaN], [[1, 1, 1], 1])).toEqual([2, 2]);
  });
});
