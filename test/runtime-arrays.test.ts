// The runtime API on array parameters and vector / matrix results, with
// hand-written derivatives that follow the calling convention of
// runtime/registry.ts: array tangents of the primal's kind and shape,
// freshly allocated array adjoints.
import { describe, expect, it } from "vitest";
import {
  checkGrad,
  derivative,
  grad,
  jacobian,
  jvp,
  registerCompiled,
  stack,
  TsadError,
  valueAndGrad,
  ValueStack,
  vjp,
  type CompiledDerivatives,
} from "../runtime/index.js";

interface Calls {
  jvp: number;
  vjp: number;
}

/** Register hand-written derivatives of `f`, counting calls of each. */
function register(
  f: Function,
  derivatives: Omit<CompiledDerivatives, "name">,
): Calls {
  const calls = { jvp: 0, vjp: 0 };
  registerCompiled(f, {
    ...derivatives,
    name: f.name,
    jvp: (...args) => {
      calls.jvp++;
      return derivatives.jvp(...args);
    },
    vjp: (...args) => {
      calls.vjp++;
      return derivatives.vjp(...args);
    },
  });
  return calls;
}

const sum = (values: ArrayLike<number>): number =>
  Array.from(values).reduce((total, v) => total + v, 0);

/** sumSquares(x) = sum_i x_i^2; gradient 2x. */
function sumSquares(x: Float64Array): number {
  return sum(x.map((xi) => xi * xi));
}
const sumSquaresCalls = register(sumSquares, {
  params: ["float64"],
  result: "number",
  jvp: (x: Float64Array, dx: Float64Array) => [
    sumSquares(x),
    sum(x.map((xi, i) => 2 * xi * dx[i]!)),
  ],
  vjp: (x: Float64Array, adj: number) => [
    sumSquares(x),
    x.map((xi) => 2 * xi * adj),
  ],
});

/** The same on a Float32Array. */
function sumSquares32(x: Float32Array): number {
  return sum(Array.from(x, (xi) => xi * xi));
}
register(sumSquares32, {
  params: ["float32"],
  result: "number",
  jvp: (x: Float32Array, dx: Float32Array) => [
    sumSquares32(x),
    sum(Array.from(x, (xi, i) => 2 * xi * dx[i]!)),
  ],
  vjp: (x: Float32Array, adj: number) => [
    sumSquares32(x),
    x.map((xi) => 2 * xi * adj),
  ],
});

/** sumSquaresWrongLast: the last entry of the gradient is 3x, not 2x. */
function sumSquaresWrongLast(x: number[]): number {
  return sum(x.map((xi) => xi * xi));
}
register(sumSquaresWrongLast, {
  params: ["array"],
  result: "number",
  jvp: (x: number[], dx: number[]) => [
    sumSquaresWrongLast(x),
    sum(x.map((xi, i) => 2 * xi * dx[i]!)),
  ],
  vjp: (x: number[], adj: number) => [
    sumSquaresWrongLast(x),
    x.map((xi, i) => (i === x.length - 1 ? 3 : 2) * xi * adj),
  ],
});

/** scaledNorm(w, s) = s sum_i w_i^2; d/dw = 2 s w, d/ds = sum_i w_i^2. */
function scaledNorm(w: readonly number[], s: number): number {
  return s * sum(w.map((wi) => wi * wi));
}
register(scaledNorm, {
  params: ["array", "number"],
  result: "number",
  jvp: (w: readonly number[], s: number, dw: number[], ds: number) => [
    scaledNorm(w, s),
    ds * sum(w.map((wi) => wi * wi)) +
      s * sum(w.map((wi, i) => 2 * wi * dw[i]!)),
  ],
  vjp: (w: readonly number[], s: number, adj: number) => [
    scaledNorm(w, s),
    w.map((wi) => 2 * s * wi * adj),
    sum(w.map((wi) => wi * wi)) * adj,
  ],
});

/** quadForm(A, x) = x^T A x; d/dA = x x^T, d/dx = (A + A^T) x. */
function quadForm(A: number[][], x: number[]): number {
  return sum(A.map((row, i) => sum(row.map((a, j) => x[i]! * a * x[j]!))));
}
register(quadForm, {
  params: ["matrix", "array"],
  result: "number",
  jvp: (A: number[][], x: number[], dA: number[][], dx: number[]) => [
    quadForm(A, x),
    sum(
      A.map((row, i) =>
        sum(
          row.map(
            (a, j) =>
              x[i]! * dA[i]![j]! * x[j]! +
              dx[i]! * a * x[j]! +
              x[i]! * a * dx[j]!,
          ),
        ),
      ),
    ),
  ],
  vjp: (A: number[][], x: number[], adj: number) => [
    quadForm(A, x),
    A.map((row, i) => row.map((_, j) => x[i]! * x[j]! * adj)),
    x.map(
      (_, k) =>
        adj *
        (sum(A[k]!.map((a, j) => a * x[j]!)) +
          sum(A.map((row, i) => x[i]! * row[k]!))),
    ),
  ],
});

/** softmax(x)_i = e^{x_i} / sum_j e^{x_j}; J_ij = y_i (delta_ij - y_j). */
function softmax(x: number[]): number[] {
  const e = x.map(Math.exp);
  const total = sum(e);
  return e.map((ei) => ei / total);
}
const softmaxCalls = register(softmax, {
  params: ["array"],
  result: "array",
  jvp: (x: number[], dx: number[]) => {
    const y = softmax(x);
    const mean = sum(y.map((yj, j) => yj * dx[j]!));
    return [y, y.map((yi, i) => yi * (dx[i]! - mean))];
  },
  vjp: (x: number[], y_adj: number[]) => {
    const y = softmax(x);
    const mean = sum(y.map((yi, i) => yi * y_adj[i]!));
    return [y, y.map((yj, j) => yj * (y_adj[j]! - mean))];
  },
});

