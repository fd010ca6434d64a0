/**
 * Every folder under fixtures/ is a case: `input.ts` (plus any modules it
 * imports) and `output.ts`, the transformed TypeScript as prettier formats
 * it; under fixtures/errors/, `errors.txt` instead: the diagnostics, with
 * no derivatives emitted for the functions they name. A case is checked
 * twice:
 * - the code: the output must match the snapshot (refresh with
 *   `npm run fixtures`, then read every change);
 * - the numbers: every exported marked function is compiled, run, and its
 *   reverse-mode gradient, forward-mode tangents and central finite
 *   differences must agree at several seeded points. An optional
 *   `check.ts` (see support/fixture-check.ts) narrows the points for
 *   functions defined on part of the line, or gives a hand-derived
 *   gradient where finite differences do not apply.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import {
  grad,
  hessian,
  jvp,
  stack,
  valueAndGrad,
  vjp,
} from "../runtime/index.js";
import { lookupCompiled, type ValueKind } from "../runtime/registry.js";
import {
  diagnosticsOf,
  emitTo,
  formatDiagnostic,
  repoRoot,
  transformedSource,
} from "./support/compile.js";
import type { FixtureCheck } from "./support/fixture-check.js";
import { centralDifference, close, seededRandom } from "./support/numeric.js";

const fixturesRoot = path.join(repoRoot, "fixtures");
const POINTS = 5;
/**
 * Each case compiles a TypeScript program (the runtime's sources too, for
 * a fixture that imports it): seconds on a loaded machine.
 */
const COMPILE_TIMEOUT = 30_000;

const count = (text: string, part: string) => text.split(part).length - 1;

function fixtureDirs(dir: string): string[] {
  if (fs.existsSync(path.join(dir, "input.ts"))) return [dir];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => fixtureDirs(path.join(dir, entry.name)));
}

const errorsRoot = path.join(fixturesRoot, "errors");

for (const dir of fixtureDirs(errorsRoot)) {
  const name = path.relative(fixturesRoot, dir);
  it(`${name} is reported, with no derivatives emitted`, async () => {
    const input = path.join(dir, "input.ts");
    // A case may build with options of its own (`incremental`).
    const optionsFile = path.join(dir, "options.json");
    const options: ts.CompilerOptions = fs.existsSync(optionsFile)
      ? JSON.parse(fs.readFileSync(optionsFile, "utf8"))
      : {};
    const { code, diagnostics } = await transformedSource(
      [input],
      input,
      options,
    );
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics) {
      expect(d.code, formatDiagnostic(d)).toBeGreaterThanOrEqual(96000);
      expect(d.code).toBeLessThan(97000);
      expect(d.category).toBe(ts.DiagnosticCategory.Error);
      // Derivatives of the function named are neither emitted nor registered
      // (a misplaced tag names none).
      const fn = /when differentiating '(\w+)'/.exec(formatDiagnostic(d))?.[1];
      if (fn === undefined) continue;
      const source = fs.readFileSync(input, "utf8");
      for (const variant of ["__jvp", "__vjp"]) {
        expect(count(code, fn + variant)).toBe(count(source, fn + variant));
      }
      expect(code).not.toContain(`registerCompiled(${fn},`);
    }
    await expect(
      diagnostics.map(formatDiagnostic).join("\n") + "\n",
    ).toMatchFileSnapshot(path.join(dir, "errors.txt"));
  });
}

/**
 * Every other case's numbers run code emitted for ES2017, for which
 * TypeScript writes `?.`, `??` and the rest of what came later out as
 * older JavaScript; the others' for ES2022, tsad's code as it is. (ES2015's
 * `Math.pow` for `**` would call a parameter named `Math`, in
 * scalar/regression-shadowed-math, as it does without tsad.)
 */
const targets = [ts.ScriptTarget.ES2022, ts.ScriptTarget.ES2017];

