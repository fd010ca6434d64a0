/**
 * Writes into local arrays, and which of them the reverse sweep must undo.
 *
 * The reverse sweep runs the function backwards and reads arrays as it
 * goes: a loop's reverse iteration recomputes element reads, a marked call
 * is reversed with the array it was passed. It undoes each write those
 * reads need undone, restoring the old element as it passes the write
 * going back (Tapenade's PUSH/POP), so at every point an array holds what
 * the forward sweep had there:
 *
 *   for (...) {                         for (...) {  // backwards
 *     const g = Math.sin(p[i]);           const g = Math.sin(p[i]);
 *     stack.push(p[i]);            ->     ... adjoint of the write ...
 *     p[i] -= lr * g;                     p[i] = stack.pop();
 *   }                                   }
 *
 * A write needs undoing only if the reverse sweep reads, at a point the
 * forward sweep reached before the write, an element the write may change.
 * `a[i] = a[i - 1] * x` reads each element after its last write, so it
 * saves nothing: indices that are affine in loop counters
 * (`2 * i + j - 1`) are compared exactly, across iterations too, anything
 * else may be any element.
 *
 * Input: a normalized function. This module only answers questions;
 * `reverse` asks them and builds the code.
 */
import {
  arrayKinds,
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  isVar,
  type Expr,
  type FunctionIR,
  type LoopHeader,
  type Stmt,
} from "./ir";
import { expressionKey } from "./simplify/algebra";

export type Loop = Extract<Stmt, { kind: "loop" }>;
export type Write = Extract<Stmt, { kind: "store" | "append" }>;

/** What a read sees of an array: elements, its length, or all of it. */
export type Access =
  | { readonly kind: "element"; readonly indices: readonly Expr[] }
  /** `a.length`, or with `indices` the length of a row (`m[i].length`). */
  | { readonly kind: "length"; readonly indices: readonly Expr[] }
  /** A copy, or a call the array is passed to. */
  | { readonly kind: "whole" };

/** A read of a written array that the reverse sweep performs. */
export interface ArrayRead {
  readonly array: string;
  readonly access: Access;
  /** The forward statement (a loop for its header) that reads it. */
  readonly at: Stmt;
  /**
   * The loop whose reverse iterations recompute it, at their start; none
   * for the adjoint code the reverse sweep runs where `at` was.
   */
  readonly recomputedBy?: Loop;
}

interface Position {
  /** Program order (pre-order over nested blocks). */
  readonly order: number;
  /** The loops around it, outermost first (a loop's own are those outside it). */
  readonly loops: readonly Loop[];
}

/** Integer-affine form of an index: sum of coefficient * variable, plus a constant. */
interface Affine {
  readonly terms: ReadonlyMap<string, number>;
  readonly constant: number;
}

export class ArrayWrites {
  /** Every store and append, in program order. */
  readonly writes: readonly Write[];
  private readonly positions = new Map<Stmt, Position>();
  private readonly headers = new Map<LoopHeader, Loop>();
  /** Each `if` by its test, which a copy of it keeps. */
  private readonly tests = new Map<Expr, Stmt>();
  /** For each variable, the loops around its definitions and assignments. */
  private readonly definedIn = new Map<string, Set<Loop>>();
  private readonly counters = new Map<string, Loop>();
  /**
   * Arrays that may get longer: grown by `push`, or written into past
   * their end (`m[i][j] = v` may lengthen the row `m[i]`, not `m`).
   */
  private readonly growing = new Set<string>();
  /** The stores that may write past the end of the array (or row) they write. */
  private readonly lengthening = new Set<Write>();
  /** The arrays (not rows) one of those stores writes. */
  private readonly storedPastEnd = new Set<string>();
  /**
   * The stores that may fall outside the elements: past the end of a
   * typed array (dropped), at a negative or fractional index (a property).
   */
  private readonly missing = new Set<Write>();
  /** The arrays one of those stores writes. */
  private readonly withProperties = new Set<string>();
  /** The statements of each loop's body (the function's own for none). */
  private readonly topLevel = new Map<Loop | undefined, readonly Stmt[]>();
  /** Element reads, by the name they define. */
  private readonly reads = new Map<
    string,
    Extract<Stmt, { kind: "const" }> & { value: { kind: "index" } }
  >();

  private readonly kinds: ReturnType<typeof arrayKinds>;
  private readonly lengths: Lengths;

