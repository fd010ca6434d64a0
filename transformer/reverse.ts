/**
 * Reverse mode: the adjoint (VJP) function of a normalized function.
 *
 * A forward sweep (the normalized body) is followed by a reverse sweep: the
 * adjoint statements of the body in reverse order, `if`s re-tested with the
 * same (unchanged) test value. The result is
 * `[value, ...adjoint of each parameter]`:
 *
 *   function f(x, y) {               function f__vjp(x, y, r_adj) {
 *     const sin_y = Math.sin(y);  ->    const sin_y = Math.sin(y);
 *     const r = x * sin_y;              const r = x * sin_y;
 *     return r;                         let x_adj = sin_y * r_adj;
 *   }                                   let sin_y_adj = x * r_adj;
 *                                       let y_adj = Math.cos(y) * sin_y_adj;
 *                                       return [r, x_adj, y_adj];
 *                                     }
 *
 * Outside loops every value stays in its own variable (SSA), so the reverse
 * sweep reads it where it is; a value computed in a branch that the reverse
 * sweep reads is declared before the branch.
 *
 * Loops run backwards over the same iterations. An iteration's values are
 * recomputed from what the iteration started with, so only the variables a
 * loop carries from one iteration to the next are saved, on the value
 * stack, and only those the recomputation or the adjoint reads:
 *
 *   for (let i = 0; i < n; i++) {       for (let i = n - 1; i >= 0; i--) {
 *     const p_1 = p * x[i];               p = stack.pop();
 *     stack.push(p);            <-        (recompute p_1 if needed)
 *     p = p_1;                            p_1_adj = p_adj; p_adj = 0;
 *   }                                     x_adj[i] += p * p_1_adj;
 *                                         p_adj += x[i] * p_1_adj;
 *                                       }
 *
 * A dot product or a sum of squares carries only sums, whose values the
 * adjoint never reads: such loops save nothing. A `while` loop counts its
 * iterations; a counted `for` recomputes its indices.
 *
 * Arrays are not versioned: the reverse sweep puts back the elements a
 * write overwrote as it passes the write, where a read before needs them
 * (array-writes.ts says which), so a recomputed read sees what the
 * forward sweep saw. A read the same iteration overwrites later cannot be
 * recomputed at the iteration's start: its value is kept instead, pushed
 * at the end of the iteration like a carried variable (`unrecomputable`).
 *
 * An adjoint is declared by its first contribution (`let v_adj = ...`) and
 * accumulated after (`v_adj += ...`); one that first receives a
 * contribution inside a branch or loop is declared as 0 before it.
 */
import { isActiveAtom, type Activity } from "./activity";
import {
  ArrayWrites,
  rewrittenFrom,
  type ArrayRead,
  type Loop,
  type Write,
} from "./array-writes";
import { DiagnosticCode, DiffError } from "./diagnostics";
import type { ValueKind } from "../runtime/registry";
import {
  allReads,
  arrayKinds,
  binary,
  definedNames,
  forEachExpr,
  forEachSubexpression,
  isVar,
  poppedAs,
  stackTypes,
  type StackTypes,
  type Reads,
  type UnmarkedCall,
  unmarkedCallIn,
  type ValueType,
  mapBlocks,
  mapExprs,
  mapSubexpressions,
  nestedBlocks,
  num,
  ref,
  type Expr,
  type FunctionIR,
  type LoopHeader,
  type Param,
  type ResultShape,
  type Stmt,
} from "./ir";
import { derivativeName, gradientName, type Names } from "./naming";
import type { GradientRequest } from "./requests";
import { partialsOf } from "./rules";
import { HazardError } from "./snapshots";

/** What the forward sweep adds to a loop so the reverse sweep can undo it. */
interface LoopPlan {
  /** Carried variables pushed at the end of each iteration, in order. */
  readonly saved: readonly string[];
  /**
   * Values of the iteration pushed before those: ones it cannot recompute
   * (see `reverseLoop`), an array element by element.
   */
  readonly kept: readonly Kept[];
  /**
   * What inner loops leave that the reverse of an iteration needs, pushed
   * at the end of the iteration too (before `saved`), so the reverse pops
   * them instead of running the inner loops again. In the order the
   * reverse pops them: the order of the iteration.
   */
  readonly results: readonly string[];
  /** How the function's variables are kept (see `stackTypes`). */
  readonly types: StackTypes;
  /** A `while` loop's iteration count. */
  readonly trips?: string;
}

interface Kept {
  readonly name: string;
  /** `number`, or the kind of an array. */
  readonly kind: ValueKind;
  /** For an array: the counter of the loops that push and pop it ... */
  readonly counter?: string;
  /** ... and the variable its length is popped into. */
  readonly length?: string;
  /** An element read equal to an earlier kept one: copied from it, not pushed. */
  readonly copyOf?: string;
  /**
   * A `boolean` (a test, an unmarked call's result), pushed as 1 or 0; an
   * `other` value (a string, `undefined`) on the stack of such values.
   */
  readonly as?: "boolean" | "other";
  /** An array the reverse iteration reads the length of only: just that is kept. */
  readonly lengthOnly?: boolean;
}

/** Where the forward sweep keeps a value: on the stack (in loops), in a variable (outside loops). */
type Place =
  | { readonly kind: "stack" }
  | { readonly kind: "variable"; readonly name: string };

/**
 * How the forward sweep keeps what a store overwrites, for the reverse
 * sweep to put back: the element (nowhere, if an earlier read holds it:
 * `source`), and the length of the array (or row) before it, if the store
 * may make it longer.
 */
interface StoreSave {
  readonly element: Place | { readonly kind: "source"; readonly name: string };
  readonly length?: Place;
}

/**
 * The adjoint function. Writes into local arrays that the reverse sweep
 * must undo depend on what the sweep reads, which depends on what it
 * undoes (an index to restore is one more value to recompute): build,
 * find the writes to undo, and build again until they are all undone.
 *
 * With `request`, the gradient-only adjoint `grad(f, argnums)` calls
 * (`activity` restricted to those parameters): it returns their adjoints
 * only, the value only for `valueAndGrad`, and accumulates the adjoints of
 * array parameters into zeroed buffers its caller passes after the
 * cotangent (`{ out }`, or new zeros the runtime makes):
 *
 *   function rosenbrock__grad_0(x, f_adj, x_adj) {
 *     for (let i = x.length - 2; i >= 0; i--) { ...; x_adj[i] += ...; }
 *     return x_adj;
 *   }
 *
 * The forward sweep still computes the value; `simplify` removes what
 * only the value needed (here the whole forward loop).
 */
export function reverseMode(
  fn: FunctionIR,
  activity: Activity,
  names: Names,
  request?: GradientRequest,
): FunctionIR {
  // Calls of marked functions of one number, linearized once: the array
  // writes are found in the body the adjoint is built from.
  const derivatives = new Map<Stmt, Derivative>();
  const linearized: FunctionIR = {
    ...fn,
    body: withDerivatives(fn.body, activity, names, derivatives),
  };
  const writes = new ArrayWrites(linearized);
  let undone = new Set<Write>();
  // Inner loops save when the reverse sweep recomputes their enclosing
  // iteration (see `Saving`) where that is sound: no unmarked calls, which
  // the reverse sweep must not make again (see impureValues), and no write
  // in a loop to undo, which needs its old value pushed when the forward
  // sweep runs it, in order. Loops write only into arrays their outermost
  // iteration allocates (an MLP's layers), which its recomputation
  // allocates and fills again; whether one of those writes needs undoing
  // all the same, or a recomputed read is a hazard, shows in the adjoint
  // built: then every loop saves as the forward sweep runs it instead.
  let innerLoopsSaveWhenRecomputed =
    unmarkedCallIn(fn.body) === undefined &&
    writes.writes.every((write) => {
      const [outermost] = writes.loopsOf(write);
      return !outermost || allocatesIn(outermost.body, write.array);
    });
  const inLoop = (write: Write) => writes.loopsOf(write).length > 0;
  for (;;) {
    let built: ReturnType<typeof adjointFunction>;
    try {
      built = adjointFunction(linearized, activity, names.clone(), {
        writes,
        undone,
        derivatives,
        request,
        innerLoopsSaveWhenRecomputed,
      });
    } catch (error) {
      if (!(error instanceof DiffError) || !innerLoopsSaveWhenRecomputed)
        throw error;
      innerLoopsSaveWhenRecomputed = false;
      undone = new Set();
      continue;
    }
    const needed = writes.writesToUndo(built.reads);
    if (innerLoopsSaveWhenRecomputed && [...needed].some(inLoop)) {
      innerLoopsSaveWhenRecomputed = false;
      undone = new Set();
      continue;
    }
    if ([...needed].every((write) => undone.has(write))) return built.adjoint;
    undone = new Set([...undone, ...needed]);
  }
}

