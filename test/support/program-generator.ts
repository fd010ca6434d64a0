/**
 * Random differentiable programs, as data (issue 4, "Random-program
 * testing"). fast-check builds a context-free syntax tree; it knows nothing
 * of scopes or domains, so any tree is a valid input and shrinking is free
 * to cut any part of it. program-render.ts then resolves the tree into a
 * TypeScript module: references pick from what is in scope, and arguments
 * are wrapped to stay inside each function's domain.
 *
 *   { kind: "math", fn: "log", args: [{ kind: "read", pick: 1 }], guard: square }
 *     -> Math.log(1 + b * b)
 *
 * Adding a construct means a new variant here, its arbitrary in
 * `programArbitrary`, and its case in program-render.ts (local arrays:
 * program-arrays.ts, local matrices: program-matrices.ts). Matrices appear
 * in a quarter of the programs (`ProgramSpec.matrix`); elsewhere each
 * matrix node renders as its one-dimensional counterpart (a local array,
 * a store, a tabulate loop), so that the other programs keep their mix.
 * The bugs these programs found each have their
 * minimal program as a fixture, fixtures/<area>/regression-*.
 */
import fc from "fast-check";

/** Every `Math` function the generator calls (`pow` is a `power` node). */
export const MATH_FUNCTIONS = [
  "sin",
  "cos",
  "tan",
  "asin",
  "acos",
  "atan",
  "atan2",
  "sinh",
  "cosh",
  "tanh",
  "asinh",
  "acosh",
  "atanh",
  "exp",
  "expm1",
  "log",
  "log1p",
  "log2",
  "log10",
  "sqrt",
  "cbrt",
  "hypot",
  "abs",
  "sign",
  "min",
  "max",
  "floor",
  "ceil",
  "round",
  "trunc",
] as const;
export type MathFunction = (typeof MATH_FUNCTIONS)[number];
const PIECEWISE_CONSTANT: readonly MathFunction[] = [
  "sign",
  "floor",
  "ceil",
  "round",
  "trunc",
];

export const MATH_CONSTANTS = [
  "PI",
  "E",
  "LN2",
  "LN10",
  "LOG2E",
  "LOG10E",
  "SQRT1_2",
  "SQRT2",
] as const;
export type MathConstant = (typeof MATH_CONSTANTS)[number];

/**
 * How an argument that must be positive (a divisor, a logarithm's
 * argument, a power's base) is kept away from zero:
 * square `1 + e * e`, sine `2 + Math.sin(e)`, cosh `Math.cosh(e)`,
 * exp `0.5 + Math.exp(e)`, literal: the positive number itself.
 */
export type Guard =
  | { readonly kind: "square" | "sine" | "cosh" | "exp" }
  | { readonly kind: "literal"; readonly value: number };

export type Expr =
  | { readonly kind: "literal"; readonly value: number }
  | { readonly kind: "constant"; readonly name: MathConstant }
  /** A number in scope: parameter, local, loop counter or element variable. */
  | { readonly kind: "read"; readonly pick: number }
  /** An element of the array parameter, at a loop counter that indexes it. */
  | { readonly kind: "element"; readonly pick: number }
  /** An element of a local array, at an index valid for it. */
  | { readonly kind: "local"; readonly pick: number; readonly index: number }
  /**
   * An element of a matrix (the parameter or a local one) at indices
   * valid for it, `m[i][j]` or through a row alias `row[j]`; without
   * matrices an element of a local array (`local`).
   */
  | {
      readonly kind: "cell";
      readonly pick: number;
      readonly row: number;
      readonly column: number;
    }
  | { readonly kind: "unary"; readonly op: "-" | "+"; readonly operand: Expr }
  | {
      readonly kind: "binary";
      readonly op: "+" | "-" | "*";
      readonly left: Expr;
      readonly right: Expr;
    }
  /** `left / G(right)` or `left % G(right)`. */
  | {
      readonly kind: "divide";
      readonly op: "/" | "%";
      readonly left: Expr;
      readonly right: Expr;
      readonly guard: Guard;
    }
  /** `base ** 2`, `Math.pow(base, 3)`: any base, a constant exponent. */
  | {
      readonly kind: "power-integer";
      readonly syntax: "**" | "Math.pow";
      readonly base: Expr;
      readonly exponent: 2 | 3;
    }
  /** `G(base) ** exponent`: a positive base, any exponent. */
  | {
      readonly kind: "power-positive";
      readonly syntax: "**" | "Math.pow";
      readonly base: Expr;
      readonly exponent: Expr;
      readonly guard: Guard;
    }
  /** Unary functions read `args[0]`, atan2 two, min/max/hypot all. */
  | {
      readonly kind: "math";
      readonly fn: MathFunction;
      readonly args: readonly Expr[];
      readonly guard: Guard;
    }
  | {
      readonly kind: "conditional";
      readonly test: Condition;
      readonly whenTrue: Expr;
      readonly whenFalse: Expr;
    }
  /**
   * A call to another marked function of the program; `array` picks what
   * it passes for an array parameter: the array parameter or a local array.
   */
  | {
      readonly kind: "call";
      readonly pick: number;
      readonly args: readonly Expr[];
      readonly array: number;
    }
  /**
   * `xs[k] ?? value`, an element of the array parameter that may be past
   * its end (`xs[i + 1]`, `xs[2]`); `value` alone without the array
   * parameter, or where README does not take `??` (in a branch or a loop
   * test).
   */
  | { readonly kind: "nullish"; readonly index: number; readonly value: Expr };

