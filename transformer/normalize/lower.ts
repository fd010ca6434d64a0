/**
 * Normalize, step 1: TypeScript syntax -> IR with the source's own names.
 *
 * Every construct tsad accepts becomes an IR statement or expression; every
 * other one is a `DiffError` at its node. Compound assignments and
 * increments become plain assignments, variadic `Math.min`/`max` nest, and
 * destructuring of array literals becomes element-wise assignment:
 *
 *   x *= Math.max(a, b, c);  ->  x = x * Math.max(Math.max(a, b), c)
 *   [a, b] = [b, a];         ->  t = b; t_1 = a; a = t; b = t_1
 *
 * Each local variable gets a name unique in the function (its own name,
 * unless an inner scope shadows it), so blocks can be flattened and later
 * steps never reason about scopes. Loops, `switch`es and labelled blocks
 * come out with their `break`s and `continue`s structured away (`targets`,
 * `switch`, `jumps`). Variables may still be reassigned and `return` may
 * appear anywhere; the later steps (`returns`, `ssa`) remove both.
 */
import type * as ts from "typescript";
import { DiagnosticCode, DiffError } from "../diagnostics";
import type {
  BinaryOp,
  BitwiseOp,
  CompareOp,
  Expr,
  Param,
  SurfaceFunction,
  SurfaceLoopHeader,
  SurfaceStmt as Stmt,
} from "../ir";
import {
  arrayMethod,
  containsReturn,
  isArrayFrom,
  isArrayMethod,
  lowerArrayFrom,
  lowerArrayMap,
  lowerArrayForEach,
  lowerArrayReduce,
  lowerArraySearch,
  lowerArrayFilter,
  lowerSpread,
  spreadParts,
  iteratedArray,
  isVector,
  builtArray,
  builds,
  partsOf,
  isSearchMethod,
  isValueSearch,
  type SearchMethod,
  lowerMatrixLiteral,
  lowerRowCopy,
  type ArraysContext,
  type Iterated,
} from "./arrays";
import { declaredByStandardLibrary } from "./call-targets";
import { jumps, structureJumps } from "./jumps";
import {
  isAssignmentTarget,
  requireFixedCallee,
  requireFixedOuterVariable,
} from "./outer-variables";
import { SharedArrays } from "./shared-arrays";
import { switchChain } from "./switch";
import { JumpTargets } from "./targets";
import { generatedGlobals, type Names } from "../naming";
import { lookupRule, mathConstants, nondeterministicMath } from "../rules";
import {
  hasDifferentiableTag,
  importedFrom,
  resolveMarkedCallee,
  valueKindOf,
  type DifferentiableFunction,
} from "../select";
import { requireArraysUnchangedByCall } from "./unmarked-array-arguments";
import type { ValueKind } from "../../runtime/registry";
import type { HiddenWrites } from "./hidden-writes";
import { contains, type UnmarkedWrites } from "./unmarked-writes";
import type { PatchedGlobals } from "./patched-globals";
import type { Throwing } from "./throwing";
import {
  accessRoot,
  isPlainPath,
  isWrapper,
  skipWrappers,
  withWrappers,
} from "./wrappers";
import { isArrayIndex } from "../array-writes";

/** `new Array(n).fill(v)`: the allocation and the value. */
interface Filling {
  readonly allocation: ts.NewExpression | ts.CallExpression;
  readonly value: ts.Expression;
}

export interface LowerContext {
  readonly ts: typeof import("typescript");
  readonly checker: ts.TypeChecker;
  /** The module specifier of the runtime (`"tsad"`), for `stopGradient`. */
  readonly runtimeModule: string;
  /** The variables each source file assigns to (see outer-variables.ts). */
  readonly assignedIn: WeakMap<ts.SourceFile, ReadonlyMap<ts.Symbol, ts.Node>>;
  /** What unmarked code changes, found once per program. */
  readonly unmarkedWrites: UnmarkedWrites;
  /** What unmarked callees change that marked functions read. */
  readonly hiddenWrites: HiddenWrites;
  /**
   * The value kind of each expression asked about, once per program: the
   * lowering asks again of an operand at each level of an expression, and
   * the checker finds an identifier's type by flow analysis each time.
   */
  readonly valueKinds: WeakMap<ts.Node, ValueKind>;
  /** The standard library's globals the program changes. */
  readonly patchedGlobals: PatchedGlobals;
  /** Which code may throw, found once per program. */
  readonly throwing: Throwing;
}

const INTEGER_ARRAYS = new Set([
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
]);

function isAssignment(
  ts: typeof import("typescript"),
  kind: ts.SyntaxKind,
): boolean {
  return (
    kind >= ts.SyntaxKind.FirstAssignment &&
    kind <= ts.SyntaxKind.LastAssignment
  );
}

/** Methods that change the array they are called on (tsad accepts `push`). */
const GROWING_METHODS = new Set([
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "fill",
  "sort",
  "reverse",
  "copyWithin",
  "set",
]);

export function lowerFunction(
  context: LowerContext,
  name: string,
  fn: DifferentiableFunction,
  names: Names,
): SurfaceFunction {
  return new Lowering(context, fn, names).function(name);
}

const arithmetic: Partial<Record<ts.SyntaxKind, BinaryOp>> = {};
const bitwise: Partial<Record<ts.SyntaxKind, BitwiseOp>> = {};
const compound: Partial<Record<ts.SyntaxKind, BinaryOp>> = {};
const compoundBitwise: Partial<Record<ts.SyntaxKind, BitwiseOp>> = {};
const comparison: Partial<Record<ts.SyntaxKind, CompareOp>> = {};

function initOperatorTables(ts: typeof import("typescript")) {
  if (arithmetic[ts.SyntaxKind.PlusToken]) return;
  const k = ts.SyntaxKind;
  Object.assign(arithmetic, {
    [k.PlusToken]: "+",
    [k.MinusToken]: "-",
    [k.AsteriskToken]: "*",
    [k.SlashToken]: "/",
    [k.AsteriskAsteriskToken]: "**",
    [k.PercentToken]: "%",
  });
  Object.assign(bitwise, {
    [k.AmpersandToken]: "&",
    [k.BarToken]: "|",
    [k.CaretToken]: "^",
    [k.LessThanLessThanToken]: "<<",
    [k.GreaterThanGreaterThanToken]: ">>",
    [k.GreaterThanGreaterThanGreaterThanToken]: ">>>",
  });
  Object.assign(compound, {
    [k.PlusEqualsToken]: "+",
    [k.MinusEqualsToken]: "-",
    [k.AsteriskEqualsToken]: "*",
    [k.SlashEqualsToken]: "/",
    [k.AsteriskAsteriskEqualsToken]: "**",
    [k.PercentEqualsToken]: "%",
  });
  Object.assign(compoundBitwise, {
    [k.AmpersandEqualsToken]: "&",
    [k.BarEqualsToken]: "|",
    [k.CaretEqualsToken]: "^",
    [k.LessThanLessThanEqualsToken]: "<<",
    [k.GreaterThanGreaterThanEqualsToken]: ">>",
    [k.GreaterThanGreaterThanGreaterThanEqualsToken]: ">>>",
  });
  Object.assign(comparison, {
    [k.LessThanToken]: "<",
    [k.LessThanEqualsToken]: "<=",
    [k.GreaterThanToken]: ">",
    [k.GreaterThanEqualsToken]: ">=",
    [k.EqualsEqualsEqualsToken]: "===",
    [k.ExclamationEqualsEqualsToken]: "!==",
    [k.EqualsEqualsToken]: "==",
    [k.ExclamationEqualsToken]: "!=",
  });
}

/**
 * `value`, or `fallback` where it is missing: `undefined` for a default
 * (`value === undefined ? fallback : value`), `undefined` or `null` for
 * `??` (`value != undefined ? value : fallback`).
 */
function orDefault(
  value: Expr,
  fallback: Expr,
  missing: "undefined" | "nullish",
): Expr {
  const test = (op: "===" | "!="): Expr => ({
    kind: "compare",
    op,
    left: value,
    right: { kind: "undefined" },
  });
  return missing === "undefined"
    ? { kind: "cond", test: test("==="), whenTrue: fallback, whenFalse: value }
    : { kind: "cond", test: test("!="), whenTrue: value, whenFalse: fallback };
}

/**
 * Where a part tsad computes before its statement cannot go: it may not
 * run there, or run again (for the messages).
 */
const mayNotRun =
  "where it may not run, or may run again (a loop test, a default value, a `case`, the right of `??`, an array literal destructured, or the right of `&&`/`||` between other than booleans)";

/** Statements run just before a statement, and the calls in it (`hoisting`). */
interface Hoist {
  readonly before: Stmt[];
  /** The first call of an unmarked function that may change something. */
  unmarkedCall?: ts.Node;
  /** The first call of an unmarked function that changes nothing. */
  readingCall?: ts.Node;
  /** Whether `before` calls functions (a marked call, a `reduce`'s callback). */
  runsCalls?: boolean;
  /** The calls of marked functions in the statement that may throw. */
  readonly throwingCalls: ts.Node[];
  /** The parts of the statement that `before` computes that may throw. */
  readonly throwingParts: ts.Node[];
}

/** A branch of `? :`, `&&` or `||` lowered on its own (`branchOf`). */
interface Branch {
  readonly before: Stmt[];
  readonly value: Expr;
  readonly hoist: Hoist;
}

/** A branch's statements: what it needs first, then `name = value`. */
function assigning(name: string, branch: Branch, origin: ts.Node): Stmt[] {
  return [
    ...branch.before,
    { kind: "assign", name, value: branch.value, origin },
  ];
}

/** The calls `inner` (a branch needing nothing first) saw, as `outer`'s. */
function joinHoist(outer: Hoist, inner: Hoist): void {
  outer.unmarkedCall ??= inner.unmarkedCall;
  outer.readingCall ??= inner.readingCall;
  outer.runsCalls ||= inner.runsCalls;
  outer.throwingCalls.push(...inner.throwingCalls);
  outer.throwingParts.push(...inner.throwingParts);
}

/** Where a row of a matrix given a name (`const row = m[i]`) is: `m`, `[i]`. */
interface Row {
  readonly array: Expr;
  readonly indices: readonly Expr[];
  /** The matrix, to check writes into the row: a variable or a field. */
  readonly matrix: ts.Expression;
}

class Lowering {
  private readonly ts: typeof import("typescript");
  private readonly uniqueNames = new Map<ts.Symbol, string>();
  private readonly claimed = new Set<string>();
  /** The loops, `switch`es and labelled blocks around what is being lowered. */
  private readonly targets: JumpTargets;
  /** Rows of matrices given a name: each use reads or writes the matrix. */
  private readonly rows = new Map<ts.Symbol, Row>();
  /** Parts of a statement computed before it (see `countedIndex`). */
  private readonly substitutions = new Map<ts.Node, Expr>();
  /** Local names for the caller's arrays and other outside ones. */
  private readonly shared: SharedArrays;

  constructor(
    private readonly context: LowerContext,
    private readonly fn: DifferentiableFunction,
    private readonly names: Names,
  ) {
    this.ts = context.ts;
    this.targets = new JumpTargets(names);
    initOperatorTables(this.ts);
    this.shared = new SharedArrays({
      ts: this.ts,
      checker: context.checker,
      isLocal: (id) => this.isLocal(id),
      isArray: (node) => this.isArrayKind(node),
    });
    // Names the function reads from outside, and the globals generated
    // code calls, stay free for those reads: a local of the same name is
    // renamed.
    for (const name of generatedGlobals) this.claimed.add(name);
    const visit = (node: ts.Node) => {
      if (this.ts.isIdentifier(node) && !this.isLocal(node))
        this.claimed.add(node.text);
      this.ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
  }

  function(name: string): SurfaceFunction {
    const ts = this.ts;
    const params: Param[] = this.fn.parameters.map((p) => {
      if (ts.isObjectBindingPattern(p.name) && !p.dotDotDotToken) {
        // `{ lr = 0.1 }: Options = {}`: a record read in the body.
        if (
          p.initializer &&
          !(
            ts.isObjectLiteralExpression(skipWrappers(ts, p.initializer)) &&
            (skipWrappers(ts, p.initializer) as ts.ObjectLiteralExpression)
              .properties.length === 0
          )
        ) {
          throw this.unsupported(
            p.initializer,
            "a default value for a destructured parameter other than `{}` (give its fields defaults instead: `{ lr = 0.1 }: Options = {}`)",
          );
        }
        const kind = valueKindOf(
          ts,
          this.context.checker,
          this.context.checker.getTypeAtLocation(p),
        );
        if (kind !== "none") {
          throw this.unsupported(
            p.name,
            "destructuring a parameter that holds numbers to differentiate (name it, `x: number[]`, and read `x[0]`, `x.length`)",
          );
        }
        const name = this.names.fresh("options");
        this.patternParams.set(p, name);
        return {
          name,
          kind: "none",
          type: p.type,
          optional:
            p.initializer !== undefined || p.questionToken !== undefined,
        };
      }
      if (!ts.isIdentifier(p.name) || p.dotDotDotToken) {
        throw this.unsupported(p, "array destructuring and rest parameters");
      }
      const kind = valueKindOf(
        ts,
        this.context.checker,
        this.context.checker.getTypeAtLocation(p),
      );
      if (p.initializer && kind !== "number" && kind !== "none") {
        throw this.unsupported(
          p.initializer,
          `a default value for the array parameter '${p.name.text}' (make it a required parameter and pass the array explicitly)`,
        );
      }
      // Its adjoint would be allocated with the length of `undefined`.
      if (p.questionToken && kind !== "number" && kind !== "none") {
        throw this.unsupported(
          p,
          `the optional array parameter '${p.name.text}' (make it a required parameter and pass the array explicitly)`,
        );
      }
      return {
        name: this.localName(p.name),
        kind,
        type: p.type,
        optional: p.initializer !== undefined || p.questionToken !== undefined,
      };
    });
    const body = this.fn.body!;
    const statements = ts.isBlock(body)
      ? this.block(body.statements)
      : this.returnOf(body, body);
    return {
      name,
      params,
      body: [...this.defaultValues(), ...statements],
      returnType: this.fn.type,
    };
  }

  /**
   * `function f(x, k = x * 2)` -> `k = k === undefined ? x * 2 : k` first
   * thing in the body, so a default that depends on `x` carries its
   * derivative (the generated functions take `k` like `f` does).
   */
  private defaultValues(): Stmt[] {
    return this.fn.parameters.flatMap((p): Stmt[] => {
      const record = this.patternParams.get(p);
      if (record !== undefined) {
        return this.recordFields(
          p.name as ts.ObjectBindingPattern,
          { kind: "var", name: record },
          /*recordText*/ undefined,
          /*constant*/ true,
          /*mayBeUndefined*/ p.initializer !== undefined,
        );
      }
      if (!p.initializer) return [];
      const name = this.localName(p.name as ts.Identifier);
      return [
        {
          kind: "assign",
          name,
          value: orDefault(
            { kind: "var", name },
            this.expression(p.initializer),
            "undefined",
          ),
          origin: p,
        },
      ];
    });
  }

  private unsupported(node: ts.Node, what: string): DiffError {
    return new DiffError(
      node,
      DiagnosticCode.UnsupportedSyntax,
      `tsad cannot differentiate ${what} yet. Rewrite this with the supported subset (see README), or move it out of the @differentiable function.`,
    );
  }

  private block(statements: readonly ts.Statement[]): Stmt[] {
    return statements.flatMap((s) => this.statement(s));
  }

  private statement(node: ts.Statement): Stmt[] {
    const ts = this.ts;
    switch (node.kind) {
      case ts.SyntaxKind.VariableStatement:
        return this.variables((node as ts.VariableStatement).declarationList);
      case ts.SyntaxKind.ExpressionStatement:
        return this.expressionStatement(
          (node as ts.ExpressionStatement).expression,
        );
      case ts.SyntaxKind.ReturnStatement:
        return this.returnOf((node as ts.ReturnStatement).expression, node);
      case ts.SyntaxKind.IfStatement: {
        const s = node as ts.IfStatement;
        let test: Expr | undefined;
        const before = this.hoisting(() => {
          test = this.expression(s.expression);
          return [];
        });
        return [
          ...before,
          {
            kind: "if",
            test: test!,
            then: this.statement(s.thenStatement),
            else: s.elseStatement ? this.statement(s.elseStatement) : [],
          },
        ];
      }
      case ts.SyntaxKind.Block:
        return this.block((node as ts.Block).statements);
      case ts.SyntaxKind.EmptyStatement:
        return [];
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
        return this.loop(node as ts.IterationStatement, []);
      case ts.SyntaxKind.BreakStatement:
      case ts.SyntaxKind.ContinueStatement:
        return this.targets.jump(
          node.kind === ts.SyntaxKind.BreakStatement ? "break" : "continue",
          (node as ts.BreakOrContinueStatement).label?.text,
        );
      case ts.SyntaxKind.LabeledStatement:
        return this.labelled(node as ts.LabeledStatement);
      case ts.SyntaxKind.ForInStatement:
        throw this.unsupported(node, "`for...in`");
      case ts.SyntaxKind.SwitchStatement:
        return this.switchStatement(node as ts.SwitchStatement, []);
      case ts.SyntaxKind.ThrowStatement:
        return this.throwOf((node as ts.ThrowStatement).expression);
      default:
        throw this.unsupported(
          node,
          `this statement (${ts.SyntaxKind[node.kind]})`,
        );
    }
  }

  /**
   * Statements that the expression being lowered needs run just before
   * its statement (see `hoisting`), and the first call to a function not
   * marked in that statement.
   */
  private hoist: Hoist | undefined;
  /**
   * Inside a part of an expression that may not run, or run again: a
   * loop test, a default value, the right of `??` (a branch of `? :` or
   * `&&`/`||` is lowered on its own: `branchOf`).
   */
  private conditionalDepth = 0;

  /**
   * Lowers one statement's expressions, which may need statements run
   * first: `s += nrm(m[i].slice())` copies the row into a variable just
   * before (`hoistedRowCopy`). Nothing a statement evaluates before the
   * copy can change the matrix (marked functions write no arrays they are
   * passed), unless it calls a function not marked: that is an error.
   */
  private hoisting(lower: () => Stmt[]): Stmt[] {
    const { before, value } = this.hoistingValue(lower);
    return [...before, ...value];
  }

  /**
   * `hoisting` of anything `lower` gives (an expression's value): it,
   * what it needs run first, and the calls it made (see `Hoist`).
   */
  private hoistingValue<T>(lower: () => T): {
    before: Stmt[];
    value: T;
    hoist: Hoist;
  } {
    const outer = { hoist: this.hoist, depth: this.conditionalDepth };
    const hoist: Hoist = { before: [], throwingCalls: [], throwingParts: [] };
    this.hoist = hoist;
    this.conditionalDepth = 0;
    try {
      const lowered = lower();
      // A call that changes nothing may still read what a call moved
      // before it changes (through unmarked code that one calls).
      const call =
        hoist.unmarkedCall ?? (hoist.runsCalls ? hoist.readingCall : undefined);
      // What goes first must not throw where the rest would have first:
      // a call left in place that runs before such a part.
      // A call in such a part runs with it: after the parts inside it.
      const parts = hoist.throwingParts;
      const first = hoist.throwingCalls.find((call) =>
        parts.some(
          (part) =>
            part.getStart() >= call.end &&
            !parts.some((q) => contains(q, call) && q.end <= part.getStart()),
        ),
      );
      if (first) {
        throw this.unsupported(
          first,
          "a call that may throw before a part of its statement that tsad computes first and that may throw too (`f(x)[i]`, `xs.reduce(...)`), so the other error would come first (compute that part in a statement of its own first: `const v = f(x)`, `const total = xs.reduce(...)`)",
        );
      }
      if (hoist.before.length > 0 && call) {
        throw this.unsupported(
          call,
          "a call to a function not marked in a statement that also copies a row of a matrix (`m[i].slice()`), indexes a marked call's result (`f(x)[i]`), reduces or searches an array (`xs.reduce(...)`, `xs.some(...)`), builds one (`xs.map(...)`, `[...xs, y]`), reads a field's array (`data.t[i]`) or spreads one into `Math.max`, which tsad computes first and the call might change (do that in a statement of its own first: `const copy = m[i].slice()`, `const v = f(x)`, `const total = xs.reduce(...)`, `const t = data.t`)",
        );
      }
      return { before: hoist.before, value: lowered, hoist };
    } finally {
      this.hoist = outer.hoist;
      this.conditionalDepth = outer.depth;
    }
  }

  /** Lowers a part of an expression that runs only on some paths. */
  private conditionally<T>(lower: () => T): T {
    this.conditionalDepth++;
    try {
      return lower();
    } finally {
      this.conditionalDepth--;
    }
  }

  /**
   * `let h = x; ... h = layer(W, h);`: an array variable given new arrays
   * is the last row of a matrix of them, `h_steps`, which each assignment
   * pushes a new one onto (so the reverse sweep finds each step's array).
   * Reading `h` reads `h_steps[h_steps.length - 1]`; a marked call given
   * `h`, and `return h`, get a copy of it.
   */
  private steps(
    id: ts.Identifier,
    initializer: ts.Expression,
    origin: ts.Node,
  ): Stmt[] {
    const name = this.names.fresh(`${id.text}_steps`);
    const steps: Expr = { kind: "var", name };
    const last: Expr = {
      kind: "binary",
      op: "-",
      left: { kind: "length", array: steps, indices: [] },
      right: { kind: "num", value: 1 },
    };
    const symbol = this.context.checker.getSymbolAtLocation(id)!;
    this.shared.bind(id, initializer, origin);
    const row: Row = { array: steps, indices: [last], matrix: id };
    const setup: Stmt[] = [
      {
        kind: "let",
        name,
        value: { kind: "arrayLiteral", elements: [], arrayKind: "matrix" },
        constant: true,
        origin,
      },
      ...this.nextStep(row, initializer, origin, /*first*/ true),
    ];
    this.steppedRows.set(symbol, row);
    this.rows.set(symbol, row);
    return setup;
  }

  /** `h` as `steps` made it a matrix's last row, if it is one. */
  private steppedRow(node: ts.Expression): Row | undefined {
    if (!this.ts.isIdentifier(node)) return undefined;
    const symbol = this.context.checker.getSymbolAtLocation(node);
    return symbol && this.steppedRows.get(symbol);
  }

  /**
   * `h = value`: `value`, a new array, pushed onto `h`'s steps; `first`:
   * `let h = value`, which may also name a parameter. A write into `h`
   * would be a write into the caller's array, an error (the declaration
   * binds `h` to it); a copy of it is the same until `h` is given another.
   */
  private nextStep(
    row: Row,
    value: ts.Expression,
    origin: ts.Node,
    first = false,
  ): Stmt[] {
    const ts = this.ts;
    // (Another such variable would share its array: `v = u.slice()`.)
    const copied = this.copiedRow(value);
    if (first && this.isParameter(skipWrappers(ts, value))) {
      return this.hoisting(() => [
        {
          kind: "append",
          array: row.array,
          value: { kind: "copy", array: this.expression(value) },
          origin,
        },
      ]);
    }
    const built = skipWrappers(ts, value);
    // `h = h.map(...)`: made in a variable of its own, from the last step.
    if (
      isArrayMethod(this.arrays, built, "map") &&
      this.kindOf(built) === "array"
    ) {
      const name = this.names.fresh("mapped");
      return [
        ...lowerArrayMap(this.arrays, name, built, "array", true, origin),
        {
          kind: "append",
          array: row.array,
          value: { kind: "var", name },
          origin,
        },
      ];
    }
    const fresh = !!copied || this.isFresh(value);
    // Or built for it and seen by no code again: the step may be a copy.
    if (!fresh && !this.builtRow(built, origin)) {
      const variable = row.matrix.getText();
      throw this.unsupported(
        value,
        ts.isIdentifier(built)
          ? `giving '${variable}' the array '${built.text}' holds, which the two would share (give '${variable}' a copy: \`${variable} = ${built.text}.slice()\`)`
          : "giving an array variable an array other code may still use (give it a new array: a literal, a copy `a.slice()`, a @differentiable function's result, or an array built in the same loop iteration and not used after)",
      );
    }
    return this.hoisting(() => [
      {
        kind: "append",
        array: row.array,
        value: copied
          ? this.hoistedRowCopy(value, copied)
          : fresh
            ? this.expression(value)
            : { kind: "copy", array: this.expression(built) },
        origin,
      },
    ]);
  }

  /** Whether `e` names one of the function's parameters. */
  private isParameter(e: ts.Expression): boolean {
    const ts = this.ts;
    const declaration = ts.isIdentifier(e)
      ? this.context.checker.getSymbolAtLocation(e)?.valueDeclaration
      : undefined;
    return (
      declaration !== undefined &&
      ts.isParameter(declaration) &&
      declaration.parent === this.fn
    );
  }

  /** Destructured parameters' names (`{ lr }: Options` -> `options`). */
  private readonly patternParams = new Map<ts.ParameterDeclaration, string>();

  /** Counters of counted loops: whole numbers, stepped by whole numbers. */
  private readonly wholeCounters = new Set<ts.Symbol>();
  /** Those of them that start at a count and step up: counts too. */
  private readonly countCounters = new Set<ts.Symbol>();

  /**
   * Whether `node` is a whole number (or NaN or infinite), as far as its
   * syntax shows: a whole literal, a length, an integer array's element,
   * a counted loop's counter, `Math.floor(...)` and the like, bit
   * operations, sums, differences, products and remainders of those, and
   * `const`s holding one.
   */
  private isWhole(node: ts.Expression, depth = 0): boolean {
    const ts = this.ts;
    node = skipWrappers(ts, node);
    if (depth > 8) return false;
    const whole = (e: ts.Expression) => this.isWhole(e, depth + 1);
    if (ts.isNumericLiteral(node)) return Number.isInteger(Number(node.text));
    if (this.isInteger(node)) return true;
    if (ts.isPropertyAccessExpression(node))
      return (
        node.name.text === "length" &&
        (this.isArrayKind(node.expression) ||
          this.isIntegerArray(node.expression))
      );
    if (ts.isElementAccessExpression(node))
      return this.isIntegerArray(node.expression);
    if (ts.isPrefixUnaryExpression(node))
      return (
        node.operator === ts.SyntaxKind.TildeToken ||
        ((node.operator === ts.SyntaxKind.MinusToken ||
          node.operator === ts.SyntaxKind.PlusToken) &&
          whole(node.operand))
      );
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      if (bitwise[op]) return true;
      return (
        (op === ts.SyntaxKind.PlusToken ||
          op === ts.SyntaxKind.MinusToken ||
          op === ts.SyntaxKind.AsteriskToken ||
          op === ts.SyntaxKind.PercentToken) &&
        whole(node.left) &&
        whole(node.right)
      );
    }
    if (ts.isCallExpression(node)) {
      const callee = skipWrappers(ts, node.expression);
      return (
        ts.isPropertyAccessExpression(callee) &&
        this.isGlobalMath(callee.expression) &&
        ["floor", "ceil", "round", "trunc", "sign"].includes(callee.name.text)
      );
    }
    if (!ts.isIdentifier(node)) return false;
    const symbol = this.context.checker.getSymbolAtLocation(node);
    if (symbol && this.wholeCounters.has(symbol)) return true;
    const value = this.constValue(node);
    return value !== undefined && whole(value);
  }

