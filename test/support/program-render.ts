/**
 * Resolves a ProgramSpec (program-generator.ts) into TypeScript source:
 * statements, loops and functions; expressions and the bounds that keep
 * values finite are program-expressions.ts's, what may be done with a
 * local array where is program-arrays.ts's. Bounds flow through
 * branches by joining them, and through loops by resolving the body once
 * per possible iteration (see `resolveLoop`).
 */
import {
  arrayParam,
  type ArrayType,
  type ArrayVariable,
  type Counter,
  type Extent,
  indexChoices,
  isArray,
  lengthOf,
  localArrays,
  mayPush,
  mayWrite,
  maxLengthOf,
  notePush,
} from "./program-arrays.js";
import {
  AND,
  atom,
  noteRead,
  writableAfterReads,
  binary,
  type Bounds,
  call,
  callArguments,
  type Callable,
  CAP,
  type Code,
  combine,
  type Env,
  type FunctionContext,
  INPUT_BOUND,
  type LoopFrame,
  MAX_LENGTH,
  num,
  operand,
  PARAM_BOUND,
  positive,
  read,
  readable,
  resolveCondition,
  resolveExpr,
  Scope,
  squash,
  type SwitchFrame,
  type Variable,
} from "./program-expressions.js";
import {
  boundOf,
  dimCounter,
  extentOf,
  isMatrix,
  matrices,
  type MatrixVariable,
  resolveCell,
  resolveMatrixInit,
  rowChoices,
  type RowVariable,
  writableMatrices,
} from "./program-matrices.js";
import {
  type ArrayInit,
  type Condition,
  type MatrixInit,
  type Expr,
  type FunctionSpec,
  type OptionalParam,
  type ProgramSpec,
  type Stmt,
} from "./program-generator.js";

const LOCAL_NAMES = [
  "s",
  "t",
  "p",
  "y",
  "acc",
  "u",
  "result",
  "test",
  "dt",
  "done",
  "t_1",
  "s_adj",
  "sin_s",
  "k",
  "iterations",
  "ds",
];
/** Plain names, then names the transformer itself derives (dx, x_adj, result, ...). */
const PARAM_NAMES: readonly {
  scalars: string[];
  array: string;
  matrix: string;
  /** The optional parameter's (FunctionSpec.optional). */
  optional: string;
}[] = [
  { scalars: ["a", "b", "c"], array: "xs", matrix: "A", optional: "k" },
  { scalars: ["x", "y", "z"], array: "v", matrix: "W", optional: "offset" },
  {
    scalars: ["x", "dx", "x_adj"],
    array: "result_adj",
    matrix: "m_adj",
    optional: "dk",
  },
  {
    scalars: ["result", "test", "done"],
    array: "iterations",
    matrix: "row",
    optional: "scale",
  },
];
/** Local arrays; some collide with generated names (`e_adj`, `cotangent`). */
const ARRAY_NAMES = [
  "h",
  "w",
  "ys",
  "buf",
  "prefix",
  "e_adj",
  "da",
  "cotangent",
  "tmp",
  "xs_1",
];
/** Local matrices; some collide with generated names. */
const MATRIX_NAMES = ["mat", "state", "grid", "rows", "mat_adj", "cells"];
/** Row aliases (`const row = m[i]`, `for (const row of m)`). */
const ROW_NAMES = ["row", "cur", "r_adj"];
/** The array (or matrix) a function with an array result declares first. */
const OUT = "out";
/** By loop depth; a sweep over a matrix takes two. */
const FOR_COUNTERS = ["i", "j", "l", "m", "q", "r", "o", "i2"];
const ELEMENT_NAMES = ["e", "e2", "e3", "e4", "e5"];

const indent = (lines: readonly string[]) => lines.map((l) => `  ${l}`);

function cloneBounds(bounds: Bounds): Bounds {
  return new Map(bounds);
}

/** The largest bound of each variable of `keys` over `states`. */
function join(keys: Bounds, states: readonly Bounds[]): Bounds {
  const joined: Bounds = new Map();
  for (const v of keys.keys()) {
    joined.set(v, Math.max(...states.map((s) => s.get(v) ?? 0)));
  }
  return joined;
}

function assignBounds(target: Bounds, source: Bounds) {
  for (const [v, b] of source) if (target.has(v)) target.set(v, b);
}

function childEnv(
  env: Env,
  bounds: Bounds,
  indices: readonly Counter[] = env.indices,
): Env {
  return {
    scope: new Scope(env.scope),
    bounds,
    fn: env.fn,
    hidden: null,
    indices,
  };
}

function declare(env: Env, v: Variable, bound: number) {
  env.scope.declared.set(v.name, v);
  env.bounds.set(v, bound);
}

function freshName(base: string, env: Env): string {
  let name = base;
  for (
    let k = 2;
    env.scope.declared.has(name) ||
    env.scope.used.has(name) ||
    env.fn.reserved.has(name);
    k++
  ) {
    name = `${base}_${k}`;
  }
  return name;
}

function resolveStmts(stmts: readonly Stmt[], env: Env): string[] {
  return stmts.flatMap((s) => resolveStmt(s, env));
}

function assignable(env: Env): Variable[] {
  return readable(env).filter(
    (v) => v.mutable && (v.role === "param" || v.role === "local"),
  );
}

function resolveStmt(s: Stmt, env: Env): string[] {
  switch (s.kind) {
    case "declare": {
      const name = freshName(LOCAL_NAMES[s.name % LOCAL_NAMES.length]!, env);
      const init = resolveExpr(s.init, { ...env, hidden: name });
      const v: Variable = {
        name,
        role: "local",
        mutable: s.mutable,
        literal: !s.mutable && init.literal,
      };
      declare(env, v, init.bound);
      return [`${s.mutable ? "let" : "const"} ${name} = ${init.text};`];
    }
    case "assign":
      return resolveAssign(s, env);
    case "step": {
      const targets = assignable(env);
      if (targets.length === 0) return [];
      const v = targets[s.pick % targets.length]!;
      env.scope.use(v);
      const bound = env.bounds.get(v)! + 1;
      if (bound > CAP) return [];
      env.bounds.set(v, bound);
      return [s.prefix ? `${s.op}${v.name};` : `${v.name}${s.op};`];
    }
    case "if": {
      const test = resolveCondition(s.test, env);
      const then = childEnv(env, cloneBounds(env.bounds));
      const thenLines = resolveStmts(s.then, then);
      const otherwise = childEnv(env, cloneBounds(env.bounds));
      const elseLines = resolveStmts(s.otherwise, otherwise);
      assignBounds(
        env.bounds,
        join(env.bounds, [then.bounds, otherwise.bounds]),
      );
      const lines = [`if (${test.text}) {`, ...indent(thenLines)];
      if (s.otherwise.length === 1 && s.otherwise[0]!.kind === "if") {
        // else if (...) { ... }
        lines.push(`} else ${elseLines[0]!}`, ...elseLines.slice(1, -1));
      } else if (s.otherwise.length > 0) {
        lines.push("} else {", ...indent(elseLines));
      }
      return [...lines, "}"];
    }
    case "loop":
      return resolveLoop(loopShape(s, env), env, s.test, s.body);
    case "exit":
      return resolveExit(s, env);
    case "array": {
      const name = freshName(ARRAY_NAMES[s.name % ARRAY_NAMES.length]!, env);
      return [declareArray(name, s.init, env).line];
    }
    case "store":
      return resolveStore(s, env);
    case "swap":
      return s.target === "scalars"
        ? resolveScalarSwap(s, env)
        : resolveElementSwap(s, env);
    case "destructure":
      return resolveDestructure(s, env);
    case "switch":
      return resolveSwitch(s, env);
    case "push": {
      const arrays = localArrays(env).filter((a) => mayPush(a, env));
      if (arrays.length === 0) return [];
      const a = arrays[s.pick % arrays.length]!;
      env.scope.use(a);
      notePush(a, env);
      const value = resolveExpr(s.value, env);
      env.bounds.set(a, Math.max(env.bounds.get(a)!, value.bound));
      return [`${a.name}.push(${value.text});`];
    }
    case "tabulate":
      return resolveTabulate(s, env);
    case "matrix":
      if (!env.fn.matrices) {
        const init: ArrayInit = {
          kind: "zeros",
          type: "array",
          length: s.name % 4,
        };
        return resolveStmt({ kind: "array", name: s.name, init }, env);
      }
      return declareMatrix(
        freshName(MATRIX_NAMES[s.name % MATRIX_NAMES.length]!, env),
        s.init,
        env,
      ).lines;
    case "cell-store":
      if (!env.fn.matrices) {
        const { pick, row: index, op, value } = s;
        const guard = { kind: "literal", value: 2 } as const;
        return resolveStmt(
          { kind: "store", pick, index, op, value, guard },
          env,
        );
      }
      return resolveCellStore(s, env);
    case "sweep":
      if (!env.fn.matrices) {
        return resolveStmt(
          {
            kind: "tabulate",
            target: s.pick,
            init: { kind: "zeros", type: "float64", length: 0 },
            down: false,
            before: s.before,
            value: s.value,
            after: [],
          },
          env,
        );
      }
      return resolveSweep(s, env);
  }
}

