/**
 * The length of a copy is the length of what it copies, while neither
 * changes length. A reverse sweep that makes a copy again only for its
 * length (to run its adjoint loop) reads the source's instead, and the
 * copy goes as dead code:
 *
 *   let h;
 *   if (!test) h = xs.slice();          (removed)
 *   if (!test) {                    ->  if (!test) {
 *     for (let j = h.length - 1; ...)     for (let j = xs.length - 1; ...)
 *
 * Only where nothing writes into either array or reads it whole (to give
 * it another name or to a call), the source is never reassigned, and
 * every value of the copy is a copy of it.
 */
import {
  forEachExpr,
  forEachSubexpression,
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  readsWhole,
  type Expr,
  type Stmt,
} from "../ir";

/** `body` reading sources' lengths for copies'; `undefined` if none. */
export function lengthsOfSources(
  body: readonly Stmt[],
): readonly Stmt[] | undefined {
  const sources = copiesOf(body);
  if (sources.size === 0) return undefined;
  let changed = false;
  const measure = (e: Expr): Expr => {
    if (e.kind === "length" && e.array.kind === "var") {
      const source = sources.get(e.array.name);
      if (source && e.indices.length === 0) {
        changed = true;
        return { ...e, array: { kind: "var", name: source } };
      }
    }
    return mapSubexpressions(e, measure);
  };
  const result = body.map((s) => mapExprs(s, measure));
  return changed ? result : undefined;
}

/** The copies `const h = xs.slice()` that keep their source's length. */
function copiesOf(body: readonly Stmt[]): Map<string, string> {
  /** Each name's values: a copy's source, or `null` for anything else. */
  const values = new Map<string, (string | null)[]>();
  const written = new Set<string>();
  const define = (name: string, value: Expr | undefined) => {
    const source =
      value?.kind === "copy" && value.array.kind === "var"
        ? value.array.name
        : null;
    values.set(name, [...(values.get(name) ?? []), source]);
  };
  const visit = (block: readonly Stmt[]) => {
    for (const s of block) {
      switch (s.kind) {
        case "const":
        case "assign":
          define(s.name, s.value);
          break;
        case "declare":
          // `let h;` gives no value a read could see.
          if (s.init) define(s.name, s.init);
          break;
        case "pop":
          define(s.name, undefined);
          break;
        case "destructure":
          s.names.forEach((name) => name && define(name, undefined));
          break;
        case "accumulate":
          if (s.indices) written.add(s.name);
          break;
        case "store":
        case "append":
        case "shorten":
          writtenArrays(s.array, written);
          break;
        case "loop":
          if (s.header.kind === "counted") define(s.header.counter, undefined);
          break;
      }
      nestedBlocks(s).forEach(visit);
    }
  };
  visit(body);
  const sources = new Map<string, string>();
  // Under another name, or given to a call, either could change length.
  const readWhole = (name: string) => {
    let found = false;
    forEachExpr(body, (e) => (found ||= readsWhole(e, name)));
    return found;
  };
  // Each of its definitions (the forward sweep's, the reverse sweep's
  // again) copies the same source.
  for (const [name, [source, ...others]] of values) {
    if (
      source &&
      others.every((other) => other === source) &&
      !written.has(name) &&
      !written.has(source) &&
      // A source with no definition here is a parameter, never assigned.
      (values.get(source) ?? []).length <= 1 &&
      !readWhole(name) &&
      !readWhole(source)
    ) {
      sources.set(name, source);
    }
  }
  return sources;
}

/** The arrays a write through `target` (`a`, `m[i]`) may change. */
function writtenArrays(target: Expr, into: Set<string>): void {
  if (target.kind === "var") into.add(target.name);
  forEachSubexpression(target, (inner) => writtenArrays(inner, into));
}