/** A value that is a new array: zeros (given or made), a literal, a copy. */
const isNewArray = (value: Expr): boolean =>
  value.kind === "newArray" ||
  value.kind === "zeros" ||
  value.kind === "arrayLiteral" ||
  value.kind === "copy";

/** Whether `array` is a new array these statements allocate. */
function allocatesIn(body: readonly Stmt[], array: Expr): boolean {
  return (
    array.kind === "var" &&
    body.some(
      (s) =>
        (s.kind === "const" && s.name === array.name && isNewArray(s.value)) ||
        nestedBlocks(s).some((block) => allocatesIn(block, array)),
    )
  );
}

/** What the adjoint of a function is built with, beside the function. */
interface AdjointInputs {
  readonly writes: ArrayWrites;
  /** The writes the reverse sweep undoes. */
  readonly undone: ReadonlySet<Write>;
  /** The one-number calls `withDerivatives` linearized. */
  readonly derivatives: ReadonlyMap<Stmt, Derivative>;
  readonly request: GradientRequest | undefined;
  /** Where inner loops save: see `reverseMode`. */
  readonly innerLoopsSaveWhenRecomputed: boolean;
}

function adjointFunction(
  fn: FunctionIR,
  activity: Activity,
  names: Names,
  {
    writes,
    undone,
    derivatives,
    request,
    innerLoopsSaveWhenRecomputed,
  }: AdjointInputs,
): { adjoint: FunctionIR; reads: ArrayRead[] } {
  const returned = fn.body.at(-1);
  if (returned?.kind !== "return")
    throw new Error("normalized body must end in return");
  const primalBody = fn.body.slice(0, -1);

  const adjoints = new Map<string, string>();
  const adjointName = (name: string) => {
    let adjoint = adjoints.get(name);
    if (adjoint === undefined)
      adjoints.set(name, (adjoint = names.adjoint(name)));
    return adjoint;
  };
  const declared = new Set<string>();
  const plans = new Map<Loop, LoopPlan>();
  const resultKind = fn.result ?? "number";
  const kinds = arrayKinds(fn);
  // An array result's cotangent belongs to the caller: the sweep works on a copy.
  const seed =
    resultKind === "number"
      ? adjointName(
          returned.value.kind === "var" ? returned.value.name : "result",
        )
      : names.fresh("cotangent");
  const returnedArray =
    resultKind !== "number" && isActiveAtom(activity, returned.value)
      ? returned.value.name
      : undefined;
  if (resultKind === "number" && isActiveAtom(activity, returned.value)) {
    declared.add(returned.value.name);
  }
  // Arrays different `return`s return meet in joins (`result_2 = out` in
  // one branch, `result_2 = h` in another), which hold nothing on paths
  // not taken. Joins get no adjoint: the cotangent goes to the array that
  // is returned, found by identity where its adjoint is made.
  const joined = new Set(
    returnedArray === undefined
      ? []
      : sharedWith(fn.body, returnedArray, resultKind),
  );
  /** Where the reverse sweep stands in arrays grown by `push`. */
  const tops = new Map<string, string>();
  /** The reads of written arrays the reverse sweep performs. */
  const arrayReads: ArrayRead[] = [];
  const saves = new Map<Write, StoreSave>();
  /** Per loop, reads kept so a store can be restored from them. */
  const sources = new Map<Loop, Set<string>>();
  for (const write of undone) {
    // An append is undone by dropping the element (see "append" below).
    if (write.kind !== "store" || write.array.kind !== "var") continue;
    const loop = writes.loopsOf(write).at(-1);
    const array = write.array.name;
    const place = (what: string): Place =>
      loop
        ? { kind: "stack" }
        : { kind: "variable", name: names.fresh(`${array}_${what}`) };
    const source = writes.overwrittenValue(write);
    if (source && loop)
      sources.set(loop, (sources.get(loop) ?? new Set()).add(source));
    saves.set(write, {
      element: source ? { kind: "source", name: source } : place("old"),
      length: writes.mayLengthen(write) ? place("length") : undefined,
    });
  }
  const types = stackTypes(fn);
  // A loop nested in another saves what its reverse needs when the
  // reverse sweep recomputes the enclosing iteration, where it can (see
  // `reverseMode`), so the stack holds one iteration's worth of it at a
  // time, and the results of inner loops are popped rather than run again.
  const sweepSaves: Saving = innerLoopsSaveWhenRecomputed
    ? "outermost loops"
    : "every loop";
  const recomputeSaves: Saving = innerLoopsSaveWhenRecomputed
    ? "outermost loops"
    : "none";
  const unmarkedResults = new Map<string, UnmarkedCall>();
  const collectResults = (block: readonly Stmt[]) =>
    block.forEach((s) => {
      if (s.kind === "const" && s.value.kind === "extern") {
        unmarkedResults.set(s.name, s.value);
      }
      nestedBlocks(s).forEach(collectResults);
    });
  collectResults(fn.body);

  const arrayParams = fn.params.filter(
    (p) => p.kind !== "number" && p.kind !== "none",
  );
  /** The parameters whose adjoints come in as buffers. */
  const buffers = (request?.argnums ?? [])
    .map((i) => fn.params[i]!)
    .filter((p) => p.kind !== "number");
  for (const p of buffers) declared.add(p.name);
  /**
   * `const a_adj = zeros`, for the arrays defined in `body` (the returned
   * one: a copy of the cotangent; one the branches may return: the
   * cotangent if it is the array returned).
   */
  const arrayAdjointsOf = (body: readonly Stmt[]): Stmt[] =>
    body.flatMap((s): Stmt[] => {
      // Arrays allocated here: new ones, and marked calls' results.
      const isArray =
        (s.kind === "const" &&
          (isNewArray(s.value) ||
            (s.value.kind === "call" && kinds.has(s.name)))) ||
        (s.kind === "declare" && s.name === returnedArray && !!s.init);
      if (!isArray || !activity.active.has(s.name)) return [];
      return arrayAdjoint(s.name, kinds.get(s.name) ?? "array", body);
    });
  const arrayAdjoint = (
    name: string,
    kind: ValueKind,
    body: readonly Stmt[],
  ): Stmt[] => {
    declared.add(name);
    const zeros: Expr = { kind: "zeros", like: ref(name), arrayKind: kind };
    const cotangent: Expr = {
      kind: "copy",
      array: ref(seed),
      matrix: resultKind === "matrix",
    };
    const returned: Expr | undefined =
      returnedArray === undefined
        ? undefined
        : {
            kind: "compare",
            op: "===",
            left: ref(name),
            right: ref(returnedArray),
          };
    const value: Expr =
      name === returnedArray
        ? cotangent
        : returned && joined.has(name)
          ? {
              kind: "cond",
              test: returned,
              whenTrue: cotangent,
              whenFalse: zeros,
            }
          : zeros;
    const adjoint: Stmt = { kind: "const", name: adjointName(name), value };
    // Where stores may lengthen the array too, counting pushes back from
    // its final length misses what they added: the reverse sweep finds a
    // pushed element at the end of the array as it gives lengths back.
    if (!appendsTo(body, name) || writes.mayBeStoredPastEnd(name))
      return [adjoint];
    const top = names.fresh(`${name}_top`);
    tops.set(name, top);
    return [
      adjoint,
      {
        kind: "declare",
        name: top,
        init: { kind: "length", array: ref(name), indices: [] },
      },
    ];
  };
  const arrayAdjoints: Stmt[] = arrayParams
    .filter((p) => activity.active.has(p.name) && !buffers.includes(p))
    .flatMap((p) => arrayAdjoint(p.name, p.kind, primalBody));

  const accumulate = (out: Stmt[], operand: Expr, value: Expr) => {
    if (!isActiveAtom(activity, operand)) return;
    const name = operand.name;
    if (declared.has(name)) {
      out.push({ kind: "accumulate", name: adjointName(name), value });
    } else {
      declared.add(name);
      out.push({ kind: "declare", name: adjointName(name), init: value });
    }
  };

  /** `let v_adj = 0` for outer variables a nested block contributes to. */
  const declareBefore = (out: Stmt[], blocks: readonly Stmt[][]) => {
    const inside = definedNames(blocks.flat());
    for (const name of activeReads(blocks.flat(), activity)) {
      if (inside.has(name) || declared.has(name)) continue;
      declared.add(name);
      out.push({ kind: "declare", name: adjointName(name), init: num(0) });
    }
  };

  /** `inLoop`: the block runs in a loop's body (its own loops are nested). */
  const reverseBlock = (
    body: readonly Stmt[],
    carried: ReadonlySet<string>,
    inLoop: boolean,
  ): Stmt[] => {
    const out: Stmt[] = arrayAdjointsOf(body);
    for (const s of [...body].reverse()) {
      const emitted = out.length;
      switch (s.kind) {
        case "store": {
          if (isActiveAtom(activity, s.array)) {
            const element: Expr = {
              kind: "index",
              array: ref(adjointName(s.array.name)),
              indices: s.indices,
            };
            accumulate(
              out,
              s.value,
              writes.mayMissElements(s)
                ? { kind: "orZero", value: element }
                : element,
            );
            if (s.mode === "set") {
              // The element's earlier value did not reach the result.
              out.push({
                kind: "store",
                array: ref(adjointName(s.array.name)),
                indices: s.indices,
                value: num(0),
                mode: "set",
              });
            }
          }
          const save = saves.get(s);
          if (save) {
            // Put back what the forward sweep overwrote, then the length.
            out.push({
              kind: "store",
              array: s.array,
              indices: s.indices,
              value: saved(save.element),
              mode: "set",
            });
            if (save.length) {
              out.push({
                kind: "shorten",
                array: s.array,
                indices: s.indices.slice(0, -1),
                length: saved(save.length),
              });
            }
          }
          break;
        }
        case "append": {
          if (isActiveAtom(activity, s.array)) {
            const top = tops.get(s.array.name);
            if (top) {
              out.push({
                kind: "assign",
                name: top,
                value: binary("-", ref(top), num(1)),
              });
            }
            const last = binary(
              "-",
              { kind: "length", array: s.array, indices: [] },
              num(1),
            );
            const element: Expr = {
              kind: "index",
              array: ref(adjointName(s.array.name)),
              indices: [top ? ref(top) : last],
            };
            if (kinds.get(s.array.name) !== "matrix") {
              accumulate(out, s.value, element);
            } else if (isActiveAtom(activity, s.value)) {
              // A row: its adjoint is a row of the matrix's.
              out.push(addInto(adjointName(s.value.name), element, names));
            }
          }
          // Give the array back its earlier length, for reads before.
          if (undone.has(s))
            out.push({ kind: "shorten", array: s.array, indices: [] });
          break;
        }
        case "const":
        case "assign": {
          if (!activity.active.has(s.name) || !declared.has(s.name)) break;
          const adjoint = ref(adjointName(s.name));
          const value = s.value;
          if (value.kind === "call") {
            const received = value.args.map((a, i) =>
              value.callee.params[i] !== "none" && isActiveAtom(activity, a)
                ? names.fresh(`${adjointName(a.name)}_${calleeBase(value)}`)
                : undefined,
            );
            out.push({
              kind: "destructure",
              names: [undefined, ...received],
              value: {
                ...value,
                variant: "vjp",
                args: [...value.args, adjoint],
              },
            });
            received.forEach((name, i) => {
              if (!name) return;
              const arg = value.args[i] as { kind: "var"; name: string };
              if (value.callee.params[i] === "number") {
                accumulate(out, arg, ref(name));
              } else {
                // The callee returns a fresh adjoint array: add it in.
                out.push(
                  addInto(
                    adjointName(arg.name),
                    ref(name),
                    names,
                    value.callee.params[i] === "matrix",
                  ),
                );
              }
            });
            break;
          }
          if (value.kind === "arrayLiteral") {
            value.elements.forEach((element, k) =>
              accumulate(out, element, {
                kind: "index",
                array: adjoint,
                indices: [num(k)],
              }),
            );
            break;
          }
          if (value.kind === "copy") {
            if (isActiveAtom(activity, value.array)) {
              // A copy may grow past its source (`w[n] = v`); a
              // parameter's adjoint keeps the parameter's length.
              const source = value.array.name;
              const fixed = arrayParams.some((p) => p.name === source);
              out.push(
                addInto(adjointName(source), adjoint, names, false, fixed),
              );
            }
            break;
          }
          if (value.kind === "newArray" || value.kind === "zeros") break;
          if (value.kind === "var" && kinds.has(s.name)) {
            // `result_2 = result_1`, joining the arrays returned.
            if (isActiveAtom(activity, value)) {
              out.push(
                addInto(
                  adjointName(value.name),
                  adjoint,
                  names,
                  kinds.get(s.name) === "matrix",
                ),
              );
            }
            break;
          }
          if (value.kind === "index") {
            if (!isActiveAtom(activity, value.array)) break;
            const name = adjointName(value.array.name);
            if (writes.readMayMissElements(s, value.array, value.indices)) {
              // `a_adj[k] = (a_adj[k] ?? 0) + v`: `a[k]` may be a property.
              const element: Expr = {
                kind: "index",
                array: ref(name),
                indices: value.indices,
              };
              out.push({
                kind: "store",
                array: ref(name),
                indices: value.indices,
                value: binary("+", { kind: "orZero", value: element }, adjoint),
                mode: "set",
              });
              break;
            }
            out.push({
              kind: "accumulate",
              name,
              indices: value.indices,
              value: adjoint,
            });
            break;
          }
          for (const { operand, times } of partialsOf(value, ref(s.name))) {
            accumulate(out, operand, times(adjoint));
          }
          // A carried variable's adjoint restarts for the previous iteration.
          if (s.kind === "assign" && carried.has(s.name)) {
            out.push({
              kind: "assign",
              name: adjointName(s.name),
              value: num(0),
            });
          }
          break;
        }
        case "declare":
          if (s.init && activity.active.has(s.name) && declared.has(s.name)) {
            accumulate(out, s.init, ref(adjointName(s.name)));
          }
          break;
        case "destructure": {
          const derivative = derivatives.get(s);
          const [name] = s.names;
          if (!derivative || !name || !declared.has(name)) break;
          accumulate(
            out,
            derivative.operand,
            binary("*", ref(derivative.name), ref(adjointName(name))),
          );
          break;
        }
        case "if": {
          declareBefore(out, [[...s.then], [...s.else]]);
          const then = reverseBlock(s.then, carried, inLoop);
          const otherwise = reverseBlock(s.else, carried, inLoop);
          if (then.length > 0 || otherwise.length > 0) {
            out.push({ ...s, then, else: otherwise });
          }
          break;
        }
        case "loop":
          out.push(...reverseLoop(s, declareBefore, inLoop));
          break;
        default:
          break;
      }
      // The adjoint code runs where `s` was (vjp calls, indices), reading
      // arrays as they were there; nested blocks log their own reads.
      if (s.kind !== "if" && s.kind !== "loop") {
        for (const t of out.slice(emitted))
          arrayReads.push(...writes.readsIn(t, s));
      }
    }
    return out;
  };

  /** `nested`: the loop is in another loop's body. */
  const reverseLoop = (
    loop: Loop,
    declareAdjoints: (out: Stmt[], blocks: readonly Stmt[][]) => void,
    nested: boolean,
  ): Stmt[] => {
    const out: Stmt[] = [];
    declareAdjoints(out, [[...loop.body]]);
    const carried = new Set(loop.carried);
    const adjointBody = reverseBlock(loop.body, carried, /*inLoop*/ true);
    // A loop with nothing to do backwards (no adjoint, no write to undo) is
    // not run again: recomputing it would only read arrays it need not.
    if (adjointBody.length === 0 && !sources.has(loop)) return out;
    // Recompute the iteration from the values it started with: the body
    // without its write-backs, only what the adjoint needs. Where no
    // array is written, the loops in it save what their own reverse needs
    // as they run again here (see `innerLoopsSaveWhenRecomputed`).
    const forwardBody = loop.body.filter(
      (s) => !(s.kind === "assign" && carried.has(s.name)),
    );
    // Element reads stores are restored from (numbers: always kept).
    let keptNames = [...(sources.get(loop) ?? [])];
    let kept = keepAll(keptNames)!;
    let plan = recomputation(loop, forwardBody, adjointBody, kept);
    for (;;) {
      const impure = impureValues(loop, plan.recompute, adjointBody);
      if (impure.every((name) => keptNames.includes(name))) break;
      keptNames = [...new Set([...keptNames, ...impure])];
      kept = keepAll(keptNames) ?? throwUnmarked(plan.recompute);
      plan = recomputation(loop, forwardBody, adjointBody, kept);
    }
    if (plan.hazards.length > 0) {
      // Keep the reads themselves; where that is not enough (a copy
      // written later in the iteration is kept as it ends), keep what the
      // adjoint needs computed from them instead.
      const attempt = (readsKept: boolean) => {
        const more = keepAll([
          ...keptNames,
          ...unrecomputable(loop, plan, adjointBody, readsKept),
        ]);
        if (!more) return undefined;
        const next = recomputation(loop, forwardBody, adjointBody, more);
        return next.hazards.length === 0
          ? { kept: more, plan: next }
          : undefined;
      };
      const safe = attempt(true) ?? attempt(false);
      if (!safe) throw hazardError(plan, loop);
      ({ kept, plan } = safe);
    }
    if (unmarkedCallIn(plan.recompute)) throwUnmarked(plan.recompute);
    arrayReads.push(...plan.reads, ...writes.readsIn(loop, loop));
    // This loop itself runs again in its enclosing iteration's reverse:
    // that run saves what its inner loops leave, and the reverse here pops
    // it rather than running them once more per iteration.
    const results: string[] = [];
    const recompute =
      nested && innerLoopsSaveWhenRecomputed
        ? neededOnly(
            popResults(plan.recompute, adjointBody, plans, results, types),
            adjointBody,
            new Set(),
            reshapes,
          )
        : plan.recompute;
    const readByAdjoint = new Set<string>();
    forEachExpr(adjointBody, (e) =>
      allReads(e, (name) => readByAdjoint.add(name)),
    );
    // The adjoint's own branches keep their values: only it reads them.
    let iteration = [
      ...hoistBranchValues(recompute.map(endingLoops), (name) =>
        readByAdjoint.has(name),
      ),
      ...adjointBody,
    ];
    // An array kept for the length of its adjoint (a call's result copied
    // into another array) keeps its length, not its elements.
    const lengths = new Map(
      kept.flatMap((k) =>
        k.kind !== "number" && !k.copyOf && readsLengthOnly(iteration, k.name)
          ? [[k.name, ref(k.length!)]]
          : [],
      ),
    );
    if (lengths.size > 0) {
      kept = kept.map((k) =>
        lengths.has(k.name) ? { ...k, lengthOnly: true } : k,
      );
      iteration = iteration.map((s) =>
        mapExprs(s, (e) => withLengths(e, lengths)),
      );
    }
    const reads = freeReads(iteration);
    const saved = loop.carried.filter((name) => reads.has(name));
    const trips =
      loop.header.kind === "while" ? names.fresh("iterations") : undefined;
    plans.set(loop, { saved, kept, results, types, trips });
    const restore: Stmt[] = [...saved]
      .reverse()
      .map((name) => popped(name, types));
    const { header, prologue } = reversedHeader(loop.header, trips, names);
    const body = [...prologue, ...restore, ...restoreAll(kept), ...iteration];
    // Nothing popped that an earlier iteration of the forward sweep pushed:
    // `simplify` may find that the iterations only add into adjoints.
    const forwards =
      body.length === iteration.length &&
      results.length === 0 &&
      loop.header.kind === "counted"
        ? {
            header: loop.header,
            balancedStack: recomputeSaves === "outermost loops",
          }
        : undefined;
    out.push({
      kind: "loop",
      header,
      carried: [],
      body,
      ...(forwards && { forwards }),
    });
    return out;
  };

  /**
   * Values to keep: numbers, and arrays saved element by element; a read
   * of an element another kept read has read is copied from it.
   * `undefined` if one cannot be kept (a matrix).
   */
  const keepAll = (values: readonly string[]): Kept[] | undefined => {
    const kept = new Map<string, Kept>();
    const add = (name: string): boolean => {
      if (kept.has(name)) return true;
      const copyOf = writes.sameValueAs(name);
      if (copyOf !== undefined && copyOf !== name) {
        if (!add(copyOf)) return false;
        kept.set(name, { name, kind: "number", copyOf });
        return true;
      }
      const call = unmarkedResults.get(name);
      // The stack holds numbers: `true === label` must not see a 1.
      const type = call?.boolean ? "boolean" : types.get(name);
      if (!kinds.has(name) && (type === "boolean" || type === "other")) {
        kept.set(name, { name, kind: "number", as: type });
        return true;
      }
      if (call && !call.numeric) return false;
      // An inner `while` loop's iteration count, kept with what it computed.
      const trips = [...plans.values()].some((plan) => plan.trips === name);
      const kind =
        kinds.get(name) ?? (type || call || trips ? "number" : undefined);
      if (kind === undefined || kind === "matrix") return false;
      kept.set(
        name,
        kind === "number"
          ? { name, kind }
          : {
              name,
              kind,
              counter: names.fresh("k"),
              length: names.fresh(`${name}_length`),
            },
      );
      return true;
    };
    return values.every(add) ? [...kept.values()] : undefined;
  };

  /**
   * What a reverse iteration of `loop` recomputes, given the values it
   * pops (`kept`), and the reads in it that a later write of the same
   * iteration may have changed (`hazards`): the recomputation runs at the
   * start of the reverse iteration, where arrays hold what the forward
   * iteration left in them. Arrays the body allocates are allocated again
   * and their writes replayed; writes into other arrays are not (the
   * array already holds what they wrote).
   */
  const recomputation = (
    loop: Loop,
    forwardBody: readonly Stmt[],
    adjointBody: readonly Stmt[],
    kept: readonly Kept[],
  ) => {
    const keptNames = new Set(kept.map((k) => k.name));
    const fresh = new Set(
      [...definedNames(forwardBody)].filter((name) => !keptNames.has(name)),
    );
    const recompute = neededOnly(
      withoutWrites(
        withPlans(forwardBody, plans, saves, recomputeSaves),
        fresh,
      ),
      adjointBody,
      keptNames,
      reshapes,
    );
    const reads: ArrayRead[] = [];
    const visit = (body: readonly Stmt[]) =>
      body.forEach((s) => {
        const at = writes.forwardOf(s);
        if (at) {
          const found = writes.readsIn(s, at, loop);
          reads.push(...found.filter((read) => !fresh.has(read.array)));
        }
        nestedBlocks(s).forEach(visit);
      });
    visit(recompute);
    const hazards = reads.flatMap((read) =>
      writes.hazards(read, loop).map((write) => ({ read, write })),
    );
    return { recompute, reads, hazards };
  };

  /**
   * The values to keep so that no recomputation reads what a later write
   * of the iteration changed: such reads in the loop body (in `if`s too),
   * and for ones in inner loops, the values the adjoint reads that depend
   * on them (each computed in the loop body itself). Without `readsKept`,
   * the dependent values for every read.
   *
   *   for (...) {                         for (...) {  // backwards
   *     const t = a[i];                     const t = stack.pop();
   *     a[i] = Math.sin(t);        ->       ... adjoint, with cos(t) ...
   *     stack.push(t);                      a[i] = t;
   *   }                                   }
   */
  const unrecomputable = (
    loop: Loop,
    plan: ReturnType<typeof recomputation>,
    adjointBody: readonly Stmt[],
    readsKept: boolean,
  ): string[] => {
    const direct = new Set<string>();
    const nested = new Set<Stmt>();
    for (const { read } of plan.hazards) {
      const at = read.at;
      if (
        readsKept &&
        at.kind === "const" &&
        writes.loopsOf(at).at(-1) === loop
      ) {
        direct.add(at.name);
      } else {
        nested.add(at);
      }
    }
    const tainted = dependents(
      plan.recompute,
      (s) =>
        nested.has(s) ||
        (s.kind === "loop" && nested.has(writes.loopOf(s.header)!)),
    );
    // Values in `if`s too: the forward sweep declares them before; an
    // inner `while` loop's iteration count too (see keepAll).
    const defined = definedNames(
      withPlans(loop.body, plans, saves, "none").filter(
        (s) => s.kind !== "loop",
      ),
    );
    // A matrix the adjoint needs only the shape of is made again: the
    // writes into it that cannot change its shape are left out.
    const needed = freeReads(adjointBody, undefined, valueReads);
    freeReads(adjointBody, undefined, shapeReads).forEach(
      (name) => kinds.get(name) === "matrix" || needed.add(name),
    );
    const derived = [...tainted].filter((name) => needed.has(name));
    if (derived.some((name) => !defined.has(name))) {
      throw hazardError(plan, loop);
    }
    return [...direct, ...derived];
  };

  /** The pops of what `pushKept` pushed, and the copies of kept reads. */
  const restoreAll = (kept: readonly Kept[]): Stmt[] => [
    ...kept
      .filter((k) => !k.copyOf)
      .reverse()
      .flatMap(popKept),
    ...kept.filter((k) => k.copyOf).flatMap(popKept),
  ];

  /** `const t = stack.pop()`; an array's length, then its elements last first. */
  const popKept = (k: Kept): Stmt[] => {
    if (k.copyOf)
      return [{ kind: "const", name: k.name, value: ref(k.copyOf) }];
    if (k.kind === "number")
      return [{ kind: "declare", name: k.name, init: poppedAs(k.as) }];
    const length = ref(k.length!);
    const popLength: Stmt = {
      kind: "const",
      name: k.length!,
      value: { kind: "popped" },
    };
    if (k.lengthOnly) return [popLength];
    return [
      popLength,
      {
        kind: "const",
        name: k.name,
        value: { kind: "newArray", arrayKind: k.kind, length },
      },
      {
        kind: "loop",
        header: {
          kind: "counted",
          counter: k.counter!,
          start: binary("-", length, num(1)),
          end: num(0),
          step: -1,
          inclusive: true,
        },
        carried: [],
        body: [
          {
            kind: "store",
            array: ref(k.name),
            indices: [ref(k.counter!)],
            value: { kind: "popped" },
            mode: "set",
          },
        ],
      },
    ];
  };

  /**
   * Values a reverse iteration would get by calling an unmarked function
   * again, which may give another value (a counter, a random draw) or
   * repeat a side effect: the results of such calls in the recomputation
   * (in `if`s too), and what an inner loop that makes one computes for
   * the rest of the iteration. The loop keeps them, as it keeps
   * unrecomputable reads, and recomputes the rest from them.
   *
   *   for (...) {                         for (...) {  // backwards
   *     const k = next();                   const k = stack.pop();
   *     s += k * x[i] * x[i];      ->       x_adj[i] += 2 * k * x[i] * s_adj;
   *     stack.push(k);                    }
   *   }
   */
  const impureValues = (
    loop: Loop,
    recompute: readonly Stmt[],
    adjointBody: readonly Stmt[],
  ): string[] => {
    const needed = freeReads(adjointBody);
    recompute.forEach((unit) =>
      freeReads([unit]).forEach((n) => needed.add(n)),
    );
    const impure: string[] = [];
    const visit = (block: readonly Stmt[]) =>
      block.forEach((s) => {
        if (s.kind === "const" && s.value.kind === "extern") {
          impure.push(s.name);
        } else if (s.kind === "if") {
          nestedBlocks(s).forEach(visit);
        } else if (s.kind === "loop" && unmarkedCallIn([s])) {
          const assigned = new Set<string>();
          assignedIn([s], assigned);
          impure.push(...[...assigned].filter((name) => needed.has(name)));
        }
      });
    visit(recompute);
    // Only values of the loop body itself (in `if`s too) can be pushed,
    // an inner `while` loop's iteration count too.
    const body = withPlans(loop.body, plans, saves, "none");
    const defined = definedNames(body.filter((s) => s.kind !== "loop"));
    if (impure.some((name) => !defined.has(name))) throwUnmarked(recompute);
    return impure;
  };

  const reshapes = (write: Stmt) => writes.mayReshape(write);

  /** Copies of the arrays made before the reads may avoid it (snapshots.ts). */
  const hazardError = (
    { hazards }: ReturnType<typeof recomputation>,
    loop: Loop,
  ) => {
    const write = hazards[0]!.write;
    const array = (write.array as { name: string }).name;
    // A vector would have been copied (snapshots.ts); a matrix is not, and
    // a new one each iteration would need a `let` given new matrices.
    const fix =
      kinds.get(array) === "matrix"
        ? `Store '${array}' row by row in a \`Float64Array\` (\`${array}[i * n + j]\`), which is copied for the reverse sweep, or compute what reads it at the top level of the loop body.`
        : "Compute it at the top level of the loop body, or write into a new array.";
    return new HazardError(
      write.origin!,
      `tsad cannot yet differentiate this write into '${array}': the reverse sweep needs a value this iteration computed from '${array}' before the write, and can only keep values the loop body computes outside \`if\`s and inner loops (copying an array, or \`map\`, is such a loop). ${fix}`,
      hazards.flatMap(({ write }) =>
        write.array.kind === "var"
          ? [
              {
                write: write.origin!,
                array: write.array.name,
                depth: writes.loopsOf(write).indexOf(loop),
              },
            ]
          : [],
      ),
    );
  };

  const reverseSweep = reverseBlock(primalBody, new Set(), /*inLoop*/ false);
  const forwardSweep = withPlans(primalBody, plans, saves, sweepSaves);
  const neededByReverse = new Set<string>();
  forEachExpr(reverseSweep, (e) =>
    allReads(e, (name) => neededByReverse.add(name)),
  );
  // The reverse sweep restores loop-carried variables as it goes back: a
  // returned one is read before it starts.
  const restored = new Set<string>();
  assignedIn(reverseSweep, restored);
  const collectPops = (block: readonly Stmt[]) =>
    block.forEach((t) => {
      if (t.kind === "pop") restored.add(t.name);
      nestedBlocks(t).forEach(collectPops);
    });
  collectPops(reverseSweep);
  const value =
    returned.value.kind === "var" &&
    sharedWith(primalBody, returned.value.name, resultKind).some((name) =>
      restored.has(name),
    )
      ? names.fresh("value")
      : undefined;
  // An array the reverse sweep writes into is returned as a copy.
  const keepValue: Stmt[] = value
    ? [
        {
          kind: "const",
          name: value,
          value:
            resultKind === "number"
              ? returned.value
              : {
                  kind: "copy",
                  array: returned.value,
                  matrix: resultKind === "matrix",
                },
        },
      ]
    : [];
  const paramAdjoints: Expr[] = fn.params.map((p) =>
    p.kind === "none"
      ? { kind: "undefined" }
      : declared.has(p.name)
        ? ref(adjointName(p.name))
        : p.kind === "number"
          ? num(0)
          : zerosLike(p),
  );
  const valueExpr = value ? ref(value) : returned.value;
  const body = [
    ...hoistBranchValues(forwardSweep, (name) => neededByReverse.has(name)),
    ...keepValue,
    ...arrayAdjoints,
    ...reverseSweep,
  ];
  if (request) {
    const { argnums, withValue } = request;
    const kinds = argnums.map((i) => fn.params[i]!.kind);
    const gradientShape: ResultShape = kinds.length === 1 ? kinds[0]! : kinds;
    const gradient: Expr =
      argnums.length === 1
        ? paramAdjoints[argnums[0]!]!
        : { kind: "tuple", elements: argnums.map((i) => paramAdjoints[i]!) };
    const gradientFunction: FunctionIR = {
      name: gradientName(fn.name, argnums, withValue),
      params: [
        ...fn.params,
        { name: seed, kind: resultKind },
        ...buffers.map((p) => ({ name: adjointName(p.name), kind: p.kind })),
      ],
      body: [
        ...body,
        {
          kind: "return",
          value: withValue
            ? { kind: "tuple", elements: [valueExpr, gradient] }
            : gradient,
        },
      ],
      resultShape: withValue ? [resultKind, gradientShape] : gradientShape,
    };
    return { adjoint: gradientFunction, reads: arrayReads };
  }
  const adjoint: FunctionIR = {
    name: derivativeName(fn.name, "vjp"),
    params: [...fn.params, { name: seed, kind: resultKind }],
    body: [
      ...body,
      {
        kind: "return",
        value: { kind: "tuple", elements: [valueExpr, ...paramAdjoints] },
      },
    ],
    resultShape: [resultKind, ...fn.params.map((p) => p.kind)],
  };
  return { adjoint, reads: arrayReads };
}