for (const [index, dir] of fixtureDirs(fixturesRoot)
  .filter((d) => !d.startsWith(errorsRoot))
  .entries()) {
  const name = path.relative(fixturesRoot, dir);
  const target = targets[index % targets.length];
  const input = path.join(dir, "input.ts");
  const sources = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "output.ts" && f !== "check.ts")
    .map((f) => path.join(dir, f));

  describe(name, () => {
    it(
      "generates the expected code",
      async () => {
        const { code, diagnostics } = await transformedSource(sources, input);
        expect(diagnostics.map(formatDiagnostic)).toEqual([]);
        await expect(code).toMatchFileSnapshot(path.join(dir, "output.ts"));
      },
      COMPILE_TIMEOUT,
    );

    it(
      "agrees with finite differences in both modes",
      async () => {
        const outDir = path.join(repoRoot, ".tmp/fixtures", name);
        const diagnostics = emitTo(sources, outDir, { target });
        expect(diagnostics.map(formatDiagnostic)).toEqual([]);
        const module: Record<string, unknown> = await import(
          pathToFileURL(path.join(outDir, "input.js")).href
        );
        const checkFile = path.join(dir, "check.ts");
        const check: FixtureCheck = fs.existsSync(checkFile)
          ? (await import(pathToFileURL(checkFile).href)).check
          : {};
        const marked = Object.entries(module).filter(
          (entry): entry is [string, (...args: Arg[]) => number] =>
            typeof entry[1] === "function" &&
            lookupCompiled(entry[1]) !== undefined,
        );
        expect(marked.length).toBeGreaterThan(0);
        const random = seededRandom(name.length * 7919);
        for (const [fnName, f] of marked) {
          checkFunction(fnName, f, check, random);
          // Each adjoint pops what its forward sweep pushed, no more.
          expect(stack.size, fnName).toBe(0);
        }
      },
      COMPILE_TIMEOUT,
    );
  });
}

/**
 * Node programs have `@types/node`, whose declaration files restate
 * standard interfaces (`interface Array<T> extends RelativeIndexable<T>
 * {}`) and type `console`: tsad must take every case as it does without
 * them (it gave 33 false TS96018s). One program holds all the cases but
 * one, whose changes to globals (`loops/unrelated-getters-and-patches`)
 * would concern the others.
 */
it(
  "compiles every case with @types/node in the program",
  () => {
    const inputs = fixtureDirs(fixturesRoot)
      .filter(
        (d) =>
          !d.startsWith(errorsRoot) &&
          !d.endsWith("unrelated-getters-and-patches"),
      )
      .map((d) => path.join(d, "input.ts"));
    const diagnostics = diagnosticsOf(inputs, { types: ["node"] });
    expect(diagnostics.map(formatDiagnostic)).toEqual([]);
  },
  4 * COMPILE_TIMEOUT,
);

/** The API seen without its precise types: the fixtures are only known at run time. */
const untyped = { grad, jvp, valueAndGrad, vjp } as unknown as {
  grad: (
    f: Function,
    argnums: number | number[],
    options?: { out: unknown },
  ) => (...args: Arg[]) => Arg[];
  valueAndGrad: (
    f: Function,
    argnums: number | number[],
    options?: { out: unknown },
  ) => (...args: Arg[]) => [number, Arg | Arg[]];
  jvp: (f: Function, primals: Arg[], tangents: Arg[]) => [Arg, Arg];
  vjp: (f: Function, ...primals: Arg[]) => [Arg, (cotangent: Arg) => Arg[]];
};

type Arg =
  number | number[] | Float64Array | Float32Array | number[][] | string;
type Kind = ValueKind;
/** Arrays in one call share a length, matrices are square. */
const LENGTHS = [3, 5, 4, 1, 6];

function makeArg(
  kind: Kind,
  [lo, hi]: [number, number],
  length: number,
  random: () => number,
): Arg {
  const draw = () => lo + (hi - lo) * random();
  const vector = () => Array.from({ length }, draw);
  switch (kind) {
    case "number":
      return draw();
    case "array":
      return vector();
    case "float64":
      return Float64Array.from(vector());
    case "float32":
      return Float32Array.from(vector());
    case "matrix":
      return Array.from({ length }, vector);
    case "none":
      // Parameters that are not differentiable get a string, as a label would.
      return "label";
  }
}

/** The numbers in an argument or gradient, row-major. */
function flatten(value: Arg): number[] {
  if (typeof value === "number") return [value];
  if (typeof value === "string") return [];
  return Array.from(value as ArrayLike<number | number[]>).flatMap((v) =>
    typeof v === "number" ? [v] : [...v],
  );
}

