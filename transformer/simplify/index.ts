/**
 * Simplify: make generated code read like code a person would write.
 *
 * Input and output: a function in IR. Applied to fixpoint:
 * - algebra on literals: `1 * x` -> `x`, `0 + x` -> `x`, `x ** 1` -> `x`,
 *   `(1 / b) * g` -> `g / b`, `(c ? 1 : 0) * g` -> `c ? g : 0`;
 * - copy and constant propagation, and single-use temporaries folded into
 *   their use (pure values that read nothing reassigned only);
 * - dead code: unused pure definitions, adjoints nobody reads;
 * - `let v = a; v += b;` -> `const v = a + b;` when nothing in between
 *   touches `v` or what `b` reads;
 * - `let m; if (c) { m = a; } else { m = b; }` -> `const m = c ? a : b;`
 * - an addition both branches start with made before them, a value only
 *   one branch reads computed in it, `const t = v; v = t;` gone: the
 *   reverse sweep of a branch in a loop gives a carried adjoint back in
 *   each branch;
 * - `let` never reassigned -> `const`;
 * - whole loops nobody needs removed (liveness.ts), a loop's sums into
 *   one array element kept in a local (accumulators.ts), a literal factor
 *   all uses of a derivative value multiply it by multiplied in once
 *   (coefficients.ts), what a loop computes the same in every iteration
 *   computed before it, invariant factors of derivative products
 *   included (invariants.ts), and additions of an adjoint a branch makes
 *   zero skipped with it (zeros.ts);
 * - last, reverse loops whose iterations only add into adjoints run
 *   first to last (loop-order.ts).
 * Variables returned directly keep their names: `return [r, x_adj]`.
 */
import {
  allReads,
  definedNames,
  mapBlocks,
  nestedBlocks,
  forEachExpr,
  forEachMutated,
  someSubexpression,
  mapExprs,
  mapHeaderExprs,
  mapSubexpressions,
  forEachSubexpression,
  type Expr,
  type FunctionIR,
  type LoopHeader,
  type Stmt,
} from "../ir";
import {
  expressionKey,
  isNum,
  isPure,
  simplifyExpr,
  substitute,
} from "./algebra";
import { localizeAccumulators } from "./accumulators";
import { absorbCoefficients } from "./coefficients";
import { isExact } from "./exact";
import { forget, remember, type Available } from "./available";
import { removeDeadStores } from "./dead-stores";
import { BodyFacts } from "./facts";
import { hoistInvariants } from "./invariants";
import { lengthsOfSources } from "./lengths";
import { removeUnneeded } from "./liveness";
import { runLoopsForwards } from "./loop-order";
import { skipZeroAdjoints } from "./zeros";
import type { Names } from "../naming";

/**
 * `reserved`: the names new variables must avoid besides those `fn` uses
 * (the file's, which generated code may read).
 */
export function simplify(
  fn: FunctionIR,
  primal: ReadonlySet<string>,
  reserved: Names,
): FunctionIR {
  // Primal names, and those of values moved out of primal code.
  const exactNames = new Set(primal);
  // New names avoid the parameters too, which the body may not read (an
  // unused cotangent).
  const avoided = reserved.with(fn.params.map((p) => p.name));
  const simplifyStatement = statementSimplifier(exactNames);
  let body: readonly Stmt[] = fn.body.map(simplifyStatement);
  // Each round makes one change; the limit only guards against a cycle.
  for (let round = 0; round < 100_000; round++) {
    const facts = new BodyFacts(body);
    const next =
      simplifyOnce(facts, simplifyStatement) ??
      // Whole loops nobody needs, stores into elements nobody reads, sums
      // a loop can keep local, a literal factor of all uses of a value,
      // values a loop need not compute again, additions of zeros: looked
      // for once nothing smaller is left.
      removeUnneeded(facts) ??
      lengthsOfSources(body) ??
      removeDeadStores(facts) ??
      localizeAccumulators({ ...fn, body }, avoided) ??
      absorbCoefficients(facts, exactNames) ??
      hoistInvariants(facts, exactNames, avoided) ??
      skipZeroAdjoints(body);
    if (next === undefined) break;
    body = next;
  }
  body = runLoopsForwards(body);
  const mutated = mutatedNames(body);
  return { ...fn, body: finalizeDeclarations(body, mutated) };
}

/** One change, or `undefined` if there is none to make. */
function simplifyOnce(
  facts: BodyFacts,
  simplifyStatement: (s: Stmt) => Stmt,
): readonly Stmt[] | undefined {
  const { body } = facts;
  const uses = useCounts(body);
  const mutated = mutatedNames(body);
  const keep = returnedNames(body);

  const removed = removeDead(facts, uses);
  if (removed) return removed;
  const inlined = inlineDefinitions(
    facts,
    uses,
    mutated,
    keep,
    simplifyStatement,
  );
  if (inlined) return inlined;
  const folded = foldAccumulations(body);
  if (folded) return folded;
  const coalesced = coalesceMerges(body, uses);
  if (coalesced) return coalesced;
  const ternary = mergesToTernaries(body);
  if (ternary) return ternary;
  const hoisted = hoistCommonHeads(body);
  if (hoisted) return hoisted;
  const known = foldKnownTests(body, mutated);
  if (known) return known;
  const reused = reuseComputedValues(facts, mutated, simplifyStatement);
  if (reused) return reused;
  const copied = propagateCopies(body, uses, mutated, simplifyStatement);
  if (copied) return copied;
  // Last: a value reused, or a copy propagated, may be read outside.
  return sinkIntoBranches(facts, body, uses);
}

