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
 * into a branch cannot change what they refer to.
 */
import type { SurfaceStmt } from "../ir";

export function tailReturns(statements: readonly SurfaceStmt[]): SurfaceStmt[] {
  const out: SurfaceStmt[] = [];
  for (const [i, statement] of statements.entries()) {
    if (statement.kind === "return") {
      out.push(statement);
      return out;
    }
    if (statement.kind === "if" && containsReturn(statement)) {
      const rest = statements.slice(i + 1);
      out.push({
        ...statement,
        then: tailReturns([...statement.then, ...rest]),
        else: tailReturns([...statement.else, ...rest]),
      });
      return out;
    }
    out.push(statement);
  }
  return out;
}

function containsReturn(statement: SurfaceStmt): boolean {
  return (
    statement.kind === "return" ||
    (statement.kind === "if" &&
      [...statement.then, ...statement.else].some(containsReturn))
  );
}
