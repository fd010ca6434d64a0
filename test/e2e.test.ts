// End to end: a user project in a temporary folder, built by the real
// `tspc` (ts-patch) with `{ "transform": "tsad/transformer" }`, run by node,
// its printed derivatives checked against hand-derived formulas. The
// project finds this package as `tsad` through a symlink
// `node_modules/tsad -> <repo root>`, so it needs `dist/` (npm run build).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "..");
const tspc = path.join(repoRoot, "node_modules/ts-patch/bin/tspc.js");
const tsc = path.join(repoRoot, "node_modules/typescript/bin/tsc");
/** A tspc build takes a few seconds; a project is built up to twice. */
const buildTimeout = 120_000;

interface Run {
  readonly status: number | null;
  /** stdout, then stderr. */
  readonly output: string;
}

/** `node ...args` in `cwd`, never throwing: a failing build is a result too. */
function runNode(args: readonly string[], cwd: string): Run {
  try {
    const stdout = execFileSync(process.execPath, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, output: stdout };
  } catch (error) {
    const failed = error as {
      status: number | null;
      stdout: string;
      stderr: string;
    };
    return { status: failed.status, output: failed.stdout + failed.stderr };
  }
}

type ModuleFormat = "commonjs" | "esm";

/**
 * Writes a project into a fresh `.tmp/e2e-*` folder (gitignored) and links
 * this package as its `tsad` dependency, the way `npm install` would.
 */
function createProject(
  format: ModuleFormat,
  files: Readonly<Record<string, string>>,
): string {
  if (!fs.existsSync(path.join(repoRoot, "dist/transformer/index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first");
  }
  fs.mkdirSync(path.join(repoRoot, ".tmp"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(repoRoot, ".tmp", `e2e-${format}-`));
  const packageJson =
    format === "esm"
      ? { name: "tsad-e2e", private: true, type: "module" }
      : { name: "tsad-e2e", private: true };
  const moduleOptions =
    format === "esm"
      ? { module: "nodenext", moduleResolution: "nodenext" }
      : { module: "commonjs" };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      ...moduleOptions,
      strict: true,
      declaration: true,
      sourceMap: true,
      rootDir: "src",
      outDir: "out",
      types: [],
      plugins: [{ transform: "tsad/transformer" }],
    },
    include: ["src"],
  };
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write("package.json", JSON.stringify(packageJson, null, 2));
  write("tsconfig.json", JSON.stringify(tsconfig, null, 2));
  for (const [file, text] of Object.entries(files)) write(file, text);
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(repoRoot, path.join(dir, "node_modules/tsad"), "dir");
  return dir;
}

/** `(line,column)` of `snippet` in `source`, 1-based, as tsc prints it. */
function positionOf(source: string, snippet: string): string {
  const index = source.indexOf(snippet);
  expect(index).toBeGreaterThanOrEqual(0);
  const lines = source.slice(0, index).split("\n");
  return `(${lines.length},${lines.at(-1)!.length + 1})`;
}

const libSource = `/** @differentiable */
export function xSinX(x: number): number {
  return x * Math.sin(x);
}

/** @differentiable */
export const scaledSquare = (x: number, y: number): number => x * x * y + 3 * y;

/** @differentiable */
export default function gaussian(x: number): number {
  return Math.exp((-x * x) / 2);
}
`;

/**
 * No marked function here: tsad must leave this file exactly as tsc emits
 * it. The comments mention the tag without marking anything.
 */
const plainSource = `import type { CheckGradResult } from "tsad";

// Not a mark: @differentiable in a line comment.
/* Not a mark either: @differentiable in a block comment. */

/**
 * Prints \`value\` as one line of JSON.
 * @param value anything JSON can hold
 */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value));
}

export const describeCheck = (result: CheckGradResult, digits = 3): string =>
  result.ok ? "ok" : \`off by \${result.maxAbsError.toFixed(digits)}\`;

export class Counter {
  #count = 0;
  next(): number {
    return ++this.#count;
  }
}
`;

/**
 * Loops over array parameters, with a value the reverse sweep saves on
 * `tsad.stack` (the running product) and a marked function from another
 * module called inside a loop.
 */
