/**
 * The numeric checks of one compiled function, at a few random points
 * (random-programs.test.ts). A vector result is contracted with random
 * weights w (a number result: w = 1), g(x) = <w, f(x)>:
 * - the Jacobian by forward mode (`jvp` with a unit tangent per scalar and
 *   per array or matrix element; matrices are drawn rectangular, row by
 *   row the order of the runtime's `jacobian`) equals the Jacobian by reverse mode (`grad`; for a
 *   vector result `vjp` with a unit cotangent per element) and the
 *   runtime's `jacobian` (tight tolerance), and `jvp`'s value equals `f`'s;
 * - the gradient of g (`vjp` with cotangent w) equals central finite
 *   differences of g (looser tolerance), at points where finite
 *   differences with steps h and h/10 agree and g(x) is the mean of
 *   g(x - h) and g(x + h); elsewhere the point is near a kink (a branch,
 *   floor, abs, `%`) and is drawn again;
 * - the dot-product identity <J t, c> = <t, J^T c> for a random tangent t
 *   (jvp) and cotangent c (vjp), and the compiled adjoint's value equals
 *   `f`'s;
 * - no derivative code writes into the arguments, tangents or cotangents
 *   it is given;
 * - where second derivatives were compiled (program-batch.ts asks for
 *   them), the Hessian times a random t (`f__tangent__vjp`) equals central
 *   differences of the reverse-mode gradient along t, at points where the
 *   gradient has no kink (differences with steps h and h/10 agree), and
 *   the same call's tangent and adjoints of the tangents are `jvp`'s
 *   tangent and the gradient.
 * Whether a point is used is decided from `f` alone, never from the
 * derivatives being checked.
 */
import { grad, jacobian, jvp, vjp } from "../../runtime/index.js";
import {
  lookupCompiled,
  type CompiledDerivatives,
  type ValueKind,
} from "../../runtime/registry.js";
import { close } from "./numeric.js";
import { INPUT_BOUND, MAX_LENGTH } from "./program-expressions.js";

type Arg = number | number[] | Float64Array | number[][];
/** A value made of numbers in order: a number, a vector or a matrix's rows. */
type Vector = number[] | Float64Array;
type Fn = (...args: Arg[]) => Arg;

/** The API seen without its precise types: the programs are only known at run time. */
const untyped = { grad, jacobian, jvp, vjp } as unknown as {
  grad: (f: Fn, argnums: number[]) => (...args: Arg[]) => Arg[];
  jacobian: (f: Fn, argnums: number) => (...args: Arg[]) => number[][];
  jvp: (f: Fn, primals: Arg[], tangents: Arg[]) => [Arg, Arg];
  vjp: (f: Fn, ...primals: Arg[]) => [Arg, (cotangent: Arg) => Arg[]];
};

/** Points checked per function. */
const POINTS = 3;
/** Points drawn per function before giving up on finding smooth ones. */
const ATTEMPTS = 12;
const FORWARD_REVERSE_RTOL = 1e-9;
const FINITE_DIFFERENCE_RTOL = 1e-5;
/** Finite differences with h and h/10 further apart than this: a kink. */
const KINK_RTOL = 1e-4;

export interface PointCounts {
  /** Points where every check ran. */
  readonly checked: number;
  /** Of those, points where second derivatives were checked too. */
  readonly secondOrder: number;
  /** Points drawn again: `f` not finite there, or a kink nearby. */
  readonly skipped: number;
  /** Points drawn again where `f` threw, as each derivative did too. */
  readonly threw: number;
  /** Whether the result is an array. */
  readonly vector: boolean;
}

/** A failed check, with what to print about it. */
export class CheckFailure extends Error {}

/**
 * One number among the arguments: parameter `argnum`, element `element`
 * of an array, or of row `row` of a matrix; `flat` counts the numbers of
 * the parameter row by row, as the runtime's `jacobian` does.
 */
interface Component {
  readonly argnum: number;
  readonly row: number | null;
  readonly element: number | null;
  readonly flat: number;
}

/**
 * Runs every check on `f` (exported as `name`) at points drawn with
 * `random`; throws CheckFailure on the first failed one.
 */