/** curve(t) = [cos t, sin t, t^2]. */
function curve(t: number): number[] {
  return [Math.cos(t), Math.sin(t), t * t];
}
const curveCalls = register(curve, {
  params: ["number"],
  result: "array",
  jvp: (t: number, dt: number) => [
    curve(t),
    [-Math.sin(t) * dt, Math.cos(t) * dt, 2 * t * dt],
  ],
  vjp: (t: number, a: number[]) => [
    curve(t),
    -Math.sin(t) * a[0]! + Math.cos(t) * a[1]! + 2 * t * a[2]!,
  ],
});

/** affine(t, w) = t w: a Float64Array result, a Float64Array parameter. */
function affine(t: number, w: Float64Array): Float64Array {
  return w.map((wi) => wi * t);
}
register(affine, {
  params: ["number", "float64"],
  result: "float64",
  jvp: (t: number, w: Float64Array, dt: number, dw: Float64Array) => [
    affine(t, w),
    w.map((wi, i) => dw[i]! * t + wi * dt),
  ],
  vjp: (t: number, w: Float64Array, a: Float64Array) => [
    affine(t, w),
    sum(w.map((wi, i) => wi * a[i]!)),
    a.map((ai) => ai * t),
  ],
});

/** matVec(A, x) = A x; d/dA_rc of output i = delta_ir x_c, d/dx = A. */
function matVec(A: number[][], x: number[]): number[] {
  return A.map((row) => sum(row.map((a, j) => a * x[j]!)));
}
const matVecCalls = register(matVec, {
  params: ["matrix", "array"],
  result: "array",
  jvp: (A: number[][], x: number[], dA: number[][], dx: number[]) => [
    matVec(A, x),
    A.map((row, i) => sum(row.map((a, j) => dA[i]![j]! * x[j]! + a * dx[j]!))),
  ],
  vjp: (A: number[][], x: number[], a: number[]) => [
    matVec(A, x),
    A.map((row, i) => row.map((_, j) => a[i]! * x[j]!)),
    x.map((_, j) => sum(A.map((row, i) => a[i]! * row[j]!))),
  ],
});

/** pairs(x) = [[x0 x1, x1 x2]]: a matrix result with fewer entries than x. */
function pairs(x: number[]): number[][] {
  return [[x[0]! * x[1]!, x[1]! * x[2]!]];
}
const pairsCalls = register(pairs, {
  params: ["array"],
  result: "matrix",
  jvp: (x: number[], dx: number[]) => [
    pairs(x),
    [[dx[0]! * x[1]! + x[0]! * dx[1]!, dx[1]! * x[2]! + x[1]! * dx[2]!]],
  ],
  vjp: (x: number[], a: number[][]) => {
    const [a0, a1] = a[0]!;
    return [pairs(x), [a0! * x[1]!, a0! * x[0]! + a1! * x[2]!, a1! * x[1]!]];
  },
});

/** scaleMatrix(A, s) = s A. */
function scaleMatrix(A: number[][], s: number): number[][] {
  return A.map((row) => row.map((a) => s * a));
}
const scaleMatrixCalls = register(scaleMatrix, {
  params: ["matrix", "number"],
  result: "matrix",
  jvp: (A: number[][], s: number, dA: number[][], ds: number) => [
    scaleMatrix(A, s),
    A.map((row, i) => row.map((a, j) => s * dA[i]![j]! + ds * a)),
  ],
  vjp: (A: number[][], s: number, a: number[][]) => [
    scaleMatrix(A, s),
    a.map((row) => row.map((ai) => s * ai)),
    sum(A.map((row, i) => sum(row.map((Aij, j) => Aij * a[i]![j]!)))),
  ],
});

/** A scalar function, f(x, y) = x sin(y). */
function f(x: number, y: number): number {
  return x * Math.sin(y);
}
const fCalls = register(f, {
  params: ["number", "number"],
  result: "number",
  jvp: (x: number, y: number, dx: number, dy: number) => [
    f(x, y),
    Math.sin(y) * dx + x * Math.cos(y) * dy,
  ],
  vjp: (x: number, y: number, adj: number) => [
    f(x, y),
    Math.sin(y) * adj,
    x * Math.cos(y) * adj,
  ],
});

/** A result that is not differentiable. */
function label(x: number[]): string {
  return x.join(",");
}
register(label, {
  params: ["array"],
  result: "none",
  jvp: (x: number[]) => [label(x), undefined],
  vjp: (x: number[]) => [label(x), undefined],
});

/** The TsadError `run` throws; fails the test if it throws nothing else. */
function tsadErrorOf(run: () => unknown): TsadError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TsadError);
    return error as TsadError;
  }
  throw new Error("expected a TsadError, nothing was thrown");
}

/** Same nesting and lengths, numbers equal to `digits` decimal places. */
function expectAllClose(actual: unknown, expected: unknown, digits = 12) {
  if (typeof expected === "number") {
    expect(actual).toBeCloseTo(expected, digits);
    return;
  }
  const want = Array.from(expected as ArrayLike<unknown>);
  const got = Array.from(actual as ArrayLike<unknown>);
  expect(got).toHaveLength(want.length);
  want.forEach((w, i) => expectAllClose(got[i], w, digits));
}