function vectorsSource(extension: string): string {
  return `import { xSinX } from "./lib${extension}";

/** @differentiable */
export function weightedSquares(w: Float64Array, x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += w[i]! * x[i]! * x[i]!;
  return s;
}

/** @differentiable */
export function quadraticForm(A: number[][], x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) s += x[i]! * A[i]![j]! * x[j]!;
  }
  return s;
}

/** @differentiable */
export function product(x: Float64Array): number {
  let p = 1;
  for (const v of x) p *= v;
  return p;
}

/** @differentiable */
export function sumXSinX(x: number[]): number {
  let s = 0;
  let i = 0;
  while (i < x.length) {
    s += xSinX(x[i]!);
    i++;
  }
  return s;
}
`;
}

/** `extension` is what relative imports end with: "" or ".js". */
function mainSource(extension: string): string {
  return `import { checkGrad, derivative, grad, hessian, hvp, jvp, stack, valueAndGrad, vjp } from "tsad";
import gaussian, { scaledSquare, xSinX } from "./lib${extension}";
import * as lib from "./lib${extension}";
import { describeCheck, printJson } from "./plain${extension}";
import { product, quadraticForm, sumXSinX, weightedSquares } from "./vectors${extension}";

/** @differentiable */
function model(x: number, y: number): number {
  return xSinX(x) * y + lib.scaledSquare(x, y) + gaussian(y) + lib.default(x) - lib.xSinX(y);
}

/** @differentiable */
const alongDiagonal = (x: number): number => model(x, 2 * x) + scaledSquare(x, 1);

const x = 0.7;
const y = -1.3;
const [value, pullback] = vjp(model, x, y);

const w = Float64Array.from([0.5, -1, 2]);
const v = Float64Array.from([1.5, 0.25, -0.75]);
const A = [[2, -1, 0.5], [1, 3, -2], [0, 0.5, 1]];
const u = [0.3, -1.1, 2];
const [dW, dV] = grad(weightedSquares, [0, 1])(w, v);
const [dA, dU] = grad(quadraticForm, [0, 1])(A, u);
const dProduct = grad(product)(v);
const outBuffer = new Float64Array(3);
const dVIntoOut = grad(weightedSquares, 1, { out: outBuffer })(w, v);
/** A gradient's kind and entries, as JSON can hold them. */
const entries = (g: Float64Array | number[]) => ({ kind: g.constructor.name, values: Array.from(g) });

printJson({
  model: model(x, y),
  grad: grad(model, [0, 1])(x, y),
  gradY: grad(model, 1)(x, y),
  valueAndGrad: valueAndGrad(xSinX)(x),
  derivative: derivative(alongDiagonal)(x),
  derivativeOfDefault: derivative(gaussian)(y),
  jvp: jvp(model, [x, y], [0.5, -2]),
  vjp: [value, pullback(3)],
  checkGrad: describeCheck(checkGrad(model, [x, y])),
  hessian: [hessian(model)(x, y), hessian(model, 1)(x, y)],
  arrays: {
    weightedSquares: [entries(dW), entries(dV)],
    quadraticForm: [dA.map(entries), entries(dU)],
    product: entries(dProduct),
    stackSize: stack.size,
    sumXSinX: entries(grad(sumXSinX)(u)),
    outIsBuffer: dVIntoOut === outBuffer,
    outValues: Array.from(outBuffer),
    checkGrad: [
      checkGrad(weightedSquares, [w, v]),
      checkGrad(quadraticForm, [A, u]),
      checkGrad(product, [v]),
      checkGrad(sumXSinX, [u]),
    ].map((result) => describeCheck(result)),
    quadraticFormHessian: hessian(quadraticForm, 1)(A, u),
    sumXSinXHvp: hvp(sumXSinX)(u, [1, -2, 0.5]),
  },
});
`;
}

