/**
 * Normalize, arrays built whole: `Array.from`, matrix literals and copies
 * of rows become an allocation and the stores that fill it.
 *
 *   const a = Array.from({ length: n }, (_, i) => x[i] * i);
 *     ->  const a = new Array(n).fill(0);
 *         for (let i = 0; i < a.length; i++) a[i] = x[i] * i;
 *
 *   const m = Array.from({ length: n }, () => new Array(k).fill(0));
 *     ->  const m = <n rows of k zeros>;
 *
 *   const m = [[a, b], [c, d]];  ->  <2 rows of 2 zeros>; m[0][0] = a; ...
 *
 *   const c = Array.from(x);     ->  const c = x.slice();
 *   const r = m[i].slice();      ->  r = new Array(m[i].length).fill(0);
 *                                    for (...) r[k] = m[i][k];
 *
 *   const y = xs.map((v, i) => v * w[i]);
 *     ->  const y = new Array(xs.length).fill(0);
 *         for (let i = 0; i < y.length; i++) { const v = xs[i]; y[i] = v * w[i]; }
 *
 *   const B = A.map((row) => row.slice());
 *     ->  const B = []; for (...) B.push(<a copy of A[i]>);
 *
 * An `Array.from` or `map` callback is one expression, or a block of
 * statements ending in `return` of one: a number, a row of zeros
 * (`new Array(k).fill(0)`), an array literal of numbers, or an
 * `Array.from({ length: k }, ...)` of numbers (for `map`: a number, a copy
 * of a row, or a `map` of a row returning numbers). The block's statements run
 * first in each iteration of the loop, as the callback runs them:
 *
 *   Array.from({ length: n }, (_, i) => { const t = x[i]; return t * t; })
 *     ->  for (let i = 0; i < a.length; i++) { const t = x[i]; a[i] = t * t; }
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError } from "../diagnostics";
import type { Expr, SurfaceStmt as Stmt } from "../ir";
import type { ValueKind } from "../../runtime/registry";
import { resolveMarkedCallee } from "../select";
import { isPlainPath, skipWrappers } from "./wrappers";

/** What `lower` lends this module. */
export interface ArraysContext {
  readonly ts: typeof import("typescript");
  readonly checker: ts.TypeChecker;
  expression(node: ts.Expression): Expr;
  /** Statements, lowered where they are (a callback's, in its loop). */
  statements(nodes: readonly ts.Statement[]): Stmt[];
  /**
   * The statements `lower` returns, after those its expressions need run
   * first (a row copied for a call: `f(m[i].slice())`).
   */
  hoisting(lower: () => Stmt[]): Stmt[];
  /** `node`'s value, after what it needs run first (see `hoisting`). */
  valueAfter(node: ts.Expression): { before: Stmt[]; value: Expr };
  /** Whether `node` assigns the variable `id` declares. */
  assigns(node: ts.Node, id: ts.Identifier): boolean;
  isNumber(node: ts.Expression): boolean;
  localName(id: ts.Identifier): string;
  fresh(hint: string): string;
  kindOf(node: ts.Expression): ValueKind;
  isGlobal(node: ts.Expression, name: string): boolean;
  unsupported(node: ts.Node, what: string): DiffError;
  /** The array `node` names, as `for...of` goes over it (a row too). */
  iterated(node: ts.Expression): Iterated;
  /** Names `variable` the element of `source` at `at`, as `for...of` does. */
  bindElement(
    variable: ts.Identifier | ts.BindingPattern,
    source: Iterated,
    at: readonly Expr[],
    origin: ts.Node,
  ): Stmt[];
  /** The row `m[i].slice()` or `row.slice()` copies. */
  copiedRow(node: ts.Expression): Iterated | undefined;
  /** Whether `node` gives `array` new elements or a new value. */
  reshapes(node: ts.Node, array: ts.Expression): boolean;
  /**
   * Whether `value` may be another value each time after `node` runs: `node`
   * changes what it reads (a variable, an array), or it calls unmarked code.
   */
  moves(node: ts.Node, value: ts.Expression): boolean;
  /** Whether `node` is a whole number of at least 0 (a length). */
  isCount(node: ts.Expression): boolean;
  /** Whether `node` is an array of data, no numbers (records, strings). */
  holdsData(node: ts.Expression): boolean;
  /** `node` as a statement of its own (a `forEach` callback's body). */
  effect(node: ts.Expression): Stmt[];
}

/** An array, or a row of a matrix: `array[...indices]`. */
export interface Iterated {
  readonly array: Expr;
  readonly indices: readonly Expr[];
  /** A matrix, whose elements are rows: its variable or field. */
  readonly rows?: ts.Expression;
  /**
   * Where its elements are data, no numbers (records, strings; see
   * `holdsData`): the array as written, whose type says what its
   * elements are (tuples?) and whose text messages quote.
   */
  readonly data?: ts.Expression;
}

/** `Array.from(...)` of the global `Array`. */
export function isArrayFrom(
  context: ArraysContext,
  node: ts.Expression,
): boolean {
  const ts = context.ts;
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "from" &&
    context.isGlobal(node.expression.expression, "Array")
  );
}

/**
 * `name = Array.from(...)`, as a declaration and the loops that fill it;
 * `kind` is the type of `name` (`new Array(k).fill(0)` alone is `any[]`).
 */
export function lowerArrayFrom(
  context: ArraysContext,
  name: string,
  node: ts.CallExpression,
  kind: ValueKind,
  constant: boolean,
  origin: ts.Node,
): Stmt[] {
  const declare = (value: Expr): Stmt => ({
    kind: "let",
    name,
    value,
    constant,
    origin,
  });
  requireNoSelfReference(context, node, "Array.from");
  const [source, callback, ...rest] = node.arguments;
  if (source && !callback) return [declare(copyOf(context, node, source))];
  const length = source && lengthOf(context, source);
  const fill =
    length && callback && callbackOf(context, callback, "Array.from");
  if (!fill || rest.length > 0) {
    throw context.unsupported(
      node,
      "this `Array.from` (write `Array.from({ length: n }, (_, i) => expression)`, or `Array.from(x)` to copy an array)",
    );
  }
  const target: Expr = { kind: "var", name };
  const lengths: Stmt[] = [];
  const returned = skipWrappers(context.ts, fill.body);
  if (pushesRows(context, returned)) {
    // `Array.from({ length: n }, (_, t) => layer(W, X[t]))`: each call
    // makes a new row, pushed onto an empty matrix as `map` does.
    requireArrayFrom(context, node, kind, "matrix");
    const count = fromLength(context, length, lengths);
    const counter = fill.index
      ? context.localName(fill.index)
      : context.fresh("i");
    const row = context.fresh("row");
    const body = [
      ...context.statements(fill.statements),
      ...builtRow(context, row, returned, "Array.from"),
      appendRow(target, row, returned),
    ];
    return [
      ...lengths,
      declare({ kind: "arrayLiteral", elements: [], arrayKind: "matrix" }),
      countedLoop(counter, 0, count, body),
    ];
  }
  const filled = fillLoop(context, target, [], fill, /*row*/ false, lengths);
  requireArrayFrom(context, node, kind, filled.columns ? "matrix" : "array");
  const count = fromLength(context, length, lengths);
  return [
    ...lengths,
    declare({
      kind: "newArray",
      arrayKind: filled.columns ? "matrix" : "array",
      length: count,
      columns: filled.columns,
    }),
    ...filled.statements,
  ];
}

/**
 * Throws TS96010 where an array a method makes is typed otherwise than
 * it makes it (`expected`); `message` says so, given the type.
 */
function requireKind(
  context: ArraysContext,
  node: ts.CallExpression,
  kind: ValueKind,
  expected: ValueKind,
  message: (type: string) => string,
): void {
  if (kind === expected) return;
  const type = context.checker.getTypeAtLocation(node);
  throw new DiffError(
    node,
    DiagnosticCode.UntypedValue,
    message(context.checker.typeToString(type)),
  );
}

