/**
 * Matrices of the random programs (`number[][]`): the matrix parameter,
 * local matrices and what is known of each (its dimensions, an element
 * bound in `Env.bounds`), which indices are valid for it, and how each
 * kind of start is written. Every matrix is rectangular and has at least
 * one row of at least one element, so `m[0][0]`, `m[m.length - 1]` and
 * `m[r][m[0].length - 1]` are always valid, and a counter running to
 * one matrix's row count indexes the rows of every matrix with as many.
 *
 * Rows are values too: a row alias (`const row = m[i]`, `for (const row
 * of m)`) reads and writes the matrix's elements; a row copy
 * (`m[r].slice()`) is a local array (program-arrays.ts) as long as the
 * matrix is wide.
 */
import {
  type ArrayVariable,
  arrayParam,
  type Counter,
  type Extent,
} from "./program-arrays.js";
import {
  atom,
  type Code,
  type Env,
  type LoopFrame,
  MAX_LENGTH,
  noteRead,
  PARAM_BOUND,
  resolveExpr,
  Scope,
  type Variable,
  writableAfterReads,
} from "./program-expressions.js";
import type { MatrixInit, RowInit, Width } from "./program-generator.js";

/**
 * A matrix dimension: equal `key`s are equal lengths; `fixed` a literal
 * one (valid for every dimension at least as long); `max` the longest.
 */
export interface Dim {
  readonly key: string;
  readonly fixed: number | null;
  readonly max: number;
}

export interface MatrixVariable extends Variable {
  readonly role: "matrix";
  readonly rows: Dim;
  readonly columns: Dim;
  /** The block declaring it; null for the matrix parameter, never written. */
  readonly scope: Scope | null;
  /**
   * Started `[]` and grown by push: its rows are written only in loops
   * up to their length (sweeps), as the transformer does not know they
   * are as long as they are (TS96003, README).
   */
  readonly pushed: boolean;
}

/** `const row = m[i]` or `for (const row of m)`: an alias of a row of `matrix`. */
export interface RowVariable extends Variable {
  readonly role: "row";
  readonly matrix: MatrixVariable;
}

export const isMatrix = (v: Variable): v is MatrixVariable =>
  v.role === "matrix";

const fixedDim = (n: number): Dim => ({ key: String(n), fixed: n, max: n });

/** The dimensions a parameter gives: its row count, its rows' length, the array's length. */
function paramDims(env: Env): Record<"rows" | "columns" | "vector", Dim> {
  const m = env.fn.matrix;
  const xs = env.fn.array;
  const dim = (key: string): Dim => ({ key, fixed: null, max: MAX_LENGTH });
  const rows = m !== null ? dim(`${m}.length`) : null;
  const columns = m !== null ? dim(`${m}[0].length`) : null;
  const vector = xs !== null ? dim(`${xs}.length`) : null;
  return {
    rows: rows ?? vector ?? fixedDim(2),
    columns: columns ?? vector ?? fixedDim(3),
    vector: vector ?? rows ?? fixedDim(2),
  };
}

/** A counter's dimension, for the loops of program-render.ts too. */
export function counterDim(c: Counter, env: Env): Dim | null {
  if (c.dim !== undefined) return c.dim;
  switch (c.extent.kind) {
    case "param":
      return env.fn.array === null ? null : paramDims(env).vector;
    case "fixed":
      return fixedDim(c.extent.length);
    case "own":
      return null;
  }
}

/** Whether an index below `d` is valid for dimension `of`. */
function within(d: Dim, of: Dim): boolean {
  return (
    d.key === of.key ||
    (d.fixed !== null && of.fixed !== null && d.fixed <= of.fixed)
  );
}

/** The extent of a local array as long as `d` (a row copy). */
export function extentOf(d: Dim, env: Env): Extent {
  if (d.fixed !== null) return { kind: "fixed", length: d.fixed };
  if (env.fn.array !== null && d.key === paramDims(env).vector.key) {
    return { kind: "param" };
  }
  return { kind: "own" };
}

/**
 * A counter of a loop running below `d` (not a `for` bounded by a
 * constant as far as the transformer knows: never a literal's index).
 */
