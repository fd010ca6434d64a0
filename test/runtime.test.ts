// The runtime API on hand-written derivatives that follow the calling
// convention of runtime/registry.ts, as the transformer will emit them.
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  checkGrad,
  derivative,
  grad,
  hessian,
  hvp,
  jvp,
  registerCompiled,
  stopGradient,
  TsadError,
  valueAndGrad,
  vjp,
} from "../runtime/index.js";

/** f(x, y) = x sin(y); df = sin(y) dx + x cos(y) dy. */
function f(x: number, y: number): number {
  return x * Math.sin(y);
}
registerCompiled(f, {
  name: "f",
  params: ["number", "number"],
  result: "number",
  jvp: (x: number, y: number, dx: number, dy: number) => [
    x * Math.sin(y),
    Math.sin(y) * dx + x * Math.cos(y) * dy,
  ],
  vjp: (x: number, y: number, f_adj: number) => [
    x * Math.sin(y),
    Math.sin(y) * f_adj,
    x * Math.cos(y) * f_adj,
  ],
});

/** weighted(x, label, y) = |label| x e^y; the label is not differentiable. */
function weighted(x: number, label: string, y: number): number {
  return label.length * x * Math.exp(y);
}
registerCompiled(weighted, {
  name: "weighted",
  params: ["number", "none", "number"],
  result: "number",
  jvp: (
    x: number,
    label: string,
    y: number,
    dx: number,
    _dlabel: undefined,
    dy: number,
  ) => [weighted(x, label, y), label.length * Math.exp(y) * (dx + x * dy)],
  vjp: (x: number, label: string, y: number, weighted_adj: number) => [
    weighted(x, label, y),
    label.length * Math.exp(y) * weighted_adj,
    undefined,
    label.length * x * Math.exp(y) * weighted_adj,
  ],
});

/** power(x, n = 2) = x^n: an optional parameter the caller may omit. */
function power(x: number, n?: number): number {
  return x ** (n ?? 2);
}
registerCompiled(power, {
  name: "power",
  params: ["number", "number"],
  result: "number",
  jvp: (x: number, n: number | undefined, dx: number, dn: number) => {
    const e = n ?? 2;
    return [x ** e, e * x ** (e - 1) * dx + x ** e * Math.log(x) * dn];
  },
  vjp: (x: number, n: number | undefined, power_adj: number) => {
    const e = n ?? 2;
    return [
      x ** e,
      e * x ** (e - 1) * power_adj,
      x ** e * Math.log(x) * power_adj,
    ];
  },
});

/** A compiled function whose result is not differentiable. */
function format(x: number): string {
  return x.toFixed(2);
}
registerCompiled(format, {
  name: "format",
  params: ["number"],
  result: "none",
  jvp: (x: number) => [format(x), undefined],
  vjp: (x: number) => [format(x), 0],
});

/** A compiled function with a non-differentiable first parameter. */
function repeat(label: string, x: number): number {
  return label.length * x;
}
registerCompiled(repeat, {
  name: "repeat",
  params: ["none", "number"],
  result: "number",
  jvp: (label: string, x: number, _dlabel: undefined, dx: number) => [
    label.length * x,
    label.length * dx,
  ],
  vjp: (label: string, x: number, repeat_adj: number) => [
    label.length * x,
    undefined,
    label.length * repeat_adj,
  ],
});

/** sinWrongDy: the derivative in y has the wrong sign, for checkGrad. */
function sinWrongDy(x: number, y: number): number {
  return x * Math.sin(y);
}
registerCompiled(sinWrongDy, {
  name: "sinWrongDy",
  params: ["number", "number"],
  result: "number",
  jvp: (x: number, y: number, dx: number, dy: number) => [
    x * Math.sin(y),
    Math.sin(y) * dx - x * Math.cos(y) * dy,
  ],
  vjp: (x: number, y: number, adj: number) => [
    x * Math.sin(y),
    Math.sin(y) * adj,
    -x * Math.cos(y) * adj,
  ],
});