/** `y`'s derivative with respect to the one number its callee takes. */
interface Derivative {
  readonly operand: Expr;
  readonly name: string;
}

/**
 * `const y = g(x)` for a marked `g` of one number (any other parameters
 * not differentiable) returning a number -> `const [y, dy] = g__jvp(x, 1)`:
 * g's tangent function gives the value and the derivative in one sweep,
 * and the reverse sweep adds `dy * y_adj` to `x_adj` instead of running
 * `g__vjp`, a forward and a reverse sweep of g, on top of `g` itself.
 * Not in branches, whose values the reverse sweep reads from outside
 * them (see hoistBranchValues).
 */
function withDerivatives(
  body: readonly Stmt[],
  activity: Activity,
  names: Names,
  derivatives: Map<Stmt, Derivative>,
): Stmt[] {
  return body.map((s): Stmt => {
    if (s.kind === "loop") {
      return mapBlocks(s, (block) =>
        withDerivatives(block, activity, names, derivatives),
      );
    }
    if (s.kind !== "const" || s.value.kind !== "call") return s;
    const call = s.value;
    const { params, result } = call.callee;
    const inputs = params.flatMap((kind, i) => (kind === "none" ? [] : [i]));
    const [input] = inputs;
    if (
      result !== "number" ||
      inputs.length !== 1 ||
      params[input!] !== "number" ||
      !activity.active.has(s.name) ||
      !isActiveAtom(activity, call.args[input!]!)
    ) {
      return s;
    }
    const name = names.tangent(s.name);
    const tangents: Expr[] = params.map((_, i) =>
      i === input ? num(1) : { kind: "undefined" },
    );
    const linearized: Stmt = {
      kind: "destructure",
      names: [s.name, name],
      value: { ...call, variant: "jvp", args: [...call.args, ...tangents] },
    };
    derivatives.set(linearized, { operand: call.args[input!]!, name });
    return linearized;
  });
}