/** How many compiled jvp / vjp calls `run` made. */
function callsDuring<T>(calls: Calls, run: () => T): Calls & { result: T } {
  const before = { ...calls };
  const result = run();
  return {
    jvp: calls.jvp - before.jvp,
    vjp: calls.vjp - before.vjp,
    result,
  };
}

const x64 = () => new Float64Array([0.5, -1.25, 2]);
const w = [0.3, -0.8, 1.5];
const s = 1.7;
const A = [
  [1, 2],
  [-0.5, 3],
];
const x2 = [0.7, -1.1];
const t = 0.9;
const softmaxOf = (x: number[]) => {
  const e = x.map(Math.exp);
  return e.map((ei) => ei / sum(e));
};

describe("grad with array parameters", () => {
  it("returns a Float64Array gradient for a Float64Array parameter", () => {
    const g = grad(sumSquares)(x64());
    expect(g).toBeInstanceOf(Float64Array);
    expect(Array.from(g)).toEqual([1, -2.5, 4]);
  });

  it("returns a Float32Array gradient for a Float32Array parameter", () => {
    const x = new Float32Array([0.1, -0.2, 0.3]);
    const g = grad(sumSquares32)(x);
    expect(g).toBeInstanceOf(Float32Array);
    expect(Array.from(g)).toEqual(Array.from(x, (xi) => Math.fround(2 * xi)));
  });

  it("returns a number[] gradient for a readonly number[] parameter", () => {
    const g = grad(scaledNorm)(w, s);
    expect(Array.isArray(g)).toBe(true);
    expectAllClose(
      g,
      w.map((wi) => 2 * s * wi),
    );
    expect(grad(scaledNorm, 1)(w, s)).toBeCloseTo(sum(w.map((v) => v * v)), 14);
  });

  it("returns a number[][] gradient for a matrix parameter", () => {
    const g = grad(quadForm)(A, x2);
    expectAllClose(g, [
      [x2[0]! * x2[0]!, x2[0]! * x2[1]!],
      [x2[1]! * x2[0]!, x2[1]! * x2[1]!],
    ]);
    // (A + A^T) x with A + A^T = [[2, 1.5], [1.5, 6]].
    expectAllClose(grad(quadForm, 1)(A, x2), [
      2 * x2[0]! + 1.5 * x2[1]!,
      1.5 * x2[0]! + 6 * x2[1]!,
    ]);
  });

  it("returns the value and a tuple of array gradients", () => {
    const [value, [gA, gx]] = valueAndGrad(quadForm, [0, 1])(A, x2);
    expect(value).toBeCloseTo(quadForm(A, x2), 14);
    expectAllClose(gA, grad(quadForm, 0)(A, x2), 14);
    expectAllClose(gx, grad(quadForm, 1)(A, x2), 14);
  });
});

describe("grad of a vector result", () => {
  it("is rejected when grad is called, pointing at vjp and jacobian", () => {
    // @ts-expect-error grad needs a scalar result
    expect(tsadErrorOf(() => grad(softmax)).message).toBe(
      "grad(softmax): grad needs a scalar result; use vjp or jacobian " +
        '(the result of softmax has kind "array")',
    );
    // @ts-expect-error valueAndGrad needs a scalar result
    expect(tsadErrorOf(() => valueAndGrad(curve)).message).toBe(
      "valueAndGrad(curve): valueAndGrad needs a scalar result; use vjp or jacobian " +
        '(the result of curve has kind "array")',
    );
    // @ts-expect-error checkGrad needs a scalar result
    expect(tsadErrorOf(() => checkGrad(softmax, [w])).message).toContain(
      "checkGrad(softmax): checkGrad needs a scalar result",
    );
  });
});

