/**
 * Normalize, step 0: reject the constructs tsad will not lower, each with
 * its own diagnostic code, before anything else looks at the function (an
 * `async` function would otherwise only be reported for its `Promise`
 * result type).
 *
 * Input: a marked function. Output: nothing, or a `DiffError` at the first
 * offending node:
 *
 *   async function f(x) { ... }     ->  TS96012 at `async`
 *   try { ... } catch { ... }       ->  TS96011 at `try`
 *
 * Nested functions are not searched, but for callbacks (`map`'s), which
 * run in the function: lowering rejects the others as closures.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError } from "../diagnostics";
import type { DifferentiableFunction } from "../select";
import { isCallback } from "./arrays";

export function rejectUnsupportedConstructs(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  fn: DifferentiableFunction,
): void {
  const async = (ts.getModifiers(fn) ?? []).find(
    (m) => m.kind === ts.SyntaxKind.AsyncKeyword,
  );
  if (async) throw asyncCode(async);
  if (fn.asteriskToken) throw generator(fn.asteriskToken);
  const visit = (node: ts.Node): void => {
    const problem = unsupportedConstruct(ts, checker, node);
    if (problem) throw problem;
    if (!ts.isFunctionLike(node) || isCallback(ts, node))
      ts.forEachChild(node, visit);
  };
  fn.parameters.forEach((p) => p.initializer && visit(p.initializer));
  if (fn.body) ts.forEachChild(fn.body, visit);
}

function unsupportedConstruct(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  node: ts.Node,
): DiffError | undefined {
  switch (node.kind) {
    case ts.SyntaxKind.TryStatement:
      return new DiffError(
        node,
        DiagnosticCode.Exceptions,
        "tsad cannot differentiate code that catches exceptions (`try`, `catch`, `finally`) yet. Catch them around the call of the @differentiable function, or check the arguments before calling it (a `throw` is fine).",
      );
    case ts.SyntaxKind.AwaitExpression:
      return asyncCode(node);
    case ts.SyntaxKind.ForOfStatement:
      return (node as ts.ForOfStatement).awaitModifier
        ? asyncCode((node as ts.ForOfStatement).awaitModifier!)
        : undefined;
    case ts.SyntaxKind.YieldExpression:
      return generator(node);
    case ts.SyntaxKind.Identifier:
      // The `arguments` object is the one with no declaration.
      return (node as ts.Identifier).text === "arguments" &&
        declarationOf(checker, node) === undefined
        ? new DiffError(
            node,
            DiagnosticCode.ArgumentsObject,
            "tsad cannot differentiate through `arguments`: it cannot tell which parameter each entry is. Read the parameters by name.",
          )
        : undefined;
    case ts.SyntaxKind.CallExpression: {
      const callee = (node as ts.CallExpression).expression;
      return ts.isIdentifier(callee) &&
        callee.text === "eval" &&
        declarationOf(checker, callee)?.getSourceFile().hasNoDefaultLib
        ? new DiffError(
            node,
            DiagnosticCode.Eval,
            "tsad cannot differentiate `eval`: the code it runs is not known when tsad compiles, and may read or write the function's variables behind its back. Write that code out in the function.",
          )
        : undefined;
    }
    case ts.SyntaxKind.WithStatement:
      return new DiffError(
        node,
        DiagnosticCode.WithStatement,
        "tsad cannot differentiate a `with` statement: a name inside it may be a variable or a property of the object. Write the property accesses out (`o.x`).",
      );
    default:
      return undefined;
  }
}

function declarationOf(
  checker: ts.TypeChecker,
  node: ts.Node,
): ts.Declaration | undefined {
  return checker.getSymbolAtLocation(node)?.declarations?.[0];
}

function asyncCode(node: ts.Node): DiffError {
  return new DiffError(
    node,
    DiagnosticCode.AsyncCode,
    "tsad cannot differentiate asynchronous code (`async`, `await`): the derivative sweeps run synchronously. Await the inputs outside, then call a synchronous @differentiable function with the values.",
  );
}

function generator(node: ts.Node): DiffError {
  return new DiffError(
    node,
    DiagnosticCode.Generator,
    "tsad cannot differentiate a generator (`function*`, `yield`): it returns an iterator, not numbers. Collect the values into an array and pass it to a @differentiable function, or return the number directly.",
  );
}