/** `const m = init;` (and its pushes), declared in `env`. */
function declareMatrix(
  name: string,
  init: MatrixInit,
  env: Env,
): { lines: string[]; matrix: MatrixVariable } {
  const made = resolveMatrixInit(init, { ...env, hidden: name });
  const matrix: MatrixVariable = {
    name,
    role: "matrix",
    mutable: false,
    literal: false,
    rows: made.rows,
    columns: made.columns,
    scope: env.scope,
    pushed: made.pushed,
  };
  declare(env, matrix, made.bound);
  const annotation = made.annotate ? ": number[][]" : "";
  return {
    lines: [
      ...made.before,
      `const ${name}${annotation} = ${made.text};`,
      ...made.after(name),
    ],
    matrix,
  };
}

/** The bound after `op`, and `op` itself unless it would grow past CAP. */
function updated(
  before: number,
  op: "=" | "+=" | "-=",
  value: number,
): { op: "=" | "+=" | "-="; bound: number } {
  if (op === "=") return { op, bound: Math.max(before, value) };
  // Growing too large, an update becomes a plain write.
  if (before + value > CAP) return { op: "=", bound: Math.max(before, value) };
  return { op, bound: before + value };
}

/** `m[r][c] op= value` (or `row[c] op= value`) into a local matrix. */
function resolveCellStore(
  s: Extract<Stmt, { kind: "cell-store" }>,
  env: Env,
): string[] {
  const cell = resolveCell(s.pick, s.row, s.column, env, true);
  if (cell === null) return [];
  const value = resolveExpr(s.value, env);
  const { op, bound } = updated(boundOf(cell.matrix, env), s.op, value.bound);
  env.bounds.set(cell.matrix, bound);
  return [`${cell.text} ${op} ${value.text};`];
}

/**
 * Nested loops writing each element of a local matrix (a new one when
 * `pick` picks none of those in scope); see SWEEP_FORMS.
 */
function resolveSweep(s: Extract<Stmt, { kind: "sweep" }>, env: Env): string[] {
  const depth = env.fn.loops.length;
  if (depth + 2 > FOR_COUNTERS.length) return [];
  const lines: string[] = [];
  // The matrix parameter is read only: the sweep adds its elements up.
  const param = env.fn.matrixParam;
  const targets = [
    ...writableMatrices(env),
    ...(param === null ? [] : [param]),
  ];
  let target = targets[s.pick % (targets.length + 1)];
  if (target === undefined) {
    const name = freshName(MATRIX_NAMES[s.pick % MATRIX_NAMES.length]!, env);
    const init: MatrixInit = {
      kind: "zeros",
      rows: { kind: "rows", local: s.pick % 2 === 1 },
      columns: { kind: "columns", local: false },
    };
    const declared = declareMatrix(name, init, env);
    lines.push(...declared.lines);
    target = declared.matrix;
  }
  const m = target;
  env.scope.use(m);
  let sum: Variable | null = null;
  if (m === param) {
    sum = {
      name: freshName(LOCAL_NAMES[4]!, env),
      role: "local",
      mutable: true,
      literal: false,
    };
    declare(env, sum, 0);
    lines.push(`let ${sum.name} = 0;`);
  }
  const i = counter(FOR_COUNTERS[depth]!);
  const j = counter(FOR_COUNTERS[depth + 1]!);
  const aliased = s.form === "alias" || s.form === "for-of";
  const row: RowVariable = {
    name: freshName(ROW_NAMES[s.pick % ROW_NAMES.length]!, env),
    role: "row",
    mutable: false,
    literal: false,
    matrix: m,
  };
  const start = s.form === "step" ? 1 : 0;
  const outer: LoopShape = {
    before: [],
    open: () =>
      s.form === "for-of"
        ? `for (const ${row.name} of ${m.name}) {`
        : `for (let ${i.name} = ${start}; ${i.name} < ${m.name}.length; ${i.name}++) {`,
    close: "}",
    increment: null,
    trips: m.rows.max,
    local:
      s.form === "for-of"
        ? { variable: row, bound: () => 0 }
        : { variable: i, bound: () => m.rows.max },
    index:
      s.form === "for-of"
        ? null
        : { ...dimCounter(i, m.rows, env), previous: s.form === "step" },
    over: null,
    tested: false,
  };
  const rowText = aliased ? row.name : `${m.name}[${i.name}]`;
  const inner: LoopShape = {
    before: [],
    open: () =>
      `for (let ${j.name} = 0; ${j.name} < ${rowText}.length; ${j.name}++) {`,
    close: "}",
    increment: null,
    trips: m.columns.max,
    local: { variable: j, bound: () => m.columns.max },
    index: dimCounter(j, m.columns, env),
    over: null,
    tested: false,
  };
  lines.push(
    ...resolveLoop(outer, env, /*test*/ null, (body) => {
      const alias: string[] = [];
      if (s.form === "alias") {
        declare(body, row, 0);
        alias.push(`const ${row.name} = ${m.name}[${i.name}];`);
      }
      return [
        ...alias,
        ...resolveLoop(inner, body, /*test*/ null, (cell) => {
          // The write below names them: the body may not declare those names.
          cell.scope.use(m);
          if (aliased) cell.scope.use(row);
          if (sum !== null) cell.scope.use(sum);
          const before = resolveStmts(s.before, cell);
          let value = resolveExpr(s.value, cell);
          const write = `${rowText}[${j.name}]`;
          if (sum !== null) {
            // sum += row[j] * value
            noteRead(m, cell);
            const element = atom(`${rowText}[${j.name}]`, boundOf(m, cell));
            const term = binary(
              element,
              "*",
              value,
              element.bound * value.bound,
            );
            const added = updated(cell.bounds.get(sum)!, "+=", term.bound);
            cell.bounds.set(sum, added.bound);
            return [...before, `${sum.name} ${added.op} ${term.text};`];
          }
          // An inner loop of `before` read it: no write (writableAfterReads).
          if (!writableAfterReads(m, cell)) return before;
          if (s.form === "step") {
            noteRead(m, cell);
            const previous = atom(
              `${m.name}[${i.name} - 1][${j.name}]`,
              boundOf(m, cell),
            );
            value = binary(previous, "+", value, previous.bound + value.bound);
          }
          const { op, bound } = updated(boundOf(m, cell), s.op, value.bound);
          cell.bounds.set(m, bound);
          return [...before, `${write} ${op} ${value.text};`];
        }),
      ];
    }),
  );
  return lines;
}

