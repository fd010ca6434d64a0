/**
 * Normalize, step 4: an index that reads the array its store writes is
 * computed once, before the store.
 *
 *   a[a.length + 1] = v;     ->     const at = a.length + 1;
 *                                   a[at] = v;
 *
 * The derivatives compute a store's index again after the store (the
 * tangent's `da[k] = dv`, the reverse sweep's `a_adj[k]` and the undo of
 * the store), when a store past the end has changed the length it read,
 * or a store the element (`a[a[0]] = v` with `a[0]` zero). A name keeps
 * the index the store used; the reverse sweep keeps it as it keeps any
 * value computed from an array before a write into it.
 */
import {
  mapBlocks,
  someSubexpression,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "../ir";
import type { Names } from "../naming";

export function nameSelfIndices(fn: FunctionIR, names: Names): FunctionIR {
  const block = (body: readonly Stmt[]): readonly Stmt[] =>
    body.flatMap((s): Stmt[] => {
      if (s.kind !== "store" || s.array.kind !== "var")
        return [mapBlocks(s, block)];
      const array = s.array.name;
      const reads = (e: Expr) =>
        someSubexpression(
          e,
          (inner) =>
            (inner.kind === "index" || inner.kind === "length") &&
            inner.array.kind === "var" &&
            inner.array.name === array,
        );
      const named: Stmt[] = [];
      const indices = s.indices.map((index): Expr => {
        if (!reads(index)) return index;
        const name = names.fresh("at");
        named.push({ kind: "const", name, value: index });
        return { kind: "var", name };
      });
      return named.length === 0 ? [s] : [...named, { ...s, indices }];
    });
  return { ...fn, body: block(fn.body) };
}