/**
 * Simplifies a statement's expressions: exactly where they compute primal
 * values (definitions of `primal` names, branch tests, effects), with the
 * derivative rewrites elsewhere.
 */
function statementSimplifier(primal: ReadonlySet<string>) {
  const simplifyStatement = (s: Stmt): Stmt => {
    if (s.kind === "if") {
      return {
        ...s,
        test: simplifyExpr(s.test, /*exact*/ true),
        then: s.then.map(simplifyStatement),
        else: s.else.map(simplifyStatement),
      };
    }
    if (s.kind === "loop") {
      // Loop headers compute indices and tests: primal values.
      const header = mapExprs({ ...s, body: [] }, (e) =>
        simplifyExpr(e, /*exact*/ true),
      ) as Extract<Stmt, { kind: "loop" }>;
      const own = ownCopy(header) as typeof header;
      return { ...own, body: s.body.map(simplifyStatement) };
    }
    if (s.kind === "push" || s.kind === "pop") return s;
    const exact = isExact(s, primal);
    return ownCopy(mapExprs(s, (e) => simplifyExpr(e, exact)));
  };
  return simplifyStatement;
}

/**
 * `s` as a new object, and so are the statements nested in it (but a
 * `pop` or a `let` with no value): the passes key side tables by
 * statement and by block (liveness.ts, `inlineDefinitions`), and the
 * reverse sweep repeats a loop's statements in its recomputation, so each
 * place a statement is at needs its own object. (`mapExprs` returns the
 * statements it leaves unchanged.)
 */
function ownCopy(s: Stmt): Stmt {
  switch (s.kind) {
    case "pop":
      return s;
    case "declare":
      return s.init ? { ...s } : s;
    case "if":
      return { ...s, then: s.then.map(ownCopy), else: s.else.map(ownCopy) };
    case "loop":
      return {
        ...s,
        header:
          s.header.kind === "while"
            ? { ...s.header, test: s.header.test.map(ownCopy) }
            : { ...s.header },
        body: s.body.map(ownCopy),
      };
    default:
      return { ...s };
  }
}

function useCounts(body: readonly Stmt[]): Map<string, number> {
  const uses = new Map<string, number>();
  forEachExpr(body, (e) =>
    allReads(e, (name) => uses.set(name, (uses.get(name) ?? 0) + 1)),
  );
  return uses;
}

function mutatedNames(
  body: readonly Stmt[],
  into = new Set<string>(),
): Set<string> {
  for (const s of body) forEachMutated(s, (name) => into.add(name));
  return into;
}

function returnedNames(body: readonly Stmt[]): Set<string> {
  const names = new Set<string>();
  const last = body.at(-1);
  if (last?.kind === "return") {
    const elements =
      last.value.kind === "tuple" ? last.value.elements : [last.value];
    for (const e of elements) if (e.kind === "var") names.add(e.name);
  }
  return names;
}

const atomKinds: ReadonlySet<Expr["kind"]> = new Set([
  "var",
  "num",
  "mathConst",
  "bool",
  "undefined",
]);
const isAtom = (e: Expr) => atomKinds.has(e.kind);

/** Removes one batch of dead code; `undefined` if there was none. */
function removeDead(
  facts: BodyFacts,
  uses: ReadonlyMap<string, number>,
): Stmt[] | undefined {
  const { body } = facts;
  const unused = (name: string) => !uses.get(name);
  // A marked call an unmarked call of this function could see stays, as
  // does a call that may throw.
  const callGoes = (e: Expr) =>
    e.kind === "call" && !e.callee.mayThrow && !facts.callsObserved;
  /** `s` without what is dead in it, `s` itself if nothing is, `undefined` if all is. */
  const prune = (s: Stmt): Stmt | undefined => {
    switch (s.kind) {
      case "const":
        if (!unused(s.name)) return s;
        if (isPure(s.value) || callGoes(s.value)) return undefined;
        // A marked call that stays for what it may throw: `check(x);`.
        return s.value.kind === "call" ? { kind: "effect", value: s.value } : s;
      case "assign":
        if (s.value.kind === "var" && s.value.name === s.name) return undefined;
      // falls through
      case "declare":
      case "accumulate":
        return unused(s.name) &&
          (s.kind === "declare" ? !s.init || isPure(s.init) : true)
          ? undefined
          : s;
      case "destructure": {
        const names = s.names.map((n) => (n && unused(n) ? undefined : n));
        if (names.every((n) => n === undefined) && callGoes(s.value))
          return undefined;
        if (names.every((n, i) => n === s.names[i])) return s;
        while (names.length > 0 && names.at(-1) === undefined) names.pop();
        return { ...s, names };
      }
      case "if": {
        const then = visit(s.then);
        const otherwise = visit(s.else);
        if (then.length === 0 && otherwise.length === 0) return undefined;
        return then === s.then && otherwise === s.else
          ? s
          : { ...s, then, else: otherwise };
      }
      case "loop": {
        const loop = mapBlocks(s, visit) as typeof s;
        return loop.header.kind === "counted" && loop.body.length === 0
          ? undefined
          : loop;
      }
      default:
        return s;
    }
  };
  /** The block itself when nothing in it is dead. */
  const visit = (block: readonly Stmt[]): readonly Stmt[] => {
    let out: Stmt[] | undefined;
    for (let i = 0; i < block.length; i++) {
      const s = block[i]!;
      const kept = restoresCopy(block, i) ? undefined : prune(s);
      if (!out && kept !== s) out = block.slice(0, i);
      if (out && kept) out.push(kept);
    }
    return out ?? block;
  };
  const result = visit(body);
  return result === body ? undefined : [...result];
}