/**
 * The error for an unmarked call a reverse iteration would have to make
 * again: its result could differ from the forward sweep's.
 */
function throwUnmarked(recompute: readonly Stmt[]): never {
  const call = unmarkedCallIn(recompute)!;
  throw new DiffError(
    call.node,
    DiagnosticCode.NondeterministicCall,
    "tsad cannot differentiate this call of a function that is not marked: the reverse sweep needs what it returned again, and calling it again could give another value or repeat its side effects. The reverse sweep keeps such results only when they are computed in the loop's own body (not in an inner loop). Call it before the loop and pass its result in.",
  );
}

/** A fresh array of zeros shaped like parameter `p`. */
function zerosLike(p: Param): Expr {
  return { kind: "zeros", like: ref(p.name), arrayKind: p.kind };
}

/**
 * The reverse of a loop header: the same iterations, last first. A counted
 * loop recomputes its indices from `start` and `end` (unchanged during the
 * loop, so still there); a `while` loop runs `trips` times, and its body
 * recomputes everything else.
 */
function reversedHeader(
  header: LoopHeader,
  trips: string | undefined,
  names: Names,
): { header: LoopHeader; prologue: Stmt[] } {
  if (header.kind === "while") {
    const k = names.fresh("k");
    return {
      header: {
        kind: "counted",
        counter: k,
        start: ref(trips!),
        end: num(0),
        step: -1,
        inclusive: false,
      },
      prologue: [],
    };
  }
  const { counter, start, end, step, inclusive } = header;
  if (Math.abs(step) === 1) {
    // The last index: the first one past `end`, stepped back. Between
    // integers that is `end` itself, or next to it.
    let last: Expr;
    if (isIntegerSpan(header)) {
      last = inclusive ? end : plusInteger(end, -step);
    } else {
      const span = binary("-", end, start);
      const whole: Expr = {
        kind: "math",
        // `i < e` runs ceil(e - start) times, `i <= e` floor(e - start) + 1.
        fn: inclusive ? "floor" : "ceil",
        args: [step > 0 ? span : binary("-", start, end)],
      };
      const count = inclusive ? binary("+", whole, num(1)) : whole;
      const fromStart = minusOne(count);
      last =
        start.kind === "num" && start.value === 0 && step > 0
          ? fromStart
          : binary(step > 0 ? "+" : "-", start, fromStart);
    }
    return {
      header: {
        kind: "counted",
        counter,
        start: last,
        end: start,
        step: -step,
        inclusive: true,
      },
      prologue: [],
    };
  }
  const k = names.fresh("k");
  const span = binary("-", end, start);
  const count: Expr = inclusive
    ? binary(
        "+",
        { kind: "math", fn: "floor", args: [binary("/", span, num(step))] },
        num(1),
      )
    : { kind: "math", fn: "ceil", args: [binary("/", span, num(step))] };
  return {
    header: {
      kind: "counted",
      counter: k,
      start: binary("-", count, num(1)),
      end: num(0),
      step: -1,
      inclusive: true,
    },
    prologue: [
      {
        kind: "const",
        name: counter,
        value: binary("+", start, binary("*", ref(k), num(step))),
      },
    ],
  };
}