/** `const name = init;`, declared in `env`. */
function declareArray(
  name: string,
  init: ArrayInit,
  env: Env,
): { line: string; array: ArrayVariable } {
  const made = resolveArrayInit(init, { ...env, hidden: name });
  const array: ArrayVariable = {
    name,
    role: "array",
    mutable: false,
    literal: false,
    type: made.type,
    extent: made.extent,
    grows: init.kind === "empty",
    depth: env.fn.loops.length,
    scope: env.scope,
  };
  declare(env, array, made.code.bound);
  env.fn.maxLengths.set(array, made.maxLength);
  const annotation = made.annotate ? ": number[]" : "";
  return { line: `const ${name}${annotation} = ${made.code.text};`, array };
}

interface MadeArray {
  readonly code: Code;
  readonly type: ArrayType;
  readonly extent: Extent;
  readonly maxLength: number;
  /** `new Array(n).fill(0)` and `[]` need `: number[]`. */
  readonly annotate: boolean;
}

function resolveArrayInit(init: ArrayInit, env: Env): MadeArray {
  switch (init.kind) {
    case "zeros": {
      const array = env.fn.array;
      const param = init.length === 0 && array !== null;
      const length = init.length === 0 ? 3 : init.length;
      const n = param ? `${array}.length` : String(length);
      return {
        code: atom(
          init.type === "float64"
            ? `new Float64Array(${n})`
            : `new Array(${n}).fill(0)`,
          0,
        ),
        type: init.type,
        extent: param ? { kind: "param" } : { kind: "fixed", length },
        maxLength: param ? MAX_LENGTH : length,
        annotate: init.type === "array",
      };
    }
    case "empty":
      return {
        code: atom("[]", 0),
        type: "array",
        extent: { kind: "own" },
        maxLength: 0,
        annotate: true,
      };
    case "copy": {
      const param = env.fn.arrayParam;
      const locals = localArrays(env);
      const sources = [...(param === null ? [] : [param]), ...locals];
      if (sources.length === 0) {
        return resolveArrayInit(
          { kind: "zeros", type: "float64", length: 0 },
          env,
        );
      }
      const source = sources[init.pick % sources.length]!;
      env.scope.use(source);
      noteRead(source, env);
      // A third of the copies of a `number[]` spread: `[...xs]`.
      const spread =
        source.type === "array" &&
        Math.floor(init.pick / sources.length) % 3 === 1;
      return {
        code: atom(
          spread ? `[...${source.name}]` : `${source.name}.slice()`,
          env.bounds.get(source) ?? env.fn.elementBound,
        ),
        type: source.type,
        extent: source.extent,
        maxLength: maxLengthOf(source, env.fn),
        annotate: false,
      };
    }
    case "literal": {
      const elements = init.elements.map((e) => resolveExpr(e, env));
      return {
        code: atom(
          `[${elements.map((e) => e.text).join(", ")}]`,
          Math.max(...elements.map((e) => e.bound)),
        ),
        type: "array",
        extent: { kind: "fixed", length: elements.length },
        maxLength: elements.length,
        annotate: false,
      };
    }
    case "row": {
      const sources = env.fn.matrices ? matrices(env) : [];
      if (sources.length === 0) {
        return resolveArrayInit({ kind: "copy", pick: init.pick }, env);
      }
      const m = sources[init.pick % sources.length]!;
      env.scope.use(m);
      noteRead(m, env);
      const rows = rowChoices(m, env);
      return {
        code: atom(
          `${m.name}[${rows[init.row % rows.length]}].slice()`,
          boundOf(m, env),
        ),
        type: "array",
        extent: extentOf(m.columns, env),
        maxLength: m.columns.max,
        annotate: false,
      };
    }
    case "call": {
      const callables = env.fn.callables.filter((c) => c.vector !== null);
      if (callables.length === 0) {
        return resolveArrayInit({ kind: "literal", elements: init.args }, env);
      }
      const callee = callables[init.pick % callables.length]!;
      const { args, passed } = callArguments(
        callee,
        init.args,
        init.array,
        env,
      );
      const { type, extent } = callee.vector!;
      const actual =
        extent.kind === "param" && passed !== null ? passed.extent : extent;
      return {
        code: call(callee.name, args, callee.resultBound),
        type,
        extent: actual,
        maxLength:
          actual.kind === "fixed"
            ? actual.length
            : passed === null
              ? MAX_LENGTH
              : maxLengthOf(passed, env.fn),
        annotate: false,
      };
    }
  }
}

/** Local arrays whose elements may be written here, at an index of indexChoices. */
function storable(env: Env): ArrayVariable[] {
  return localArrays(env).filter(
    (a) =>
      !a.grows &&
      mayWrite(a, env) &&
      writableAfterReads(a, env) &&
      indexChoices(a, env).length > 0,
  );
}

/** `h[i] op= value` into a local array that may be written here. */
function resolveStore(s: Extract<Stmt, { kind: "store" }>, env: Env): string[] {
  const arrays = storable(env);
  if (arrays.length === 0) return [];
  const a = arrays[s.pick % arrays.length]!;
  const indices = indexChoices(a, env);
  const index = indices[s.index % indices.length]!;
  env.scope.use(a);
  const target = `${a.name}[${index}]`;
  const value = resolveExpr(s.value, env);
  const before = env.bounds.get(a)!;
  const update = storeUpdate(s, target, value, before);
  if (update.bound <= CAP) {
    env.bounds.set(a, update.bound);
    return [`${update.text};`];
  }
  // Growing too large, an update becomes a plain write.
  env.bounds.set(a, Math.max(before, value.bound));
  return [`${target} = ${value.text};`];
}

/** `target op value` (or `target++`, ...) and the bound it leaves. */
function storeUpdate(
  s: Extract<Stmt, { kind: "store" }>,
  target: string,
  value: Code,
  before: number,
): { text: string; bound: number } {
  switch (s.op) {
    case "=":
      return {
        text: `${target} = ${value.text}`,
        bound: Math.max(before, value.bound),
      };
    case "+=":
    case "-=":
      return {
        text: `${target} ${s.op} ${value.text}`,
        bound: before + value.bound,
      };
    case "*=":
      return {
        text: `${target} *= ${value.text}`,
        bound: Math.max(before, before * value.bound),
      };
    case "/=": {
      const { code, low } = positive(value, s.guard);
      return {
        text: `${target} /= ${code.text}`,
        bound: Math.max(before, before / low),
      };
    }
    case "**=":
      return { text: `${target} **= 2`, bound: Math.max(before, before ** 2) };
    case "++":
    case "--":
      return { text: `${target}${s.op}`, bound: before + 1 };
  }
}