/**
 * cubic(x, scale) = scale x0² x1, with second derivatives, hand-written
 * as the transformer writes them: the adjoint of
 * cubic__tangent(x, scale, dx, dscale)
 *   = scale (2 x0 x1 dx0 + x0² dx1) + x0² x1 dscale.
 */
function cubic(x: number[], scale: number): number {
  return scale * x[0]! * x[0]! * x[1]!;
}
registerCompiled(cubic, {
  name: "cubic",
  params: ["array", "number"],
  result: "number",
  jvp: () => {
    throw new Error("not called");
  },
  vjp: () => {
    throw new Error("not called");
  },
  tangentVjp: (
    [x0, x1]: number[],
    s: number,
    [d0, d1]: number[],
    ds: number,
    c: number,
  ) => [
    s * (2 * x0! * x1! * d0! + x0! * x0! * d1!) + x0! * x0! * x1! * ds,
    [
      c * (s * (2 * x1! * d0! + 2 * x0! * d1!) + 2 * x0! * x1! * ds),
      c * (s * 2 * x0! * d0! + x0! * x0! * ds),
    ],
    c * (2 * x0! * x1! * d0! + x0! * x0! * d1!),
    [c * s * 2 * x0! * x1!, c * s * x0! * x0!],
    c * x0! * x0! * x1!,
  ],
});

/** Never registered. */
function square(x: number): number {
  return x * x;
}

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

const x = 1.3;
const y = 0.7;

describe("grad", () => {
  it("differentiates with respect to parameter 0 by default", () => {
    expect(grad(f)(x, y)).toBeCloseTo(Math.sin(y), 14);
  });

  it("differentiates with respect to a chosen parameter", () => {
    expect(grad(f, 1)(x, y)).toBeCloseTo(x * Math.cos(y), 14);
  });

  it("returns a tuple in argnums order for an array argnums", () => {
    const [dy, dx] = grad(f, [1, 0])(x, y);
    expect(dy).toBeCloseTo(x * Math.cos(y), 14);
    expect(dx).toBeCloseTo(Math.sin(y), 14);
  });

  it("skips a non-differentiable parameter", () => {
    const [dx, dy] = grad(weighted, [0, 2])(x, "abc", y);
    expect(dx).toBeCloseTo(3 * Math.exp(y), 12);
    expect(dy).toBeCloseTo(3 * x * Math.exp(y), 12);
  });

  it("fills in an omitted optional argument before the cotangent", () => {
    expect(grad(power)(3)).toBeCloseTo(6, 14);
    expect(grad(power)(3, 3)).toBeCloseTo(27, 12);
  });

  it("calls the compiled adjoint once per evaluation, not f", () => {
    let adjointCalls = 0;
    let primalCalls = 0;
    const cube = (t: number): number => {
      primalCalls++;
      return t * t * t;
    };
    registerCompiled(cube, {
      name: "cube",
      params: ["number"],
      result: "number",
      jvp: (t: number, dt: number) => [t * t * t, 3 * t * t * dt],
      vjp: (t: number, adj: number) => {
        adjointCalls++;
        return [t * t * t, 3 * t * t * adj];
      },
    });
    const dcube = valueAndGrad(cube);
    expect(dcube(2)).toEqual([8, 12]);
    expect(grad(cube)(2)).toBe(12);
    expect(adjointCalls).toBe(2);
    expect(primalCalls).toBe(0);
  });
});

describe("valueAndGrad", () => {
  it("returns the value and the gradient", () => {
    const [value, dy] = valueAndGrad(f, 1)(x, y);
    expect(value).toBe(f(x, y));
    expect(dy).toBeCloseTo(x * Math.cos(y), 14);
  });

  it("returns the value and a tuple for an array argnums", () => {
    const [value, [dx, dy]] = valueAndGrad(weighted, [0, 2])(x, "ab", y);
    expect(value).toBeCloseTo(2 * x * Math.exp(y), 12);
    expect(dx).toBeCloseTo(2 * Math.exp(y), 12);
    expect(dy).toBeCloseTo(2 * x * Math.exp(y), 12);
  });
});

