/**
 * The numeric checks of one compiled function with a number result, at a
 * few random points (random-programs.test.ts):
 * - `jvp` with a unit tangent per scalar and per array element equals the
 *   gradient from `grad` (tight tolerance), and its value equals `f`'s;
 * - both equal central finite differences (looser tolerance), at points
 *   where finite differences with steps h and h/10 agree; elsewhere the
 *   point is near a kink (a branch, floor, abs, `%`) and is drawn again;
 * - the dot-product identity <J t, c> = <t, J^T c> for a random tangent t
 *   (jvp) and cotangent c (vjp), and the compiled adjoint's value equals
 *   `f`'s.
 * Whether a point is used is decided from `f` alone, never from the
 * derivatives being checked.
 */
import { grad, jvp, vjp } from "../../runtime/index.js";
import {
  lookupCompiled,
  type CompiledDerivatives,
  type ValueKind,
} from "../../runtime/registry.js";
import { close } from "./numeric.js";
import { INPUT_BOUND, MAX_LENGTH } from "./program-render.js";

type Arg = number | number[] | Float64Array;
type Fn = (...args: Arg[]) => number;

/** The API seen without its precise types: the programs are only known at run time. */
const untyped = { grad, jvp, vjp } as unknown as {
  grad: (f: Fn, argnums: number[]) => (...args: Arg[]) => Arg[];
  jvp: (f: Fn, primals: Arg[], tangents: Arg[]) => [number, number];
  vjp: (f: Fn, ...primals: Arg[]) => [number, (cotangent: number) => Arg[]];
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
  /** Points drawn again: `f` not finite there, or a kink nearby. */
  readonly skipped: number;
}

/** A failed check, with what to print about it. */
export class CheckFailure extends Error {}

/** One number among the arguments: parameter `argnum`, element `element` of an array. */
interface Component {
  readonly argnum: number;
  readonly element: number | null;
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
  (globalThis as { tsadLoopGuard?: number }).tsadLoopGuard = 0;
  const entry = lookupCompiled(f);
  if (entry === undefined) {
    throw new CheckFailure(`${name} was not registered with the runtime`);
  }
  const kinds = entry.params;
  const active = kinds.flatMap((kind, i) => (kind !== "none" ? [i] : []));
  let checked = 0;
  let skipped = 0;
  for (let k = 0; k < ATTEMPTS && checked < POINTS; k++) {
    const length = 1 + Math.floor(random() * MAX_LENGTH);
    const args = kinds.map((kind) => drawArg(kind, length, random));
    if (checkPoint(name, f, args, active, random)) checked++;
    else skipped++;
  }
  return { checked, skipped };
}

function drawArg(kind: ValueKind, length: number, random: () => number): Arg {
  const draw = () => INPUT_BOUND * (2 * random() - 1);
  switch (kind) {
    case "number":
      return draw();
    case "array":
      return Array.from({ length }, draw);
    case "float64":
      return Float64Array.from({ length }, draw);
    default:
      throw new CheckFailure(`a parameter of kind "${kind}" is not generated`);
  }
}

function componentsOf(args: readonly Arg[], active: readonly number[]) {
  return active.flatMap((argnum): Component[] => {
    const arg = args[argnum]!;
    return typeof arg === "number"
      ? [{ argnum, element: null }]
      : Array.from(arg, (_, element) => ({ argnum, element }));
  });
}

/** `args` with one component replaced; arrays are copied. */
function withComponent(args: readonly Arg[], c: Component, value: number) {
  return args.map((arg, i) => {
    if (i !== c.argnum) return arg;
    if (typeof arg === "number") return value;
    const copy = arg.slice();
    copy[c.element!] = value;
    return copy;
  });
}

function componentOf(args: readonly Arg[], c: Component): number {
  const arg = args[c.argnum]!;
  return typeof arg === "number" ? arg : arg[c.element!]!;
}

/** Tangents shaped like `args`, component `c` of them `t(c)`. */
function tangentsFor(
  args: readonly Arg[],
  components: readonly Component[],
  t: (c: Component, k: number) => number,
): Arg[] {
  let tangents = args.map((arg): Arg =>
    typeof arg === "number" ? 0 : arg.map(() => 0),
  );
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
    const adjoint = adjoints[active.indexOf(c.argnum)]!;
    return typeof adjoint === "number" ? adjoint : adjoint[c.element!]!;
  });
}

function centralDifference(
  f: Fn,
  args: readonly Arg[],
  c: Component,
  step: number,
): number {
  const x = componentOf(args, c);
  const h = step * Math.max(1, Math.abs(x));
  const above = x + h;
  const below = x - h;
  return (
    (f(...withComponent(args, c, above)) -
      f(...withComponent(args, c, below))) /
    (above - below)
  );
}