/** `[a, b] = [b, a]`, or `[a, b] = [b, value]`, of two number variables. */
function resolveScalarSwap(
  s: Extract<Stmt, { kind: "swap" }>,
  env: Env,
): string[] {
  const targets = assignable(env);
  if (targets.length < 2) return [];
  const a = targets[s.pick % targets.length]!;
  const others = targets.filter((v) => v !== a);
  const b = others[s.first % others.length]!;
  const value = s.value === null ? read(a, env) : resolveExpr(s.value, env);
  // Both are named here: a later declaration in the block takes another name.
  env.scope.use(a);
  env.scope.use(b);
  env.bounds.set(a, env.bounds.get(b)!);
  env.bounds.set(b, value.bound);
  return [`[${a.name}, ${b.name}] = [${b.name}, ${value.text}];`];
}

/**
 * `[h[i], h[j]] = [h[j], h[i]]` at two indices valid here, or a pass of
 * bubble sort over `h` (adjacent elements, out of order, swapped).
 */
function resolveElementSwap(
  s: Extract<Stmt, { kind: "swap" }>,
  env: Env,
): string[] {
  const arrays = storable(env);
  if (arrays.length === 0) return [];
  const a = arrays[s.pick % arrays.length]!;
  env.scope.use(a);
  noteRead(a, env);
  const swap = (i: string, j: string) =>
    `[${a.name}[${i}], ${a.name}[${j}]] = [${a.name}[${j}], ${a.name}[${i}]];`;
  if (s.target === "elements") {
    const indices = indexChoices(a, env);
    const i = indices[s.first % indices.length]!;
    const j = indices[s.second % indices.length]!;
    return [swap(i, j)];
  }
  const depth = env.fn.loops.length;
  if (depth >= FOR_COUNTERS.length) return [];
  const c = counter(FOR_COUNTERS[depth]!);
  const next = `${c.name} + 1`;
  const shape: LoopShape = {
    before: [],
    open: () =>
      `for (let ${c.name} = 0; ${next} < ${lengthOf(a)}; ${c.name}++) {`,
    close: "}",
    increment: null,
    trips: maxLengthOf(a, env.fn),
    local: { variable: c, bound: () => MAX_LENGTH },
    index: null,
    over: a,
    tested: false,
  };
  return resolveLoop(shape, env, /*test*/ null, (body) => {
    body.scope.use(a);
    noteRead(a, body);
    const element = (i: string) => `${a.name}[${i}]`;
    return [`if (${element(c.name)} > ${element(next)}) ${swap(c.name, next)}`];
  });
}

/**
 * `const [p, q] = [e1, e2]`, or `= h` of a local array with as many
 * elements; the names are chosen after the elements, so that they hide
 * nothing the elements read.
 */
function resolveDestructure(
  s: Extract<Stmt, { kind: "destructure" }>,
  env: Env,
): string[] {
  const count = s.elements.length;
  const sources = localArrays(env).filter(
    (a) => a.extent.kind === "fixed" && a.extent.length >= count,
  );
  let text: string;
  let bounds: number[];
  if (s.fromArray && sources.length > 0) {
    const a = sources[s.name % sources.length]!;
    env.scope.use(a);
    noteRead(a, env);
    text = a.name;
    bounds = s.elements.map(() => env.bounds.get(a)!);
  } else {
    // Not `Math.max(...xs)` there (TS96003): as in a branch.
    const elements = s.elements.map((e) =>
      resolveExpr(e, { ...env, branch: true }),
    );
    text = `[${elements.map((e) => e.text).join(", ")}]`;
    bounds = elements.map((e) => e.bound);
  }
  const names = bounds.map((bound, k) => {
    const base = LOCAL_NAMES[(s.name + k) % LOCAL_NAMES.length]!;
    const v: Variable = {
      name: freshName(base, env),
      role: "local",
      mutable: s.mutable,
      literal: false,
    };
    declare(env, v, bound);
    return v.name;
  });
  const keyword = s.mutable ? "let" : "const";
  return [`${keyword} [${names.join(", ")}] = ${text};`];
}

/**
 * The integers a `switch` may test here, loop counters first: `i % 3`,
 * `i`, `Math.trunc(xs.length / 2)`, `Math.trunc(v % 3)` of the latest
 * number (its derivative is zero).
 */
function switchSubjects(env: Env): { text: string; reads?: Variable }[] {
  const counters = env.indices.flatMap((c) => [
    { text: `${c.variable.name} % 3` },
    { text: c.variable.name },
  ]);
  const array = env.fn.array;
  const lengths =
    array === null ? [] : [{ text: `Math.trunc(${array}.length / 2)` }];
  const latest = readable(env)
    .filter((v) => v.role !== "counter")
    .at(-1);
  const numbers =
    latest === undefined
      ? []
      : [{ text: `Math.trunc(${latest.name} % 3)`, reads: latest }];
  const subjects = [...counters, ...lengths, ...numbers];
  return subjects.length > 0 ? subjects : [{ text: "Math.trunc(Math.E)" }];
}

/**
 * A `switch` whose clauses are resolved in order, each from the bounds at
 * its entry joined with those where the clause before falls through; the
 * bounds after it join those at every `break` and at the end.
 */
function resolveSwitch(
  s: Extract<Stmt, { kind: "switch" }>,
  env: Env,
): string[] {
  // Not what a switch around it tests: in its `case 0:` TypeScript takes
  // `i` for `0`, and an inner `case 1:` on `i` does not type-check.
  const enclosing = new Set(env.fn.switches.map((f) => f.subject));
  const open = switchSubjects(env).filter((c) => !enclosing.has(c.text));
  const subjects =
    open.length > 0 ? open : [{ text: "Math.trunc(Math.E)", reads: undefined }];
  const subject = subjects[s.subject % subjects.length]!;
  if (subject.reads !== undefined) env.scope.use(subject.reads);
  const entry = cloneBounds(env.bounds);
  const frame: SwitchFrame = {
    depth: env.fn.loops.length,
    breaks: [],
    subject: subject.text,
  };
  env.fn.switches.push(frame);
  const exits: Bounds[] = [entry];
  let falling: Bounds | null = null;
  let label = 0;
  const lines = [`switch (${subject.text}) {`];
  for (const [k, clause] of s.clauses.entries()) {
    const start: Bounds =
      falling === null ? cloneBounds(entry) : join(entry, [entry, falling]);
    const body = childEnv(env, start);
    const bodyLines = resolveStmts(clause.body, body);
    if (clause.exit) bodyLines.push("break;");
    const isDefault = k === s.defaultAt;
    const cases = clause.labels - (isDefault ? 1 : 0);
    const labels = Array.from({ length: cases }, () => `case ${label++}:`);
    if (isDefault) labels.push("default:");
    // A clause declaring names gets a block: they would be the switch's.
    const braced = body.scope.declared.size > 0;
    const last = labels.pop()!;
    lines.push(...indent(labels), `  ${last}${braced ? " {" : ""}`);
    lines.push(...indent(indent(bodyLines)), ...(braced ? ["  }"] : []));
    falling = clause.exit ? null : body.bounds;
    if (clause.exit) exits.push(body.bounds);
  }
  env.fn.switches.pop();
  if (falling !== null) exits.push(falling);
  assignBounds(env.bounds, join(entry, [...exits, ...frame.breaks]));
  return [...lines, "}"];
}

/**
 * The loop of a tabulate statement, after the declaration of a new array
 * when it does not write one of this block's:
 *
 *   for (let i = 0; i < h.length; i++) { before; h[i] = value; after }
 */