/**
 * `const t = v; v = t;`: the assignment gives `v` the value it has (what
 * is left of `v = 0; v += t` once folded).
 */
function restoresCopy(block: readonly Stmt[], i: number): boolean {
  const s = block[i]!;
  const copy = block[i - 1];
  return (
    s.kind === "assign" &&
    s.value.kind === "var" &&
    copy?.kind === "const" &&
    copy.name === s.value.name &&
    copy.value.kind === "var" &&
    copy.value.name === s.name
  );
}

/**
 * How deep in loops each variable is read at most: a value defined outside
 * a loop is not moved into it, where it would be computed every iteration.
 */
function loopDepthOfUses(body: readonly Stmt[]): Map<string, number> {
  const depths = new Map<string, number>();
  const visit = (block: readonly Stmt[], depth: number) => {
    for (const s of block) {
      const record = (e: Expr, at: number) =>
        allReads(e, (name) =>
          depths.set(name, Math.max(depths.get(name) ?? 0, at)),
        );
      if (s.kind === "if") {
        record(s.test, depth);
        visit(s.then, depth);
        visit(s.else, depth);
      } else if (s.kind === "loop") {
        if (s.header.kind === "counted") {
          record(s.header.start, depth);
          record(s.header.end, depth + 1);
        } else {
          record(s.header.condition, depth + 1);
          visit(s.header.test, depth + 1);
        }
        visit(s.body, depth + 1);
      } else {
        mapExprs(s, (e) => (record(e, depth), e));
      }
    }
  };
  visit(body, 0);
  return depths;
}

/**
 * Substitutes definitions into their uses: atoms everywhere, other pure
 * values at their only use. Only values that read nothing reassigned move,
 * so the value is the same wherever it is read. Every definition that
 * does not read another one being substituted goes in one pass.
 */