/** `requireKind` for `Array.from`, which makes `made`. */
function requireArrayFrom(
  context: ArraysContext,
  node: ts.CallExpression,
  kind: ValueKind,
  made: "array" | "matrix",
): void {
  requireKind(
    context,
    node,
    kind,
    made,
    (type) =>
      `tsad needs to know this array holds numbers${made === "matrix" ? " in rows" : ""}, but its type is '${type}'. Annotate it (\`const m: ${made === "matrix" ? "number[][]" : "number[]"} = Array.from(...)\`).`,
  );
}

/** What an `Array.from` callback may return. */
const arrayFromCallback =
  "this `Array.from` callback (return a number, or a row of numbers: `new Array(k).fill(0)`, `Array.from({ length: k }, ...)`, an array literal `[a, b]`, a copy `X[i].slice()`, a `map` of a row that returns numbers, or a @differentiable function's result)";

/** The array methods the lowering writes out as loops. */
export type ArrayMethod =
  "map" | "reduce" | "forEach" | "filter" | SearchMethod;

/**
 * Methods that look for an element: a loop whose iterations do nothing
 * once it is found. Their results (a boolean, an index) carry no
 * derivative.
 */
const searchMethods = [
  "some",
  "every",
  "findIndex",
  "findLastIndex",
  "indexOf",
  "lastIndexOf",
  "includes",
] as const;
export type SearchMethod = (typeof searchMethods)[number];

/** The searches that compare elements with a value, not a callback. */
type ValueSearch = "indexOf" | "lastIndexOf" | "includes";
export const isValueSearch = (method: SearchMethod): method is ValueSearch =>
  method === "indexOf" || method === "lastIndexOf" || method === "includes";

export const isSearchMethod = (method: string): method is SearchMethod =>
  (searchMethods as readonly string[]).includes(method);

/**
 * What to say of a callback passed by name (`xs.map(sigmoid)`,
 * `xs.map(Math.exp)`): tsad reads a callback's parameters and body, so
 * the advice spells out the arrow that passes what the method passes.
 * `undefined` for a callback written out.
 */
function namedCallback(
  context: ArraysContext,
  call: ts.CallExpression,
): string | undefined {
  const ts = context.ts;
  const method = (call.expression as ts.PropertyAccessExpression).name.text;
  const reduces = method === "reduce" || method === "reduceRight";
  const [callback, initial, ...rest] = call.arguments;
  const named = callback && skipWrappers(ts, callback);
  if (
    !named ||
    !(ts.isIdentifier(named) || ts.isPropertyAccessExpression(named)) ||
    rest.length > 0 ||
    (initial && !reduces)
  )
    return undefined;
  const receiver = receiverOf(ts, call).getText();
  // What the method passes, in order: the array last.
  const passed = [...(reduces ? ["s"] : []), "v", "i", receiver];
  const [signature] = context.checker
    .getTypeAtLocation(named)
    .getCallSignatures();
  const declared = signature?.getDeclaration()?.parameters;
  const count = declared?.some((p) => p.dotDotDotToken)
    ? passed.length
    : Math.min(declared?.length ?? 1, passed.length);
  const args = passed.slice(0, Math.max(count, reduces ? 2 : 1));
  const params = args.filter((a) => a !== receiver);
  return `a callback passed by name (write it as an arrow: \`${receiver}.${method}((${params.join(", ")}) => ${named.getText()}(${args.join(", ")})${initial ? `, ${initial.getText()}` : ""})\`)`;
}

/** The array a method call `xs.m(...)` is called on, as written. */
export function receiverOf(
  ts: typeof import("typescript"),
  call: ts.CallExpression,
): ts.Expression {
  return skipWrappers(
    ts,
    (call.expression as ts.PropertyAccessExpression).expression,
  );
}

/**
 * Which array method `node` calls, of an array of numbers, a matrix (or a
 * row of one), or an array of data; `indexOf`, `lastIndexOf` and
 * `includes`, which compare elements, of numbers only.
 */
export function arrayMethod(
  context: ArraysContext,
  node: ts.Expression,
): ArrayMethod | undefined {
  const ts = context.ts;
  if (
    !ts.isCallExpression(node) ||
    !ts.isPropertyAccessExpression(node.expression)
  )
    return undefined;
  const name = node.expression.name.text;
  // `reduceRight` is a `reduce` from the end (`lowerArrayReduce`).
  const method = name === "reduceRight" ? "reduce" : name;
  const known =
    method === "map" ||
    method === "reduce" ||
    method === "forEach" ||
    method === "filter" ||
    isSearchMethod(method);
  if (!known) return undefined;
  const kind = context.kindOf(node.expression.expression);
  if (isSearchMethod(method) && isValueSearch(method))
    return isVector(kind) ? method : undefined;
  return (kind !== "number" && kind !== "none") ||
    context.holdsData(node.expression.expression)
    ? method
    : undefined;
}

export const isVector = (kind: ValueKind) =>
  kind === "array" || kind === "float64" || kind === "float32";

export function isArrayMethod(
  context: ArraysContext,
  node: ts.Expression,
  method: ArrayMethod,
): node is ts.CallExpression {
  return arrayMethod(context, node) === method;
}

/**
 * The loop a callback method is: over the array `node` is called on
 * (built first where a method builds it: `xs.map(f).reduce(g, 0)`), from `start`,
 * naming the element as `for...of` does, then `bindings`, the callback's
 * statements, and what `last` lowers of the value it returns. `before`:
 * the array, named once as JS takes it, where reading it again could run
 * code (`load().map(...)`; see `isPlainPath`); `source`: what the loop
 * reads.
 */
function callbackLoop(
  context: ArraysContext,
  node: ts.CallExpression,
  callback: ForEachCallback,
  steps: {
    readonly bindings?: (counter: Expr, source: Iterated) => Stmt[];
    readonly last: (counter: Expr, length: Expr) => Stmt[];
    /** How many elements to skip (`reduce` with no initial value: 1). */
    readonly start?: number;
    /** From the last element to the first (`findLastIndex`, `reduceRight`). */
    readonly backwards?: boolean;
    /** What each iteration runs only while (a search not done). */
    readonly guard?: Expr;
  },
): { before: Stmt[]; source: Iterated; loop: Stmt } {
  const ts = context.ts;
  const { bindings, last, start = 0, backwards = false, guard } = steps;
  const callee = node.expression as ts.PropertyAccessExpression;
  const receiver = skipWrappers(ts, callee.expression);
  // It takes the length once and reads each element when it gets to it
  // (of an array built for it, which nothing else reaches).
  if (
    !builds(context, receiver) &&
    context.reshapes(callback.node.body, receiver)
  ) {
    throw context.unsupported(
      callback.node,
      `a \`${callee.name.text}\` callback that changes '${receiver.getText()}': its length, or a variable it is read through (call it on a copy, or write the loop out)`,
    );
  }
  const before: Stmt[] = [];
  const source = iteratedArray(context, receiver, before);
  const counter: Expr = {
    kind: "var",
    name: callback.index
      ? context.localName(callback.index)
      : context.fresh("i"),
  };
  // As JS binds parameters: the accumulator, then the element, whose
  // defaults may read it (`(s, { x, z = s }) => ...`).
  const bound = bindings?.(counter, source) ?? [];
  const element = callback.element
    ? context.bindElement(
        callback.element,
        source,
        [...source.indices, counter],
        callback.node,
      )
    : [];
  const statements = context.statements(callback.statements);
  const length: Expr = { kind: "length", ...source };
  const body = [...bound, ...element, ...statements, ...last(counter, length)];
  const loop = countedLoop(
    counter.name,
    start,
    length,
    guard ? [{ kind: "if", test: guard, then: body, else: [] }] : body,
    backwards,
  );
  return { before, source, loop };
}