function resolveTabulate(
  s: Extract<Stmt, { kind: "tabulate" }>,
  env: Env,
): string[] {
  const targets = [...env.scope.declared.values()].filter(
    (v): v is ArrayVariable =>
      isArray(v) && !v.grows && mayWrite(v, env) && writableAfterReads(v, env),
  );
  const lines: string[] = [];
  let a = targets[s.target % (targets.length + 1)];
  if (a === undefined) {
    const name = freshName(ARRAY_NAMES[s.target % ARRAY_NAMES.length]!, env);
    const init: ArrayInit =
      s.init.kind === "empty"
        ? { kind: "zeros", type: "float64", length: 0 }
        : s.init;
    const declared = declareArray(name, init, env);
    lines.push(declared.line);
    a = declared.array;
  }
  const target = a;
  env.scope.use(target);
  const c = counter(FOR_COUNTERS[env.fn.loops.length]!);
  const length = lengthOf(target);
  const header = s.down
    ? `let ${c.name} = ${length} - 1; ${c.name} >= 0; ${c.name}--`
    : `let ${c.name} = 0; ${c.name} < ${length}; ${c.name}++`;
  const shape: LoopShape = {
    before: [],
    open: () => `for (${header}) {`,
    close: "}",
    increment: null,
    trips: maxLengthOf(target, env.fn),
    local: { variable: c, bound: () => MAX_LENGTH },
    index: counterOver(c, target),
    over: target,
    tested: false,
  };
  lines.push(
    ...resolveLoop(shape, env, /*test*/ null, (body, frame) => {
      // The write below names it: the body may not declare that name.
      body.scope.use(target);
      frame.jumps = "none";
      const before = resolveStmts(s.before, body);
      const value = resolveExpr(s.value, body);
      if (writableAfterReads(target, body)) {
        body.bounds.set(
          target,
          Math.max(body.bounds.get(target)!, value.bound),
        );
      }
      frame.jumps = "continue";
      // An inner loop of `before` read it: no write (writableAfterReads).
      const write = writableAfterReads(target, body)
        ? [`${target.name}[${c.name}] = ${value.text};`]
        : [];
      const after = resolveStmts(s.after, body);
      return [...before, ...write, ...after];
    }),
  );
  return lines;
}

function resolveAssign(
  s: Extract<Stmt, { kind: "assign" }>,
  env: Env,
): string[] {
  const targets = assignable(env);
  if (targets.length === 0) {
    return resolveStmt(
      { kind: "declare", mutable: true, name: s.pick, init: s.value },
      env,
    );
  }
  const v = targets[s.pick % targets.length]!;
  env.scope.use(v);
  const before = env.bounds.get(v)!;
  let value: Code;
  let bound: number;
  switch (s.op) {
    case "=":
      value = resolveExpr(s.value, env);
      bound = value.bound;
      break;
    case "+=":
    case "-=":
      value = resolveExpr(s.value, env);
      bound = before + value.bound;
      break;
    case "*=":
      value = resolveExpr(s.value, env);
      bound = before * value.bound;
      break;
    case "/=":
    case "%=": {
      const guarded = positive(resolveExpr(s.value, env), s.guard);
      value = guarded.code;
      bound =
        s.op === "/="
          ? before / guarded.low
          : Math.min(before, guarded.code.bound);
      break;
    }
    case "**=":
      value = num(2);
      bound = before * before;
      break;
  }
  if (bound <= CAP) {
    env.bounds.set(v, bound);
    return [`${v.name} ${s.op} ${value.text};`];
  }
  // Would grow too large: `v = Math.atan(v * w)` instead of `v *= w`.
  const grown = combine(read(v, env), s.op.slice(0, -1), value, bound);
  const capped = call("Math.atan", [grown], Math.PI / 2);
  env.bounds.set(v, capped.bound);
  return [`${v.name} = ${capped.text};`];
}

function resolveExit(s: Extract<Stmt, { kind: "exit" }>, env: Env): string[] {
  if (s.jump === "throw") {
    const test = resolveCondition(s.test, env);
    const value = resolveExpr(s.value, env);
    return [
      `if (${test.text}) throw new RangeError(\`guard \${${value.text}}\`);`,
    ];
  }
  const frame = env.fn.loops.at(-1);
  const cases = env.fn.switches.at(-1);
  const inSwitch = cases?.depth === env.fn.loops.length;
  // Inside a switch, `break` leaves it, and so does a `return` that
  // would break out of a loop (below).
  if (inSwitch && (s.jump === "break" || (s.jump === "return" && frame))) {
    const test = resolveCondition(s.test, env);
    cases!.breaks.push(cloneBounds(env.bounds));
    return [`if (${test.text}) break;`];
  }
  if (frame === undefined) {
    if (s.jump !== "return") return [];
    const test = resolveCondition(s.test, env);
    const value = returnValue(s.value, env);
    return [`if (${test.text}) return ${value};`];
  }
  if (frame.jumps === "none") return [];
  if (s.jump === "continue") {
    const test = resolveCondition(s.test, env);
    frame.continues.push(cloneBounds(env.bounds));
    if (frame.increment === null) return [`if (${test.text}) continue;`];
    return [`if (${test.text}) {`, `  ${frame.increment}`, "  continue;", "}"];
  }
  if (frame.jumps === "continue") return [];
  // `return` inside a loop is not supported yet: it breaks instead.
  const test = resolveCondition(s.test, env);
  frame.breaks.push(cloneBounds(env.bounds));
  return [`if (${test.text}) break;`];
}

/**
 * What an early `return` returns: `value`, or with an array result
 * `[value]` or `out`.
 */
function returnValue(value: Expr, env: Env): string {
  const fn = env.fn;
  if (fn.matrixOut !== null) {
    env.scope.use(fn.matrixOut);
    fn.returnBound = Math.max(fn.returnBound, boundOf(fn.matrixOut, env));
    return fn.matrixOut.name;
  }
  if (fn.vector === null || fn.vector.literal) {
    const code = resolveExpr(value, env);
    fn.returnBound = Math.max(fn.returnBound, code.bound);
    if (fn.vector === null) return code.text;
    fn.returnedExtents.push({ kind: "fixed", length: 1 });
    return `[${code.text}]`;
  }
  const out = fn.vector.out;
  env.scope.use(out);
  fn.returnBound = Math.max(fn.returnBound, env.bounds.get(out)!);
  fn.returnedExtents.push(out.extent);
  return out.name;
}

interface LoopShape {
  /** Lines before the loop (a while counter's declaration). */
  readonly before: string[];
  readonly open: (test: string) => string;
  readonly close: string;
  /** Runs at the end of each iteration and before each `continue`. */
  readonly increment: string | null;
  /** The largest number of iterations. */
  readonly trips: number;
  /** A variable of the body's own scope (a for counter, a for-of element). */
  readonly local: {
    readonly variable: Variable;
    /** Its bound, from the bounds an iteration starts with. */
    readonly bound: (bounds: Bounds) => number;
  } | null;
  /** A counter that indexes arrays inside the body (not after the loop). */
  readonly index: Counter | null;
  /** The local array whose length the loop runs to. */
  readonly over: ArrayVariable | null;
  /** Whether the header has the loop's test (`while (test && n < k)`). */
  readonly tested: boolean;
  /** Written `xs.forEach((e) => { ... })`: no jump leaves its body. */
  readonly callback?: true;
}

const counter = (name: string): Variable => ({
  name,
  role: "counter",
  mutable: false,
  literal: false,
});

