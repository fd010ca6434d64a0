/**
 * Local arrays of the random programs: what the renderer knows of each
 * (type, length, element bound in `Env.bounds`), which indices are valid
 * for it, and how far it may grow. Loops read and overwrite local arrays
 * freely (recurrences: `h[i] = h[i - 1] * c + x[i]`, `h[i] *= c`, a write
 * after a loop that read it), at any valid index: where the transformer
 * cannot see the write stays inside the array (a `while` loop's counter,
 * `(i + 1) % n`), it keeps the length too (transformer/array-writes.ts,
 * `withinLength`). Two limits:
 *
 * - an array never grows while a loop runs to its length (it would not
 *   end);
 * - pushes stop at MAX_LENGTH, so that loops over any array run at most
 *   MAX_LENGTH times, as the bounds assume.
 */
import {
  type Env,
  type FunctionContext,
  MAX_LENGTH,
  type Scope,
  type Variable,
} from "./program-expressions.js";
import type { Dim } from "./program-matrices.js";

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
  /** A loop over a matrix's rows or row (program-matrices.ts): its length. */
  readonly dim?: Dim;
  /** A time step's row counter, from 1: `i - 1` is a valid row too. */
  readonly previous?: boolean;
}

/** The most elements each local array may have (see `mayPush`). */
export type MaxLengths = Map<ArrayVariable, number>;

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

/** The most times a loop over `a` runs. */
export function maxLengthOf(a: ArrayVariable, fn: FunctionContext): number {
  return fn.maxLengths.get(a) ?? MAX_LENGTH;
}

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
  return !(a.grows && env.fn.loops.some((frame) => frame.over === a));
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
  env.fn.maxLengths.set(a, maxLengthOf(a, env.fn) + pushCount(a, env));
}