/**
 * `for (let counter = skip; counter < length; counter++) { body }`, or
 * `backwards`, `for (let counter = length - 1 - skip; counter >= 0; counter--)`.
 */
function countedLoop(
  counter: string,
  skip: number,
  length: Expr,
  body: Stmt[],
  backwards = false,
): Stmt {
  return {
    kind: "loop",
    header: backwards
      ? {
          kind: "counted",
          counter,
          start: {
            kind: "binary",
            op: "-",
            left: length,
            right: { kind: "num", value: 1 + skip },
          },
          end: { kind: "num", value: 0 },
          step: -1,
          inclusive: true,
        }
      : {
          kind: "counted",
          counter,
          start: { kind: "num", value: skip },
          end: length,
          step: 1,
          inclusive: false,
        },
    body,
  };
}

/**
 * The array a method is called on or a spread reads, as `for...of` reads
 * it, or built or named in `before` where reading it again could run code.
 */
export function iteratedArray(
  context: ArraysContext,
  receiver: ts.Expression,
  before: Stmt[],
): Iterated {
  return isPlainPath(context.ts, receiver)
    ? context.iterated(receiver)
    : (builtArray(context, receiver, before) ??
        namedArray(context, receiver, before));
}

/**
 * Whether `node` builds a vector that `builtArray` builds first:
 * `xs.map(f)`, `xs.filter(p)`, `[...xs, y]`, `xs.concat(ys)`.
 */
export function builds(context: ArraysContext, node: ts.Expression): boolean {
  if (!isVector(context.kindOf(node))) return false;
  const method = arrayMethod(context, node);
  return method
    ? method === "map" || method === "filter"
    : spreadParts(context, node) !== undefined;
}

/**
 * The vector a method or a spread builds (`xs.map(f)`, `xs.filter(p)`,
 * `[...xs, y]`, `xs.concat(ys)`), built first in `before`, where a method
 * is called on it or it is spread: `xs.map(f).reduce(g, 0)`.
 */
export function builtArray(
  context: ArraysContext,
  node: ts.Expression,
  before: Stmt[],
): Iterated | undefined {
  if (!builds(context, node)) return undefined;
  const method = arrayMethod(context, node);
  const name = context.fresh(
    method === "map" ? "mapped" : method === "filter" ? "kept" : "joined",
  );
  before.push(
    ...(method === "map"
      ? lowerArrayMap(
          context,
          name,
          node as ts.CallExpression,
          context.kindOf(node),
          true,
          node,
        )
      : method === "filter"
        ? lowerArrayFilter(context, name, node as ts.CallExpression, true, node)
        : lowerSpread(context, name, spreadParts(context, node)!, true, node)),
  );
  return { array: { kind: "var", name }, indices: [] };
}

/**
 * The array `node` gives (a call's, `load().map(...)`, a field of one, a
 * choice between arrays), named in `before`: a vector, or an array of
 * data (records, strings).
 */
function namedArray(
  context: ArraysContext,
  node: ts.Expression,
  before: Stmt[],
): Iterated {
  if (context.kindOf(node) === "matrix") {
    throw context.unsupported(
      node,
      "a `map`, `reduce` or `forEach` over rows that a call gives (name the matrix first: `const m = f(x)`)",
    );
  }
  const name = context.fresh("items");
  before.push(
    ...context.hoisting(() => [
      {
        kind: "let",
        name,
        value: context.expression(node),
        constant: true,
        origin: node,
      },
    ]),
  );
  return {
    array: { kind: "var", name },
    indices: [],
    data: context.holdsData(node) ? node : undefined,
  };
}

/**
 * `name = xs.map(callback)`: a loop over `xs` writing what the callback
 * returns into `name`, made first: zeros of `xs`'s kind for numbers (a
 * typed array's `map` makes an array of its own type, rounding as it
 * does), an empty matrix pushed a row per element for rows. `kind` is
 * the type of `name`.
 */
export function lowerArrayMap(
  context: ArraysContext,
  name: string,
  node: ts.CallExpression,
  kind: ValueKind,
  constant: boolean,
  origin: ts.Node,
): Stmt[] {
  const ts = context.ts;
  requireNoSelfReference(context, node, "map");
  const [callback, ...rest] = node.arguments;
  const fill =
    callback && rest.length === 0
      ? callbackOf(context, callback, "map")
      : undefined;
  if (!fill) {
    throw context.unsupported(
      node,
      namedCallback(context, node) ??
        "this `map` (give it one callback: `(v) => expression`, `(v, i) => expression`, or a block ending in `return expression`)",
    );
  }
  const target: Expr = { kind: "var", name };
  const sourceKind = context.kindOf(receiverOf(ts, node));
  const requireMade = (expected: ValueKind) =>
    requireKind(context, node, kind, expected, (type) =>
      expected === "matrix"
        ? `tsad needs to know this \`map\` makes rows of numbers, but its type is '${type}'. Annotate it (\`const m: number[][] = ${node.getText()}\`).`
        : `tsad needs to know this \`map\` makes numbers, but its type is '${type}'. Make its callback return a number.`,
    );
  let made: Expr | undefined;
  const { before, loop } = callbackLoop(context, node, fill, {
    last: (counter, length) => {
      const body = skipWrappers(ts, fill.body);
      if (context.kindOf(body) === "number") {
        // Rows, records and strings map to a `number[]`.
        const arrayKind =
          sourceKind === "float64" || sourceKind === "float32"
            ? sourceKind
            : "array";
        requireMade(arrayKind);
        made = { kind: "newArray", arrayKind, length };
        return context.hoisting(() => [
          {
            kind: "store",
            array: target,
            indices: [counter],
            value: context.expression(body),
            mode: "set",
            origin: body,
          },
        ]);
      }
      const row = context.fresh("row");
      return [
        ...builtRow(context, row, body, "map"),
        appendRow(target, row, body),
      ];
    },
  });
  if (!made) {
    requireMade("matrix");
    made = { kind: "arrayLiteral", elements: [], arrayKind: "matrix" };
  }
  return [
    ...before,
    { kind: "let", name, value: made, constant, origin },
    loop,
  ];
}

/**
 * Whether an `Array.from` callback returns rows that `builtRow` makes and
 * are pushed one by one: copies (`X[t].slice()`), a `map` of a row, and
 * what a @differentiable function returns.
 */
function pushesRows(context: ArraysContext, body: ts.Expression): boolean {
  const ts = context.ts;
  if (!ts.isCallExpression(body)) return false;
  const callee = body.expression;
  const copies =
    ts.isPropertyAccessExpression(callee) &&
    callee.name.text === "slice" &&
    body.arguments.length === 0;
  return (
    copies ||
    (isArrayMethod(context, body, "map") && context.kindOf(body) === "array") ||
    resolveMarkedCallee(ts, context.checker, callee) !== undefined
  );
}

function appendRow(target: Expr, row: string, origin: ts.Node): Stmt {
  return {
    kind: "append",
    array: target,
    value: { kind: "var", name: row },
    origin,
  };
}

/**
 * `row = <a row a callback returns>`: a copy, a \`map\` of numbers, a
 * literal, a @differentiable function's result.
 */