interface Printed {
  readonly model: number;
  readonly grad: [number, number];
  readonly gradY: number;
  readonly valueAndGrad: [number, number];
  readonly derivative: number;
  readonly derivativeOfDefault: number;
  readonly jvp: [number, number];
  readonly vjp: [number, [number, number]];
  readonly checkGrad: string;
  readonly hessian: [number, number];
  readonly arrays: {
    readonly weightedSquares: [Entries, Entries];
    readonly quadraticForm: [Entries[], Entries];
    readonly product: Entries;
    readonly stackSize: number;
    readonly sumXSinX: Entries;
    readonly outIsBuffer: boolean;
    readonly outValues: number[];
    readonly checkGrad: string[];
    readonly quadraticFormHessian: number[][];
    readonly sumXSinXHvp: number[];
  };
}

/** A gradient as main.ts prints it: its constructor's name and entries. */
interface Entries {
  readonly kind: string;
  readonly values: number[];
}

// Hand-derived, from the sources above:
//   model(x, y) = x sin(x) y + (x^2 y + 3y) + e^(-y^2/2) + e^(-x^2/2) - y sin(y)
const xSinX = (x: number) => x * Math.sin(x);
const dxSinX = (x: number) => Math.sin(x) + x * Math.cos(x);
const gaussian = (x: number) => Math.exp((-x * x) / 2);
const dGaussian = (x: number) => -x * Math.exp((-x * x) / 2);
const model = (x: number, y: number) =>
  xSinX(x) * y + (x * x * y + 3 * y) + gaussian(y) + gaussian(x) - xSinX(y);
const modelDx = (x: number, y: number) =>
  dxSinX(x) * y + 2 * x * y + dGaussian(x);
const modelDy = (x: number, y: number) =>
  xSinX(x) + x * x + 3 + dGaussian(y) - dxSinX(y);
// Second derivatives: (x sin x)'' = 2 cos x - x sin x, (e^(-x^2/2))'' = (x^2 - 1) e^(-x^2/2)
const ddxSinX = (x: number) => 2 * Math.cos(x) - x * Math.sin(x);
const ddGaussian = (x: number) => (x * x - 1) * gaussian(x);
const modelDxDx = (x: number, y: number) =>
  ddxSinX(x) * y + 2 * y + ddGaussian(x);
const modelDyDy = (y: number) => ddGaussian(y) - ddxSinX(y);
// alongDiagonal(x) = model(x, 2x) + (x^2 + 3)
const dAlongDiagonal = (x: number) =>
  modelDx(x, 2 * x) + 2 * modelDy(x, 2 * x) + 2 * x;

// The array inputs of main.ts. By hand, from vectorsSource:
//   weightedSquares(w, v) = sum_i w_i v_i^2: d/dw = v^2, d/dv = 2 w v
//   quadraticForm(A, u) = u^T A u:           d/dA = u u^T, d/du = Au + A^T u
//   product(v) = prod_i v_i:                 d/dv_i = prod_{j != i} v_j
//   sumXSinX(u) = sum_i u_i sin(u_i):        d/du_i = sin(u_i) + u_i cos(u_i)
const w = [0.5, -1, 2];
const v = [1.5, 0.25, -0.75];
const A = [
  [2, -1, 0.5],
  [1, 3, -2],
  [0, 0.5, 1],
];
const u = [0.3, -1.1, 2];

/** Same numbers up to rounding: the formulas group operations differently. */
function expectClose(actual: number, expected: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
    1e-12 * Math.max(1, Math.abs(expected)),
  );
}

/** A gradient of the expected kind with the expected entries. */
function expectGradient(actual: Entries, kind: string, expected: number[]) {
  expect(actual.kind).toBe(kind);
  expect(actual.values).toHaveLength(expected.length);
  actual.values.forEach((value, i) => expectClose(value, expected[i]!));
}

const createdDirs: string[] = [];
afterAll(() => {
  for (const dir of createdDirs) fs.rmSync(dir, { recursive: true });
});

