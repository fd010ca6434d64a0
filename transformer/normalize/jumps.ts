/**
 * Normalize: `break` and `continue` inside a loop body become structured
 * control flow, the same way `returns` moves statements into branches:
 *
 *   if (c) continue;          if (c) { } else { rest; }
 *   rest;               ->
 *
 *   if (c) break;             if (c) { done = true; } else { rest; }
 *   rest;               ->    (the loop tests `!done` before each iteration)
 *
 * Then an iteration always runs to the end of its body, where `ssa` writes
 * back the variables the loop carries.
 */
import type { SurfaceStmt } from "../ir";

/** Whether `s` jumps out of the current iteration (nested loops aside). */
export function jumps(
  s: SurfaceStmt,
  kind: "break" | "continue" | "any" = "any",
): boolean {
  if (s.kind === "break" || s.kind === "continue")
    return kind === "any" || s.kind === kind;
  if (s.kind === "if")
    return [...s.then, ...s.else].some((t) => jumps(t, kind));
  return false;
}

/** The body with its jumps structured; `flag` is set on `break`. */
export function structureJumps(
  body: readonly SurfaceStmt[],
  flag: string | undefined,
): SurfaceStmt[] {
  const out: SurfaceStmt[] = [];
  for (const [i, s] of body.entries()) {
    if (s.kind === "continue") return out;
    if (s.kind === "break") {
      if (flag === undefined)
        throw new Error("`break` in a loop without a flag");
      out.push({
        kind: "assign",
        name: flag,
        value: { kind: "bool", value: true },
        origin: undefined!,
      });
      return out;
    }
    if (s.kind === "if" && jumps(s)) {
      const rest = body.slice(i + 1);
      out.push({
        ...s,
        then: structureJumps([...s.then, ...rest], flag),
        else: structureJumps([...s.else, ...rest], flag),
      });
      return out;
    }
    out.push(s);
  }
  return out;
}