  constructor(fn: FunctionIR) {
    const writes: Write[] = [];
    let order = 0;
    const kinds = (this.kinds = arrayKinds(fn));
    const lengths = (this.lengths = knownLengths(fn));
    const stores: {
      store: Extract<Stmt, { kind: "store" }>;
      array: string;
      loops: readonly Loop[];
    }[] = [];
    const visit = (body: readonly Stmt[], loops: readonly Loop[]) => {
      for (const s of body) {
        this.positions.set(s, { order: order++, loops });
        const inner = s.kind === "loop" ? [...loops, s] : loops;
        if (s.kind === "if") this.tests.set(s.test, s);
        if (s.kind === "loop") {
          this.headers.set(s.header, s);
          this.topLevel.set(s, s.body);
          if (s.header.kind === "counted") {
            this.counters.set(s.header.counter, s);
            this.define(s.header.counter, inner);
          }
        }
        if (s.kind === "store" || s.kind === "append") {
          writes.push(s);
          const array = s.array.kind === "var" ? s.array.name : undefined;
          // Typed arrays never grow (they drop writes past their end).
          const kind = array && kinds.get(array);
          if (s.kind === "append" && array) this.growing.add(array);
          if (s.kind === "store" && (kind === "array" || kind === "matrix"))
            stores.push({ store: s, array: array!, loops });
          const typed = kind === "float64" || kind === "float32";
          const element =
            s.kind === "append" ||
            (typed
              ? withinLength(s, lengths, loops, true)
              : wholeNumber(s.indices.at(-1)!, lengths, loops));
          if (!element) {
            this.missing.add(s);
            if (array) this.withProperties.add(array);
          }
        }
        if (s.kind === "const" && s.value.kind === "index")
          this.reads.set(s.name, s as typeof s & { value: { kind: "index" } });
        for (const name of namesGiven(s)) this.define(name, loops);
        nestedBlocks(s).forEach((block) => visit(block, inner));
      }
    };
    this.topLevel.set(undefined, fn.body);
    visit(fn.body, []);
    this.writes = writes;
    const lengthening = () =>
      stores.filter(({ store, loops }) => !withinLength(store, lengths, loops));
    let found = lengthening();
    // A matrix's rows keep one length if no store makes one longer when
    // they have one; if one may, they may not.
    let uneven = false;
    for (const { array } of found)
      uneven = lengths.rectangular.delete(array) || uneven;
    if (uneven) found = lengthening();
    for (const { store, array } of found) {
      this.lengthening.add(store);
      if (store.indices.length === 1) {
        this.growing.add(array);
        this.storedPastEnd.add(array);
      }
    }
  }

  private define(name: string, loops: readonly Loop[]) {
    let set = this.definedIn.get(name);
    if (!set) this.definedIn.set(name, (set = new Set()));
    loops.forEach((loop) => set.add(loop));
  }

  /** The loops around a forward statement, outermost first. */
  loopsOf(s: Stmt): readonly Loop[] {
    return this.position(s).loops;
  }

  /** The forward loop a header belongs to. */
  loopOf(header: LoopHeader): Loop | undefined {
    return this.headers.get(header);
  }

  /**
   * The forward statement `s` is, or is a copy of (a loop by its header,
   * an `if` by its test: the reverse sweep's recomputation of a loop body
   * copies those it takes statements out of).
   */
  forwardOf(s: Stmt): Stmt | undefined {
    const original = originals.get(s);
    if (original) return this.forwardOf(original);
    if (s.kind === "loop") return this.headers.get(s.header);
    if (s.kind === "if") return this.tests.get(s.test) ?? s;
    return s;
  }

  /** Whether anything writes into `array`. */
  isWritten(array: string): boolean {
    return this.writes.some((w) => isVar(w.array, array));
  }

  /**
   * The reads of written arrays in the expressions `s` holds itself (not
   * in nested blocks; a loop's header counts as the loop's).
   */
  readsIn(s: Stmt, at: Stmt, recomputedBy?: Loop): ArrayRead[] {
    const reads: ArrayRead[] = [];
    const add = (array: Expr, access: Access) => {
      if (array.kind === "var" && this.isWritten(array.name)) {
        reads.push({ array: array.name, access, at, recomputedBy });
      }
    };
    const visit = (e: Expr): Expr => {
      if (e.kind === "index")
        add(e.array, { kind: "element", indices: e.indices });
      if (e.kind === "length")
        add(e.array, { kind: "length", indices: e.indices });
      if (e.kind === "copy") add(e.array, { kind: "whole" });
      if (e.kind === "call" || e.kind === "extern") {
        e.args.forEach((a) => add(a, { kind: "whole" }));
      }
      return mapSubexpressions(e, visit);
    };
    if (s.kind === "loop") {
      if (s.header.kind === "counted")
        [s.header.start, s.header.end].map(visit);
      else visit(s.header.condition);
    } else if (s.kind === "if") {
      visit(s.test);
    } else if (s.kind === "store" || s.kind === "append") {
      // The target is written, not read; what is written and where is.
      [s.value, ...(s.kind === "store" ? s.indices : [])].map(visit);
    } else {
      mapExprs(s, visit);
    }
    return reads;
  }

