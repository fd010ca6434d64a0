/**
 * Values a block has computed in `const`s, by their keys, and which of
 * them a statement makes stale by writing what they read: a later
 * statement (index.ts's `reuseComputedValues`) or loop (invariants.ts)
 * reads the `const` instead of computing the value again.
 */
import {
  allReads,
  assignedScalars,
  definedNames,
  nestedBlocks,
  someSubexpression,
  type Expr,
  type Stmt,
} from "../ir";
import { expressionKey } from "./algebra";

export type Available = Map<
  string,
  { name: string; reads: Set<string>; elements: boolean }
>;

/** `name` holds `value`, from here on. */
export function remember(available: Available, name: string, value: Expr) {
  const key = expressionKey(value);
  if (key === undefined) return;
  const reads = new Set<string>();
  allReads(value, (read) => reads.add(read));
  available.set(key, { name, reads, elements: readsElements(value) });
}

/**
 * Drops the values that `s` may change by writing what they read, or
 * shadow by defining a name they read again (the reverse sweep's copy of a
 * loop body reuses the body's names): all element reads where it writes an
 * array other names may reach (see arrays.ts's `ownArrays`).
 */
export function forget(
  available: Available,
  s: Stmt,
  ownName: (array: string) => boolean,
) {
  if (available.size === 0) return;
  const written = new Set<string>();
  writtenArrays([s], written);
  let elementsStay = true;
  for (const array of written) elementsStay &&= ownName(array);
  assignedScalars([s], written);
  definedNames([s], written);
  if (written.size === 0) return;
  for (const [key, { reads, elements }] of available) {
    if (elements && !elementsStay) available.delete(key);
    else for (const name of reads) if (written.has(name)) available.delete(key);
  }
}

/** Reads an element, a row or the length of an array. */
export function readsElements(e: Expr): boolean {
  return someSubexpression(
    e,
    (inner) => inner.kind === "index" || inner.kind === "length",
  );
}

/** Arrays written in these statements, element by element or whole. */
export function writtenArrays(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (
      (s.kind === "store" || s.kind === "append" || s.kind === "shorten") &&
      s.array.kind === "var"
    ) {
      into.add(s.array.name);
    }
    if (s.kind === "accumulate" && s.indices !== undefined) into.add(s.name);
    nestedBlocks(s).forEach((block) => writtenArrays(block, into));
  }
}