describe("out buffers", () => {
  it("fills a Float64Array buffer and returns that same buffer", () => {
    const out = new Float64Array(3);
    const dsum = grad(sumSquares, 0, { out });
    const g = dsum(x64());
    expect(g).toBe(out);
    expect(Array.from(out)).toEqual([1, -2.5, 4]);
    expect(dsum(new Float64Array([1, 2, 3]))).toBe(out);
    expect(Array.from(out)).toEqual([2, 4, 6]);
  });

  it("fills a number[][] buffer row by row", () => {
    const out = [
      [9, 9],
      [9, 9],
    ];
    const rows = out.map((row) => row);
    const [value, g] = valueAndGrad(quadForm, 0, { out })(A, x2);
    expect(value).toBeCloseTo(quadForm(A, x2), 14);
    expect(g).toBe(out);
    out.forEach((row, i) => expect(row).toBe(rows[i]));
    expectAllClose(out, grad(quadForm)(A, x2), 14);
  });

  it("takes one buffer per array argnum and undefined for numbers", () => {
    const out = [0, 0, 0];
    const [ds, gw] = grad(scaledNorm, [1, 0], { out: [undefined, out] })(w, s);
    expect(ds).toBeCloseTo(sum(w.map((v) => v * v)), 14);
    expect(gw).toBe(out);
    expectAllClose(
      out,
      w.map((wi) => 2 * s * wi),
    );
  });

  it("rejects a buffer of another kind when grad is called", () => {
    const wrongKind = () =>
      // @ts-expect-error a Float64Array parameter needs a Float64Array buffer
      grad(sumSquares, 0, { out: new Float32Array(3) });
    expect(tsadErrorOf(wrongKind).message).toBe(
      "grad(sumSquares): out must be a Float64Array for the gradient of parameter 0 " +
        "of sumSquares, got a Float32Array of length 3",
    );
  });

  it("rejects a buffer of another shape when the gradient is computed", () => {
    const dsum = grad(sumSquares, 0, { out: new Float64Array(2) });
    expect(tsadErrorOf(() => dsum(x64())).message).toBe(
      "grad(sumSquares): out must be a Float64Array of length 3, like parameter 0, " +
        "got a Float64Array of length 2",
    );
    const ragged = valueAndGrad(quadForm, 0, { out: [[0, 0], [0]] });
    expect(tsadErrorOf(() => ragged(A, x2)).message).toBe(
      "valueAndGrad(quadForm): out must be a number[][] of shape 2x2, like parameter 0, " +
        "got a number[][] with row lengths [2, 1]",
    );
  });

  it("rejects a tuple of buffers that does not match argnums", () => {
    const tooShort = () =>
      // @ts-expect-error one buffer for two argnums
      grad(scaledNorm, [1, 0], { out: [[0, 0, 0]] });
    expect(tsadErrorOf(tooShort).message).toContain(
      "grad(scaledNorm): out must be an array with one entry per argnums entry (2)",
    );
    const numberBuffer = () =>
      // @ts-expect-error a number gradient has no buffer
      grad(scaledNorm, [1, 0], { out: [0, [0, 0, 0]] });
    expect(tsadErrorOf(numberBuffer).message).toBe(
      "grad(scaledNorm): out[0] must be undefined: parameter 1 of scaledNorm is a number, " +
        "which has no buffer; its gradient is returned in the tuple",
    );
    const missingBuffer = () =>
      // @ts-expect-error an array gradient needs a buffer
      grad(scaledNorm, [1, 0], { out: [undefined, undefined] });
    expect(tsadErrorOf(missingBuffer).message).toContain(
      "grad(scaledNorm): out[1] must be a number[] for the gradient of parameter 0",
    );
  });

  it("still rejects out when every argnum is a number", () => {
    // @ts-expect-error a number has no buffer
    const run = () => grad(scaledNorm, 1, { out: 0 });
    expect(tsadErrorOf(run).message).toContain(
      "grad(scaledNorm): the out option needs a buffer parameter",
    );
  });
});

/**
 * weightedSum(w, s) = s sum_i w_i^2, with gradient-only adjoints as the
 * transformer compiles them for `grad(weightedSum, 0)`, `grad(weightedSum,
 * [0, 1])` and `valueAndGrad(weightedSum, 0)`: each adds into the buffer
 * it is given, or into new zeros (registry.ts), and records what it was
 * called with.
 */
function weightedSum(w: Float64Array, s: number): number {
  return s * sum(w.map((wi) => wi * wi));
}
const compiledCalls: { api: string; buffers: Float64Array[] }[] = [];
const addGradient = (
  w: Float64Array,
  s: number,
  adj: number,
  into: Float64Array,
) => {
  w.forEach((wi, i) => (into[i]! += 2 * s * wi * adj));
  return into;
};
registerCompiled(weightedSum, {
  name: "weightedSum",
  params: ["float64", "number"],
  result: "number",
  jvp: () => {
    throw new Error("not used");
  },
  vjp: (w: Float64Array, s: number, adj: number) => {
    compiledCalls.push({ api: "vjp", buffers: [] });
    return [
      weightedSum(w, s),
      w.map((wi) => 2 * s * wi * adj),
      sum(w.map((wi) => wi * wi)) * adj,
    ];
  },
  grad: {
    "0": (
      w: Float64Array,
      s: number,
      adj: number,
      w_adj = new Float64Array(w.length),
    ) => {
      compiledCalls.push({ api: "grad 0", buffers: [w_adj] });
      return addGradient(w, s, adj, w_adj);
    },
    "0,1": (
      w: Float64Array,
      s: number,
      adj: number,
      w_adj = new Float64Array(w.length),
    ) => {
      compiledCalls.push({ api: "grad 0,1", buffers: [w_adj] });
      return [addGradient(w, s, adj, w_adj), sum(w.map((wi) => wi * wi)) * adj];
    },
  },
  valueAndGrad: {
    "0": (
      w: Float64Array,
      s: number,
      adj: number,
      w_adj = new Float64Array(w.length),
    ) => {
      compiledCalls.push({ api: "valueAndGrad 0", buffers: [w_adj] });
      return [weightedSum(w, s), addGradient(w, s, adj, w_adj)];
    },
  },
});

