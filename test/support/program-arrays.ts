/**
 * Local arrays of the random programs: what the renderer knows of each
 * (type, length, element bound in `Env.bounds`), which indices are valid
 * for it, and the rule that keeps every program inside what the
 * transformer accepts today (transformer/array-writes.ts). That rule looks
 * at the statements that follow an array's declaration in its block, its
 * "top statements":
 *
 *   const h = new Float64Array(n);
 *   for (...) h[i] = Math.sin(x[i]);   // writes
 *   if (c) h[0] += a;                   // writes (outside loops, reads too)
 *   for (...) s += h[i];                // reads in a loop: no write after it
 *
 * - once a top statement reads the array inside a loop, no later one may
 *   write it;
 * - no top statement may both write it and read it inside a loop, in any
 *   order, anywhere inside it (the checker looks at the syntax only);
 * - except a tabulate loop: `for (i ...) { h[i] = v; ... h[i] ... }`,
 *   writing each element once and reading only that element after, which
 *   counts as a loop reading it.
 *
 * Reads outside loops (relative to the declaration) are always fine. The
 * renderer asks before each access (`mayWrite`, `readIndices`,
 * `mayReadWhole`) and records it (`noteWrite`, `noteRead`,
 * `noteWholeRead`); what it may not do, it does differently (another
 * array, the array parameter, or nothing). PATTERNS.recurrences lifts the
 * rule.
 */
import {
  type Env,
  type FunctionContext,
  MAX_LENGTH,
  type Scope,
  type Variable,
} from "./program-expressions.js";
import { PATTERNS } from "./program-generator.js";

export type ArrayType = "float64" | "array";

/** What is known of an array's length, which decides the indices valid for it. */
export type Extent =
  /** The array parameter's: 1 to MAX_LENGTH. */
  | { readonly kind: "param" }
  | { readonly kind: "fixed"; readonly length: number }
  /**
   * Unknown, maybe 0 (grown by push, or a copy of such): indexed only by
   * the counters of loops over its own length.
   */
  | { readonly kind: "own" };

export interface ArrayVariable extends Variable {
  readonly role: "array";
  readonly type: ArrayType;
  readonly extent: Extent;
  /** Started empty and grown by push: its length is read like its elements. */
  readonly grows: boolean;
  /** Loops around the declaration: an access from deeper is inside a loop. */
  readonly depth: number;
  /** The block declaring it; null for the array parameter, never written. */
  readonly scope: Scope | null;
}

/** A loop counter and the arrays it indexes. */
export interface Counter {
  readonly variable: Variable;
  readonly extent: Extent;
  /** For an `own` extent: the array whose length the loop runs to. */
  readonly over: ArrayVariable | null;
}

/** Where an array stands in the rule above. */
export interface ArrayState {
  /** A finished top statement read it in a loop: it is final. */
  readByLoop: boolean;
  /** The current top statement wrote it. */
  wrote: boolean;
  /** The current top statement read it in a loop. */
  loopRead: boolean;
  /** Inside its tabulate loop: only `h[counter]` may be read, after the write. */
  tabulating: { readonly counter: string; stored: boolean } | null;
  /**
   * At most this long: pushes stop at MAX_LENGTH, so that loops over any
   * array run at most MAX_LENGTH times, as the bounds assume.
   */
  maxLength: number;
}

export type ArrayStates = Map<ArrayVariable, ArrayState>;

export const isArray = (v: Variable): v is ArrayVariable => v.role === "array";

export function arrayParam(name: string, type: ArrayType): ArrayVariable {
  return {
    name,
    role: "array",
    mutable: false,
    literal: false,
    type,
    extent: { kind: "param" },
    grows: false,
    depth: 0,
    scope: null,
  };
}

export function trackArray(
  fn: FunctionContext,
  a: ArrayVariable,
  maxLength: number,
) {
  fn.arrays.set(a, {
    readByLoop: false,
    wrote: false,
    loopRead: false,
    tabulating: null,
    maxLength,
  });
}

/** The most times a loop over `a` runs. */
export function maxLengthOf(a: ArrayVariable, fn: FunctionContext): number {
  return fn.arrays.get(a)?.maxLength ?? MAX_LENGTH;
}

/** A copy: each pass over a loop's body starts from the states before it. */
export function copyArrayStates(states: ArrayStates): ArrayStates {
  return new Map(
    [...states].map(([a, s]) => [
      a,
      { ...s, tabulating: s.tabulating && { ...s.tabulating } },
    ]),
  );
}

/** A top statement of `env`'s block is done: what it read in loops is final. */
export function commitArrays(env: Env) {
  for (const v of env.scope.declared.values()) {
    const s = isArray(v) ? env.fn.arrays.get(v) : undefined;
    if (s === undefined) continue;
    s.readByLoop ||= s.loopRead;
    s.wrote = false;
    s.loopRead = false;
  }
}

