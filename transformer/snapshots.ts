/**
 * Copies of arrays a loop iteration reads before it writes them, made
 * where the reverse sweep cannot read them as they were otherwise.
 *
 * The reverse sweep runs an iteration again on its arrays as the
 * iteration left them, and keeps on the stack only the values the
 * iteration computes at its top level (reverse.ts). An inner loop reading
 * an array the iteration writes afterwards would read the written values:
 *
 *   for (let i = 0; i < w.length; i++) {
 *     for (let j = 0; j < w.length; j++) m.push([Math.sin(w[j]), w[j]]);
 *     ...
 *     w[i] = s;
 *   }
 *
 * The statements before the first write may read a copy instead, made
 * before them: `const w_before = w.slice()`, then `Math.sin(w_before[j])`.
 * The program computes the same, and the copy is a value of the top level,
 * which the forward sweep keeps for the reverse sweep (its elements, each
 * iteration). Only where reverse mode fails otherwise: the copy costs the
 * length of the array in every iteration.
 */
import type * as ts from "typescript";
import { ArrayWrites } from "./array-writes";
import { DiagnosticCode, DiffError, type RelatedNode } from "./diagnostics";
import {
  allReads,
  arrayKinds,
  definedNames,
  forEachExpr,
  forEachMutated,
  mapBlocks,
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  num,
  readsWhole,
  ref,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "./ir";
import type { Names } from "./naming";

/** A write a read before it in a loop's iteration would see again. */
export interface Hazard {
  /** The write's source node (its statement's `origin`) ... */
  readonly write: ts.Node;
  /** ... and the array it writes into (a tangent's too has that origin). */
  readonly array: string;
  /** The loop, as the index in the write's enclosing loops, outermost first. */
  readonly depth: number;
}

/** TS96003 for `Hazard`s, which copies of the arrays may avoid. */
export class HazardError extends DiffError {
  constructor(
    node: ts.Node,
    message: string,
    readonly hazards: readonly Hazard[],
    related?: readonly RelatedNode[],
  ) {
    super(node, DiagnosticCode.UnsupportedSyntax, message, related);
  }
}

/**
 * `build(fn)`, or, where it throws a `HazardError` a copy avoids, `build`
 * of `fn` with the copy, and so on; with the function built from. Each
 * copy builds the adjoint again: only functions otherwise rejected pay.
 */
export function withSnapshots<T>(
  fn: FunctionIR,
  names: Names,
  build: (fn: FunctionIR) => T,
): { readonly fn: FunctionIR; readonly built: T } {
  let first: HazardError | undefined;
  // Each copy takes an array's reads out of a loop, so a hazard does not
  // come back; a few copies do for any program seen.
  for (let copies = 0; copies <= 8; copies++) {
    try {
      return { fn, built: build(fn) };
    } catch (error) {
      // What the copies lead to is not the user's problem: theirs is the
      // first hazard.
      if (!(error instanceof HazardError)) throw first ?? error;
      first ??= error;
      const copied = error.hazards.reduce<FunctionIR | undefined>(
        (done, hazard) => done ?? snapshotted(fn, hazard, names),
        undefined,
      );
      if (!copied) throw first;
      fn = copied;
    }
  }
  throw first!;
}

/**
 * `fn` with a copy that avoids `hazard`, if one does: reads before the
 * first write into the array in the iteration read a copy made before
 * them; or else, where later reads see earlier writes (an inner loop
 * reading and writing it), the whole iteration works on a copy, written
 * back into the array at its end:
 *
 *   const w_start = w.slice();
 *   const w_next = w_start.slice();
 *   ... the iteration, on w_next ...
 *   for (let k = 0; k < w_next.length; k++) w[k] = w_next[k];
 *
 * The reverse sweep keeps `w_start`, which nothing writes, and runs the
 * iteration's writes into `w_next` again from it.
 */
function snapshotted(
  fn: FunctionIR,
  hazard: Hazard,
  names: Names,
): FunctionIR | undefined {
  const { array } = hazard;
  const loop = loopsAround(fn.body, hazard)?.[hazard.depth];
  if (!loop) return undefined;
  // A row shared with another matrix, or an array under another name,
  // could change without a write naming it; only a vector made outside
  // the loop is known to change by its own writes alone. A copy has its
  // elements, not the properties a store at `w[-1]` makes.
  const kind = arrayKinds(fn).get(array);
  if (
    kind === undefined ||
    kind === "matrix" ||
    definedNames(loop.body).has(array) ||
    !ownedVector(fn, array) ||
    new ArrayWrites(fn).mayHaveProperties(array)
  ) {
    return undefined;
  }
  const renamedTo = (name: string) => {
    const renamed = (e: Expr): Expr =>
      e.kind === "var"
        ? e.name === array
          ? ref(name)
          : e
        : mapSubexpressions(e, renamed);
    return (s: Stmt) => mapExprs(s, renamed);
  };
  const copy = (name: string, of: string): Stmt => ({
    kind: "const",
    name,
    value: { kind: "copy", array: ref(of) },
  });
  const first = loop.body.findIndex((s) => writesInto(s, array));
  // A copy at the top level is kept as it is made: reading it again
  // avoids nothing (and so copies of copies never end).
  const from = loop.body.findIndex(
    (s) => !(s.kind === "const" && s.value.kind === "copy") && reads(s, array),
  );
  if (first === -1 || from === -1) return undefined;
  if (from < first) {
    const before = names.fresh(`${array}_before`);
    const body = [
      ...loop.body.slice(0, from),
      copy(before, array),
      ...loop.body.slice(from, first).map(renamedTo(before)),
      ...loop.body.slice(first),
    ];
    return { ...fn, body: replaced(fn.body, loop, { ...loop, body }) };
  }
  const start = names.fresh(`${array}_start`);
  const next = names.fresh(`${array}_next`);
  const k = names.fresh("k");
  const element = names.fresh(`${next}_k`);
  // Before the carried variables' assignments, which end an iteration.
  const carried = new Set(loop.carried);
  let end = loop.body.length;
  while (end > 0) {
    const s = loop.body[end - 1]!;
    if (s.kind !== "assign" || !carried.has(s.name)) break;
    end--;
  }
  const writeBack: Stmt = {
    kind: "loop",
    header: {
      kind: "counted",
      counter: k,
      start: num(0),
      end: { kind: "length", array: ref(next), indices: [] },
      step: 1,
      inclusive: false,
    },
    carried: [],
    body: [
      {
        kind: "const",
        name: element,
        value: { kind: "index", array: ref(next), indices: [ref(k)] },
      },
      {
        kind: "store",
        array: ref(array),
        indices: [ref(k)],
        value: ref(element),
        mode: "set",
      },
    ],
  };
  const body = [
    copy(start, array),
    copy(next, start),
    ...loop.body.slice(0, end).map(renamedTo(next)),
    writeBack,
    ...loop.body.slice(end),
  ];
  return { ...fn, body: replaced(fn.body, loop, { ...loop, body }) };
}

type Loop = Extract<Stmt, { kind: "loop" }>;

/** The loops around `hazard`'s write, outermost first. */
function loopsAround(
  body: readonly Stmt[],
  hazard: Hazard,
  loops: readonly Loop[] = [],
): readonly Loop[] | undefined {
  for (const s of body) {
    if (
      (s.kind === "store" || s.kind === "append") &&
      s.origin === hazard.write &&
      isVar(s.array, hazard.array)
    ) {
      return loops;
    }
    const inner = s.kind === "loop" ? [...loops, s] : loops;
    for (const block of nestedBlocks(s)) {
      const found = loopsAround(block, hazard, inner);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Whether `array` is a new vector only element reads, lengths, copies and
 * writes naming it reach: no other name, row or call holds it.
 */
function ownedVector(fn: FunctionIR, array: string): boolean {
  if (fn.params.some((p) => p.name === array)) return false;
  const fresh = ["copy", "newArray", "arrayLiteral", "zeros"];
  const owned = (block: readonly Stmt[]): boolean =>
    block.every((s) => {
      if ((s.kind === "const" || s.kind === "declare") && s.name === array) {
        const value = s.kind === "const" ? s.value : s.init;
        if (!value || !fresh.includes(value.kind)) return false;
      }
      if (s.kind === "assign" && s.name === array) return false;
      if (s.kind === "destructure" && s.names.includes(array)) return false;
      // A write names the array it writes into: that is no other name.
      const passed = ownExpressions(s).some(
        (e) => !isWriteTarget(s, e, array) && readsWhole(e, array),
      );
      return !passed && nestedBlocks(s).every(owned);
    });
  return owned(fn.body);
}

/** The expressions of `s` itself, not of the statements nested in it. */
function ownExpressions(s: Stmt): readonly Expr[] {
  switch (s.kind) {
    case "if":
      return [s.test];
    case "loop":
      return s.header.kind === "counted"
        ? [s.header.start, s.header.end]
        : [s.header.condition];
    default: {
      const found: Expr[] = [];
      forEachExpr([s], (e) => found.push(e));
      return found;
    }
  }
}

const isVar = (e: Expr, name: string) => e.kind === "var" && e.name === name;

/** Whether `s` (or a statement in it) writes into `array`. */
function writesInto(s: Stmt, array: string): boolean {
  let found = false;
  forEachMutated(s, (name) => (found ||= name === array));
  return found;
}

/** Whether `s` (or a statement in it) reads `array`, its writes aside. */
function reads(s: Stmt, array: string): boolean {
  return (
    ownExpressions(s).some(
      (e) => !isWriteTarget(s, e, array) && readsVar(e, array),
    ) || nestedBlocks(s).some((block) => block.some((t) => reads(t, array)))
  );
}

/** Whether `e` is the array `s` writes into, and that is `array`. */
const isWriteTarget = (s: Stmt, e: Expr, array: string) =>
  (s.kind === "store" || s.kind === "append") &&
  e === s.array &&
  isVar(e, array);

function readsVar(e: Expr, name: string): boolean {
  let found = false;
  allReads(e, (read) => {
    found ||= read === name;
  });
  return found;
}

/** `body` with `loop` replaced by `by`, wherever it is. */
function replaced(
  body: readonly Stmt[],
  loop: Loop,
  by: Loop,
): readonly Stmt[] {
  return body.map((s) =>
    s === loop ? by : mapBlocks(s, (block) => replaced(block, loop, by)),
  );
}