describe("compiled gradient-only adjoints", () => {
  const weights = () => new Float64Array([0.5, -1.25, 2]);
  const expected = [1.7, -4.25, 6.8];
  const lastCall = () => compiledCalls.at(-1)!;

  it("are what grad calls, making new zeros on each call", () => {
    const g = grad(weightedSum)(weights(), s);
    expect(lastCall().api).toBe("grad 0");
    expect(lastCall().buffers[0]).toBe(g);
    expectAllClose(Array.from(g), expected);
    const again = grad(weightedSum, 0)(weights(), s);
    expect(again).not.toBe(g);
    expectAllClose(Array.from(again), expected);
  });

  it("serve a list of argnums in order, a list of one in a tuple", () => {
    const [gw, gs] = grad(weightedSum, [0, 1])(weights(), s);
    expect(lastCall().api).toBe("grad 0,1");
    expectAllClose(Array.from(gw), expected);
    expect(gs).toBeCloseTo(5.8125, 14);
    const [only] = grad(weightedSum, [0])(weights(), s);
    expect(lastCall().api).toBe("grad 0");
    expectAllClose(Array.from(only), expected);
  });

  it("leave argnums compiled for nothing to vjp", () => {
    const [gs, gw] = grad(weightedSum, [1, 0])(weights(), s);
    expect(lastCall().api).toBe("vjp");
    expect(gs).toBeCloseTo(5.8125, 14);
    expectAllClose(Array.from(gw), expected);
  });

  it("zero the caller's out buffer and add into it", () => {
    const out = new Float64Array([9, 9, 9]);
    const g = grad(weightedSum, 0, { out });
    expect(g(weights(), s)).toBe(out);
    expect(lastCall().buffers[0]).toBe(out);
    expectAllClose(Array.from(out), expected);
    expect(g(weights(), s)).toBe(out);
    expectAllClose(Array.from(out), expected);
    const outs: [Float64Array, undefined] = [new Float64Array(3), undefined];
    const [gw, gs] = grad(weightedSum, [0, 1], { out: outs })(weights(), s);
    expect(gw).toBe(outs[0]);
    expect(gs).toBeCloseTo(5.8125, 14);
  });

  it("check the out buffer's shape on every call", () => {
    const g = grad(weightedSum, 0, { out: new Float64Array(2) });
    expect(tsadErrorOf(() => g(weights(), s)).message).toBe(
      "grad(weightedSum): out must be a Float64Array of length 3, like parameter 0, " +
        "got a Float64Array of length 2",
    );
  });

  it("leave an out buffer that is also an argument to vjp", () => {
    const w = weights();
    const g = grad(weightedSum, 0, { out: w });
    expect(g(w, s)).toBe(w);
    expect(lastCall().api).toBe("vjp");
    expectAllClose(Array.from(w), expected);
  });

  it("leave an out buffer that shares an argument's memory to vjp", () => {
    // A view of the argument's bytes: zeroed first, the adjoint would
    // read zeros where the weights were (review round 25).
    const w = weights();
    const g = grad(weightedSum, 0, { out: new Float64Array(w.buffer) });
    expectAllClose(Array.from(g(w, s)), expected);
    expect(lastCall().api).toBe("vjp");
    const w2 = weights();
    const [gw, gs] = grad(weightedSum, [0, 1], {
      out: [new Float64Array(w2.buffer), undefined],
    })(w2, s);
    expect(lastCall().api).toBe("vjp");
    expectAllClose(Array.from(gw), expected);
    expect(gs).toBeCloseTo(5.8125, 14);
    // A view of other bytes of the same buffer is no argument's.
    const both = new Float64Array(6);
    both.set(weights());
    const [head, tail] = [both.subarray(0, 3), both.subarray(3)];
    grad(weightedSum, 0, { out: tail })(head, s);
    expect(lastCall().api).toBe("grad 0");
    expectAllClose(Array.from(tail), expected);
  });

  it("return the value with valueAndGrad", () => {
    const [value, g] = valueAndGrad(weightedSum)(weights(), s);
    expect(lastCall().api).toBe("valueAndGrad 0");
    expect(value).toBe(weightedSum(weights(), s));
    expectAllClose(Array.from(g), expected);
    const [value1, [g1]] = valueAndGrad(weightedSum, [0])(weights(), s);
    expect(value1).toBe(value);
    expectAllClose(Array.from(g1), expected);
  });

  // The array argument at each place of functions of 1 to 7 parameters
  // (up to 6 have their own forwarders): its new zeros have its length
  // (each argument has its own), and the arguments pass through as given.
  for (let arity = 1; arity <= 7; arity++) {
    for (let index = 0; index < arity; index++) {
      it(`make new zeros for array ${index} of ${arity} parameters`, () => {
        const seen: unknown[][] = [];
        const f = (..._args: unknown[]) => 0;
        Object.defineProperty(f, "length", { value: arity });
        registerCompiled(f, {
          name: `f${arity}_${index}`,
          params: Array.from({ length: arity }, (_, i) =>
            i === index ? "float64" : "number",
          ),
          result: "number",
          jvp: () => {
            throw new Error("not used");
          },
          vjp: () => {
            throw new Error("not used");
          },
          grad: {
            [index]: (...args: unknown[]) => {
              seen.push(args);
              const buffer = args[arity + 1] as Float64Array;
              buffer.fill(7);
              return buffer;
            },
          },
        });
        const args: unknown[] = Array.from({ length: arity }, (_, i) =>
          i === index ? new Float64Array(i + 2) : i + 0.5,
        );
        const g = grad(f, index) as unknown as (
          ...args: unknown[]
        ) => Float64Array;
        const first = g(...args, "extra");
        const second = g(...args);
        expect(Array.from(first)).toEqual(new Array(index + 2).fill(7));
        expect(second).not.toBe(first);
        expect(seen).toHaveLength(2);
        for (const call of seen) {
          expect(call).toHaveLength(arity + 2);
          expect(call.slice(0, arity)).toEqual(args);
          expect(call[arity]).toBe(1);
        }
      });
    }
  }
});

