/**
 * Which writes into local arrays the reverse sweep can undo.
 *
 * The reverse sweep reads arrays as they are at the end of the function,
 * restoring nothing, so a loop that reads an array must come after every
 * write into it, and must not write into it itself (`a[i] += v` aside,
 * which reads nothing back):
 *
 *   const h = new Float64Array(n);
 *   for (...) h[j] = Math.tanh(...);     // writes, then
 *   for (...) out[k] += w[k][j] * h[j];  // reads: fine
 *
 *   for (...) a[i] = a[i - 1] * x;       // reads and writes: an error
 *
 * Reads outside loops are kept in their own variables, so they may come
 * anywhere. One loop may also write each element once and read it back
 * after (`e[i] = Math.exp(x[i]); sum += e[i];`). Checked after
 * `normalize`, before differentiation.
 */
import { DiagnosticCode, DiffError } from "./diagnostics";
import {
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  type Expr,
  type FunctionIR,
  type Stmt,
} from "./ir";

export function checkArrayWrites(fn: FunctionIR): void {
  checkBlock(fn.body);
}

function checkBlock(body: readonly Stmt[]) {
  for (const [i, s] of body.entries()) {
    const created =
      s.kind === "const" &&
      (s.value.kind === "newArray" ||
        s.value.kind === "arrayLiteral" ||
        s.value.kind === "copy");
    if (created) checkArray(s.name, body.slice(i + 1));
    nestedBlocks(s).forEach(checkBlock);
  }
}

function checkArray(array: string, rest: readonly Stmt[]) {
  const grows = rest.some((s) => firstWrite([s], array)?.kind === "append");
  let readByLoop = false;
  for (const s of rest) {
    const write = firstWrite([s], array);
    const loopReads = readsInLoops([s], array, /*inLoop*/ false, grows);
    if (write && !readByLoop && writesOnceThenReads(s, array)) {
      readByLoop = true;
      continue;
    }
    if (write && (readByLoop || loopReads)) {
      throw new DiffError(
        (write.origin ?? write.value.kind === "var")
          ? write.origin!
          : write.origin!,
        DiagnosticCode.UnsupportedSyntax,
        `tsad cannot yet differentiate this write into '${array}': a loop ${readByLoop ? "before it" : "around it"} reads '${array}', and the reverse sweep would see the new value. Write into a new array instead (\`const next = new Float64Array(n)\`).`,
      );
    }
    readByLoop ||= loopReads;
  }
}

function firstWrite(
  body: readonly Stmt[],
  array: string,
): Extract<Stmt, { kind: "store" | "append" }> | undefined {
  for (const s of body) {
    if ((s.kind === "store" || s.kind === "append") && isVar(s.array, array)) {
      return s;
    }
    for (const block of nestedBlocks(s)) {
      const write = firstWrite(block, array);
      if (write) return write;
    }
  }
  return undefined;
}

/** Whether a loop among these statements reads elements or the length of `array`. */
function readsInLoops(
  body: readonly Stmt[],
  array: string,
  inLoop: boolean,
  grows: boolean,
): boolean {
  return body.some((s) => {
    const loop = inLoop || s.kind === "loop";
    if (
      loop &&
      s.kind !== "store" &&
      s.kind !== "append" &&
      readsArray(s, array, grows)
    ) {
      return true;
    }
    if (loop && (s.kind === "store" || s.kind === "append")) {
      // The value and indices written may read the array too.
      const probe: Stmt = {
        kind: "effect",
        value: {
          kind: "tuple",
          elements: [s.value, ...("indices" in s ? s.indices : [])],
        },
      };
      if (readsArray(probe, array, grows)) return true;
    }
    if (s.kind === "loop") {
      const header = s.header;
      const headerReads =
        header.kind === "counted"
          ? exprReads(header.start, array, grows) ||
            exprReads(header.end, array, grows)
          : exprReads(header.condition, array, grows) ||
            readsInLoops(header.test, array, true, grows);
      if (headerReads) return true;
    }
    return nestedBlocks(s).some((block) =>
      readsInLoops(block, array, loop, grows),
    );
  });
}

/** Whether the expressions held directly by `s` read an element or length of `array`. */
function readsArray(s: Stmt, array: string, grows: boolean): boolean {
  if (s.kind === "if" || s.kind === "loop") return false;
  let found = false;
  const values =
    s.kind === "declare"
      ? s.init
        ? [s.init]
        : []
      : "value" in s
        ? [s.value]
        : [];
  for (const value of values) found ||= exprReads(value, array, grows);
  return found;
}

function exprReads(e: Expr, array: string, grows: boolean): boolean {
  // Writing elements leaves the length alone; only `push` changes it, and
  // the length of an array that grows is an element-like read.
  if (
    (e.kind === "index" ||
      e.kind === "copy" ||
      (e.kind === "length" && grows)) &&
    isVar(e.array, array)
  ) {
    return true;
  }
  // A call reads the whole array it is passed.
  if (e.kind === "call" && e.args.some((a) => isVar(a, array))) return true;
  let found = false;
  mapSubexpressions(
    e,
    (inner) => ((found ||= exprReads(inner, array, grows)), inner),
  );
  return found;
}

const isVar = (e: Expr, name: string) => e.kind === "var" && e.name === name;

/**
 * `for (let i ...) { ...; a[i] = v; ... a[i] ... }`: a counted loop whose
 * body writes `a[i]` once, at its own index, and reads only `a[i]` after
 * that write: every value read is final.
 */
function writesOnceThenReads(s: Stmt, array: string): boolean {
  if (s.kind !== "loop" || s.header.kind !== "counted") return false;
  const counter = s.header.counter;
  const at = s.body.findIndex(
    (t) => t.kind === "store" && isVar(t.array, array),
  );
  if (at === -1) return false;
  const store = s.body[at] as Extract<Stmt, { kind: "store" }>;
  const ownIndex =
    store.mode === "set" &&
    store.indices.length === 1 &&
    isVar(store.indices[0]!, counter);
  if (!ownIndex || exprReads(store.value, array, true)) return false;
  const others = s.body.filter((_, k) => k !== at);
  if (firstWrite(others, array)) return false;
  if (s.body.slice(0, at).some((t) => readsAnywhere(t, array))) return false;
  return s.body.slice(at + 1).every((t) => readsOnlyAt(t, array, counter));
}

function readsAnywhere(s: Stmt, array: string): boolean {
  return (
    readsArray(s, array, true) ||
    nestedBlocks(s).some((b) => b.some((t) => readsAnywhere(t, array)))
  );
}

/** Every read of `array` in `s` is `array[counter]` (the length is fine too). */
function readsOnlyAt(s: Stmt, array: string, counter: string): boolean {
  let ok = true;
  const check = (e: Expr): Expr => {
    if (e.kind === "index" && isVar(e.array, array)) {
      ok &&= e.indices.length === 1 && isVar(e.indices[0]!, counter);
      return e;
    }
    if (e.kind === "copy" && isVar(e.array, array)) ok = false;
    return mapSubexpressions(e, check);
  };
  mapExprs(s, check);
  return ok;
}