export function checkFunction(
  name: string,
  f: Fn,
  random: () => number,
): PointCounts {
  const entry = lookupCompiled(f);
  if (entry === undefined) {
    throw new CheckFailure(`${name} was not registered with the runtime`);
  }
  const kinds = entry.params;
  const active = kinds.flatMap((kind, i) => (kind !== "none" ? [i] : []));
  const result = entry.result;
  let checked = 0;
  let skipped = 0;
  let secondOrder = 0;
  let threw = 0;
  for (let k = 0; k < ATTEMPTS && checked < POINTS; k++) {
    const length = 1 + Math.floor(random() * MAX_LENGTH);
    // A matrix parameter's rows all have this many elements.
    const width = 1 + Math.floor(random() * MAX_LENGTH);
    const args = kinds.map((kind) => drawArg(kind, length, width, random));
    // Each point's checks may run LOOP_LIMIT iterations (program-batch.ts).
    (globalThis as { tsadLoopGuard?: number }).tsadLoopGuard = 0;
    const point = checkPoint(name, f, args, active, result, random);
    if (point === "skipped") skipped++;
    else if (point === "threw") threw++;
    else checked++;
    if (point === "second order too") secondOrder++;
  }
  return { checked, skipped, threw, secondOrder, vector: result !== "number" };
}

function drawArg(
  kind: ValueKind,
  length: number,
  width: number,
  random: () => number,
): Arg {
  const draw = () => INPUT_BOUND * (2 * random() - 1);
  switch (kind) {
    case "number":
      return draw();
    case "array":
      return Array.from({ length }, draw);
    case "float64":
      return Float64Array.from({ length }, draw);
    case "matrix":
      return Array.from({ length }, () => Array.from({ length: width }, draw));
    default:
      throw new CheckFailure(`a parameter of kind "${kind}" is not generated`);
  }
}

const isMatrix = (value: Arg): value is number[][] =>
  Array.isArray(value) && value.length > 0 && Array.isArray(value[0]);

/** A copy of an array or matrix (rows copied too). */
function copyOf(value: Vector | number[][]): Vector | number[][] {
  return isMatrix(value) ? value.map((row) => row.slice()) : value.slice();
}

function componentsOf(args: readonly Arg[], active: readonly number[]) {
  return active.flatMap((argnum): Component[] => {
    const arg = args[argnum]!;
    if (typeof arg === "number") {
      return [{ argnum, row: null, element: null, flat: 0 }];
    }
    if (!isMatrix(arg)) {
      return Array.from(arg, (_, element) => ({
        argnum,
        row: null,
        element,
        flat: element,
      }));
    }
    let flat = 0;
    return arg.flatMap((r, row) =>
      r.map((_, element) => ({ argnum, row, element, flat: flat++ })),
    );
  });
}

/** `args` with one component replaced; arrays are copied. */
function withComponent(args: readonly Arg[], c: Component, value: number) {
  return args.map((arg, i) => {
    if (i !== c.argnum) return arg;
    if (typeof arg === "number") return value;
    const copy = copyOf(arg);
    if (isMatrix(copy)) copy[c.row!]![c.element!] = value;
    else copy[c.element!] = value;
    return copy;
  });
}

/** Component `c` of an argument, or of an adjoint shaped like one. */
function entryOf(arg: Arg, c: Component): number {
  if (typeof arg === "number") return arg;
  return isMatrix(arg) ? arg[c.row!]![c.element!]! : arg[c.element!]!;
}

function componentOf(args: readonly Arg[], c: Component): number {
  return entryOf(args[c.argnum]!, c);
}

/** Zeros shaped like `arg`. */
function zerosLike(arg: Arg): Arg {
  if (typeof arg === "number") return 0;
  return isMatrix(arg) ? arg.map((row) => row.map(() => 0)) : arg.map(() => 0);
}

/** Tangents shaped like `args`, component `c` of them `t(c)`. */
function tangentsFor(
  args: readonly Arg[],
  components: readonly Component[],
  t: (c: Component, k: number) => number,
): Arg[] {
  let tangents = args.map(zerosLike);
  components.forEach((c, k) => {
    tangents = withComponent(tangents, c, t(c, k));
  });
  return tangents;
}