export function dimCounter(variable: Variable, d: Dim, env: Env): Counter {
  return {
    variable,
    extent: extentOf(d, env),
    over: null,
    dim: d,
  };
}

/** Matrices in scope (the parameter too), the most recent first. */
export function matrices(env: Env): MatrixVariable[] {
  return env.scope
    .visible()
    .filter((v): v is MatrixVariable => isMatrix(v) && v.name !== env.hidden)
    .reverse();
}

/** Local matrices that may be written here, by a sweep or (`cell`) at any index. */
export function writableMatrices(env: Env, cell = false): MatrixVariable[] {
  return matrices(env).filter(
    (m) =>
      m.scope !== null && !(cell && m.pushed) && writableAfterReads(m, env),
  );
}

/** Row indices valid for `m` here: counters, the ends, a rotated counter, `i - 1` of a time step. */
export function rowChoices(m: MatrixVariable, env: Env): string[] {
  const counters = env.indices.filter((c) => {
    const d = counterDim(c, env);
    return d !== null && within(d, m.rows);
  });
  const names = counters.map((c) => c.variable.name);
  const previous = counters
    .filter((c) => c.previous === true)
    .map((c) => `${c.variable.name} - 1`);
  return [
    ...names,
    "0",
    `${m.name}.length - 1`,
    ...names.map((c) => `(${c} + 1) % ${m.name}.length`),
    ...previous,
  ];
}

/** Column indices valid for `m` here. */
export function columnChoices(m: MatrixVariable, env: Env): string[] {
  const names = env.indices
    .filter((c) => {
      const d = counterDim(c, env);
      return d !== null && within(d, m.columns);
    })
    .map((c) => c.variable.name);
  const width = `${m.name}[0].length`;
  return [
    ...names,
    "0",
    `${width} - 1`,
    ...names.map((c) => `(${c} + 1) % ${width}`),
  ];
}

/** Row aliases of `m` in scope. */
function rowsOf(m: MatrixVariable, env: Env): RowVariable[] {
  return env.scope
    .visible()
    .filter(
      (v): v is RowVariable =>
        v.role === "row" && (v as RowVariable).matrix === m,
    );
}

/**
 * `m[r][c]`, or `row[c]` through a row alias, of a matrix in scope; null
 * when there is none.
 */
export function resolveCell(
  pick: number,
  row: number,
  column: number,
  env: Env,
  writable = false,
): { text: string; matrix: MatrixVariable } | null {
  const candidates = writable ? writableMatrices(env, true) : matrices(env);
  if (candidates.length === 0) return null;
  const m = candidates[pick % candidates.length]!;
  env.scope.use(m);
  const columns = columnChoices(m, env);
  const c = columns[column % columns.length]!;
  const aliases = rowsOf(m, env);
  const rows = rowChoices(m, env);
  // One choice in (rows + aliases) reads through each alias.
  const k = row % (rows.length + aliases.length);
  if (k >= rows.length) {
    const alias = aliases[k - rows.length]!;
    env.scope.use(alias);
    return { text: `${alias.name}[${c}]`, matrix: m };
  }
  return { text: `${m.name}[${rows[k]}][${c}]`, matrix: m };
}

/** An element read: `m[r][c]`, bounded by what has been written into `m`. */
export function readCell(
  e: { pick: number; row: number; column: number },
  env: Env,
): Code | null {
  const cell = resolveCell(e.pick, e.row, e.column, env);
  if (cell === null) return null;
  noteRead(cell.matrix, env);
  return atom(cell.text, boundOf(cell.matrix, env));
}

export function boundOf(m: MatrixVariable, env: Env): number {
  return env.bounds.get(m) ?? env.fn.elementBound;
}

/** Local matrices that may be passed for a matrix parameter. */
export function passableMatrices(env: Env): MatrixVariable[] {
  return matrices(env).filter(
    (m) => m.scope !== null && env.bounds.get(m)! <= PARAM_BOUND,
  );
}

/**
 * Row copies `m[r].slice()` to pass for a `number[]` parameter
 * (`f(m[i].slice())`), as arrays: not in a branch or a loop test (the
 * copy is made before its statement), rows of at most MAX_LENGTH
 * elements with elements small enough for a parameter.
 */