describe("derivative of vector results", () => {
  it("returns df/dt with the shape of the result", () => {
    expectAllClose(derivative(curve)(t), [-Math.sin(t), Math.cos(t), 2 * t]);
  });

  it("holds array parameters fixed with zero tangents of their kind", () => {
    const wf = new Float64Array([1, -2, 0.5]);
    const d = derivative(affine)(t, wf);
    expect(d).toBeInstanceOf(Float64Array);
    expect(Array.from(d)).toEqual([1, -2, 0.5]);
  });

  it("rejects an argument of the wrong kind", () => {
    const d = derivative(affine);
    // @ts-expect-error parameter 1 is a Float64Array
    expect(tsadErrorOf(() => d(t, [1, 2])).message).toBe(
      "derivative(affine): argument 1 must be a Float64Array, got a number[] of length 2",
    );
  });

  it("rejects a function whose parameter 0 is an array", () => {
    // @ts-expect-error parameter 0 must be a number
    expect(tsadErrorOf(() => derivative(softmax)).message).toContain(
      'derivative needs a number as parameter 0; parameter 0 of softmax has kind "array"',
    );
  });
});

describe("jvp with arrays", () => {
  it("pushes an array tangent through a vector function", () => {
    const x = [0.2, -1, 0.4];
    const dx = [1, 0.5, -2];
    const y = softmaxOf(x);
    const [value, tangent] = jvp(softmax, [x], [dx]);
    expectAllClose(value, y);
    // J dx with J_ij = y_i (delta_ij - y_j).
    const expected = y.map((yi, i) =>
      sum(y.map((yj, j) => yi * ((i === j ? 1 : 0) - yj) * dx[j]!)),
    );
    expectAllClose(tangent, expected);
  });

  it("takes undefined as a zero tangent of the primal's kind and shape", () => {
    const wf = new Float64Array([1, -2, 0.5]);
    const [, tangent] = jvp(affine, [t, wf], [1, undefined]);
    expect(tangent).toBeInstanceOf(Float64Array);
    expect(Array.from(tangent)).toEqual([1, -2, 0.5]);
    const [, dA] = jvp(scaleMatrix, [A, s], [undefined, 1]);
    expectAllClose(dA, A, 14);
  });

  it("rejects a tangent of another length, naming the parameter", () => {
    expect(tsadErrorOf(() => jvp(softmax, [[1, 2, 3]], [[1, 0]])).message).toBe(
      "jvp(softmax): tangents[0] must be a number[] of length 3, like primals[0], " +
        "got a number[] of length 2",
    );
  });

  it("rejects a tangent of another kind", () => {
    const run = () =>
      // @ts-expect-error the tangent of a Float64Array is a Float64Array
      jvp(affine, [t, new Float64Array(2)], [0, [1, 2]]);
    expect(tsadErrorOf(run).message).toBe(
      "jvp(affine): tangents[1] must be a Float64Array of length 2, like primals[1], " +
        "got a number[] of length 2",
    );
  });

  it("rejects a matrix tangent with other row lengths", () => {
    const run = () =>
      jvp(
        scaleMatrix,
        [A, s],
        [
          [
            [1, 0, 0],
            [0, 1, 0],
          ],
          0,
        ],
      );
    expect(tsadErrorOf(run).message).toBe(
      "jvp(scaleMatrix): tangents[0] must be a number[][] of shape 2x2, like primals[0], " +
        "got a number[][] of shape 2x3",
    );
  });

  it("rejects a tangent entry that is not a number", () => {
    // @ts-expect-error the entries are numbers
    const run = () => jvp(softmax, [[1, 2]], [[1, "0"]]);
    expect(tsadErrorOf(run).message).toBe(
      'jvp(softmax): tangents[0][1] must be a number, got "0"',
    );
    const badRow: unknown = [
      [1, 0],
      ["0", 1],
    ];
    const inRow = () =>
      jvp(quadForm, [A, x2], [badRow as number[][], undefined]);
    expect(tsadErrorOf(inRow).message).toBe(
      'jvp(quadForm): tangents[0][1][0] must be a number, got "0"',
    );
  });

  it("rejects a primal of the wrong kind", () => {
    // @ts-expect-error parameter 1 is a Float64Array
    const run = () => jvp(affine, [t, [1, 2]], [1, undefined]);
    expect(tsadErrorOf(run).message).toBe(
      "jvp(affine): primals[1] must be a Float64Array, got a number[] of length 2",
    );
  });
});

describe("vjp with arrays", () => {
  it("pulls back an array cotangent of a vector result", () => {
    const x = [0.2, -1, 0.4];
    const a = [0.3, 2, -1];
    const y = softmaxOf(x);
    const [value, pullback] = vjp(softmax, x);
    expectAllClose(value, y);
    const [xAdj] = pullback(a);
    // J^T a with J_ij = y_i (delta_ij - y_j).
    const expected = y.map((yj, j) =>
      sum(y.map((yi, i) => a[i]! * yi * ((i === j ? 1 : 0) - yj))),
    );
    expectAllClose(xAdj, expected);
  });

  it("gives array adjoints of the parameters' kinds", () => {
    const [, pullback] = vjp(matVec, A, x2);
    const [dA, dx] = pullback([1, -2]);
    expectAllClose(dA, [
      [x2[0]!, x2[1]!],
      [-2 * x2[0]!, -2 * x2[1]!],
    ]);
    expectAllClose(dx, [1 - 2 * -0.5, 2 - 2 * 3]);
  });

  it("pulls back a matrix cotangent", () => {
    const [, pullback] = vjp(pairs, [2, 3, 5]);
    expectAllClose(pullback([[1, 10]])[0], [3, 2 + 50, 30]);
  });

  it("rejects a cotangent that does not have the result's shape", () => {
    const [, pullback] = vjp(softmax, [1, 2, 3]);
    // @ts-expect-error the cotangent of a number[] is a number[]
    expect(tsadErrorOf(() => pullback(1)).message).toBe(
      "vjp(softmax): the cotangent must be a number[] of length 3, like the value of softmax, " +
        "got the number 1",
    );
    expect(tsadErrorOf(() => pullback([1, 2])).message).toContain(
      "got a number[] of length 2",
    );
    const [, matrixPullback] = vjp(pairs, [2, 3, 5]);
    expect(tsadErrorOf(() => matrixPullback([[1], [2]])).message).toBe(
      "vjp(pairs): the cotangent must be a number[][] of shape 1x2, like the value of pairs, " +
        "got a number[][] of shape 2x1",
    );
    const [, scalarPullback] = vjp(sumSquares, x64());
    // @ts-expect-error the cotangent of a number is a number
    expect(tsadErrorOf(() => scalarPullback([1])).message).toBe(
      "vjp(sumSquares): the cotangent must be a number, like the value of sumSquares, " +
        "got a number[] of length 1",
    );
  });
});