  /** What the `const` `id` names was given: `n` of `const k = n`. */
  private constValue(id: ts.Identifier): ts.Expression | undefined {
    const ts = this.ts;
    const declaration =
      this.context.checker.getSymbolAtLocation(id)?.valueDeclaration;
    return declaration &&
      ts.isVariableDeclaration(declaration) &&
      (ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0
      ? declaration.initializer
      : undefined;
  }

  /**
   * Whether `node` is a count, a whole number of at least 0, as far as its
   * syntax shows: a literal, a length, sums and products of those, and
   * `const`s holding one.
   */
  private isCount(node: ts.Expression, depth = 0): boolean {
    const ts = this.ts;
    node = skipWrappers(ts, node);
    if (depth > 8) return false;
    const count = (e: ts.Expression) => this.isCount(e, depth + 1);
    if (ts.isNumericLiteral(node)) return Number.isInteger(Number(node.text));
    if (ts.isPropertyAccessExpression(node)) return this.isWhole(node);
    if (ts.isBinaryExpression(node))
      return (
        (node.operatorToken.kind === ts.SyntaxKind.PlusToken ||
          node.operatorToken.kind === ts.SyntaxKind.AsteriskToken) &&
        count(node.left) &&
        count(node.right)
      );
    if (!ts.isIdentifier(node)) return false;
    const symbol = this.context.checker.getSymbolAtLocation(node);
    if (symbol && this.countCounters.has(symbol)) return true;
    const value = this.constValue(node);
    return value !== undefined && count(value);
  }

  /** The arrays variables given new ones are the steps of (see `steps`). */
  private readonly steppedRows = new Map<ts.Symbol, Row>();

  /**
   * `f(m[i].slice())`: the copy in a variable of its own, made just before
   * the statement (the IR copies only whole variables).
   */
  private hoistedRowCopy(
    node: ts.Node,
    row: { array: Expr; indices: readonly Expr[] },
  ): Expr {
    const before = this.hoistedBefore(
      node,
      "a copy of a row of a matrix here (copy it in a statement of its own first: `const copy = m[i].slice()`)",
    );
    const matrix = row.array.kind === "var" ? row.array.name : "matrix";
    const name = this.names.fresh(`${matrix}_row`);
    before.push(
      ...lowerRowCopy(
        name,
        row,
        /*constant*/ true,
        node,
        this.names.fresh("k"),
      ),
    );
    return { kind: "var", name };
  }

  /** `new Array(n).fill(v)`, `new Float64Array(n).fill(v)`: its parts. */
  private filling(node: ts.Expression): Filling | undefined {
    const ts = this.ts;
    if (!ts.isCallExpression(node) || node.arguments.length !== 1) return;
    const callee = skipWrappers(ts, node.expression);
    if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "fill")
      return;
    const allocation = skipWrappers(ts, callee.expression);
    return (ts.isNewExpression(allocation) ||
      ts.isCallExpression(allocation)) &&
      this.isAllocation(allocation)
      ? { allocation, value: node.arguments[0]! }
      : undefined;
  }

  /**
   * `new Array(n).fill(v)` with `v` not 0, in an expression: filled in a
   * variable of its own before the statement (see `filled`).
   */
  private hoistedFill(node: ts.CallExpression, fill: Filling): Expr {
    const before = this.hoistedBefore(
      node,
      "`fill` with a value other than 0 here (fill the array in a statement of its own: `const a = new Array(n).fill(v)`)",
    );
    const name = this.names.fresh("filled");
    this.hoist!.runsCalls = true;
    before.push(...this.filled(name, fill, /*constant*/ true, node));
    return { kind: "var", name };
  }

  /**
   * Where statements go that run just before the statement being lowered
   * (see `hoisting`); `what` is unsupported at `node` where there is no
   * such place or the expression may not run (a branch of `? :`, a loop
   * test).
   */
  private hoistedBefore(node: ts.Node, what: string, throws?: boolean): Stmt[] {
    if (!this.hoist || this.conditionalDepth > 0)
      throw this.unsupported(node, what);
    this.noteHoisted(node, throws);
    return this.hoist.before;
  }

  /**
   * `node`'s value is computed before its statement (see `Hoist`);
   * `throws`: it may throw where `throwing` cannot tell (the `TypeError`
   * of a `reduce` with no initial value).
   */
  private noteHoisted(node: ts.Node, throws?: boolean): void {
    const hoist = this.hoist;
    // The start of one noted already (`data.t` of `data.t[i]`) adds nothing.
    if (
      hoist &&
      !hoist.throwingParts.some(
        (part) => contains(part, node) && part.getStart() === node.getStart(),
      ) &&
      (throws || this.context.throwing.mayThrow(node))
    )
      hoist.throwingParts.push(node);
  }

  /**
   * `xs.reduce(callback, initial)`, `xs.some(callback)`, `xs.indexOf(v)`
   * and the other searches: the loop that computes it, just before the
   * statement (`lowerArrayReduce`, `lowerArraySearch`), and its result.
   */
  private hoistedLoop(
    node: ts.CallExpression,
    method: "reduce" | SearchMethod,
  ): Expr {
    const example =
      method === "reduce"
        ? "const total = xs.reduce(...)"
        : `const found = xs.${method}(...)`;
    const before = this.hoistedBefore(
      node,
      `\`${method}\` here, ${mayNotRun}: give it a statement of its own first, \`${example}\``,
      this.reducesWithoutStart(node),
    );
    this.hoist!.runsCalls ||= this.runsCode(node);
    // Computed before the statement, where JS computes it in the middle:
    // nothing the statement does before it may change what it reads, nor
    // may it change what the statement reads.
    const byValue = method !== "reduce" && isValueSearch(method);
    const [callback] = node.arguments;
    const changed = callback && !byValue && this.changesOutside(callback);
    if (changed) {
      throw this.unsupported(
        changed,
        `a \`${method}\` callback that changes what is outside it, in an expression (give the \`${method}\` a statement of its own: \`${example}\`, in an \`if\` where a \`? :\`, \`&&\` or \`||\` guards it)`,
      );
    }
    const earlier = this.changeBefore(node, byValue ? undefined : callback);
    if (earlier) {
      throw this.unsupported(
        earlier,
        `a change in a statement that also computes a \`${method}\`, which tsad computes first (make the change in a statement of its own)`,
      );
    }
    const name = this.names.fresh(method === "reduce" ? "reduced" : "found");
    before.push(
      ...(method === "reduce"
        ? lowerArrayReduce(this.arrays, name, node)
        : lowerArraySearch(this.arrays, name, node, method)),
    );
    return { kind: "var", name };
  }

  /**
   * An array built in an expression, `[a, ...xs]`, `xs.concat(zs)`,
   * `xs.map(f)`, `xs.filter(p)` (a vector): built in a variable of its own
   * just before the statement (`builtArray`).
   */
  private hoistedBuilt(node: ts.Expression, what: string): Expr {
    const ts = this.ts;
    const declared = `const ys = ${node.getText().length > 40 ? "..." : node.getText()}`;
    const before = this.hoistedBefore(
      node,
      `${what} here, ${mayNotRun}: build it in a statement of its own first, \`${declared}\``,
    );
    this.hoist!.runsCalls ||= this.runsCode(node);
    const callback =
      ts.isCallExpression(node) && arrayMethod(this.arrays, node)
        ? node.arguments[0]
        : undefined;
    const outside = callback && this.changesOutside(callback);
    if (outside) {
      throw this.unsupported(
        outside,
        `a callback that changes what is outside it, in an expression (build the array in a statement of its own: \`${declared}\`)`,
      );
    }
    // Changes to what it reads (`rows.push(h.map(f))` changes `rows`).
    const changed = this.changeBefore(node, callback);
    if (changed) {
      throw this.unsupported(
        changed,
        "a change in a statement that also builds an array (by spreading, `concat`, `map` or `filter`) from what it changes, which tsad builds first (make the change in a statement of its own)",
      );
    }
    // A spread's or a `concat`'s (a method's is a vector: the caller's test).
    if (!callback) this.requireNumbers(node, "ys: number[] = [...xs, y]");
    const built = builtArray(this.arrays, node, before);
    if (!built) throw new Error("no array built for a spread or method");
    return built.array;
  }

  /**
   * `n > 0 ? xs.reduce(...) / n : 0`: a choice whose branch holds a part
   * computed first (a `reduce`, a search, an array built, `Math.max(...xs)`),
   * made just before the statement as an `if` whose branches compute
   * those parts in turn, each as a statement of its own would:
   *
   *   let chosen; if (n > 0) { <the reduce, in reduced>; chosen = reduced / n; } else { chosen = 0; }
   */
  private hoistedChoice(
    c: ts.ConditionalExpression,
    test: Expr,
    whenTrue: Branch,
    whenFalse: Branch,
  ): Expr {
    const before = this.hoistedBranches(c, [whenTrue, whenFalse]);
    const name = this.names.fresh("chosen");
    before.push(
      { kind: "let", name, constant: false, origin: c },
      {
        kind: "if",
        test,
        then: assigning(name, whenTrue, c.whenTrue),
        else: assigning(name, whenFalse, c.whenFalse),
      },
    );
    return { kind: "var", name };
  }

  /**
   * `n > 0 && xs.every(p)` of booleans whose right holds a part computed
   * first: as `hoistedChoice`, `let both = n > 0; if (both) { both = ... }`.
   */
  private hoistedLogical(
    node: ts.BinaryExpression,
    op: "&&" | "||",
    left: Expr,
    right: Branch,
  ): Expr {
    if (!this.isBoolean(node)) {
      throw this.unsupported(
        node,
        `\`${op}\` of other than booleans whose right side tsad computes first (write it as an \`if\`)`,
      );
    }
    const before = this.hoistedBranches(node, [right]);
    const name = this.names.fresh(op === "&&" ? "both" : "either");
    const made: Expr = { kind: "var", name };
    before.push(
      { kind: "let", name, value: left, constant: false, origin: node },
      {
        kind: "if",
        test: op === "&&" ? made : { kind: "not", operand: made },
        then: assigning(name, right, node.right),
        else: [],
      },
    );
    return made;
  }

  /**
   * A branch of `? :`, `&&` or `||`, lowered as a statement of its own
   * would be: its value, what it needs computed first (`hoistedChoice`
   * computes that in the branch), and its calls, which are the
   * statement's where it needs nothing (`joinHoist`).
   */
  private branchOf(e: ts.Expression): Branch {
    return this.hoistingValue(() => this.expression(e));
  }

  /**
   * Where a choice whose branch holds a part computed first goes (see
   * `hoistedChoice`), checked as such parts are: nothing else in the
   * statement changes what it reads, and where a branch may throw (a
   * `reduce` with no initial value, a call) or change something (an
   * unmarked call), no call that may throw comes first.
   */
  private hoistedBranches(
    node: ts.Expression,
    branches: readonly Branch[],
  ): Stmt[] {
    // An unmarked call that may change something would change it before
    // a call earlier in the statement threw: as if it may throw too
    // (review round 72).
    const before = this.hoistedBefore(
      node,
      `this choice here, ${mayNotRun}: give it a statement of its own first`,
      this.reducesWithoutStart(node) ||
        branches.some((b) => b.hoist.unmarkedCall !== undefined),
    );
    this.hoist!.runsCalls ||= this.runsCode(node);
    const changed = this.changeBefore(node);
    if (changed) {
      throw this.unsupported(
        changed,
        "a change in a statement that also computes a `? :`, `&&` or `||` whose branch tsad computes first, from what it changes (make the change in a statement of its own)",
      );
    }
    return before;
  }

  /**
   * Whether `node` calls a function or holds a callback: code that runs
   * (the array methods tsad writes out as loops, and `Math`, run none).
   */
  private runsCode(node: ts.Node): boolean {
    const ts = this.ts;
    const writtenOut = (n: ts.CallExpression) =>
      arrayMethod(this.arrays, n) !== undefined ||
      spreadParts(this.arrays, n) !== undefined ||
      (ts.isPropertyAccessExpression(n.expression) &&
        this.isGlobalMath(n.expression.expression));
    const visit = (n: ts.Node): boolean =>
      (ts.isCallLikeExpression(n) &&
        !(ts.isCallExpression(n) && writtenOut(n))) ||
      ts.isFunctionLike(n) ||
      (ts.forEachChild(n, visit) ?? false);
    return visit(node);
  }

  /** Whether `node` holds a `reduce` with no initial value (which may throw). */
  private reducesWithoutStart(node: ts.Node): boolean {
    const ts = this.ts;
    const visit = (n: ts.Node): boolean =>
      (ts.isCallExpression(n) &&
        n.arguments.length < 2 &&
        arrayMethod(this.arrays, n) === "reduce") ||
      (ts.forEachChild(n, visit) ?? false);
    return visit(node);
  }