describe.each<{ format: ModuleFormat; extension: string }>([
  { format: "commonjs", extension: "" },
  { format: "esm", extension: ".js" },
])("a $format project built with tspc", ({ format, extension }) => {
  let dir: string;
  let build: Run;
  let printed: Printed;

  beforeAll(() => {
    dir = createProject(format, {
      "src/lib.ts": libSource,
      "src/plain.ts": plainSource,
      "src/vectors.ts": vectorsSource(extension),
      "src/main.ts": mainSource(extension),
    });
    createdDirs.push(dir);
    build = runNode([tspc, "-p", ".", "--pretty", "false"], dir);
    const run = runNode(["out/main.js"], dir);
    expect(run.status, run.output).toBe(0);
    printed = JSON.parse(run.output) as Printed;
  }, buildTimeout);

  it("builds without diagnostics", () => {
    expect(build).toEqual({ status: 0, output: "" });
  });

  it("emits the module format asked for", () => {
    const main = fs.readFileSync(path.join(dir, "out/main.js"), "utf8");
    if (format === "esm") expect(main).toMatch(/^import .* from "tsad";$/m);
    else expect(main).toContain('require("tsad")');
  });

  const x = 0.7;
  const y = -1.3;

  it("grad and valueAndGrad match the hand-derived gradient", () => {
    expectClose(printed.model, model(x, y));
    expectClose(printed.grad[0], modelDx(x, y));
    expectClose(printed.grad[1], modelDy(x, y));
    expectClose(printed.gradY, modelDy(x, y));
    expectClose(printed.valueAndGrad[0], xSinX(x));
    expectClose(printed.valueAndGrad[1], dxSinX(x));
  });

  it("compiles the gradients main's grad calls ask for beside the functions, in their modules", () => {
    const vectors = fs.readFileSync(path.join(dir, "out/vectors.js"), "utf8");
    expect(vectors).toContain("function weightedSquares__grad_0_1(");
    expect(vectors).toContain("function weightedSquares__grad_1(");
    expect(vectors).toMatch(/"0,1": weightedSquares__grad_0_1/);
    const lib = fs.readFileSync(path.join(dir, "out/lib.js"), "utf8");
    // valueAndGrad(xSinX): one number, so forward mode.
    expect(lib).toContain("function xSinX__valueAndGrad_0(");
  });

  it("derivative and jvp (forward mode) match the formulas", () => {
    expectClose(printed.derivative, dAlongDiagonal(x));
    expectClose(printed.derivativeOfDefault, dGaussian(y));
    expectClose(printed.jvp[0], model(x, y));
    expectClose(printed.jvp[1], 0.5 * modelDx(x, y) - 2 * modelDy(x, y));
  });

  it("vjp scales the gradient by the cotangent", () => {
    expectClose(printed.vjp[0], model(x, y));
    expectClose(printed.vjp[1][0], 3 * modelDx(x, y));
    expectClose(printed.vjp[1][1], 3 * modelDy(x, y));
  });

  it("checkGrad agrees with finite differences", () => {
    expect(printed.checkGrad).toBe("ok");
  });

  it("grad over Float64Array parameters returns Float64Arrays", () => {
    const [dW, dV] = printed.arrays.weightedSquares;
    expectGradient(
      dW,
      "Float64Array",
      v.map((vi) => vi * vi),
    );
    expectGradient(
      dV,
      "Float64Array",
      v.map((vi, i) => 2 * w[i]! * vi),
    );
    expectGradient(
      printed.arrays.product,
      "Float64Array",
      v.map((_, i) => v.reduce((p, vj, j) => (j === i ? p : p * vj), 1)),
    );
  });

  it("grad over number[][] and number[] returns arrays of the same shape", () => {
    const [dA, dU] = printed.arrays.quadraticForm;
    expect(dA).toHaveLength(u.length);
    dA.forEach((row, i) =>
      expectGradient(
        row,
        "Array",
        u.map((uj) => u[i]! * uj),
      ),
    );
    expectGradient(
      dU,
      "Array",
      u.map((_, i) =>
        u.reduce((s, uj, j) => s + A[i]![j]! * uj + A[j]![i]! * uj, 0),
      ),
    );
  });

  it("calls a marked function from another module inside a loop", () => {
    expectGradient(printed.arrays.sumXSinX, "Array", u.map(dxSinX));
  });

  it("leaves the value stack empty and fills the out buffer", () => {
    expect(printed.arrays.stackSize).toBe(0);
    expect(printed.arrays.outIsBuffer).toBe(true);
    printed.arrays.outValues.forEach((value, i) =>
      expectClose(value, 2 * w[i]! * v[i]!),
    );
  });

  it("hessian and hvp match the hand-derived second derivatives", () => {
    expectClose(printed.hessian[0], modelDxDx(x, y));
    expectClose(printed.hessian[1], modelDyDy(y));
    // quadraticForm(A, u) = u^T A u: d²/du² = A + A^T
    printed.arrays.quadraticFormHessian.forEach((row, i) =>
      row.forEach((h, j) => expectClose(h, A[i]![j]! + A[j]![i]!)),
    );
    // sumXSinX: diagonal, (u_i sin u_i)'' t_i
    const t = [1, -2, 0.5];
    printed.arrays.sumXSinXHvp.forEach((h, i) =>
      expectClose(h, ddxSinX(u[i]!) * t[i]!),
    );
  });

  it("checkGrad agrees with finite differences on the array examples", () => {
    expect(printed.arrays.checkGrad).toEqual(["ok", "ok", "ok", "ok"]);
  });

  it(
    "leaves a file with no marked function byte-identical to plain tsc",
    () => {
      const plainBuild = runNode(
        [tsc, "-p", ".", "--pretty", "false", "--outDir", "out-tsc"],
        dir,
      );
      expect(plainBuild).toEqual({ status: 0, output: "" });
      const read = (outDir: string, file: string) =>
        fs.readFileSync(path.join(dir, outDir, file), "utf8");
      for (const file of ["plain.js", "plain.d.ts", "plain.js.map"]) {
        expect(read("out", file), file).toBe(read("out-tsc", file));
      }
      // The plugin did run: the marked module is not what tsc emits.
      expect(read("out", "lib.js")).not.toBe(read("out-tsc", "lib.js"));
    },
    buildTimeout,
  );
});