export type Condition =
  | {
      readonly kind: "compare";
      readonly op: "<" | "<=" | ">" | ">=" | "===" | "!==";
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly kind: "not"; readonly operand: Condition }
  | {
      readonly kind: "logical";
      readonly op: "&&" | "||";
      readonly left: Condition;
      readonly right: Condition;
    };

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**=";
export type StoreOp = "=" | "+=" | "-=" | "*=" | "/=" | "**=" | "++" | "--";

/**
 * One clause of a `switch`: `labels` labels sharing `body`, which ends in
 * `break;` when `exit` and otherwise falls through into the next clause.
 */
export interface SwitchClause {
  readonly labels: 1 | 2;
  readonly body: readonly Stmt[];
  readonly exit: boolean;
}

/**
 * How a local array starts. A `length` of 0 is the array parameter's
 * length (3 in a function without one).
 *
 *   zeros float64   const h = new Float64Array(xs.length);
 *   zeros array     const h: number[] = new Array(2).fill(0);
 *   empty           const h: number[] = [];          (grown by push)
 *   copy            const h = xs.slice();            (or a local array's)
 *   literal         const h = [a, Math.sin(b)];
 *   call            const h = g(a, xs);              (a marked function returning an array)
 */
export type ArrayInit =
  | {
      readonly kind: "zeros";
      readonly type: "float64" | "array";
      readonly length: number;
    }
  | { readonly kind: "empty" }
  | { readonly kind: "copy"; readonly pick: number }
  | { readonly kind: "literal"; readonly elements: readonly Expr[] }
  | {
      readonly kind: "call";
      readonly pick: number;
      readonly args: readonly Expr[];
      readonly array: number;
    }
  /** `const h = m[r].slice();`, a row of a matrix (without one: `copy`). */
  | { readonly kind: "row"; readonly pick: number; readonly row: number };

/**
 * A matrix dimension: a literal, the matrix parameter's row count or row
 * length, the array parameter's length, or a local `const k = n + 1` of
 * one of those three (read nowhere else: regression-matrix-width-local).
 */
export type Width =
  | { readonly kind: "literal"; readonly value: number }
  | {
      readonly kind: "rows" | "columns" | "vector";
      readonly local: boolean;
    };

/** A row pushed onto a matrix that started `[]`. */
export type RowInit =
  /** `[a, b]`, as many elements as the matrix's (literal) width. */
  | { readonly kind: "literal"; readonly elements: readonly Expr[] }
  /** `new Array(k).fill(0)` */
  | { readonly kind: "zeros" }
  /** `m2[r].slice()` of a matrix as wide (without one: zeros). */
  | { readonly kind: "copy"; readonly pick: number; readonly row: number };

