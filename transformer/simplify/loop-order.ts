/**
 * Reverse loops whose iterations are independent run first to last.
 *
 * The reverse of a loop runs its iterations last first, because each one
 * pops what the next pushed and hands its carried adjoints to the one
 * before. Once simplified, many do neither: each iteration recomputes what
 * it needs from values no iteration changes and only adds into adjoints
 * (a dot product's, Rosenbrock's, a data set's rows'). Their order then
 * changes nothing but the order of those additions, and running them
 * forwards reads memory the way caches prefetch it (backwards over a
 * large row-major array costs up to half again as much):
 *
 *   for (let n = N - 1; n >= 0; n--) {        for (let n = 0; n < N; n++) {
 *     let z = b;                                let z = b;
 *     for (...) z = z + w[j] * X[n * F + j];    for (...) z = z + ...;
 *     const z_adj = ...;                  ->    const z_adj = ...;
 *     for (...) w_adj[j] += ... * z_adj;        for (...) w_adj[j] += ...;
 *     b_adj += z_adj;                           b_adj += z_adj;
 *   }                                         }
 *
 * Input: a simplified body whose reverse loops carry the header the
 * forward sweep ran them with (`forwards`, set by `reverse` where nothing
 * popped comes from another iteration). Output: those whose iterations
 * change variables and arrays declared outside them only by adding into
 * them (`+=`), never read what they add into, and carry nothing else from
 * one iteration to another (no value stack use unless an iteration pops
 * only what it pushed itself, no call of an unmarked function, no side
 * effect) run with that header; the others keep theirs.
 */
import {
  allReads,
  definedNames,
  forEachExpr,
  someSubexpression,
  mapBlocks,
  nestedBlocks,
  type Expr,
  type Stmt,
} from "../ir";

export function runLoopsForwards(body: readonly Stmt[]): Stmt[] {
  return body.map((s): Stmt => {
    const inner = mapBlocks(s, runLoopsForwards);
    if (inner.kind !== "loop" || !inner.forwards) return inner;
    const { forwards, ...loop } = inner;
    return runsInAnyOrder(loop.body, forwards.balancedStack)
      ? { ...loop, header: forwards.header }
      : loop;
  });
}

/**
 * `balancedStack`: the iteration's pops all take what the same iteration
 * pushed (its own recomputation saving for its inner loops' reverse).
 */
function runsInAnyOrder(
  iteration: readonly Stmt[],
  balancedStack: boolean,
): boolean {
  const context: Context = {
    added: new Set(),
    balancedStack,
    aliases: aliasesIn(iteration),
    declared: definedNames(iteration),
  };
  if (!onlyAddsOutside(iteration, new Set(), context)) return false;
  let independent = true;
  forEachExpr(iteration, (e) => {
    if (holds(e, "extern") || (!balancedStack && holds(e, "popped"))) {
      independent = false;
    }
    allReads(e, (name) => {
      if (context.added.has(name)) independent = false;
    });
  });
  return independent;
}

interface Context {
  /** Names declared outside the iteration that it adds into. */
  readonly added: Set<string>;
  readonly balancedStack: boolean;
  /** Local names for (rows of) other arrays: `const row = m[i]`. */
  readonly aliases: ReadonlyMap<string, ReadonlySet<string>>;
  /** Every name the iteration declares. */
  readonly declared: ReadonlySet<string>;
}

/**
 * Whether `block`'s writes to names not declared in it (or `local`ly
 * around it) are all additions, collected in `added`.
 */
function onlyAddsOutside(
  block: readonly Stmt[],
  local: ReadonlySet<string>,
  context: Context,
): boolean {
  // Block-scoped: a name declared anywhere in the block is its own.
  const scope = new Set(local);
  for (const s of block) {
    if (s.kind === "const" || s.kind === "declare") scope.add(s.name);
    if (s.kind === "destructure") s.names.forEach((n) => n && scope.add(n));
  }
  const { added, balancedStack } = context;
  return block.every((s) => {
    switch (s.kind) {
      case "accumulate":
        if (s.indices) return writesElements(s.name, true, scope, context);
        if (!scope.has(s.name)) added.add(s.name);
        return true;
      case "assign":
        return scope.has(s.name);
      case "pop":
        return balancedStack && scope.has(s.name);
      case "push":
        return balancedStack;
      case "store":
      case "append":
      case "shorten":
        return (
          s.array.kind === "var" &&
          writesElements(s.array.name, false, scope, context)
        );
      case "effect":
      case "return":
      case "throw":
        return false;
      case "loop": {
        const counter = s.header.kind === "counted" ? [s.header.counter] : [];
        const inner = new Set([...scope, ...counter]);
        return nestedBlocks(s).every((b) => onlyAddsOutside(b, inner, context));
      }
      case "if":
        return nestedBlocks(s).every((b) => onlyAddsOutside(b, scope, context));
      default:
        return true;
    }
  });
}

/**
 * Whether a write into `array`'s elements (an addition: `adds`) stays in
 * the iteration or adds into an outer array, through local names for its
 * rows too.
 */
function writesElements(
  array: string,
  adds: boolean,
  scope: ReadonlySet<string>,
  context: Context,
  seen = new Set<string>(),
): boolean {
  const sources = context.aliases.get(array);
  if (sources) {
    // Names that swap arrays (`a = b; b = t`) lead back: give up there.
    if (seen.has(array)) return false;
    seen.add(array);
    return [...sources].every((source) =>
      writesElements(source, adds, context.declared, context, seen),
    );
  }
  if (scope.has(array)) return true;
  if (adds) context.added.add(array);
  return adds;
}

/** For each name given an array's value or row, those arrays' names. */
function aliasesIn(body: readonly Stmt[]): Map<string, Set<string>> {
  const aliases = new Map<string, Set<string>>();
  const add = (name: string, value: Expr) => {
    const source =
      value.kind === "var"
        ? value.name
        : value.kind === "index" && value.array.kind === "var"
          ? value.array.name
          : undefined;
    if (source === undefined) return;
    const set = aliases.get(name) ?? new Set();
    aliases.set(name, set.add(source));
  };
  const visit = (block: readonly Stmt[]) =>
    block.forEach((s) => {
      if (s.kind === "const" || s.kind === "assign") add(s.name, s.value);
      if (s.kind === "declare" && s.init) add(s.name, s.init);
      nestedBlocks(s).forEach(visit);
    });
  visit(body);
  return aliases;
}

/**
 * Whether `e` holds an expression of this kind: `extern`, a call of an
 * unmarked function (it may count its calls, or draw); `popped`.
 */
function holds(e: Expr, kind: "extern" | "popped"): boolean {
  return someSubexpression(e, (inner) => inner.kind === kind);
}