describe("derivative", () => {
  it("differentiates with respect to the first parameter in forward mode", () => {
    expect(derivative(f)(x, y)).toBeCloseTo(Math.sin(y), 14);
  });

  it("holds the other parameters fixed and passes labels through", () => {
    expect(derivative(weighted)(x, "abcd", y)).toBeCloseTo(4 * Math.exp(y), 12);
  });

  it("fills in an omitted optional argument before the tangents", () => {
    expect(derivative(power)(3)).toBeCloseTo(6, 14);
  });
});

describe("jvp", () => {
  it("returns the value and the directional derivative", () => {
    const [value, tangent] = jvp(f, [x, y], [0.5, -2]);
    expect(value).toBe(f(x, y));
    expect(tangent).toBeCloseTo(0.5 * Math.sin(y) - 2 * x * Math.cos(y), 14);
  });

  it("treats an undefined tangent of a number parameter as 0", () => {
    const [, tangent] = jvp(f, [x, y], [undefined, 1]);
    expect(tangent).toBeCloseTo(x * Math.cos(y), 14);
  });

  it("ignores the tangent slot of a non-differentiable parameter", () => {
    const [value, tangent] = jvp(weighted, [x, "abc", y], [1, undefined, 1]);
    expect(value).toBeCloseTo(3 * x * Math.exp(y), 12);
    expect(tangent).toBeCloseTo(3 * Math.exp(y) * (1 + x), 12);
  });
});

describe("vjp", () => {
  it("returns the value and a pullback with one cotangent per parameter", () => {
    const [value, pullback] = vjp(f, x, y);
    expect(value).toBe(f(x, y));
    const [dx, dy] = pullback(2);
    expect(dx).toBeCloseTo(2 * Math.sin(y), 14);
    expect(dy).toBeCloseTo(2 * x * Math.cos(y), 14);
  });

  it("gives undefined for a non-differentiable parameter", () => {
    const [, pullback] = vjp(weighted, x, "abc", y);
    const cotangents = pullback(1);
    expect(cotangents).toHaveLength(3);
    expect(cotangents[0]).toBeCloseTo(3 * Math.exp(y), 12);
    expect(cotangents[1]).toBeUndefined();
    expect(cotangents[2]).toBeCloseTo(3 * x * Math.exp(y), 12);
  });

  it("can be pulled back more than once", () => {
    const [, pullback] = vjp(f, x, y);
    expect(pullback(1)[0]).toBeCloseTo(Math.sin(y), 14);
    expect(pullback(-3)[0]).toBeCloseTo(-3 * Math.sin(y), 14);
  });
});

describe("checkGrad", () => {
  it("accepts correct derivatives", () => {
    const result = checkGrad(f, [x, y]);
    expect(result.ok).toBe(true);
    expect(result.maxAbsError).toBeLessThan(1e-8);
    expect(result.maxRelError).toBeLessThan(1e-8);
  });

  it("skips non-differentiable parameters by default", () => {
    expect(checkGrad(weighted, [x, "abc", y]).ok).toBe(true);
  });

  it("rejects a wrong derivative and reports its size", () => {
    const result = checkGrad(sinWrongDy, [x, y]);
    expect(result.ok).toBe(false);
    // reverse: -x cos(y), finite differences: x cos(y).
    expect(result.maxAbsError).toBeCloseTo(2 * x * Math.cos(y), 6);
    expect(result.maxRelError).toBeCloseTo(2, 6);
  });

  it("checks only the chosen argnums", () => {
    expect(checkGrad(sinWrongDy, [x, y], { argnums: [0] }).ok).toBe(true);
    expect(checkGrad(sinWrongDy, [x, y], { argnums: 1 }).ok).toBe(false);
  });

  it("fails on a NaN instead of passing it", () => {
    const result = checkGrad(power, [-1, 0.5]);
    expect(result.ok).toBe(false);
    expect(result.maxAbsError).toBeNaN();
  });

  it("honors the tolerances", () => {
    // A step of 0.1 makes the finite difference of x^3 off by h^2 = 0.01.
    expect(checkGrad(power, [1, 3], { eps: 0.1 }).ok).toBe(false);
    expect(checkGrad(power, [1, 3], { eps: 0.1, atol: 0.02 }).ok).toBe(true);
  });
});

