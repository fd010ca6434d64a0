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
import { skipWrappers } from "./wrappers";

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
    variable: ts.Identifier,
    source: Iterated,
    at: readonly Expr[],
    origin: ts.Node,
  ): Stmt[];
  /** The row `m[i].slice()` or `row.slice()` copies. */
  copiedRow(node: ts.Expression): Iterated | undefined;
  /** Whether `node` gives `array` new elements or a new value. */
  reshapes(node: ts.Node, array: ts.Expression): boolean;
}

/** An array, or a row of a matrix: `array[...indices]`. */
export interface Iterated {
  readonly array: Expr;
  readonly indices: readonly Expr[];
  /** A matrix, whose elements are rows: its variable. */
  readonly rows?: ts.Identifier;
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
  requireNoSelfReference(context, node, origin, "`Array.from`");
  const [source, callback, ...rest] = node.arguments;
  if (source && !callback) return [declare(copyOf(context, node, source))];
  const length = source && lengthOf(context, source);
  const fill =
    length && callback && callbackOf(context, callback, "`Array.from`");
  if (!fill || rest.length > 0) {
    throw context.unsupported(
      node,
      "this `Array.from` (write `Array.from({ length: n }, (_, i) => expression)`, or `Array.from(x)` to copy an array)",
    );
  }
  const target: Expr = { kind: "var", name };
  const filled = fillLoop(context, target, [], fill, /*row*/ false);
  if (kind !== (filled.columns ? "matrix" : "array")) {
    throw new DiffError(
      node,
      DiagnosticCode.UntypedValue,
      `tsad needs to know this array holds numbers${filled.columns ? " in rows" : ""}, but its type is '${context.checker.typeToString(context.checker.getTypeAtLocation(node))}'. Annotate it (\`const m: ${filled.columns ? "number[][]" : "number[]"} = Array.from(...)\`).`,
    );
  }
  return [
    declare({
      kind: "newArray",
      arrayKind: filled.columns ? "matrix" : "array",
      length: context.expression(length),
      columns: filled.columns,
    }),
    ...filled.statements,
  ];
}

/** `xs.map(...)` of an array of numbers or a matrix (or a row of one). */
export function isArrayMap(
  context: ArraysContext,
  node: ts.Expression,
): node is ts.CallExpression {
  const ts = context.ts;
  if (
    !ts.isCallExpression(node) ||
    !ts.isPropertyAccessExpression(node.expression) ||
    node.expression.name.text !== "map"
  )
    return false;
  const kind = context.kindOf(node.expression.expression);
  return kind !== "number" && kind !== "none";
}

