/**
 * Normalize, step 2: every `return` in tail position.
 *
 * The statements after an `if` that may return move into its branches, so
 * each path through the function ends at its own `return` and nothing
 * follows a branch that returned:
 *
 *   if (x < 0) return -x;        if (x < 0) { return -x; }
 *   const y = x * 2;       ->    else { const y = x * 2; return y; }
 *   return y;
 *
 * This is what lets `ssa` treat `return` as one more merged variable.
 * Names are unique in the function after `lower`, so moving statements
 * into a branch cannot change what they refer to. Where an `if` returns
 * on some paths only and much follows it, a `returned` flag guards the
 * rest instead of copying it into each path (see `jumps`), so a run of
 * such `if`s does not grow the code exponentially.
 */
import type { SurfaceStmt } from "../ir";
import type { Names } from "../naming";
import { structureJumps } from "./jumps";

export function tailReturns(
  statements: readonly SurfaceStmt[],
  names: Names,
): SurfaceStmt[] {
  // Loops and blocks are structured already: only `return` jumps here.
  return structureJumps(statements, {
    end: () => undefined,
    flagName: () => names.fresh("returned"),
  });
}
