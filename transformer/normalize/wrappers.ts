import type * as ts from "typescript";

/**
 * `e` without what does not change its value: parentheses, `as`, `!` and
 * `satisfies`, so `(x as number[])[i]` is read like `x[i]`.
 */
export function skipWrappers(
  ts: typeof import("typescript"),
  node: ts.Expression,
): ts.Expression {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isSatisfiesExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}
