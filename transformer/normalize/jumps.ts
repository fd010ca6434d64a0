/**
 * Normalize: jumps (`break`, `continue`, `exit` from a labelled block or a
 * `switch`, `return`) become structured control flow. The statements after
 * an `if` that may jump move into its branches, so nothing follows a jump
 * in its block:
 *
 *   if (c) continue;          if (c) { } else { rest; }
 *   rest;               ->
 *
 *   if (c) break;             if (c) { done = true; } else { rest; }
 *   rest;               ->    (the loop tests `!done` before each iteration)
 *
 * Then a loop iteration always runs to the end of its body, where `ssa`
 * writes back the variables the loop carries, and a `return` is the last
 * thing on its path through the function.
 *
 * Moving `rest` into the branches copies it once per way the `if` can end
 * without jumping. Where that would copy more than a small tail, a flag
 * records the jump and guards the rest instead, so code grows linearly
 * with the source even for many `if`s that jump on some paths only:
 *
 *   if (a) {                  let jumped = false;
 *     if (b) continue;        if (a) { if (b) { jumped = true; }
 *     s++;              ->             else { s++; } }
 *   }                         if (!jumped) { rest; }
 *   rest;
 */
import type { Expr, SurfaceStmt } from "../ir";

export type Jump = Extract<
  SurfaceStmt,
  { kind: "break" | "continue" | "exit" | "return" }
>;

/** How a block's jumps end. */
export interface JumpScope {
  /**
   * What a jump that ends in this block becomes there (`break` ->
   * `done = true`); `undefined` for one that leaves an enclosing block too,
   * which stays as it is (last on its path) for that block to structure.
   */
  readonly end: (jump: Jump) => SurfaceStmt[] | undefined;
  /** A fresh name for the flag that guards a long rest. */
  readonly flagName: () => string;
}

/**
 * The most statements that copying a rest into the branches of an `if` may
 * add before a flag guards it instead (`if (!jumped) { rest }`): enough
 * for `return y;` after a branch that returns on some paths, small enough
 * that copies of copies stay bounded.
 */
const SMALL_TAIL = 4;

/** Whether `s` may jump (loops nested in it are structured already). */
export function jumps(
  s: SurfaceStmt,
  which: (jump: Jump) => boolean = () => true,
): boolean {
  if (isJump(s)) return which(s);
  if (s.kind === "if")
    return [...s.then, ...s.else].some((t) => jumps(t, which));
  return false;
}

/**
 * Whether control can run past the end of `body` rather than always
 * jumping or throwing.
 */
export function completes(body: readonly SurfaceStmt[]): boolean {
  return paths(body) > 0;
}

/** `body` with its jumps structured (see the header). */
export function structureJumps(
  body: readonly SurfaceStmt[],
  scope: JumpScope,
): SurfaceStmt[] {
  let flag: string | undefined;
  const raise = (name: string): SurfaceStmt => ({
    kind: "assign",
    name,
    value: { kind: "bool", value: true },
  });
  /** `marked`: inside a statement whose rest is guarded, so jumps raise the flag. */
  const structure = (
    statements: readonly SurfaceStmt[],
    marked: boolean,
  ): SurfaceStmt[] => {
    const out: SurfaceStmt[] = [];
    for (const [i, s] of statements.entries()) {
      // Nothing after a `throw` runs: no flag to raise, no rest to keep.
      if (s.kind === "throw") {
        out.push(s);
        return out;
      }
      if (isJump(s)) {
        if (marked) out.push(raise(flag!));
        out.push(...(scope.end(s) ?? [s]));
        return out;
      }
      if (s.kind !== "if" || !jumps(s)) {
        out.push(s);
        continue;
      }
      const rest = statements.slice(i + 1);
      const [next, ...after] = rest;
      if (next && guardsAfter(next, s)) {
        // A block nested in this one guarded `rest` already, with a flag
        // every jump in `s` raises: what follows joins its guard.
        out.push(
          {
            ...s,
            then: structure(s.then, marked),
            else: structure(s.else, marked),
          },
          { ...next, then: structure([...next.then, ...after], marked) },
        );
        return out;
      }
      const copies = paths([s]);
      if (copies <= 1 || (copies - 1) * size(rest) <= SMALL_TAIL) {
        out.push({
          ...s,
          then: structure([...s.then, ...rest], marked),
          else: structure([...s.else, ...rest], marked),
        });
        return out;
      }
      flag ??= scope.flagName();
      const notJumped: Expr = {
        kind: "not",
        operand: { kind: "var", name: flag },
      };
      out.push(
        {
          ...s,
          then: structure(s.then, true),
          else: structure(s.else, true),
        },
        {
          kind: "if",
          test: notJumped,
          then: structure(rest, marked),
          else: [],
        },
      );
      return out;
    }
    return out;
  };
  const structured = structure(body, false);
  if (flag === undefined) return structured;
  // Declared where the block starts, so it is false on every path that
  // reaches a guard without jumping.
  return [
    {
      kind: "let",
      name: flag,
      value: { kind: "bool", value: false },
      constant: false,
    },
    ...structured,
  ];
}