function inlineDefinitions(
  facts: BodyFacts,
  uses: ReadonlyMap<string, number>,
  mutated: ReadonlySet<string>,
  keep: ReadonlySet<string>,
  simplifyStatement: (s: Stmt) => Stmt,
): readonly Stmt[] | undefined {
  const { body } = facts;
  /** Chosen definitions by their block, and the position in it. */
  const chosen = new Map<readonly Stmt[], Map<number, [string, Expr]>>();
  const names = new Set<string>();
  const readByValues = new Set<string>();
  /** Found when a candidate first needs it: most rounds choose atoms only. */
  let useDepths: Map<string, number> | undefined;
  const usedDeeperThan = (name: string, depth: number) =>
    ((useDepths ??= loopDepthOfUses(body)).get(name) ?? 0) > depth;
  /** Definitions reading chosen ones, those substituted (for `visit` too). */
  const substituted = new Map<Stmt, Stmt>();
  /** `scope`: the definitions chosen before `block`, in force in it. */
  const find = (
    block: readonly Stmt[],
    depth: number,
    scope: ReadonlyMap<string, Expr>,
  ) => {
    // Extended where a definition is chosen, in a copy made at the first
    // (`scope` is the outer block's); most blocks choose none. Blocks
    // nested in this one are done before it chooses more.
    let env = scope;
    let extended: Map<string, Expr> | undefined;
    let blockDefinitions: ReadonlyMap<string, Expr> | undefined;
    for (let i = 0; i < block.length; i++) {
      const s = block[i]!;
      // A definition reading chosen ones moves with theirs substituted, as
      // the pass after this one would see it: chains go in one pass.
      const current =
        (s.kind === "const" || s.kind === "declare") &&
        env.size > 0 &&
        readsAny(s, env)
          ? simplifyStatement(mapExprs(s, (e) => substituteAll(e, env)))
          : s;
      if (current !== s) substituted.set(s, current);
      const value = definedValue(current);
      if (
        value &&
        (s.kind === "const" || s.kind === "declare") &&
        !keep.has(s.name) &&
        // Another variable of the name (the reverse sweep's copy of a
        // loop body reuses the body's names) may be assigned elsewhere.
        (!mutated.has(s.name) || !redefinedAfter(block, i, s.name))
      ) {
        let readsMutated = false;
        // A chosen definition not in scope: another variable of its name.
        let readsChosen = false;
        allReads(value, (name) => {
          readsMutated ||= mutated.has(name);
          readsChosen ||= names.has(name);
        });
        const single =
          uses.get(s.name) === 1 ||
          // The reverse sweep's copy of a loop body defines the body's
          // names again: each definition's own reads count.
          ((facts.definitions.get(s.name) ?? 0) > 1 &&
            readsInScope(block, i, s.name) === 1);
        // A name defined twice (a loop body and its recomputation in the
        // reverse sweep) goes one definition at a time.
        const independent =
          !readsChosen && !names.has(s.name) && !readByValues.has(s.name);
        // The cheap questions first.
        if (
          independent &&
          isPure(value) &&
          (!readsMutated || (single && usedRightAfter(block, i, s.name))) &&
          (isAtom(value) ||
            (single &&
              !usedDeeperThan(s.name, depth) &&
              // Only a `const` may be read for its value again.
              !(
                s.kind === "const" &&
                computedAgain(
                  block,
                  i,
                  [value, definedValue(s)],
                  () => (blockDefinitions ??= definitionsIn(block)),
                )
              )))
        ) {
          names.add(s.name);
          allReads(value, (name) => readByValues.add(name));
          env = (extended ??= new Map(scope)).set(s.name, value);
          const inBlock = chosen.get(block) ?? new Map();
          chosen.set(block, inBlock.set(i, [s.name, value]));
        }
      }
      if (s.kind === "if") {
        find(s.then, depth, env);
        find(s.else, depth, env);
      }
      if (s.kind === "loop") find(s.body, depth + 1, env);
    }
  };
  find(body, 0, new Map());
  if (chosen.size === 0) return undefined;

  // Each definition is substituted where it is in scope: after it in its
  // block. The reverse sweep recomputes a loop's body under the same
  // names, so a name may be defined in two loops, reading different
  // variables. A block with nothing to change stays the same array, and
  // its statements the same objects, whose side tables stay (`touchedBy`).
  const visit = (
    block: readonly Stmt[],
    scope: ReadonlyMap<string, Expr>,
  ): readonly Stmt[] => {
    const here = chosen.get(block);
    // Extended at each definition substituted, as in `find`.
    let env = scope;
    let extended: Map<string, Expr> | undefined;
    const out: Stmt[] = [];
    let changed = false;
    for (let i = 0; i < block.length; i++) {
      const s = block[i]!;
      const definition = here?.get(i);
      if (definition) {
        env = (extended ??= new Map(scope)).set(...definition);
        changed = true;
        continue;
      }
      if (env.size === 0 || !readsAny(s, env)) {
        const kept = mapBlocks(s, (inner) => visit(inner, env));
        changed ||= kept !== s;
        out.push(kept);
        continue;
      }
      changed = true;
      // Tests and loop bounds are primal values: exact rewrites only.
      const replace = (e: Expr) => substituteAll(e, env);
      const exact = (e: Expr) => simplifyExpr(replace(e), /*exact*/ true);
      if (s.kind === "if") {
        out.push({
          ...s,
          test: exact(s.test),
          then: visit(s.then, env),
          else: visit(s.else, env),
        });
      } else if (s.kind === "loop") {
        const header: LoopHeader =
          s.header.kind === "counted"
            ? {
                ...s.header,
                start: exact(s.header.start),
                end: exact(s.header.end),
              }
            : {
                ...s.header,
                test: visit(s.header.test, env),
                condition: exact(s.header.condition),
              };
        // The header it may run with instead reads the same values.
        const forwards = s.forwards && {
          ...s.forwards,
          header: mapHeaderExprs(s.forwards.header, exact),
        };
        out.push({
          ...s,
          header,
          ...(forwards && { forwards }),
          body: visit(s.body, env),
        });
      } else {
        out.push(substituted.get(s) ?? simplifyStatement(mapExprs(s, replace)));
      }
    }
    return changed ? out : block;
  };
  return visit(body, new Map());
}

/**
 * Whether the simple statement right after `block[i]` reads or changes
 * `name`: nothing runs between a definition and a use there, so the
 * value may read anything.
 */
function usedRightAfter(
  block: readonly Stmt[],
  i: number,
  name: string,
): boolean {
  const next = block[i + 1];
  return (
    next !== undefined &&
    next.kind !== "if" &&
    next.kind !== "loop" &&
    touches(next, name)
  );
}

/**
 * How often the statements after `block[i]` read `name`, which it
 * defines: the reads of that definition, unless one of them defines or
 * assigns `name` again (`undefined`).
 */
function readsInScope(
  block: readonly Stmt[],
  i: number,
  name: string,
): number | undefined {
  let reads = 0;
  for (let k = i + 1; k < block.length; k++) {
    const s = block[k]!;
    if (hasBlocks(s) ? writtenBy(s).has(name) : writesOrDefines(s, name))
      return undefined;
    if (hasBlocks(s) && !readBy(s).has(name)) continue;
    reads += countReads([s], name);
  }
  return reads;
}

/** How often `stmts` read `name`, nested blocks too. */
function countReads(stmts: readonly Stmt[], name: string): number {
  let reads = 0;
  forEachExpr(stmts, (e) => allReads(e, (read) => read === name && reads++));
  return reads;
}

/**
 * Whether a statement after `block[i]` computes the value it defines
 * again: the definition stays, and `reuseComputedValues` has the
 * computation read it instead (the rules write `1 - tanh_x * tanh_x` for
 * each use of the derivative of `Math.tanh(x)`). `values`: the value as
 * written, and with the definitions chosen before it substituted; each
 * also with the block's definitions it reads put in (`1 - t` for
 * `t = tanh_x * tanh_x`), as the computation after it may be written.
 * An element read is not worth keeping for that.
 */