const inLoop = (a: ArrayVariable, env: Env) => env.fn.loops.length > a.depth;

/** Local arrays in scope, the most recent first. */
export function localArrays(env: Env): ArrayVariable[] {
  return env.scope
    .visible()
    .filter((v): v is ArrayVariable => isArray(v) && v.name !== env.hidden)
    .reverse();
}

/** Whether `counter` is a valid index of `a`. */
function fits(counter: Counter, a: ArrayVariable): boolean {
  switch (a.extent.kind) {
    case "param":
      return counter.extent.kind === "param";
    case "fixed":
      return (
        counter.extent.kind === "fixed" &&
        counter.extent.length <= a.extent.length
      );
    case "own":
      return counter.over === a;
  }
}

/** Index expressions valid for `a` here: counters, ends, a rotated counter. */
export function indexChoices(a: ArrayVariable, env: Env): string[] {
  const counters = env.indices
    .filter((c) => fits(c, a))
    .map((c) => c.variable.name);
  const length = lengthOf(a);
  const ends =
    a.extent.kind === "fixed"
      ? [...new Set(["0", String(a.extent.length - 1)])]
      : a.extent.kind === "param"
        ? ["0", `${length} - 1`]
        : [];
  const rotated = counters.map((c) => `(${c} + 1) % ${length}`);
  return [...counters, ...ends, ...rotated];
}

/** `h.length`: read from the array, so the reverse sweep reads it too. */
export function lengthOf(a: ArrayVariable): string {
  return `${a.name}.length`;
}

/** Whether `a` may be written here (and pushed onto, if it grows). */
export function mayWrite(a: ArrayVariable, env: Env): boolean {
  if (a.scope === null) return false;
  // Never grow an array while a loop runs to its length: it would not end.
  if (a.grows && env.fn.loops.some((frame) => frame.over === a)) return false;
  const s = env.fn.arrays.get(a)!;
  if (PATTERNS.recurrences) return true;
  return !s.readByLoop && !s.loopRead && s.tabulating === null;
}

/**
 * Whether a write into `a` here may also read `a` (`h[i] *= v`): only
 * outside loops, as inside one that is a recurrence.
 */
export function mayUpdate(a: ArrayVariable, env: Env): boolean {
  return PATTERNS.recurrences || !inLoop(a, env);
}

export function noteWrite(a: ArrayVariable, env: Env) {
  env.fn.arrays.get(a)!.wrote = true;
}

/** How many elements a push here adds: one per iteration of the loops around it. */
function pushCount(a: ArrayVariable, env: Env): number {
  return env.fn.loops
    .slice(a.depth)
    .reduce((count, frame) => count * frame.trips, 1);
}

/** Whether `a` may be pushed onto here. */
export function mayPush(a: ArrayVariable, env: Env): boolean {
  return (
    a.grows &&
    mayWrite(a, env) &&
    maxLengthOf(a, env.fn) + pushCount(a, env) <= MAX_LENGTH
  );
}

export function notePush(a: ArrayVariable, env: Env) {
  noteWrite(a, env);
  env.fn.arrays.get(a)!.maxLength += pushCount(a, env);
}

/** The indices `a` may be read at here; none when it may not be read. */
export function readIndices(a: ArrayVariable, env: Env): string[] {
  const s = env.fn.arrays.get(a);
  if (s !== undefined && !PATTERNS.recurrences) {
    if (s.tabulating !== null) {
      return s.tabulating.stored ? [s.tabulating.counter] : [];
    }
    if (inLoop(a, env) && s.wrote) return [];
  }
  return indexChoices(a, env);
}

export function noteRead(a: ArrayVariable, env: Env) {
  const s = env.fn.arrays.get(a);
  if (s !== undefined && inLoop(a, env)) s.loopRead = true;
}

/**
 * What reads a whole array: a copy (`h.slice()`), a call passing it, or a
 * loop going over it (`for...of`, or `i < h.length` when `h` grows), which
 * reads it inside that loop.
 */
export type WholeRead = "copy" | "call" | "iterate";

const inLoopFor = (a: ArrayVariable, env: Env, use: WholeRead) =>
  use === "iterate" || inLoop(a, env);

export function mayReadWhole(
  a: ArrayVariable,
  env: Env,
  use: WholeRead,
): boolean {
  const s = env.fn.arrays.get(a);
  if (s === undefined) return true;
  if (PATTERNS.recurrences) return true;
  if (s.tabulating !== null) {
    return use === "call" && s.tabulating.stored;
  }
  return !(inLoopFor(a, env, use) && s.wrote);
}

export function noteWholeRead(a: ArrayVariable, env: Env, use: WholeRead) {
  const s = env.fn.arrays.get(a);
  if (s === undefined) return;
  if (inLoopFor(a, env, use)) s.loopRead = true;
}