/**
 * A module that imports marked functions and exports them again, in every
 * form: its emitted code must export their derivatives too, or callers
 * through it fail at run time (`reexports_1.square__jvp is not a function`).
 */
function reexportSources(extension: string): Record<string, string> {
  return {
    "src/lib.ts": `/** @differentiable */
export function square(x: number): number {
  return x * x;
}

/** @differentiable */
export default function cube(x: number): number {
  return x * x * x;
}
`,
    "src/reexports.ts": `import cube, { square } from "./lib${extension}";
export { square };
export { square as sq };
export { cube as third };
export default square;
export * as lib from "./lib${extension}";
`,
    "src/main.ts": `import { derivative, grad } from "tsad";
import twice, { lib, sq, square, third } from "./reexports${extension}";

/** @differentiable */
function f(x: number): number {
  return square(x) + 2 * sq(x) + third(x) + twice(x) + lib.square(x) + lib.default(x);
}

console.log(JSON.stringify([derivative(f)(1.5), grad(f)(1.5)]));
`,
  };
}

describe.each<{ format: ModuleFormat; extension: string }>([
  { format: "commonjs", extension: "" },
  { format: "esm", extension: ".js" },
])(
  "a $format project calling through a module that imports and exports marked functions",
  ({ format, extension }) => {
    let build: Run;
    let run: Run;

    beforeAll(() => {
      const dir = createProject(format, reexportSources(extension));
      createdDirs.push(dir);
      build = runNode([tspc, "-p", ".", "--pretty", "false"], dir);
      run = runNode(["out/main.js"], dir);
    }, buildTimeout);

    it("builds, and both modes give the derivative", () => {
      expect(build).toEqual({ status: 0, output: "" });
      expect(run.status, run.output).toBe(0);
      // f = 5 x^2 + 2 x^3: f'(1.5) = 10 * 1.5 + 6 * 1.5^2
      const expected = 10 * 1.5 + 6 * 1.5 * 1.5;
      const [forward, reverse] = JSON.parse(run.output) as [number, number];
      expectClose(forward, expected);
      expectClose(reverse, expected);
    });
  },
);