/**
 * How a local matrix starts (annotated `: number[][]` where needed):
 *
 *   zeros     Array.from({ length: r }, () => new Array(k).fill(0))
 *   literal   [[a, b], [c, d]]      (`rows` rows of `columns` elements)
 *   pushed    [] then m.push(row) per row, right after the declaration
 *   copy      Array.from({ length: A.length }, (_, i) => Array.from({ length: A[0].length }, (_, j) => A[i][j]))
 *             or [] then for (const row of A) m.push(row.slice())
 *             (not `(_, i) => A[i].slice()`: a callback returns a number or a new row, TS96003)
 *   tabulate  Array.from({ length: r }, (_, i) => Array.from({ length: k }, (_, j) => value))
 */
export type MatrixInit =
  | {
      readonly kind: "zeros";
      readonly rows: Width;
      readonly columns: Width;
    }
  | {
      readonly kind: "literal";
      readonly rows: number;
      readonly columns: number;
      readonly elements: readonly Expr[];
    }
  | {
      readonly kind: "pushed";
      readonly columns: number;
      readonly rows: readonly RowInit[];
    }
  | { readonly kind: "copy"; readonly pick: number; readonly push: boolean }
  | {
      readonly kind: "tabulate";
      readonly rows: Width;
      readonly columns: Width;
      readonly value: Expr;
    };

/**
 * Nested loops over a matrix's rows and then each row's elements, ending
 * each inner iteration with a write of the element; `before` runs first:
 *
 *   rows     for (let i = 0; i < m.length; i++) for (let j = 0; j < m[i].length; j++) m[i][j] op value
 *   alias    ... { const row = m[i]; for (let j = 0; j < row.length; j++) row[j] op value }
 *   for-of   for (const row of m) for (let j = 0; j < row.length; j++) row[j] op value
 *   step     for (let i = 1; i < m.length; i++) ... m[i][j] = m[i - 1][j] + value  (time steps)
 */
export const SWEEP_FORMS = ["rows", "alias", "for-of", "step"] as const;
export type SweepForm = (typeof SWEEP_FORMS)[number];

/**
 * Counted loops over the array parameter (or a fixed count when there is
 * none): up, down, triangular (`j <= i` inside a loop over `i`), for-of,
 * up by 2 (`i += 2`), down in the test (`for (let i = n; i--; )`); a fixed
 * count; `while` and `do-while` with a counter; a `while` whose test
 * reads values, with a counter as a cap; over a local array's length, and
 * for-of over a local array.
 */
export const LOOP_FORMS = [
  "for-up",
  "for-down",
  "for-step2",
  "for-countdown",
  "for-triangle",
  "for-fixed",
  "for-of",
  "while",
  "while-data",
  "do-while",
  "for-local",
  "for-of-local",
] as const;
export type LoopForm = (typeof LOOP_FORMS)[number];