  /**
   * `Math.max(...xs)`: the loop `m = Math.max(m, xs[k])` from `-Infinity`
   * (which JS gives for no elements), just before the statement, as for
   * `reduce`; the derivative goes to the element the loop keeps.
   */
  private hoistedExtremum(node: ts.CallExpression, fn: "min" | "max"): Expr {
    const ts = this.ts;
    const [spread, ...rest] = node.arguments;
    const spreadArray =
      spread &&
      ts.isSpreadElement(spread) &&
      skipWrappers(ts, spread.expression);
    const array =
      spreadArray &&
      rest.length === 0 &&
      (ts.isIdentifier(spreadArray) ||
        ts.isElementAccessExpression(spreadArray)) &&
      isVector(this.kindOf(spreadArray))
        ? spreadArray
        : undefined;
    const before = this.hoistedBefore(
      node,
      `\`Math.${fn}(...xs)\` here, ${mayNotRun}: give it a statement of its own first, \`const m = Math.${fn}(...xs)\``,
    );
    const source = array
      ? this.spreadSource(node, fn, array, spread!)
      : this.joinedSource(node, fn, before);
    const name = this.names.fresh(fn === "max" ? "largest" : "smallest");
    const counter = this.names.fresh("k");
    const extremum: Expr = { kind: "var", name };
    before.push(
      {
        kind: "let",
        name,
        value: { kind: "num", value: fn === "max" ? -Infinity : Infinity },
        constant: false,
        origin: node,
      },
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
        body: [
          {
            kind: "assign",
            name,
            value: {
              kind: "math",
              fn,
              args: [
                extremum,
                {
                  kind: "index",
                  array: source.array,
                  indices: [...source.indices, { kind: "var", name: counter }],
                },
              ],
            },
            origin: node,
          },
        ],
      },
    );
    return extremum;
  }

  /**
   * The one array `Math.min`/`Math.max` spreads (`xs`, `m[i]`), checked
   * that nothing else in the statement changes it.
   */
  private spreadSource(
    node: ts.CallExpression,
    fn: "min" | "max",
    array: ts.Expression,
    spread: ts.Expression,
  ): Iterated {
    const changed = this.changeBefore(node, spread);
    if (changed) {
      throw this.unsupported(
        changed,
        `a change in a statement that also computes \`Math.${fn}(...xs)\`, which tsad computes first (make the change in a statement of its own)`,
      );
    }
    return this.iterated(array);
  }

  /**
   * `Math.max(0, ...xs, y)`: its arguments joined in an array first
   * (`lowerSpread`), in `before`.
   */
  private joinedSource(
    node: ts.CallExpression,
    fn: "min" | "max",
    before: Stmt[],
  ): Iterated {
    const ts = this.ts;
    const changed = this.changeBefore(node);
    if (changed) {
      throw this.unsupported(
        changed,
        `a change in a statement that also computes \`Math.${fn}(...)\` of a spread, which tsad computes first, from what it changes (make the change in a statement of its own)`,
      );
    }
    const [only, ...rest] = node.arguments;
    // `Math.max(...xs.map(f))`: over the array the map builds.
    if (
      rest.length === 0 &&
      only &&
      ts.isSpreadElement(only) &&
      isVector(this.kindOf(only.expression)) &&
      !this.holdsData(only.expression)
    )
      return iteratedArray(
        this.arrays,
        skipWrappers(ts, only.expression),
        before,
      );
    const parts = partsOf(ts, node.arguments);
    const name = this.names.fresh("joined");
    before.push(...lowerSpread(this.arrays, name, parts, true, node));
    return { array: { kind: "var", name }, indices: [] };
  }

  /** The first assignment in `fn` (a callback) to what it does not declare. */
  private changesOutside(fn: ts.Node): ts.Node | undefined {
    const ts = this.ts;
    const outside = (target: ts.Expression): boolean => {
      const root = accessRoot(ts, target);
      const declaration = ts.isIdentifier(root)
        ? this.context.checker.getSymbolAtLocation(root)?.valueDeclaration
        : undefined;
      return (
        !declaration || declaration.pos < fn.pos || declaration.end > fn.end
      );
    };
    return this.firstChange(fn, undefined, outside);
  }

  /**
   * The first change elsewhere in `node`'s statement to what `node`, a
   * part computed first, reads (`skipped`, its callback, left out).
   */
  private changeBefore(
    node: ts.Expression,
    skipped?: ts.Node,
  ): ts.Node | undefined {
    return this.changeAround(node, this.changesTo(node), skipped);
  }

  /**
   * Whether a change's target is (a part of) a variable `read` reads, or
   * of what tsad cannot name: for `changeAround`.
   */
  private changesTo(read: ts.Node): (target: ts.Expression) => boolean {
    const ts = this.ts;
    const symbols = new Set<ts.Symbol>();
    // A callback's own variables (`(v) => { let t = v; t += 1; ... }`)
    // are no one else's.
    const own = (symbol: ts.Symbol) => {
      const declaration = symbol.valueDeclaration;
      return declaration !== undefined && contains(read, declaration);
    };
    const note = (n: ts.Node): void => {
      const symbol = ts.isIdentifier(n)
        ? this.context.checker.getSymbolAtLocation(n)
        : undefined;
      if (symbol && !own(symbol)) symbols.add(symbol);
      ts.forEachChild(n, note);
    };
    note(read);
    return (target) => {
      const root = accessRoot(ts, target);
      const symbol = ts.isIdentifier(root)
        ? this.context.checker.getSymbolAtLocation(root)
        : undefined;
      return symbol === undefined || symbols.has(symbol);
    };
  }

  /**
   * The first change, other than its own assignment, in what the
   * statement around the call at `node` computes (a callback's body, if
   * it is in one), `skipped` (the call's callback) left out.
   */
  private changeAround(
    node: ts.Expression,
    counts: (target: ts.Expression) => boolean,
    skipped: ts.Node | undefined,
  ): ts.Node | undefined {
    const ts = this.ts;
    const root = ts.findAncestor(
      node.parent,
      (n) =>
        ts.isStatement(n) ||
        (ts.isArrowFunction(n.parent) && n.parent.body === n),
    )!;
    const own =
      ts.isExpressionStatement(root) &&
      ts.isBinaryExpression(root.expression) &&
      isAssignment(ts, root.expression.operatorToken.kind)
        ? root.expression
        : undefined;
    // An `if` or a `switch`: its test, not its statements (which come
    // after). Any other statement whole, a loop's body included.
    const part =
      ts.isIfStatement(root) || ts.isSwitchStatement(root)
        ? root.expression
        : root;
    return this.firstChange(part, skipped, counts, own);
  }

  /**
   * The first change in `node` (see `findChange`) whose target `counts`,
   * `skipped` left out; `own` is an assignment not counted itself.
   */
  private firstChange(
    node: ts.Node,
    skipped: ts.Node | undefined,
    counts: (target: ts.Expression) => boolean,
    own?: ts.Node,
  ): ts.Node | undefined {
    return this.findChange(
      node,
      (change, target) => change !== own && counts(target),
      skipped,
    );
  }

  /**
   * `let name = new Array(n).fill(v)` for a `v` not 0: zeros, then `v`,
   * computed once, written into each element.
   */
  private filled(
    name: string,
    { allocation, value }: Filling,
    constant: boolean,
    origin: ts.Node,
  ): Stmt[] {
    const made: Stmt = {
      kind: "let",
      name,
      value: this.newArray(allocation, /*filled*/ true),
      constant,
      origin,
    };
    return [
      made,
      ...this.storeEach({ kind: "var", name }, value, origin, "fill"),
    ];
  }

  /**
   * `const fill = value; for (let k = 0; k < array.length; k++) array[k] = fill;`,
   * the value named for `hint`.
   */
  private storeEach(
    array: Expr,
    value: ts.Expression,
    origin: ts.Node,
    hint: string,
  ): Stmt[] {
    if (!this.isNumber(value))
      throw this.unsupported(value, "filling an array with other than numbers");
    const fill = this.names.fresh(hint);
    const k = this.names.fresh("k");
    return [
      {
        kind: "let",
        name: fill,
        value: this.expression(value),
        constant: true,
        origin,
      },
      {
        kind: "loop",
        header: {
          kind: "counted",
          counter: k,
          start: { kind: "num", value: 0 },
          end: { kind: "length", array, indices: [] },
          step: 1,
          inclusive: false,
        },
        body: [
          {
            kind: "store",
            array,
            indices: [{ kind: "var", name: k }],
            value: { kind: "var", name: fill },
            mode: "set",
            origin,
          },
        ],
      },
    ];
  }

  /**
   * `throw value`: `value` as written, but for its reads of the
   * function's variables (`x`, or a number they hold, `row.length`,
   * `m[i][j]`), lowered where the `throw` is (a variable the function
   * reassigns has another name at each point). What `value` calls runs
   * only on a path that returns no derivative, so it is not looked into.
   */
  private throwOf(value: ts.Expression): Stmt[] {
    const ts = this.ts;
    const sites: ts.Expression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isExpression(node) && this.isThrownRead(node, value)) {
        // Its identifier names the property, not the variable.
        if (ts.isShorthandPropertyAssignment(node.parent))
          throw this.unsupported(
            node.parent,
            `a variable read as a shorthand property in a thrown value (write \`${node.getText()}: ${node.getText()}\`)`,
          );
        if (isAssignmentTarget(ts, node))
          throw this.unsupported(
            node,
            "changing a variable in a thrown value (compute the value before the `throw`)",
          );
        sites.push(node);
        return;
      }
      ts.forEachChild(node, visit);
    };
    visit(value);
    let reads: Expr[] = [];
    const setup = this.hoisting(() => {
      reads = sites.map((site) => {
        // A named row is read as a value here only: `${row}`.
        const row = ts.isIdentifier(site) && this.rowOf(site);
        return row
          ? { kind: "index", array: row.array, indices: [...row.indices] }
          : this.expression(site);
      });
      return [];
    });
    return [...setup, { kind: "throw", value, sites, reads }];
  }

  /**
   * Whether `node` in the thrown `value` reads a variable of the function
   * declared outside `value` (not a property name, not a callback's
   * parameter), or is a number or a length read from one: `row.length`
   * and `row[0]` of a row that is no value of its own.
   */
  private isThrownRead(node: ts.Expression, value: ts.Expression): boolean {
    const ts = this.ts;
    if (!ts.isIdentifier(node)) {
      const length =
        ts.isPropertyAccessExpression(node) && node.name.text === "length";
      if (
        !length &&
        !(ts.isElementAccessExpression(node) && this.isNumber(node))
      )
        return false;
      let root = skipWrappers(ts, (node as ts.AccessExpression).expression);
      while (ts.isElementAccessExpression(root))
        root = skipWrappers(ts, root.expression);
      return ts.isIdentifier(root) && this.isThrownRead(root, value);
    }
    const { checker } = this.context;
    const parent = node.parent;
    if (
      (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
      (ts.isPropertyAssignment(parent) && parent.name === node)
    )
      return false;
    const symbol = ts.isShorthandPropertyAssignment(parent)
      ? checker.getShorthandAssignmentValueSymbol(parent)
      : checker.getSymbolAtLocation(node);
    const declaration = symbol?.valueDeclaration;
    return (
      declaration !== undefined &&
      contains(this.fn, declaration) &&
      !contains(value, declaration)
    );
  }

  /**
   * The function's own `return` of an array has an array type: which
   * array `x as any` is, tsad cannot tell, and it may be an argument,
   * which the caller would then share with the result (TS96003 says so of
   * `return x`).
   */
  private requireArrayTyped(returned: ts.Expression, node: ts.Node): void {
    const { ts, checker } = this.context;
    if (
      this.isArrayKind(returned) ||
      ts.findAncestor(node, ts.isFunctionLike) !== this.fn
    )
      return;
    const signature = checker.getSignatureFromDeclaration(this.fn);
    const result =
      signature && valueKindOf(ts, checker, signature.getReturnType());
    if (result === undefined || result === "number" || result === "none")
      return;
    const type = checker.typeToString(checker.getTypeAtLocation(returned));
    throw new DiffError(
      returned,
      DiagnosticCode.UntypedValue,
      `This returns a value of type '${type}' where the function returns an array: tsad cannot tell which array it is (an argument would be shared with the caller). Return a value typed as an array: drop the \`as any\`, or annotate the variable.`,
    );
  }

  /** `return value`, or an arrow function's expression body. */
  private returnOf(returned: ts.Expression | undefined, node: ts.Node): Stmt[] {
    if (returned && this.isArrayKind(returned) && this.returnSlot) {
      // Which array the caller's cotangent belongs to would depend on
      // the iteration taken. From different branches, the arrays are
      // joined after the `if` and each branch takes the cotangent.
      throw this.unsupported(
        node,
        "returning an array from inside a loop (return one array variable, after the loops)",
      );
    }
    if (returned) {
      this.requireArrayTyped(returned, node);
      this.shared.requireOwnResult(returned);
    }
    // `return Array.from(...)` and `return [[a, b], [c, d]]` build the
    // array in a variable first.
    const built = returned && this.builtResult(returned, node);
    let value: Expr = { kind: "undefined" };
    const setup = built
      ? built.setup
      : this.hoisting(() => {
          if (returned) value = this.expression(returned);
          return [];
        });
    if (built) value = { kind: "var", name: built.name };
    if (this.returnSlot) {
      // Inside a loop: leave it, and return after it (see `iteration`).
      return [
        ...setup,
        {
          kind: "assign",
          name: this.returnSlot.value,
          value,
          origin: node,
        },
        {
          kind: "assign",
          name: this.returnSlot.flag,
          value: { kind: "bool", value: true },
        },
        { kind: "break" },
      ];
    }
    return [...setup, { kind: "return", value }];
  }

  /** A returned `Array.from(...)` or matrix literal, in a variable of its own. */
  private builtResult(
    returned: ts.Expression,
    node: ts.Node,
  ): { name: string; setup: Stmt[] } | undefined {
    const ts = this.ts;
    const array = skipWrappers(ts, returned);
    if (isArrayFrom(this.arrays, array)) {
      const name = this.names.fresh("result");
      const setup = lowerArrayFrom(
        this.arrays,
        name,
        array as ts.CallExpression,
        this.returnKind(),
        /*constant*/ true,
        node,
      );
      return { name, setup };
    }
    if (isArrayMethod(this.arrays, array, "map")) {
      const name = this.names.fresh("result");
      const setup = lowerArrayMap(
        this.arrays,
        name,
        array,
        this.returnKind(),
        /*constant*/ true,
        node,
      );
      return { name, setup };
    }
    if (ts.isArrayLiteralExpression(array) && this.kindOf(array) === "matrix") {
      const name = this.names.fresh("result");
      const setup = this.hoisting(() =>
        lowerMatrixLiteral(this.arrays, name, array, /*constant*/ true, node),
      );
      return { name, setup };
    }
    return undefined;
  }

  /**
   * `switch`: the discriminant evaluated once, then an `if`/`else if`
   * chain on `===` (see `switchChain`); `break` inside it leaves it.
   */
  private switchStatement(
    node: ts.SwitchStatement,
    labels: readonly string[],
  ): Stmt[] {
    const ts = this.ts;
    const subject = this.names.fresh("subject");
    // What it reads first (`o.k ?? 1` reads the field once) goes first.
    let discriminant: Expr = { kind: "undefined" };
    const setup = this.hoisting(() => {
      discriminant = this.expression(node.expression);
      return [];
    });
    const target = this.targets.enter("switch", labels);
    // A label that reads a local is read once, before any clause runs:
    // the chain tests it after the clauses before it, which may assign
    // that local (`case b: b = 7; case 3: ...`).
    const labelValues: Stmt[] = [];
    const labelValue = (expression: ts.Expression): Expr => {
      const value = this.expression(expression);
      if (isFixed(value)) return value;
      const name = this.names.fresh("label");
      labelValues.push({ kind: "let", name, value, constant: true });
      return { kind: "var", name };
    };
    const clauses = node.caseBlock.clauses.map((clause) => ({
      match: ts.isCaseClause(clause)
        ? {
            kind: "compare" as const,
            op: "===" as const,
            left: { kind: "var" as const, name: subject },
            right: labelValue(clause.expression),
          }
        : undefined,
      body: this.block(clause.statements),
    }));
    const { before } = this.targets.leave(target);
    return [
      ...setup,
      {
        kind: "let",
        name: subject,
        value: discriminant,
        constant: true,
        origin: node,
      },
      ...labelValues,
      ...before,
      ...switchChain(clauses, {
        scope: this.targets.exitScope(target),
        distinctLabels: this.distinctLabels(node),
        freshName: (base) => this.names.fresh(base),
      }),
    ];
  }

  /** Whether every `case` label has a literal type and no two are equal. */
  private distinctLabels(node: ts.SwitchStatement): boolean {
    const values = node.caseBlock.clauses.flatMap((clause) => {
      if (!this.ts.isCaseClause(clause)) return [];
      const type = this.context.checker.getTypeAtLocation(clause.expression);
      return [type.isLiteral() ? type.value : undefined];
    });
    return (
      values.every((v) => typeof v === "number" || typeof v === "string") &&
      new Set(values).size === values.length
    );
  }

  /** `label: statement`: the labels name a loop, a `switch` or a block. */
  private labelled(node: ts.LabeledStatement): Stmt[] {
    const ts = this.ts;
    const labels = [node.label.text];
    let statement = node.statement;
    while (ts.isLabeledStatement(statement)) {
      labels.push(statement.label.text);
      statement = statement.statement;
    }
    if (ts.isSwitchStatement(statement))
      return this.switchStatement(statement, labels);
    if (ts.isIterationStatement(statement, /*lookInLabeledStatements*/ false))
      return this.loop(statement, labels);
    const target = this.targets.enter("block", labels);
    const body = this.statement(statement);
    const { before } = this.targets.leave(target);
    return [...before, ...structureJumps(body, this.targets.exitScope(target))];
  }

  /** A loop, of any kind, that `labels` name. */
  private loop(node: ts.IterationStatement, labels: readonly string[]): Stmt[] {
    const target = this.targets.enter("loop", labels);
    const loop = containsReturn(this.ts, node.statement)
      ? this.returningLoop(node, () => this.loopOfKind(node))
      : this.loopOfKind(node);
    const { before, after } = this.targets.leave(target);
    return [...before, ...loop, ...after];
  }

  private loopOfKind(node: ts.IterationStatement): Stmt[] {
    const ts = this.ts;
    if (ts.isForStatement(node)) return this.forStatement(node);
    if (ts.isForOfStatement(node)) return this.forOfStatement(node);
    if (ts.isWhileStatement(node)) {
      const stepping = this.steppingTest(node.expression);
      return stepping
        ? this.generalLoop(node, [], undefined, [], undefined, stepping)
        : this.generalLoop(node, [], this.expression(node.expression), []);
    }
    if (ts.isDoStatement(node))
      return this.generalLoop(node, [], undefined, [], node.expression);
    throw this.unsupported(node, "`for...in`");
  }

  /** A loop body, lowered inside its loop. */
  private iterationBody(node: ts.Statement): Stmt[] {
    const body = this.statement(node);
    return [...this.targets.iterationStart(), ...body];
  }

  /**
   * `for (let i = a; i < b; i += c)` with `i` changed only by the step, `b`
   * fixed during the loop and no `break` is a counted loop; any other `for`
   * is an initializer followed by a general loop.
   */
  private forStatement(node: ts.ForStatement): Stmt[] {
    const ts = this.ts;
    const counted = this.countedHeader(node);
    if (counted) {
      return [
        { kind: "loop", header: counted, body: this.loopBody(node.statement) },
      ];
    }
    this.noteWholeCounter(node);
    const init = node.initializer;
    const initStatements =
      init === undefined
        ? []
        : ts.isVariableDeclarationList(init)
          ? this.variables(init)
          : this.expressionStatement(init);
    const update = node.incrementor
      ? this.expressionStatement(node.incrementor)
      : [];
    const stepping = node.condition && this.steppingTest(node.condition);
    const condition =
      node.condition && !stepping ? this.expression(node.condition) : undefined;
    return [
      ...initStatements,
      ...this.generalLoop(node, [], condition, update, undefined, stepping),
    ];
  }

  /**
   * A general `for` loop's counter is whole too where it starts whole and
   * only its whole step changes it (`for (let i = 0; i + w <= n; i++)`,
   * whose end moves with `w`): `xs.slice(i)` in it needs no rounding.
   */
  private noteWholeCounter(node: ts.ForStatement): void {
    const declaration = this.counterDeclaration(node);
    if (!declaration || !node.incrementor) return;
    const counter = this.context.checker.getSymbolAtLocation(declaration.name);
    const step = counter && this.stepOf(node.incrementor, counter);
    if (
      counter &&
      step !== undefined &&
      this.isWhole(declaration.initializer) &&
      !this.changes(node.statement).assigned.has(counter) &&
      !(node.condition && this.changes(node.condition).assigned.has(counter))
    )
      this.noteCounter(counter, declaration.initializer, step);
  }

  /**
   * A counter that starts whole and changes only by its whole step is
   * whole; one that starts at a count and steps up is a count.
   */
  private noteCounter(
    counter: ts.Symbol,
    start: ts.Expression,
    step: number,
  ): void {
    this.wholeCounters.add(counter);
    if (step > 0 && this.isCount(start)) this.countCounters.add(counter);
  }

  /**
   * A loop test that steps a counter first, `n--`, `--n`, `n-- > 0`:
   * `const t = n; n = t - 1;` and a `break` where the test of `t` (`--n`:
   * of `n`) fails. The counter must be what the test evaluates first, and
   * read nowhere else in it.
   */
  private steppingTest(test: ts.Expression): Stmt[] | undefined {
    const ts = this.ts;
    test = skipWrappers(ts, test);
    let update: ts.Expression = test;
    while (
      ts.isBinaryExpression(update) &&
      comparison[update.operatorToken.kind]
    )
      update = skipWrappers(ts, update.left);
    if (
      !(
        ts.isPostfixUnaryExpression(update) ||
        ts.isPrefixUnaryExpression(update)
      ) ||
      (update.operator !== ts.SyntaxKind.PlusPlusToken &&
        update.operator !== ts.SyntaxKind.MinusMinusToken)
    )
      return undefined;
    const operand = skipWrappers(ts, update.operand);
    if (!ts.isIdentifier(operand)) return undefined;
    const counter = this.context.checker.getSymbolAtLocation(operand);
    let reads = 0;
    const count = (n: ts.Node): void => {
      if (
        ts.isIdentifier(n) &&
        this.context.checker.getSymbolAtLocation(n) === counter
      )
        reads++;
      ts.forEachChild(n, count);
    };
    count(test);
    if (reads !== 1) return undefined;
    const name = this.assignedName(operand);
    const before = this.names.fresh(`${name}_tested`);
    const prefix = ts.isPrefixUnaryExpression(update);
    this.substitutions.set(update, {
      kind: "var",
      name: prefix ? name : before,
    });
    try {
      const condition = this.expression(test);
      return [
        {
          kind: "let",
          name: before,
          value: { kind: "var", name },
          constant: true,
          origin: test,
        },
        {
          kind: "assign",
          name,
          value: {
            kind: "binary",
            op: update.operator === ts.SyntaxKind.PlusPlusToken ? "+" : "-",
            left: { kind: "var", name: before },
            right: { kind: "num", value: 1 },
          },
          origin: test,
        },
        this.breakUnless(condition),
      ];
    } finally {
      this.substitutions.delete(update);
    }
  }

  private countedHeader(
    node: ts.ForStatement,
  ): Extract<SurfaceLoopHeader, { kind: "counted" }> | undefined {
    const ts = this.ts;
    const test = node.condition && skipWrappers(ts, node.condition);
    const countDown = this.countDownHeader(node);
    if (countDown) return countDown;
    const declaration = this.counterDeclaration(node);
    if (
      !declaration ||
      !test ||
      !ts.isBinaryExpression(test) ||
      !node.incrementor
    ) {
      return undefined;
    }
    const counter = this.context.checker.getSymbolAtLocation(declaration.name);
    let left = skipWrappers(ts, test.left);
    // `i + 1 < n` is `i < n - 1`: the counter, an integer, plus a literal
    // integer, is exact either way.
    let offset: { op: "+" | "-"; value: number } | undefined;
    if (
      ts.isBinaryExpression(left) &&
      ts.isNumericLiteral(skipWrappers(ts, left.right)) &&
      Number.isInteger(Number(skipWrappers(ts, left.right).getText())) &&
      (left.operatorToken.kind === ts.SyntaxKind.PlusToken ||
        left.operatorToken.kind === ts.SyntaxKind.MinusToken)
    ) {
      offset = {
        op: left.operatorToken.kind === ts.SyntaxKind.PlusToken ? "-" : "+",
        value: Number(skipWrappers(ts, left.right).getText()),
      };
      left = skipWrappers(ts, left.left);
    }
    if (
      !ts.isIdentifier(left) ||
      this.context.checker.getSymbolAtLocation(left) !== counter
    )
      return undefined;
    const step = this.stepOf(node.incrementor, counter!);
    const op = test.operatorToken.kind;
    const upward =
      op === ts.SyntaxKind.LessThanToken ||
      op === ts.SyntaxKind.LessThanEqualsToken;
    const downward =
      op === ts.SyntaxKind.GreaterThanToken ||
      op === ts.SyntaxKind.GreaterThanEqualsToken;
    if (step === undefined || !((upward && step > 0) || (downward && step < 0)))
      return undefined;
    const { assigned, written, grown } = this.changes(node.statement);
    if (assigned.has(counter!) || this.leavesLoop(node)) return undefined;
    // The bounds must hold still: JS tests the end before each iteration,
    // and the reverse sweep evaluates both again after the loop. A bound
    // that reads a variable the body assigns, or an array (its length,
    // an element) the body writes or grows, makes a general loop, which
    // counts its iterations instead.
    // So does an end that reads the counter, or calls a function that is
    // not marked (it may return another value each time JS tests it).
    const moves = (bound: ts.Expression) =>
      this.movedBy({ assigned, written, grown }, bound);
    const endMoves =
      moves(test.right) ||
      this.readsAnyOf(test.right, new Set([counter!])) ||
      this.callsUnmarked(test.right);
    // From a start that may not be whole, the counter's values round as
    // they add up, which the reverse sweep cannot count back: a general
    // loop keeps them.
    if (
      endMoves ||
      moves(declaration.initializer) ||
      !this.isWhole(declaration.initializer)
    )
      return undefined;
    this.noteCounter(counter!, declaration.initializer, step);
    const end = this.expression(test.right);
    return {
      kind: "counted",
      counter: this.localName(declaration.name),
      start: this.expression(declaration.initializer),
      end: offset
        ? {
            kind: "binary",
            op: offset.op,
            left: end,
            right: { kind: "num", value: offset.value },
          }
        : end,
      step,
      inclusive:
        op === ts.SyntaxKind.LessThanEqualsToken ||
        op === ts.SyntaxKind.GreaterThanEqualsToken,
    };
  }

  /** `let i = a` of `for (let i = a; ...)`, the header's only declaration. */
  private counterDeclaration(node: ts.ForStatement):
    | (ts.VariableDeclaration & {
        name: ts.Identifier;
        initializer: ts.Expression;
      })
    | undefined {
    const ts = this.ts;
    const init = node.initializer;
    if (
      !init ||
      !ts.isVariableDeclarationList(init) ||
      !(init.flags & ts.NodeFlags.Let) ||
      init.declarations.length !== 1
    )
      return undefined;
    const declaration = init.declarations[0]!;
    return ts.isIdentifier(declaration.name) && declaration.initializer
      ? (declaration as ts.VariableDeclaration & {
          name: ts.Identifier;
          initializer: ts.Expression;
        })
      : undefined;
  }

  /**
   * `for (let i = n; i--; )`: the body sees `n - 1` down to 0, as in
   * `for (let i = n - 1; i >= 0; i--)`. (From a start that is no whole
   * number of at least 0, JS's loop never ends, nor does the function.)
   */
  private countDownHeader(
    node: ts.ForStatement,
  ): Extract<SurfaceLoopHeader, { kind: "counted" }> | undefined {
    const ts = this.ts;
    const test = node.condition && skipWrappers(ts, node.condition);
    const declaration = this.counterDeclaration(node);
    if (
      !declaration ||
      !test ||
      !ts.isPostfixUnaryExpression(test) ||
      test.operator !== ts.SyntaxKind.MinusMinusToken ||
      node.incrementor
    )
      return undefined;
    const operand = skipWrappers(ts, test.operand);
    if (
      !ts.isIdentifier(operand) ||
      this.context.checker.getSymbolAtLocation(operand) !==
        this.context.checker.getSymbolAtLocation(declaration.name)
    )
      return undefined;
    const changes = this.changes(node.statement);
    if (
      changes.assigned.has(
        this.context.checker.getSymbolAtLocation(operand)!,
      ) ||
      this.leavesLoop(node) ||
      this.movedBy(changes, declaration.initializer) ||
      !this.isWhole(declaration.initializer)
    )
      return undefined;
    this.wholeCounters.add(this.context.checker.getSymbolAtLocation(operand)!);
    return {
      kind: "counted",
      counter: this.localName(declaration.name),
      start: {
        kind: "binary",
        op: "-",
        left: this.expression(declaration.initializer),
        right: { kind: "num", value: 1 },
      },
      end: { kind: "num", value: 0 },
      step: -1,
      inclusive: true,
    };
  }

  /**
   * Whether `changes` (a loop body's, a callback's) change what `value`
   * reads: a variable assigned, an array written, or grown where `value`
   * reads its length.
   */
  private movedBy(
    changes: ReturnType<Lowering["changes"]>,
    value: ts.Expression,
  ): boolean {
    const { assigned, written, grown } = changes;
    return (
      this.readsAnyOf(value, assigned) ||
      this.arrayReads(value).some(({ arrays, length }) =>
        arrays.some((array) => (length ? grown : written).has(array)),
      )
    );
  }

  /** `i++`, `--i`, `i += 2`, `i -= 1` on `counter`: the integer step. */
  private stepOf(
    update: ts.Expression,
    counter: ts.Symbol,
  ): number | undefined {
    const ts = this.ts;
    update = skipWrappers(ts, update);
    const isCounter = (e: ts.Expression) =>
      ts.isIdentifier(e) &&
      this.context.checker.getSymbolAtLocation(e) === counter;
    if (
      (ts.isPrefixUnaryExpression(update) ||
        ts.isPostfixUnaryExpression(update)) &&
      isCounter(update.operand)
    ) {
      if (update.operator === ts.SyntaxKind.PlusPlusToken) return 1;
      if (update.operator === ts.SyntaxKind.MinusMinusToken) return -1;
    }
    if (
      ts.isBinaryExpression(update) &&
      isCounter(update.left) &&
      ts.isNumericLiteral(update.right)
    ) {
      const amount = Number(update.right.text);
      if (!Number.isInteger(amount) || amount === 0) return undefined;
      if (update.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken)
        return amount;
      if (update.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken)
        return -amount;
    }
    return undefined;
  }

  /**
   * `for (const v of xs)`: a counted loop over the indices of `xs`;
   * `for (const [i, v] of xs.entries())` names the index too.
   */
  private forOfStatement(node: ts.ForOfStatement): Stmt[] {
    const ts = this.ts;
    const list = node.initializer;
    const entries = this.entriesOf(node);
    const iterable = entries?.array ?? skipWrappers(ts, node.expression);
    const declarations = ts.isVariableDeclarationList(list)
      ? list.declarations
      : [];
    const declared = declarations.length === 1 ? declarations[0] : undefined;
    // `for...of` takes the array once; `h` is the last of its steps.
    const stepped = this.steppedRow(iterable);
    if (
      (stepped || (ts.isIdentifier(iterable) && this.holdsData(iterable))) &&
      this.assignedSymbols(node.statement).has(
        this.context.checker.getSymbolAtLocation(iterable)!,
      )
    ) {
      throw this.unsupported(
        node.expression,
        stepped
          ? "a `for...of` over an array variable the loop gives a new array (loop over a copy: `const start = h.slice(); for (const v of start)`)"
          : `a \`for...of\` over an array variable the loop gives a new array (name the array it starts with: \`const start = ${iterable.getText()}; for (... of start)\`)`,
      );
    }
    if (
      declared &&
      !entries &&
      !ts.isIdentifier(declared.name) &&
      !(
        ts.isArrayBindingPattern(declared.name) &&
        this.kindOf(iterable) === "matrix"
      ) &&
      // Records' fields, tuples' elements.
      !(ts.isObjectBindingPattern(declared.name) && this.holdsData(iterable)) &&
      !(ts.isArrayBindingPattern(declared.name) && this.holdsTuples(iterable))
    ) {
      throw this.unsupported(
        declared.name,
        "this destructuring in a `for...of` (name the element, `for (const row of m)`, and read `row[0]`, `row[1]`; or the index and the element of `entries()`, `for (const [i, row] of m.entries())`)",
      );
    }
    // `for (const row of data.X)`: the field's array, named first; and
    // `for (const v of xs.filter(p))`, the array built first.
    const field = ts.isPropertyAccessExpression(iterable);
    const built = builds(this.arrays, iterable);
    // `for (const h of [0.1, 0.2])`: the numbers, named first.
    const literal =
      ts.isArrayLiteralExpression(iterable) &&
      this.kindOf(iterable) === "array";
    if (
      !declared ||
      !(ts.isIdentifier(iterable) || field || built || literal) ||
      (this.kindOf(iterable) === "none" &&
        !this.isIntegerArray(iterable) &&
        !this.holdsData(iterable)) ||
      this.kindOf(iterable) === "number" ||
      node.awaitModifier
    ) {
      throw this.unsupported(
        node,
        "this `for...of` (write `for (const x of xs)` over a variable or a field holding an array of numbers, a matrix, or an array of records or strings, or loop over the indices: `for (let i = 0; i < xs.length; i++)`)",
      );
    }
    const named: Stmt[] = [];
    const source: Iterated = built
      ? builtArray(this.arrays, iterable, named)!
      : literal
        ? { array: this.namedBefore(named, iterable, "values"), indices: [] }
        : field
          ? {
              array: this.namedBefore(named, iterable, iterable.name.text),
              indices: [],
              rows: this.kindOf(iterable) === "matrix" ? iterable : undefined,
              data: this.holdsData(iterable) ? iterable : undefined,
            }
          : this.iterated(iterable);
    // The index the pattern names is the counter (a `const`: never written).
    const counter = entries?.index
      ? this.localName(entries.index)
      : this.names.fresh("i");
    const at: Expr[] = [...source.indices, { kind: "var", name: counter }];
    const variable = entries ? entries.element : declared.name;
    const element = variable
      ? this.bindElement(variable, source, at, list)
      : [];
    const body = [...element, ...this.iterationBody(node.statement)];
    const length: Expr = { kind: "length", ...source };
    if (!this.leavesLoop(node)) {
      return [
        ...named,
        {
          kind: "loop",
          header: {
            kind: "counted",
            counter,
            start: { kind: "num", value: 0 },
            end: length,
            step: 1,
            inclusive: false,
          },
          body: structureJumps(body, this.targets.loopScope(undefined)),
        },
      ];
    }
    const index: Expr = { kind: "var", name: counter };
    return [
      ...named,
      {
        kind: "let",
        name: counter,
        value: { kind: "num", value: 0 },
        constant: false,
        origin: node,
      },
      ...this.generalLoopOf(
        node,
        body,
        { kind: "compare", op: "<", left: index, right: length },
        [
          {
            kind: "assign",
            name: counter,
            value: {
              kind: "binary",
              op: "+",
              left: index,
              right: { kind: "num", value: 1 },
            },
            origin: node,
          },
        ],
      ),
    ];
  }

  /**
   * The array `for...of`, `map`, `reduce` and `forEach` go over: a
   * variable's, a row of a matrix (`for (const v of row)`, `m[i].map(...)`),
   * or any expression holding data (`data.points`).
   */
  private iterated(node: ts.Expression): Iterated {
    const ts = this.ts;
    if (this.holdsData(node))
      return { array: this.expression(node), indices: [], data: node };
    const rows =
      ts.isIdentifier(node) && this.kindOf(node) === "matrix"
        ? node
        : undefined;
    if (ts.isElementAccessExpression(node)) return this.arrayPath(node);
    return {
      ...(this.rowOf(node) ?? { array: this.expression(node), indices: [] }),
      rows,
    };
  }

  /**
   * Names `variable` the element of `source` at `at`: a row of a matrix,
   * a name for `m[i]`; a number, a `const`; an element of data, a `const`
   * read as data, its fields (`{ x, y }`) or a tuple's elements
   * (`[a, b]`) each a `const`.
   */
  private bindElement(
    variable: ts.Identifier | ts.BindingPattern,
    source: Iterated,
    at: readonly Expr[],
    origin: ts.Node,
  ): Stmt[] {
    const ts = this.ts;
    // Records, strings: the element, read as data.
    const element =
      source.data && this.dataElement(source.array, at.at(-1)!, variable);
    // `for (const { x, y } of points)`: the element's fields.
    if (source.data && element && ts.isObjectBindingPattern(variable))
      return this.recordFields(
        variable,
        element,
        `${source.data.getText()}[i]`,
        /*constant*/ true,
      );
    if (ts.isObjectBindingPattern(variable)) {
      throw this.unsupported(
        variable,
        "this destructuring (name the fields of records, `{ x, y }`, in an array of records)",
      );
    }
    if (ts.isArrayBindingPattern(variable)) {
      // `[x, y]` of a row, or of pairs (`[point, label]`): its elements,
      // read in turn.
      const simple = variable.elements.every(
        (e) =>
          ts.isOmittedExpression(e) ||
          (ts.isIdentifier(e.name) && !e.dotDotDotToken && !e.initializer),
      );
      // (A record, a string, a `Set` is no tuple: JS would iterate it.)
      const tuples = source.data !== undefined && this.holdsTuples(source.data);
      if (!(source.rows || tuples) || !simple) {
        throw this.unsupported(
          variable,
          "this destructuring (name the elements of a matrix's rows or of tuples, `[x, y]`, without defaults or rest)",
        );
      }
      return variable.elements.flatMap((e, k): Stmt[] => {
        if (!ts.isBindingElement(e)) return [];
        const position: Expr = { kind: "num", value: k };
        return [
          {
            kind: "let",
            name: this.localName(e.name as ts.Identifier),
            value: element
              ? this.dataElement(element, position, e)
              : {
                  kind: "index",
                  array: source.array,
                  indices: [...at, position],
                },
            constant: true,
            origin,
          },
        ];
      });
    }
    if (element)
      return [
        {
          kind: "let",
          name: this.localName(variable),
          value: element,
          constant: true,
          origin,
        },
      ];
    if (source.rows) {
      this.rows.set(this.context.checker.getSymbolAtLocation(variable)!, {
        array: source.array,
        indices: at,
        matrix: source.rows,
      });
      return [];
    }
    return [
      {
        kind: "let",
        name: this.localName(variable),
        value: { kind: "index", array: source.array, indices: at },
        constant: true,
        origin,
      },
    ];
  }

  /**
   * `for (const [i, v] of xs.entries())`, `xs` an array variable, the
   * pattern one or two names (`[, v]`, `[i]`): `xs` and the names. Not
   * `let`: `i` is the loop's counter, and `v` may name `xs[i]` itself.
   */
  private entriesOf(node: ts.ForOfStatement):
    | {
        array: ts.Expression;
        index?: ts.Identifier;
        element?: ts.Identifier;
      }
    | undefined {
    const ts = this.ts;
    const call = skipWrappers(ts, node.expression);
    const list = node.initializer;
    if (
      !ts.isCallExpression(call) ||
      call.arguments.length > 0 ||
      !ts.isPropertyAccessExpression(call.expression) ||
      call.expression.name.text !== "entries" ||
      !(
        this.isArrayKind(call.expression.expression) ||
        this.holdsData(call.expression.expression)
      ) ||
      !ts.isVariableDeclarationList(list) ||
      // `i` is the counter: the body may not write it.
      !(list.flags & ts.NodeFlags.Const) ||
      list.declarations.length !== 1
    ) {
      return undefined;
    }
    const pattern = list.declarations[0]!.name;
    if (!ts.isArrayBindingPattern(pattern) || pattern.elements.length > 2)
      return undefined;
    const names = pattern.elements.map((e) =>
      ts.isBindingElement(e) &&
      ts.isIdentifier(e.name) &&
      !e.initializer &&
      !e.dotDotDotToken
        ? e.name
        : ts.isOmittedExpression(e)
          ? undefined
          : null,
    );
    if (names.includes(null)) return undefined;
    return {
      array: skipWrappers(ts, call.expression.expression),
      index: names[0] ?? undefined,
      element: names[1] ?? undefined,
    };
  }

  /**
   * A loop with a `while` header. `break` sets a flag that ends the loop
   * (so there is one exit); `continue` skips the rest of the body but not
   * `update`; a `do...while` tests `postTest` after the body.
   */
  private generalLoop(
    node: ts.IterationStatement,
    before: Stmt[],
    condition: Expr | undefined,
    update: Stmt[],
    postTest?: ts.Expression,
    steppingTest: Stmt[] = [],
  ): Stmt[] {
    const body = [...steppingTest, ...this.iterationBody(node.statement)];
    const check: Stmt[] = postTest
      ? (this.steppingTest(postTest) ?? [
          this.breakUnless(this.expression(postTest)),
        ])
      : [];
    return [
      ...before,
      ...this.generalLoopOf(node, body, condition, [...check, ...update]),
    ];
  }

  private breakUnless(condition: Expr): Stmt {
    return { kind: "if", test: condition, then: [], else: [{ kind: "break" }] };
  }

  private generalLoopOf(
    node: ts.Node,
    body: Stmt[],
    condition: Expr | undefined,
    update: Stmt[],
  ): Stmt[] {
    const hasBreak = [...body, ...update].some((s) =>
      jumps(s, (jump) => jump.kind === "break"),
    );
    const flag = hasBreak ? this.names.fresh("done") : undefined;
    const flagRead: Expr | undefined = flag
      ? { kind: "var", name: flag }
      : undefined;
    const scope = this.targets.loopScope(flag);
    const structuredUpdate = structureJumps(update, scope);
    const guardedUpdate: Stmt[] =
      flagRead && structuredUpdate.length > 0
        ? [{ kind: "if", test: flagRead, then: [], else: structuredUpdate }]
        : structuredUpdate;
    const notDone: Expr | undefined = flagRead && {
      kind: "not",
      operand: flagRead,
    };
    // `while (true)` with a `break` tests `!done` alone.
    const always = condition?.kind === "bool" && condition.value;
    const test: Expr =
      notDone && condition && !always
        ? { kind: "logical", op: "&&", left: notDone, right: condition }
        : (notDone ?? condition ?? { kind: "bool", value: true });
    return [
      ...(flag
        ? [
            {
              kind: "let" as const,
              name: flag,
              value: { kind: "bool" as const, value: false },
              constant: false,
              origin: node,
            },
          ]
        : []),
      {
        kind: "loop",
        header: { kind: "while", condition: test },
        body: [...structureJumps(body, scope), ...guardedUpdate],
      },
    ];
  }

  private loopBody(node: ts.Statement): Stmt[] {
    return structureJumps(
      this.iterationBody(node),
      this.targets.loopScope(undefined),
    );
  }

  /** Set while lowering a loop that contains `return`. */
  private returnSlot: { flag: string; value: string } | undefined;

  /**
   * A loop containing `return`: the `return` sets a flag and the value and
   * breaks out; after the loop, the outermost one returns the value, inner
   * ones break on:
   *
   *   for (...) { if (c) return v; }   ->   let returned = false; let value = 0;
   *                                          for (...) { if (c) { value = v;
   *                                            returned = true; break; } }
   *                                          if (returned) return value;
   */
  private returningLoop(
    node: ts.IterationStatement,
    lower: () => Stmt[],
  ): Stmt[] {
    const outermost = this.returnSlot === undefined;
    const slot = (this.returnSlot ??= {
      flag: this.names.fresh("returned"),
      value: this.names.fresh("returnValue"),
    });
    const loop = lower();
    if (outermost) this.returnSlot = undefined;
    const flag: Expr = { kind: "var", name: slot.flag };
    const after: Stmt = {
      kind: "if",
      test: flag,
      then: outermost
        ? [{ kind: "return", value: { kind: "var", name: slot.value } }]
        : [{ kind: "break" }],
      else: [],
    };
    const setup: Stmt[] = outermost
      ? [
          {
            kind: "let",
            name: slot.flag,
            value: { kind: "bool", value: false },
            constant: false,
            origin: node,
          },
          // A number (a loop returns no arrays), read only once set: kept
          // on the stack of numbers, not as a `number | undefined`.
          {
            kind: "let",
            name: slot.value,
            value: { kind: "num", value: 0 },
            constant: false,
            origin: node,
          },
        ]
      : [];
    return [...setup, ...loop, after];
  }

  /**
   * Whether a jump in `loop`'s body leaves it: a `break` of it (labelled
   * or not), a `break` or `continue` naming a statement around it, a
   * `return`. Such a loop runs as a general loop with a `done` flag.
   */
  private leavesLoop(loop: ts.IterationStatement): boolean {
    const ts = this.ts;
    const own = new Set<string>();
    for (let p = loop.parent; ts.isLabeledStatement(p); p = p.parent)
      own.add(p.label.text);
    /** `nested`: inside a loop or `switch` in the body; `inner`: labels declared in the body around the node. */
    const visit = (
      n: ts.Node,
      nested: boolean,
      inner: ReadonlySet<string>,
    ): boolean => {
      if (ts.isReturnStatement(n)) return true;
      if (ts.isFunctionLike(n)) return false;
      if (ts.isBreakOrContinueStatement(n)) {
        const label = n.label?.text;
        const isBreak = n.kind === ts.SyntaxKind.BreakStatement;
        if (label === undefined) return isBreak && !nested;
        return !inner.has(label) && (isBreak || !own.has(label));
      }
      const innerHere = ts.isLabeledStatement(n)
        ? new Set([...inner, n.label.text])
        : inner;
      const nestedHere =
        nested || ts.isIterationStatement(n, false) || ts.isSwitchStatement(n);
      return (
        ts.forEachChild(
          n,
          (c) => visit(c, nestedHere, innerHere) || undefined,
        ) ?? false
      );
    };
    return visit(loop.statement, false, new Set());
  }

  /**
   * Runs `visit` on each change in `node`, `skipped` left out, until one
   * returns true, and returns that one: an assignment or `++`/`--`, with
   * its target, or a call of a method that changes the array it is
   * called on (`grows`), with that array.
   */
  private findChange(
    node: ts.Node,
    visit: (change: ts.Node, target: ts.Expression, grows: boolean) => boolean,
    skipped?: ts.Node,
  ): ts.Node | undefined {
    const ts = this.ts;
    const find = (n: ts.Node): ts.Node | undefined => {
      if (n === skipped) return undefined;
      const found =
        ts.isBinaryExpression(n) && isAssignment(ts, n.operatorToken.kind)
          ? visit(n, n.left, false)
          : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
              (n.operator === ts.SyntaxKind.PlusPlusToken ||
                n.operator === ts.SyntaxKind.MinusMinusToken)
            ? visit(n, n.operand, false)
            : ts.isCallExpression(n) &&
                ts.isPropertyAccessExpression(n.expression) &&
                GROWING_METHODS.has(n.expression.name.text)
              ? visit(n, n.expression.expression, true)
              : false;
      return found ? n : ts.forEachChild(n, find);
    };
    return find(node);
  }

  /** Symbols of the variables `node` assigns to. */
  private assignedSymbols(node: ts.Node): Set<ts.Symbol> {
    return this.changes(node).assigned;
  }

  /**
   * What `node` changes: the variables it assigns, and the arrays it
   * writes an element of (`a[i] = v`, `m[i][j] += v`) or grows
   * (`a.push(v)`), with the arrays they are rows of. (A write past the end
   * grows an array too, and is not in `grown`: the reverse sweep undoes it,
   * length included, as it goes back, so a length bound it reads again
   * is the one the forward loop saw; see arrays/write-past-end,
   * `growsItsBound` and `growsItsStart`.)
   */
  private changes(node: ts.Node): {
    assigned: Set<ts.Symbol>;
    written: Set<ts.Symbol>;
    grown: Set<ts.Symbol>;
  } {
    const ts = this.ts;
    const assigned = new Set<ts.Symbol>();
    const written = new Set<ts.Symbol>();
    const grown = new Set<ts.Symbol>();
    const change = (target: ts.Expression) => {
      target = skipWrappers(ts, target);
      if (ts.isArrayLiteralExpression(target)) {
        target.elements.forEach(change);
      } else if (ts.isElementAccessExpression(target)) {
        this.arraysOf(target).forEach((a) => written.add(a));
      } else if (ts.isIdentifier(target)) {
        const symbol = this.context.checker.getSymbolAtLocation(target);
        if (symbol) assigned.add(symbol);
      }
    };
    this.findChange(node, (_, target, grows) => {
      if (!grows) change(target);
      else
        for (const a of this.arraysOf(target)) {
          grown.add(a);
          written.add(a);
        }
      return false;
    });
    return { assigned, written, grown };
  }

  /**
   * The arrays `node` reads, each with what it is a row or alias of, and
   * whether only its length is read (`a.length`, `m[i].length`).
   */
  private arrayReads(
    node: ts.Node,
  ): { arrays: ts.Symbol[]; length: boolean }[] {
    const ts = this.ts;
    if (ts.isIdentifier(node)) {
      let read: ts.Node = node;
      while (
        (ts.isElementAccessExpression(read.parent) &&
          read.parent.expression === read) ||
        ts.isNonNullExpression(read.parent) ||
        ts.isParenthesizedExpression(read.parent) ||
        ts.isAsExpression(read.parent) ||
        ts.isSatisfiesExpression(read.parent)
      )
        read = read.parent;
      const length =
        ts.isPropertyAccessExpression(read.parent) &&
        read.parent.expression === read &&
        read.parent.name.text === "length";
      return [{ arrays: this.arraysOf(node), length }];
    }
    const found: { arrays: ts.Symbol[]; length: boolean }[] = [];
    ts.forEachChild(node, (child) => {
      found.push(...this.arrayReads(child));
    });
    return found;
  }

  /**
   * The variable at the root of `e` (`m` in `m[i][j]`), and the arrays it
   * is a row or an alias of, following `const r = m[i]` and
   * `for (const r of m)`.
   */
  private arraysOf(e: ts.Expression, depth = 0): ts.Symbol[] {
    const ts = this.ts;
    let root = skipWrappers(ts, e);
    while (ts.isElementAccessExpression(root))
      root = skipWrappers(ts, root.expression);
    if (ts.isArrayLiteralExpression(root))
      return root.elements.flatMap((element) => this.arraysOf(element, depth));
    const symbol = ts.isIdentifier(root)
      ? this.context.checker.getSymbolAtLocation(root)
      : undefined;
    if (!symbol) return [];
    const declaration = symbol.valueDeclaration;
    const initializer =
      declaration && ts.isVariableDeclaration(declaration)
        ? declaration.initializer && skipWrappers(ts, declaration.initializer)
        : undefined;
    const source =
      initializer &&
      (ts.isIdentifier(initializer) ||
        ts.isElementAccessExpression(initializer))
        ? initializer
        : declaration &&
            ts.isVariableDeclaration(declaration) &&
            ts.isForOfStatement(declaration.parent.parent)
          ? declaration.parent.parent.expression
          : undefined;
    return source && depth < 8
      ? [symbol, ...this.arraysOf(source, depth + 1)]
      : [symbol];
  }

  private readsAnyOf(node: ts.Node, symbols: ReadonlySet<ts.Symbol>): boolean {
    const ts = this.ts;
    if (ts.isIdentifier(node)) {
      const symbol = this.context.checker.getSymbolAtLocation(node);
      return symbol !== undefined && symbols.has(symbol);
    }
    return (
      ts.forEachChild(
        node,
        (child) => this.readsAnyOf(child, symbols) || undefined,
      ) ?? false
    );
  }

  private variables(list: ts.VariableDeclarationList): Stmt[] {
    const ts = this.ts;
    if (!(list.flags & ts.NodeFlags.BlockScoped)) {
      throw this.unsupported(list, "`var` declarations (use `let` or `const`)");
    }
    const constant = (list.flags & ts.NodeFlags.Const) !== 0;
    return list.declarations.flatMap((d): Stmt[] => {
      // Given new arrays later: the last of its steps (see `steps`).
      if (
        ts.isIdentifier(d.name) &&
        d.initializer &&
        !constant &&
        this.kindOf(d.name) === "array" &&
        this.assignedSymbols(this.fn).has(
          this.context.checker.getSymbolAtLocation(d.name)!,
        )
      )
        return this.steps(d.name, d.initializer, d);
      const fill =
        d.initializer && this.filling(skipWrappers(ts, d.initializer));
      if (
        ts.isIdentifier(d.name) &&
        fill &&
        !(ts.isNumericLiteral(fill.value) && Number(fill.value.text) === 0)
      )
        return this.filled(this.localName(d.name), fill, constant, d);
      if (
        ts.isIdentifier(d.name) &&
        d.initializer &&
        isArrayFrom(this.arrays, skipWrappers(ts, d.initializer))
      ) {
        return lowerArrayFrom(
          this.arrays,
          this.localName(d.name),
          skipWrappers(ts, d.initializer) as ts.CallExpression,
          this.kindOf(d.name),
          constant,
          d,
        );
      }
      // `const total = xs.reduce(...)`: the sum in `total` itself, and so
      // for `const found = xs.some(...)`.
      const looped =
        d.initializer &&
        arrayMethod(this.arrays, skipWrappers(ts, d.initializer));
      if (
        ts.isIdentifier(d.name) &&
        looped &&
        (looped === "reduce" || isSearchMethod(looped))
      ) {
        const name = this.localName(d.name);
        const call = skipWrappers(ts, d.initializer!) as ts.CallExpression;
        return this.hoisting(() =>
          looped === "reduce"
            ? lowerArrayReduce(this.arrays, name, call)
            : lowerArraySearch(this.arrays, name, call, looped),
        );
      }
      const parts = d.initializer && spreadParts(this.arrays, d.initializer);
      if (ts.isIdentifier(d.name) && parts) {
        this.requireNumbers(d.name, `${d.name.text}: number[] = [...xs, y]`);
        return lowerSpread(
          this.arrays,
          this.localName(d.name),
          parts,
          constant,
          d,
        );
      }
      if (
        ts.isIdentifier(d.name) &&
        (looped === "map" || looped === "filter")
      ) {
        const name = this.localName(d.name);
        const call = skipWrappers(ts, d.initializer!) as ts.CallExpression;
        return looped === "map"
          ? lowerArrayMap(
              this.arrays,
              name,
              call,
              this.kindOf(d.name),
              constant,
              d,
            )
          : lowerArrayFilter(this.arrays, name, call, constant, d);
      }
      const row = d.initializer && skipWrappers(ts, d.initializer);
      if (
        ts.isIdentifier(d.name) &&
        row &&
        ts.isArrayLiteralExpression(row) &&
        this.kindOf(d.name) === "matrix"
      ) {
        // Row copies and marked calls' elements in it go first.
        const name = this.localName(d.name);
        return this.hoisting(() =>
          lowerMatrixLiteral(this.arrays, name, row, constant, d),
        );
      }
      if (
        ts.isIdentifier(d.name) &&
        row &&
        ts.isArrayLiteralExpression(row) &&
        row.elements.length === 0 &&
        this.kindOf(d.name) === "none"
      ) {
        // `const t = []` is typed by what is pushed later: at the
        // declaration tsad cannot tell a vector from a matrix.
        const type = this.context.checker.typeToString(
          this.context.checker.getTypeAtLocation(d.name),
        );
        throw new DiffError(
          d,
          DiagnosticCode.UntypedValue,
          d.type
            ? `tsad cannot differentiate '${d.name.text}', an array of type '${type}': its arrays are \`number[]\`, \`Float64Array\` and \`Float32Array\`, and its matrices \`number[][]\`. Make it a \`number[][]\` (push rows as copies: \`m.push(row.slice())\`).`
            : `tsad needs to know what '${d.name.text}' holds, but an empty array's type is '${type}' where it is declared. Annotate it (\`const ${d.name.text}: number[] = []\`, or \`number[][]\` for rows).`,
        );
      }
      if (ts.isIdentifier(d.name) && row && this.isSliceOfRange(row))
        return this.hoisting(() =>
          this.sliceOfRange(
            this.localName(d.name as ts.Identifier),
            row,
            constant,
            d,
          ),
        );
      const copied = row && this.copiedRow(row);
      if (ts.isIdentifier(d.name) && copied) {
        return lowerRowCopy(
          this.localName(d.name),
          copied,
          constant,
          d,
          this.names.fresh("k"),
        );
      }
      if (
        ts.isIdentifier(d.name) &&
        row &&
        ts.isElementAccessExpression(row) &&
        this.isArrayKind(row)
      ) {
        if (!constant)
          throw this.unsupported(
            d,
            "a row of a matrix in a `let` (use `const`)",
          );
        // `const row = data.M[i]` names the field's matrix first.
        return this.hoisting(() =>
          this.nameRow(d as typeof d & { name: ts.Identifier }, row),
        );
      }

      if (ts.isIdentifier(d.name)) {
        const id = d.name;
        if (d.initializer) this.shared.bind(id, d.initializer, d);
        return this.hoisting(() => [
          {
            kind: "let",
            name: this.localName(id),
            value: d.initializer && this.expression(d.initializer),
            constant,
            origin: d,
          },
        ]);
      }
      if (ts.isArrayBindingPattern(d.name) && d.initializer) {
        const literal = skipWrappers(ts, d.initializer);
        const targets = d.name.elements.map((element, i) => {
          if (ts.isOmittedExpression(element)) return undefined;
          if (
            !ts.isIdentifier(element.name) ||
            element.dotDotDotToken ||
            element.initializer
          ) {
            const source = d.initializer!.getText();
            throw this.unsupported(
              element,
              element.dotDotDotToken
                ? `a rest element in destructuring (take the rest as a copy: \`const ${element.name.getText()} = ${source}.slice(${i})\`)`
                : element.initializer
                  ? `a default in array destructuring (read the element and choose: \`const v = ${source}[${i}] ?? ${element.initializer.getText()}\`)`
                  : "a nested pattern in array destructuring (destructure each part in a declaration of its own)",
            );
          }
          const value =
            ts.isArrayLiteralExpression(literal) && literal.elements[i];
          if (value) this.shared.bind(element.name, value, element);
          return this.localName(element.name);
        });
        return this.destructure(d.initializer, targets, (name, value) => ({
          kind: "let",
          name,
          value,
          constant,
          origin: d,
        }));
      }
      if (ts.isObjectBindingPattern(d.name) && d.initializer) {
        const pattern = d.name;
        const source = d.initializer;
        const named =
          ts.isIdentifier(skipWrappers(ts, source)) ||
          ts.isPropertyAccessExpression(skipWrappers(ts, source));
        return this.hoisting(() =>
          this.recordFields(
            pattern,
            this.expression(source),
            named ? skipWrappers(ts, source).getText() : "o",
            constant,
          ),
        );
      }
      throw this.unsupported(d, "this declaration");
    });
  }

  /**
   * `const { a, b: c, d = 3 } = o` -> `const a = o.a; const c = o.b;
   * const d = o.d === undefined ? 3 : o.d`, `o` read once. Numbers, and
   * arrays without a default, named as `const t = data.t` names them (the
   * name is bound to the field's array: shared-arrays.ts, and
   * unmarked-array-arguments.ts's `aliasOf`); not records. `object` may
   * be `undefined` where `o` is a parameter defaulting to `{}`: its fields
   * read as `undefined` (`o?.a`). `recordText`: `o` as written, for
   * messages; `undefined` for a parameter's pattern.
   */
  private recordFields(
    pattern: ts.ObjectBindingPattern,
    object: Expr,
    recordText: string | undefined,
    constant: boolean,
    mayBeUndefined = false,
  ): Stmt[] {
    const ts = this.ts;
    const setup: Stmt[] = [];
    if (object.kind !== "var" && object.kind !== "verbatim") {
      const name = this.names.fresh("record");
      setup.push({
        kind: "let",
        name,
        value: object,
        constant: true,
        origin: pattern,
      });
      object = { kind: "var", name };
    }
    const fields = pattern.elements.flatMap((element): Stmt[] => {
      const key = element.propertyName ?? element.name;
      if (
        element.dotDotDotToken ||
        !ts.isIdentifier(element.name) ||
        !(ts.isIdentifier(key) || ts.isStringLiteral(key))
      ) {
        throw this.unsupported(
          element,
          "this destructuring pattern (name each field: `const { a, b: c, d = 3 } = o`)",
        );
      }
      const name = this.localName(element.name);
      const access = `${recordText ?? "options"}.${key.text}`;
      // `const { X } = data` names the array as `const X = data.X` does.
      if (this.isArrayKind(element.name) && !element.initializer) {
        this.shared.bindField(element.name, access, element);
        const value: Expr = {
          kind: "member",
          object,
          key: key.text,
          numeric: false,
          optional: mayBeUndefined,
          node: element,
        };
        return [{ kind: "let", name, value, constant, origin: element }];
      }
      // A string or a boolean (a mode, a flag) is data, as a number is.
      const numeric = this.isNumber(element.name);
      if (!numeric && !this.isTextOrFlag(element.name)) {
        const array = this.isArrayKind(element.name);
        // A parameter's pattern has no name to read the field through.
        const named =
          recordText === undefined
            ? `name the parameter, \`options: ${(pattern.parent as ts.ParameterDeclaration).type?.getText() ?? "Options"}\` without a default, and `
            : "";
        // An array's default would choose between arrays.
        const orDefault =
          element.initializer && !array
            ? ` ?? ${element.initializer.getText()}`
            : "";
        throw this.unsupported(
          element,
          `destructuring ${array ? "an array with a default value" : "a field that is neither a number, a string, a boolean nor an array of numbers"} (${named}read it as a field instead: \`const ${element.name.text} = ${access}${orDefault}\`)`,
        );
      }
      const read: Expr = {
        kind: "member",
        object,
        key: key.text,
        numeric,
        nullable: mayBeUndefined || element.initializer !== undefined,
        optional: mayBeUndefined,
        node: element,
      };
      if (!element.initializer)
        return [{ kind: "let", name, value: read, constant, origin: element }];
      // The field is read once, as JS does, then its default applied.
      const field = this.names.fresh(key.text);
      const fieldValue: Expr = { kind: "var", name: field };
      return [
        {
          kind: "let",
          name: field,
          value: read,
          constant: true,
          origin: element,
        },
        {
          kind: "let",
          name,
          value: orDefault(
            fieldValue,
            this.conditionally(() => this.expression(element.initializer!)),
            "undefined",
          ),
          constant,
          origin: element,
        },
      ];
    });
    return [...setup, ...fields];
  }

  /**
   * What to write for a record parameter's default (`opts: Options = {}`),
   * in its own names: `{ lr = 0.1 }: Options = {}`, or `opts.lr ?? 0.1`.
   */
  private recordDefaultAdvice(name: ts.Identifier): string {
    const parameter = name.parent as ts.ParameterDeclaration;
    const type = parameter.type?.getText() ?? "Options";
    const field =
      this.context.checker
        .getTypeAtLocation(name)
        .getNonNullableType()
        .getProperties()[0]?.name ?? "k";
    return `a record parameter's default value (destructure it in the parameter list, \`{ ${field} = ... }: ${type} = {}\`, and the defaults of its fields apply; or leave the default out and read \`${name.text}.${field} ?? ...\`)`;
  }

  /**
   * For `opts?.lr` of an optional record parameter (`opts?: Options`),
   * what to write instead: its fields destructured, with defaults.
   */
  private optionalRecordAdvice(node: ts.Expression): string {
    const ts = this.ts;
    if (!ts.isPropertyAccessExpression(node)) return "";
    const holder = skipWrappers(ts, node.expression);
    const parameter = ts.isIdentifier(holder)
      ? this.context.checker.getSymbolAtLocation(holder)?.valueDeclaration
      : undefined;
    if (!parameter || !ts.isParameter(parameter)) return "";
    const type = parameter.type?.getText() ?? "Options";
    return ` (destructure the record in the parameter list, with a default for each field and \`{}\` for the record: \`{ ${node.name.text} = ... }: ${type} = {}\`)`;
  }

  /**
   * Whether `node` holds strings or booleans only (or `undefined`): data
   * that carries no derivative, whatever happens to it; never a number.
   */
  private isTextOrFlag(node: ts.Node): boolean {
    const { TypeFlags } = this.ts;
    return this.everyPart(
      node,
      TypeFlags.StringLike |
        TypeFlags.BooleanLike |
        TypeFlags.Undefined |
        TypeFlags.Null,
    );
  }

  /** Whether each type `node` may have (of a union, each part) is one of `flags`. */
  private everyPart(node: ts.Node, flags: ts.TypeFlags): boolean {
    const type = this.context.checker.getTypeAtLocation(node);
    return (type.isUnion() ? type.types : [type]).every(
      (part) => (part.flags & flags) !== 0,
    );
  }

  /** `[a, b] = [e1, e2]`: every element is read before any is written. */
  private destructure<Target>(
    source: ts.Expression,
    targets: readonly (Target | undefined)[],
    write: (target: Target, value: Expr) => Stmt,
  ): Stmt[] {
    const ts = this.ts;
    const literal = skipWrappers(ts, source);
    const reads: Stmt[] = [];
    const writes: Stmt[] = [];
    /** Every element is read (into a temporary) before any is written. */
    const readInTurn = (element: (i: number) => [Expr, ts.Node]) =>
      targets.forEach((target, i) => {
        if (target === undefined) return;
        const temporary = this.names.fresh("t");
        const [value, origin] = element(i);
        reads.push({
          kind: "let",
          name: temporary,
          value,
          constant: true,
          origin,
        });
        writes.push(write(target, { kind: "var", name: temporary }));
      });
    const kind = this.kindOf(literal);
    // `const [x, y] = P[i]`, or of a row named `const p = P[i]`: its elements.
    const row =
      kind === "array"
        ? ts.isElementAccessExpression(literal) &&
          this.kindOf(literal.expression) === "matrix"
          ? this.arrayPath(literal)
          : this.rowOf(literal)
        : undefined;
    if (row) {
      const { array } = row;
      // Each index once, as JS takes the row once (`P[next()]`).
      const indices = row.indices.map((index): Expr => {
        if (index.kind === "var" || index.kind === "num") return index;
        const name = this.names.fresh("index");
        reads.push({
          kind: "let",
          name,
          value: index,
          constant: true,
          origin: literal,
        });
        return { kind: "var", name };
      });
      readInTurn((i) => [
        {
          kind: "index",
          array,
          indices: [...indices, { kind: "num", value: i }],
        },
        literal,
      ]);
    } else if (ts.isArrayLiteralExpression(literal)) {
      if (literal.elements.length < targets.length)
        throw this.unsupported(
          source,
          "destructuring more names than the array literal has elements",
        );
      readInTurn((i) => {
        const element = literal.elements[i]!;
        return [this.expression(element), element];
      });
    } else if (kind === "array" || kind === "float64" || kind === "float32") {
      // `const [a, b] = v`, `= f(x)`: a value computed first, once.
      let array = this.expression(literal);
      if (array.kind !== "var" && array.kind !== "verbatim") {
        const name = this.names.fresh("t");
        reads.push({
          kind: "let",
          name,
          value: array,
          constant: true,
          origin: literal,
        });
        array = { kind: "var", name };
      }
      readInTurn((i) => [
        { kind: "index", array, indices: [{ kind: "num", value: i }] },
        literal,
      ]);
    } else {
      throw this.unsupported(
        source,
        "destructuring anything but an array literal or a vector",
      );
    }
    return [...reads, ...writes];
  }

  private expressionStatement(node: ts.Expression): Stmt[] {
    return this.hoisting(() => this.expressionStatementOf(node));
  }

  private expressionStatementOf(node: ts.Expression): Stmt[] {
    const ts = this.ts;
    node = skipWrappers(ts, node);
    if (isArrayMethod(this.arrays, node, "forEach"))
      return lowerArrayForEach(this.arrays, node);
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "forEach"
    )
      throw this.unsupported(
        node,
        "`forEach` over this (call it on an array of numbers, a matrix or a row, or an array of records or strings)",
      );
    const pushedCopy = this.pushedRowCopy(node);
    if (pushedCopy) return pushedCopy;
    const filled = this.filledInPlace(node);
    if (filled) return filled;
    const chain = this.assignmentChain(node);
    if (chain) return chain;
    const counted = this.countedIndex(node);
    const write = this.arrayWrite(node);
    if (write) return [...counted, write];
    if (ts.isBinaryExpression(node)) {
      const kind = node.operatorToken.kind;
      // `i++, s *= x` (a `for` header's update): one statement after the other.
      if (kind === ts.SyntaxKind.CommaToken)
        return [
          ...this.expressionStatement(node.left),
          ...this.expressionStatement(node.right),
        ];
      if (kind === ts.SyntaxKind.EqualsToken) {
        const stepped = this.steppedRow(node.left);
        if (stepped) return this.nextStep(stepped, node.right, node);
        if (ts.isArrayLiteralExpression(node.left)) {
          // `[a[i], a[j]] = [a[j], a[i]]`: each target in turn, as in JS.
          const targets = node.left.elements.map((e) =>
            ts.isOmittedExpression(e) ? undefined : skipWrappers(ts, e),
          );
          // From a vector, JS reads each element as it writes the one
          // before: a target may be an element of the vector itself.
          if (
            !ts.isArrayLiteralExpression(skipWrappers(ts, node.right)) &&
            targets.some((t) => t && ts.isElementAccessExpression(t))
          ) {
            throw this.unsupported(
              node,
              "destructuring a vector into elements (write them one at a time: `y[1] = v[0];`)",
            );
          }
          return this.destructure(node.right, targets, (target, value) =>
            this.assignTo(target, value, node),
          );
        }
        return [
          {
            kind: "assign",
            name: this.assignedName(node.left),
            value: this.expression(node.right),
            origin: node,
          },
        ];
      }
      const op = compound[kind];
      if (op) {
        const name = this.assignedName(node.left);
        return [
          {
            kind: "assign",
            name,
            value: this.arithmetic(
              op,
              { kind: "var", name },
              this.expression(node.right),
              node,
            ),
            origin: node,
          },
        ];
      }
      // `k ??= 2`: `k = k ?? 2`, which assigns `k` itself otherwise.
      if (
        kind === ts.SyntaxKind.QuestionQuestionEqualsToken &&
        ts.isIdentifier(skipWrappers(ts, node.left)) &&
        !this.isArrayKind(node.left)
      ) {
        this.requireNullableVariable(node.left, node.operatorToken);
        const name = this.assignedName(node.left);
        return [
          {
            kind: "assign",
            name,
            value: orDefault(
              { kind: "var", name },
              this.conditionally(() => this.expression(node.right)),
              "nullish",
            ),
            origin: node,
          },
        ];
      }
      // `m >>= 1`: an int32, whose derivative is 0 (see `binary`).
      const bitOp = compoundBitwise[kind];
      if (bitOp) {
        const name = this.assignedName(node.left);
        return [
          {
            kind: "assign",
            name,
            value: {
              kind: "inactiveBinary",
              op: bitOp,
              left: { kind: "var", name },
              right: this.expression(node.right),
            },
            origin: node,
          },
        ];
      }
    }
    if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken ||
        node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      const name = this.assignedName(node.operand);
      const op = node.operator === ts.SyntaxKind.PlusPlusToken ? "+" : "-";
      return [
        {
          kind: "assign",
          name,
          value: {
            kind: "binary",
            op,
            left: { kind: "var", name },
            right: { kind: "num", value: 1 },
          },
          origin: node,
        },
      ];
    }
    if (ts.isCallExpression(node))
      return [{ kind: "effect", value: this.expression(node) }];
    throw this.unsupported(node, expressionStatementHint(ts, node));
  }

  /** `value` given to a local variable or an element (`m[i][j]`). */
  private assignTo(target: ts.Expression, value: Expr, origin: ts.Node): Stmt {
    const ts = this.ts;
    if (ts.isElementAccessExpression(target)) {
      const { array, indices } = this.elementTarget(target, origin);
      return this.setElement(target, array, indices, value, origin);
    }
    return { kind: "assign", name: this.assignedName(target), value, origin };
  }

  /**
   * `a = b = v`, `m[i][j] = m[j][i] = v`: `v` once, then each target from
   * the last. JS finds each target's element before it assigns any, so an
   * index may not read what the chain assigns.
   */
  private assignmentChain(node: ts.Expression): Stmt[] | undefined {
    const ts = this.ts;
    const isAssignment = (e: ts.Expression): e is ts.BinaryExpression =>
      ts.isBinaryExpression(e) &&
      e.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    const targets: ts.Expression[] = [];
    let value: ts.Expression = node;
    while (isAssignment(value)) {
      targets.push(skipWrappers(ts, value.left));
      value = skipWrappers(ts, value.right);
    }
    if (targets.length < 2) return undefined;
    const assigned = new Set(
      targets.map((target) => {
        let root = target;
        while (ts.isElementAccessExpression(root))
          root = skipWrappers(ts, root.expression);
        if (!ts.isIdentifier(root))
          throw this.unsupported(node, "this chain of assignments");
        return root.text;
      }),
    );
    // Only numbers and arithmetic on variables: an element read or a call
    // could reach what the chain assigns through another name.
    const readsAssigned = (e: ts.Expression): boolean => {
      if (ts.isIdentifier(e)) return assigned.has(e.text);
      if (ts.isNumericLiteral(e)) return false;
      if (ts.isParenthesizedExpression(e)) return readsAssigned(e.expression);
      if (ts.isPrefixUnaryExpression(e) && arithmetic[e.operator])
        return readsAssigned(e.operand);
      if (ts.isBinaryExpression(e) && arithmetic[e.operatorToken.kind])
        return readsAssigned(e.left) || readsAssigned(e.right);
      return true;
    };
    for (const target of targets) {
      let access = target;
      while (ts.isElementAccessExpression(access)) {
        if (readsAssigned(access.argumentExpression)) {
          throw this.unsupported(
            access.argumentExpression,
            "an index in a chain of assignments other than numbers and arithmetic on variables the chain does not assign (assign one at a time)",
          );
        }
        access = skipWrappers(ts, access.expression);
      }
    }
    const name = this.names.fresh("t");
    return [
      {
        kind: "let",
        name,
        value: this.expression(value),
        constant: true,
        origin: value,
      },
      ...targets
        .reverse()
        .map((target) => this.assignTo(target, { kind: "var", name }, node)),
    ];
  }

  /**
   * `out[k++] = v`, `hist[k++]++`: the index counted before the write,
   * `k` taken into a temporary first (`k++`) or after (`++k`); the rest of
   * the write reads the temporary for it, and `v` sees `k` counted, as in
   * JS.
   */
  private countedIndex(node: ts.Expression): Stmt[] {
    const ts = this.ts;
    const target =
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
        ? node.left
        : (ts.isPostfixUnaryExpression(node) ||
              ts.isPrefixUnaryExpression(node)) &&
            isCounting(ts, node)
          ? node.operand
          : undefined;
    if (!target) return [];
    const indices: ts.Expression[] = [];
    let access = skipWrappers(ts, target);
    while (ts.isElementAccessExpression(access)) {
      indices.push(skipWrappers(ts, access.argumentExpression));
      access = skipWrappers(ts, access.expression);
    }
    const index = indices.find(
      (e): e is ts.PostfixUnaryExpression | ts.PrefixUnaryExpression =>
        (ts.isPostfixUnaryExpression(e) || ts.isPrefixUnaryExpression(e)) &&
        isCounting(ts, e),
    );
    if (!index) return [];
    const operand = skipWrappers(ts, index.operand);
    if (!ts.isIdentifier(operand)) return [];
    // JS reads the other indices in their turn, before or after counting:
    // they may not read the counter at all.
    const readsCounter = (e: ts.Node): boolean =>
      (ts.isIdentifier(e) && e.text === operand.text) ||
      (ts.forEachChild(e, (child) => readsCounter(child) || undefined) ??
        false);
    const other = [...indices.filter((e) => e !== index), access];
    if (other.some(readsCounter)) {
      throw this.unsupported(
        node,
        "another index reading the counter that `++`/`--` counts in this one (count it in a statement of its own)",
      );
    }
    const counter = this.assignedName(operand);
    const op = index.operator === ts.SyntaxKind.PlusPlusToken ? "+" : "-";
    const count: Stmt = {
      kind: "assign",
      name: counter,
      value: {
        kind: "binary",
        op,
        left: { kind: "var", name: counter },
        right: { kind: "num", value: 1 },
      },
      origin: index,
    };
    const name = this.names.fresh(counter);
    const take: Stmt = {
      kind: "let",
      name,
      value: { kind: "var", name: counter },
      constant: true,
      origin: index,
    };
    this.substitutions.set(index, { kind: "var", name });
    return ts.isPostfixUnaryExpression(index) ? [take, count] : [count, take];
  }

  /**
   * A new array: a literal, `new Array(k).fill(0)`, a `.slice()` copy, a
   * marked call's result, or one `map`, `filter`, a spread or `concat` builds.
   */
  private isFresh(e: ts.Expression): boolean {
    const ts = this.ts;
    e = skipWrappers(ts, e);
    return (
      ts.isArrayLiteralExpression(e) ||
      this.isBuiltArray(e) ||
      (ts.isCallExpression(e) &&
        ((ts.isPropertyAccessExpression(e.expression) &&
          ["fill", "slice"].includes(e.expression.name.text)) ||
          resolveMarkedCallee(ts, this.context.checker, e.expression) !==
            undefined))
    );
  }

  /**
   * Whether `row`, pushed onto a matrix by `push`, is a local array built
   * for it: made fresh, declared in the loop iteration (or callback call)
   * that pushes it, so each push has an array of its own, used by its own
   * name only for its elements, its length and pushes (no other name for
   * it), and not used after the push. A copy of it is then the same as
   * the array itself.
   */
  private builtRow(row: ts.Expression, push: ts.Node): boolean {
    const ts = this.ts;
    if (!ts.isIdentifier(row) || !this.isLocal(row)) return false;
    const symbol = this.context.checker.getSymbolAtLocation(row);
    const declaration = symbol?.valueDeclaration;
    if (
      !declaration ||
      !ts.isVariableDeclaration(declaration) ||
      !declaration.initializer ||
      !this.isFresh(declaration.initializer)
    )
      return false;
    for (let at: ts.Node = push; at !== this.fn; at = at.parent)
      if (
        (ts.isIterationStatement(at, false) || ts.isFunctionLike(at)) &&
        !contains(at, declaration)
      )
        return false;
    const ownUse = (id: ts.Identifier) => {
      const { parent } = id;
      return (
        id === declaration.name ||
        id === row ||
        (ts.isElementAccessExpression(parent) && parent.expression === id) ||
        (ts.isPropertyAccessExpression(parent) &&
          parent.expression === id &&
          ["length", "push"].includes(parent.name.text))
      );
    };
    let shared = false;
    const visit = (node: ts.Node): void => {
      if (
        ts.isIdentifier(node) &&
        this.context.checker.getSymbolAtLocation(node) === symbol &&
        (node.pos >= push.end || !ownUse(node))
      )
        shared = true;
      if (!shared) ts.forEachChild(node, visit);
    };
    visit(this.fn);
    return !shared;
  }

  /** The array and indices an element write writes, if it may. */
  private elementTarget(
    target: ts.ElementAccessExpression,
    node: ts.Node,
  ): { array: Expr; indices: readonly Expr[] } {
    const ts = this.ts;
    const written = skipWrappers(ts, target.expression);
    if (this.holdsData(written)) {
      throw this.unsupported(
        node,
        `writing into '${written.getText()}' (an array of records, strings or booleans, read as data: change it outside the @differentiable function)`,
      );
    }
    const path = this.arrayPath(target);
    let root = skipWrappers(ts, target.expression);
    while (ts.isElementAccessExpression(root))
      root = skipWrappers(ts, root.expression);
    if (this.isIntegerArray(root)) {
      throw this.unsupported(
        node,
        "writing into a typed array of integers, which tsad reads as indices only (compute the index in a variable, or write into a `number[]`)",
      );
    }
    this.writableArray(this.rowOf(root)?.matrix ?? root);
    if (this.kindOf(target) !== "number") {
      throw this.unsupported(
        node,
        "writing a whole row of a matrix (write its elements: `m[i][j] = v`)",
      );
    }
    return path;
  }

  /**
   * `a[i] = v`, `target` lowered; `a[a.length] = v` is `a.push(v)` on a
   * `number[]`, and does nothing on a typed array, whose length is fixed.
   */
  private setElement(
    target: ts.ElementAccessExpression,
    array: Expr,
    indices: readonly Expr[],
    value: Expr,
    origin: ts.Node,
  ): Stmt {
    const [index] = indices;
    const pastTheEnd =
      index?.kind === "length" &&
      index.indices.length === 0 &&
      index.array.kind === "var" &&
      array.kind === "var" &&
      index.array.name === array.name;
    if (pastTheEnd && this.kindOf(target.expression) !== "array") {
      throw this.unsupported(
        origin,
        "writing past the end of a typed array, which does nothing: its length is fixed (allocate it one longer, or use a `number[]`)",
      );
    }
    if (pastTheEnd) return { kind: "append", array, value, origin };
    return { kind: "store", array, indices, value, mode: "set", origin };
  }

  /**
   * `a[i] = v`, `a[i] += v`, `a[i] -= v`, `a[i] *= v`, `a.push(v)` on a
   * local array; `undefined` for anything else.
   */
  private arrayWrite(node: ts.Expression): Stmt | undefined {
    const ts = this.ts;
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "push" &&
      this.isArrayKind(node.expression.expression)
    ) {
      const list = skipWrappers(ts, node.expression.expression);
      if (this.steppedRow(list)) {
        throw this.unsupported(
          node,
          `\`push\` onto '${list.getText()}', which the function also gives new arrays (\`${list.getText()} = next\`) (make each one at its full length instead: \`new Array(n).fill(0)\`, a literal)`,
        );
      }
      if (this.rowOf(list)) {
        throw this.unsupported(
          node,
          "`push` onto a row of a matrix (give the matrix its rows' lengths when you allocate it)",
        );
      }
      const array = this.writableArray(node.expression.expression);
      if (
        node.arguments.length !== 1 ||
        ts.isSpreadElement(node.arguments[0]!)
      ) {
        throw this.unsupported(node, "`push` with other than one argument");
      }
      const row = skipWrappers(ts, node.arguments[0]!);
      if (this.kindOf(list) === "matrix" && this.builtRow(row, node)) {
        // No code sees the row again: the matrix may have a copy.
        return {
          kind: "append",
          array,
          value: { kind: "copy", array: this.expression(row) },
          origin: node,
        };
      }
      if (this.kindOf(list) === "matrix" && !this.isFresh(row)) {
        // The matrix would share the row with the variable.
        throw this.unsupported(
          node,
          "`push` onto a matrix of a row other code still uses (push a literal, `new Array(k).fill(0)`, a row built in the same loop iteration and not used after the push, or a copy: `m.push(row.slice())`)",
        );
      }
      return {
        kind: "append",
        array,
        value: this.expression(node.arguments[0]!),
        origin: node,
      };
    }
    // `a[i]++` and `a[i]--` are `a[i] += 1` and `a[i] += -1`.
    const increment =
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken ||
        node.operator === ts.SyntaxKind.MinusMinusToken)
        ? node
        : undefined;
    if (!increment && !ts.isBinaryExpression(node)) return undefined;
    const target = skipWrappers(
      ts,
      increment ? increment.operand : (node as ts.BinaryExpression).left,
    );
    if (!ts.isElementAccessExpression(target)) return undefined;
    const { array, indices } = this.elementTarget(target, node);
    const value: Expr = increment
      ? {
          kind: "num",
          value: increment.operator === ts.SyntaxKind.PlusPlusToken ? 1 : -1,
        }
      : this.expression((node as ts.BinaryExpression).right);
    const operator = increment
      ? ts.SyntaxKind.PlusEqualsToken
      : (node as ts.BinaryExpression).operatorToken.kind;
    const element: Expr = { kind: "index", array, indices };
    switch (operator) {
      case ts.SyntaxKind.EqualsToken:
        return this.setElement(target, array, indices, value, node);
      case ts.SyntaxKind.PlusEqualsToken:
        return {
          kind: "store",
          array,
          indices,
          value,
          mode: "add",
          origin: node,
        };
      case ts.SyntaxKind.MinusEqualsToken:
        return {
          kind: "store",
          array,
          indices,
          value: { kind: "neg", operand: value },
          mode: "add",
          origin: node,
        };
      default: {
        const op = compound[operator];
        if (!op)
          throw this.unsupported(node, "this assignment to an array element");
        return {
          kind: "store",
          array,
          indices,
          value: { kind: "binary", op, left: element, right: value },
          mode: "set",
          origin: node,
        };
      }
    }
  }

  /**
   * `a.fill(v);` of a local vector: `v` once, then a loop storing it in
   * each element (a write as `a[k] = v` is, checked as `push` is).
   */
  private filledInPlace(node: ts.Expression): Stmt[] | undefined {
    const ts = this.ts;
    if (
      !ts.isCallExpression(node) ||
      !ts.isPropertyAccessExpression(node.expression) ||
      node.expression.name.text !== "fill" ||
      !isVector(this.kindOf(node.expression.expression)) ||
      this.isAllocation(skipWrappers(ts, node.expression.expression))
    )
      return undefined;
    const list = skipWrappers(ts, node.expression.expression);
    const [value, ...rest] = node.arguments;
    if (!value || rest.length > 0 || ts.isSpreadElement(value)) {
      throw this.unsupported(
        node,
        "`fill` with a start or an end (write the loop out)",
      );
    }
    if (this.steppedRow(list) || this.rowOf(list) || !ts.isIdentifier(list)) {
      throw this.unsupported(
        node,
        "`fill` of a row or of an array variable given new arrays (write the loop out: `for (let k = 0; k < a.length; k++) a[k] = v`)",
      );
    }
    return this.storeEach(this.writableArray(list), value, node, "filler");
  }

  /** `m.push(m[i].slice())`: the copy first, in a variable of its own. */
  private pushedRowCopy(node: ts.Expression): Stmt[] | undefined {
    const ts = this.ts;
    if (
      !ts.isCallExpression(node) ||
      !ts.isPropertyAccessExpression(node.expression) ||
      node.expression.name.text !== "push" ||
      node.arguments.length !== 1
    ) {
      return undefined;
    }
    const copied = this.copiedRow(skipWrappers(ts, node.arguments[0]!));
    if (!copied) return undefined;
    const array = this.writableArray(node.expression.expression);
    const copy = this.names.fresh("row");
    return [
      ...lowerRowCopy(copy, copied, true, node, this.names.fresh("k")),
      {
        kind: "append",
        array,
        value: { kind: "var", name: copy },
        origin: node,
      },
    ];
  }

  /** `value` in a new variable named like `hint`, added to `before`. */
  private namedBefore(
    before: Stmt[],
    value: ts.Expression,
    hint: string,
  ): Expr {
    const name = this.names.fresh(hint);
    if (before === this.hoist?.before) this.noteHoisted(value);
    before.push({
      kind: "let",
      name,
      value: this.expression(value),
      constant: true,
      origin: value,
    });
    return { kind: "var", name };
  }

  /** An `Int32Array` or another typed array of integers, read as indices. */
  private isIntegerArray(node: ts.Expression): boolean {
    const name = this.context.checker
      .getTypeAtLocation(node)
      .getSymbol()
      ?.getName();
    return name !== undefined && INTEGER_ARRAYS.has(name);
  }

  private isArrayKind(node: ts.Expression): boolean {
    const kind = this.kindOf(node);
    return kind !== "number" && kind !== "none";
  }

  /** A local array the function may write: not a parameter, which is the caller's. */
  private writableArray(node: ts.Expression): Expr {
    const ts = this.ts;
    if (ts.isIdentifier(node) && !this.isLocal(node)) {
      throw new DiffError(
        node,
        DiagnosticCode.CapturedWrite,
        `'${node.text}' is declared outside this function: writing into it is a side effect the derivative code cannot see. Write into a local copy (\`const copy = ${this.copyOf(node)}\`).`,
      );
    }
    if (!ts.isIdentifier(node)) {
      throw this.unsupported(
        node,
        "writing into an array that is not a local variable",
      );
    }
    const declaration =
      this.context.checker.getSymbolAtLocation(node)?.valueDeclaration;
    if (declaration && ts.isParameter(declaration)) {
      throw new DiffError(
        node,
        DiagnosticCode.CapturedWrite,
        `'${node.text}' is a parameter: writing into it changes the caller's array, a side effect the derivative code cannot see. Write into a copy (\`const copy = ${this.copyOf(node)}\`).`,
      );
    }
    this.shared.requireWritable(node);
    return { kind: "var", name: this.localName(node) };
  }

  /** The local variable an assignment writes. */
  private assignedName(target: ts.Expression): string {
    const ts = this.ts;
    target = skipWrappers(ts, target);
    const root = accessRoot(ts, target);
    if (ts.isIdentifier(root) && !this.isLocal(root)) {
      throw new DiffError(
        target,
        DiagnosticCode.CapturedWrite,
        `'${root.text}' is declared outside this function: writing to it is a side effect the derivative code cannot see. Return the value instead, or move the write out of the @differentiable function.`,
      );
    }
    if (ts.isIdentifier(target)) {
      if (this.isArrayKind(target)) {
        const name = target.text;
        const declaration =
          this.context.checker.getSymbolAtLocation(target)?.valueDeclaration;
        if (
          declaration &&
          ts.isVariableDeclaration(declaration) &&
          !declaration.initializer
        ) {
          throw new DiffError(
            target,
            DiagnosticCode.UnsupportedSyntax,
            `tsad cannot differentiate giving the array '${name}' its value after its declaration yet. Put the choice in a @differentiable function of its own that returns the array from each branch (\`if (k) return f(z); return g(z);\`), and declare '${name}' with its call.`,
          );
        }
        const other = name === "next" ? "updated" : "next";
        throw new DiffError(
          target,
          DiagnosticCode.UnsupportedSyntax,
          `tsad cannot differentiate giving '${name}' a new array here yet: only a \`number[]\` declared with \`let\` and a value may be given new arrays (\`let h = x; h = layer(W, h);\`). Make it one, or keep one array and write its elements: \`${this.kindOf(target) === "matrix" ? `for (let i = 0; i < ${name}.length; i++) for (let j = 0; j < ${name}[i].length; j++) ${name}[i][j] = ${other}[i][j];` : `for (let i = 0; i < ${name}.length; i++) ${name}[i] = ${other}[i];`}\`.`,
        );
      }
      return this.localName(target);
    }
    throw this.unsupported(
      target,
      ts.isPropertyAccessExpression(target) && target.name.text === "length"
        ? `setting the length of '${target.expression.getText()}' (make the shorter array a copy: \`const part = ${target.expression.getText()}.slice(0, n)\`)`
        : "assigning to anything but a local variable",
    );
  }

  /** The unique name of a local variable: its own, unless that is taken. */
  private localName(id: ts.Identifier): string {
    const symbol = this.context.checker.getSymbolAtLocation(id)!;
    let name = this.uniqueNames.get(symbol);
    if (name === undefined) {
      // A local named like a derivative (`g__jvp`) would hide it.
      name =
        this.claimed.has(id.text) || id.text.includes("__")
          ? this.names.fresh(id.text)
          : id.text;
      this.claimed.add(name);
      this.uniqueNames.set(symbol, name);
    }
    return name;
  }

  /** Declared inside the marked function (parameters included). */
  private isLocal(id: ts.Identifier): boolean {
    let local = this.locals.get(id);
    if (local === undefined) {
      const declaration =
        this.context.checker.getSymbolAtLocation(id)?.valueDeclaration;
      local =
        declaration !== undefined &&
        declaration.getSourceFile() === this.fn.getSourceFile() &&
        declaration.pos >= this.fn.pos &&
        declaration.end <= this.fn.end;
      this.locals.set(id, local);
    }
    return local;
  }

  /** `isLocal`'s answers: the lowering asks again of most names. */
  private readonly locals = new Map<ts.Identifier, boolean>();

  private isNumber(node: ts.Expression): boolean {
    return this.kindOf(node) === "number";
  }

  /** Whether `node`'s type admits `undefined` or `null`. */
  private isNullable(node: ts.Expression): boolean {
    return this.admitsNullish(this.context.checker.getTypeAtLocation(node));
  }

  private admitsNullish(type: ts.Type): boolean {
    const nullish = this.ts.TypeFlags.Undefined | this.ts.TypeFlags.Null;
    return type.isUnion()
      ? type.types.some((t) => t.flags & nullish)
      : (type.flags & nullish) !== 0;
  }

  /** A value, or the elements of an array, that may be `undefined` or `null`. */
  private mayHoldNullish(node: ts.Expression): boolean {
    const type = this.context.checker.getTypeAtLocation(node);
    return (
      this.admitsNullish(type) ||
      (this.context.checker.isArrayType(type) && this.nullableElements(type))
    );
  }

  /** Whether the elements of an array of `type` may be `undefined` or `null`. */
  private nullableElements(type: ts.Type): boolean {
    const [element] = this.context.checker.getTypeArguments(
      type as ts.TypeReference,
    );
    return element !== undefined && this.admitsNullish(element);
  }

  /**
   * `node` is an array of values that are no numbers, read as data and
   * never differentiated: records, strings, booleans (`pts: Point[]`,
   * `names: readonly string[]`), arrays of those. Not what may hold a
   * number (`any`, `number | string`, a type parameter that may be one)
   * nor anything indexed by numbers but arrays (typed arrays).
   */
  private holdsData(node: ts.Expression): boolean {
    let known = this.dataArrays.get(node);
    if (known === undefined) {
      known = this.isDataArray(node);
      this.dataArrays.set(node, known);
    }
    return known;
  }

  /** `holdsData`'s answers: `for...of` and the methods ask several times. */
  private readonly dataArrays = new Map<ts.Expression, boolean>();

  /** `holdsData`, asked anew. */
  private isDataArray(node: ts.Expression): boolean {
    // Arrays of numbers (most element reads) have a kind.
    if (this.kindOf(node) !== "none") return false;
    const ts = this.ts;
    const { checker } = this.context;
    const number = checker.getNumberType();
    // A type met again (`type Json = string | Json[]`) adds nothing: the
    // answer is whether all of them are data.
    const seen = new Set<ts.Type>();
    const isData = (type: ts.Type): boolean => {
      if (seen.has(type)) return true;
      seen.add(type);
      if (type.flags & ts.TypeFlags.TypeParameter) {
        const constraint = checker.getBaseConstraintOfType(type);
        return constraint !== undefined && constraint !== type
          ? isData(constraint)
          : false;
      }
      if (type.isUnion()) return type.types.every(isData);
      if (
        type.flags &
        (ts.TypeFlags.StringLike |
          ts.TypeFlags.BooleanLike |
          ts.TypeFlags.Null |
          ts.TypeFlags.Undefined)
      )
        return true;
      // `number & { brand }`, and `{}`, `Object`, `Number`, which a
      // number is, hold numbers.
      if (type.isIntersection())
        return (
          // `string & { brand }` is a string.
          type.types.some(
            (t) =>
              t.flags & (ts.TypeFlags.StringLike | ts.TypeFlags.BooleanLike),
          ) ||
          type.types.every(
            (t) => (t.flags & ts.TypeFlags.Object) !== 0 && isData(t),
          )
        );
      if (
        !(type.flags & ts.TypeFlags.Object) ||
        checker.isTypeAssignableTo(number, type)
      )
        return false;
      if (checker.isArrayType(type) || checker.isTupleType(type))
        return isArrayOfData(type);
      return !checker.getIndexInfoOfType(type, ts.IndexKind.Number);
    };
    const isArrayOfData = (type: ts.Type) =>
      checker.getTypeArguments(type as ts.TypeReference).every(isData);
    const type = checker.getTypeAtLocation(node);
    return (
      (checker.isArrayType(type) || checker.isTupleType(type)) &&
      isArrayOfData(type)
    );
  }

  /**
   * `node` holds data whose elements are tuples or arrays
   * (`[Point, string][]`): `[a, b]` names their elements.
   */
  private holdsTuples(node: ts.Expression): boolean {
    const { checker } = this.context;
    const indexed = (t: ts.Type) =>
      checker.isArrayType(t) || checker.isTupleType(t);
    return (
      this.holdsData(node) &&
      checker
        .getTypeArguments(checker.getTypeAtLocation(node) as ts.TypeReference)
        .every((element) =>
          (element.isUnion() ? element.types : [element]).every(indexed),
        )
    );
  }

  /** A copy of the array `node`, a matrix's of each row. */
  private copyOf(node: ts.Expression): string {
    const text = node.getText();
    return this.kindOf(node) === "matrix"
      ? `${text}.map((row) => row.slice())`
      : `${text}.slice()`;
  }

  /** `number[][][]`: an array of matrices. */
  private threeDimensional(type: ts.Type): boolean {
    const { checker } = this.context;
    let depth = 0;
    for (
      let t: ts.Type | undefined = type;
      t && checker.isArrayType(t);
      t = checker.getTypeArguments(t as ts.TypeReference)[0]
    )
      depth++;
    return depth >= 3;
  }

  /** The error for an array whose elements' type is not `number` (`any[]`), if `node` is one. */
  private untypedElements(node: ts.Expression): DiffError | undefined {
    const { checker } = this.context;
    const type = checker.getTypeAtLocation(node);
    if (this.kindOf(node) !== "none" || !checker.isArrayType(type))
      return undefined;
    return new DiffError(
      node,
      DiagnosticCode.UntypedValue,
      `tsad needs to know the elements of '${node.getText()}' are numbers, but its type is '${checker.typeToString(type)}'. ${this.nullableElements(type) ? "Make it a `number[]`: elements that may be `undefined` or `null` are not numbers." : this.threeDimensional(type) ? "Arrays of three or more dimensions are not supported: keep it flat in a `Float64Array`, indexed `t[(i * m + j) * n + k]`." : "Annotate it (for example `const e: number[] = new Array(n).fill(0)`)."}`,
    );
  }

  /**
   * `\`loss ${s} at ${i}\``, for a log: `"loss " + s + " at " + i`, the
   * same string where each value is a number, a string, a boolean,
   * `undefined` or `null` (an object's `+` may call `valueOf` where the
   * template calls `toString`). It starts with the text before the first
   * value, `""` too, so that each `+` joins strings.
   */
  private template(node: ts.TemplateExpression): Expr {
    const ts = this.ts;
    const text = (value: string): Expr => ({
      kind: "verbatim",
      node: ts.factory.createStringLiteral(value),
    });
    let joined = text(node.head.text);
    for (const span of node.templateSpans) {
      if (
        !this.everyPart(
          span.expression,
          ts.TypeFlags.NumberLike |
            ts.TypeFlags.StringLike |
            ts.TypeFlags.BooleanLike |
            ts.TypeFlags.Undefined |
            ts.TypeFlags.Null,
        )
      ) {
        throw this.unsupported(
          span.expression,
          `a template string of '${span.expression.getText()}', which is not a number, a string or a boolean (give the value to \`console.log\` as an argument of its own: \`console.log("loss", s)\`)`,
        );
      }
      joined = {
        kind: "inactiveBinary",
        op: "+",
        left: joined,
        right: this.expression(span.expression),
      };
      if (span.literal.text !== "") {
        joined = {
          kind: "inactiveBinary",
          op: "+",
          left: joined,
          right: text(span.literal.text),
        };
      }
    }
    return joined;
  }

  private isBoolean(node: ts.Expression): boolean {
    const type = this.context.checker.getTypeAtLocation(node);
    return (type.flags & this.ts.TypeFlags.BooleanLike) !== 0;
  }

  private arithmetic(
    op: BinaryOp,
    left: Expr,
    right: Expr,
    node: ts.Expression,
  ): Expr {
    if (this.isNumber(node)) return { kind: "binary", op, left, right };
    const type = this.context.checker.getTypeAtLocation(node);
    if (op === "+" && type.flags & this.ts.TypeFlags.StringLike) {
      return { kind: "inactiveBinary", op: "+", left, right };
    }
    throw new DiffError(
      node,
      DiagnosticCode.UntypedValue,
      `tsad needs to know this value is a number, but its type is '${this.context.checker.typeToString(type)}'. Annotate the variables involved (for example \`const e: number[] = new Array(n).fill(0)\`).`,
    );
  }

  /**
   * A vector an expression builds, which `hoistedBuilt` builds first:
   * `[a, ...xs]`, `xs.concat(ys)`, `xs.map(f)`, `xs.filter(p)`.
   */
  private isBuiltArray(node: ts.Expression): boolean {
    // A spread of other than numbers too, for `requireNumbers` to report.
    return (
      spreadParts(this.arrays, node) !== undefined || builds(this.arrays, node)
    );
  }

  /** That `node` is a `number[]`, as an array built by spreading must be. */
  private requireNumbers(node: ts.Node, example: string): void {
    const kind = this.kindOf(node as ts.Expression);
    if (kind === "array") return;
    if (kind === "matrix") {
      throw this.unsupported(
        node,
        "spreading rows into a matrix, which shares them (copy each row: `m.map((row) => row.slice())`)",
      );
    }
    const type = this.context.checker.getTypeAtLocation(node);
    throw new DiffError(
      node,
      DiagnosticCode.UntypedValue,
      `tsad needs to know this array holds numbers, but its type is '${this.context.checker.typeToString(type)}'. Spread arrays of numbers into it, and annotate it if need be (\`${example}\`).`,
    );
  }

  /** Whether the type of `node` is an integer literal (`const N = 128`). */
  private isInteger(node: ts.Expression): boolean {
    const type = this.context.checker.getTypeAtLocation(node);
    return type.isNumberLiteral() && Number.isInteger(type.value);
  }

  private expression(node: ts.Expression): Expr {
    const ts = this.ts;
    const computed = this.substitutions.get(skipWrappers(ts, node));
    if (computed) return computed;
    if (
      (ts.isPropertyAccessExpression(node) ||
        ts.isElementAccessExpression(node) ||
        ts.isCallExpression(node)) &&
      node.questionDotToken
    ) {
      throw this.unsupported(
        node,
        `optional chaining (\`?.\`)${this.optionalRecordAdvice(node)}`,
      );
    }
    switch (node.kind) {
      case ts.SyntaxKind.NumericLiteral:
        return { kind: "num", value: Number((node as ts.NumericLiteral).text) };
      case ts.SyntaxKind.Identifier: {
        const id = node as ts.Identifier;
        if (id.text === "undefined") return { kind: "undefined" };
        const stepped = this.steppedRow(id);
        // A marked function cannot change what it is given, nor the
        // caller what is returned: a copy of the step, or of a row a
        // `for...of` or `map` names, is the same.
        const markedArgument = this.isMarkedArgument(id);
        if (
          stepped &&
          (ts.isReturnStatement(withWrappers(ts, id).parent) || markedArgument)
        )
          return this.hoistedRowCopy(id, stepped);
        const row = this.rowOf(id);
        if (row && markedArgument) return this.hoistedRowCopy(id, row);
        if (row) {
          // A `let` given new arrays is the last row of the matrix of
          // its values (`steps`), a detail of tsad's the message hides.
          throw this.unsupported(
            id,
            `${stepped ? `'${id.text}', an array variable given new arrays,` : "a row of a matrix"} as a value, beyond its elements, its length and \`for...of\` (copy it first: \`const copy = ${id.text}.slice()\`)`,
          );
        }
        if (this.isLocal(id)) return { kind: "var", name: this.localName(id) };
        requireFixedOuterVariable(this.context, id);
        return { kind: "verbatim", node: id, integer: this.isInteger(id) };
      }
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
      case ts.SyntaxKind.NullKeyword:
        return { kind: "verbatim", node };
      case ts.SyntaxKind.TrueKeyword:
        return { kind: "bool", value: true };
      case ts.SyntaxKind.FalseKeyword:
        return { kind: "bool", value: false };
      case ts.SyntaxKind.ParenthesizedExpression:
      case ts.SyntaxKind.AsExpression:
      case ts.SyntaxKind.SatisfiesExpression:
      case ts.SyntaxKind.NonNullExpression:
      case ts.SyntaxKind.TypeAssertionExpression:
        return this.expression((node as ts.ParenthesizedExpression).expression);
      case ts.SyntaxKind.PrefixUnaryExpression:
        return this.prefixUnary(node as ts.PrefixUnaryExpression);
      case ts.SyntaxKind.BinaryExpression:
        return this.binary(node as ts.BinaryExpression);
      case ts.SyntaxKind.ConditionalExpression: {
        const c = node as ts.ConditionalExpression;
        if (this.isArrayKind(c)) {
          // Its adjoint would go to whichever array was chosen.
          throw this.unsupported(
            c,
            "choosing between arrays with `? :` (choose between their elements: `c ? x[i] : y[i]`)",
          );
        }
        if (this.hoist && this.conditionalDepth === 0) {
          const test = this.expression(c.condition);
          const whenTrue = this.branchOf(c.whenTrue);
          const whenFalse = this.branchOf(c.whenFalse);
          if (whenTrue.before.length > 0 || whenFalse.before.length > 0)
            return this.hoistedChoice(c, test, whenTrue, whenFalse);
          joinHoist(this.hoist, whenTrue.hoist);
          joinHoist(this.hoist, whenFalse.hoist);
          return {
            kind: "cond",
            test,
            whenTrue: whenTrue.value,
            whenFalse: whenFalse.value,
          };
        }
        return {
          kind: "cond",
          test: this.expression(c.condition),
          whenTrue: this.conditionally(() => this.expression(c.whenTrue)),
          whenFalse: this.conditionally(() => this.expression(c.whenFalse)),
        };
      }
      case ts.SyntaxKind.CallExpression:
        return this.call(node as ts.CallExpression);
      case ts.SyntaxKind.PropertyAccessExpression:
        return this.propertyAccess(node as ts.PropertyAccessExpression);
      case ts.SyntaxKind.PostfixUnaryExpression:
        throw new DiffError(
          node,
          DiagnosticCode.UnsupportedOperator,
          "tsad cannot differentiate `++`/`--` inside an expression. Write it as its own statement (`x += 1;`).",
        );
      case ts.SyntaxKind.ElementAccessExpression:
        return this.elementAccess(node as ts.ElementAccessExpression);
      case ts.SyntaxKind.ArrowFunction:
      case ts.SyntaxKind.FunctionExpression:
        throw new DiffError(
          node,
          DiagnosticCode.UnsupportedSyntax,
          "tsad cannot differentiate functions defined inside a @differentiable function yet. Make each a marked function of its own, at the top level, given what it reads around it as parameters.",
        );
      case ts.SyntaxKind.ArrayLiteralExpression: {
        const literal = node as ts.ArrayLiteralExpression;
        if (spreadParts(this.arrays, literal))
          return this.hoistedBuilt(literal, "an array built by spreading");
        return {
          kind: "arrayLiteral",
          elements: literal.elements.map((e) => {
            if (
              !ts.isSpreadElement(e) &&
              (ts.isOmittedExpression(e) || !this.isNumber(e))
            ) {
              throw this.unsupported(
                e,
                !ts.isOmittedExpression(e) && this.mayHoldNullish(e)
                  ? "an array literal holding values that may be `undefined` or `null` (its elements must be numbers: under `noUncheckedIndexedAccess`, write `xs[i]!` for `xs[i]`)"
                  : ts.isArrayLiteralExpression(skipWrappers(ts, e))
                    ? "a matrix literal here (give it a declaration of its own first: `const m: number[][] = [[a, b], [c, d]]`)"
                    : "array literals of anything but numbers",
              );
            }
            return this.expression(e);
          }),
        };
      }
      case ts.SyntaxKind.NewExpression:
        return this.newArray(node as ts.NewExpression, /*filled*/ false);
      case ts.SyntaxKind.ObjectLiteralExpression: {
        const parameter = ts.isParameter(node.parent) ? node.parent : undefined;
        throw this.unsupported(
          node,
          parameter && ts.isIdentifier(parameter.name)
            ? this.recordDefaultAdvice(parameter.name)
            : "objects (keep each number in its own variable, or the numbers in an array)",
        );
      }
      case ts.SyntaxKind.SpreadElement:
        throw this.unsupported(
          node,
          "spread (`...xs`) (copy an array with `xs.slice()`, or write the loop out)",
        );
      case ts.SyntaxKind.TemplateExpression:
        return this.template(node as ts.TemplateExpression);
      case ts.SyntaxKind.TaggedTemplateExpression:
        throw this.unsupported(
          node,
          'tagged template strings (to log values, give them to `console.log` as arguments: `console.log("loss", s)`)',
        );
      case ts.SyntaxKind.TypeOfExpression:
        throw this.unsupported(
          node,
          "`typeof` (tsad knows the types: test the value itself, `v !== undefined`)",
        );
      default:
        throw this.unsupported(
          node,
          `this expression (${ts.SyntaxKind[node.kind]})`,
        );
    }
  }

  private prefixUnary(node: ts.PrefixUnaryExpression): Expr {
    const ts = this.ts;
    switch (node.operator) {
      case ts.SyntaxKind.MinusToken:
        return node.operand.kind === ts.SyntaxKind.NumericLiteral
          ? {
              kind: "num",
              value: -Number((node.operand as ts.NumericLiteral).text),
            }
          : { kind: "neg", operand: this.expression(node.operand) };
      case ts.SyntaxKind.PlusToken:
        if (!this.isNumber(node.operand))
          throw this.unsupported(node, "unary `+` on a non-number");
        return this.expression(node.operand);
      case ts.SyntaxKind.ExclamationToken:
        return { kind: "not", operand: this.expression(node.operand) };
      default:
        throw new DiffError(
          node,
          DiagnosticCode.UnsupportedOperator,
          `tsad has no derivative for the operator '${ts.tokenToString(node.operator)}' here. Rewrite the expression with + - * / ** or Math functions, or write it as its own statement.`,
        );
    }
  }

  private binary(node: ts.BinaryExpression): Expr {
    const ts = this.ts;
    const kind = node.operatorToken.kind;
    const arithmeticOp = arithmetic[kind];
    if (arithmeticOp) {
      return this.arithmetic(
        arithmeticOp,
        this.expression(node.left),
        this.expression(node.right),
        node,
      );
    }
    const bitwiseOp = bitwise[kind];
    if (bitwiseOp) {
      return {
        kind: "inactiveBinary",
        op: bitwiseOp,
        left: this.expression(node.left),
        right: this.expression(node.right),
      };
    }
    const compareOp = comparison[kind];
    if (compareOp) {
      this.requireNoMissingTest(node);
      return {
        kind: "compare",
        op: compareOp,
        left: this.expression(node.left),
        right: this.expression(node.right),
      };
    }
    if (kind === ts.SyntaxKind.QuestionQuestionToken) return this.nullish(node);
    if (
      kind === ts.SyntaxKind.AmpersandAmpersandToken ||
      kind === ts.SyntaxKind.BarBarToken
    ) {
      if (this.isNumber(node)) {
        throw new DiffError(
          node,
          DiagnosticCode.UnsupportedOperator,
          "tsad cannot differentiate `&&`/`||` used as a number. Use a ternary (`c ? a : b`) instead.",
        );
      }
      if (this.isArrayKind(node)) {
        throw this.unsupported(node, "choosing between arrays with `&&`/`||`");
      }
      const op = kind === ts.SyntaxKind.AmpersandAmpersandToken ? "&&" : "||";
      if (this.hoist && this.conditionalDepth === 0) {
        const left = this.expression(node.left);
        const right = this.branchOf(node.right);
        if (right.before.length > 0)
          return this.hoistedLogical(node, op, left, right);
        joinHoist(this.hoist, right.hoist);
        return { kind: "logical", op, left, right: right.value };
      }
      return {
        kind: "logical",
        op,
        left: this.expression(node.left),
        right: this.conditionally(() => this.expression(node.right)),
      };
    }
    throw new DiffError(
      node.operatorToken,
      DiagnosticCode.UnsupportedOperator,
      `tsad has no derivative for the operator '${node.operatorToken.getText()}' here. Use + - * / % ** and Math functions, or write an assignment as its own statement.`,
    );
  }

  /**
   * `a ?? b`, `a` a variable or an element: `a != undefined ? a : b` (the
   * test reads `a` again, so only where reading it twice is reading it).
   * An element only of an array the function cannot write (a parameter,
   * one declared outside): the reverse sweep tests it again, after later
   * writes may have filled it (`a.push(v)`).
   */
  /**
   * `v === undefined` (`== null`, ...) with `v` typed a number: true only
   * of a read past the end or in a hole of an array, which the reverse sweep
   * keeps, where it is kept, as a number (NaN). Only reads of a
   * parameter's or an outer array's elements, which it reads again, can
   * be told apart so (as with `??`).
   */
  private requireNoMissingTest(node: ts.BinaryExpression): void {
    const ts = this.ts;
    const missing = (e: ts.Expression) => {
      const inner = skipWrappers(ts, e);
      return (
        inner.kind === ts.SyntaxKind.NullKeyword ||
        ts.isVoidExpression(inner) ||
        (ts.isIdentifier(inner) && inner.text === "undefined")
      );
    };
    const tested = missing(node.right)
      ? node.left
      : missing(node.left)
        ? node.right
        : undefined;
    // A type that admits them: such values are kept as they are.
    if (!tested || !this.isNumber(tested) || this.isNullable(tested)) return;
    if (this.elementOf(tested) === "outer") return;
    throw new DiffError(
      node,
      DiagnosticCode.UnsupportedOperator,
      "tsad cannot tell a number from `undefined` or `null` here: a read past the end or in a hole of a local array gives `undefined`, which the reverse sweep may keep as a number. Test the index against the length instead (`i < a.length`), or compare an element of a parameter directly (`x[i] === undefined`).",
    );
  }

  /**
   * `v ?? c`, `v ??= c` of a variable typed a number: `undefined` only
   * where it holds a read past the end of an array, which the reverse
   * sweep may keep as a number (NaN), as `requireNoMissingTest` says.
   */
  private requireNullableVariable(left: ts.Expression, at: ts.Node): void {
    const ts = this.ts;
    const v = skipWrappers(ts, left);
    if (ts.isIdentifier(v) && this.isNumber(v) && !this.isNullable(v)) {
      throw new DiffError(
        at,
        DiagnosticCode.UnsupportedOperator,
        `tsad cannot tell a number from \`undefined\` here: '${v.text}' is typed a number, so it is \`undefined\` only where it holds a read past the end of an array, which the reverse sweep may keep as a number. Use \`??\` on the element itself (\`x[i] ?? 0\`, of a parameter), or test the index against the length (\`i < a.length\`).`,
      );
    }
  }

  /**
   * Whose element `e` is: a parameter's or an outer array's, which the
   * function never writes, or a local array's; `undefined` if `e` is no
   * element.
   */
  private elementOf(e: ts.Expression): "outer" | "local" | undefined {
    const ts = this.ts;
    const element = skipWrappers(ts, e);
    let array = this.atReceiver(element) ?? element;
    while (ts.isElementAccessExpression(array))
      array = skipWrappers(ts, array.expression);
    if (array === element) return undefined;
    const outside = ts.isIdentifier(array) && !this.isLocal(array);
    return outside || this.isParameter(array) ? "outer" : "local";
  }

  private nullish(node: ts.BinaryExpression): Expr {
    const ts = this.ts;
    let left = node.left;
    while (ts.isParenthesizedExpression(left)) left = left.expression;
    // `o.lr ?? 0.1`: the field read once, just before the statement (a
    // getter would run again if it were read for the test and the value).
    const field =
      ts.isPropertyAccessExpression(left) &&
      !this.isArrayKind(left) &&
      this.hoist !== undefined &&
      this.conditionalDepth === 0;
    if (
      !ts.isIdentifier(left) &&
      !ts.isElementAccessExpression(left) &&
      !this.atReceiver(left) &&
      !field
    ) {
      throw new DiffError(
        node.operatorToken,
        DiagnosticCode.UnsupportedOperator,
        ts.isPropertyAccessExpression(left)
          ? "tsad supports `??` after a field (`o.lr ?? 0.1`) in a statement's own expression, not where it may not run or may run again (a loop test, a default value, the right of `??`). Name the field first: `const lr = o.lr ?? 0.1`."
          : "tsad supports `??` after a variable, an element or a field (`k ?? 2`, `a[i] ?? 0`, `o.lr ?? 0.1`). Name the value first: `const v = ...; v ?? 0`.",
      );
    }
    this.requireNullableVariable(left, node.operatorToken);
    if (this.elementOf(left) === "local") {
      throw new DiffError(
        node.operatorToken,
        DiagnosticCode.UnsupportedOperator,
        "tsad supports `??` on an element of a parameter or of an array declared outside the function, not of a local array, which later writes may fill. Test the index against the length instead: `i < a.length ? a[i] : b`.",
      );
    }
    if (this.isArrayKind(node)) {
      throw this.unsupported(node, "choosing between arrays with `??`");
    }
    const value =
      field && ts.isPropertyAccessExpression(left)
        ? this.namedBefore(this.hoist!.before, left, left.name.text)
        : this.expression(left);
    return orDefault(
      value,
      this.conditionally(() => this.expression(node.right)),
      "nullish",
    );
  }

  /** `a[i]`, `m[i][j]`: an element of a local or module-level array. */
  private elementAccess(node: ts.ElementAccessExpression): Expr {
    const ts = this.ts;
    // `OPTS["lr"]`: a field named by a string, read as `OPTS.lr` is.
    const key = skipWrappers(ts, node.argumentExpression);
    if (ts.isStringLiteralLike(key) && this.kindOf(node.expression) === "none")
      return this.field(node, key);
    if (this.holdsData(node.expression)) {
      this.requireElementIndex(node.argumentExpression);
      return this.dataElement(
        this.expression(node.expression),
        this.expression(node.argumentExpression),
        node,
        this.isNullable(node),
      );
    }
    const { array, indices } = this.arrayPath(node);
    const kind = this.kindOf(node);
    // `dot(w, X[i])`: a marked function cannot change what it is given,
    // so a copy of the row is the same.
    if (kind === "array" && this.isMarkedArgument(node))
      return this.hoistedRowCopy(node, { array, indices });
    if (
      kind === "array" ||
      kind === "float64" ||
      kind === "float32" ||
      kind === "matrix"
    ) {
      let value: ts.Node = node;
      while (isWrapper(ts, value.parent)) value = value.parent;
      const { parent } = value;
      const destructured =
        (ts.isVariableDeclaration(parent) &&
          ts.isArrayBindingPattern(parent.name)) ||
        (ts.isBinaryExpression(parent) &&
          parent.right === value &&
          ts.isArrayLiteralExpression(parent.left));
      throw this.unsupported(
        node,
        destructured
          ? `destructuring a row of a matrix (copy it first, in a statement of its own: \`const row = ${node.getText()}.slice();\`, or read its elements: \`${node.getText()}[0]\`)`
          : "a row of a matrix as a value here (name it, `const row = m[i]`, or copy it, `const copy = m[i].slice()`)",
      );
    }
    return { kind: "index", array, indices };
  }

  /** The element `index` of `array`, an array of data (see `holdsData`). */
  private dataElement(
    array: Expr,
    index: Expr,
    node: ts.Node,
    nullable?: boolean,
  ): Expr {
    return {
      kind: "member",
      object: array,
      key: index,
      numeric: false,
      nullable,
      node,
    };
  }

  /** `x` for `x.at(k)` of an array `x`. */
  private atReceiver(node: ts.Expression): ts.Expression | undefined {
    const ts = this.ts;
    return ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "at" &&
      (this.isArrayKind(node.expression.expression) ||
        this.isIntegerArray(node.expression.expression) ||
        this.holdsData(node.expression.expression))
      ? skipWrappers(ts, node.expression.expression)
      : undefined;
  }

  /**
   * `x.at(k)` for a literal integer `k`: `x[k]`, or counted from the end,
   * `x[x.length + k]` (which is `undefined` where `x.at(k)` is).
   */
  private elementAt(node: ts.CallExpression, target: ts.Expression): Expr {
    const ts = this.ts;
    const [argument] = node.arguments;
    const k = argument && signedLiteral(ts, argument);
    if (node.arguments.length !== 1 || k === undefined || !Number.isInteger(k))
      throw this.unsupported(
        node,
        "`.at(i)` with an index that is not an integer literal (write `x[i]`, or `x[x.length - k]` for the k-th element from the end)",
      );
    if (this.kindOf(target) === "matrix")
      throw this.unsupported(
        node,
        "a row of a matrix from `.at()` (name it: `const row = m[m.length - 1]`)",
      );
    // The array named first where reading it again could run code (a
    // call's), or where an element's path must start at a variable (a
    // field's integers).
    const named = () =>
      this.namedBefore(
        this.hoistedBefore(
          node,
          `\`.at()\` of a field's or a call's array in a loop's test, a branch of \`? :\`, \`&&\` or \`||\` or a default value (name the array in a statement of its own first: \`const xs = ${target.getText()}\`)`,
        ),
        target,
        ts.isPropertyAccessExpression(target) ? target.name.text : "items",
      );
    // Integers (`Int32Array`).
    const integers = this.isIntegerArray(target) && {
      array: ts.isIdentifier(target) ? this.expression(target) : named(),
      indices: [],
    };
    // Records, strings: an element of data.
    const data = this.holdsData(target) && {
      array: isPlainPath(ts, target) ? this.expression(target) : named(),
      indices: [],
    };
    const { array, indices } =
      data ||
      integers ||
      (ts.isElementAccessExpression(target)
        ? this.rowPath(target)
        : this.pathFrom(node, target, []));
    const index: Expr =
      k >= 0
        ? { kind: "num", value: k }
        : {
            kind: "binary",
            op: "-",
            left: { kind: "length", array, indices },
            right: { kind: "num", value: -k },
          };
    return data
      ? this.dataElement(array, index, node, this.isNullable(node))
      : { kind: "index", array, indices: [...indices, index] };
  }

  /** Whether `node` is an argument of a call of a marked function. */
  private isMarkedArgument(node: ts.Expression): boolean {
    const ts = this.ts;
    const argument = withWrappers(ts, node);
    const call = argument.parent;
    return (
      ts.isCallExpression(call) &&
      call.arguments.includes(argument) &&
      resolveMarkedCallee(ts, this.context.checker, call.expression) !==
        undefined
    );
  }

  /**
   * The row `m[i]` of a copy or an `.at()`, which reads its path once per
   * element: a path that would call something each time is TS96003.
   */
  private rowPath(node: ts.ElementAccessExpression): {
    array: Expr;
    indices: Expr[];
  } {
    if (!isPlainPath(this.ts, node)) {
      throw this.unsupported(
        node,
        `a row picked by a call, copied or read with \`.at()\` (name the row first: \`const row = ${node.getText()}\`)`,
      );
    }
    return this.arrayPath(node);
  }

  /** `m[i][j]` -> the array `m` and the indices `[i, j]`. */
  private arrayPath(node: ts.ElementAccessExpression): {
    array: Expr;
    indices: Expr[];
  } {
    const ts = this.ts;
    const indices: Expr[] = [];
    let target: ts.Expression = node;
    while (ts.isElementAccessExpression(target)) {
      this.requireElementIndex(target.argumentExpression);
      indices.unshift(this.expression(target.argumentExpression));
      target = skipWrappers(ts, target.expression);
    }
    return this.pathFrom(node, target, indices);
  }

  /**
   * The array `target` names, and `indices` into it, for `node`, an
   * element read of it.
   */
  private pathFrom(
    node: ts.Expression,
    target: ts.Expression,
    indices: Expr[],
  ): { array: Expr; indices: Expr[] } {
    const ts = this.ts;
    const row = this.rowOf(target);
    if (row) return { array: row.array, indices: [...row.indices, ...indices] };
    if (this.holdsData(target)) {
      throw this.unsupported(
        node,
        `indexing into an element of '${target.getText()}' (an array of records, strings or booleans: a string's characters, a row of data)`,
      );
    }
    const kind = this.kindOf(target);
    const untyped = this.untypedElements(target);
    if (untyped) throw untyped;
    const markedCall =
      ts.isCallExpression(target) &&
      resolveMarkedCallee(
        ts,
        this.context.checker,
        skipWrappers(ts, target.expression),
      ) !== undefined;
    if (
      markedCall &&
      kind !== "none" &&
      kind !== "number" &&
      this.hoist &&
      this.conditionalDepth === 0
    ) {
      // `f(x)[i]`: the array a marked call returns, named just before the
      // statement (see `hoisting`).
      this.hoist.runsCalls = true;
      return {
        array: this.namedBefore(this.hoist.before, target, "t"),
        indices,
      };
    }
    if (
      ts.isPropertyAccessExpression(target) &&
      ((kind !== "none" && kind !== "number") ||
        (indices.length === 1 && this.isIntegerArray(target)))
    ) {
      // `data.t[i]`: the array a field holds, named just before the
      // statement, as `const t = data.t` would.
      const before = this.hoistedBefore(
        node,
        `an element of a field here, ${mayNotRun} (name the array in a statement of its own first: \`const ${target.name.text} = ${target.getText()}\`)`,
      );
      return {
        array: this.namedBefore(before, target, target.name.text),
        indices,
      };
    }
    // `rowPtr[r]`: integers, read only (nothing makes or writes these).
    if (
      ts.isIdentifier(target) &&
      indices.length === 1 &&
      this.isIntegerArray(target)
    )
      return { array: this.expression(target), indices };
    // `xs.map(f)[i]`, `[...xs, y][i]`: of the array built first.
    if (this.isBuiltArray(target))
      return { array: this.expression(target), indices };
    if (!ts.isIdentifier(target) || kind === "none" || kind === "number") {
      // `f(x)[i]`: the call is the problem, say so.
      if (ts.isCallExpression(target)) {
        this.expression(target);
        throw this.unsupported(
          node,
          `an element of ${markedCall ? "a call's result in a loop's test, a default value or the right of `??`" : "what a function that is not marked returns"} (name the result in a statement of its own first: \`const v = f(x)\`, then \`v[i]\`)`,
        );
      }
      throw this.unsupported(
        node,
        "element access on anything but a variable holding an array",
      );
    }
    return { array: this.expression(target), indices };
  }

  /**
   * A literal index must name an element: `a[-1]`, `a[0.5]` and
   * `a[2 ** 32 - 1]` are properties, not elements, which the sweeps would
   * treat differently.
   */
  private requireElementIndex(index: ts.Expression): void {
    const value = signedLiteral(this.ts, index);
    if (value !== undefined && !isArrayIndex(value)) {
      throw this.unsupported(
        index,
        `the index ${skipWrappers(this.ts, index).getText()}, which names no element (indices are whole numbers from 0 to 2 ** 32 - 2; the last element is \`a[a.length - 1]\`)`,
      );
    }
  }

  /**
   * `const row = m[i]`: `row[j]` reads and writes `m[i][j]` with `i` as it
   * was here (kept in a variable unless it is a variable the block does not
   * assign).
   */
  private nameRow(
    declaration: ts.VariableDeclaration & { name: ts.Identifier },
    node: ts.ElementAccessExpression,
  ): Stmt[] {
    const ts = this.ts;
    const { array, indices } = this.arrayPath(node);
    const indexNodes: ts.Expression[] = [];
    let root: ts.Expression = node;
    while (ts.isElementAccessExpression(root)) {
      indexNodes.unshift(skipWrappers(ts, root.argumentExpression));
      root = skipWrappers(ts, root.expression);
    }
    // The statements the row is visible in (after the declaration).
    const assigned = this.assignedSymbols(declaration.parent.parent.parent);
    // A named row's own indices come first; then this access's.
    const offset = indices.length - indexNodes.length;
    const setup: Stmt[] = [];
    const at = indices.map((index, k): Expr => {
      const source = indexNodes[k - offset];
      const fixed =
        index.kind === "num" ||
        k < offset ||
        (source !== undefined &&
          ts.isIdentifier(source) &&
          !assigned.has(this.context.checker.getSymbolAtLocation(source)!));
      if (fixed) return index;
      const name = this.names.fresh(`${declaration.name.text}_index`);
      setup.push({
        kind: "let",
        name,
        value: index,
        constant: true,
        origin: node,
      });
      return { kind: "var", name };
    });
    this.rows.set(this.context.checker.getSymbolAtLocation(declaration.name)!, {
      array,
      indices: at,
      matrix: this.rowOf(root)?.matrix ?? root,
    });
    return setup;
  }

  /** For `m[i].slice()` or `row.slice()` (a named row), the row. */
  private copiedRow(
    node: ts.Expression,
  ): { array: Expr; indices: readonly Expr[] } | undefined {
    const ts = this.ts;
    if (
      !ts.isCallExpression(node) ||
      node.arguments.length > 0 ||
      !ts.isPropertyAccessExpression(node.expression) ||
      node.expression.name.text !== "slice"
    ) {
      return undefined;
    }
    const source = skipWrappers(ts, node.expression.expression);
    if (ts.isElementAccessExpression(source) && this.isArrayKind(source))
      return this.rowPath(source);
    return this.rowOf(source);
  }

  /** `xs.slice(start)` or `xs.slice(start, end)` of a vector or a row. */
  private isSliceOfRange(node: ts.Expression): node is ts.CallExpression {
    const ts = this.ts;
    return (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "slice" &&
      node.arguments.length > 0 &&
      this.isArrayKind(node.expression.expression)
    );
  }

  /**
   * `const y = xs.slice(start, end)`: `y` made with the elements from
   * `start` up to `end`, as JS counts them (from the end where negative,
   * clamped to the array), copied in a loop.
   */
  private sliceOfRange(
    name: string,
    node: ts.CallExpression,
    constant: boolean,
    origin: ts.Node,
  ): Stmt[] {
    const ts = this.ts;
    const source = skipWrappers(
      ts,
      (node.expression as ts.PropertyAccessExpression).expression,
    );
    const kind = this.kindOf(source);
    const bounds = node.arguments;
    if (
      kind === "matrix" ||
      bounds.length > 2 ||
      bounds.some((b) => ts.isSpreadElement(b) || !this.isWhole(b))
    ) {
      throw this.unsupported(
        node,
        kind === "matrix"
          ? "`.slice(start, end)` of a matrix (copy the rows it needs: `const row = m[i].slice()`)"
          : "`.slice(start, end)` with bounds that may not be whole numbers (round them: `xs.slice(Math.floor(k))`)",
      );
    }
    // The array, then each bound, once and in order, as JS takes them.
    const statements: Stmt[] = [];
    const named = (value: Expr, hint: string): Expr => {
      const name = this.names.fresh(hint);
      statements.push({ kind: "let", name, value, constant: true, origin });
      return { kind: "var", name };
    };
    const path = ts.isElementAccessExpression(source)
      ? this.rowPath(source)
      : (this.rowOf(source) ?? {
          // A call's array (`load().slice(1)`) is taken once.
          array: isPlainPath(ts, source)
            ? this.expression(source)
            : this.namedBefore(statements, source, "items"),
          indices: [],
        });
    const length: Expr = { kind: "length", ...path };
    const num = (value: number): Expr => ({ kind: "num", value });
    const math = (fn: "min" | "max", a: Expr, b: Expr): Expr => ({
      kind: "math",
      fn,
      args: [a, b],
    });
    const compare = (op: "<" | ">=", left: Expr): Expr => ({
      kind: "compare",
      op,
      left,
      right: num(0),
    });
    const fromEnd = (bound: Expr): Expr =>
      math(
        "max",
        bound.kind === "num"
          ? { kind: "binary", op: "-", left: length, right: num(-bound.value) }
          : { kind: "binary", op: "+", left: length, right: bound },
        num(0),
      );
    const clamped = (bound: ts.Expression, hint: string): Expr => {
      const k = signedLiteral(ts, bound);
      if (k !== undefined)
        return named(
          k < 0
            ? fromEnd(num(k))
            : k === 0
              ? num(0)
              : math("min", num(k), length),
          hint,
        );
      // A count (a counter from 0 up) is never negative, nor `NaN`.
      if (this.isCount(bound))
        return named(math("min", this.expression(bound), length), hint);
      const given = named(this.expression(bound), `${hint}Given`);
      // `NaN` (`Math.floor(NaN)`) counts as 0.
      return named(
        {
          kind: "cond",
          test: compare("<", given),
          whenTrue: fromEnd(given),
          whenFalse: {
            kind: "cond",
            test: compare(">=", given),
            whenTrue: math("min", given, length),
            whenFalse: num(0),
          },
        },
        hint,
      );
    };
    const [first, second] = bounds;
    const start = clamped(first!, "start");
    const end = second ? clamped(second, "end") : length;
    return [
      ...statements,
      ...lowerRowCopy(name, path, constant, origin, this.names.fresh("k"), {
        start,
        length: math(
          "max",
          { kind: "binary", op: "-", left: end, right: start },
          num(0),
        ),
        arrayKind: kind,
      }),
    ];
  }

  /** The row `node` names, if it names one. */
  private rowOf(node: ts.Expression): Row | undefined {
    if (!this.ts.isIdentifier(node)) return undefined;
    const symbol = this.context.checker.getSymbolAtLocation(node);
    return symbol && this.rows.get(symbol);
  }

  private kindOf(node: ts.Expression): ValueKind {
    const { checker, valueKinds } = this.context;
    let kind = valueKinds.get(node);
    if (kind === undefined) {
      kind = valueKindOf(this.ts, checker, checker.getTypeAtLocation(node));
      valueKinds.set(node, kind);
    }
    return kind;
  }

  private propertyAccess(node: ts.PropertyAccessExpression): Expr {
    const ts = this.ts;
    if (
      node.name.text === "length" &&
      ts.isIdentifier(node.expression) &&
      this.isIntegerArray(node.expression)
    )
      return {
        kind: "length",
        array: this.expression(node.expression),
        indices: [],
      };
    if (
      node.name.text === "length" &&
      this.kindOf(node.expression) !== "none"
    ) {
      const target = skipWrappers(ts, node.expression);
      if (ts.isElementAccessExpression(target))
        return { kind: "length", ...this.arrayPath(target) };
      const row = this.rowOf(target);
      if (row) return { kind: "length", ...row };
      // `[...xs, ...ys].length`, `xs.filter(p).length`: of the array
      // built first.
      if (ts.isIdentifier(target) || this.isBuiltArray(target))
        return { kind: "length", array: this.expression(target), indices: [] };
    }
    if (this.isGlobalMath(node.expression)) {
      if (mathConstants.has(node.name.text))
        return { kind: "mathConst", name: node.name.text };
      throw new DiffError(
        node,
        DiagnosticCode.UnsupportedMath,
        `'Math.${node.name.text}' is not a number tsad knows.`,
      );
    }
    return this.field(node, node.name);
  }

  /** `o.k`, `o["k"]`: a field of a value that is no array. */
  private field(
    node: ts.PropertyAccessExpression | ts.ElementAccessExpression,
    key: ts.MemberName | ts.StringLiteralLike,
  ): Expr {
    const ts = this.ts;
    const object = this.expression(node.expression);
    if (object.kind === "verbatim" && ts.isIdentifier(node.expression)) {
      // `ns.value`: a variable exported by a namespace.
      if (!ts.isPrivateIdentifier(key))
        requireFixedOuterVariable(this.context, key);
      return { kind: "verbatim", node, integer: this.isInteger(node) };
    }
    return {
      kind: "member",
      object,
      key: key.text,
      numeric: this.isNumber(node),
      nullable: this.isNullable(node),
      node,
    };
  }

  /** What the function returns: a number, an array kind, ... */
  private returnKind() {
    const checker = this.context.checker;
    const signature = checker.getSignatureFromDeclaration(this.fn);
    return signature
      ? valueKindOf(
          this.ts,
          checker,
          checker.getReturnTypeOfSignature(signature),
        )
      : "none";
  }

  /** What `arrays.ts` needs of this lowering. */
  private get arrays(): ArraysContext {
    return {
      ts: this.ts,
      checker: this.context.checker,
      expression: (node) => this.expression(node),
      // A callback's statements are statements of their own, whatever
      // the expression it is in.
      statements: (nodes) => this.onItsOwn(() => this.block(nodes)),
      effect: (node) => this.onItsOwn(() => this.expressionStatement(node)),
      hoisting: (lower) => this.hoisting(lower),
      valueAfter: (node) => this.hoistingValue(() => this.expression(node)),
      assigns: (node, id) =>
        this.assignedSymbols(node).has(
          this.context.checker.getSymbolAtLocation(id)!,
        ),
      isNumber: (node) => this.isNumber(node),
      localName: (id) => this.localName(id),
      fresh: (hint) => this.names.fresh(hint),
      kindOf: (node) => this.kindOf(node),
      isGlobal: (node, name) => this.isGlobal(node, name),
      unsupported: (node, what) => this.unsupported(node, what),
      iterated: (node) => this.iterated(node),
      bindElement: (variable, source, at, origin) =>
        this.bindElement(variable, source, at, origin),
      copiedRow: (node) => this.copiedRow(node),
      // `m[i].map(...)` takes `m[i]` once: `i` must hold still too.
      reshapes: (node, array) => {
        const { assigned, grown } = this.changes(node);
        return (
          this.arraysOf(array).some((a) => assigned.has(a) || grown.has(a)) ||
          this.readsAnyOf(array, assigned)
        );
      },
      // An unmarked call may return another length for each row.
      moves: (node, value) =>
        this.movedBy(this.changes(node), value) || this.callsUnmarked(value),
      isCount: (node) => this.isCount(node),
      holdsData: (node) => this.holdsData(node),
    };
  }

  /** What `lower` gives, lowered as statements outside any expression. */
  private onItsOwn(lower: () => Stmt[]): Stmt[] {
    const outer = { hoist: this.hoist, depth: this.conditionalDepth };
    this.hoist = undefined;
    this.conditionalDepth = 0;
    try {
      return lower();
    } finally {
      this.hoist = outer.hoist;
      this.conditionalDepth = outer.depth;
    }
  }

  private isGlobalMath(node: ts.Expression): boolean {
    return this.isGlobal(node, "Math");
  }

  /**
   * `node` is the global `name` (`Math`, `Array`), not a local of that
   * name; read as `name` or as `globalThis.name`.
   */
  private isGlobal(node: ts.Expression, name: string): boolean {
    const ts = this.ts;
    const id = ts.isPropertyAccessExpression(node)
      ? this.isGlobalThis(node.expression) && node.name
      : node;
    if (!id || !ts.isIdentifier(id) || id.text !== name) return false;
    const declaration =
      this.context.checker.getSymbolAtLocation(id)?.declarations?.[0];
    return (
      declaration !== undefined && declaration.getSourceFile().hasNoDefaultLib
    );
  }

  /**
   * `globalThis` itself, which the checker declares nowhere; a variable
   * the program names `globalThis` has a declaration.
   */
  private isGlobalThis(node: ts.Expression): boolean {
    if (!this.ts.isIdentifier(node) || node.text !== "globalThis") return false;
    const symbol = this.context.checker.getSymbolAtLocation(node);
    return symbol !== undefined && !symbol.declarations?.length;
  }

  /**
   * `new Float64Array(n)`, `new Float32Array(n)`, `new Array(n).fill(0)`
   * (`filled`); `Array(n)` is `new Array(n)`. An `Array(n)` not filled has
   * holes, not zeros, so it is an error.
   */
  private newArray(
    node: ts.NewExpression | ts.CallExpression,
    filled: boolean,
  ): Expr {
    const ts = this.ts;
    const created = node.expression;
    const constructor = ts.isIdentifier(created)
      ? created.text
      : ts.isPropertyAccessExpression(created) &&
          this.isGlobal(created, created.name.text)
        ? created.name.text
        : "";
    const arrayKind =
      constructor === "Float64Array"
        ? "float64"
        : constructor === "Float32Array"
          ? "float32"
          : constructor === "Array"
            ? "array"
            : undefined;
    const [length] = node.arguments ?? [];
    if (!arrayKind && !INTEGER_ARRAYS.has(constructor) && constructor) {
      throw new DiffError(
        node,
        DiagnosticCode.UnsupportedSyntax,
        `tsad cannot differentiate making an object with \`new ${constructor}\` in a @differentiable function: its constructor and methods are code tsad does not see. Make it outside and pass in the numbers it gives (a random draw: \`f(x, rng.uniform())\`), or make one at module level (\`const rng = new ${constructor}(...)\`) and call its methods.`,
      );
    }
    if (!arrayKind || node.arguments?.length !== 1 || !this.isNumber(length!)) {
      throw this.unsupported(
        node,
        "this `new` expression (allocate arrays with `new Float64Array(n)` or `new Array(n).fill(0)`, then write the values in)",
      );
    }
    if (arrayKind === "array" && !filled) {
      throw this.unsupported(
        node,
        "an array of holes (`new Array(n)` and `Array(n)` have no elements yet: allocate zeros with `new Array(n).fill(0)`)",
      );
    }
    return { kind: "newArray", arrayKind, length: this.expression(length!) };
  }

  /**
   * `y.toFixed(3)`, `label.toUpperCase()`, `xs.join(",")`: a method the
   * standard library gives a number, a string or a boolean, or the `join`
   * of a vector, on a value of the function's (for a log line), that
   * changes nothing (`label.replace(re, "")` may change `re.lastIndex`).
   * The generated code calls it on the value's variable.
   */
  private libraryMethodOfValue(
    node: ts.CallExpression,
    callee: ts.Expression,
  ): ts.PropertyAccessExpression | undefined {
    const ts = this.ts;
    if (!ts.isPropertyAccessExpression(callee) || !this.referencesLocal(callee))
      return undefined;
    const { targets } = this.context.unmarkedWrites;
    const receiver = skipWrappers(ts, callee.expression);
    const method = this.context.checker.getSymbolAtLocation(callee.name);
    if (
      !declaredByStandardLibrary(method) ||
      !this.context.unmarkedWrites.writesNothing(node)
    )
      return undefined;
    return targets.isPrimitive(receiver) ||
      (callee.name.text === "join" &&
        isVector(this.kindOf(receiver)) &&
        !this.holdsData(receiver))
      ? callee
      : undefined;
  }

  /** A call's arguments, one by one: a spread is TS96003. */
  private argumentsOf(node: ts.CallExpression): Expr[] {
    return node.arguments.map((a) => {
      if (this.ts.isSpreadElement(a))
        throw this.unsupported(a, "spread arguments");
      return this.expression(a);
    });
  }

  /** `args[0].method(...)` (see `libraryMethodOfValue`). */
  private valueMethodCall(
    node: ts.CallExpression,
    callee: ts.PropertyAccessExpression,
  ): Expr {
    const ts = this.ts;
    const args = this.argumentsOf(node);
    // As any call that changes nothing (see `call`).
    if (this.hoist) this.hoist.readingCall ??= node;
    return {
      kind: "extern",
      callee,
      method: callee.name.text,
      args: [this.expression(skipWrappers(ts, callee.expression)), ...args],
      numeric: this.isNumber(node),
      boolean: this.isBoolean(node),
      nullable: this.isNullable(node),
      writesNothing: true,
      library: true,
      node,
    };
  }

  /** `new Array(n)`, `new Float64Array(n)`, or the call `Array(n)`. */
  private isAllocation(node: ts.Expression): boolean {
    const ts = this.ts;
    return (
      ts.isNewExpression(node) ||
      (ts.isCallExpression(node) && this.isGlobal(node.expression, "Array"))
    );
  }

  private call(node: ts.CallExpression): Expr {
    const ts = this.ts;
    const callee = skipWrappers(ts, node.expression);
    if (isArrayFrom(this.arrays, node)) {
      throw this.unsupported(
        node,
        "`Array.from` inside an expression (give it its own declaration: `const a = Array.from(...)`)",
      );
    }
    if (this.isGlobal(callee, "Array")) return this.newArray(node, false);
    const atReceiver = this.atReceiver(node);
    if (atReceiver) return this.elementAt(node, atReceiver);
    const method = arrayMethod(this.arrays, node);
    if (method === "reduce" || (method && isSearchMethod(method)))
      return this.hoistedLoop(node, method);
    if (
      (method === "map" || method === "filter") &&
      isVector(this.kindOf(node))
    )
      return this.hoistedBuilt(node, `\`${method}\``);
    if (method === "map" || method === "filter")
      throw this.unsupported(
        node,
        method === "map"
          ? "`map` of rows or records inside an expression (give it its own declaration: `const ys = xs.map(...)`)"
          : "`filter` of rows or records (write the loop out, pushing what it keeps)",
      );
    const valueMethod = this.libraryMethodOfValue(node, callee);
    if (valueMethod) return this.valueMethodCall(node, valueMethod);
    if (
      ts.isPropertyAccessExpression(callee) &&
      (this.isArrayKind(callee.expression) ||
        this.isAllocation(skipWrappers(ts, callee.expression)))
    ) {
      const method = callee.name.text;
      if (method === "slice" && node.arguments.length === 0) {
        if (this.kindOf(callee.expression) === "matrix") {
          throw this.unsupported(
            node,
            "`.slice()` of a matrix (a copy that shares its rows; copy each row: `const row = m[i].slice()`)",
          );
        }
        const row = this.copiedRow(node);
        if (row) return this.hoistedRowCopy(node, row);
        return { kind: "copy", array: this.expression(callee.expression) };
      }
      if (method === "concat" && spreadParts(this.arrays, node))
        return this.hoistedBuilt(node, "`concat`");
      const fill = this.filling(node);
      if (fill) {
        const { allocation, value } = fill;
        return ts.isNumericLiteral(value) && Number(value.text) === 0
          ? this.newArray(allocation, /*filled*/ true)
          : this.hoistedFill(node, fill);
      }
      const list = callee.expression.getText();
      throw this.unsupported(
        node,
        method === "slice"
          ? "`.slice(start, end)` inside an expression, or in a `let` given new arrays later (give it a declaration of its own first: `const part = xs.slice(start, end)`)"
          : method === "forEach"
            ? "`forEach` inside an expression (call it as a statement of its own)"
            : method === "pop" || method === "shift"
              ? `the array method '${method}', which changes the array's length (read the element, \`${method === "pop" ? `${list}[${list}.length - 1]` : `${list}[0]`}\`, and keep a count of the elements still in use)`
              : `the array method '${method}' (write the loop out)`,
      );
    }
    if (
      ts.isPropertyAccessExpression(callee) &&
      this.isGlobalMath(callee.expression)
    ) {
      return this.mathCall(node, callee.name.text);
    }
    if (this.context.unmarkedWrites.isStopGradient(node)) {
      if (node.arguments.length !== 1)
        throw this.unsupported(
          node,
          "stopGradient with other than one argument",
        );
      const [argument] = node.arguments;
      // It gives an array back itself: under a second name, reads after a
      // write into it would not be seen as reads of what was written.
      if (
        !this.isNumber(argument!) &&
        !this.isParameter(skipWrappers(ts, argument!)) &&
        isBound(ts, node)
      )
        throw this.unsupported(
          node,
          "naming `stopGradient` of an array the function makes (it is the array itself, under another name; apply it where you read an element: `stopGradient(w[i])`)",
        );
      return {
        kind: "stopGradient",
        value: this.expression(argument!),
      };
    }
    // A method of a parameter's or a local's array of data (a module's
    // runs as unmarked code does: `NAMES.indexOf(k)`).
    if (
      ts.isPropertyAccessExpression(callee) &&
      this.holdsData(callee.expression) &&
      this.referencesLocal(callee)
    )
      throw this.unsupported(
        callee,
        `the array method '${callee.name.text}' of an array of records, strings or booleans (write the loop out; its elements read as \`${callee.expression.getText()}[i]\`, its last as \`.at(-1)\`)`,
      );
    const args = this.argumentsOf(node);
    const marked = resolveMarkedCallee(ts, this.context.checker, callee);
    if (marked) {
      // A direct `eval` of its module may have replaced it.
      const named = skipWrappers(ts, callee);
      const name = ts.isPropertyAccessExpression(named) ? named.name : named;
      if (ts.isIdentifier(name)) requireFixedCallee(this.context, name);
      if (marked.declaration === this.fn) {
        throw new DiffError(
          node,
          DiagnosticCode.Recursion,
          "tsad does not differentiate recursive functions yet. Rewrite the recursion as a loop, or move it into a helper that is not marked.",
        );
      }
      // An argument left out is `undefined`, as JavaScript passes it: the
      // callee's default applies in its derivatives too.
      const omitted = marked.params
        .slice(args.length)
        .map((): Expr => ({ kind: "undefined" }));
      const call: Expr = {
        kind: "call",
        callee: {
          ref: marked.ref,
          params: marked.params,
          result: this.kindOf(node),
          ...(this.context.throwing.codeMayThrow(marked.declaration) && {
            mayThrow: true,
          }),
        },
        variant: "primal",
        args: [...args, ...omitted],
      };
      if (call.callee.mayThrow) this.hoist?.throwingCalls.push(node);
      return call;
    }
    if (this.referencesLocal(callee)) {
      // `w.fill(x)` of an `any[]`: not a method of a local value, a
      // vector tsad does not know is one.
      const receiver = ts.isPropertyAccessExpression(callee)
        ? skipWrappers(ts, callee.expression)
        : undefined;
      const untyped =
        receiver && !this.holdsData(receiver) && this.untypedElements(receiver);
      if (untyped) throw untyped;
      if (this.isParameter(callee)) {
        throw new DiffError(
          callee,
          DiagnosticCode.UnsupportedSyntax,
          `tsad cannot differentiate a call of a function given as a parameter ('${callee.getText()}'): it could be any function. Call the marked function it stands for by name; or, if it gives data (a random draw, a sample), call it before the marked function and pass in what it returns.`,
        );
      }
      if (receiver && this.isParameter(receiver)) {
        throw new DiffError(
          callee,
          DiagnosticCode.UnsupportedSyntax,
          `tsad cannot differentiate calling a method of the parameter '${receiver.getText()}': the method is whatever the object passed in has (a subclass's own, or another object's of that type), code tsad cannot know, which may change what the derivatives read. Call it before the marked function and pass in what it returns (\`f(x, ${callee.getText()}())\`).`,
        );
      }
      throw this.unsupported(
        callee,
        "calling local functions or methods of local values",
      );
    }
    // The callee is kept as written: `helper(1)`, `config.log(1)`.
    const visitCallee = (n: ts.Node): void => {
      if (ts.isIdentifier(n)) requireFixedOuterVariable(this.context, n);
      ts.forEachChild(n, visitCallee);
    };
    visitCallee(callee);
    // Reads (a field, a row) moved before the statement see what they
    // would have seen after a call that changes nothing.
    if (this.hoist) {
      if (this.context.unmarkedWrites.writesNothing(node))
        this.hoist.readingCall ??= node;
      else this.hoist.unmarkedCall ??= node;
    }
    requireArraysUnchangedByCall(
      {
        ts,
        checker: this.context.checker,
        fn: this.fn,
        isArray: (n) => this.isArrayKind(n) || this.isIntegerArray(n),
        isMatrix: (n) => this.kindOf(n) === "matrix",
        isUnmarkedCall: (c) => this.isUnmarkedCall(c),
        writesNothing: (c) => this.context.unmarkedWrites.writesNothing(c),
      },
      node,
    );
    const { unmarkedWrites } = this.context;
    return {
      kind: "extern",
      callee,
      args,
      numeric: this.isNumber(node),
      boolean: this.isBoolean(node),
      nullable: this.isNullable(node),
      ...(unmarkedWrites.writesNothing(node) && { writesNothing: true }),
      ...(unmarkedWrites.targets.functionsOf(callee) === "library" && {
        library: true,
      }),
      ...this.markedDeclarationOf(callee),
      node,
    };
  }

  /**
   * `{ markedDeclaration }` where `callee` is a marked function the
   * program has only the declaration of, tag and all (`index.d.ts`).
   */
  private markedDeclarationOf(
    callee: ts.Expression,
  ): { markedDeclaration: ts.Node } | undefined {
    const ts = this.ts;
    const { checker } = this.context;
    const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    let symbol = checker.getSymbolAtLocation(name);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias)
      symbol = checker.getAliasedSymbol(symbol);
    // Not the standard library's, whose comments carry no tag.
    const declaration = symbol?.declarations?.find((d) => {
      const file = d.getSourceFile();
      return (
        file.isDeclarationFile &&
        !file.hasNoDefaultLib &&
        hasDifferentiableTag(ts, d)
      );
    });
    return declaration && { markedDeclaration: declaration };
  }

  /** Whether `node` makes a call that lowers to an `extern`. */
  private callsUnmarked(node: ts.Node): boolean {
    const ts = this.ts;
    if (ts.isCallExpression(node) && this.isUnmarkedCall(node)) return true;
    return (
      ts.forEachChild(
        node,
        (child) => this.callsUnmarked(child) || undefined,
      ) ?? false
    );
  }

  /** A call `call` lowers to an `extern`: not marked, not `Math`, `Array` or an array method. */
  private isUnmarkedCall(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = skipWrappers(ts, call.expression);
    if (this.isGlobal(callee, "Array")) return false;
    if (
      ts.isPropertyAccessExpression(callee) &&
      (this.isArrayKind(callee.expression) ||
        this.isGlobalMath(callee.expression) ||
        this.isGlobal(callee.expression, "Array"))
    )
      return false;
    const imported = importedFrom(ts, this.context.checker, callee);
    if (imported?.specifier === this.context.runtimeModule) return false;
    return !resolveMarkedCallee(ts, this.context.checker, callee);
  }

  private referencesLocal(node: ts.Node): boolean {
    const ts = this.ts;
    if (ts.isIdentifier(node)) return this.isLocal(node);
    return (
      ts.forEachChild(
        node,
        (child) => this.referencesLocal(child) || undefined,
      ) ?? false
    );
  }

  private mathCall(node: ts.CallExpression, fn: string): Expr {
    if (nondeterministicMath.has(fn)) {
      throw new DiffError(
        node,
        DiagnosticCode.NondeterministicCall,
        `'Math.${fn}()' returns a different value every call, so the derivative sweeps would not see the value the function used. Draw the random numbers outside and pass them in as arguments.`,
      );
    }
    const rule = lookupRule({ kind: "math", fn });
    if (!rule) {
      throw new DiffError(
        node,
        DiagnosticCode.UnsupportedMath,
        `tsad has no derivative rule for 'Math.${fn}'. Use the Math functions listed in README, or compute this value outside and pass it in.`,
      );
    }
    const spread = node.arguments.find((a) => this.ts.isSpreadElement(a));
    if (spread && (fn === "min" || fn === "max"))
      return this.hoistedExtremum(node, fn);
    if (spread) {
      throw this.unsupported(
        spread,
        `a spread into 'Math.${fn}' (only \`Math.max\` and \`Math.min\` take one; pass the numbers one by one, or write the loop out)`,
      );
    }
    const args = node.arguments.map((a) => this.expression(a));
    if (
      rule.arity !== undefined &&
      fn !== "min" &&
      fn !== "max" &&
      args.length !== rule.arity
    ) {
      throw this.unsupported(
        node,
        `'Math.${fn}' with ${args.length} arguments`,
      );
    }
    if (fn === "min" || fn === "max") {
      // What JS gives for no numbers, as for an empty spread.
      if (args.length === 0)
        return { kind: "num", value: fn === "max" ? -Infinity : Infinity };
      return args.reduce((left, right) => ({
        kind: "math",
        fn,
        args: [left, right],
      }));
    }
    if (fn === "hypot" && args.length === 0) return { kind: "num", value: 0 };
    return { kind: "math", fn, args };
  }
}