function builtRow(
  context: ArraysContext,
  row: string,
  body: ts.Expression,
  method: "map" | "Array.from",
): Stmt[] {
  const ts = context.ts;
  const copied = context.copiedRow(body);
  if (copied) return lowerRowCopy(row, copied, true, body, context.fresh("k"));
  if (isArrayMethod(context, body, "map") && context.kindOf(body) === "array")
    return lowerArrayMap(context, row, body, "array", true, body);
  if (
    ts.isArrayLiteralExpression(body) &&
    body.elements.every((e) => !ts.isSpreadElement(e) && context.isNumber(e))
  ) {
    return context.hoisting(() => [
      {
        kind: "let",
        name: row,
        value: {
          kind: "arrayLiteral",
          elements: body.elements.map((e) => context.expression(e)),
          arrayKind: "array",
        },
        constant: true,
        origin: body,
      },
    ]);
  }
  // `X.map((x) => layer(W, x))`: each call makes a new row.
  if (
    ts.isCallExpression(body) &&
    resolveMarkedCallee(ts, context.checker, body.expression) !== undefined
  ) {
    return context.hoisting(() => [
      {
        kind: "let",
        name: row,
        value: context.expression(body),
        constant: true,
        origin: body,
      },
    ]);
  }
  throw context.unsupported(
    body,
    method === "map"
      ? "this `map` callback (return a number, or a row of numbers: a copy `row.slice()`, an array literal `[a, b]`, a `map` of a row that returns numbers, or a @differentiable function's result)"
      : arrayFromCallback,
  );
}

/**
 * `xs.reduce(callback, initial)` to a number, in `name`: `initial`, then
 * a loop over `xs` that names the accumulator, the element and the index
 * and gives `name` what the callback returns. With no `initial`, as JS
 * does: a `TypeError` for no elements, else the first, and the loop from
 * the second. `reduceRight`: the same from the last element to the first.
 */
export function lowerArrayReduce(
  context: ArraysContext,
  name: string,
  node: ts.CallExpression,
): Stmt[] {
  const ts = context.ts;
  const fromEnd =
    (node.expression as ts.PropertyAccessExpression).name.text ===
    "reduceRight";
  const [callback, initial, ...rest] = node.arguments;
  const fill =
    callback && rest.length === 0
      ? callbackOf(context, callback, "reduce")
      : undefined;
  if (!fill) {
    throw context.unsupported(
      node,
      namedCallback(context, node) ??
        "this `reduce` (give it a callback, `(s, v) => expression`, `(s, v, i) => expression` or a block ending in `return expression`)",
    );
  }
  if (
    (initial && !context.isNumber(initial)) ||
    context.kindOf(fill.body) !== "number"
  ) {
    throw context.unsupported(
      node,
      "a `reduce` to anything but a number (write the loop out)",
    );
  }
  requireNoSelfReference(context, node, "reduce");
  const receiver = receiverOf(ts, node);
  const kind = context.kindOf(receiver);
  if (!initial && (!isVector(kind) || context.holdsData(receiver))) {
    throw context.unsupported(
      node,
      "`reduce` without an initial value over rows, records or strings (give it one: `m.reduce((s, row) => s + row[0], 0)`)",
    );
  }
  const accumulator: Expr = { kind: "var", name };
  const start = (value: Expr): Stmt => ({
    kind: "let",
    name,
    value,
    constant: false,
    origin: node,
  });
  const given = initial && start(context.expression(initial));
  const { before, source, loop } = callbackLoop(context, node, fill, {
    bindings: () =>
      fill.accumulator
        ? [
            {
              kind: "let",
              name: context.localName(fill.accumulator),
              value: accumulator,
              constant: true,
              origin: fill.node,
            },
          ]
        : [],
    last: () => {
      const body = skipWrappers(ts, fill.body);
      return context.hoisting(() => [
        {
          kind: "assign",
          name,
          value: context.expression(body),
          origin: body,
        },
      ]);
    },
    start: given ? 0 : 1,
    backwards: fromEnd,
  });
  // A call's array is taken before `initial` is computed, as JS does.
  const first = given
    ? [given]
    : [
        emptyReduceThrows(ts, { kind: "length", ...source }),
        start({
          kind: "index",
          array: source.array,
          indices: [
            ...source.indices,
            fromEnd
              ? {
                  kind: "binary",
                  op: "-",
                  left: { kind: "length", ...source },
                  right: { kind: "num", value: 1 },
                }
              : { kind: "num", value: 0 },
          ],
        }),
      ];
  return [...before, ...first, loop];
}

/** `if (length === 0) throw new TypeError(...)`, as `reduce` with no initial value does. */
function emptyReduceThrows(
  ts: typeof import("typescript"),
  length: Expr,
): Stmt {
  const f = ts.factory;
  return {
    kind: "if",
    test: {
      kind: "compare",
      op: "===",
      left: length,
      right: { kind: "num", value: 0 },
    },
    then: [
      {
        kind: "throw",
        value: f.createNewExpression(
          f.createIdentifier("TypeError"),
          undefined,
          [
            f.createStringLiteral(
              "Reduce of empty array with no initial value",
            ),
          ],
        ),
        sites: [],
        reads: [],
      },
    ],
    else: [],
  };
}

/**
 * `xs.some(callback)` and the other searches, to `name`: what it is if
 * nothing is found, then a loop whose iterations do nothing once it is
 * found (a counted loop, which the reverse sweep runs back without
 * counting iterations; a `break` would make it a `while`):
 *
 *   const k = xs.findIndex((v) => v > t);
 *     ->  let k = -1;
 *         for (let i = 0; i < xs.length; i++) {
 *           const v = xs[i];
 *           if (k === -1 && v > t) k = i;
 *         }
 *
 * (a callback's statements, and a test over records, whose fields may
 * run getters, in `if (k === -1) { ... }`).
 *
 * `indexOf(v)` compares with `===`, `includes(v)` as `===` but for NaN,
 * which it finds; the value is taken once, after the array.
 * `findLastIndex` and `lastIndexOf` go from the last element to the first.
 */
export function lowerArraySearch(
  context: ArraysContext,
  name: string,
  node: ts.CallExpression,
  method: SearchMethod,
): Stmt[] {
  const ts = context.ts;
  requireNoSelfReference(context, node, method);
  const [argument, ...rest] = node.arguments;
  const byValue = isValueSearch(method);
  const backwards = method === "findLastIndex" || method === "lastIndexOf";
  // An index found, or -1; else a boolean.
  const index =
    method !== "some" && method !== "every" && method !== "includes";
  const callback =
    !byValue && argument && rest.length === 0
      ? callbackOf(context, argument, method)
      : undefined;
  if (!argument || rest.length > 0 || (!byValue && !callback)) {
    throw context.unsupported(
      node,
      byValue
        ? `this \`${method}\` (give it one value to look for, and no start index: \`xs.${method}(v)\`)`
        : (namedCallback(context, node) ??
            `this \`${method}\` (give it one callback: \`(v) => test\`, \`(v, i) => test\`, or a block ending in \`return test\`)`),
    );
  }
  const result = (value: Expr): Stmt => ({
    kind: "assign",
    name,
    value,
    origin: node,
  });
  const no: Expr = index
    ? { kind: "num", value: -1 }
    : { kind: "bool", value: method === "every" };
  const current: Expr = { kind: "var", name };
  const searching: Expr = index
    ? { kind: "compare", op: "===", left: current, right: no }
    : method === "every"
      ? current
      : { kind: "not", operand: current };
  /** `if (test) name = what it found`, or `if (searching && test)`. */
  const found = (test: Expr, counter: Expr, guarded = false): Stmt => {
    const hit: Expr =
      method === "every" ? { kind: "not", operand: test } : test;
    return {
      kind: "if",
      test: guarded
        ? { kind: "logical", op: "&&", left: searching, right: hit }
        : hit,
      then: [
        result(index ? counter : { kind: "bool", value: method !== "every" }),
      ],
      else: [],
    };
  };
  const start: Stmt = {
    kind: "let",
    name,
    value: no,
    constant: false,
    origin: node,
  };
  if (callback) {
    // A test alone, over numbers (an element read runs nothing), reads as
    // `if (!found && test) found = true;`; statements, and what a test
    // needs computed first, run only while searching.
    const receiver = receiverOf(ts, node);
    const alone =
      callback.statements.length === 0 && !context.holdsData(receiver);
    const { before, loop } = callbackLoop(context, node, callback, {
      last: (counter) => {
        const { before: first, value: test } = context.valueAfter(
          skipWrappers(ts, callback.body),
        );
        if (!alone) return [...first, found(test, counter)];
        return first.length === 0
          ? [found(test, counter, /*guarded*/ true)]
          : [
              {
                kind: "if",
                test: searching,
                then: [...first, found(test, counter)],
                else: [],
              },
            ];
      },
      guard: alone ? undefined : searching,
      backwards,
    });
    return [...before, start, loop];
  }
  if (!context.isNumber(argument)) {
    throw context.unsupported(
      argument,
      `\`${method}\` of anything but a number in an array of numbers`,
    );
  }
  const before: Stmt[] = [];
  const receiver = receiverOf(ts, node);
  const source = iteratedArray(context, receiver, before);
  const sought = context.fresh("sought");
  before.push(
    ...context.hoisting(() => [
      {
        kind: "let",
        name: sought,
        value: context.expression(argument),
        constant: true,
        origin: argument,
      },
    ]),
  );
  const counter = context.fresh("i");
  const element: Expr = {
    kind: "index",
    array: source.array,
    indices: [...source.indices, { kind: "var", name: counter }],
  };
  const value: Expr = { kind: "var", name: sought };
  const same = (left: Expr, right: Expr): Expr => ({
    kind: "compare",
    op: "===",
    left,
    right,
  });
  const differs = (e: Expr): Expr => ({
    kind: "compare",
    op: "!==",
    left: e,
    right: e,
  });
  const test: Expr =
    method !== "includes"
      ? same(element, value)
      : {
          kind: "logical",
          op: "||",
          left: same(element, value),
          right: {
            kind: "logical",
            op: "&&",
            left: differs(value),
            right: differs(element),
          },
        };
  const loop = countedLoop(
    counter,
    0,
    { kind: "length", ...source },
    [found(test, { kind: "var", name: counter }, /*guarded*/ true)],
    backwards,
  );
  return [...before, start, loop];
}