/** A counter running over `a`'s indices. */
function counterOver(variable: Variable, a: ArrayVariable): Counter {
  return { variable, extent: a.extent, over: a };
}

function loopShape(s: Extract<Stmt, { kind: "loop" }>, env: Env): LoopShape {
  const array = env.fn.array;
  const depth = env.fn.loops.length;
  const step = (c: string, sign: "+" | "-") =>
    [`${c}${sign}${sign}`, `${sign}${sign}${c}`, `${c} ${sign}= 1`][s.update]!;
  const paramCounter = (variable: Variable): Counter => ({
    variable,
    extent: { kind: "param" },
    over: null,
  });
  const fixedCounter = (variable: Variable, length = s.trips): Counter => ({
    variable,
    extent: { kind: "fixed", length },
    over: null,
  });
  // From 1 or 0: all elements, or those at even indices.
  const from = s.update % 2;
  /** `length`: the counter stays below it (`s.trips` but stepping by 2). */
  const forLoop = (
    header: (c: string) => string,
    indexes: boolean,
    length = s.trips,
  ) => {
    const c = counter(FOR_COUNTERS[depth]!);
    const trips = indexes ? MAX_LENGTH : s.trips;
    return {
      before: [],
      open: () => `for (${header(c.name)}) {`,
      close: "}",
      increment: null,
      trips,
      local: { variable: c, bound: () => Math.max(trips, length) },
      index: indexes ? paramCounter(c) : fixedCounter(c, length),
      over: null,
      tested: false,
    };
  };
  const whileLoop = (
    open: (w: string, test: string) => string,
    close: (w: string) => string,
    indexes: boolean,
    tested = false,
  ): LoopShape => {
    const w = counter(`n${env.fn.whileCount++}`);
    const trips = indexes ? MAX_LENGTH : s.trips;
    declare(env, w, trips);
    return {
      before: [`let ${w.name} = 0;`],
      open: (test) => open(w.name, test),
      close: close(w.name),
      increment: `${step(w.name, "+")};`,
      trips,
      local: null,
      index: indexes ? paramCounter(w) : fixedCounter(w),
      over: null,
      tested,
    };
  };
  const fixed = forLoop(
    (c) => `let ${c} = 0; ${c} < ${s.trips}; ${step(c, "+")}`,
    false,
  );
  const limit = array !== null ? `${array}.length` : String(s.trips);
  switch (s.form) {
    case "for-fixed":
      return fixed;
    case "for-up":
      if (array === null) return fixed;
      return forLoop(
        (c) => `let ${c} = 0; ${c} < ${array}.length; ${step(c, "+")}`,
        true,
      );
    case "for-down":
      if (array === null) {
        return forLoop(
          (c) => `let ${c} = ${s.trips - 1}; ${c} >= 0; ${step(c, "-")}`,
          false,
        );
      }
      return forLoop(
        (c) => `let ${c} = ${array}.length - 1; ${c} >= 0; ${step(c, "-")}`,
        true,
      );
    case "for-step2":
      return forLoop(
        (c) =>
          `let ${c} = ${from}; ${c} < ${array === null ? 2 * s.trips : `${array}.length`}; ${c} += 2`,
        array !== null,
        2 * s.trips,
      );
    case "for-countdown":
      return forLoop(
        (c) =>
          `let ${c} = ${array === null ? s.trips : `${array}.length`}; ${c}--; `,
        array !== null,
      );
    case "for-triangle": {
      if (array === null) return fixed;
      const outer = env.indices.filter((c) => c.extent.kind === "param").at(-1);
      const end =
        outer === undefined
          ? `< ${array}.length`
          : `${s.trips % 2 === 1 ? "<" : "<="} ${outer.variable.name}`;
      return forLoop((c) => `let ${c} = 0; ${c} ${end}; ${step(c, "+")}`, true);
    }
    case "for-of": {
      if (array === null) return fixed;
      const e: Variable = {
        name: ELEMENT_NAMES[depth]!,
        role: "element",
        mutable: false,
        literal: false,
      };
      // A third of them as `forEach`, a third over an array built for the
      // loop: the elements a `filter` keeps (a typed array has no `push`:
      // a spread of it). The update form means nothing here.
      const callback = s.update === 2;
      const kept =
        s.update !== 1
          ? array
          : env.fn.arrayParam?.type === "array"
            ? `${array}.filter((v) => v > -1.5)`
            : `[...${array}]`;
      return {
        before: [],
        open: () =>
          callback
            ? `${array}.forEach((${e.name}) => {`
            : `for (const ${e.name} of ${kept}) {`,
        close: callback ? "});" : "}",
        increment: null,
        trips: MAX_LENGTH,
        local: { variable: e, bound: () => env.fn.elementBound },
        index: null,
        over: null,
        tested: false,
        ...(callback && { callback }),
      };
    }
    case "while":
      return whileLoop(
        (w) => `while (${w} < ${limit}) {`,
        () => "}",
        array !== null,
      );
    case "while-data":
      return whileLoop(
        (w, test) => `while (${test} && ${w} < ${s.trips}) {`,
        () => "}",
        false,
        /*tested*/ true,
      );
    case "do-while":
      return whileLoop(
        () => "do {",
        (w) => `} while (${w} < ${limit});`,
        array !== null,
      );
    case "for-local": {
      const arrays = localArrays(env);
      if (arrays.length === 0) return fixed;
      const a = arrays[s.over % arrays.length]!;
      env.scope.use(a);
      const c = counter(FOR_COUNTERS[depth]!);
      const trips = maxLengthOf(a, env.fn);
      return {
        before: [],
        open: () =>
          `for (let ${c.name} = 0; ${c.name} < ${lengthOf(a)}; ${step(c.name, "+")}) {`,
        close: "}",
        increment: null,
        trips,
        local: { variable: c, bound: () => trips },
        index: counterOver(c, a),
        over: a,
        tested: false,
      };
    }
    case "for-of-local": {
      const arrays = localArrays(env);
      if (arrays.length === 0) return fixed;
      const a = arrays[s.over % arrays.length]!;
      env.scope.use(a);
      const e: Variable = {
        name: ELEMENT_NAMES[depth]!,
        role: "element",
        mutable: false,
        literal: false,
      };
      return {
        before: [],
        open: () => `for (const ${e.name} of ${a.name}) {`,
        close: "}",
        increment: null,
        trips: maxLengthOf(a, env.fn),
        local: { variable: e, bound: (bounds) => bounds.get(a)! },
        index: null,
        over: a,
        tested: false,
      };
    }
  }
}

/**
 * Resolves the body once per possible iteration, each time from the join
 * of the entry bounds and the previous pass's exit, and from the array
 * states at entry: the last pass's code is the one emitted, its bounds
 * hold for every iteration. `test` is the loop statement's condition,
 * which only the `while (test && n < k)` form reads; `body` its body, or
 * a function resolving it (a tabulate loop's).
 */