/** Both bounds are integer arithmetic on literals and array lengths. */
function isIntegerSpan(header: Extract<LoopHeader, { kind: "counted" }>) {
  const integral = (e: Expr): boolean =>
    (e.kind === "num" && Number.isInteger(e.value)) ||
    e.kind === "length" ||
    (e.kind === "binary" &&
      (e.op === "+" || e.op === "-" || e.op === "*") &&
      integral(e.left) &&
      integral(e.right));
  return integral(header.start) && integral(header.end);
}

/** `e - 1`, folded into a trailing literal: `n - 1` -> `n - 2`. */
function minusOne(e: Expr): Expr {
  return plusInteger(e, -1);
}

/** `e + k` for an integer `k`, folded into a literal: `n - 1` + 1 -> `n`. */
function plusInteger(e: Expr, k: number): Expr {
  if (k === 0) return e;
  if (e.kind === "num") return num(e.value + k);
  if (e.kind === "binary" && e.right.kind === "num") {
    const offset =
      e.op === "-" ? -e.right.value : e.op === "+" ? e.right.value : undefined;
    if (offset !== undefined) {
      const total = offset + k;
      if (total === 0) return e.left;
      return total > 0
        ? binary("+", e.left, num(total))
        : binary("-", e.left, num(-total));
    }
  }
  return k > 0 ? binary("+", e, num(k)) : binary("-", e, num(-k));
}