/**
 * `const ys = xs.filter(callback)` of numbers: an empty array, and a loop
 * pushing each element the callback keeps (as it was before the callback
 * ran).
 */
export function lowerArrayFilter(
  context: ArraysContext,
  name: string,
  node: ts.CallExpression,
  constant: boolean,
  origin: ts.Node,
): Stmt[] {
  const ts = context.ts;
  requireNoSelfReference(context, node, "filter");
  const [argument, ...rest] = node.arguments;
  const callback =
    argument && rest.length === 0
      ? callbackOf(context, argument, "filter")
      : undefined;
  if (!callback) {
    throw context.unsupported(
      node,
      namedCallback(context, node) ??
        "this `filter` (give it one callback: `(v) => test`, `(v, i) => test`, or a block ending in `return test`)",
    );
  }
  const receiver = receiverOf(ts, node);
  if (context.kindOf(receiver) !== "array" || context.holdsData(receiver)) {
    throw context.unsupported(
      node,
      "`filter` of anything but a `number[]` (of a typed array, rows, records or strings: write the loop out, pushing into a `number[]`)",
    );
  }
  // The element as the callback got it, which it may not name.
  const element = callback.element ? undefined : context.fresh("element");
  const kept: Expr = {
    kind: "var",
    name: element ?? context.localName(callback.element as ts.Identifier),
  };
  const target: Expr = { kind: "var", name };
  const { before, loop } = callbackLoop(context, node, callback, {
    bindings: (counter, source) =>
      element
        ? [
            {
              kind: "let",
              name: element,
              value: {
                kind: "index",
                array: source.array,
                indices: [...source.indices, counter],
              },
              constant: true,
            },
          ]
        : [],
    last: () => {
      const body = skipWrappers(ts, callback.body);
      return context.hoisting(() => [
        {
          kind: "if",
          test: context.expression(body),
          then: [
            {
              kind: "append",
              array: target,
              value: kept,
              origin: body,
            },
          ],
          else: [],
        },
      ]);
    },
  });
  return [
    ...before,
    {
      kind: "let",
      name,
      value: { kind: "arrayLiteral", elements: [], arrayKind: "array" },
      constant,
      origin,
    },
    loop,
  ];
}

/** A part of an array built by spreading: an array's elements, or one number. */
export type SpreadPart =
  { readonly spread: ts.Expression } | { readonly value: ts.Expression };

/**
 * `const ys = [a, ...xs, b]` or `xs.concat(zs, b)`: a `number[]` that each
 * part pushes onto in turn, as JS evaluates them (an array that reading
 * again could run code is named first). `[...xs]` of a `number[]`
 * variable alone is its copy, `xs.slice()`.
 */
export function lowerSpread(
  context: ArraysContext,
  name: string,
  parts: readonly SpreadPart[],
  constant: boolean,
  origin: ts.Node,
): Stmt[] {
  const ts = context.ts;
  for (const part of parts)
    requireNoSelfReference(
      context,
      "spread" in part ? part.spread : part.value,
      "spread",
    );
  const only = parts.length === 1 ? parts[0] : undefined;
  if (
    only &&
    "spread" in only &&
    ts.isIdentifier(skipWrappers(ts, only.spread)) &&
    context.kindOf(only.spread) === "array" &&
    !context.holdsData(only.spread)
  ) {
    // A named row or an array variable given new arrays has indices.
    const source = context.iterated(skipWrappers(ts, only.spread));
    if (source.indices.length === 0) {
      return [
        {
          kind: "let",
          name,
          value: { kind: "copy", array: source.array },
          constant,
          origin,
        },
      ];
    }
  }
  const target: Expr = { kind: "var", name };
  const pushes = parts.flatMap((part): Stmt[] => {
    if ("value" in part) {
      if (!context.isNumber(part.value)) {
        throw context.unsupported(
          part.value,
          "an array built from anything but numbers and arrays of numbers",
        );
      }
      return context.hoisting(() => [
        {
          kind: "append",
          array: target,
          value: context.expression(part.value),
          origin: part.value,
        },
      ]);
    }
    const spread = skipWrappers(ts, part.spread);
    if (!isVector(context.kindOf(spread)) || context.holdsData(spread)) {
      throw context.unsupported(
        part.spread,
        "spreading anything but an array of numbers or a row (`...xs`, `...m[i]`) into an array",
      );
    }
    const before: Stmt[] = [];
    const source = iteratedArray(context, spread, before);
    const counter = context.fresh("k");
    return [
      ...before,
      countedLoop(counter, 0, { kind: "length", ...source }, [
        {
          kind: "append",
          array: target,
          value: {
            kind: "index",
            array: source.array,
            indices: [...source.indices, { kind: "var", name: counter }],
          },
          origin: part.spread,
        },
      ]),
    ];
  });
  return [
    {
      kind: "let",
      name,
      value: { kind: "arrayLiteral", elements: [], arrayKind: "array" },
      constant,
      origin,
    },
    ...pushes,
  ];
}

/** `[a, ...xs]`'s or `Math.max(a, ...xs)`'s parts: numbers and spreads. */
export function partsOf(
  ts: typeof import("typescript"),
  elements: readonly ts.Expression[],
): SpreadPart[] {
  return elements.map((e) =>
    ts.isSpreadElement(e) ? { spread: e.expression } : { value: e },
  );
}

/**
 * The parts `node` builds its array from, where it spreads one
 * (`[a, ...xs]`) or is a `concat` of a `number[]`; `undefined` otherwise.
 */