  /**
   * Whether `write` may run after `read` in the forward sweep and change
   * what it read. With `within`, only within one iteration of that loop
   * (around both): the writes a recomputation at the start of the reverse
   * iteration would see too early.
   */
  mayOverwrite(read: ArrayRead, write: Write, within?: Loop): boolean {
    if (!isVar(write.array, read.array)) return false;
    const r = this.position(read.at);
    const w = this.position(write);
    const common: Loop[] = [];
    while (
      common.length < Math.min(r.loops.length, w.loops.length) &&
      r.loops[common.length] === w.loops[common.length]
    ) {
      common.push(r.loops[common.length]!);
    }
    const from = within ? common.indexOf(within) + 1 : 0;
    if (within && from === 0) return false;
    const alias = (same: readonly Loop[], later?: Loop) =>
      this.mayAlias(read, write, new Set(same), later);
    // Later in the same iteration of every loop around both ...
    if (w.order > r.order && alias(common)) return true;
    // ... or in a later iteration of one of them, unless that iteration
    // allocates the array anew.
    const allocatedIn = this.definedIn.get(read.array);
    for (let level = from; level < common.length; level++) {
      if (allocatedIn?.has(common[level]!)) continue;
      if (alias(common.slice(0, level), common[level])) return true;
    }
    return false;
  }

  /**
   * Whether `write` may change what `read` saw when both run in the same
   * iteration of the loops `same`, and `write` in a later iteration of
   * `later` (if given) than `read`.
   */
  private mayAlias(
    read: ArrayRead,
    write: Write,
    same: ReadonlySet<Loop>,
    later: Loop | undefined,
  ): boolean {
    const access = read.access;
    // Pushing a row onto a matrix changes no row.
    if (write.kind === "append")
      return (
        access.kind === "whole" ||
        (access.kind === "length" && access.indices.length === 0)
      );
    if (access.kind === "whole") return true;
    // A store can lengthen only the array its last index is into.
    if (access.kind === "length")
      return (
        this.lengthening.has(write) &&
        write.indices.length === access.indices.length + 1
      );
    const dimensions = Math.min(access.indices.length, write.indices.length);
    for (let d = 0; d < dimensions; d++) {
      const distinct = this.distinct(
        access.indices[d]!,
        write.indices[d]!,
        same,
        later,
      );
      if (distinct) return false;
    }
    return true;
  }

  /** Whether two indices are provably different numbers (see `mayAlias`). */
  private distinct(
    readIndex: Expr,
    writeIndex: Expr,
    same: ReadonlySet<Loop>,
    later: Loop | undefined,
  ): boolean {
    const r = this.affine(readIndex);
    const w = this.affine(writeIndex);
    if (!r || !w) return false;
    // write - read = step * m * advance + gap, for some iteration m >= 1.
    let advance = 0;
    const names = new Set([...r.terms.keys(), ...w.terms.keys()]);
    for (const name of names) {
      const a = r.terms.get(name) ?? 0;
      const b = w.terms.get(name) ?? 0;
      const loops = this.definedIn.get(name) ?? new Set<Loop>();
      const fixed = [...loops].every((loop) => same.has(loop));
      if (fixed) {
        if (a !== b) return false;
        continue;
      }
      const counter = this.counters.get(name);
      const stepped =
        later !== undefined &&
        counter === later &&
        later.header.kind === "counted" &&
        [...loops].every((loop) => loop === later || same.has(loop));
      if (!stepped || a !== b) return false;
      advance = b * (later.header as { step: number }).step;
    }
    const gap = w.constant - r.constant;
    if (later === undefined || advance === 0) return gap !== 0;
    const m = -gap / advance;
    return !(Number.isInteger(m) && m >= 1);
  }