/**
 * Whether `guard` is `if (!flag) { ... }` for a flag that `s` raises
 * right before each of its jumps and nowhere else (not for a jump that
 * ended inside `s`): then it runs exactly when `s` did not jump.
 */
function guardsAfter(
  guard: SurfaceStmt,
  s: SurfaceStmt,
): guard is Extract<SurfaceStmt, { kind: "if" }> {
  if (
    guard.kind !== "if" ||
    guard.else.length > 0 ||
    guard.test.kind !== "not" ||
    guard.test.operand.kind !== "var"
  )
    return false;
  const flag = guard.test.operand.name;
  // Flags of several enclosing guards are raised one after another.
  const raisesFlag = (block: readonly SurfaceStmt[], from: number) => {
    for (let r = from; r >= 0; r--) {
      const t = block[r]!;
      if (!isRaise(t)) return false;
      if (t.name === flag) return true;
    }
    return false;
  };
  const jumpsAfter = (block: readonly SurfaceStmt[], from: number) => {
    let r = from;
    while (r < block.length && isRaise(block[r]!)) r++;
    return r < block.length && isJump(block[r]!);
  };
  const exact = (block: readonly SurfaceStmt[]): boolean =>
    block.every((t, k) => {
      if (t.kind === "if") return exact(t.then) && exact(t.else);
      if (isJump(t)) return raisesFlag(block, k - 1);
      if (isRaise(t) && t.name === flag) return jumpsAfter(block, k + 1);
      return true;
    });
  return exact([s]);
}

function isRaise(
  s: SurfaceStmt,
): s is Extract<SurfaceStmt, { kind: "assign" }> {
  return s.kind === "assign" && s.value.kind === "bool" && s.value.value;
}

function isJump(s: SurfaceStmt): s is Jump {
  return (
    s.kind === "break" ||
    s.kind === "continue" ||
    s.kind === "exit" ||
    s.kind === "return"
  );
}

/**
 * How many ways control can run past the end of `body` without jumping:
 * how many copies of what follows moving it into the branches makes.
 */
function paths(body: readonly SurfaceStmt[]): number {
  let n = 1;
  for (const s of body) {
    if (isJump(s) || s.kind === "throw") return 0;
    if (s.kind === "if" && jumps(s)) n *= paths(s.then) + paths(s.else);
  }
  return n;
}

/** Statements in `body`, nested ones included. */
function size(body: readonly SurfaceStmt[]): number {
  let n = 0;
  for (const s of body) {
    n += 1;
    if (s.kind === "if") n += size(s.then) + size(s.else);
    if (s.kind === "loop") n += size(s.body);
  }
  return n;
}