function resolveLoop(
  shape: LoopShape,
  env: Env,
  test: Condition | null,
  body: readonly Stmt[] | ((body: Env, frame: LoopFrame) => string[]),
): string[] {
  const entry = cloneBounds(env.bounds);
  const maxLengths = new Map(env.fn.maxLengths);
  const whileCount = env.fn.whileCount;
  const indices =
    shape.index === null ? env.indices : [...env.indices, shape.index];
  let assumed = entry;
  let lines: string[] = [];
  let testText = "";
  let exits: Bounds[] = [];
  const reads = new Set<Variable>();
  for (let pass = 0; pass <= shape.trips; pass++) {
    env.fn.whileCount = whileCount;
    env.fn.maxLengths = new Map(maxLengths);
    const start = cloneBounds(assumed);
    const frame: LoopFrame = {
      increment: shape.increment,
      breaks: [],
      continues: [],
      over: shape.over,
      trips: shape.trips,
      counter: shape.index?.variable.name ?? null,
      jumps: shape.callback ? "none" : "any",
      reads: new Set(),
      innerReads: new Set(),
    };
    env.fn.loops.push(frame);
    // `for (const e of h)` reads h's elements.
    if (shape.over !== null && shape.local?.variable.role === "element") {
      noteRead(shape.over, env);
    }
    if (shape.tested && test !== null) {
      testText = operand(
        resolveCondition(test, { ...env, bounds: start, branch: true }),
        AND,
      );
    }
    const inner = childEnv(env, cloneBounds(start), indices);
    if (shape.local !== null) {
      declare(inner, shape.local.variable, shape.local.bound(start));
    }
    lines =
      typeof body === "function"
        ? body(inner, frame)
        : resolveStmts(body, inner);
    env.fn.loops.pop();
    for (const v of frame.reads) reads.add(v);
    exits = [inner.bounds, ...frame.breaks, ...frame.continues];
    assumed = join(entry, [entry, inner.bounds, ...frame.continues]);
  }
  assignBounds(env.bounds, join(entry, [assumed, ...exits]));
  // After every pass: a pass's own reads do not stop the next one's writes.
  const parent = env.fn.loops.at(-1);
  for (const v of reads) parent?.innerReads.add(v);
  const increment = shape.increment === null ? [] : [shape.increment];
  return [
    ...shape.before,
    shape.open(testText),
    ...indent([...lines, ...increment]),
    shape.close,
  ];
}

export interface RenderedFunction {
  readonly name: string;
  readonly exported: boolean;
  /** How many parameters it has (all of them differentiable). */
  readonly arity: number;
  /** Whether it returns a number (else an array): `grad` takes only those. */
  readonly returnsNumber: boolean;
}

export interface RenderedProgram {
  readonly source: string;
  readonly functions: readonly RenderedFunction[];
}

/**
 * The TypeScript of one program; its functions are named `<prefix>_h`
 * (the helper) and `<prefix>_f0`, `<prefix>_f1` (the mains).
 */
export function renderProgram(
  spec: ProgramSpec,
  prefix: string,
): RenderedProgram {
  const withArray = spec.array !== "none";
  const arrayType: ArrayType = spec.array === "array" ? "array" : "float64";
  const names = [`${prefix}_h`, ...spec.mains.map((_, j) => `${prefix}_f${j}`)];
  const chunks: string[] = [];
  const functions: RenderedFunction[] = [];
  const callables: Callable[] = [];
  const add = (
    f: FunctionSpec,
    name: string,
    exported: boolean,
    array: boolean,
    elementBound: number,
    matrix: boolean,
  ) => {
    const { text, callable, returnsMatrix } = renderFunction(f, {
      name,
      exported,
      array: array ? arrayType : null,
      matrix,
      matrices: spec.matrix,
      // The helper is called, and a call returns a number or an array.
      matrixResult: spec.matrix && name !== names[0],
      elementBound,
      callables: [...callables],
      functionNames: names,
    });
    chunks.push(text);
    functions.push({
      name,
      exported,
      arity: callable.params.length,
      returnsNumber: callable.vector === null && !returnsMatrix,
    });
    // No call takes a matrix result.
    if (!returnsMatrix) callables.push(callable);
  };
  if (spec.helper !== null) {
    // Mains may pass it their local arrays, whose elements are bounded by
    // PARAM_BOUND only. It returns a number unless the mains may call a
    // function returning an array.
    add(
      spec.helper,
      names[0]!,
      spec.helperExported,
      withArray && spec.helperArray,
      PARAM_BOUND,
      spec.matrix && spec.helperArray,
    );
  }
  spec.mains.forEach((f, j) =>
    add(f, names[j + 1]!, true, withArray, INPUT_BOUND, spec.matrix),
  );
  return { source: chunks.join("\n"), functions };
}

const TYPE_NAMES: Record<ArrayType, string> = {
  float64: "Float64Array",
  array: "number[]",
};

function renderFunction(
  spec: FunctionSpec,
  options: {
    name: string;
    exported: boolean;
    array: ArrayType | null;
    /** Whether it takes the matrix parameter (last). */
    matrix: boolean;
    /** ProgramSpec.matrix */
    matrices: boolean;
    /** Whether it may return a matrix (`spec.matrixOut`). */
    matrixResult: boolean;
    elementBound: number;
    callables: readonly Callable[];
    functionNames: readonly string[];
  },
): { text: string; callable: Callable; returnsMatrix: boolean } {
  const names = PARAM_NAMES[spec.names % PARAM_NAMES.length]!;
  const scalars =
    options.array === null && !options.matrix
      ? Math.max(1, spec.scalars)
      : spec.scalars;
  const params: { name: string; kind: "number" | "array" | "matrix" }[] =
    names.scalars.slice(0, scalars).map((name) => ({ name, kind: "number" }));
  if (options.array !== null) {
    const array = { name: names.array, kind: "array" as const };
    if (spec.arrayFirst) params.unshift(array);
    else params.push(array);
  }
  if (options.matrix) params.push({ name: names.matrix, kind: "matrix" });
  const matrixParam: MatrixVariable | null = options.matrix
    ? {
        name: names.matrix,
        role: "matrix",
        mutable: false,
        literal: false,
        rows: { key: `${names.matrix}.length`, fixed: null, max: MAX_LENGTH },
        columns: {
          key: `${names.matrix}[0].length`,
          fixed: null,
          max: MAX_LENGTH,
        },
        scope: null,
        pushed: false,
      }
    : null;
  const fn: FunctionContext = {
    array: options.array === null ? null : names.array,
    arrayParam:
      options.array === null ? null : arrayParam(names.array, options.array),
    matrix: matrixParam?.name ?? null,
    matrixParam,
    matrices: options.matrices,
    elementBound: options.elementBound,
    callables: options.callables,
    reserved: new Set([
      names.array,
      names.matrix,
      OUT,
      ...options.functionNames,
    ]),
    whileCount: 0,
    returnBound: 0,
    returnedExtents: [],
    loops: [],
    switches: [],
    maxLengths: new Map(),
    vector: null,
    matrixOut: null,
  };
  const env: Env = {
    scope: new Scope(null),
    bounds: new Map(),
    fn,
    hidden: null,
    indices: [],
  };
  for (const p of params) {
    if (p.kind === "number") {
      declare(
        env,
        {
          name: p.name,
          role: "param",
          mutable: true,
          literal: false,
        },
        PARAM_BOUND,
      );
    }
  }
  if (matrixParam !== null) declare(env, matrixParam, options.elementBound);
  const optional =
    spec.optional === null
      ? null
      : declareOptional(spec.optional, names.optional, env);
  const lines: string[] = optional === null ? [] : [...optional.lines];
  if (options.matrixResult && spec.matrixOut !== null) {
    const declared = declareMatrix(OUT, spec.matrixOut, env);
    lines.push(...declared.lines);
    fn.matrixOut = declared.matrix;
  } else if (spec.vector !== null) {
    const { line, array: out } = declareArray(OUT, spec.vector.init, env);
    lines.push(line);
    fn.vector = {
      out,
      literal: spec.vector.literal.length > 0 && out.type === "array",
    };
  }
  lines.push(...resolveStmts(spec.body, env));
  const { lines: last, result, type, extent } = resolveResult(spec, env);
  lines.push(...last);
  const returnType =
    fn.matrixOut !== null
      ? "number[][]"
      : type === null
        ? "number"
        : TYPE_NAMES[type];
  const paramType = (kind: (typeof params)[number]["kind"]) =>
    kind === "number"
      ? "number"
      : kind === "matrix"
        ? "number[][]"
        : TYPE_NAMES[options.array!];
  const signature = [
    ...params.map((p) => `${p.name}: ${paramType(p.kind)}`),
    ...(optional === null ? [] : [optional.param]),
  ].join(", ");
  const text = [
    "/** @differentiable */",
    `${options.exported ? "export " : ""}function ${options.name}(${signature}): ${returnType} {`,
    ...indent([...lines, `return ${result.text};`]),
    "}",
    "",
  ].join("\n");
  const extents = [...fn.returnedExtents, extent];
  const callable: Callable = {
    name: options.name,
    params: [
      ...params.map((p) => p.kind),
      ...(optional === null ? [] : ["number" as const]),
    ],
    optional: optional !== null,
    arrayType: options.array ?? "float64",
    resultBound: Math.max(fn.returnBound, result.bound),
    vector:
      type === null
        ? null
        : {
            type,
            extent: extents.every((e) => sameExtent(e, extent))
              ? extent
              : { kind: "own" },
          },
  };
  return { text, callable, returnsMatrix: fn.matrixOut !== null };
}