describe("stopGradient", () => {
  it("returns its argument", () => {
    const v = { w: 1 };
    expect(stopGradient(v)).toBe(v);
    expect(stopGradient(2.5)).toBe(2.5);
  });
});

describe("hessian and hvp", () => {
  const [a, b] = [0.8, -1.7];

  it("hvp multiplies the Hessian by v", () => {
    // H = scale [[2 x1, 2 x0], [2 x0, 0]]
    expect(hvp(cubic)([a, b], 3, [1, 0])).toEqual([3 * 2 * b, 3 * 2 * a]);
    expect(hvp(cubic)([a, b], 3, [0, 1])).toEqual([3 * 2 * a, 0]);
    // d²/dscale² = 0
    expect(hvp(cubic, 1)([a, b], 3, 1)).toBe(0);
  });

  it("hessian gives a matrix for an array, a number for a number", () => {
    expect(hessian(cubic)([a, b], 3)).toEqual([
      [3 * 2 * b, 3 * 2 * a],
      [3 * 2 * a, 0],
    ]);
    expect(hessian(cubic, 1)([a, b], 3)).toBe(0);
  });

  it("says how to get second derivatives of a function without them", () => {
    const { message } = tsadErrorOf(() => hessian(f));
    expect(message).toContain(
      "hessian(f): tsad wrote no second derivatives of f",
    );
    expect(message).toContain("const H = hessian(f)");
  });

  it("gives blocks, and H v in parts, for a list of argnums", () => {
    // cubic(x, s) = s x0² x1: d²/dx ds = [2 x0 x1, x0²], d²/ds² = 0
    expect(hessian(cubic, [0, 1])([a, b], 3)).toEqual([
      [
        [
          [3 * 2 * b, 3 * 2 * a],
          [3 * 2 * a, 0],
        ],
        [[2 * a * b], [a * a]],
      ],
      [[[2 * a * b, a * a]], 0],
    ]);
    // H [v; t] in parts: [Hxx v + Hxs t, Hsx v + Hss t]
    expect(hvp(cubic, [1, 0])([a, b], 3, [2, [1, 0]])).toEqual([
      2 * a * b,
      [3 * 2 * b + 2 * 2 * a * b, 3 * 2 * a + 2 * a * a],
    ]);
    expect(tsadErrorOf(() => hessian(cubic, [0, 0])).message).toContain(
      "argnums names parameter 0 twice",
    );
    const notATuple = [1, 0, 0] as unknown as [number[], number];
    expect(
      tsadErrorOf(() => hvp(cubic, [0, 1])([a, b], 3, notATuple)).message,
    ).toContain("must be a tuple of 2 tangents, one per argnum");
  });

  it("rejects a result that is not a number", () => {
    const pair = (t: number) => [t, t];
    registerCompiled(pair, {
      name: "pair",
      params: ["number"],
      result: "array",
      jvp: (t: number, dt: number) => [pair(t), [dt, dt]],
      vjp: (t: number, c: number[]) => [pair(t), c[0]! + c[1]!],
    });
    // @ts-expect-error the result must be a number
    expect(tsadErrorOf(() => hessian(pair)).message).toContain(
      "hessian needs a scalar result",
    );
  });

  it("checks v against the parameter", () => {
    expect(
      tsadErrorOf(() => hvp(cubic)([a, b], 3, [1, 0, 0])).message,
    ).toContain(
      "hvp(cubic): v (the argument after cubic's 2 arguments) must be a number[] of length 2",
    );
  });
});