function computedAgain(
  block: readonly Stmt[],
  i: number,
  values: readonly (Expr | undefined)[],
  definitions: () => ReadonlyMap<string, Expr>,
): boolean {
  const keys = new Set<string>();
  for (const value of new Set(values)) {
    if (!value || isAtom(value) || value.kind === "index") continue;
    const defined = definitions();
    const inlined = mapSubexpressions(value, (e) =>
      e.kind === "var" ? (defined.get(e.name) ?? e) : e,
    );
    for (const form of [value, inlined]) {
      const key = expressionKey(form);
      if (key !== undefined) keys.add(key);
    }
  }
  if (keys.size === 0) return false;
  for (let k = i + 1; k < block.length; k++) {
    const computed = computedBy(block[k]!);
    for (const key of keys) if (computed.has(key)) return true;
  }
  return false;
}

/** The keys of the values statement `s` computes, nested blocks too. */
const computedBy = perStatement((s) => {
  const found = new Set<string>();
  const visit = (e: Expr): void => {
    if (isAtom(e)) return;
    const key = expressionKey(e);
    if (key !== undefined) found.add(key);
    forEachSubexpression(e, visit);
  };
  forEachExpr([s], visit);
  return found;
});

/** The values the `const`s and `let`s of a block give their variables. */
function definitionsIn(block: readonly Stmt[]): Map<string, Expr> {
  const values = new Map<string, Expr>();
  for (const s of block) {
    const value = definedValue(s);
    if (value && "name" in s) values.set(s.name, value);
  }
  return values;
}

/** The value a `const` or `let` gives its variable. */
function definedValue(s: Stmt): Expr | undefined {
  return s.kind === "const"
    ? s.value
    : s.kind === "declare"
      ? s.init
      : undefined;
}

/** Whether a statement after `block[i]` (or in one) assigns or defines `name`. */
function redefinedAfter(
  block: readonly Stmt[],
  i: number,
  name: string,
): boolean {
  for (let k = i + 1; k < block.length; k++) {
    const s = block[k]!;
    if (hasBlocks(s) ? writtenBy(s).has(name) : writesOrDefines(s, name))
      return true;
  }
  return false;
}

/** Whether simple statement `s` assigns or defines `name`. */
function writesOrDefines(s: Stmt, name: string): boolean {
  if (s.kind === "const" || s.kind === "declare") return s.name === name;
  if (s.kind === "destructure") return s.names.includes(name);
  return writes(s, name);
}

/** The names branch or loop `s` assigns or defines, nested blocks too. */
const writtenBy = perStatement((s) => {
  const found = definedNames([s]);
  forEachMutated(s, (written) => found.add(written));
  return found;
});

function readsAny(s: Stmt, names: ReadonlyMap<string, unknown>): boolean {
  if (!hasBlocks(s)) return someRead(s, (read) => names.has(read));
  const reads = readBy(s);
  // The smaller of the two: most often a few definitions in scope.
  if (names.size < reads.size) {
    for (const name of names.keys()) if (reads.has(name)) return true;
    return false;
  }
  for (const name of reads) if (names.has(name)) return true;
  return false;
}

/** The names `s` reads, nested blocks too. */
const readBy = perStatement((s) => {
  const found = new Set<string>();
  forEachExpr([s], (e) => allReads(e, (read) => found.add(read)));
  return found;
});

/** Whether simple statement `s` reads a name that passes `test`. */
function someRead(s: Stmt, test: (name: string) => boolean): boolean {
  let found = false;
  const reads = (e: Expr) => e.kind === "var" && test(e.name);
  forEachExpr([s], (e) => (found ||= someSubexpression(e, reads)));
  return found;
}

function substituteAll(e: Expr, env: ReadonlyMap<string, Expr>): Expr {
  if (env.size === 0) return e;
  if (e.kind === "var") return env.get(e.name) ?? e;
  return mapSubexpressions(e, (inner) => substituteAll(inner, env));
}

/**
 * `let v = a; ...; v += b;` -> `let v = a + b; ...` (and two `+=` alike)
 * where nothing in between reads `v` or changes what `b` reads, and `b`
 * does not read `v` (`h_adj[0] += r_adj; h_adj[0] += h_adj[0];` doubles
 * what the first added).
 */
function foldAccumulations(block: readonly Stmt[]): Stmt[] | undefined {
  // Every fold in the block in one pass: each is checked on the block as
  // the folds before it left it.
  let body = block;
  let folded = false;
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    const first =
      s.kind === "declare"
        ? s.init
        : s.kind === "accumulate" || s.kind === "assign"
          ? s.value
          : undefined;
    const target = s.kind === "accumulate" ? indicesKey(s.indices) : "";
    if (target === undefined) continue;
    if (
      !first ||
      (s.kind !== "declare" && s.kind !== "accumulate" && s.kind !== "assign")
    ) {
      continue;
    }
    for (let j = i + 1; j < body.length; j++) {
      const later = body[j]!;
      if (
        later.kind === "accumulate" &&
        later.name === s.name &&
        indicesKey(later.indices) === target
      ) {
        const between = body.slice(i + 1, j);
        const touched = new Set<string>([s.name]);
        mutatedNames(between, touched);
        definedNames(between, touched);
        let blocked = false;
        allReads(later.value, (name) => (blocked ||= touched.has(name)));
        if (blocked) break;
        const sum = simplifyExpr({
          kind: "binary",
          op: "+",
          left: first,
          right: later.value,
        });
        const merged: Stmt =
          s.kind === "declare" ? { ...s, init: sum } : { ...s, value: sum };
        body = [...body.slice(0, i), merged, ...between, ...body.slice(j + 1)];
        folded = true;
        i--;
        break;
      }
      if (touches(later, s.name)) break;
    }
  }
  return folded ? [...body] : inBranches(body, foldAccumulations);
}