/**
 * Whether `e` has the same value wherever it is evaluated: literals and
 * outer names (which are constants, see `requireFixedOuterVariable`).
 */
function isFixed(e: Expr): boolean {
  switch (e.kind) {
    case "num":
    case "bool":
    case "undefined":
    case "mathConst":
    case "verbatim":
      return true;
    case "neg":
      return isFixed(e.operand);
    default:
      return false;
  }
}

/** What an expression statement tsad does not take is, and what to write. */
function expressionStatementHint(
  ts: typeof import("typescript"),
  node: ts.Expression,
): string {
  if (ts.isBinaryExpression(node)) {
    const left = node.left.getText();
    const right = node.right.getText();
    switch (node.operatorToken.kind) {
      case ts.SyntaxKind.BarBarEqualsToken:
        return `\`||=\` (write it as \`if (!${left}) ${left} = ${right};\`)`;
      case ts.SyntaxKind.AmpersandAmpersandEqualsToken:
        return `\`&&=\` (write it as \`if (${left}) ${left} = ${right};\`)`;
      case ts.SyntaxKind.AmpersandAmpersandToken:
      case ts.SyntaxKind.BarBarToken:
      case ts.SyntaxKind.QuestionQuestionToken:
        return `\`${node.operatorToken.getText()}\` as a statement (write it as an \`if\`)`;
    }
  }
  if (ts.isConditionalExpression(node))
    return "`? :` as a statement (write it as an `if`)";
  return "this expression statement";
}