/** The gradient, or cotangents, of the components, flattened. */
function flattenAdjoints(
  adjoints: readonly Arg[],
  active: readonly number[],
  components: readonly Component[],
): number[] {
  return components.map((c) => {
    return entryOf(adjoints[active.indexOf(c.argnum)]!, c);
  });
}

function centralDifference(
  f: (...args: Arg[]) => number,
  args: readonly Arg[],
  c: Component,
  step: number,
): number {
  return centralSteps(f, args, c, step).slope;
}

/** The central difference, the mean of the two values it takes, and its step. */
function centralSteps(
  f: (...args: Arg[]) => number,
  args: readonly Arg[],
  c: Component,
  step: number,
): { slope: number; mean: number; step: number } {
  const x = componentOf(args, c);
  const h = step * Math.max(1, Math.abs(x));
  const above = x + h;
  const below = x - h;
  const high = f(...withComponent(args, c, above));
  const low = f(...withComponent(args, c, below));
  return {
    slope: (high - low) / (above - below),
    mean: (high + low) / 2,
    step: (above - below) / 2,
  };
}

/**
 * Whether differences at steps far below 1e-6 show `derivative` where
 * those at 1e-6 see `coarse`: a bounded term oscillating faster than the
 * step (`atan(sin(u))`, u in the billions) adds nothing to a difference
 * across many periods, yet its derivative is the function's (seed 48:
 * 2.29e10 by both modes; 7.80e9 at steps 1e-6 to 1e-9, 2.29e10 at 1e-12).
 * A wrong derivative of a function smooth at that scale does not agree
 * with a difference at any step it can be seen at.
 */
function resolvedFiner(
  f: (...args: Arg[]) => number,
  args: readonly Arg[],
  c: Component,
  derivative: number,
  coarse: number,
): boolean {
  const x = componentOf(args, c);
  const value = Math.abs(f(...args));
  return [1e-10, 1e-11, 1e-12].some((step) => {
    // What rounding f's values alone can make of a difference at this
    // step: a derivative below that (0 included) is not seen there
    // (review round 48: a derivative wrongly 0 of 2e4 + x / 2 passed).
    const resolution =
      (value * Number.EPSILON) / (step * Math.max(1, Math.abs(x)));
    const fine = centralDifference(f, args, c, step);
    return (
      Math.abs(derivative) > 100 * resolution &&
      close(fine, derivative, 1e-2, 0) &&
      !close(fine, coarse, 1e-1, 0)
    );
  });
}

/**
 * How far f's values scatter by rounding around a smooth curve, from
 * second differences 1e-9 to 3e-9 of `c` apart: the most a value may be
 * off. (Closer, the scatter of seed 41's programs does not show: its
 * values are flat within 1e-10, and 300 ulps off at 1e-9; curvature adds
 * f'' d^2, nothing measurable, there.)
 */
function roundingScatter(
  f: (...args: Arg[]) => number,
  args: readonly Arg[],
  c: Component,
): number {
  const x = componentOf(args, c);
  const at = (d: number) => f(...withComponent(args, c, x + d));
  const here = at(0);
  const d = 1e-9 * Math.max(1, Math.abs(x));
  let scatter = 0;
  for (const k of [1, 2, 3]) {
    const second = at(k * d) + at(-k * d) - 2 * here;
    if (Number.isFinite(second)) {
      scatter = Math.max(scatter, Math.abs(second) / 2);
    }
  }
  return scatter;
}

/** The numbers of a value, in order. */
function flat(value: Arg): number[] {
  if (typeof value === "number") return [value];
  return isMatrix(value) ? value.flat() : Array.from(value);
}

function kindOf(value: unknown): ValueKind {
  if (typeof value === "number") return "number";
  if (value instanceof Float64Array) return "float64";
  if (!Array.isArray(value)) return "none";
  return isMatrix(value) ? "matrix" : "array";
}

/** `numbers` as a value of `like`'s kind (and shape). */
function shapedLike(like: Arg, numbers: readonly number[]): Arg {
  if (typeof like === "number") return numbers[0]!;
  if (isMatrix(like)) {
    let k = 0;
    return like.map((row) => row.map(() => numbers[k++]!));
  }
  return like instanceof Float64Array
    ? Float64Array.from(numbers)
    : [...numbers];
}