/**
 * The last parameter, one callers may leave out (OptionalParam), declared
 * in `env`: its text in the signature, and the body's first lines. Its
 * default reads the parameters before it but calls nothing (README: a
 * default "depends on another parameter"); a `k?: number` given `k ??=
 * value` is never assigned again, so that TypeScript keeps it a number in
 * callbacks too.
 */
function declareOptional(
  optional: OptionalParam,
  name: string,
  env: Env,
): { param: string; lines: string[] } {
  // Nor `Math.max(...xs)`, which may not run there (TS96003), as in a branch.
  const fn = { ...env.fn, callables: [] };
  const value = squash(
    resolveExpr(optional.value, { ...env, fn, branch: true }),
    PARAM_BOUND,
  );
  const variable = (v: string, mutable: boolean): Variable => ({
    name: v,
    role: optional.form === "coalesce" ? "local" : "param",
    mutable,
    literal: false,
  });
  const bound = Math.max(PARAM_BOUND, value.bound);
  switch (optional.form) {
    case "default":
      declare(env, variable(name, true), bound);
      return { param: `${name} = ${value.text}`, lines: [] };
    case "assign":
      declare(env, variable(name, false), bound);
      return {
        param: `${name}?: number`,
        lines: [`${name} ??= ${value.text};`],
      };
    case "coalesce": {
      env.fn.reserved.add(name);
      const local = variable(freshName("scale", env), false);
      declare(env, local, bound);
      return {
        param: `${name}?: number`,
        lines: [`const ${local.name} = ${name} ?? ${operand(value, AND + 1)};`],
      };
    }
  }
}

function sameExtent(a: Extent, b: Extent): boolean {
  return (
    a.kind === b.kind &&
    (a.kind !== "fixed" || a.length === (b as typeof a).length)
  );
}

/**
 * The returned value, after `lines`. A number adds the variables of the
 * top of the body (and the first element of its arrays) when
 * `sumsVariables`; an array result gets that sum as an element, or adds
 * it into the array returned when that may be written.
 */
function resolveResult(
  spec: FunctionSpec,
  env: Env,
): { lines: string[]; result: Code; type: ArrayType | null; extent: Extent } {
  /** The variables to add, but `skip`. */
  const variables = () => {
    const terms: Code[] = [];
    if (!spec.sumsVariables) return terms;
    for (const v of env.scope.declared.values()) {
      if (isArray(v)) {
        if (v.extent.kind !== "own") {
          env.scope.use(v);
          terms.push(atom(`${v.name}[0]`, env.bounds.get(v)!));
        }
      } else if (isMatrix(v)) {
        env.scope.use(v);
        terms.push(atom(`${v.name}[0][0]`, boundOf(v, env)));
      } else if (v.role !== "counter" && v.role !== "row") {
        terms.push(read(v, env));
      }
    }
    return terms;
  };
  const sum = (first: Code, rest: readonly Code[]) =>
    rest.reduce((s, t) => binary(s, "+", t, s.bound + t.bound), first);
  const matrixOut = env.fn.matrixOut;
  if (matrixOut !== null) {
    env.scope.use(matrixOut);
    const terms = variables();
    const before = boundOf(matrixOut, env);
    const total = terms.length === 0 ? null : sum(terms[0]!, terms.slice(1));
    // A pushed matrix is written in sweeps only (MatrixVariable.pushed).
    const add =
      total !== null && !matrixOut.pushed && before + total.bound <= CAP;
    if (add) env.bounds.set(matrixOut, before + total.bound);
    return {
      lines: add ? [`${OUT}[0][0] += ${total.text};`] : [],
      result: atom(OUT, boundOf(matrixOut, env)),
      type: null,
      extent: { kind: "param" },
    };
  }
  const vector = env.fn.vector;
  if (vector === null) {
    return {
      lines: [],
      result: sum(resolveExpr(spec.result, env), variables()),
      type: null,
      extent: { kind: "param" },
    };
  }
  if (vector.literal) {
    const elements = [spec.result, ...spec.vector!.literal].map((e) =>
      resolveExpr(e, env),
    );
    const terms = variables();
    if (terms.length > 0) elements.push(sum(terms[0]!, terms.slice(1)));
    return {
      lines: [],
      result: atom(
        `[${elements.map((e) => e.text).join(", ")}]`,
        Math.max(...elements.map((e) => e.bound)),
      ),
      type: "array",
      extent: { kind: "fixed", length: elements.length },
    };
  }
  const out = vector.out;
  const param = env.fn.arrayParam;
  const candidates = [
    ...localArrays(env).filter(
      (a) => a.type === out.type && a.scope === env.scope,
    ),
    ...(param !== null && param.type === out.type ? [param] : []),
  ];
  const returned = candidates[spec.vector!.pick % candidates.length]!;
  env.scope.use(returned);
  const terms = variables();
  const lines =
    terms.length === 0
      ? []
      : addInto(returned, sum(terms[0]!, terms.slice(1)), env);
  // A marked function returns a copy of its parameter, never the caller's array.
  const text = returned === param ? `${returned.name}.slice()` : returned.name;
  return {
    lines,
    result: atom(text, env.bounds.get(returned) ?? env.fn.elementBound),
    type: out.type,
    extent: returned.extent,
  };
}

/** `a[0] += value` or `a.push(value)`, if `a` may still be written. */
function addInto(a: ArrayVariable, value: Code, env: Env): string[] {
  if (a.grows) {
    if (!mayPush(a, env)) return [];
    notePush(a, env);
    return [`${a.name}.push(${value.text});`];
  }
  if (a.extent.kind === "own" || !mayWrite(a, env)) return [];
  const before = env.bounds.get(a)!;
  if (before + value.bound > CAP) return [];
  env.bounds.set(a, before + value.bound);
  return [`${a.name}[0] += ${value.text};`];
}