/**
 * Which loops push what their reverse pops: every loop at any depth, each
 * iteration of an inner loop too; only the loops of the block itself, not
 * those nested in them, whose values are saved again when the reverse
 * sweep recomputes their enclosing iteration; or none.
 */
type Saving = "every loop" | "outermost loops" | "none";

/** The forward sweep keeping `value` in `place`. */
const keep = (place: Place, value: Expr): Stmt =>
  place.kind === "stack"
    ? { kind: "push", value }
    : { kind: "const", name: place.name, value };

/** The reverse sweep's read of what `keep` kept. */
const saved = (place: StoreSave["element"]): Expr =>
  place.kind === "stack" ? { kind: "popped" } : ref(place.name);

/**
 * The forward code of these statements as the reverse sweep needs it run:
 * `while` loops count their iterations, and loops push what their reverse
 * pops, at the end of each iteration: the results of inner loops, the
 * values it keeps, then the carried variables. `save` says which loops
 * push (see `Saving`); where they do, a store its reverse undoes keeps
 * what it overwrites.
 */
/** `s` with its `while` loops marked `ends`: they ran to the end before. */
function endingLoops(s: Stmt): Stmt {
  const inner = mapBlocks(s, (block) => block.map(endingLoops));
  return inner.kind === "loop" && inner.header.kind === "while"
    ? rewrittenFrom({ ...inner, ends: true }, s)
    : inner;
}

function withPlans(
  body: readonly Stmt[],
  plans: ReadonlyMap<Loop, LoopPlan>,
  saves: ReadonlyMap<Write, StoreSave>,
  save: Saving,
): Stmt[] {
  return body.flatMap((s): Stmt[] => {
    if (s.kind !== "loop") {
      const kept =
        save !== "none" && s.kind === "store" ? saves.get(s) : undefined;
      const before: Stmt[] = [];
      if (kept && s.kind === "store") {
        // The reverse sweep pops the element first.
        const { array, indices } = s;
        if (kept.length) {
          const row = indices.slice(0, -1);
          before.push(
            keep(kept.length, { kind: "length", array, indices: row }),
          );
        }
        if (kept.element.kind !== "source")
          before.push(keep(kept.element, { kind: "index", array, indices }));
      }
      return [
        ...before,
        mapBlocks(s, (block) => withPlans(block, plans, saves, save)),
      ];
    }
    const plan = plans.get(s);
    const saving = save !== "none";
    const kept = new Map(saving ? plan?.kept.map((k) => [k.name, k]) : []);
    // A value kept from inside an `if` is declared before it, to be pushed;
    // an array starts empty, for the paths that never make it.
    const emptyArray = (name: string): Expr | undefined => {
      const k = kept.get(name)!;
      return k.kind === "number" || k.copyOf
        ? undefined
        : { kind: "newArray", arrayKind: k.kind, length: num(0) };
    };
    const inner = hoistBranchValues(
      withPlans(s.body, plans, saves, save === "every loop" ? save : "none"),
      (name) => kept.has(name),
      emptyArray,
    );
    const carried = new Set(s.carried);
    const writeBacks = inner.findIndex(
      (t) => t.kind === "assign" && carried.has(t.name),
    );
    const split = writeBacks === -1 ? inner.length : writeBacks;
    const pushes: Stmt[] =
      save !== "none" && plan
        ? [
            ...[...plan.results]
              .reverse()
              .map((name) => pushed(name, plan.types)),
            ...plan.kept.flatMap(pushKept),
            ...plan.saved.map((name) => pushed(name, plan.types)),
          ]
        : [];
    const count: Stmt[] = plan?.trips
      ? [
          {
            kind: "assign",
            name: plan.trips,
            value: binary("+", ref(plan.trips), num(1)),
          },
        ]
      : [];
    const loop: Stmt = {
      ...s,
      carried: plan?.trips ? [...s.carried, plan.trips] : s.carried,
      body: [
        ...inner.slice(0, split),
        ...pushes,
        ...count,
        ...inner.slice(split),
      ],
    };
    return plan?.trips
      ? [{ kind: "declare", name: plan.trips, init: num(0) }, loop]
      : [loop];
  });
}