/**
 * A result's numbers, a hole in it (`t[2] = v` of an empty `t`) as 0,
 * which its derivatives are.
 */
function flattenResult(value: Arg): number[] {
  if (typeof value === "number" || typeof value === "string")
    return flatten(value);
  return flatten(Array.from(value as ArrayLike<number>, (v) => v ?? 0));
}

/** A copy of `arg` with its `e`-th number replaced (`f` of the old value). */
function withElement(arg: Arg, e: number, f: (v: number) => number): Arg {
  if (typeof arg === "number") return f(arg);
  if (Array.isArray(arg) && Array.isArray(arg[0])) {
    const rows = (arg as number[][]).map((row) => [...row]);
    const width = rows[0]!.length;
    const row = rows[Math.floor(e / width)]!;
    row[e % width] = f(row[e % width]!);
    return rows;
  }
  const copy = (arg as number[] | Float64Array | Float32Array).slice();
  copy[e] = f(copy[e]!);
  return copy;
}

function checkFunction(
  fnName: string,
  f: (...args: Arg[]) => number,
  check: FixtureCheck,
  random: () => number,
) {
  const domain = check.domains?.[fnName];
  const expected = check.gradients?.[fnName];
  const kinds = lookupCompiled(f)!.params;
  const active = kinds.flatMap((k, i) => (k !== "none" ? [i] : []));
  for (let p = 0; p < POINTS; p++) {
    const length = check.lengths?.[fnName] ?? LENGTHS[p % LENGTHS.length]!;
    const data = check.data?.[fnName]?.(() =>
      Array.from({ length }, () => 4 * random() - 2),
    );
    const args = kinds.map(
      (kind, i) =>
        (data?.[i] as Arg | undefined) ??
        makeArg(kind, domain?.[i] ?? [-2, 2], length, random),
    );
    // Data (a label, records) as it is; numbers flat.
    const where = `${fnName}(${args.map((a, i) => JSON.stringify(kinds[i] === "none" ? a : flatten(a))).join(", ")})`;
    // A vector result is checked through <c, f(x)> for a random c.
    const output = f(...args) as Arg;
    const cotangent: Arg =
      typeof output === "number"
        ? 1
        : flattenResult(output).reduce<Arg>(
            (c, _, k) => withElement(c, k, () => random() - 0.5),
            output,
          );
    const project = (y: Arg) =>
      flattenResult(y).reduce(
        (sum, v, k) => sum + v * flatten(cotangent)[k]!,
        0,
      );
    const gradient =
      typeof output === "number"
        ? untyped.grad(f, active)(...args)
        : active.map((i) => untyped.vjp(f, ...args)[1](cotangent)[i]!);
    const hand = expected?.(...args);
    active.forEach((argnum, j) => {
      const reverse = flatten(gradient[j]!);
      const elements = flatten(args[argnum]!).length;
      expect(
        reverse.length,
        `gradient size for argument ${argnum} of ${where}`,
      ).toBe(elements);
      // Float32 inputs or outputs round to about 1e-7: finite differences
      // over them are good to about 1e-3.
      const float32 =
        kinds[argnum] === "float32" || output instanceof Float32Array;
      const single = float32 ? 1e-3 : 1e-6;
      for (let e = 0; e < elements; e++) {
        const tangents = args.map((arg, i) =>
          i === argnum ? oneHot(arg, e) : zeroLike(arg),
        );
        const [value, tangentOut] = untyped.jvp(f, args, tangents);
        expect(value, `value of ${where}`).toEqual(f(...args));
        const forward = project(tangentOut);
        const label = `argument ${argnum}, element ${e} of ${where}`;
        expect(
          // A Float32Array's adjoint is a Float32Array: float32 rounding.
          close(
            forward,
            reverse[e]!,
            kinds.includes("float32") ? 1e-6 : 1e-10,
            1e-12,
          ),
          `forward ${forward} vs reverse ${reverse[e]} for ${label}`,
        ).toBe(true);
        const independent = hand
          ? flatten(hand[argnum] as Arg)[e]!
          : centralDifference(
              (v) =>
                project(
                  f(
                    ...args.map((arg, i) =>
                      i === argnum ? withElement(arg, e, () => v) : arg,
                    ),
                  ) as Arg,
                ),
              flatten(args[argnum]!)[e]!,
              kinds[argnum] === "float32",
            );
        expect(
          close(reverse[e]!, independent, single, 1e-7),
          `reverse ${reverse[e]} vs ${hand ? "hand-derived" : "finite differences"} ${independent} for ${label}`,
        ).toBe(true);
      }
    });
    if (typeof output === "number") {
      checkCompiledGradients(f, args, where);
      checkSecondOrder(f, args, active, where, random);
    }
  }
}

