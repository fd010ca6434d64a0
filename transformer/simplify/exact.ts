import type { Stmt } from "../ir";

/**
 * Whether a simple statement computes a primal value (it defines or
 * writes one of `exactNames`, saves one, or has an effect), which must stay
 * exact.
 */
export function isExact(s: Stmt, exactNames: ReadonlySet<string>): boolean {
  if (s.kind === "effect" || s.kind === "push") return true;
  const target =
    s.kind === "store" || s.kind === "append" || s.kind === "shorten"
      ? s.array.kind === "var"
        ? [s.array.name]
        : []
      : s.kind === "destructure"
        ? s.names.filter((n) => n !== undefined)
        : "name" in s
          ? [s.name]
          : [];
  return target.some((n) => exactNames.has(n));
}