/** The same kind of value, with the same numbers. */
function sameValue(a: Arg, b: Arg): boolean {
  const fa = flat(a);
  const fb = flat(b);
  return (
    kindOf(a) === kindOf(b) &&
    fa.length === fb.length &&
    fa.every((x, k) => x === fb[k])
  );
}

function describeValue(value: Arg): string {
  if (typeof value === "number") return String(value);
  if (isMatrix(value)) return `[${value.map(describeValue).join(", ")}]`;
  return Array.isArray(value)
    ? `[${value.join(", ")}]`
    : `new Float64Array([${Array.from(value).join(", ")}])`;
}

export function describeArgs(args: readonly Arg[]): string {
  return args.map(describeValue).join(", ");
}

const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, x, k) => sum + x * b[k]!, 0);

type PointOutcome = "skipped" | "checked" | "second order too" | "threw";

/** Checks `f` at `args`, unless it skips the point. */
function checkPoint(
  name: string,
  f: Fn,
  args: Arg[],
  active: readonly number[],
  result: ValueKind,
  random: () => number,
): PointOutcome {
  let value: Arg;
  try {
    value = f(...args);
  } catch (error) {
    checkThrows(name, f, args, String(error));
    return "threw";
  }
  const outputs = flat(value);
  if (!outputs.every(Number.isFinite)) return "skipped";
  const at = `${name}(${describeArgs(args)})`;
  const fail = (what: string): never => {
    throw new CheckFailure(`${what}\n  at ${at} = ${describeValue(value)}`);
  };
  if (kindOf(value) !== result) {
    fail(
      `registered with a result of kind "${result}", returned a ${kindOf(value)}`,
    );
  }
  const vector = typeof value !== "number";
  // g = <w, f>, the number whose gradient finite differences can check.
  const w = vector ? outputs.map(() => 2 * random() - 1) : [1];
  // Near a guard that throws, as near a kink, the point is drawn again.
  const g = (...at: Arg[]) => {
    let o: number[];
    try {
      o = flat(f(...at));
    } catch {
      return NaN;
    }
    return o.length === w.length ? dot(w, o) : NaN;
  };
  const components = componentsOf(args, active);
  const gHere = dot(w, outputs);
  // Finite differences first: a kink nearby skips the point.
  const noise =
    1e-8 * (1 + outputs.reduce((sum, x, k) => sum + Math.abs(w[k]! * x), 0));
  const differences: { h: number; tenth: number; rounding: number }[] = [];
  for (const c of components) {
    const { slope: h, mean, step } = centralSteps(g, args, c, 1e-6);
    const tenth = centralDifference(g, args, c, 1e-7);
    if (!Number.isFinite(h) || !Number.isFinite(tenth)) return "skipped";
    if (!close(h, tenth, KINK_RTOL, 100 * noise)) return "skipped";
    // A branch taken at this point only (`b === a + (b - a)` holds here by
    // rounding, not an ulp away): g jumps here though both sides agree.
    if (!close(mean, gHere, KINK_RTOL, 100 * noise)) return "skipped";
    // What g's rounding may put in the difference at step h: a function
    // that cancels large terms scatters far more than an ulp of its value.
    differences.push({
      h,
      tenth,
      rounding: roundingScatter(g, args, c) / step,
    });
  }

  const label = (c: Component) =>
    c.element === null
      ? `argument ${c.argnum}`
      : c.row === null
        ? `argument ${c.argnum}, element ${c.element}`
        : `argument ${c.argnum}, row ${c.row}, element ${c.element}`;
  const output = (i: number) => (vector ? `output ${i}, ` : "");
  // Derivative code only reads its arguments, tangents and cotangents.
  const unchanged = (before: string, after: readonly Arg[], what: string) => {
    if (describeArgs(after) !== before) {
      fail(`${what} changed: ${before} became ${describeArgs(after)}`);
    }
  };
  const pullback = (cotangent: readonly number[]) => {
    const [, back] = untyped.vjp(f, ...args);
    const given = shapedLike(value, cotangent);
    const before = describeArgs([given]);
    const adjoints = back(given);
    unchanged(before, [given], "the cotangent");
    return flattenAdjoints(
      adjoints.filter((_, i) => active.includes(i)),
      active,
      components,
    );
  };
  const primals = describeArgs(args);

  // The Jacobian by forward mode, a column per component...
  const columns = components.map((c) => {
    const tangents = tangentsFor(args, components, (d) => (d === c ? 1 : 0));
    const seeds = describeArgs(tangents);
    const [jvpValue, tangent] = untyped.jvp(f, args, tangents);
    unchanged(seeds, tangents, "a tangent passed to jvp");
    if (!sameValue(jvpValue, value)) {
      fail(
        `jvp value ${describeValue(jvpValue)} differs from the function's value`,
      );
    }
    if (kindOf(tangent) !== result || flat(tangent).length !== outputs.length) {
      fail(
        `jvp tangent ${describeValue(tangent)} is not shaped like the value`,
      );
    }
    return flat(tangent);
  });
  // ... by reverse mode, a row per output ...
  const rows = vector
    ? outputs.map((_, i) => pullback(outputs.map((_, k) => (k === i ? 1 : 0))))
    : [
        flattenAdjoints(
          untyped.grad(f, [...active])(...args),
          active,
          components,
        ),
      ];
  components.forEach((c, k) => {
    rows.forEach((row, i) => {
      const forward = columns[k]![i]!;
      const reverse = row[k]!;
      if (!close(forward, reverse, FORWARD_REVERSE_RTOL, 1e-12)) {
        fail(
          `forward mode ${forward} differs from reverse mode ${reverse} for ${output(i)}${label(c)}`,
        );
      }
    });
  });
  // ... and by the runtime's `jacobian`, one parameter at a time.
  for (const argnum of active) {
    const matrix = untyped.jacobian(f, argnum)(...args);
    components.forEach((c, k) => {
      if (c.argnum !== argnum) return;
      rows.forEach((_, i) => {
        const entry = matrix[i]?.[c.flat];
        if (
          entry === undefined ||
          !close(entry, columns[k]![i]!, FORWARD_REVERSE_RTOL, 1e-12)
        ) {
          fail(
            `jacobian entry ${entry} differs from forward mode ${columns[k]![i]} for ${output(i)}${label(c)}`,
          );
        }
      });
    });
  }

  // The gradient of g against finite differences.
  const gradient = vector ? pullback(w) : rows[0]!;
  let unverifiable = false;
  components.forEach((c, k) => {
    const reverse = gradient[k]!;
    const forward = dot(w, columns[k]!);
    const { h, tenth, rounding } = differences[k]!;
    const tolerance = 2 * Math.abs(h - tenth) + noise + 2 * rounding;
    // Where f varies faster than any step can follow (sin of a huge value),
    // differences at 10h, h and h/10 disagree; where a change of the input
    // is rounded away on the way (`atan(u) + 50`, u huge), only 10h sees
    // any: nothing to compare with.
    const wide = centralDifference(g, args, c, 1e-5);
    const roundedAway = h === 0 && tenth === 0 && wide !== 0;
    if (
      roundedAway ||
      (!close(wide, h, 1e-3, 0) && !close(h, tenth, 1e-3, 0))
    ) {
      unverifiable = true;
      return;
    }
    if (
      !close(reverse, h, FINITE_DIFFERENCE_RTOL, tolerance) &&
      !resolvedFiner(g, args, c, reverse, h)
    ) {
      fail(
        `reverse mode ${reverse} (forward ${forward}) differs from finite differences ${h} ` +
          `(step h/10: ${tenth}) for ${vector ? "<w, f> with w = [" + w.join(", ") + "], " : ""}${label(c)}`,
      );
    }
  });
  if (unverifiable) return "skipped";

  // <J t, c> = <t, J^T c>
  const t = components.map(() => 2 * random() - 1);
  const cotangent = vector
    ? outputs.map(() => 2 * random() - 1)
    : [0.5 + random()];
  const [, jt] = untyped.jvp(
    f,
    args,
    tangentsFor(args, components, (_, k) => t[k]!),
  );
  const left = dot(flat(jt), cotangent);
  const terms = pullback(cotangent).map((g, k) => g * t[k]!);
  const right = terms.reduce((a, b) => a + b, 0);
  const scale = terms.reduce((a, b) => a + Math.abs(b), 0);
  if (!close(left, right, FORWARD_REVERSE_RTOL, 1e-12 + 1e-9 * scale)) {
    fail(
      `<J t, c> = ${left} differs from <t, J^T c> = ${right}` +
        ` (t = [${t.join(", ")}], c = [${cotangent.join(", ")}])`,
    );
  }
  unchanged(primals, args, "the arguments");
  const [vjpValue, back] = untyped.vjp(f, ...args);
  const entry = lookupCompiled(f)!;
  const given = shapedLike(value, cotangent);
  const compiledValue = entry.vjp(...args, given)[0] as Arg;
  if (!sameValue(vjpValue, value) || !sameValue(compiledValue, value)) {
    fail(
      `vjp value ${describeValue(compiledValue)} differs from the function's value`,
    );
  }
  // Gradients are compiled for functions returning a number only.
  if (typeof value === "number" && typeof given === "number") {
    checkCompiledGradients(entry, args, value, back(given), given, fail);
  }
  if (entry.tangentVjp && !vector) {
    const gradientAt = (at: readonly Arg[]) => {
      try {
        return flattenAdjoints(
          untyped.grad(f, [...active])(...at),
          active,
          components,
        );
      } catch {
        return components.map(() => NaN);
      }
    };
    return checkSecondOrder(
      entry.tangentVjp,
      args,
      components,
      gradientAt,
      random,
      fail,
    )
      ? "second order too"
      : "checked";
  }
  return "checked";
}