type StackType = ValueType | "other";

/**
 * `stack.push(value)` of a value of type `type`: a boolean as 1 or 0 (the
 * stack holds numbers), a string or `undefined` on the stack of others.
 */
function pushAs(value: Expr, type: StackType | undefined): Stmt {
  if (type === "boolean") {
    const number: Expr = {
      kind: "cond",
      test: value,
      whenTrue: num(1),
      whenFalse: num(0),
    };
    return { kind: "push", value: number };
  }
  return type === "other"
    ? { kind: "push", value, other: true }
    : { kind: "push", value };
}

const pushed = (name: string, types: StackTypes): Stmt =>
  pushAs(ref(name), types.get(name));

/** `name = stack.pop()`: what `pushed(name, types)` pushed. */
function popped(name: string, types: StackTypes): Stmt {
  const type = types.get(name);
  return type === "boolean" || type === "other"
    ? { kind: "pop", name, as: type }
    : { kind: "pop", name };
}

/** Whether `body` reads `array` only for its length (`zeros` like it too). */
function readsLengthOnly(body: readonly Stmt[], array: string): boolean {
  let other = false;
  const walk = (e: Expr): void => {
    if (
      (e.kind === "length" &&
        e.indices.length === 0 &&
        isVar(e.array, array)) ||
      (e.kind === "zeros" && isVar(e.like, array))
    )
      return;
    if (e.kind === "var" && e.name === array) other = true;
    else forEachSubexpression(e, walk);
  };
  forEachExpr(body, walk);
  return !other;
}

/** `e` with the lengths of arrays read from the variables holding them. */
function withLengths(e: Expr, lengths: ReadonlyMap<string, Expr>): Expr {
  if (e.kind === "length" && e.indices.length === 0 && e.array.kind === "var") {
    const length = lengths.get(e.array.name);
    if (length) return length;
  }
  if (e.kind === "zeros" && e.like.kind === "var") {
    const length = lengths.get(e.like.name);
    if (length) return { kind: "newArray", arrayKind: e.arrayKind, length };
  }
  return mapSubexpressions(e, (inner) => withLengths(inner, lengths));
}

/** `stack.push(t)`; an array's elements, then its length (see `popKept`). */
function pushKept(k: Kept): Stmt[] {
  if (k.copyOf) return [];
  if (k.kind === "number") return [pushAs(ref(k.name), k.as)];
  const length: Expr = { kind: "length", array: ref(k.name), indices: [] };
  if (k.lengthOnly) return [{ kind: "push", value: length }];
  return [
    {
      kind: "loop",
      header: {
        kind: "counted",
        counter: k.counter!,
        start: num(0),
        end: length,
        step: 1,
        inclusive: false,
      },
      carried: [],
      body: [
        {
          kind: "push",
          value: {
            kind: "index",
            array: ref(k.name),
            indices: [ref(k.counter!)],
          },
        },
      ],
    },
    { kind: "push", value: length },
  ];
}

/** These statements without their writes into arrays other than `fresh` ones. */
function withoutWrites(
  body: readonly Stmt[],
  fresh: ReadonlySet<string>,
): Stmt[] {
  return body.flatMap((s): Stmt[] => {
    const written =
      (s.kind === "store" || s.kind === "append") &&
      !(s.array.kind === "var" && fresh.has(s.array.name));
    return written
      ? []
      : [mapBlocks(s, (block) => withoutWrites(block, fresh))];
  });
}

/**
 * The statements `later` needs, in order: dead recomputation dropped. A
 * loop stays if it assigns a value that is needed; a declaration stays if
 * anything kept (or popped from the stack) assigns the variable. Values
 * `available` before (popped) are never needed from `body`.
 */
function neededOnly(
  body: readonly Stmt[],
  later: readonly Stmt[],
  available: ReadonlySet<string>,
  reshapes: (write: Stmt) => boolean,
): Stmt[] {
  const needed = new Set<string>();
  // Arrays whose elements nothing reads, only their lengths.
  const shapes = new Set<string>();
  const needAll = (block: readonly Stmt[]) => {
    freeReads(block, undefined, valueReads).forEach(
      (name) => available.has(name) || needed.add(name),
    );
    freeReads(block, undefined, shapeReads).forEach(
      (name) => available.has(name) || shapes.add(name),
    );
  };
  needAll(later);
  const declarationNeeded = new Set<string>();
  const collectPops = (block: readonly Stmt[]) => {
    for (const s of block) {
      if (s.kind === "pop") declarationNeeded.add(s.name);
      nestedBlocks(s).forEach(collectPops);
    }
  };
  collectPops(later);
  const keep = (block: readonly Stmt[]): Stmt[] => {
    const kept: Stmt[] = [];
    for (const s of [...block].reverse()) {
      if (s.kind === "if") {
        // Both branches see what is needed after the `if`.
        const after = new Set(needed);
        const then = keep(s.then);
        const thenNeeds = new Set(needed);
        needed.clear();
        after.forEach((name) => needed.add(name));
        const otherwise = keep(s.else);
        thenNeeds.forEach((name) => needed.add(name));
        if (then.length === 0 && otherwise.length === 0) continue;
        kept.unshift({ ...s, then, else: otherwise });
        needAll([{ ...s, then: [], else: [] }]);
        continue;
      }
      const assigned = new Set<string>();
      assignedIn([s], assigned);
      const values = new Set(assigned);
      if (s.kind !== "loop") definedNames([s], values);
      const isWrite =
        s.kind === "store" || s.kind === "append" || s.kind === "shorten";
      // The value stack's pushes pair with pops after them: both stay.
      const wanted =
        [...values].some((name) => needed.has(name)) ||
        ([...values].some((name) => shapes.has(name)) &&
          (!isWrite || reshapes(s))) ||
        (s.kind === "declare" &&
          declarationNeeded.has(s.name) &&
          !available.has(s.name)) ||
        s.kind === "pop" ||
        pushesIn(s);
      if (s.kind === "pop") declarationNeeded.add(s.name);
      if (!wanted) continue;
      // An unmarked call is never left out: see impureValues.
      const pruned =
        s.kind === "loop" && !unmarkedCallIn([s]) ? neededIterations(s) : s;
      if (pruned.kind === "loop" && pruned.body.length === 0) continue;
      kept.unshift(pruned);
      needAll([pruned]);
      assigned.forEach((name) => declarationNeeded.add(name));
    }
    return kept;
  };
  /**
   * A loop with only what computes the values needed after it: in each
   * iteration, what the later iterations read too.
   */
  const neededIterations = (loop: Loop): Loop => {
    // Every iteration tests the header.
    needAll([{ ...loop, body: [] }]);
    let body: Stmt[];
    let size: number;
    do {
      size = needed.size + shapes.size;
      body = keep(loop.body);
    } while (needed.size + shapes.size !== size);
    return { ...loop, body };
  };
  return keep(body);
}

/**
 * The arrays `e` reads for their shape only (`a.length`, `m[i].length`,
 * zeros like `a`), and the variables it reads for their values.
 */
const shapeReads: Reads = (e, visit) => walkShapes(e, visit, () => {});
const valueReads: Reads = (e, visit) => walkShapes(e, () => {}, visit);

function walkShapes(
  e: Expr,
  shape: (name: string) => void,
  value: (name: string) => void,
): void {
  const walk = (inner: Expr): void => {
    if (inner.kind === "var") return value(inner.name);
    if (inner.kind === "length" && inner.array.kind === "var") {
      shape(inner.array.name);
      return inner.indices.forEach(walk);
    }
    if (inner.kind === "zeros" && inner.like.kind === "var") {
      return shape(inner.like.name);
    }
    forEachSubexpression(inner, walk);
  };
  walk(e);
}

/**
 * Variables these statements read before giving them a value themselves:
 * what they need from outside. A `pop` gives a value; names defined in a
 * nested block stay inside it.
 */