export type Stmt =
  | {
      readonly kind: "declare";
      readonly mutable: boolean;
      readonly name: number;
      readonly init: Expr;
    }
  | {
      readonly kind: "assign";
      readonly pick: number;
      readonly op: AssignOp;
      readonly value: Expr;
      readonly guard: Guard;
    }
  | {
      readonly kind: "step";
      readonly pick: number;
      readonly op: "++" | "--";
      readonly prefix: boolean;
    }
  | {
      readonly kind: "if";
      readonly test: Condition;
      readonly then: readonly Stmt[];
      readonly otherwise: readonly Stmt[];
    }
  | {
      readonly kind: "loop";
      readonly form: LoopForm;
      /** The count of a fixed loop; an odd count makes `for-triangle` strict (`j < i`). */
      readonly trips: number;
      /** How the counter steps: `i++`, `++i` or `i += 1` (or down). */
      readonly update: 0 | 1 | 2;
      readonly test: Condition;
      readonly body: readonly Stmt[];
      /** The local array a `for-local` or `for-of-local` loop goes over. */
      readonly over: number;
    }
  /** `const h = init;` */
  | { readonly kind: "array"; readonly name: number; readonly init: ArrayInit }
  /**
   * `h[i] = value`, `h[i] += value`, ... into a local array; `h[i] /=
   * G(value)`, `h[i] **= 2` (value unused), `h[i]++`, `h[i]--`.
   */
  | {
      readonly kind: "store";
      readonly pick: number;
      readonly index: number;
      readonly op: StoreOp;
      readonly value: Expr;
      readonly guard: Guard;
    }
  /**
   * A swap, `[a, b] = [b, a]` of two number variables (`[a, b] = [b,
   * value]` when `value` is given), or of two elements of a local array
   * (`[h[i], h[j]] = [h[j], h[i]]`, `pick` the array and `first`,
   * `second` its indices); `adjacent` is a bubble pass instead:
   *
   *   for (let j = 0; j + 1 < h.length; j++)
   *     if (h[j] > h[j + 1]) [h[j], h[j + 1]] = [h[j + 1], h[j]];
   */
  | {
      readonly kind: "swap";
      readonly target: "scalars" | "elements" | "adjacent";
      readonly pick: number;
      readonly first: number;
      readonly second: number;
      readonly value: Expr | null;
    }
  /**
   * `const [a, b] = [e1, e2]` (or `let`), declaring a local per element;
   * with `fromArray`, `const [a, b] = h` of a local array long enough
   * (without one, the literal).
   */
  | {
      readonly kind: "destructure";
      readonly mutable: boolean;
      readonly name: number;
      readonly elements: readonly Expr[];
      readonly fromArray: boolean;
    }
  /**
   * A `switch` on an integer (`subject` picks one of those in scope, see
   * `switchSubjects` in program-render.ts) with a clause per case, labelled `case 0:`, `case 1:`,
   * ... in order; clause `defaultAt` is the `default:` (its second label,
   * when it has two), none when that is past the last clause:
   *
   *   switch (i % 3) { case 0: case 1: s += x; default: { ... break; } case 3: ... }
   */
  | {
      readonly kind: "switch";
      readonly subject: number;
      readonly clauses: readonly SwitchClause[];
      readonly defaultAt: number;
    }
  /** `h.push(value)` onto a local array that started empty. */
  | { readonly kind: "push"; readonly pick: number; readonly value: Expr }
  /** `const m = init;` a local matrix (without matrices: an `array`). */
  | {
      readonly kind: "matrix";
      readonly name: number;
      readonly init: MatrixInit;
    }
  /** `m[r][c] op= value` into a local matrix (without matrices: a `store`). */
  | {
      readonly kind: "cell-store";
      readonly pick: number;
      readonly row: number;
      readonly column: number;
      readonly op: "=" | "+=" | "-=";
      readonly value: Expr;
    }
  /** See SWEEP_FORMS (without matrices: a `tabulate` of a new array). */
  | {
      readonly kind: "sweep";
      readonly form: SweepForm;
      readonly pick: number;
      readonly op: "=" | "+=" | "-=";
      readonly before: readonly Stmt[];
      readonly value: Expr;
    }
  /**
   * A loop writing each element of a local array in turn, a `for` over
   * its own length (so it may write a literal too); `target` picks an
   * array of this block, or a new one made from `init`:
   *
   *   for (let i = 0; i < h.length; i++) { before; h[i] = value; after }
   */
  | {
      readonly kind: "tabulate";
      readonly target: number;
      readonly init: ArrayInit;
      readonly down: boolean;
      readonly before: readonly Stmt[];
      readonly value: Expr;
      readonly after: readonly Stmt[];
    }
  /**
   * `if (test) break;`, `continue`, `return value` or `throw` of an error
   * whose message reads `value`: break and continue only inside loops,
   * return only outside them (`return` inside a loop becomes `break`).
   */
  | {
      readonly kind: "exit";
      readonly jump: "break" | "continue" | "return" | "throw";
      readonly test: Condition;
      readonly value: Expr;
    };

/**
 * A number parameter the callers may leave out, last of all:
 *
 *   default   `k = value`                  (value may read the parameters before it)
 *   assign    `k?: number`, the body starting `k ??= value;`
 *   coalesce  `k?: number`, the body starting `const s = k ?? value;`
 */
export interface OptionalParam {
  readonly form: "default" | "assign" | "coalesce";
  readonly value: Expr;
}