describe("errors", () => {
  it("is an Error named TsadError", () => {
    const error = tsadErrorOf(() => grad(square));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("TsadError");
  });

  it.each([
    ["grad", () => grad(square)],
    ["valueAndGrad", () => valueAndGrad(square)],
    ["derivative", () => derivative(square)],
    ["jvp", () => jvp(square, [1], [1])],
    ["vjp", () => vjp(square, 1)],
    ["checkGrad", () => checkGrad(square, [1])],
  ])("%s on an uncompiled function says how to compile it", (api, run) => {
    const { message } = tsadErrorOf(run);
    expect(message).toContain(`${api}(square)`);
    expect(message).toContain("@differentiable");
    expect(message).toContain('{ "transform": "tsad/transformer" }');
    expect(message).toContain("compilerOptions.plugins");
    expect(message).toContain("tspc");
    // A marked function with an error gets no derivatives either.
    expect(message).toContain("error TS960xx");
  });

  it("names an anonymous uncompiled function as such", () => {
    const anonymous = [(t: number) => t][0]!;
    expect(anonymous.name).toBe("");
    expect(tsadErrorOf(() => grad(anonymous)).message).toContain(
      "<anonymous function>",
    );
  });

  it("rejects a non-function", () => {
    const notAFunction = 3 as unknown as (t: number) => number;
    expect(tsadErrorOf(() => grad(notAFunction)).message).toContain(
      "grad expects a function, got 3",
    );
  });

  it("rejects non-integer argnums", () => {
    // @ts-expect-error argnums must be a parameter index
    expect(tsadErrorOf(() => grad(f, 0.5)).message).toMatch(
      /grad\(f\): argnums must be an integer.*got 0\.5/,
    );
    // @ts-expect-error argnums must be a parameter index
    expect(tsadErrorOf(() => grad(f, "1")).message).toContain('got "1"');
    // @ts-expect-error argnums must be a parameter index
    expect(tsadErrorOf(() => valueAndGrad(f, [0, 1.5])).message).toContain(
      "valueAndGrad(f): argnums must be an integer",
    );
  });

  it("rejects out-of-range argnums", () => {
    // @ts-expect-error f has two parameters
    const tooLarge = tsadErrorOf(() => grad(f, 2)).message;
    expect(tooLarge).toContain("grad(f): argnums 2 is out of range");
    expect(tooLarge).toContain("f has 2 parameters");
    // @ts-expect-error argnums cannot be negative
    expect(tsadErrorOf(() => grad(f, [0, -1])).message).toContain(
      "argnums -1 is out of range",
    );
  });

  it("rejects a non-differentiable parameter", () => {
    // @ts-expect-error parameter 1 is a string
    const { message } = tsadErrorOf(() => grad(weighted, 1));
    expect(message).toContain("grad(weighted)");
    expect(message).toContain("argnums 1");
    expect(message).toContain('kind "none"');
    const checkLabel = () =>
      // @ts-expect-error parameter 1 is a string
      checkGrad(weighted, [x, "a", y], { argnums: [1] });
    expect(tsadErrorOf(checkLabel).message).toContain(
      'parameter 1 of weighted has kind "none"',
    );
  });

  it("rejects grad on a function without a scalar result", () => {
    // @ts-expect-error format returns a string
    const { message } = tsadErrorOf(() => grad(format));
    expect(message).toContain("grad(format)");
    expect(message).toContain(
      "grad needs a scalar result; use vjp or jacobian",
    );
    // @ts-expect-error format returns a string
    expect(tsadErrorOf(() => valueAndGrad(format)).message).toContain(
      "valueAndGrad needs a scalar result",
    );
  });

  it("rejects derivative of a function whose result is not differentiable", () => {
    // @ts-expect-error format returns a string
    expect(tsadErrorOf(() => derivative(format)).message).toContain(
      'derivative(format): the result of format has kind "none", which is not differentiable',
    );
  });

  it("rejects jvp and vjp of a non-differentiable result", () => {
    // @ts-expect-error format returns a string
    expect(tsadErrorOf(() => jvp(format, [1], [1])).message).toContain(
      'jvp(format): the result of format has kind "none"',
    );
    // @ts-expect-error format returns a string
    expect(tsadErrorOf(() => vjp(format, 1)).message).toContain(
      'vjp(format): the result of format has kind "none"',
    );
  });

  it("rejects derivative of a function whose first parameter is not a number", () => {
    // @ts-expect-error parameter 0 is a string
    expect(tsadErrorOf(() => derivative(repeat)).message).toContain(
      'derivative(repeat): derivative needs a number as parameter 0; parameter 0 of repeat has kind "none"',
    );
  });

  it("rejects a checkGrad without a parameter a call needs", () => {
    expect(
      // @ts-expect-error y is a number
      tsadErrorOf(() => checkGrad(f, [x, undefined])).message,
    ).toContain("must be a number");
  });

  it("rejects jvp primals and tangents that do not match the parameters", () => {
    // @ts-expect-error one primal for two parameters
    expect(tsadErrorOf(() => jvp(f, [x], [1, 0])).message).toContain(
      "jvp(f): primals must be an array with one entry per parameter of f (2), got 1 entries",
    );
    // @ts-expect-error three tangents for two parameters
    expect(tsadErrorOf(() => jvp(f, [x, y], [1, 0, 0])).message).toContain(
      "jvp(f): tangents must be an array with one entry per parameter of f (2), got 3 entries",
    );
    // @ts-expect-error a tangent must be a number
    expect(tsadErrorOf(() => jvp(f, [x, y], [1, "0"])).message).toContain(
      "tangents[1] must be a number",
    );
  });

  it("rejects a pullback without a number cotangent", () => {
    const [, pullback] = vjp(f, x, y);
    // @ts-expect-error the cotangent of a number is a number
    expect(tsadErrorOf(() => pullback(undefined)).message).toContain(
      "vjp(f): the pullback needs a cotangent",
    );
    // @ts-expect-error the cotangent of a number is a number
    expect(tsadErrorOf(() => pullback("1")).message).toContain(
      "the cotangent must be a number",
    );
  });

  it("rejects an out buffer for a number parameter", () => {
    // @ts-expect-error a number has no buffer
    const { message } = tsadErrorOf(() => grad(f, 1, { out: 0 }));
    expect(message).toContain(
      "grad(f): the out option needs a buffer parameter",
    );
    expect(message).toContain("parameter 1 of f is a number");
    expect(
      // @ts-expect-error a number has no buffer
      tsadErrorOf(() => valueAndGrad(f, [0, 1], { out: [0, 0] })).message,
    ).toContain("valueAndGrad(f): the out option needs a buffer parameter");
  });

  it("checkGrad rejects args that do not match the parameters", () => {
    // @ts-expect-error one argument for two parameters
    expect(tsadErrorOf(() => checkGrad(f, [x])).message).toContain(
      "checkGrad(f): args must be an array with one entry per parameter of f (2)",
    );
  });
});

