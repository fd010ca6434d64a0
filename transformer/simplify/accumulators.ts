/**
 * Adjoint elements a loop only adds to, at an index the loop does not
 * change, are summed in a local variable and added once after the loop,
 * as a person writes it: one write per loop instead of a read and a write
 * per iteration.
 *
 *   for (let j = n - 1; j >= 0; j--) {      let x_adj_i = 0;
 *     x_adj[j] += a * s_adj;           ->   for (let j = n - 1; j >= 0; j--) {
 *     x_adj[i] += b * s_adj;                  x_adj[j] += a * s_adj;
 *   }                                         x_adj_i += b * s_adj;
 *                                           }
 *                                           x_adj[i] += x_adj_i;
 *
 * Only where the loop never reads the array nor writes it otherwise, so
 * the sum is the same up to the order of the additions (`x_adj[j]` may be
 * `x_adj[i]` for one `j`).
 */
import {
  arrayKinds,
  containsLoop,
  allReads,
  assignedScalars,
  definedNames,
  forEachExpr,
  mapBlocks,
  nestedBlocks,
  num,
  ref,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "../ir";
import {
  knownLengths,
  withinLength,
  type Lengths,
  type Loop,
} from "../array-writes";
import { expressionKey } from "./algebra";
import type { ValueKind } from "../../runtime/registry";
import type { Names } from "../naming";

/** `body` with such sums local; `undefined` if there are none. */
export function localizeAccumulators(
  fn: FunctionIR,
  reserved: Names,
): Stmt[] | undefined {
  const { body } = fn;
  if (!containsLoop(body)) return undefined;
  // Most calls find no sum to keep, so no name to make.
  let names: Names | undefined;
  const fresh = (description: string) => {
    if (!names) {
      const used = definedNames(body);
      forEachExpr(body, (e) => allReads(e, (name) => used.add(name)));
      names = reserved.with(used);
    }
    return names.freshFrom(description);
  };
  // Found when a sum is first kept: most calls keep none.
  let kinds: Map<string, ValueKind> | undefined;
  let lengths: Lengths | undefined;
  /**
   * Whether adding 0 to the sum's element after a loop (inside `loops`)
   * changes nothing even where the loop added nothing: a typed array
   * ignores an index past its end, and an index proven below the length
   * names an element.
   */
  const harmless = (sum: Sum, loops: readonly Loop[]) => {
    const kind = (kinds ??= arrayKinds(fn)).get(sum.array);
    return (
      kind === "float64" ||
      kind === "float32" ||
      withinLength(
        {
          kind: "store",
          array: ref(sum.array),
          indices: sum.indices,
          value: num(0),
          mode: "set",
        },
        (lengths ??= knownLengths(fn)),
        loops,
      )
    );
  };
  let changed = false;
  const visit = (block: readonly Stmt[], loops: readonly Loop[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if (s.kind !== "loop") return [mapBlocks(s, (b) => visit(b, loops))];
      const inner = mapBlocks(s, (b) => visit(b, [...loops, s]));
      const localized = localizeIn(inner, (sum) => harmless(sum, loops), fresh);
      if (localized === undefined) return [inner];
      changed = true;
      return localized;
    });
  const result = visit(body, []);
  return changed ? result : undefined;
}

interface Sum {
  readonly array: string;
  readonly indices: readonly Expr[];
  readonly local: string;
}

/**
 * `harmless`: whether a sum may be added without a test of 0 (see
 * `localizeAccumulators`); `fresh`: a new name, from a description
 * (`Names.freshFrom`).
 */
function localizeIn(
  loop: Loop,
  harmless: (sum: Sum) => boolean,
  fresh: (description: string) => string,
): Stmt[] | undefined {
  const inside = nestedBlocks(loop).flat();
  const changing = definedNames(inside);
  assignedScalars(inside, changing);
  if (loop.header.kind === "counted") changing.add(loop.header.counter);
  const read = new Set<string>();
  forEachExpr([loop], (e) => allReads(e, (name) => read.add(name)));
  const written = new Set<string>();
  writtenArrays(loop.body, written);

  const sums = new Map<string, Sum>();
  const rewrite = (block: readonly Stmt[]): Stmt[] =>
    block.map((statement): Stmt => {
      // An inner loop's sum, added if not 0: added to a local, 0 is
      // nothing.
      const s = guardedAddition(statement) ?? statement;
      if (s.kind === "if") return mapBlocks(s, rewrite);
      if (s.kind !== "accumulate" || s.indices === undefined) return s;
      if (read.has(s.name) || written.has(s.name)) return statement;
      let varies = false;
      s.indices.forEach((e) =>
        allReads(e, (name) => (varies ||= changing.has(name))),
      );
      const keys = s.indices.map(expressionKey);
      if (varies || keys.includes(undefined)) return statement;
      const key = `${s.name}[${keys.join("][")}]`;
      let sum = sums.get(key);
      if (!sum) {
        const local = fresh(`${s.name}_${keys.join("_")}`);
        sum = { array: s.name, indices: s.indices, local };
        sums.set(key, sum);
      }
      return { kind: "accumulate", name: sum.local, value: s.value };
    });
  const body = rewrite(loop.body);
  if (sums.size === 0) return undefined;
  return [
    ...[...sums.values()].map((sum): Stmt => ({
      kind: "declare",
      name: sum.local,
      init: num(0),
    })),
    { ...loop, body },
    ...[...sums.values()].map((sum): Stmt => {
      const add: Stmt = {
        kind: "accumulate",
        name: sum.array,
        indices: sum.indices,
        value: ref(sum.local),
      };
      // Where the loop added nothing (it ran no iteration, or a branch
      // skipped the additions) the index may name no element, and adding
      // even 0 to a `number[]` would make one, NaN.
      if (harmless(sum)) return add;
      return {
        kind: "if",
        test: {
          kind: "compare",
          op: "!==",
          left: ref(sum.local),
          right: num(0),
        },
        then: [add],
        else: [],
      };
    }),
  ];
}

/** `if (s !== 0) a[i] += s;`, as `localizeIn` writes it: the addition. */
function guardedAddition(
  s: Stmt,
): Extract<Stmt, { kind: "accumulate" }> | undefined {
  if (s.kind !== "if" || s.else.length > 0 || s.then.length !== 1) return;
  const [add] = s.then;
  const { test } = s;
  return add?.kind === "accumulate" &&
    add.value.kind === "var" &&
    test.kind === "compare" &&
    test.op === "!==" &&
    test.left.kind === "var" &&
    test.left.name === add.value.name &&
    test.right.kind === "num" &&
    test.right.value === 0
    ? add
    : undefined;
}

/** Arrays written other than by adding to an element. */
function writtenArrays(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (
      (s.kind === "store" || s.kind === "append" || s.kind === "shorten") &&
      s.array.kind === "var"
    ) {
      into.add(s.array.name);
    }
    nestedBlocks(s).forEach((block) => writtenArrays(block, into));
  }
}