function freeReads(
  body: readonly Stmt[],
  bound: ReadonlySet<string> = new Set(),
  reads: Reads = allReads,
): Set<string> {
  const free = new Set<string>();
  const local = new Set(bound);
  const read = (e: Expr) =>
    reads(e, (name) => {
      if (!local.has(name)) free.add(name);
    });
  const inner = (block: readonly Stmt[], extra: string[] = []) =>
    freeReads(block, new Set([...local, ...extra]), reads).forEach((name) =>
      free.add(name),
    );
  for (const s of body) {
    switch (s.kind) {
      case "if":
        read(s.test);
        inner(s.then);
        inner(s.else);
        break;
      case "loop":
        if (s.header.kind === "counted") {
          read(s.header.start);
          read(s.header.end);
          inner(s.body, [s.header.counter]);
        } else {
          // The condition reads what the test computes (`const test = ...`).
          const testBound = [...definedNames(s.header.test)];
          inner([...s.header.test]);
          reads(s.header.condition, (name) => {
            if (!local.has(name) && !testBound.includes(name)) free.add(name);
          });
          inner(s.body, testBound);
        }
        break;
      case "pop":
        local.add(s.name);
        break;
      default:
        mapExprs(s, (e) => (read(e), e));
        definedNames([s], local);
    }
  }
  return free;
}

/**
 * The variables and arrays whose values depend on what the `source`
 * statements compute: through the values they read, the arrays they
 * write, and the `if` tests and loop headers they run under. Not through
 * an array's length: an array that a later write lengthens is a hazard
 * of its own.
 */
function dependents(
  body: readonly Stmt[],
  source: (s: Stmt) => boolean,
): Set<string> {
  const tainted = new Set<string>();
  const readsTainted = (s: Stmt) => {
    const own: Stmt =
      s.kind === "if"
        ? { ...s, then: [], else: [] }
        : s.kind === "loop"
          ? { ...s, body: [] }
          : s;
    let found = false;
    mapExprs(own, (e) => {
      valueReads(e, (name) => (found ||= tainted.has(name)));
      return e;
    });
    return found;
  };
  const visit = (block: readonly Stmt[], underTainted: boolean) => {
    for (const s of block) {
      const taints = underTainted || source(s) || readsTainted(s);
      if (s.kind === "if") {
        visit(s.then, taints);
        visit(s.else, taints);
      } else if (s.kind === "loop") {
        // What one iteration taints, the next may read.
        let size: number;
        do {
          size = tainted.size;
          const header = taints || readsTainted(s);
          if (header && s.header.kind === "counted")
            tainted.add(s.header.counter);
          nestedBlocks(s).forEach((inner) => visit(inner, header));
        } while (tainted.size !== size);
      } else if (taints) {
        definedNames([s], tainted);
        assignedIn([s], tainted);
      }
    }
  };
  visit(body, false);
  return tainted;
}

/** Variables (and arrays, element-wise) these statements assign. */
function assignedIn(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (s.kind === "assign") into.add(s.name);
    const written =
      s.kind === "store" || s.kind === "append" || s.kind === "shorten";
    if (written && s.array.kind === "var") into.add(s.array.name);
    nestedBlocks(s).forEach((block) => assignedIn(block, into));
  }
}

function writesArrays(s: Stmt): boolean {
  return (
    s.kind === "store" ||
    s.kind === "append" ||
    nestedBlocks(s).some((block) => block.some((t) => writesArrays(t)))
  );
}

function pushesIn(s: Stmt): boolean {
  return (
    s.kind === "push" ||
    nestedBlocks(s).some((block) => block.some((t) => pushesIn(t)))
  );
}

/**
 * `recompute` with each inner loop that saves nothing replaced by pops of
 * what it leaves for the statements after it (and `later`), which are
 * added to `results` in the order they are popped.
 *
 *   let a_2 = a;                         let a_2 = a;
 *   for (let i = 0; i < n; i++) {   ->   a_2 = tsad.stack.pop();
 *     a_2 = a_2 + w[i] * x[i];
 *   }
 */
function popResults(
  recompute: readonly Stmt[],
  later: readonly Stmt[],
  plans: ReadonlyMap<Loop, LoopPlan>,
  results: string[],
  types: StackTypes,
): Stmt[] {
  const byHeader = new Map(
    [...plans].map(([loop, plan]) => [loop.header, plan]),
  );
  return recompute.flatMap((s, k): Stmt[] => {
    const plan = s.kind === "loop" ? byHeader.get(s.header) : undefined;
    if (!plan || plan.saved.length > 0 || plan.results.length > 0) return [s];
    // Numbers only: a loop that writes an array leaves more than a pop restores.
    if (writesArrays(s)) return [s];
    const after = freeReads([...recompute.slice(k + 1), ...later]);
    const assigned = new Set<string>();
    assignedIn([s], assigned);
    const leaves = [...assigned].filter((name) => after.has(name));
    results.push(...leaves);
    return leaves.map((name) => popped(name, types));
  });
}

/**
 * `name` and, for an array, the arrays it may be (`result_2 = out` joins
 * the arrays different `return`s return): the reverse sweep writing into
 * any of them writes into the array returned.
 */
function sharedWith(
  body: readonly Stmt[],
  name: string,
  kind: ValueKind,
): string[] {
  const shared = new Set([name]);
  if (kind === "number") return [name];
  const visit = (block: readonly Stmt[]) =>
    block.forEach((s) => {
      if (
        (s.kind === "assign" || s.kind === "const") &&
        s.value.kind === "var" &&
        shared.has(s.name)
      )
        shared.add(s.value.name);
      nestedBlocks(s).forEach(visit);
    });
  // Joins are in program order before the return; one pass per level.
  for (let size = 0; size !== shared.size;) {
    size = shared.size;
    visit(body);
  }
  return [...shared];
}

function appendsTo(body: readonly Stmt[], array: string): boolean {
  return body.some(
    (s) =>
      (s.kind === "append" &&
        s.array.kind === "var" &&
        s.array.name === array) ||
      nestedBlocks(s).some((block) => appendsTo(block, array)),
  );
}

function calleeBase(call: Extract<Expr, { kind: "call" }>): string {
  const ref = call.callee.ref;
  return ref.kind === "local" ? ref.name : ref.derivativeBase;
}

/** Active variables read by these statements' values, nested blocks too. */
function activeReads(body: readonly Stmt[], activity: Activity): Set<string> {
  const into = new Set<string>();
  forEachExpr(body, (e) =>
    allReads(e, (name) => activity.active.has(name) && into.add(name)),
  );
  return into;
}

/**
 * `if (c) { const t = ...; }` -> `let t; if (c) { t = ...; }` for each `t`
 * the reverse sweep reads (`needed`): its branches are other blocks.
 * `initial` gives a hoisted name a value for the paths that do not assign
 * it (an empty array, so that pushing a kept array's elements pushes none).
 */
function hoistBranchValues(
  body: readonly Stmt[],
  needed: (name: string) => boolean,
  initial: (name: string) => Expr | undefined = () => undefined,
): Stmt[] {
  const hoisted: string[] = [];
  const rewrite = (block: readonly Stmt[]): Stmt[] =>
    block.flatMap((s): Stmt[] => {
      if (s.kind === "const" && needed(s.name)) {
        hoisted.push(s.name);
        return [
          rewrittenFrom({ kind: "assign", name: s.name, value: s.value }, s),
        ];
      }
      // A variable merged inside the branch, or carried by a loop in it.
      if (s.kind === "declare" && needed(s.name)) {
        hoisted.push(s.name);
        return s.init
          ? [rewrittenFrom({ kind: "assign", name: s.name, value: s.init }, s)]
          : [];
      }
      return s.kind === "if" ? [mapBlocks(s, rewrite)] : [s];
    });
  return body.flatMap((s): Stmt[] => {
    if (s.kind !== "if") return [s];
    hoisted.length = 0;
    const rewritten = rewrite([s]);
    return [
      ...hoisted.map((name): Stmt => ({
        kind: "declare",
        name,
        init: initial(name),
      })),
      ...rewritten,
    ];
  });
}

/**
 * `for (let k = 0; k < from.length; k++) into[k] += from[k];`, and for a
 * matrix the same over each row's elements; over `into`'s length instead
 * when `from` may be longer.
 */
function addInto(
  into: string,
  from: Expr,
  names: Names,
  matrix = false,
  overInto = false,
): Stmt {
  const row = names.fresh("k");
  const column = matrix ? names.fresh("l") : undefined;
  const loop = (counter: string, over: Expr[], body: Stmt): Stmt => ({
    kind: "loop",
    header: {
      kind: "counted",
      counter,
      start: num(0),
      end: {
        kind: "length",
        array: overInto ? ref(into) : from,
        indices: over,
      },
      step: 1,
      inclusive: false,
    },
    carried: [],
    body: [body],
  });
  const at = column ? [ref(row), ref(column)] : [ref(row)];
  const element: Stmt = {
    kind: "accumulate",
    name: into,
    indices: at,
    value: { kind: "index", array: from, indices: at },
  };
  return loop(row, [], column ? loop(column, [ref(row)], element) : element);
}