/** `[i][j]` as a key, `""` for none, `undefined` if not comparable. */
function indicesKey(indices: readonly Expr[] | undefined): string | undefined {
  if (!indices) return "";
  const keys = indices.map(expressionKey);
  return keys.includes(undefined) ? undefined : `[${keys.join("][")}]`;
}

/**
 * `let m2; if (...) { m2 = a; } else { m2 = b; } m1 = m2;` with `m2` read
 * only there -> `if (...) { m1 = a; } else { m1 = b; }`: nested `else if`s
 * assign the outer merged variable directly.
 */
function coalesceMerges(
  body: readonly Stmt[],
  uses: ReadonlyMap<string, number>,
): Stmt[] | undefined {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    if (s.kind !== "declare" || s.init || uses.get(s.name) !== 1) continue;
    const j = body.findIndex(
      (later, k) =>
        k > i &&
        later.kind === "assign" &&
        later.value.kind === "var" &&
        later.value.name === s.name,
    );
    if (j === -1) continue;
    const copy = body[j] as Extract<Stmt, { kind: "assign" }>;
    const between = body.slice(i + 1, j);
    if (between.some((t) => touches(t, copy.name))) continue;
    const rename = (block: readonly Stmt[]): Stmt[] =>
      block.map((t): Stmt => {
        if (t.kind === "assign" && t.name === s.name)
          return { ...t, name: copy.name };
        return mapBlocks(t, rename);
      });
    return [...body.slice(0, i), ...rename(between), ...body.slice(j + 1)];
  }
  return inBranches(body, (block) => coalesceMerges(block, uses));
}

/** Applies a block rewrite to the first nested block it changes. */
function inBranches(
  body: readonly Stmt[],
  rewrite: (block: readonly Stmt[]) => Stmt[] | undefined,
): Stmt[] | undefined {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    let changed = false;
    const rewritten = mapBlocks(s, (block) => {
      if (changed) return block;
      const next = rewrite(block);
      if (next) changed = true;
      return next ?? block;
    });
    if (changed) return [...body.slice(0, i), rewritten, ...body.slice(i + 1)];
  }
  return undefined;
}

function touches(s: Stmt, name: string): boolean {
  if (!hasBlocks(s))
    return writes(s, name) || someRead(s, (read) => read === name);
  return touchedBy(s).has(name);
}

/** The names branch or loop `s` reads or changes, nested blocks too. */
const touchedBy = perStatement((s) => {
  const found = new Set(readBy(s));
  forEachMutated(s, (written) => found.add(written));
  return found;
});

/**
 * `find` of a statement, found once for each statement object (statements
 * are never changed in place), so passes asking of every later statement
 * in a block and rounds asking again of statements they left as they
 * were cost a lookup. A simple statement is quicker to read again than to
 * look up: most are asked about once.
 */
function perStatement<T>(find: (s: Stmt) => T): (s: Stmt) => T {
  const known = new WeakMap<Stmt, T>();
  return (s) => {
    let found = known.get(s);
    if (found === undefined) known.set(s, (found = find(s)));
    return found;
  };
}

/** A branch or a loop: a statement with blocks nested in it. */
const hasBlocks = (s: Stmt) => s.kind === "if" || s.kind === "loop";

/**
 * `if (c) { v += a; ... } else { v += a; ... }` -> `v += a; if (c) ...`:
 * the reverse sweep of a branch in a loop gives a carried adjoint back in
 * each branch (`s_adj = 0; ... if (c) { s_adj += s_3_adj; ...`), which
 * `foldAccumulations` then sees. Only a sum into a variable that the
 * test does not read, before a test that runs no code.
 */
function hoistCommonHeads(body: readonly Stmt[]): Stmt[] | undefined {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    if (s.kind !== "if") continue;
    const [first] = s.then;
    const [other] = s.else;
    if (
      first?.kind !== "accumulate" ||
      other?.kind !== "accumulate" ||
      first.indices ||
      other.indices ||
      first.name !== other.name
    )
      continue;
    const key = expressionKey(first.value);
    if (key === undefined || key !== expressionKey(other.value)) continue;
    const readsTarget = (e: Expr) => e.kind === "var" && e.name === first.name;
    if (!isPure(s.test) || someSubexpression(s.test, readsTarget)) continue;
    return [
      ...body.slice(0, i),
      first,
      { ...s, then: s.then.slice(1), else: s.else.slice(1) },
      ...body.slice(i + 1),
    ];
  }
  return inBranches(body, hoistCommonHeads);
}

/**
 * `if (t) { ... t ? a : b ... }` -> `... a ...` (`b` in the other branch,
 * and the same under `if (!t)`), where nothing assigns `t` and the branch
 * does not define it again: the reverse sweep reads a value the branch
 * merged (`l = t ? ... : 0`) inside the branch that chose it.
 */
