/**
 * Derivatives see what the function saw: each call of an unmarked function
 * in a marked one runs once per call of a derivative (the reverse sweep
 * keeps its result and never calls it again), and a pullback from `vjp`
 * differentiates the function as it was at the call of `vjp`.
 */
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  derivative,
  grad,
  jvp,
  stack,
  valueAndGrad,
  vjp,
} from "../runtime/index.js";
import { emitTo, formatDiagnostic, repoRoot } from "./support/compile.js";

async function compileFixture<M>(name: string): Promise<M> {
  const input = path.join(repoRoot, "fixtures", name, "input.ts");
  const outDir = path.join(repoRoot, ".tmp/impure-calls", name);
  expect(emitTo([input], outDir).map(formatDiagnostic)).toEqual([]);
  return import(pathToFileURL(path.join(outDir, "input.js")).href);
}

type Vector = (x: number[]) => number;
type Scalar = (x: number) => number;

/**
 * Each way of differentiating `f` at `x`, and the unmarked calls the last
 * call of a derivative made: `counts()` says how many since the
 * `restart()` the function starts with (jvp runs once per element of x).
 */
function everyDerivative(
  f: Vector | Scalar,
  x: number | number[],
  counts: () => [number, number],
): { name: string; counts: [number, number]; gradient: unknown }[] {
  const runs: [string, () => unknown][] = [
    ["grad", () => grad(f as Vector)(x as number[])],
    ["valueAndGrad", () => valueAndGrad(f as Vector)(x as number[])[1]],
    ["vjp", () => vjp(f as Vector, x as number[])[1](1)[0]],
    [
      "jvp",
      () =>
        typeof x === "number"
          ? jvp(f as Scalar, [x], [1])[1]
          : x.map(
              (_, i) => jvp(f as Vector, [x], [x.map((_, j) => +(i === j))])[1],
            ),
    ],
  ];
  if (typeof x === "number") {
    runs.push(["derivative", () => derivative(f as Scalar)(x)]);
  }
  return runs.map(([name, run]) => {
    const gradient = run();
    return { name, counts: counts(), gradient };
  });
}

describe("unmarked calls in loops", () => {
  let m: {
    weightedSquares: Vector;
    switched: Vector;
    drawnTrips: Scalar;
    drawnBound: Scalar;
    notedProduct: Vector;
    counts: () => [number, number];
  };
  beforeAll(async () => {
    m = await compileFixture("loops/regression-impure-counter");
  });
  const x = [0.5, -1.5, 2, 3, -0.25];
  const n = x.length;

  it("run once per derivative: the reverse sweep keeps their numbers", () => {
    for (const run of everyDerivative(m.weightedSquares, x, m.counts)) {
      expect(run.counts, run.name).toEqual([n, 0]);
      const expected = x.map((v, i) => 2 * ((i + 1) % 3) * v);
      expect(run.gradient, run.name).toEqual(expected);
    }
  });

  it("keep the branch a boolean result chose", () => {
    for (const run of everyDerivative(m.switched, x, m.counts)) {
      expect(run.counts, run.name).toEqual([n, 0]);
      const expected = x.map((v, i) => (i % 2 === 0 ? 2 * v : 3));
      expect(run.gradient, run.name).toEqual(expected);
    }
  });

  it("in a while loop's test run once per iteration", () => {
    for (const run of everyDerivative(m.drawnTrips, 1.5, m.counts)) {
      expect(run.counts, run.name).toEqual([3, 0]);
      expect(run.gradient, run.name).toBe(3 * 1.5 * 1.5);
    }
  });

  it("in a for loop's end run once per test", () => {
    for (const run of everyDerivative(m.drawnBound, 1.5, m.counts)) {
      expect(run.counts, run.name).toEqual([3, 0]);
      expect(run.gradient, run.name).toBe(3 * 1.5 * 1.5);
    }
  });

  it("made for their side effects run in the forward sweep only", () => {
    for (const run of everyDerivative(m.notedProduct, x, m.counts)) {
      expect(run.counts, run.name).toEqual([0, n]);
    }
  });

  it("leave the value stack empty", () => {
    grad(m.weightedSquares)(x);
    grad(m.switched)(x);
    expect(stack.size).toBe(0);
  });
});

describe("unmarked calls in nested loops", () => {
  let m: {
    productOfDrawnSums: Vector;
    scaledSums: Vector;
    drawnPowers: Scalar;
    productThroughBoth: Vector;
    counts: () => [number, number];
  };
  beforeAll(async () => {
    m = await compileFixture("loops/regression-impure-nested");
  });
  const x = [0.5, -1.5, 2, 3];
  const n = x.length;
  const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

  it("are kept, with what the inner loops computed from them", () => {
    for (const run of everyDerivative(m.productOfDrawnSums, x, m.counts)) {
      expect(run.counts, run.name).toEqual([3 * n, 0]);
    }
    for (const run of everyDerivative(m.productThroughBoth, x, m.counts)) {
      expect(run.counts, run.name).toEqual([2 * n, 0]);
    }
  });

  it("before an inner loop run once per outer iteration", () => {
    for (const run of everyDerivative(m.scaledSums, x, m.counts)) {
      expect(run.counts, run.name).toEqual([2, 2 * n]);
      const expected = x.map(() => 4 * sum(x));
      for (const [i, g] of (run.gradient as number[]).entries()) {
        expect(g, `${run.name}, element ${i}`).toBeCloseTo(expected[i]!, 12);
      }
    }
  });

  it("in an inner while loop's test run once per iteration", () => {
    for (const run of everyDerivative(m.drawnPowers, 1.25, m.counts)) {
      expect(run.counts, run.name).toEqual([6, 0]);
      expect(run.gradient as number, run.name).toBeCloseTo(7 * 1.25 ** 6, 12);
    }
  });
});

describe("a pullback from vjp", () => {
  let m: {
    data: number[];
    weightedNorm: Vector;
    scaledSquares: (x: number[], y: number[]) => number[];
  };
  beforeAll(async () => {
    m = await compileFixture("arrays/regression-pullback-snapshot");
  });

  it("differentiates a number result at the call of vjp", () => {
    const data = m.data.slice();
    const x = [1, 2, -3, 0.5];
    const expected = x.map((v, i) => 3 * 2 * data[i % 3]! * v);
    const [value, pullback] = vjp(m.weightedNorm, x);
    expect(value).toBe(m.weightedNorm(x));
    // The caller changes the data and the argument before pulling back.
    m.data[0] = 100;
    x[1] = 7;
    try {
      expect(pullback(3)[0]).toEqual(expected);
    } finally {
      m.data.splice(0, data.length, ...data);
    }
  });

  it("differentiates an array result at the arguments vjp was given", () => {
    const x = [1, 2, -3];
    const y = [0.5, -1, 2];
    const c = [1, -2, 0.25];
    const dx = x.map((v, i) => 2 * v * y[i]! * c[i]!);
    const dy = x.map((v, i) => v * v * c[i]!);
    const [value, pullback] = vjp(m.scaledSquares, x, y);
    expect(value).toEqual(m.scaledSquares(x, y));
    x[0] = 9;
    y[1] = 9;
    expect(pullback(c)).toEqual([dx, dy]);
  });
});