export function rowCopies(env: Env): ArrayVariable[] {
  if (!env.fn.matrices || env.branch === true) return [];
  return matrices(env)
    .filter(
      (m) => m.columns.max <= MAX_LENGTH && boundOf(m, env) <= PARAM_BOUND,
    )
    .map((m) => {
      const rows = rowChoices(m, env);
      const row = rows[0]!;
      noteRead(m, env);
      env.scope.use(m);
      return {
        ...arrayParam(`${m.name}[${row}].slice()`, "array"),
        extent: extentOf(m.columns, env),
      };
    });
}

const LOCAL_WIDTHS = ["k", "n", "cols", "width", "k_adj"];

/** A Width as code, after a `const k = ...;` it needs. */
function resolveWidth(
  w: Width,
  env: Env,
  lines: string[],
): { text: string; dim: Dim } {
  if (w.kind === "literal")
    return { text: String(w.value), dim: fixedDim(w.value) };
  const base = paramDims(env)[w.kind];
  if (!w.local) return { text: base.key, dim: base };
  // A name of its own, read only here (regression-matrix-width-local).
  const name = freshWidth(env);
  lines.push(`const ${name} = ${base.key} + 1;`);
  return {
    text: name,
    dim: { key: name, fixed: null, max: base.max + 1 },
  };
}

function freshWidth(env: Env): string {
  for (let k = 0; ; k++) {
    const base = LOCAL_WIDTHS[k % LOCAL_WIDTHS.length]!;
    const name = k < LOCAL_WIDTHS.length ? base : `${base}_${k}`;
    if (
      !env.fn.reserved.has(name) &&
      !env.scope.visible().some((v) => v.name === name) &&
      !env.scope.used.has(name)
    ) {
      env.fn.reserved.add(name);
      return name;
    }
  }
}

export interface MadeMatrix {
  /** Lines before the declaration (widths). */
  readonly before: string[];
  readonly text: string;
  /** Lines after it (pushes). */
  readonly after: (name: string) => string[];
  readonly rows: Dim;
  readonly columns: Dim;
  readonly bound: number;
  readonly pushed: boolean;
  /** `Array.from(..., () => new Array(k).fill(0))` and `[]` need `: number[][]`. */
  readonly annotate: boolean;
}

/** Callback parameters of `Array.from`: names no other variable takes. */
const ROW_INDEX = "ri";
const COLUMN_INDEX = "ci";
/** The row of a loop copying a matrix row by row. */
const SOURCE_ROW = "source_row";

export function resolveMatrixInit(init: MatrixInit, env: Env): MadeMatrix {
  const before: string[] = [];
  switch (init.kind) {
    case "zeros": {
      const rows = resolveWidth(init.rows, env, before);
      const columns = resolveWidth(init.columns, env, before);
      return {
        before,
        text: `Array.from({ length: ${rows.text} }, () => new Array(${columns.text}).fill(0))`,
        after: () => [],
        rows: rows.dim,
        columns: columns.dim,
        bound: 0,
        pushed: false,
        annotate: true,
      };
    }
    case "literal": {
      let k = 0;
      const codes: Code[] = [];
      const rows = Array.from({ length: init.rows }, () => {
        const row = Array.from({ length: init.columns }, () => {
          // Past the expressions given, numbers in scope.
          const e = init.elements[k] ?? { kind: "read", pick: k };
          k++;
          const code = resolveExpr(e, env);
          codes.push(code);
          return code.text;
        });
        return `[${row.join(", ")}]`;
      });
      return {
        before,
        text: `[${rows.join(", ")}]`,
        after: () => [],
        rows: fixedDim(init.rows),
        columns: fixedDim(init.columns),
        bound: Math.max(...codes.map((c) => c.bound)),
        pushed: false,
        annotate: false,
      };
    }
    case "pushed": {
      const pushes = init.rows.map((row) => resolveRow(row, init.columns, env));
      return {
        before,
        text: "[]",
        after: (name) => pushes.map((p) => `${name}.push(${p.text});`),
        rows: fixedDim(init.rows.length),
        columns: fixedDim(init.columns),
        bound: Math.max(0, ...pushes.map((p) => p.bound)),
        pushed: true,
        annotate: true,
      };
    }
    case "copy": {
      const sources = matrices(env);
      if (sources.length === 0) {
        return resolveMatrixInit(
          {
            kind: "zeros",
            rows: { kind: "rows", local: false },
            columns: { kind: "columns", local: false },
          },
          env,
        );
      }
      const source = sources[init.pick % sources.length]!;
      env.scope.use(source);
      asInnerLoop(env, () => noteRead(source, env));
      const s = source.name;
      return {
        before,
        text: init.push
          ? "[]"
          : `Array.from({ length: ${s}.length }, (_, ${ROW_INDEX}) =>` +
            ` Array.from({ length: ${s}[0].length }, (_, ${COLUMN_INDEX}) => ${s}[${ROW_INDEX}][${COLUMN_INDEX}]))`,
        after: (name) =>
          init.push
            ? [
                `for (const ${SOURCE_ROW} of ${s}) ${name}.push(${SOURCE_ROW}.slice());`,
              ]
            : [],
        rows: source.rows,
        columns: source.columns,
        bound: boundOf(source, env),
        pushed: init.push,
        annotate: init.push,
      };
    }
    case "tabulate": {
      const rows = resolveWidth(init.rows, env, before);
      const columns = resolveWidth(init.columns, env, before);
      const value = asInnerLoop(env, () =>
        resolveExpr(init.value, callbackEnv(env, rows.dim, columns.dim)),
      );
      return {
        before,
        text:
          `Array.from({ length: ${rows.text} }, (_, ${ROW_INDEX}) =>` +
          ` Array.from({ length: ${columns.text} }, (_, ${COLUMN_INDEX}) => ${value.text}))`,
        after: () => [],
        rows: rows.dim,
        columns: columns.dim,
        bound: value.bound,
        pushed: false,
        annotate: false,
      };
    }
  }
}

