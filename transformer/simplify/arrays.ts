/**
 * Which arrays of a body only their own name reaches, for the passes that
 * move or drop writes and reads of elements (liveness.ts, invariants.ts):
 *
 *   const a = new Array(n).fill(0);  a[i] = x;   a: owned
 *   const r = m[i];  r[j] = x;                   r, m: not (a row)
 *   const b = a;  b[0] = x;                      a: shared
 */
import {
  forEachExpr,
  forEachSubexpression,
  nestedBlocks,
  type Expr,
  type Stmt,
} from "../ir";

/**
 * The arrays the body allocates whose elements no other name can reach:
 * never given to another name or array (`const b = a`, `m.push(a)`), only
 * indexed, measured, copied, passed to a call (callees write no
 * parameter) or returned; and for a matrix, no row taken or put in whole
 * (`m[i]` alone, `m[i] = r`, `m.push(r)`): `owned`. `shared`: the names
 * given to another name or array somewhere.
 */
export function arrayNames(body: readonly Stmt[]): {
  owned: Set<string>;
  shared: Set<string>;
} {
  const owned = new Set<string>();
  const matrices = new Set<string>();
  const shared = new Set<string>();
  /** Matrices a row of which is read or written whole. */
  const rowsTaken = new Set<string>();
  /** Where `e` is an array only read from, its bare name is allowed. */
  const visit = (e: Expr, arrayRead: boolean) => {
    if (e.kind === "var") {
      if (!arrayRead) shared.add(e.name);
      return;
    }
    switch (e.kind) {
      case "index":
        if (e.array.kind === "var" && e.indices.length < 2)
          rowsTaken.add(e.array.name);
        visit(e.array, /*arrayRead*/ true);
        return e.indices.forEach((i) => visit(i, false));
      case "length":
        visit(e.array, /*arrayRead*/ true);
        return e.indices.forEach((i) => visit(i, false));
      case "copy":
        return visit(e.array, /*arrayRead*/ true);
      case "zeros":
        return visit(e.like, /*arrayRead*/ true);
      case "call":
      case "extern":
        return e.args.forEach((a) => visit(a, /*arrayRead*/ true));
      case "tuple":
        // Only a returned tuple gets here as an array read.
        return e.elements.forEach((a) => visit(a, arrayRead));
      default:
        return forEachSubexpression(e, (inner) => visit(inner, false));
    }
  };
  const walk = (block: readonly Stmt[]) => {
    for (const s of block) {
      if (s.kind === "const") {
        const fresh = freshArray(s.value);
        if (fresh) owned.add(s.name);
        if (fresh === "matrix") matrices.add(s.name);
      }
      switch (s.kind) {
        case "store":
          if (s.array.kind === "var" && s.indices.length < 2)
            rowsTaken.add(s.array.name);
          s.indices.forEach((i) => visit(i, false));
          visit(s.value, false);
          break;
        case "append":
          if (s.array.kind === "var") rowsTaken.add(s.array.name);
          visit(s.value, false);
          break;
        case "shorten":
          s.indices.forEach((i) => visit(i, false));
          if (s.length) visit(s.length, false);
          break;
        case "return":
          visit(s.value, /*arrayRead*/ true);
          break;
        case "if":
          visit(s.test, false);
          break;
        case "loop":
          if (s.header.kind === "counted") {
            visit(s.header.start, false);
            visit(s.header.end, false);
          } else {
            visit(s.header.condition, false);
          }
          break;
        default:
          forEachExpr([s], (e) => visit(e, false));
      }
      // The statements of nested blocks, `while` tests too.
      nestedBlocks(s).forEach(walk);
    }
  };
  walk(body);
  shared.forEach((name) => owned.delete(name));
  matrices.forEach((name) => rowsTaken.has(name) && owned.delete(name));
  return { owned, shared };
}

/** The kind of a new array nothing else refers to yet, if `e` is one. */
function freshArray(e: Expr): "numbers" | "matrix" | undefined {
  switch (e.kind) {
    case "newArray":
    case "zeros":
      return e.arrayKind === "matrix" ? "matrix" : "numbers";
    case "copy":
      return e.matrix === true ? "matrix" : "numbers";
    case "arrayLiteral":
      // `[]` may be a matrix grown by rows: not known here.
      return (e.arrayKind ?? "array") === "array" && e.elements.length > 0
        ? "numbers"
        : undefined;
    default:
      return undefined;
  }
}