  private affine(e: Expr): Affine | undefined {
    switch (e.kind) {
      case "num":
        return { terms: new Map(), constant: e.value };
      case "var":
        return { terms: new Map([[e.name, 1]]), constant: 0 };
      case "length":
        // A length that never changes is one more fixed symbol (no
        // variable is named with a `#`).
        if (e.array.kind !== "var" || e.indices.length > 0) return undefined;
        if (this.growing.has(e.array.name)) return undefined;
        return { terms: new Map([[`#${e.array.name}`, 1]]), constant: 0 };
      case "neg": {
        const operand = this.affine(e.operand);
        return operand && scale(operand, -1);
      }
      case "binary": {
        const left = this.affine(e.left);
        const right = this.affine(e.right);
        if (!left || !right) return undefined;
        if (e.op === "+") return combine(left, right, 1);
        if (e.op === "-") return combine(left, right, -1);
        if (e.op === "*" && left.terms.size === 0)
          return scale(right, left.constant);
        if (e.op === "*" && right.terms.size === 0)
          return scale(left, right.constant);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * The writes the reverse sweep must undo, for these reads: every write
   * that may change what one of them saw (an element, a `push`, the
   * length a store past the end leaves).
   */
  writesToUndo(reads: readonly ArrayRead[]): Set<Write> {
    const undo = new Set<Write>();
    for (const read of reads) {
      for (const write of this.writes) {
        if (!undo.has(write) && this.mayOverwrite(read, write)) undo.add(write);
      }
    }
    return undo;
  }

  /**
   * Whether a store may write past the end of the array (or row) it
   * writes: to undo it, the reverse sweep gives the length back too.
   */
  mayLengthen(write: Write): boolean {
    return this.lengthening.has(write);
  }

  /**
   * Whether a write, or a copy of one, may change the length of what it
   * writes (the array or a row): an append, a `shorten`, a store past
   * the end.
   */
  mayReshape(write: Stmt): boolean {
    const forward = this.forwardOf(write);
    return (
      forward?.kind !== "store" ||
      !this.positions.has(forward) ||
      this.lengthening.has(forward)
    );
  }

  /** Whether a store may make `array` itself (not a row of it) longer. */
  mayBeStoredPastEnd(array: string): boolean {
    return this.storedPastEnd.has(array);
  }

  /**
   * Whether a store may fall outside the elements of its array, where JS
   * drops it (a typed array) or makes a property (`a[-1]`, `a[0.5]`): the
   * reverse sweep's adjoint array has no element there.
   */
  mayMissElements(write: Write): boolean {
    return this.missing.has(write);
  }

  /**
   * Whether a store may give `array`, a `number[]` or a matrix, a
   * property (`a[-1]`, `a[0.5]`), which a copy (`a.slice()`) does not have.
   */
  mayHaveProperties(array: string): boolean {
    const kind = this.kinds.get(array);
    return (
      (kind === "array" || kind === "matrix") && this.withProperties.has(array)
    );
  }

  /**
   * Whether `s`, a read of an element of a `number[]` (a matrix's row),
   * may be at an index that names no element (`a[-1]`, `a[0.5]`) where a
   * store may have made a property: the adjoint array has no element
   * there to add into. (Elsewhere such a read gives `undefined`, and the
   * function's value is NaN already.)
   */
  readMayMissElements(s: Stmt, array: Expr, indices: readonly Expr[]): boolean {
    if (array.kind !== "var") return false;
    const kind = this.kinds.get(array.name);
    if (kind !== "array" && kind !== "matrix") return false;
    if (!this.withProperties.has(array.name)) return false;
    const at = this.forwardOf(s);
    const position = at && this.positions.get(at);
    return (
      !position || !wholeNumber(indices.at(-1)!, this.lengths, position.loops)
    );
  }

  /**
   * The writes in one iteration of `loop` that may change what `read` saw
   * before that iteration ends.
   */
  hazards(read: ArrayRead, loop: Loop): Write[] {
    return this.writes.filter(
      (w) =>
        this.position(w).loops.includes(loop) &&
        this.mayOverwrite(read, w, loop),
    );
  }

  /**
   * For a store, an element read whose value is what the store overwrites:
   * `const t = a[i]` earlier in the same loop body (or the function body
   * outside loops), the same element, nothing written into `a` in between.
   * The reverse sweep can restore the element from it.
   */
  overwrittenValue(
    store: Extract<Write, { kind: "store" }>,
  ): string | undefined {
    const key = expressionKey({
      kind: "index",
      array: store.array,
      indices: store.indices,
    });
    return key === undefined ? undefined : this.firstRead(store, key);
  }

  /**
   * For `const t = a[i]` in a loop body (or the function body, `if`s
   * included), the first read of the same element at the top level of that
   * body, if nothing writes into `a` in between: it holds the same value.
   */
  sameValueAs(name: string): string | undefined {
    const read = this.reads.get(name);
    const key = read && expressionKey(read.value);
    return key === undefined ? undefined : this.firstRead(read!, key);
  }

  /** The first `const t = <key>` at the top level of the body `s` is in, with nothing written into its array from there up to `s`. */
  private firstRead(s: Stmt, key: string): string | undefined {
    const { order, loops } = this.position(s);
    for (const t of this.topLevel.get(loops.at(-1))!) {
      const at = this.position(t).order;
      if (at >= order) return undefined;
      if (
        t.kind === "const" &&
        t.value.kind === "index" &&
        expressionKey(t.value) === key &&
        !this.writtenBetween(t.value.array, at, order)
      ) {
        return t.name;
      }
    }
    return undefined;
  }

  private writtenBetween(array: Expr, from: number, to: number): boolean {
    return this.writes.some((w) => {
      const at = this.position(w).order;
      return sameVar(w.array, array) && from < at && at < to;
    });
  }

  private position(s: Stmt): Position {
    const position = this.positions.get(s);
    if (!position) throw new Error("array-writes: not a forward statement");
    return position;
  }
}

/** The statements rewritten forms (`const t = v` -> `t = v`) stand for. */
const originals = new WeakMap<Stmt, Stmt>();

/** `rewritten` is `original` in another form, reading the same arrays. */
export function rewrittenFrom(rewritten: Stmt, original: Stmt): Stmt {
  originals.set(rewritten, original);
  return rewritten;
}

/** The name a normalized statement gives a value (not in nested blocks). */
function namesGiven(s: Stmt): string[] {
  return s.kind === "const" || s.kind === "declare" || s.kind === "assign"
    ? [s.name]
    : [];
}

/** The same variable or the same integer: an index that names one row. */
function sameIndex(a: Expr, b: Expr): boolean {
  if (a.kind === "num") return b.kind === "num" && a.value === b.value;
  return a.kind === "var" && isVar(b, a.name);
}

const sameVar = (a: Expr, b: Expr) => b.kind === "var" && isVar(a, b.name);

function scale(a: Affine, factor: number): Affine {
  const terms = [...a.terms].map(([name, c]): [string, number] => [
    name,
    c * factor,
  ]);
  return {
    terms: new Map(terms.filter(([, c]) => c !== 0)),
    constant: a.constant * factor,
  };
}

function combine(a: Affine, b: Affine, sign: 1 | -1): Affine {
  const terms = new Map(a.terms);
  for (const [name, c] of b.terms)
    terms.set(name, (terms.get(name) ?? 0) + sign * c);
  for (const [name, c] of terms) if (c === 0) terms.delete(name);
  return { terms, constant: a.constant + sign * b.constant };
}

/**
 * What is known of the lengths of a function's local arrays: the length
 * of each made with one that is a literal number (`[a, b]`, `new
 * Array(3)`, and its rows' for `Array.from({ length: n }, () => new
 * Array(3).fill(0))`), and which arrays have one length (a copy and what
 * it copies, `new Array(x.length)` and `x`), so that a loop up to the
 * length of one that nothing writes into stays within the other. Nothing
 * shortens a local array; one that `push` grows has a length of its own.
 */
export interface Lengths {
  readonly of: ReadonlyMap<string, number>;
  readonly rowsOf: ReadonlyMap<string, number>;
  /**
   * The length each array (each row) was made with, `n` in
   * `new Float64Array(n)`, for a loop up to the same `n`: a module-level
   * constant, or a local nothing changes (SSA names a local anew where it
   * changes, except where a loop carries it); or `n + c`, `c` a whole
   * number (a border of `c` elements), which a loop up to `n` stays `c`
   * short of.
   */
  readonly madeWith: ReadonlyMap<string, MadeLength>;
  readonly rowsMadeWith: ReadonlyMap<string, MadeLength>;
  /** Each `const`'s value. */
  readonly values: ReadonlyMap<string, Expr>;
  /**
   * Matrices whose rows all have one length: made with a length for each
   * row, never given a row by `push` or `m[i] = row`. (No store makes one
   * row longer than the rest, by the rules here, so they stay so.)
   */
  readonly rectangular: Set<string>;
  /**
   * Whether `b` is at least as long as `a` always: one is a copy (or a
   * copy of a copy) of the other, or made with the other's length, and
   * `a`, whose length bounds writes into `b`, is never written into or
   * grown; arrays only grow. (Two copies of one source are not: it may
   * grow between them.)
   */
  same(a: string, b: string): boolean;
}

/** A length `n + by`: `n` by its key (`expressionKey`). */
interface MadeLength {
  readonly n: string;
  readonly by: number;
}

export function knownLengths(fn: FunctionIR): Lengths {
  const of = new Map<string, number>();
  const rowsOf = new Map<string, number>();
  /** `n` and `c` of a length `n + c` (`c` 0 for `n`). */
  const madeWith = new Map<string, [Expr, number]>();
  const rowsMadeWith = new Map<string, [Expr, number]>();
  /** Variables a loop carries (`assign`) or branches join (`declare`). */
  const changing = new Set<string>();
  const constant = (e: Expr) => e.kind === "verbatim" || e.kind === "var";
  /** A constant `n`, or `n + c` with `c` a whole number. */
  const madeLength = (e: Expr): [Expr, number] | undefined =>
    constant(e)
      ? [e, 0]
      : e.kind === "binary" &&
          e.op === "+" &&
          constant(e.left) &&
          e.right.kind === "num" &&
          isArrayIndex(e.right.value)
        ? [e.left, e.right.value]
        : undefined;
  /** Whether `e` is an integer: a length, or an outer integer constant. */
  const integerLength = (e: Expr): boolean => {
    const value = e.kind === "var" ? values.get(e.name) : e;
    return (
      value?.kind === "length" ||
      (value?.kind === "verbatim" && value.integer === true)
    );
  };
  const values = new Map<string, Expr>();
  const rowsMade = new Set<string>();
  const rowsReplaced = new Set<string>();
  const like = new Map<string, string>();
  const appended = new Set<string>();
  const written = new Set<string>();
  /** Whether `from` is `name`'s source, or its source's, and so on. */
  const descends = (name: string, from: string): boolean => {
    const source = like.get(name);
    return source !== undefined && (source === from || descends(source, from));
  };
  const visit = (body: readonly Stmt[]) => {
    for (const s of body) {
      if (s.kind === "assign" || s.kind === "declare") changing.add(s.name);
      if (s.kind === "append" && s.array.kind === "var")
        appended.add(s.array.name);
      if (s.kind === "store" && s.array.kind === "var")
        written.add(s.array.name);
      if (
        s.kind === "store" &&
        s.array.kind === "var" &&
        s.indices.length === 1
      )
        rowsReplaced.add(s.array.name);
      if (s.kind === "const") {
        const v = s.value;
        values.set(s.name, v);
        if (v.kind === "arrayLiteral") {
          of.set(s.name, v.elements.length);
        }
        if (v.kind === "newArray") {
          if (v.length.kind === "num") of.set(s.name, v.length.value);
          if (v.columns?.kind === "num") rowsOf.set(s.name, v.columns.value);
          // `new Float64Array(2.5)` has 2 elements (`new Array(2.5)` throws).
          const typed = v.arrayKind === "float64" || v.arrayKind === "float32";
          const made = madeLength(v.length);
          if (made && (!typed || integerLength(made[0])))
            madeWith.set(s.name, made);
          const columns = v.columns && madeLength(v.columns);
          if (columns) rowsMadeWith.set(s.name, columns);
          if (v.columns) rowsMade.add(s.name);
          // After `ssa`, `new Float64Array(n)` for `n = x.length`.
          const source =
            v.length.kind === "var"
              ? (values.get(v.length.name) ?? v.length)
              : v.length;
          if (
            source.kind === "length" &&
            source.array.kind === "var" &&
            source.indices.length === 0
          )
            like.set(s.name, source.array.name);
        }
        const source =
          v.kind === "copy" && !v.matrix
            ? v.array
            : v.kind === "zeros"
              ? v.like
              : undefined;
        if (source?.kind === "var") like.set(s.name, source.name);
        // Arrays only grow: a copy is at least as long as its source was
        // at its start (a lower bound is all a proof needs).
        const from = like.get(s.name);
        const known = from === undefined ? undefined : of.get(from);
        if (known !== undefined) of.set(s.name, known);
      }
      nestedBlocks(s).forEach(visit);
    }
  };
  visit(fn.body);
  const keys = (made: Map<string, [Expr, number]>) => {
    const out = new Map<string, MadeLength>();
    for (const [name, [e, by]] of made) {
      const key = expressionKey(e);
      if (key !== undefined && !(e.kind === "var" && changing.has(e.name)))
        out.set(name, { n: key, by });
    }
    return out;
  };
  return {
    of,
    rowsOf,
    madeWith: keys(madeWith),
    rowsMadeWith: keys(rowsMadeWith),
    values,
    rectangular: new Set(
      [...rowsMade].filter((m) => !appended.has(m) && !rowsReplaced.has(m)),
    ),
    same: (a, b) =>
      a === b ||
      (!appended.has(a) &&
        !written.has(a) &&
        (descends(a, b) || descends(b, a))),
  };
}

/**
 * Whether a store into a local `number[]` or matrix stays within it: at a
 * constant index below its known length, or at the counter of a loop
 * around it that runs between 0 and that length less one, or the length
 * of the array (or one of the same length) less one (`for (let i = 0; i <
 * h.length; i++) h[i] = ...`, or from `h.length - 1` down to 0). A store
 * into a row stays within the row the same way, by the row's own length
 * (`for (let j = 0; j < m[i].length; j++) m[i][j] = ...`). Anything else
 * may make the array (or the row) longer.
 */
export function withinLength(
  s: Extract<Stmt, { kind: "store" }>,
  lengths: Lengths,
  loops: readonly Loop[],
  /**
   * Whether the index must be an element's, for a typed array (which
   * drops other writes), of unknown length too.
   */
  proven = false,
): boolean {
  if (s.indices.length > 2 || s.array.kind !== "var") return false;
  const array = s.array.name;
  const row = s.indices.slice(0, -1);
  const known =
    row.length === 0 ? lengths.of.get(array) : lengths.rowsOf.get(array);
  // An array whose length tsad cannot see (a copy of a parameter, a row
  // of a matrix made with a length from one) has at least none.
  const length = known ?? 0;
  // After `ssa`, an index is often a name for what it computes.
  const resolve = (e: Expr): Expr =>
    e.kind === "var" ? (lengths.values.get(e.name) ?? e) : e;
  const index = s.indices.at(-1)!;
  const integer = (e: Expr): number | undefined =>
    e.kind === "num" && Number.isInteger(e.value) ? e.value : undefined;
  /** Whether the counter stays at or above 0 from `e`: a bound or start. */
  const atLeastZero = (e: Expr, strict: boolean) =>
    (integer(e) ?? -Infinity) >= (strict ? -1 : 0);
  // The length it was made with (rows: all of them, still).
  const made =
    row.length === 0
      ? lengths.madeWith.get(array)
      : lengths.rectangular.has(array)
        ? lengths.rowsMadeWith.get(array)
        : undefined;
  /** `c` where the array was made `e + c` long. */
  const madeBeyond = (e: Expr) =>
    made && [e, resolve(e)].some((b) => expressionKey(b) === made.n)
      ? made.by
      : undefined;
  /** `h.length`, or another name for it. */
  const ownLength = (bound: Expr) => {
    const l = resolve(bound);
    if (madeBeyond(bound) === 0) return true;
    return (
      l.kind === "length" &&
      l.array.kind === "var" &&
      (row.length > 0
        ? l.array.name === array
        : lengths.same(l.array.name, array)) &&
      l.indices.length === row.length &&
      (lengths.rectangular.has(array) ||
        l.indices.every((i, d) => sameIndex(i, row[d]!)))
    );
  };
  /** How far below the array's length `e` is: `h.length - c` is c below. */
  const belowBy = (e: Expr): number | undefined => {
    if (ownLength(e)) return 0;
    const r = resolve(e);
    return r.kind === "binary" && r.op === "-" && ownLength(r.left)
      ? integer(r.right)
      : undefined;
  };
  /** Whether the counter stays below the array's length from `e`. */
  const belowLength = (e: Expr, strict: boolean) => {
    const last = (strict ? -1 : 0) + (integer(e) ?? Infinity);
    if (last < length) return true;
    if ((madeBeyond(e) ?? -1) >= (strict ? 0 : 1)) return true;
    // `h.length`, or `h.length - c` with c >= 1 when the bound is reached.
    if (strict && ownLength(e)) return true;
    return (
      e.kind === "binary" &&
      e.op === "-" &&
      ownLength(e.left) &&
      (integer(e.right) ?? 0) >= (strict ? 0 : 1)
    );
  };
  const constant = integer(index);
  if (constant !== undefined)
    return atLeastZero(index, false) && belowLength(index, false);
  // `e % n`, n a length or a positive literal no greater than the length
  // (`e % -9` reaches 8), is below it, or negative, fractional or NaN: a
  // property of a `number[]`, not an element, but nothing in a typed
  // array (`proven`). So is `h.length - c` with c >= 1.
  const value = resolve(index);
  if (value.kind === "binary" && value.op === "%") {
    const n = resolve(value.right);
    const positive = n.kind === "length" || (integer(n) ?? 0) > 0;
    return !proven && positive && belowLength(n, true);
  }
  if (!proven && belowLength(value, false) && value.kind === "binary")
    return true;
  // `i + c`, `i - c` with literal bounds for i: its range, shifted.
  const shifted = value.kind === "binary" && shiftOf(value);
  if (shifted && Number.isInteger(shifted.by)) {
    const header = countedHeader(loops, shifted.counter);
    if (header?.kind !== "counted" || !Number.isInteger(header.step))
      return false;
    const [first, last] = [integer(header.start), integer(header.end)];
    // `i < h.length - c` stepping up: `i + c` stays below the length too.
    const below = belowBy(header.end);
    if (
      first !== undefined &&
      last === undefined &&
      below !== undefined &&
      header.step > 0 &&
      !header.inclusive
    )
      return first + shifted.by >= 0 && shifted.by <= below;
    if (first === undefined || last === undefined) return false;
    const inside = header.inclusive ? 0 : Math.sign(header.step);
    const [low, high] =
      header.step > 0 ? [first, last - inside] : [last - inside, first];
    return low + shifted.by >= 0 && high + shifted.by < length;
  }
  if (index.kind !== "var") return false;
  const header = countedHeader(loops, index.name);
  if (header?.kind !== "counted" || !Number.isInteger(header.step))
    return false;
  const { start, end, inclusive, step } = header;
  return step > 0
    ? atLeastZero(start, false) && belowLength(end, !inclusive)
    : belowLength(start, false) && atLeastZero(end, !inclusive);
}

/**
 * Whether an index is a whole number (0, 1, 2, ...), which a store into a
 * `number[]` makes an element if it is not one yet: a literal, a length,
 * a counter that steps by whole numbers from one and stays at 0 or above,
 * a sum or product of those, or the remainder of one by a positive
 * literal. Not `h.length - 1` (-1 for an empty array): JS makes `a[-1]`,
 * `a[0.5]` properties, which the adjoint array has no element for.
 */
/**
 * Whether a number names an element of an array: a whole number below
 * 2 ** 32 - 1. (Any other is a property: `a[-1]`, `a[0.5]`, `a[2 ** 32]`.)
 */
export function isArrayIndex(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < 2 ** 32 - 1;
}

function wholeNumber(
  e: Expr,
  lengths: Lengths,
  loops: readonly Loop[],
): boolean {
  const whole = (e: Expr): boolean => {
    switch (e.kind) {
      case "num":
        return isArrayIndex(e.value);
      case "length":
        return true;
      case "var": {
        const value = lengths.values.get(e.name);
        if (value) return whole(value);
        const header = countedHeader(loops, e.name);
        if (header?.kind !== "counted" || !Number.isInteger(header.step))
          return false;
        // Stepping up from a whole number, or down from an integer to a
        // whole number (`i >= 0`, `i > -1`).
        if (header.step > 0) return whole(header.start);
        const { end } = header;
        const aboveMinus1 =
          end.kind === "num" && Number.isInteger(end.value) && end.value >= -1;
        return (
          integral(header.start) &&
          (whole(end) || (!header.inclusive && aboveMinus1))
        );
      }
      case "binary":
        if (e.op === "+" || e.op === "*")
          return whole(e.left) && whole(e.right);
        if (e.op === "%")
          return (
            whole(e.left) &&
            e.right.kind === "num" &&
            Number.isInteger(e.right.value) &&
            e.right.value > 0
          );
        return false;
      default:
        return false;
    }
  };
  /** An integer, maybe negative: a whole number, or one less another. */
  const integral = (e: Expr): boolean =>
    whole(e) ||
    (e.kind === "var" && lengths.values.has(e.name)
      ? integral(lengths.values.get(e.name)!)
      : e.kind === "binary" &&
        e.op === "-" &&
        integral(e.left) &&
        integral(e.right));
  return whole(e);
}

/** The header of the counted loop among `loops` that `counter` counts. */
function countedHeader(
  loops: readonly Loop[],
  counter: string,
): Extract<LoopHeader, { kind: "counted" }> | undefined {
  for (const { header } of loops)
    if (header.kind === "counted" && header.counter === counter) return header;
  return undefined;
}

/** `i + 2` -> { counter: i, by: 2 }; `i - 1` -> by -1; `3 + i` too. */
function shiftOf(
  e: Extract<Expr, { kind: "binary" }>,
): { counter: string; by: number } | undefined {
  const { op, left, right } = e;
  if (op === "+" && left.kind === "var" && right.kind === "num")
    return { counter: left.name, by: right.value };
  if (op === "+" && left.kind === "num" && right.kind === "var")
    return { counter: right.name, by: left.value };
  if (op === "-" && left.kind === "var" && right.kind === "num")
    return { counter: left.name, by: -right.value };
  return undefined;
}