/**
 * Runs `resolve` as inside a loop (an `Array.from` callback, a copying
 * loop): what it reads counts as read by an inner loop (writableAfterReads).
 */
function asInnerLoop<T>(env: Env, resolve: () => T): T {
  const frame: LoopFrame = {
    increment: null,
    breaks: [],
    continues: [],
    over: null,
    trips: MAX_LENGTH,
    counter: null,
    jumps: "none",
    reads: new Set(),
    innerReads: new Set(),
  };
  env.fn.loops.push(frame);
  const result = resolve();
  env.fn.loops.pop();
  const parent = env.fn.loops.at(-1);
  for (const v of frame.reads) parent?.innerReads.add(v);
  return result;
}

/** Inside `Array.from`'s callbacks: the row and column indices in scope. */
function callbackEnv(env: Env, rows: Dim, columns: Dim): Env {
  const scope = new Scope(env.scope);
  const bounds = new Map(env.bounds);
  const counter = (name: string, d: Dim): Counter => {
    const variable: Variable = {
      name,
      role: "counter",
      mutable: false,
      literal: false,
    };
    scope.declared.set(name, variable);
    bounds.set(variable, d.max);
    return dimCounter(variable, d, env);
  };
  const indices = [
    ...env.indices,
    counter(ROW_INDEX, rows),
    counter(COLUMN_INDEX, columns),
  ];
  return { ...env, scope, bounds, indices };
}

/** A pushed row of `columns` elements. */
function resolveRow(row: RowInit, columns: number, env: Env): Code {
  switch (row.kind) {
    case "literal": {
      const codes = Array.from({ length: columns }, (_, k) =>
        resolveExpr(row.elements[k] ?? { kind: "read", pick: k }, env),
      );
      return atom(
        `[${codes.map((c) => c.text).join(", ")}]`,
        Math.max(...codes.map((c) => c.bound)),
      );
    }
    case "zeros":
      return atom(`new Array(${columns}).fill(0)`, 0);
    case "copy": {
      const sources = matrices(env).filter((m) => m.columns.fixed === columns);
      if (sources.length === 0)
        return resolveRow({ kind: "zeros" }, columns, env);
      const m = sources[row.pick % sources.length]!;
      env.scope.use(m);
      noteRead(m, env);
      const rows = rowChoices(m, env);
      return atom(
        `${m.name}[${rows[row.row % rows.length]}].slice()`,
        boundOf(m, env),
      );
    }
  }
}