export interface FunctionSpec {
  /** Number parameters, 0 to 3 (at least one parameter in all). */
  readonly scalars: number;
  readonly optional: OptionalParam | null;
  /** Where the array parameter goes, when the function has one. */
  readonly arrayFirst: boolean;
  /** Which set of parameter names, some chosen to collide with generated names. */
  readonly names: number;
  readonly body: readonly Stmt[];
  readonly result: Expr;
  /**
   * The result also adds the parameters and locals of the top of the body,
   * so that what the body computes reaches it.
   */
  readonly sumsVariables: boolean;
  /** An array result instead of `result`; see `VectorOutput`. */
  readonly vector: VectorOutput | null;
  /**
   * In a program with matrices, a matrix result instead: `const out =
   * init;` starts the body, which returns `out` (a main's only: no
   * function calls it).
   */
  readonly matrixOut: MatrixInit | null;
}

/**
 * An array result: `const out = init;` starts the body, and the function
 * returns `[result, ...literal]` (when `literal` is not empty and `out` is
 * a `number[]`) or an array of the top of the body of `out`'s type, picked
 * by `pick`.
 */
export interface VectorOutput {
  readonly init: ArrayInit;
  readonly literal: readonly Expr[];
  readonly pick: number;
}

export interface ProgramSpec {
  /** Exported and checked; each may call the helper and the ones before it. */
  readonly mains: readonly FunctionSpec[];
  /** A marked function the mains may call. */
  readonly helper: FunctionSpec | null;
  readonly helperExported: boolean;
  /** Whether the helper takes the array parameter too (when there is one). */
  readonly helperArray: boolean;
  /** The array parameter every main takes: none, Float64Array or number[]. */
  readonly array: "none" | "float64" | "array";
  /**
   * Whether every main takes a matrix parameter `A: number[][]` (so does
   * the helper, when it takes the array parameter) and the matrix nodes
   * make matrices.
   */
  readonly matrix: boolean;
  /** Seeds the points the checks draw (not shrunk: it does not simplify the program). */
  readonly seed: number;
}

const guard: fc.Arbitrary<Guard> = fc.oneof(
  fc.record({ kind: fc.constantFrom("square", "sine", "cosh", "exp") }),
  fc.record({
    kind: fc.constant("literal"),
    value: fc.constantFrom(2, 0.5, 3, 1.5),
  }),
);

/** The rarer operators a fifth of the time: the others are those of most code. */
const storeOp: fc.Arbitrary<StoreOp> = fc.oneof(
  { arbitrary: fc.constantFrom("=", "+=", "-=", "*="), weight: 4 },
  { arbitrary: fc.constantFrom("/=", "**=", "++", "--"), weight: 1 },
);

const literal: fc.Arbitrary<Expr> = fc.record({
  kind: fc.constant("literal"),
  value: fc.constantFrom(1, 2, 0.5, 3, 1.5, 0.25, -1, -0.5, 0, 10, 0.1),
});

/** Piecewise-constant functions less often: their derivative is zero. */
const mathFunction: fc.Arbitrary<MathFunction> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      ...MATH_FUNCTIONS.filter((f) => !PIECEWISE_CONSTANT.includes(f)),
    ),
    weight: 6,
  },
  { arbitrary: fc.constantFrom(...PIECEWISE_CONSTANT), weight: 1 },
);

type Tree = {
  expr: Expr;
  condition: Condition;
  stmt: Stmt;
  init: ArrayInit;
  matrixInit: MatrixInit;
};

const width: fc.Arbitrary<Width> = fc.oneof(
  fc.record({
    kind: fc.constant("literal"),
    value: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constantFrom("rows", "columns", "vector"),
    local: fc.boolean(),
  }),
);

