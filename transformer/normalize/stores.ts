/**
 * Normalize, step 5: a read of an element just written is the value
 * written.
 *
 *   out[1] = a;                    out[1] = a;
 *   const t = out[1];       ->     const t = a;
 *
 * The derivative is the same either way, but the reverse sweep is not: a
 * loop's reverse iteration recomputes element reads from the array as the
 * iteration left it, and a later write of the same iteration (in an inner
 * loop, say) may have changed the element since. A read of a value the
 * iteration wrote itself has nothing to recompute.
 *
 * Only where nothing between the write and the read can change the array
 * or what the write's index and value read (another write, a call, a
 * loop, an `if` (a read in its branches may follow a write before it), an
 * assignment), and only into `number[]` arrays, matrices and Float64Arrays
 * at an index tsad can see is below the length: a Float32Array rounds
 * what it stores, and typed arrays drop writes outside their length.
 */
import {
  knownLengths,
  withinLength,
  type Lengths,
  type Loop,
} from "../array-writes";
import { expressionKey } from "../simplify/algebra";
import {
  readsField,
  allReads,
  arrayKinds,
  mapBlocks,
  someSubexpression,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "../ir";
import type { ValueKind } from "../../runtime/registry";

type Store = Extract<Stmt, { kind: "store" }>;

/** The indices of an element, for the kinds of array forwarded. */
const DIMENSIONS: Partial<Record<ValueKind, number>> = {
  array: 1,
  matrix: 2,
  float64: 1,
};

export function forwardStores(fn: FunctionIR): FunctionIR {
  const kinds = arrayKinds(fn);
  const lengths = knownLengths(fn);
  /**
   * `open`: what the elements written before the block hold; `loops`: the
   * loops around it.
   */
  const block = (
    body: readonly Stmt[],
    loops: readonly Loop[],
    open: Open[] = [],
  ): readonly Stmt[] => {
    let out: Stmt[] | undefined;
    body.forEach((s, i) => {
      // A branch starts with what was written before its `if` (a loop's
      // body does not: its next iteration starts after its own writes).
      const inner = s.kind === "loop" ? [...loops, s] : loops;
      let next =
        s.kind === "if"
          ? mapBlocks(s, (branch) => block(branch, loops, [...open]))
          : mapBlocks(s, (nested) => block(nested, inner));
      const value = next.kind === "const" ? next.value : undefined;
      const written = value && open.find((o) => readsElement(value, o));
      if (written && next.kind === "const") {
        next = { ...next, value: written.store.value };
      } else if (next.kind === "store") {
        const store = next;
        open = open.filter((o) => elsewhere(o.store, store));
      } else {
        open = open.filter((o) => leavesOpen(next, o.reads));
      }
      const opened =
        next.kind === "store" && forwardable(next, kinds, lengths, loops);
      if (opened) open.push(opened);
      if (next !== s) (out ??= body.slice(0, i)).push(next);
      else out?.push(s);
    });
    return out ?? body;
  };
  return { ...fn, body: block(fn.body, []) };
}

interface Open {
  readonly store: Store;
  /** The element written, as `expressionKey` names `a[i]`. */
  readonly key: string;
  /** The names the store read: assigning one ends what it tells. */
  readonly reads: ReadonlySet<string>;
}

/** `store`, if its element can be read back as the value it stores. */
function forwardable(
  store: Store,
  kinds: ReadonlyMap<string, ValueKind>,
  lengths: Lengths,
  loops: readonly Loop[],
): Open | undefined {
  if (store.mode !== "set" || store.array.kind !== "var") return undefined;
  const kind = kinds.get(store.array.name);
  if (kind === undefined || DIMENSIONS[kind] !== store.indices.length)
    return undefined;
  // A Float64Array stores a number as it is, within its length.
  if (kind === "float64" && !withinLength(store, lengths, loops, true))
    return undefined;
  // Values are atoms after `ssa`: the read gets the same variable or number.
  if (store.value.kind !== "var" && store.value.kind !== "num")
    return undefined;
  const key = expressionKey({
    kind: "index",
    array: store.array,
    indices: store.indices,
  });
  if (key === undefined) return undefined;
  const reads = new Set<string>([store.array.name]);
  for (const e of [store.value, ...store.indices])
    allReads(e, (name) => reads.add(name));
  return { store, key, reads };
}

/**
 * Whether `later` certainly writes another element than `earlier`: the
 * same array, another constant last index. (Other arrays may be the same
 * one under two names, as parameters or rows can be, and rows of one
 * matrix may be one array.)
 */
function elsewhere(earlier: Store, later: Store): boolean {
  const [a, b] = [earlier.indices.at(-1), later.indices.at(-1)];
  return (
    later.array.kind === "var" &&
    earlier.array.kind === "var" &&
    later.array.name === earlier.array.name &&
    a?.kind === "num" &&
    b?.kind === "num" &&
    // Property keys: -0 and 0 are one element, NaN is one too.
    String(a.value) !== String(b.value)
  );
}

function readsElement(value: Expr, open: { key: string }): boolean {
  return value.kind === "index" && expressionKey(value) === open.key;
}

/**
 * Whether the element written before `s` still holds the value written
 * after it: `s` writes nothing, calls nothing, and assigns none of the
 * names the write read.
 */
function leavesOpen(s: Stmt, reads: ReadonlySet<string>): boolean {
  switch (s.kind) {
    case "const":
      return !calls(s.value);
    case "declare":
      return !reads.has(s.name) && !(s.init && calls(s.init));
    case "assign":
      return !reads.has(s.name) && !calls(s.value);
    default:
      return false;
  }
}

/** Whether evaluating `e` may run code (a getter, for `member`). */
const calls = (e: Expr) =>
  someSubexpression(
    e,
    (inner) =>
      inner.kind === "call" || inner.kind === "extern" || readsField(inner),
  );