export function spreadParts(
  context: ArraysContext,
  node: ts.Expression,
): SpreadPart[] | undefined {
  const ts = context.ts;
  node = skipWrappers(ts, node);
  if (ts.isArrayLiteralExpression(node)) {
    if (!node.elements.some((e) => ts.isSpreadElement(e))) return undefined;
    return partsOf(ts, node.elements);
  }
  if (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === "concat" &&
    context.kindOf(node.expression.expression) === "array" &&
    !context.holdsData(node.expression.expression)
  ) {
    // An array literal given is its elements (`xs.concat([a, ...ys])`).
    return [
      { spread: node.expression.expression },
      ...node.arguments.flatMap((a): SpreadPart[] => {
        if (ts.isSpreadElement(a))
          throw context.unsupported(a, "spread arguments of `concat`");
        const literal = skipWrappers(ts, a);
        if (ts.isArrayLiteralExpression(literal))
          return partsOf(ts, literal.elements);
        return [context.isNumber(a) ? { value: a } : { spread: a }];
      }),
    ];
  }
  return undefined;
}

/**
 * `xs.forEach((v, i) => { ... })`: a loop over `xs` naming the element and
 * the index, its body the callback's.
 */
export function lowerArrayForEach(
  context: ArraysContext,
  node: ts.CallExpression,
): Stmt[] {
  const [argument, ...rest] = node.arguments;
  const callback =
    argument && rest.length === 0
      ? callbackOf(context, argument, "forEach")
      : undefined;
  if (!callback) {
    throw context.unsupported(
      node,
      namedCallback(context, node) ??
        "this `forEach` (give it one callback: `(v) => { ... }` or `(v, i) => { ... }`)",
    );
  }
  const { before, loop } = callbackLoop(context, node, callback, {
    last: () => (callback.effect ? context.effect(callback.effect) : []),
  });
  return [...before, loop];
}

/** What builds a variable a callback must not read (`requireNoSelfReference`). */
type Builder =
  "Array.from" | "map" | "filter" | "reduce" | SearchMethod | "spread";

/** What to write instead of reading the variable being built. */
function selfReferenceHint(builder: Builder, name: string): string {
  switch (builder) {
    case "reduce":
      return "The total so far is the callback's first parameter, the accumulator.";
    case "map":
    case "Array.from":
      return `To use earlier elements, allocate '${name}' first (\`new Array(n).fill(0)\`) and fill it in a loop that reads them (\`${name}[i] = ...\`).`;
    default:
      return "Write the loop out, with the variable declared before it.";
  }
}

/**
 * `const y = Array.from(..., (_, i) => y[i - 1] * 2)` throws a
 * ReferenceError in JavaScript: `y` is not initialized until `Array.from`
 * returns, and so for the other methods written out as loops. The
 * lowering gives `y` a value first (the array it fills, the total so far,
 * "not found"), so its derivative code would quietly read that instead.
 */
function requireNoSelfReference(
  context: ArraysContext,
  node: ts.Expression,
  builder: Builder,
): void {
  const ts = context.ts;
  // The declaration whose value `node` is, or is part of.
  const origin = ts.findAncestor(
    node,
    (n) => ts.isVariableDeclaration(n) || (ts.isStatement(n) && "quit"),
  );
  if (
    !origin ||
    !ts.isVariableDeclaration(origin) ||
    !ts.isIdentifier(origin.name)
  )
    return;
  const name = origin.name;
  const symbol = context.checker.getSymbolAtLocation(name);
  const visit = (n: ts.Node): ts.Identifier | undefined =>
    ts.isIdentifier(n) && context.checker.getSymbolAtLocation(n) === symbol
      ? n
      : ts.forEachChild(n, visit);
  const read = visit(node);
  if (!read) return;
  const what =
    builder === "spread" ? "the spread or `concat`" : `\`${builder}\``;
  throw new DiffError(
    read,
    DiagnosticCode.UnsupportedSyntax,
    `This reads '${name.text}' while ${what} is still building it: JavaScript throws a ReferenceError here, since '${name.text}' has no value until ${what} returns. ${selfReferenceHint(builder, name.text)}`,
    [{ node: origin, message: `'${name.text}' is declared here` }],
  );
}

/**
 * `const r = m[i].slice()`: a copy of a row of a matrix, element by
 * element (a copy is of a variable, and a row is not one). With `range`
 * (`x.slice(start, end)`): `length` elements from `start`, into a new
 * array of `arrayKind`.
 */
export function lowerRowCopy(
  name: string,
  row: { readonly array: Expr; readonly indices: readonly Expr[] },
  constant: boolean,
  origin: ts.Node,
  counter: string,
  range?: {
    readonly start: Expr;
    readonly length: Expr;
    readonly arrayKind: ValueKind;
  },
): Stmt[] {
  const k: Expr = { kind: "var", name: counter };
  return [
    {
      kind: "let",
      name,
      value: {
        kind: "newArray",
        arrayKind: range?.arrayKind ?? "array",
        length: range?.length ?? { kind: "length", ...row },
      },
      constant,
      origin,
    },
    {
      kind: "loop",
      header: {
        kind: "counted",
        counter,
        start: { kind: "num", value: 0 },
        end: { kind: "length", array: { kind: "var", name }, indices: [] },
        step: 1,
        inclusive: false,
      },
      body: [
        {
          kind: "store",
          array: { kind: "var", name },
          indices: [k],
          value: {
            kind: "index",
            array: row.array,
            indices: [
              ...row.indices,
              range
                ? { kind: "binary", op: "+", left: range.start, right: k }
                : k,
            ],
          },
          mode: "set",
          origin,
        },
      ],
    },
  ];
}

/** `Array.from(x)`: a copy of a `number[]`. */
function copyOf(
  context: ArraysContext,
  node: ts.CallExpression,
  source: ts.Expression,
): Expr {
  if (context.kindOf(source) === "array") {
    return { kind: "copy", array: context.expression(source) };
  }
  throw context.unsupported(
    node,
    context.kindOf(source) === "matrix"
      ? "`Array.from` of a matrix (a copy that shares its rows; copy each row with `.slice()`)"
      : "`Array.from` of anything but a `number[]` (copy it with `.slice()`, or write the loop)",
  );
}

/** The `n` of `{ length: n }`. */
function lengthOf(
  context: ArraysContext,
  node: ts.Expression,
): ts.Expression | undefined {
  const ts = context.ts;
  if (!ts.isObjectLiteralExpression(node) || node.properties.length !== 1)
    return undefined;
  const [property] = node.properties;
  return property &&
    ts.isPropertyAssignment(property) &&
    ts.isIdentifier(property.name) &&
    property.name.text === "length"
    ? property.initializer
    : undefined;
}

/**
 * The number of elements `Array.from({ length: n })` makes: `n` rounded
 * toward 0, and 0 where it is negative or NaN (where `new Array(n)` would
 * throw), unless `n` is a count already (a length). Rounded first, in
 * `before`.
 */
function fromLength(
  context: ArraysContext,
  node: ts.Expression,
  before: Stmt[],
): Expr {
  const length = context.expression(node);
  if (context.isCount(node)) return length;
  // `t > 0 ? t : 0`: NaN and negative lengths make no elements.
  const name = context.fresh("count");
  before.push({
    kind: "let",
    name,
    value: { kind: "math", fn: "trunc", args: [length] },
    constant: true,
    origin: node,
  });
  const whole: Expr = { kind: "var", name };
  return {
    kind: "cond",
    test: {
      kind: "compare",
      op: ">",
      left: whole,
      right: { kind: "num", value: 0 },
    },
    whenTrue: whole,
    whenFalse: { kind: "num", value: 0 },
  };
}

/** The array methods whose callbacks the lowering writes out as loops. */
export type CallbackMethod =
  | "Array.from"
  | "map"
  | "reduce"
  | "forEach"
  | "filter"
  | Exclude<SearchMethod, ValueSearch>;