/**
 * H t by `f__tangent__vjp` against central differences of the gradient
 * along t; skipped (false) where the gradient has a kink nearby.
 */
function checkSecondOrder(
  tangentVjp: (...args: Arg[]) => unknown[],
  args: readonly Arg[],
  components: readonly Component[],
  gradientAt: (at: readonly Arg[]) => number[],
  random: () => number,
  fail: (what: string) => never,
): boolean {
  const t = components.map(() => 2 * random() - 1);
  const along = (s: number) =>
    tangentsFor(args, components, (c, k) => componentOf(args, c) + s * t[k]!);
  const difference = (s: number) => {
    const above = gradientAt(along(s));
    const below = gradientAt(along(-s));
    return above.map((a, k) => (a - below[k]!) / (2 * s));
  };
  const gradient = gradientAt(args);
  // Steps ten times the first-order ones: the gradient's rounding, divided
  // by the step, is ten times less.
  const h = difference(1e-5);
  const tenth = difference(1e-6);
  const noise = 1e-8 * (1 + gradient.reduce((sum, g) => sum + Math.abs(g), 0));
  const smooth = h.every(
    (d, k) => Number.isFinite(d) && close(d, tenth[k]!, KINK_RTOL, 100 * noise),
  );
  if (!smooth) return false;

  const tangents = tangentsFor(args, components, (_, k) => t[k]!);
  const [tangent, ...adjoints] = tangentVjp(...args, ...tangents, 1) as Arg[];
  // Adjoints by parameter: primals', then tangents'.
  const byParameter = args.map((_, i) => i);
  const primalAdjoints = flattenAdjoints(
    adjoints.slice(0, args.length),
    byParameter,
    components,
  );
  const tangentAdjoints = flattenAdjoints(
    adjoints.slice(args.length),
    byParameter,
    components,
  );
  const direction = `along t = [${t.join(", ")}]`;
  const expected = dot(t, gradient);
  if (
    !close(
      tangent as number,
      expected,
      FORWARD_REVERSE_RTOL,
      1e-12 + 1e-9 * dot(t.map(Math.abs), gradient.map(Math.abs)),
    )
  ) {
    fail(
      `f__tangent__vjp's tangent ${tangent} differs from <t, gradient> = ${expected}, ${direction}`,
    );
  }
  gradient.forEach((g, k) => {
    if (!close(tangentAdjoints[k]!, g, FORWARD_REVERSE_RTOL, 1e-12)) {
      fail(
        `f__tangent__vjp's adjoint of the tangent ${tangentAdjoints[k]} differs from the gradient ${g} for component ${k}, ${direction}`,
      );
    }
  });
  primalAdjoints.forEach((hv, k) => {
    const tolerance = 2 * Math.abs(h[k]! - tenth[k]!) + 1e-2 * noise;
    if (!close(hv, h[k]!, FINITE_DIFFERENCE_RTOL, tolerance)) {
      fail(
        `(H t)[${k}] = ${hv} from f__tangent__vjp differs from finite differences of the gradient ${h[k]} (step h/10: ${tenth[k]}), ${direction}`,
      );
    }
  });
  return true;
}