export function describeArgs(args: readonly Arg[]): string {
  return args
    .map((arg) =>
      typeof arg === "number"
        ? String(arg)
        : Array.isArray(arg)
          ? `[${arg.join(", ")}]`
          : `new Float64Array([${Array.from(arg).join(", ")}])`,
    )
    .join(", ");
}

/** Checks `f` at `args`; false if the point is skipped. */
function checkPoint(
  name: string,
  f: Fn,
  args: Arg[],
  active: readonly number[],
  random: () => number,
): boolean {
  const value = f(...args);
  if (!Number.isFinite(value)) return false;
  const components = componentsOf(args, active);
  // Finite differences first: a kink nearby skips the point.
  const noise = 1e-8 * (1 + Math.abs(value));
  const differences: { h: number; tenth: number }[] = [];
  for (const c of components) {
    const h = centralDifference(f, args, c, 1e-6);
    const tenth = centralDifference(f, args, c, 1e-7);
    if (!Number.isFinite(h) || !Number.isFinite(tenth)) return false;
    if (!close(h, tenth, KINK_RTOL, 100 * noise)) return false;
    differences.push({ h, tenth });
  }

  const at = `${name}(${describeArgs(args)})`;
  const fail = (what: string): never => {
    throw new CheckFailure(`${what}\n  at ${at} = ${value}`);
  };
  const label = (c: Component) =>
    c.element === null
      ? `argument ${c.argnum}`
      : `argument ${c.argnum}, element ${c.element}`;

  const gradient = flattenAdjoints(
    untyped.grad(f, [...active])(...args),
    active,
    components,
  );
  let unverifiable = false;
  components.forEach((c, k) => {
    const reverse = gradient[k]!;
    const tangents = tangentsFor(args, components, (d) => (d === c ? 1 : 0));
    const [jvpValue, forward] = untyped.jvp(f, args, tangents);
    if (jvpValue !== value) {
      fail(`jvp value ${jvpValue} differs from the function's value ${value}`);
    }
    if (!close(forward, reverse, FORWARD_REVERSE_RTOL, 1e-12)) {
      fail(
        `forward mode ${forward} differs from reverse mode ${reverse} for ${label(c)}`,
      );
    }
    const { h, tenth } = differences[k]!;
    const tolerance = 2 * Math.abs(h - tenth) + noise;
    // Where f varies faster than any step can follow (sin of a huge value),
    // differences at 10h, h and h/10 disagree: nothing to compare with.
    const wide = centralDifference(f, args, c, 1e-5);
    if (!close(wide, h, 1e-3, 0) && !close(h, tenth, 1e-3, 0)) {
      unverifiable = true;
      return;
    }
    if (!close(reverse, h, FINITE_DIFFERENCE_RTOL, tolerance)) {
      fail(
        `reverse mode ${reverse} (forward ${forward}) differs from finite differences ${h} ` +
          `(step h/10: ${tenth}) for ${label(c)}`,
      );
    }
  });
  if (unverifiable) return false;

  // <J t, c> = <t, J^T c>
  const t = components.map(() => 2 * random() - 1);
  const cotangent = 0.5 + random();
  const [, jt] = untyped.jvp(
    f,
    args,
    tangentsFor(args, components, (_, k) => t[k]!),
  );
  const [vjpValue, pullback] = untyped.vjp(f, ...args);
  const jtc = flattenAdjoints(
    pullback(cotangent).filter((_, i) => active.includes(i)),
    active,
    components,
  );
  const terms = jtc.map((g, k) => g * t[k]!);
  const right = terms.reduce((a, b) => a + b, 0);
  const scale = terms.reduce((a, b) => a + Math.abs(b), 0);
  if (
    !close(jt * cotangent, right, FORWARD_REVERSE_RTOL, 1e-12 + 1e-9 * scale)
  ) {
    fail(
      `<J t, c> = ${jt * cotangent} differs from <t, J^T c> = ${right}` +
        ` (t = [${t.join(", ")}], c = ${cotangent})`,
    );
  }
  const entry = lookupCompiled(f)!;
  const compiledValue = entry.vjp(...args, cotangent)[0];
  if (vjpValue !== value || compiledValue !== value) {
    fail(
      `vjp value ${compiledValue} differs from the function's value ${value}`,
    );
  }
  checkCompiledGradients(
    entry,
    args,
    value,
    pullback(cotangent),
    cotangent,
    fail,
  );
  return true;
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
        return typeof arg === "number" ? [] : [arg.map(() => 0)];
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
        const pairs =
          typeof expected === "number"
            ? [[actual as number, expected]]
            : Array.from(expected, (e, n) => [(actual as number[])[n]!, e]);
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