function foldKnownTests(
  body: readonly Stmt[],
  mutated: ReadonlySet<string>,
): Stmt[] | undefined {
  const withKnown = (
    block: readonly Stmt[],
    name: string,
    value: boolean,
  ): readonly Stmt[] => {
    if (definedNames(block).has(name)) return block;
    const fold = (e: Expr): Expr =>
      e.kind === "cond" && e.test.kind === "var" && e.test.name === name
        ? fold(value ? e.whenTrue : e.whenFalse)
        : mapSubexpressions(e, fold);
    const visit = (stmts: readonly Stmt[]): readonly Stmt[] => {
      let out: Stmt[] | undefined;
      stmts.forEach((s, k) => {
        const next = mapBlocks(mapExprs(s, fold), visit);
        if (next !== s) out ??= stmts.slice(0, k);
        out?.push(next);
      });
      return out ?? stmts;
    };
    return visit(block);
  };
  let changed = false;
  const visit = (block: readonly Stmt[]): readonly Stmt[] => {
    let out: Stmt[] | undefined;
    block.forEach((s, k) => {
      let next = mapBlocks(s, visit);
      if (next.kind === "if") {
        const { test } = next;
        const negated = test.kind === "not";
        const tested = test.kind === "not" ? test.operand : test;
        if (tested.kind === "var" && !mutated.has(tested.name)) {
          const then = withKnown(next.then, tested.name, !negated);
          const otherwise = withKnown(next.else, tested.name, negated);
          if (then !== next.then || otherwise !== next.else)
            next = { ...next, then, else: otherwise };
        }
      }
      if (next !== s) {
        out ??= block.slice(0, k);
        changed = true;
      }
      out?.push(next);
    });
    return out ?? block;
  };
  const result = visit(body);
  return changed ? [...result] : undefined;
}

/**
 * `const v = e; if (c) { ...v... }` -> `if (c) { const v = e; ...v... }`
 * where only that branch reads `v` (a `let` may be assigned there too):
 * computed on the path that needs it (a value the reverse sweep gives a
 * variable merged in the branch, `y_adj` of `y = c ? y_2 : y_1`).
 */
function sinkIntoBranches(
  facts: BodyFacts,
  block: readonly Stmt[],
  uses: ReadonlyMap<string, number>,
): Stmt[] | undefined {
  for (let i = 0; i + 1 < block.length; i++) {
    const s = block[i]!;
    const value = definedValue(s);
    if (!value || !("name" in s) || facts.definitions.get(s.name) !== 1)
      continue;
    // The branch may come after simple statements that run no code and
    // change nothing the value reads.
    let k = i + 1;
    while (
      k < block.length &&
      !touches(block[k]!, s.name) &&
      passable(block[k]!, value)
    )
      k++;
    const next = block[k];
    if (next?.kind !== "if" || !isPure(value) || !isPure(next.test)) continue;
    const total = uses.get(s.name) ?? 0;
    const branch =
      countReads(next.then, s.name) === total
        ? "then"
        : countReads(next.else, s.name) === total
          ? "else"
          : undefined;
    if (total === 0 || !branch) continue;
    // A `let` may be assigned too: only in that branch.
    const other = branch === "then" ? next.else : next.then;
    const elsewhere = [...other, ...block.slice(k + 1)];
    if (elsewhere.some((t) => touches(t, s.name))) continue;
    // Right before its first use in the branch, where it can pass the
    // statements before that (`let v = 0; v += a` folds).
    const inBranch = next[branch];
    let at = 0;
    while (
      at < inBranch.length &&
      !touches(inBranch[at]!, s.name) &&
      passable(inBranch[at]!, value)
    )
      at++;
    return [
      ...block.slice(0, i),
      ...block.slice(i + 1, k),
      {
        ...next,
        [branch]: [...inBranch.slice(0, at), s, ...inBranch.slice(at)],
      },
      ...block.slice(k + 1),
    ];
  }
  return inBranches(block, (inner) => sinkIntoBranches(facts, inner, uses));
}

/**
 * Whether a pure `value` may be computed after simple statement `s`
 * instead of before it: `s` calls nothing, pushes and pops nothing, and
 * changes no variable or array `value` reads.
 */
function passable(s: Stmt, value: Expr): boolean {
  if (
    hasBlocks(s) ||
    s.kind === "push" ||
    s.kind === "pop" ||
    s.kind === "effect" ||
    s.kind === "return"
  )
    return false;
  let pure = true;
  forEachExpr([s], (e) => (pure &&= isPure(e)));
  if (!pure) return false;
  let changes = false;
  allReads(value, (name) => (changes ||= writesOrDefines(s, name)));
  return !changes;
}

/**
 * `let m; if (c) { m = a; } else { m = b; }` -> `const m = c ? a : b;` and
 * `let v = 0; if (c) { v += a; }` -> `const v = c ? a : 0;`
 */
function mergesToTernaries(body: readonly Stmt[]): Stmt[] | undefined {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    const next = body[i + 1];
    if (s.kind === "declare" && next?.kind === "if") {
      const start = s.init;
      const branchValue = (branch: readonly Stmt[]): Expr | undefined => {
        if (branch.length === 0)
          return start && isNum(start, 0) ? start : undefined;
        const [only] = branch;
        if (
          branch.length !== 1 ||
          only!.kind === "if" ||
          !("name" in only!) ||
          only.name !== s.name
        )
          return undefined;
        if (only.kind === "assign" && !start) return only.value;
        if (only.kind === "accumulate" && start && isNum(start, 0))
          return only.value;
        return undefined;
      };
      const whenTrue = branchValue(next.then);
      const whenFalse = branchValue(next.else);
      if (whenTrue && whenFalse) {
        const value: Expr = {
          kind: "cond",
          test: next.test,
          whenTrue,
          whenFalse,
        };
        return [
          ...body.slice(0, i),
          { kind: "declare", name: s.name, init: value },
          ...body.slice(i + 2),
        ];
      }
    }
  }
  return inBranches(body, mergesToTernaries);
}