const tree = fc.letrec<Tree>((tie) => {
  const expr = tie("expr");
  const condition = tie("condition");
  const init = tie("init");
  const matrixInit = tie("matrixInit");
  const block = fc.array(tie("stmt"), { minLength: 1, maxLength: 4 });
  const args = fc.array(expr, { minLength: 1, maxLength: 3 });
  const leaf: fc.Arbitrary<Expr> = fc.oneof(
    {
      arbitrary: fc.record({ kind: fc.constant("read"), pick: fc.nat(15) }),
      weight: 6,
    },
    { arbitrary: literal, weight: 2 },
    {
      arbitrary: fc.record({ kind: fc.constant("element"), pick: fc.nat(3) }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("local"),
        pick: fc.nat(3),
        index: fc.nat(5),
      }),
      weight: 3,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("constant"),
        name: fc.constantFrom(...MATH_CONSTANTS),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("cell"),
        pick: fc.nat(3),
        row: fc.nat(5),
        column: fc.nat(5),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant("nullish"),
        index: fc.nat(5),
        value: literal,
      }),
      weight: 1,
    },
  );
  return {
    expr: fc.oneof(
      {
        maxDepth: 4,
        depthSize: "small",
        depthIdentifier: "expr",
        withCrossShrink: true,
      },
      { arbitrary: leaf, weight: 5 },
      {
        arbitrary: fc.record({
          kind: fc.constant("unary"),
          op: fc.constantFrom("-", "+"),
          operand: expr,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("binary"),
          op: fc.constantFrom("+", "-", "*"),
          left: expr,
          right: expr,
        }),
        weight: 5,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("divide"),
          op: fc.constantFrom("/", "%"),
          left: expr,
          right: expr,
          guard,
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("power-integer"),
          syntax: fc.constantFrom("**", "Math.pow"),
          base: expr,
          exponent: fc.constantFrom(2, 3),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("power-positive"),
          syntax: fc.constantFrom("**", "Math.pow"),
          base: expr,
          exponent: expr,
          guard,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("math"),
          fn: mathFunction,
          args,
          guard,
        }),
        weight: 5,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("conditional"),
          test: condition,
          whenTrue: expr,
          whenFalse: expr,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("call"),
          pick: fc.nat(3),
          args,
          array: fc.nat(3),
        }),
        weight: 1,
      },
    ),
    condition: fc.oneof(
      { maxDepth: 2, depthIdentifier: "condition", withCrossShrink: true },
      {
        arbitrary: fc.record({
          kind: fc.constant("compare"),
          op: fc.constantFrom("<", "<=", ">", ">=", "===", "!=="),
          left: expr,
          right: expr,
        }),
        weight: 6,
      },
      {
        arbitrary: fc.record({ kind: fc.constant("not"), operand: condition }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("logical"),
          op: fc.constantFrom("&&", "||"),
          left: condition,
          right: condition,
        }),
        weight: 1,
      },
    ),
    stmt: fc.oneof(
      { maxDepth: 3, depthIdentifier: "stmt", withCrossShrink: true },
      {
        arbitrary: fc.record({
          kind: fc.constant("declare"),
          mutable: fc.boolean(),
          name: fc.nat(20),
          init: expr,
        }),
        weight: 4,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("assign"),
          pick: fc.nat(15),
          op: fc.constantFrom("=", "+=", "-=", "*=", "/=", "%=", "**="),
          value: expr,
          guard,
        }),
        weight: 5,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("step"),
          pick: fc.nat(15),
          op: fc.constantFrom("++", "--"),
          prefix: fc.boolean(),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("if"),
          test: condition,
          then: block,
          otherwise: fc.oneof(fc.constant([]), block),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("loop"),
          form: fc.constantFrom(...LOOP_FORMS),
          trips: fc.integer({ min: 1, max: 3 }),
          update: fc.constantFrom(0, 1, 2),
          test: condition,
          body: block,
          over: fc.nat(3),
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("exit"),
          jump: fc.constantFrom("break", "continue", "return", "throw"),
          test: condition,
          value: expr,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("array"),
          name: fc.nat(20),
          init,
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("store"),
          pick: fc.nat(3),
          index: fc.nat(5),
          op: storeOp,
          value: expr,
          guard,
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("swap"),
          target: fc.constantFrom("scalars", "elements", "adjacent"),
          pick: fc.nat(15),
          first: fc.nat(5),
          second: fc.nat(5),
          value: fc.option(expr, { nil: null }),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("destructure"),
          mutable: fc.boolean(),
          name: fc.nat(20),
          elements: fc.array(expr, { minLength: 2, maxLength: 3 }),
          fromArray: fc.boolean(),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("switch"),
          subject: fc.nat(7),
          clauses: fc.array(
            fc.record({
              labels: fc.constantFrom<1 | 2>(1, 1, 2),
              body: block,
              exit: fc.boolean(),
            }),
            { minLength: 1, maxLength: 3 },
          ),
          defaultAt: fc.nat(3),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("push"),
          pick: fc.nat(3),
          value: expr,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("tabulate"),
          target: fc.nat(3),
          init,
          down: fc.boolean(),
          before: fc.oneof(fc.constant([]), block),
          value: expr,
          after: fc.oneof(fc.constant([]), block),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("matrix"),
          name: fc.nat(20),
          init: matrixInit,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("cell-store"),
          pick: fc.nat(3),
          row: fc.nat(5),
          column: fc.nat(5),
          op: fc.constantFrom("=", "+=", "-="),
          value: expr,
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("sweep"),
          form: fc.constantFrom(...SWEEP_FORMS),
          pick: fc.nat(3),
          op: fc.constantFrom("=", "+=", "-="),
          before: fc.oneof(fc.constant([]), block),
          value: expr,
        }),
        weight: 1,
      },
    ),
    init: fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant("zeros"),
          type: fc.constantFrom("float64", "array"),
          length: fc.nat(3),
        }),
        weight: 3,
      },
      { arbitrary: fc.record({ kind: fc.constant("empty") }), weight: 2 },
      {
        arbitrary: fc.record({ kind: fc.constant("copy"), pick: fc.nat(3) }),
        weight: 1,
      },
      {
        arbitrary: fc.record({ kind: fc.constant("literal"), elements: args }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("call"),
          pick: fc.nat(3),
          args,
          array: fc.nat(3),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("row"),
          pick: fc.nat(3),
          row: fc.nat(5),
        }),
        weight: 1,
      },
    ),
    matrixInit: fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant("zeros"),
          rows: width,
          columns: width,
        }),
        weight: 3,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("literal"),
          rows: fc.integer({ min: 1, max: 3 }),
          columns: fc.integer({ min: 1, max: 3 }),
          elements: args,
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("pushed"),
          columns: fc.integer({ min: 1, max: 3 }),
          rows: fc.array(
            fc.oneof(
              fc.record({ kind: fc.constant("literal"), elements: args }),
              fc.record({ kind: fc.constant("zeros") }),
              fc.record({
                kind: fc.constant("copy"),
                pick: fc.nat(3),
                row: fc.nat(5),
              }),
            ),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("copy"),
          pick: fc.nat(3),
          push: fc.boolean(),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          kind: fc.constant("tabulate"),
          rows: width,
          columns: width,
          value: expr,
        }),
        weight: 2,
      },
    ),
  };
});