export interface Callback {
  readonly node: ts.ArrowFunction | ts.FunctionExpression;
  /** `reduce`'s first parameter, if there is one. */
  readonly accumulator?: ts.Identifier;
  /**
   * The element parameter, for `map`, `reduce` and `forEach`, if there is
   * one: a name, `[x, y]` for a row's or a tuple's elements, or `{ x, y }`
   * for a record's fields.
   */
  readonly element?: ts.Identifier | ts.BindingPattern;
  /** The index parameter, if there is one. */
  readonly index?: ts.Identifier;
  /** The statements of a block body before its `return` (all of a `forEach`'s). */
  readonly statements: readonly ts.Statement[];
  readonly body: ts.Expression;
}

/**
 * A `forEach` callback: its block's statements, or its expression body
 * (`(v) => (s += v)`), as a statement.
 */
export type ForEachCallback = Omit<Callback, "accumulator" | "body"> & {
  readonly effect?: ts.Expression;
};

/**
 * `(_, i) => expression`, `() => expression`, or a block ending in
 * `return expression` (for `forEach`, a block with no `return`, `break` or
 * `continue` leaving it), given to `method`: `reduce`'s parameters are
 * the accumulator, the element and the index; the others' the element
 * (which `Array.from`'s has no value) and the index.
 */
export function callbackOf(
  context: ArraysContext,
  node: ts.Expression,
  method: "forEach",
): ForEachCallback | undefined;
export function callbackOf(
  context: ArraysContext,
  node: ts.Expression,
  method: Exclude<CallbackMethod, "forEach">,
): Callback | undefined;
export function callbackOf(
  context: ArraysContext,
  node: ts.Expression,
  method: CallbackMethod,
):
  | (ForEachCallback & { accumulator?: ts.Identifier; body?: ts.Expression })
  | undefined {
  const ts = context.ts;
  if (!ts.isArrowFunction(node) && !ts.isFunctionExpression(node))
    return undefined;
  // A generator's body does not run when it is called.
  if (node.asteriskToken) return undefined;
  const roles =
    method === "reduce"
      ? (["accumulator", "element", "index"] as const)
      : (["element", "index"] as const);
  if (node.parameters.length > roles.length) return undefined;
  const params: { [role in (typeof roles)[number]]?: ts.Identifier } = {};
  let pattern: ts.BindingPattern | undefined;
  for (const [k, p] of node.parameters.entries()) {
    if (p.dotDotDotToken || p.initializer) return undefined;
    // `([x, y]) => ...` over a matrix's rows: the row's elements; `({ x })`
    // over records: the fields.
    if (roles[k] === "element" && !ts.isIdentifier(p.name)) {
      pattern = p.name;
      continue;
    }
    if (!ts.isIdentifier(p.name)) return undefined;
    params[roles[k]!] = p.name;
  }
  const what = method === "Array.from" ? "an `Array.from`" : `a \`${method}\``;
  let body: ts.Node = node.body;
  let statements: readonly ts.Statement[] = [];
  if (ts.isBlock(body)) {
    const last = body.statements.at(-1);
    const returned =
      method !== "forEach" && last && ts.isReturnStatement(last)
        ? last.expression
        : undefined;
    if (method !== "forEach" && !returned) return undefined;
    statements = returned ? body.statements.slice(0, -1) : body.statements;
    const early = statements.find((s) => containsReturn(ts, s));
    if (early) {
      throw context.unsupported(
        early,
        method === "forEach"
          ? "a `return` in a `forEach` callback (loop with `for (const v of xs)`, and `continue`)"
          : `a \`return\` before the last statement of ${what} callback (keep the value in a variable and return it at the end)`,
      );
    }
    const leaving = method === "forEach" && jumpOutOf(ts, body);
    if (leaving) {
      throw context.unsupported(
        leaving,
        "a `break` or `continue` leaving a `forEach` callback (loop with `for (const v of xs)`)",
      );
    }
    if (returned) body = returned;
  }
  // A `forEach` block's statements are all it has.
  const value = ts.isExpression(body) ? body : undefined;
  if (!value && method !== "forEach") return undefined;
  let element: ts.Identifier | ts.BindingPattern | undefined =
    params.element ?? pattern;
  if (method === "Array.from" && element) {
    if (pattern || refersTo(context, node.body, element as ts.Identifier)) {
      throw context.unsupported(
        element,
        "reading the element parameter of `Array.from`'s callback (it is `undefined` for `{ length: n }`; use the index)",
      );
    }
    element = undefined;
  }
  // The index is the counter of the loop, the element is read from the
  // array at the start of each iteration, and so is the accumulator.
  const named = [
    ...roles.map((role) => [role, params[role]] as const),
    ...(pattern ? patternNames(ts, pattern) : []).map(
      (name) => ["element", name] as const,
    ),
  ];
  for (const [role, name] of named) {
    if (name && context.assigns(node.body, name)) {
      throw context.unsupported(
        name,
        `assigning the ${role} parameter of ${what} callback (copy it into a \`let\` of its own)`,
      );
    }
  }
  const parts = { node, element, index: params.index, statements };
  return method === "forEach"
    ? { ...parts, effect: value }
    : { ...parts, accumulator: params.accumulator, body: value };
}

/**
 * A `break` or `continue` in `body` whose loop, `switch` or label is
 * outside it (TypeScript rejects it too).
 */