/**
 * Where the fixture asks for second derivatives (`hessian(f)`): for a
 * random direction `v` in each parameter, the adjoints of the primals that
 * `f__tangent__vjp` returns (H v, a column of each block) agree with
 * central differences of the reverse-mode gradient along `v`, its
 * adjoints of the tangents are the gradient, and its value is `jvp`'s
 * tangent; `hessian` is symmetric.
 */
function checkSecondOrder(
  f: (...args: Arg[]) => number,
  args: Arg[],
  active: readonly number[],
  where: string,
  random: () => number,
) {
  const entry = lookupCompiled(f)!;
  if (!entry.tangentVjp) return;
  const gradientAt = (at: Arg[]) => untyped.grad(f, [...active])(...at);
  const gradient = gradientAt(args);
  for (const argnum of active) {
    const v = withAll(args[argnum]!, () => random() - 0.5);
    const tangents = args.map((arg, i) => (i === argnum ? v : zeroLike(arg)));
    const out = entry.tangentVjp(...args, ...tangents, 1) as Arg[];
    const label = `direction ${JSON.stringify(flatten(v))} in argument ${argnum} of ${where}`;
    const [, tangentOut] = untyped.jvp(f, args, tangents);
    expect(
      close(out[0] as number, tangentOut as number, 1e-10, 1e-12),
      `tangent ${out[0]} vs jvp's ${tangentOut} along ${label}`,
    ).toBe(true);
    const float32 = entry.params.includes("float32");
    const along = (s: number) =>
      gradientAt(args.map((arg, i) => (i === argnum ? step(arg, s, v) : arg)));
    active.forEach((i, j) => {
      const adjointOfTangent = flatten(out[1 + args.length + i]!);
      flatten(gradient[j]!).forEach((g, e) =>
        expect(
          close(adjointOfTangent[e]!, g, 1e-10, 1e-12),
          `adjoint of tangent ${i} element ${e}: ${adjointOfTangent[e]} vs the gradient ${g}, along ${label}`,
        ).toBe(true),
      );
      flatten(out[1 + i]!).forEach((hv, e) => {
        const difference = centralDifference(
          (s) => flatten(along(s)[j]!)[e]!,
          0,
          float32,
        );
        expect(
          close(hv, difference, float32 ? 1e-2 : 1e-5, 1e-6),
          `(H v)[${i}][${e}] ${hv} vs finite differences of the gradient ${difference}, along ${label}`,
        ).toBe(true);
      });
    });
  }
  // The blocks of every parameter at once: each diagonal one is that
  // parameter's Hessian, and H[j][i] is H[i][j] transposed.
  const untypedHessian = hessian as unknown as (
    f: Function,
    argnums: number | number[],
  ) => (...args: Arg[]) => unknown;
  const rows = (block: unknown) =>
    typeof block === "number" ? [[block]] : (block as number[][]);
  const blocks = (untypedHessian(f, [...active])(...args) as unknown[][]).map(
    (row) => row.map(rows),
  );
  active.forEach((argnum, i) => {
    const alone = rows(untypedHessian(f, argnum)(...args));
    expect(blocks[i]![i], `hessian of argument ${argnum} at ${where}`).toEqual(
      alone,
    );
    active.forEach((other, j) =>
      blocks[i]![j]!.forEach((row, r) =>
        row.forEach((h, c) =>
          expect(
            close(h, blocks[j]![i]![c]![r]!, 1e-8, 1e-10),
            `hessian block (${argnum}, ${other}) at ${where}: [${r}][${c}] ${h} vs block (${other}, ${argnum}) [${c}][${r}] ${blocks[j]![i]![c]![r]}`,
          ).toBe(true),
        ),
      ),
    );
  });
}