describe("an ES module re-exporting a marked function that gets no derivatives", () => {
  let build: Run;
  let run: Run;

  beforeAll(() => {
    const dir = createProject("esm", {
      "src/lib.ts": `/** @differentiable */
export function noisy(x: number): number {
  return x * Math.random();
}

/** @differentiable */
export function square(x: number): number {
  return x * x;
}
`,
      // Its own marked function gets none either (review 77: the file
      // then lost the re-exports of the others').
      "src/reexports.ts": `export { noisy, square } from "./lib.js";

/** @differentiable */
export function alsoNoisy(x: number): number {
  return x * Math.random();
}
`,
      // ... or one hides a global generated code needs (review 79).
      "src/shadowing.ts": `export { square } from "./lib.js";

const TypeError = 1;

/** @differentiable */
export function scaled(x: number): number {
  return TypeError * x;
}
`,
      "src/main.ts": `import { grad } from "tsad";
import { square } from "./reexports.js";
import { square as same } from "./shadowing.js";

/** @differentiable */
function twice(x: number): number {
  return square(x) + same(x);
}

console.log(JSON.stringify([grad(square)(1.5), grad(twice)(1.5)]));
`,
    });
    createdDirs.push(dir);
    build = runNode([tspc, "-p", ".", "--pretty", "false"], dir);
    run = runNode(["out/main.js"], dir);
  }, buildTimeout);

  it("re-exports only the derivatives there are, so the rest still loads", () => {
    expect(build.status).not.toBe(0);
    expect(build.output).toContain("error TS96002:");
    // An export of `noisy__jvp`, which lib.js lacks, failed to link.
    expect(run.output).toBe("[3,6]\n");
  });
});

describe("a CommonJS module's marked export stubbed after the build", () => {
  let build: Run;
  let run: Run;

  beforeAll(() => {
    const dir = createProject("commonjs", {
      "src/lib.ts": `/** @differentiable */
export function cube(x: number): number {
  return x * x * x;
}
`,
      "src/model.ts": `import { cube } from "./lib";

/** @differentiable */
function twice(x: number): number {
  return 2 * cube(x);
}

/** @differentiable */
export function model(x: number): number {
  return twice(x) + x;
}
`,
      // What \`sinon.stub(lib, "cube")\` does to the module object.
      "src/main.ts": `import { grad, TsadError } from "tsad";
import * as lib from "./lib";
import { model } from "./model";

const before = grad(model)(2);
(lib as { cube: (x: number) => number }).cube = (x) => 5 * x;
let after: string;
try {
  after = String(grad(model)(2));
} catch (error) {
  after = error instanceof TsadError ? error.message : String(error);
}
console.log(JSON.stringify({ before, value: model(2), after }));
`,
    });
    createdDirs.push(dir);
    build = runNode([tspc, "-p", ".", "--pretty", "false"], dir);
    run = runNode(["out/main.js"], dir);
  }, buildTimeout);

  it("differentiates through the export, then refuses the stubbed one", () => {
    expect(build).toEqual({ status: 0, output: "" });
    expect(run.status, run.output).toBe(0);
    const printed = JSON.parse(run.output) as Record<string, unknown>;
    // model(x) = 2 x^3 + x: 6 x^2 + 1; with the stub, 10 x + x.
    expect(printed.before).toBe(25);
    expect(printed.value).toBe(22);
    expect(printed.after).toMatch(
      /^twice calls 'cube' of another module, which has been replaced since tsad compiled it/,
    );
  });
});

describe("a marked function calling an unmarked one", () => {
  const source = `import { stopGradient } from "tsad";

function square(x: number): number {
  return x * x;
}

/** @differentiable */
export function f(x: number): number {
  return square(3) * x + square(stopGradient(x)) + square(x);
}
`;
  let build: Run;

  beforeAll(() => {
    const dir = createProject("commonjs", { "src/main.ts": source });
    createdDirs.push(dir);
    build = runNode([tspc, "-p", ".", "--pretty", "false"], dir);
  }, buildTimeout);

  it("fails the build with TS96001 at the call with an active argument", () => {
    expect(build.status).not.toBe(0);
    const at = positionOf(source, "square(x);");
    expect(build.output).toContain(`src/main.ts${at}: error TS96001:`);
    expect(build.output).toContain("stopGradient");
  });

  it("accepts the calls whose arguments are inactive", () => {
    expect(build.output.match(/error TS/g)).toHaveLength(1);
  });
});