describe("jacobian", () => {
  it("uses forward mode for as many inputs as outputs", () => {
    const x = [0.2, -1, 0.4];
    const y = softmaxOf(x);
    const {
      jvp: jvps,
      vjp: vjps,
      result,
    } = callsDuring(softmaxCalls, () => jacobian(softmax)(x));
    expect([jvps, vjps]).toEqual([3, 0]);
    expectAllClose(
      result,
      y.map((yi, i) => y.map((yj, j) => yi * ((i === j ? 1 : 0) - yj))),
    );
  });

  it("uses forward mode for one input and a vector output", () => {
    const {
      jvp: jvps,
      vjp: vjps,
      result,
    } = callsDuring(curveCalls, () => jacobian(curve)(t));
    expect([jvps, vjps]).toEqual([1, 0]);
    expectAllClose(result, [[-Math.sin(t)], [Math.cos(t)], [2 * t]]);
  });

  it("uses forward mode with matrix inputs and outputs, flattened row-major", () => {
    const J = callsDuring(scaleMatrixCalls, () => jacobian(scaleMatrix)(A, s));
    expect([J.jvp, J.vjp]).toEqual([4, 0]);
    expectAllClose(
      J.result,
      [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? s : 0))),
    );
    const Js = callsDuring(scaleMatrixCalls, () =>
      jacobian(scaleMatrix, 1)(A, s),
    );
    expect([Js.jvp, Js.vjp]).toEqual([1, 0]);
    expectAllClose(Js.result, [[1], [2], [-0.5], [3]]);
  });

  it("uses reverse mode for a scalar output: one row, the gradient", () => {
    const J = callsDuring(sumSquaresCalls, () => jacobian(sumSquares)(x64()));
    expect([J.jvp, J.vjp]).toEqual([0, 1]);
    expectAllClose(J.result, [[1, -2.5, 4]]);
  });

  it("uses reverse mode for more inputs than outputs", () => {
    const x = [0.5, -2, 1];
    const M = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const Jx = callsDuring(matVecCalls, () => jacobian(matVec, 1)(M, x));
    expect([Jx.jvp, Jx.vjp]).toEqual([0, 2]);
    expectAllClose(Jx.result, M);
    // d(Ax)_i / dA_rc = delta_ir x_c, columns in row-major order of A.
    const JA = callsDuring(matVecCalls, () => jacobian(matVec)(M, x));
    expect([JA.jvp, JA.vjp]).toEqual([0, 2]);
    expectAllClose(JA.result, [
      [0.5, -2, 1, 0, 0, 0],
      [0, 0, 0, 0.5, -2, 1],
    ]);
  });

  it("uses reverse mode with a matrix output, flattened row-major", () => {
    const J = callsDuring(pairsCalls, () => jacobian(pairs)([2, 3, 5]));
    expect([J.jvp, J.vjp]).toEqual([0, 2]);
    expectAllClose(J.result, [
      [3, 2, 0],
      [0, 5, 3],
    ]);
  });

  it("uses forward mode for a scalar function of a scalar", () => {
    const J = callsDuring(fCalls, () => jacobian(f, 1)(1.3, 0.7));
    expect([J.jvp, J.vjp]).toEqual([1, 0]);
    expectAllClose(J.result, [[1.3 * Math.cos(0.7)]], 14);
  });

  it("rejects what it cannot differentiate", () => {
    // @ts-expect-error the result must be differentiable
    expect(tsadErrorOf(() => jacobian(label)).message).toContain(
      'jacobian(label): the result of label has kind "none"',
    );
    // @ts-expect-error one parameter index at a time
    expect(tsadErrorOf(() => jacobian(matVec, [0, 1])).message).toBe(
      "jacobian(matVec): argnums must be one parameter index, got an array; " +
        "call jacobian once per parameter",
    );
    // @ts-expect-error matVec has two parameters
    expect(tsadErrorOf(() => jacobian(matVec, 2)).message).toContain(
      "jacobian(matVec): argnums 2 is out of range",
    );
  });
});