/** `arg + s v`, element by element: a new value. */
function step(arg: Arg, s: number, v: Arg): Arg {
  const direction = flatten(v);
  return flatten(arg).reduce<Arg>(
    (moved, _, e) => withElement(moved, e, (x) => x + s * direction[e]!),
    arg,
  );
}

/**
 * The gradient-only adjoints compiled for the `grad` / `valueAndGrad`
 * calls in the fixture agree with `f__vjp`'s adjoints (up to the order
 * of additions), fresh and into `{ out }` buffers holding garbage, and
 * `valueAndGrad`'s value is exactly `f`'s.
 */
function checkCompiledGradients(
  f: (...args: Arg[]) => number,
  args: Arg[],
  where: string,
) {
  const entry = lookupCompiled(f)!;
  const adjoints = untyped.vjp(f, ...args)[1](1);
  const tables = [
    ["grad", entry.grad],
    ["valueAndGrad", entry.valueAndGrad],
  ] as const;
  for (const [api, table] of tables) {
    for (const key of Object.keys(table ?? {})) {
      const argnums = key.split(",").map(Number);
      const requests: (number | number[])[] =
        argnums.length === 1 ? [argnums[0]!, argnums] : [argnums];
      for (const request of requests) {
        const list = typeof request !== "number";
        const out = argnums.map((i) =>
          entry.params[i] === "number"
            ? undefined
            : withAll(adjoints[i]!, () => 7),
        );
        const options = { out: list ? out : out[0] };
        for (const [how, opts] of [
          ["fresh", undefined],
          ["{ out }", options],
        ] as const) {
          if (opts && out.every((b) => b === undefined)) continue;
          const label = `${api}(f, ${JSON.stringify(request)}) ${how} at ${where}`;
          let gradient: Arg | Arg[];
          if (api === "grad") {
            gradient = untyped.grad(f, request, opts)(...args);
          } else {
            const [value, g] = untyped.valueAndGrad(f, request, opts)(...args);
            expect(value, `value of ${label}`).toBe(f(...args));
            gradient = g;
          }
          const parts = (list ? gradient : [gradient]) as Arg[];
          expect(parts.length, label).toBe(argnums.length);
          argnums.forEach((i, k) => {
            if (opts && out[k] !== undefined) {
              expect(parts[k], `${label}: the buffer`).toBe(out[k]);
            }
            const expected = flatten(adjoints[i]!);
            const actual = flatten(parts[k]!);
            expect(actual.length, label).toBe(expected.length);
            actual.forEach((v, e) =>
              expect(
                close(v, expected[e]!, 1e-10, 1e-12),
                `${label}, argument ${i} element ${e}: ${v} vs f__vjp's ${expected[e]}`,
              ).toBe(true),
            );
          });
        }
      }
    }
  }
}

/** A copy of `arg` with every number replaced by `f()`. */
function withAll(arg: Arg, f: () => number): Arg {
  return flatten(arg).reduce<Arg>((copy, _, e) => withElement(copy, e, f), arg);
}

/** A tangent that is 1 at element `e` of `arg` and 0 elsewhere. */
function oneHot(arg: Arg, e: number): Arg {
  return withElement(zeroLike(arg), e, () => 1);
}

/** Zeros shaped like `arg`; no tangent (`undefined`) for data. */
function zeroLike(arg: Arg): Arg {
  if (typeof arg === "number") return 0;
  if (!holdsNumbers(arg)) return undefined as unknown as Arg;
  return flatten(arg).reduce<Arg>(
    (zeros, _, e) => withElement(zeros, e, () => 0),
    arg,
  );
}

/** A vector or matrix of numbers, not data (a label, records). */
function holdsNumbers(arg: unknown): boolean {
  if (ArrayBuffer.isView(arg)) return true;
  if (!Array.isArray(arg)) return false;
  return arg.every(
    (v) =>
      typeof v === "number" ||
      (Array.isArray(v) && v.every((e) => typeof e === "number")),
  );
}