/**
 * Where `f` throws `error`, so does each derivative it was compiled with,
 * the same error: the adjoint and the tangent, the gradients compiled for
 * requests, and the adjoint of the tangent that second derivatives use.
 */
function checkThrows(name: string, f: Fn, args: readonly Arg[], error: string) {
  const entry = lookupCompiled(f)!;
  const tangents = args.map(zerosLike);
  const same = (what: string, run: () => unknown) => {
    let thrown: string | undefined;
    try {
      run();
    } catch (e) {
      thrown = String(e);
    }
    if (thrown !== error) {
      throw new CheckFailure(
        `${what} ${thrown === undefined ? "returned" : `threw ${thrown}`} where ${name} threw ${error}\n  at ${name}(${describeArgs(args)})`,
      );
    }
  };
  // The forward sweep throws before the reverse sweep reads a cotangent.
  same("f__vjp", () => entry.vjp(...args, 1));
  same("f__jvp", () => entry.jvp(...args, ...tangents));
  for (const table of [entry.grad, entry.valueAndGrad])
    for (const [key, compiled] of Object.entries(table ?? {}))
      same(`the gradient for argnums ${key}`, () =>
        compiled(...args, 1, ...args.map(zerosLike)),
      );
  const tangentVjp = entry.tangentVjp;
  if (tangentVjp)
    same("f__tangent__vjp", () => tangentVjp(...args, ...tangents, 1));
}