/**
 * `name = xs.map(callback)`: a loop over `xs` that names its element as
 * `for...of` does and writes what the callback returns into `name`, made
 * first: zeros of `xs`'s kind for numbers (a typed array's `map` makes an
 * array of its own type, rounding as it does), an empty matrix pushed a
 * row per element for rows. `kind` is the type of `name`.
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
  requireNoSelfReference(context, node, origin, "`map`");
  const receiver = skipWrappers(
    ts,
    (node.expression as ts.PropertyAccessExpression).expression,
  );
  const [callback, ...rest] = node.arguments;
  const fill =
    callback && rest.length === 0
      ? callbackOf(context, callback, "`map`")
      : undefined;
  if (!fill) {
    throw context.unsupported(
      node,
      "this `map` (give it one callback: `(v) => expression`, `(v, i) => expression`, or a block ending in `return expression`)",
    );
  }
  // `map` takes the length once and reads each element when it gets to it.
  if (context.reshapes(fill.node.body, receiver)) {
    throw context.unsupported(
      fill.node,
      `a \`map\` callback that gives '${receiver.getText()}' new elements or a new value (map a copy, or write the loop out)`,
    );
  }
  const source = context.iterated(receiver);
  const target: Expr = { kind: "var", name };
  const counter = fill.index
    ? context.localName(fill.index)
    : context.fresh("i");
  const at: Expr[] = [...source.indices, { kind: "var", name: counter }];
  const element = fill.element
    ? context.bindElement(fill.element, source, at, fill.node)
    : [];
  const before = context.statements(fill.statements);
  const body = skipWrappers(ts, fill.body);
  const sourceKind = context.kindOf(receiver);
  const requireKind = (expected: ValueKind) => {
    if (kind === expected) return;
    const type = context.checker.typeToString(
      context.checker.getTypeAtLocation(node),
    );
    throw new DiffError(
      node,
      DiagnosticCode.UntypedValue,
      expected === "matrix"
        ? `tsad needs to know this \`map\` makes rows of numbers, but its type is '${type}'. Annotate it (\`const m: number[][] = ${node.getText()}\`).`
        : `tsad needs to know this \`map\` makes numbers, but its type is '${type}'. Make its callback return a number.`,
    );
  };
  let made: Expr;
  let statements: Stmt[];
  if (context.kindOf(body) === "number") {
    const arrayKind = sourceKind === "matrix" ? "array" : sourceKind;
    requireKind(arrayKind);
    made = {
      kind: "newArray",
      arrayKind,
      length: { kind: "length", ...source },
    };
    statements = context.hoisting(() => [
      {
        kind: "store",
        array: target,
        indices: [{ kind: "var", name: counter }],
        value: context.expression(body),
        mode: "set",
        origin: body,
      },
    ]);
  } else {
    const row = context.fresh("row");
    const copied = context.copiedRow(body);
    const numbers =
      ts.isArrayLiteralExpression(body) &&
      body.elements.every((e) => !ts.isSpreadElement(e) && context.isNumber(e));
    let built: Stmt[];
    if (copied) {
      built = lowerRowCopy(row, copied, true, body, context.fresh("k"));
    } else if (isArrayMap(context, body) && context.kindOf(body) === "array") {
      built = lowerArrayMap(context, row, body, "array", true, body);
    } else if (numbers) {
      built = context.hoisting(() => [
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
    } else {
      throw context.unsupported(
        body,
        "this `map` callback (return a number, or a row of numbers: a copy `row.slice()`, an array literal `[a, b]`, or a `map` of a row that returns numbers)",
      );
    }
    requireKind("matrix");
    made = { kind: "arrayLiteral", elements: [], arrayKind: "matrix" };
    statements = [
      ...built,
      {
        kind: "append",
        array: target,
        value: { kind: "var", name: row },
        origin: body,
      },
    ];
  }
  return [
    { kind: "let", name, value: made, constant, origin },
    {
      kind: "loop",
      header: {
        kind: "counted",
        counter,
        start: { kind: "num", value: 0 },
        end: { kind: "length", ...source },
        step: 1,
        inclusive: false,
      },
      body: [...element, ...before, ...statements],
    },
  ];
}

/**
 * `const y = Array.from(..., (_, i) => y[i - 1] * 2)` throws a
 * ReferenceError in JavaScript: `y` is not initialized until `Array.from`
 * returns. The lowering fills `y` in place, so its derivative code would
 * quietly read the elements filled so far instead.
 */
function requireNoSelfReference(
  context: ArraysContext,
  node: ts.CallExpression,
  origin: ts.Node,
  builder: string,
): void {
  const ts = context.ts;
  if (!ts.isVariableDeclaration(origin) || !ts.isIdentifier(origin.name))
    return;
  const name = origin.name;
  const symbol = context.checker.getSymbolAtLocation(name);
  const visit = (n: ts.Node): ts.Identifier | undefined =>
    ts.isIdentifier(n) && context.checker.getSymbolAtLocation(n) === symbol
      ? n
      : ts.forEachChild(n, visit);
  const read = visit(node);
  if (!read) return;
  throw new DiffError(
    read,
    DiagnosticCode.UnsupportedSyntax,
    `This reads '${name.text}' while ${builder} is still building it: JavaScript throws a ReferenceError here, since '${name.text}' has no value until ${builder} returns. To use earlier elements, allocate '${name.text}' first (\`new Array(n).fill(0)\`) and fill it in a loop that reads them (\`${name.text}[i] = ...\`).`,
    [{ node: origin, message: `'${name.text}' is declared here` }],
  );
}

/**
 * `const r = m[i].slice()`: a copy of a row of a matrix, element by
 * element (a copy is of a variable, and a row is not one).
 */