describe("two copies of the runtime", () => {
  it("share what generated code registers", async () => {
    // The built package is a copy of its own beside the source the tests
    // import: a module compiled against one, `grad` from the other.
    const built = pathToFileURL(
      path.resolve(import.meta.dirname, "../dist/runtime/index.js"),
    ).href;
    const other = (await import(built)) as {
      registerCompiled: typeof registerCompiled;
      grad: typeof grad;
    };
    expect(other.grad).not.toBe(grad);
    /** cube(x) = x^3: d/dx = 3 x^2 */
    function cube(x: number): number {
      return x ** 3;
    }
    other.registerCompiled(cube, {
      name: "cube",
      params: ["number"],
      result: "number",
      jvp: (x: number, dx: number) => [x ** 3, 3 * x * x * dx],
      vjp: (x: number, c: number) => [x ** 3, 3 * x * x * c],
    });
    expect(grad(cube)(2)).toBe(12);
    expect(jvp(cube, [2], [1])).toEqual([8, 12]);
  });
});

describe("a marked export replaced after the build", () => {
  // A module as generated code reads it (`lib_1.cube`, `lib_1.cube__vjp`),
  // and what a test's stub or module mock does to it.
  const cube = (x: number) => x ** 3;
  const cube__jvp = (x: number, dx: number): [number, number] => [
    x ** 3,
    3 * x * x * dx,
  ];
  const cube__vjp = (x: number, c: number) => [x ** 3, 3 * x * x * c];
  registerCompiled(cube, {
    name: "cube",
    params: ["number"],
    result: "number",
    jvp: cube__jvp,
    vjp: cube__vjp,
  });
  const lib: Record<string, Function> = { cube, cube__jvp, cube__vjp };
  const square = (x: number) => x * x;
  registerCompiled(square, {
    name: "square",
    params: ["number"],
    result: "number",
    jvp: (x: number, dx: number) => [x * x, 2 * x * dx],
    vjp: (x: number, c: number) => [x * x, 2 * x * c],
  });

  /** twice(x) = 2 cube(x): its module imports cube. */
  function twice(x: number): number {
    return 2 * (lib.cube!(x) as number);
  }
  // Generated code calls the compiled functions themselves.
  const twice__jvp = (x: number, dx: number): [number, number] => {
    const [c, dc] = lib.cube__jvp!(x, dx) as number[];
    return [2 * c!, 2 * dc!];
  };
  const twice__vjp = (x: number, t: number) => {
    const [c, x_adj] = lib.cube__vjp!(x, 2 * t) as number[];
    return [2 * c!, x_adj];
  };
  registerCompiled(twice, {
    name: "twice",
    params: ["number"],
    result: "number",
    jvp: twice__jvp,
    vjp: twice__vjp,
    calls: () => [lib.cube!, lib.cube__vjp!],
  });
  /** outer(x) = twice(x) + x: a function of twice's module calling it. */
  function outer(x: number): number {
    return twice(x) + x;
  }
  registerCompiled(outer, {
    name: "outer",
    params: ["number"],
    result: "number",
    jvp: (x: number, dx: number) => {
      const [t, dt] = twice__jvp(x, dx) as number[];
      return [t! + x, dt! + dx];
    },
    vjp: (x: number, o: number) => {
      const [t, x_adj] = twice__vjp(x, o) as number[];
      return [t! + x, x_adj! + o];
    },
    calls: () => [twice, twice__vjp],
  });

  const replacedWith = (replacement: Function, run: () => void) => {
    lib.cube = replacement;
    try {
      run();
    } finally {
      lib.cube = cube;
    }
  };

  it("differentiates through the export while it is the compiled function", () => {
    // d/dx 2 x^3 = 6 x^2
    expect(grad(twice)(2)).toBe(24);
    expect(jvp(twice, [2], [1])).toEqual([16, 24]);
  });

  it("throws rather than differentiate the original in place of a stub", () => {
    const stub = (x: number) => 5 * x;
    replacedWith(stub, () => {
      expect(twice(2)).toBe(20);
      expect(() => grad(twice)(2)).toThrow(TsadError);
      expect(() => grad(twice)(2)).toThrow(
        /twice calls 'cube' of another module, which has been replaced since tsad compiled it/,
      );
      expect(() => jvp(twice, [2], [1])).toThrow(TsadError);
      expect(() => vjp(twice, 2)).toThrow(TsadError);
      expect(() => derivative(twice)(2)).toThrow(TsadError);
    });
    expect(grad(twice)(2)).toBe(24);
  });

  it("throws for a replacement tsad compiled too: the derivatives are the original's", () => {
    replacedWith(square, () => {
      expect(() => grad(twice)(2)).toThrow(/twice calls 'cube'/);
    });
  });

  it("checks the chains of calls from a function of another module", () => {
    // outer(x) = 2 x^3 + x: 6 x^2 + 1
    expect(grad(outer)(2)).toBe(25);
    replacedWith(square, () => {
      expect(() => grad(outer)(2)).toThrow(/twice calls 'cube'/);
    });
  });
});
