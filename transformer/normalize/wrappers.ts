import type * as ts from "typescript";

/**
 * `e` without what does not change its value: parentheses, `as`, `!` and
 * `satisfies`, so `(x as number[])[i]` is read like `x[i]`.
 */
export function skipWrappers(
  ts: typeof import("typescript"),
  node: ts.Expression,
): ts.Expression {
  while (isWrapper(ts, node)) node = node.expression;
  return node;
}

/** Parentheses, `as`, `!` or `satisfies` around an expression. */
export function isWrapper(
  ts: typeof import("typescript"),
  node: ts.Node,
): node is
  | ts.ParenthesizedExpression
  | ts.AsExpression
  | ts.NonNullExpression
  | ts.SatisfiesExpression {
  return (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isSatisfiesExpression(node)
  );
}

/** `e` with what wraps it without changing its value: `(x!)` for `x`. */
export function withWrappers(
  ts: typeof import("typescript"),
  node: ts.Expression,
): ts.Expression {
  while (isWrapper(ts, node.parent)) node = node.parent;
  return node;
}

/** What an access chain starts from: `a` of `(a[i]!).k[j]`. */
export function accessRoot(
  ts: typeof import("typescript"),
  node: ts.Expression,
): ts.Expression {
  let root = skipWrappers(ts, node);
  while (
    ts.isElementAccessExpression(root) ||
    ts.isPropertyAccessExpression(root)
  )
    root = skipWrappers(ts, root.expression);
  return root;
}

/**
 * A variable, or a field or element of one reached without a call or an
 * assignment (`xs`, `data.points`, `m[i + 1]`): read again, it is the
 * same array as long as nothing assigns what it reads.
 */
export function isPlainPath(
  ts: typeof import("typescript"),
  node: ts.Expression,
): boolean {
  if (!ts.isIdentifier(accessRoot(ts, node))) return false;
  const { SyntaxKind } = ts;
  const acts = (n: ts.Node): boolean =>
    ts.isCallExpression(n) ||
    ts.isNewExpression(n) ||
    ts.isTaggedTemplateExpression(n) ||
    ts.isPostfixUnaryExpression(n) ||
    (ts.isPrefixUnaryExpression(n) &&
      (n.operator === SyntaxKind.PlusPlusToken ||
        n.operator === SyntaxKind.MinusMinusToken)) ||
    (ts.isBinaryExpression(n) &&
      n.operatorToken.kind >= SyntaxKind.FirstAssignment &&
      n.operatorToken.kind <= SyntaxKind.LastAssignment) ||
    ts.forEachChild(n, acts) === true;
  return !acts(node);
}

/** A direct call of `eval`, parenthesized or not: it sees the names where it runs. */
export function isDirectEval(
  ts: typeof import("typescript"),
  node: ts.Node,
): node is ts.CallExpression {
  if (!ts.isCallExpression(node)) return false;
  const callee = skipWrappers(ts, node.expression);
  return ts.isIdentifier(callee) && callee.text === "eval";
}

/** A name destructured from a record, `t` in `const { t } = data`. */
export function isFieldBinding(
  ts: typeof import("typescript"),
  node: ts.Node,
): node is ts.BindingElement {
  return ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent);
}