/** `k++`, `--k`: an increment or a decrement, not `-k` or `!k`. */
function isCounting(
  ts: typeof import("typescript"),
  e: ts.PrefixUnaryExpression | ts.PostfixUnaryExpression,
): boolean {
  return (
    e.operator === ts.SyntaxKind.PlusPlusToken ||
    e.operator === ts.SyntaxKind.MinusMinusToken
  );
}

/** Whether `node`'s value gets a name: a declaration's or an assignment's. */
function isBound(
  ts: typeof import("typescript"),
  node: ts.Expression,
): boolean {
  let at: ts.Node = node;
  while (isWrapper(ts, at.parent)) at = at.parent;
  const parent = at.parent;
  return (
    (ts.isVariableDeclaration(parent) && parent.initializer === at) ||
    (ts.isBinaryExpression(parent) &&
      parent.right === at &&
      parent.operatorToken.kind === ts.SyntaxKind.EqualsToken)
  );
}

/** The value of a number literal, negated or not (`2`, `-1`). */
function signedLiteral(
  ts: typeof import("typescript"),
  expression: ts.Expression,
): number | undefined {
  const literal = skipWrappers(ts, expression);
  if (ts.isNumericLiteral(literal)) return Number(literal.text);
  const negated =
    ts.isPrefixUnaryExpression(literal) &&
    literal.operator === ts.SyntaxKind.MinusToken &&
    skipWrappers(ts, literal.operand);
  return negated && ts.isNumericLiteral(negated)
    ? -Number(negated.text)
    : undefined;
}