describe("checkGrad on arrays", () => {
  it("accepts correct gradients of vector and matrix parameters", () => {
    expect(checkGrad(sumSquares, [x64()]).ok).toBe(true);
    expect(checkGrad(sumSquares32, [new Float32Array([0.1, -2, 3])]).ok).toBe(
      true,
    );
    const result = checkGrad(quadForm, [A, x2]);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-8);
    expect(checkGrad(scaledNorm, [w, s], { argnums: [0] }).ok).toBe(true);
  });

  it("leaves the arguments as they were", () => {
    const x = x64();
    const matrix = A.map((row) => row.slice());
    checkGrad(sumSquares, [x]);
    checkGrad(quadForm, [matrix, x2]);
    expect(Array.from(x)).toEqual(Array.from(x64()));
    expect(matrix).toEqual(A);
  });

  it("finds a wrong element of an array gradient", () => {
    const x = [0.5, -1, 2];
    const result = checkGrad(sumSquaresWrongLast, [x]);
    expect(result.ok).toBe(false);
    // reverse: 3 * 2 = 6, finite differences: 2 * 2 = 4.
    expect(result.maxAbsError).toBeCloseTo(2, 6);
    expect(result.maxRelError).toBeCloseTo(2 / 6, 6);
    expect(checkGrad(sumSquaresWrongLast, [[0.5, -1, 0]]).ok).toBe(true);
  });

  it("rejects an argument of the wrong kind", () => {
    // @ts-expect-error parameter 0 is a Float64Array
    expect(tsadErrorOf(() => checkGrad(sumSquares, [[1, 2]])).message).toBe(
      "checkGrad(sumSquares): args[0] must be a Float64Array, got a number[] of length 2",
    );
  });
});

describe("ValueStack", () => {
  it("pops values in reverse order of pushing", () => {
    const values = new ValueStack();
    values.push(1.5);
    values.push(-2);
    values.push(2 ** 53);
    expect(values.size).toBe(3);
    expect([values.pop(), values.pop(), values.pop()]).toEqual([
      2 ** 53,
      -2,
      1.5,
    ]);
    expect(values.size).toBe(0);
  });

  it("grows beyond its initial capacity by doubling, and never shrinks", () => {
    const values = new ValueStack(4);
    expect(values.capacity).toBe(4);
    for (let i = 0; i < 100; i++) values.push(i * 0.1);
    expect(values.size).toBe(100);
    expect(values.capacity).toBe(128);
    for (let i = 99; i >= 0; i--) expect(values.pop()).toBe(i * 0.1);
    expect(values.capacity).toBe(128);
  });

  it("holds booleans as 0 and 1", () => {
    const values = new ValueStack();
    for (const b of [true, false, true]) values.push(b ? 1 : 0);
    expect([
      values.pop() !== 0,
      values.pop() !== 0,
      values.pop() !== 0,
    ]).toEqual([true, false, true]);
  });

  it("throws on a pop from an empty stack", () => {
    const values = new ValueStack();
    values.push(1);
    values.pop();
    expect(tsadErrorOf(() => values.pop()).message).toContain(
      "the value stack is empty",
    );
  });

  it("rejects an initial capacity that is not a positive integer", () => {
    expect(tsadErrorOf(() => new ValueStack(0)).message).toContain(
      "initialCapacity must be a positive integer",
    );
  });

  it("has a shared instance for generated code", () => {
    expect(stack).toBeInstanceOf(ValueStack);
    const size = stack.size;
    stack.push(7);
    expect(stack.pop()).toBe(7);
    expect(stack.size).toBe(size);
  });
});

/**
 * rowDot(M, v) = sum_j M[0][j] v[j], its gradient with respect to v
 * compiled as the transformer would (M[0], added into the buffer).
 */
function rowDot(M: number[][], v: number[]): number {
  return sum(v.map((vj, j) => M[0]![j]! * vj));
}
registerCompiled(rowDot, {
  name: "rowDot",
  params: ["matrix", "array"],
  result: "number",
  jvp: () => {
    throw new Error("not used");
  },
  vjp: (M: number[][], v: number[], adj: number) => [
    rowDot(M, v),
    M.map((row, i) => row.map((_, j) => (i === 0 ? v[j]! * adj : 0))),
    v.map((_, j) => M[0]![j]! * adj),
  ],
  grad: {
    "1": (M: number[][], v: number[], adj: number, v_adj: number[]) => {
      v.forEach((_, j) => (v_adj[j]! += M[0]![j]! * adj));
      return v_adj;
    },
  },
});

describe("out buffers sharing memory", () => {
  it("a row of a matrix argument goes to vjp", () => {
    const M = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const v = [0.5, -1, 2];
    // Zeroed first, M[0] would read as zeros in the compiled gradient.
    expect(grad(rowDot, 1, { out: M[0] })(M, v)).toEqual([1, 2, 3]);
    expect(M[0]).toEqual([1, 2, 3]);
  });

  it("one buffer for two parameters' gradients is an error", () => {
    const B = [0, 0, 0];
    expect(
      tsadErrorOf(() => grad(rowDot, [0, 1], { out: [[B, B], B] })).message,
    ).toBe(
      "grad(rowDot): out[0] and out[1] share memory, but they hold the gradients of " +
        "different parameters (0 and 1 of rowDot); give each its own buffer",
    );
    // Nor can one matrix's rows: each would overwrite the others.
    const rows = new Array(1).fill([0, 0, 0]) as number[][];
    rows.push(rows[0]!);
    expect(tsadErrorOf(() => grad(rowDot, 0, { out: rows })).message).toBe(
      "grad(rowDot): out holds one row array more than once, so the gradient's rows would overwrite each other; " +
        "give each row its own array (`Array.from({ length: n }, () => new Array(k).fill(0))`)",
    );
    // The same parameter twice may share one.
    const twice = grad(rowDot, [1, 1], { out: [B, B] })([[1, 2, 3]], [0, 0, 0]);
    expect(twice).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });
});