/**
 * Every gradient-only adjoint compiled for the module's `grad` and
 * `valueAndGrad` calls (program-batch.ts asks for some) agrees with the
 * adjoints of `f__vjp`, and returns `f`'s value exactly.
 */
function checkCompiledGradients(
  entry: CompiledDerivatives,
  args: readonly Arg[],
  value: number,
  adjoints: readonly Arg[],
  cotangent: number,
  fail: (what: string) => never,
) {
  const tables = [
    ["grad", entry.grad],
    ["valueAndGrad", entry.valueAndGrad],
  ] as const;
  for (const [api, table] of tables) {
    for (const [key, compiled] of Object.entries(table ?? {})) {
      const argnums = key.split(",").map(Number);
      const buffers = argnums.flatMap((i) => {
        const arg = args[i]!;
        return typeof arg === "number" ? [] : [zerosLike(arg)];
      });
      let result = compiled(...args, cotangent, ...buffers) as
        Arg | Arg[] | [number, Arg | Arg[]];
      const where = `${api}(f, ${key}) compiled`;
      if (api === "valueAndGrad") {
        const [compiledValue, gradient] = result as [number, Arg | Arg[]];
        if (compiledValue !== value) {
          fail(`${where}: value ${compiledValue} differs from ${value}`);
        }
        result = gradient;
      }
      const gradients = (argnums.length === 1 ? [result] : result) as Arg[];
      argnums.forEach((i, k) => {
        const expected = adjoints[i]!;
        const actual = gradients[k]!;
        const actualNumbers = flat(actual);
        const pairs = flat(expected).map((e, n) => [actualNumbers[n], e]);
        pairs.forEach(([a, e], n) => {
          if (!close(a!, e!, FORWARD_REVERSE_RTOL, 1e-12)) {
            fail(
              `${where}: ${a} differs from f__vjp's ${e} for argument ${i}` +
                (typeof expected === "number" ? "" : `, element ${n}`),
            );
          }
        });
      });
    }
  }
}