function jumpOutOf(
  ts: typeof import("typescript"),
  body: ts.Block,
): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isBreakOrContinueStatement(n)) {
      const label = n.label?.text;
      const target = ts.findAncestor(n.parent, (a) =>
        a === body
          ? "quit"
          : label !== undefined
            ? ts.isLabeledStatement(a) && a.label.text === label
            : ts.isIterationStatement(a, false) ||
              (ts.isBreakStatement(n) && ts.isSwitchStatement(a)),
      );
      if (!target) found = n;
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

/** The names a pattern binds: `[a, , c]` -> `a`, `c`; `{ x, y: b }` -> `x`, `b`. */
export function patternNames(
  ts: typeof import("typescript"),
  pattern: ts.BindingPattern,
): ts.Identifier[] {
  return pattern.elements.flatMap((e) =>
    ts.isBindingElement(e) && ts.isIdentifier(e.name) ? [e.name] : [],
  );
}

/**
 * A function given to a call: the callbacks of `Array.from`, `map`,
 * `reduce` and `forEach` run in the marked function, written out as loops
 * (the lowering rejects any other), so what is checked of its body is
 * checked of theirs.
 */
export function isCallback(
  ts: typeof import("typescript"),
  node: ts.Node,
): boolean {
  return (
    (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) &&
    ts.isCallExpression(node.parent) &&
    node.parent.arguments.includes(node)
  );
}

/** Whether `node` returns from the function it is in (not a nested one). */
export function containsReturn(
  ts: typeof import("typescript"),
  node: ts.Node,
): boolean {
  if (ts.isReturnStatement(node)) return true;
  if (ts.isFunctionLike(node)) return false;
  return (
    ts.forEachChild(node, (child) => containsReturn(ts, child) || undefined) ??
    false
  );
}

/**
 * The loop filling `target[...indices][i]` with the callback's values, and
 * for rows the number of columns:
 *
 *   for (let i = 0; i < target.length; i++) target[i] = <body>;
 */
function fillLoop(
  context: ArraysContext,
  target: Expr,
  indices: readonly Expr[],
  callback: Callback,
  row: boolean,
  lengths: Stmt[],
): { statements: Stmt[]; columns?: Expr } {
  const ts = context.ts;
  const counter = callback.index
    ? context.localName(callback.index)
    : context.fresh("i");
  const at = [...indices, { kind: "var", name: counter } as Expr];
  const before = context.statements(callback.statements);
  const body = skipWrappers(ts, callback.body);
  const store = (value: Expr, where: readonly Expr[]): Stmt => ({
    kind: "store",
    array: target,
    indices: where,
    value,
    mode: "set",
    origin: body,
  });
  let columns: Expr | undefined;
  let statements: Stmt[];
  /** A row of `length` (the node, unless a literal's): one per index. */
  const rows = (what: ts.Node, length?: ts.Node) => {
    if (row)
      throw context.unsupported(what, "arrays of more than two dimensions");
    // The rows are allocated before the callback runs.
    if (
      length &&
      (refersToAnyDeclaredIn(context, length, callback.node) ||
        (ts.isExpression(length) && context.moves(callback.node, length)))
    ) {
      throw context.unsupported(
        what,
        "rows of different lengths (give every row the same length, from values the callback does not compute or change, and not from a call of a function that is not marked)",
      );
    }
  };
  const filledRow = rowFill(context, body);
  const inner = isArrayFrom(context, body)
    ? (body as ts.CallExpression)
    : undefined;
  if (filledRow) {
    const { length, value } = filledRow;
    rows(length, length);
    columns = context.expression(length);
    const zero = ts.isNumericLiteral(value) && Number(value.text) === 0;
    if (!zero && !context.isNumber(value))
      throw context.unsupported(value, "rows filled with other than numbers");
    // `.fill(v)`: `v` once per row, then every element of the row.
    statements = zero
      ? []
      : context.hoisting(() => {
          const fill = context.fresh("fill");
          const k = context.fresh("k");
          return [
            {
              kind: "let",
              name: fill,
              value: context.expression(value),
              constant: true,
              origin: value,
            },
            {
              kind: "loop",
              header: {
                kind: "counted",
                counter: k,
                start: { kind: "num", value: 0 },
                end: { kind: "length", array: target, indices: at },
                step: 1,
                inclusive: false,
              },
              body: [
                store({ kind: "var", name: fill }, [
                  ...at,
                  { kind: "var", name: k },
                ]),
              ],
            },
          ];
        });
  } else if (ts.isArrayLiteralExpression(body)) {
    rows(body);
    columns = { kind: "num", value: body.elements.length };
    statements = context.hoisting(() =>
      body.elements.map((element, k) => {
        if (!ts.isExpression(element) || context.kindOf(element) !== "number") {
          throw context.unsupported(element, "rows of anything but numbers");
        }
        return store(context.expression(element), [
          ...at,
          { kind: "num", value: k },
        ]);
      }),
    );
  } else if (inner) {
    const [source, innerCallback] = inner.arguments;
    const innerLength = source && lengthOf(context, source);
    const fill =
      innerCallback && callbackOf(context, innerCallback, "Array.from");
    if (!innerLength || !fill || inner.arguments.length !== 2) {
      throw context.unsupported(
        inner,
        "this `Array.from` (write `Array.from({ length: n }, (_, i) => expression)`)",
      );
    }
    rows(innerLength, innerLength);
    columns = fromLength(context, innerLength, lengths);
    statements = fillLoop(
      context,
      target,
      at,
      fill,
      /*row*/ true,
      lengths,
    ).statements;
  } else {
    if (context.kindOf(body) !== "number") {
      throw context.unsupported(
        body,
        row
          ? "this `Array.from` callback (the elements of a row are numbers: return a number)"
          : arrayFromCallback,
      );
    }
    statements = context.hoisting(() => {
      const value = context.expression(body);
      return value.kind === "num" && Object.is(value.value, 0)
        ? []
        : [store(value, at)];
    });
  }
  statements = [...before, ...statements];
  if (statements.length === 0) return { statements, columns };
  return {
    columns,
    statements: [
      {
        kind: "loop",
        header: {
          kind: "counted",
          counter,
          start: { kind: "num", value: 0 },
          end: { kind: "length", array: target, indices },
          step: 1,
          inclusive: false,
        },
        body: statements,
      },
    ],
  };
}

/** The `k` and `v` of `new Array(k).fill(v)` or `Array(k).fill(v)`. */
function rowFill(
  context: ArraysContext,
  node: ts.Expression,
): { length: ts.Expression; value: ts.Expression } | undefined {
  const ts = context.ts;
  if (
    !ts.isCallExpression(node) ||
    !ts.isPropertyAccessExpression(node.expression) ||
    node.expression.name.text !== "fill" ||
    node.arguments.length !== 1
  ) {
    return undefined;
  }
  const allocation = skipWrappers(ts, node.expression.expression);
  const length =
    (ts.isNewExpression(allocation) || ts.isCallExpression(allocation)) &&
    context.isGlobal(allocation.expression, "Array") &&
    allocation.arguments?.length === 1
      ? allocation.arguments[0]
      : undefined;
  return length && { length, value: skipWrappers(ts, node.arguments[0]!) };
}

/** Whether `node` mentions a variable declared in `scope` (a parameter too). */
function refersToAnyDeclaredIn(
  context: ArraysContext,
  node: ts.Node,
  scope: ts.Node,
): boolean {
  const ts = context.ts;
  const visit = (n: ts.Node): boolean => {
    const declaration = ts.isIdentifier(n)
      ? context.checker.getSymbolAtLocation(n)?.valueDeclaration
      : undefined;
    const inside =
      declaration !== undefined &&
      declaration.getSourceFile() === scope.getSourceFile() &&
      declaration.pos >= scope.pos &&
      declaration.end <= scope.end;
    return inside || (ts.forEachChild(n, visit) ?? false);
  };
  return visit(node);
}

/** Whether `node` mentions the variable `id` declares. */
function refersTo(
  context: ArraysContext,
  node: ts.Node,
  id: ts.Identifier,
): boolean {
  const ts = context.ts;
  const symbol = context.checker.getSymbolAtLocation(id);
  const visit = (n: ts.Node): boolean =>
    (ts.isIdentifier(n) && context.checker.getSymbolAtLocation(n) === symbol) ||
    (ts.forEachChild(n, visit) ?? false);
  return visit(node);
}

/**
 * `const m: number[][] = [[a, b], [c, d]]`: a matrix of zeros, then its
 * elements; `[]`, a matrix grown by `push`.
 */
export function lowerMatrixLiteral(
  context: ArraysContext,
  name: string,
  node: ts.ArrayLiteralExpression,
  constant: boolean,
  origin: ts.Node,
): Stmt[] {
  const ts = context.ts;
  const declare = (value: Expr): Stmt => ({
    kind: "let",
    name,
    value,
    constant,
    origin,
  });
  if (node.elements.length === 0) {
    return [
      declare({ kind: "arrayLiteral", elements: [], arrayKind: "matrix" }),
    ];
  }
  const rows = node.elements.map((row) => {
    if (!ts.isArrayLiteralExpression(row)) {
      throw context.unsupported(
        row,
        "a matrix literal with rows that are not array literals",
      );
    }
    return row;
  });
  const columns = rows[0]!.elements.length;
  if (rows.some((row) => row.elements.length !== columns)) {
    throw context.unsupported(
      node,
      "rows of different lengths (give every row the same length)",
    );
  }
  const stores = rows.flatMap((row, r) =>
    row.elements.map((element, c): Stmt => {
      if (
        ts.isSpreadElement(element) ||
        ts.isOmittedExpression(element) ||
        !context.isNumber(element)
      ) {
        throw context.unsupported(
          element,
          "matrix literals of anything but numbers",
        );
      }
      return {
        kind: "store",
        array: { kind: "var", name },
        indices: [
          { kind: "num", value: r },
          { kind: "num", value: c },
        ],
        value: context.expression(element),
        mode: "set",
        origin: element,
      };
    }),
  );
  return [
    declare({
      kind: "newArray",
      arrayKind: "matrix",
      length: { kind: "num", value: rows.length },
      columns: { kind: "num", value: columns },
    }),
    ...stores,
  ];
}