export function lowerRowCopy(
  name: string,
  row: { readonly array: Expr; readonly indices: readonly Expr[] },
  constant: boolean,
  origin: ts.Node,
  counter: string,
): Stmt[] {
  const k: Expr = { kind: "var", name: counter };
  return [
    {
      kind: "let",
      name,
      value: {
        kind: "newArray",
        arrayKind: "array",
        length: { kind: "length", ...row },
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
            indices: [...row.indices, k],
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

interface Callback {
  readonly node: ts.ArrowFunction | ts.FunctionExpression;
  /** The element parameter, for `map`, if there is one. */
  readonly element?: ts.Identifier;
  /** The index parameter, if there is one. */
  readonly index?: ts.Identifier;
  /** The statements of a block body before its `return`. */
  readonly statements: readonly ts.Statement[];
  readonly body: ts.Expression;
}

/**
 * `(_, i) => expression`, `() => expression`, or a block ending in
 * `return expression`; `method` is `Array.from` or `map`, whose element
 * parameter has a value.
 */
function callbackOf(
  context: ArraysContext,
  node: ts.Expression,
  method: "`Array.from`" | "`map`",
): Callback | undefined {
  const ts = context.ts;
  if (!ts.isArrowFunction(node) && !ts.isFunctionExpression(node))
    return undefined;
  const [element, index, ...rest] = node.parameters;
  const simple = (p: ts.ParameterDeclaration | undefined) =>
    !p || (ts.isIdentifier(p.name) && !p.dotDotDotToken && !p.initializer);
  if (rest.length > 0 || !simple(element) || !simple(index)) return undefined;
  let body: ts.Node = node.body;
  let statements: readonly ts.Statement[] = [];
  if (ts.isBlock(body)) {
    const last = body.statements.at(-1);
    if (!last || !ts.isReturnStatement(last) || !last.expression)
      return undefined;
    statements = body.statements.slice(0, -1);
    const early = statements.find((s) => containsReturn(ts, s));
    if (early) {
      throw context.unsupported(
        early,
        `a \`return\` before the last statement of ${method === "`map`" ? "a `map`" : "an `Array.from`"} callback (keep the value in a variable and return it at the end)`,
      );
    }
    body = last.expression;
  }
  if (!ts.isExpression(body)) return undefined;
  const elementName = element?.name as ts.Identifier | undefined;
  if (
    method === "`Array.from`" &&
    elementName &&
    refersTo(context, node.body, elementName)
  ) {
    throw context.unsupported(
      elementName,
      "reading the element parameter of `Array.from`'s callback (it is `undefined` for `{ length: n }`; use the index)",
    );
  }
  const indexName = index?.name as ts.Identifier | undefined;
  // The index is the counter of the loop that fills the array, and the
  // element is read from the array at the start of each iteration.
  for (const name of method === "`map`"
    ? [elementName, indexName]
    : [indexName]) {
    if (name && context.assigns(node.body, name)) {
      throw context.unsupported(
        name,
        `assigning the ${name === indexName ? "index" : "element"} parameter of ${method === "`map`" ? "a `map`" : "an `Array.from`"} callback (copy it into a \`let\` of its own)`,
      );
    }
  }
  return {
    node,
    element: method === "`map`" ? elementName : undefined,
    index: indexName,
    statements,
    body,
  };
}

/**
 * A function given to a call: `Array.from`'s and `map`'s callbacks run in
 * the marked function, written out as loops (the lowering rejects any
 * other), so what is checked of its body is checked of theirs.
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
    if (length && refersToAnyDeclaredIn(context, length, callback.node)) {
      throw context.unsupported(
        what,
        "rows of different lengths (give every row the same length, from values the callback does not compute)",
      );
    }
  };
  const zeroRow = rowOfZeros(context, body);
  const inner = isArrayFrom(context, body)
    ? (body as ts.CallExpression)
    : undefined;
  if (zeroRow) {
    rows(zeroRow, zeroRow);
    columns = context.expression(zeroRow);
    statements = [];
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
      innerCallback && callbackOf(context, innerCallback, "`Array.from`");
    if (!innerLength || !fill || inner.arguments.length !== 2) {
      throw context.unsupported(
        inner,
        "this `Array.from` (write `Array.from({ length: n }, (_, i) => expression)`)",
      );
    }
    rows(innerLength, innerLength);
    columns = context.expression(innerLength);
    statements = fillLoop(context, target, at, fill, /*row*/ true).statements;
  } else {
    if (context.kindOf(body) !== "number") {
      throw context.unsupported(
        body,
        "this `Array.from` callback (return a number, a row `new Array(k).fill(0)`, or `Array.from({ length: k }, ...)`)",
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

/** The `k` of `new Array(k).fill(0)` or `Array(k).fill(0)`. */
function rowOfZeros(
  context: ArraysContext,
  node: ts.Expression,
): ts.Expression | undefined {
  const ts = context.ts;
  if (
    !ts.isCallExpression(node) ||
    !ts.isPropertyAccessExpression(node.expression) ||
    node.expression.name.text !== "fill" ||
    node.arguments.length !== 1 ||
    !ts.isNumericLiteral(node.arguments[0]!) ||
    Number(node.arguments[0].text) !== 0
  ) {
    return undefined;
  }
  const allocation = skipWrappers(ts, node.expression.expression);
  return (ts.isNewExpression(allocation) || ts.isCallExpression(allocation)) &&
    context.isGlobal(allocation.expression, "Array") &&
    allocation.arguments?.length === 1
    ? allocation.arguments[0]
    : undefined;
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