const functionSpec: fc.Arbitrary<FunctionSpec> = fc.record({
  scalars: fc.integer({ min: 0, max: 3 }),
  optional: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(null), weight: 4 },
    {
      arbitrary: fc.record({
        form: fc.constantFrom("default", "assign", "coalesce"),
        value: tree.expr,
      }),
      weight: 1,
    },
  ),
  arrayFirst: fc.boolean(),
  names: fc.nat(3),
  body: fc.array(tree.stmt, { minLength: 1, maxLength: 7 }),
  result: tree.expr,
  sumsVariables: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(false), weight: 1 },
    { arbitrary: fc.constant(true), weight: 4 },
  ),
  vector: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(null), weight: 3 },
    {
      arbitrary: fc.record({
        init: tree.init,
        literal: fc.oneof(
          fc.constant([]),
          fc.array(tree.expr, { minLength: 1, maxLength: 3 }),
        ),
        pick: fc.nat(3),
      }),
      weight: 2,
    },
  ),
  matrixOut: fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.constant(null), weight: 3 },
    { arbitrary: tree.matrixInit, weight: 1 },
  ),
});

/** One module's worth of marked functions: one or two mains, maybe a helper. */
export const programArbitrary: fc.Arbitrary<ProgramSpec> = fc.record({
  mains: fc.array(functionSpec, { minLength: 1, maxLength: 2 }),
  helper: fc.option(functionSpec, { nil: null }),
  helperExported: fc.boolean(),
  helperArray: fc.boolean(),
  array: fc.constantFrom("none", "float64", "array"),
  matrix: fc.oneof(
    { arbitrary: fc.constant(false), weight: 3 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
  seed: fc.noShrink(fc.integer({ min: 1, max: 0x7fffffff })),
});