/** `let v = a` never reassigned becomes `const v = a`. */
function finalizeDeclarations(
  body: readonly Stmt[],
  mutated: ReadonlySet<string>,
): Stmt[] {
  return body.map((s): Stmt => {
    if (s.kind === "declare" && s.init && !mutated.has(s.name))
      return { kind: "const", name: s.name, value: s.init };
    return mapBlocks(s, (block) => finalizeDeclarations(block, mutated));
  });
}

/**
 * A value already held by a `const` in scope is read from it rather than
 * computed again: the rules say `Math.cosh(x)` where `cosh_x` exists, and
 * each mention of `x[i]` in the source is a read of its own. Until a
 * statement writes what the value reads (an element of the array, a
 * variable), and, in a loop, unless the loop writes it.
 */
function reuseComputedValues(
  { body, own: ownName }: BodyFacts,
  mutated: ReadonlySet<string>,
  simplifyStatement: (s: Stmt) => Stmt,
): Stmt[] | undefined {
  let changed = false;
  /** `e` reading the `const`s in `available` for the values they hold. */
  const reading = (available: Available) => {
    const replace = (e: Expr): Expr => {
      // No atom is remembered, nor keyed like a value that is; with
      // nothing remembered, no key is worth finding.
      if (isAtom(e) || available.size === 0) return e;
      const key = expressionKey(e);
      const holder = key === undefined ? undefined : available.get(key);
      if (holder !== undefined) {
        changed = true;
        return { kind: "var", name: holder.name };
      }
      // Unchanged expressions stay the same objects, keys and all.
      let inner = false;
      const mapped = mapSubexpressions(e, (sub) => {
        const replaced = replace(sub);
        inner ||= replaced !== sub;
        return replaced;
      });
      return inner ? mapped : e;
    };
    return replace;
  };
  const visit = (block: readonly Stmt[], outer: Available): Stmt[] => {
    const available: Available = new Map(outer);
    const replace = reading(available);
    return block.map((s): Stmt => {
      let replaced: Stmt;
      if (s.kind === "if") {
        replaced = {
          ...s,
          test: replace(s.test),
          then: visit(s.then, available),
          else: visit(s.else, available),
        };
      } else if (s.kind === "loop") {
        // What the loop writes differs from one iteration to the next.
        const steady = new Map(available);
        forget(steady, s, ownName);
        const header = mapExprs({ ...s, body: [] }, reading(steady));
        replaced = { ...(header as typeof s), body: visit(s.body, steady) };
      } else {
        // A `const` holding a value computed before becomes a copy, which
        // copy propagation then removes (`x[i]` read twice). What changed
        // may simplify further: `100 * a + t_3` is `t_3 + t_3`, `2 * t_3`.
        const mapped = mapExprs(s, replace);
        replaced = mapped === s ? s : simplifyStatement(mapped);
      }
      forget(available, replaced, ownName);
      if (
        replaced.kind === "const" &&
        !mutated.has(replaced.name) &&
        isPure(replaced.value) &&
        !isAtom(replaced.value)
      )
        remember(available, replaced.name, replaced.value);
      return replaced;
    });
  };
  const result = visit(body, new Map());
  return changed ? result : undefined;
}

/**
 * `const a = b;` where `b` is reassigned later: `b = a;` right after is a
 * no-op and goes, and `a` is replaced by `b` in the statements before `b`
 * is next written (the adjoint of a loop's running sum is such a copy).
 */
function propagateCopies(
  body: readonly Stmt[],
  uses: ReadonlyMap<string, number>,
  mutated: ReadonlySet<string>,
  simplifyStatement: (s: Stmt) => Stmt,
): Stmt[] | undefined {
  for (let i = 0; i < body.length; i++) {
    const s = body[i]!;
    const value = definedValue(s);
    if (value?.kind !== "var") continue;
    const copy = (s as { name: string }).name;
    if (mutated.has(copy)) continue;
    const source = value.name;
    const rest = body.slice(i + 1);
    const noOp = rest.findIndex(
      (t) =>
        t.kind === "assign" &&
        t.name === source &&
        t.value.kind === "var" &&
        t.value.name === copy,
    );
    if (noOp !== -1 && !rest.slice(0, noOp).some((t) => writes(t, source))) {
      return [
        ...body.slice(0, i + 1),
        ...rest.slice(0, noOp),
        ...rest.slice(noOp + 1),
      ];
    }
    const firstWrite = rest.findIndex((t) => writes(t, source));
    const before = firstWrite === -1 ? rest : rest.slice(0, firstWrite);
    let readsBefore = 0;
    forEachExpr(before, (e) =>
      allReads(e, (name) => name === copy && readsBefore++),
    );
    if (readsBefore !== uses.get(copy)) continue;
    const replaced = before.map((t) => {
      const mapped = mapExprs(t, (e) => substitute(e, copy, value));
      return mapped === t ? t : simplifyStatement(mapped);
    });
    return [...body.slice(0, i), ...replaced, ...rest.slice(before.length)];
  }
  return inBranches(body, (block) =>
    propagateCopies(block, uses, mutated, simplifyStatement),
  );
}

function writes(s: Stmt, name: string): boolean {
  let found = false;
  forEachMutated(s, (written) => (found ||= written === name));
  return found;
}
