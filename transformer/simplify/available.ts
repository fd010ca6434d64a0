/**
 * Values a block has computed in `const`s, by their keys, and which of
 * them a statement makes stale by writing what they read: a later
 * statement (index.ts's `reuseComputedValues`) or loop (invariants.ts)
 * reads the `const` instead of computing the value again.
 */
import {
  allReads,
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
 * array other names may reach (see facts.ts's `own`).
 */
export function forget(
  available: Available,
  s: Stmt,
  ownName: (array: string) => boolean,
) {
  if (available.size === 0) return;
  const written = new Set<string>();
  let elementsStay = true;
  forEachWritten(s, (name, element) => {
    written.add(name);
    if (element) elementsStay &&= ownName(name);
  });
  if (written.size === 0) return;
  for (const [key, { reads, elements }] of available) {
    if ((elements && !elementsStay) || intersects(reads, written))
      available.delete(key);
  }
}

/**
 * `visit` on each variable `s` assigns or defines, nested blocks too;
 * `element` where it writes elements of an array (`writtenArrays`). One
 * walk: `forget` runs for every statement the passes look at.
 */
function forEachWritten(
  s: Stmt,
  visit: (name: string, element: boolean) => void,
): void {
  switch (s.kind) {
    case "const":
    case "declare":
    case "assign":
    case "pop":
      return visit(s.name, false);
    case "accumulate":
      return visit(s.name, s.indices !== undefined);
    case "destructure":
      for (const name of s.names) if (name !== undefined) visit(name, false);
      return;
    case "store":
    case "append":
    case "shorten":
      if (s.array.kind === "var") visit(s.array.name, true);
      return;
    case "loop":
      if (s.header.kind === "counted") visit(s.header.counter, false);
      break;
  }
  for (const block of nestedBlocks(s))
    for (const t of block) forEachWritten(t, visit);
}

/** Whether the sets share a name; looks up the smaller one's names. */
function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size > b.size) return intersects(b, a);
  for (const name of a) if (b.has(name)) return true;
  return false;
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
