/**
 * Simpler variants of a program, to finish shrinking where fast-check's
 * shrinkers stop (they rarely drop a statement that has others before it,
 * or lift a loop's body out of the loop). Each variant makes one change,
 * coarse ones first:
 *
 *   drop a function, drop a statement, inline a branch or a loop body,
 *   replace an expression with one of its operands or with 1, ...
 *
 *   for (...) { s += x[i]; const t = 1; }   ->   for (...) { s += x[i]; }
 *   s += Math.sin(x[i] * 2);                ->   s += x[i] * 2;
 */
import type {
  ArrayInit,
  Condition,
  Expr,
  FunctionSpec,
  MatrixInit,
  ProgramSpec,
  Stmt,
  SwitchClause,
  Width,
} from "./program-generator.js";

export function* simplerPrograms(p: ProgramSpec): Generator<ProgramSpec> {
  if (p.mains.length > 1) {
    for (let j = 0; j < p.mains.length; j++) {
      yield { ...p, mains: p.mains.filter((_, k) => k !== j) };
    }
  }
  if (p.helper !== null) yield { ...p, helper: null };
  if (p.array !== "none") yield { ...p, array: "none" };
  if (p.matrix) yield { ...p, matrix: false };
  if (p.helper !== null) {
    for (const helper of simplerFunctions(p.helper)) yield { ...p, helper };
  }
  for (const [j, main] of p.mains.entries()) {
    for (const simpler of simplerFunctions(main)) {
      yield { ...p, mains: p.mains.map((m, k) => (k === j ? simpler : m)) };
    }
  }
}

function* simplerFunctions(f: FunctionSpec): Generator<FunctionSpec> {
  if (f.matrixOut !== null) yield { ...f, matrixOut: null };
  if (f.vector !== null) yield { ...f, vector: null };
  for (const body of simplerBlocks(f.body)) yield { ...f, body };
  if (f.sumsVariables) yield { ...f, sumsVariables: false };
  for (const result of simplerExprs(f.result)) yield { ...f, result };
  if (f.vector !== null) {
    const vector = f.vector;
    for (const init of simplerInits(vector.init)) {
      yield { ...f, vector: { ...vector, init } };
    }
    if (vector.literal.length > 0)
      yield { ...f, vector: { ...vector, literal: [] } };
  }
  if (f.optional !== null) {
    yield { ...f, optional: null };
    for (const value of simplerExprs(f.optional.value)) {
      yield { ...f, optional: { ...f.optional, value } };
    }
  }
  if (f.scalars > 0) yield { ...f, scalars: f.scalars - 1 };
  if (f.names !== 0) yield { ...f, names: 0 };
}

function* simplerBlocks(stmts: readonly Stmt[]): Generator<Stmt[]> {
  for (let i = 0; i < stmts.length; i++) {
    yield stmts.filter((_, k) => k !== i);
  }
  for (let i = 0; i < stmts.length; i++) {
    for (const replacement of simplerStmts(stmts[i]!)) {
      yield [...stmts.slice(0, i), ...replacement, ...stmts.slice(i + 1)];
    }
  }
}

/** Replacements for `s`: its inner statements, or a simpler `s`. */
function* simplerStmts(s: Stmt): Generator<Stmt[]> {
  switch (s.kind) {
    case "if":
      yield [...s.then];
      if (s.otherwise.length > 0) {
        yield [...s.otherwise];
        yield [{ ...s, otherwise: [] }];
      }
      for (const then of simplerBlocks(s.then)) yield [{ ...s, then }];
      for (const otherwise of simplerBlocks(s.otherwise)) {
        yield [{ ...s, otherwise }];
      }
      for (const test of simplerConditions(s.test)) yield [{ ...s, test }];
      return;
    case "loop":
      yield [...s.body];
      if (s.form !== "for-fixed") yield [{ ...s, form: "for-fixed" }];
      if (s.trips > 1) yield [{ ...s, trips: 1 }];
      for (const body of simplerBlocks(s.body)) yield [{ ...s, body }];
      for (const test of simplerConditions(s.test)) yield [{ ...s, test }];
      return;
    case "declare":
      for (const init of simplerExprs(s.init)) yield [{ ...s, init }];
      if (!s.mutable) yield [{ ...s, mutable: true }];
      if (s.name !== 0) yield [{ ...s, name: 0 }];
      return;
    case "assign":
      if (s.op !== "=") yield [{ ...s, op: "=" }];
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      return;
    case "step":
      return;
    case "array":
      for (const init of simplerInits(s.init)) yield [{ ...s, init }];
      return;
    case "store":
      if (s.op !== "=") yield [{ ...s, op: "=" }];
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      return;
    case "push":
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      return;
    case "swap":
      if (s.target !== "scalars") yield [{ ...s, target: "scalars" }];
      if (s.value !== null) {
        yield [{ ...s, value: null }];
        for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      }
      return;
    case "destructure": {
      const { mutable, name, elements } = s;
      yield [{ kind: "declare", mutable, name, init: elements[0]! }];
      if (s.fromArray) yield [{ ...s, fromArray: false }];
      if (elements.length > 2) yield [{ ...s, elements: elements.slice(0, 2) }];
      for (let i = 0; i < elements.length; i++) {
        for (const e of simplerExprs(elements[i]!)) {
          yield [{ ...s, elements: elements.map((x, k) => (k === i ? e : x)) }];
        }
      }
      return;
    }
    case "switch":
      yield* simplerSwitches(s);
      return;
    case "tabulate":
      yield [...s.before, ...s.after];
      for (const before of simplerBlocks(s.before)) yield [{ ...s, before }];
      for (const after of simplerBlocks(s.after)) yield [{ ...s, after }];
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      for (const init of simplerInits(s.init)) yield [{ ...s, init }];
      if (s.down) yield [{ ...s, down: false }];
      return;
    case "exit":
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      for (const test of simplerConditions(s.test)) yield [{ ...s, test }];
      return;
    case "matrix":
      for (const init of simplerMatrixInits(s.init)) yield [{ ...s, init }];
      return;
    case "cell-store":
      if (s.op !== "=") yield [{ ...s, op: "=" }];
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      return;
    case "sweep":
      yield [...s.before];
      if (s.form !== "rows") yield [{ ...s, form: "rows" }];
      if (s.op !== "=") yield [{ ...s, op: "=" }];
      for (const before of simplerBlocks(s.before)) yield [{ ...s, before }];
      for (const value of simplerExprs(s.value)) yield [{ ...s, value }];
      return;
  }
}

/** A clause's body alone, fewer clauses, `break`s, simpler bodies. */
function* simplerSwitches(
  s: Extract<Stmt, { kind: "switch" }>,
): Generator<Stmt[]> {
  const { clauses } = s;
  const withClause = (i: number, clause: SwitchClause): Stmt[] => [
    { ...s, clauses: clauses.map((c, k) => (k === i ? clause : c)) },
  ];
  for (const clause of clauses) yield [...clause.body];
  for (let i = 0; i < clauses.length && clauses.length > 1; i++) {
    yield [{ ...s, clauses: clauses.filter((_, k) => k !== i) }];
  }
  if (s.defaultAt < clauses.length) yield [{ ...s, defaultAt: clauses.length }];
  for (const [i, clause] of clauses.entries()) {
    if (!clause.exit) yield withClause(i, { ...clause, exit: true });
    if (clause.labels > 1) yield withClause(i, { ...clause, labels: 1 });
    for (const body of simplerBlocks(clause.body)) {
      yield withClause(i, { ...clause, body });
    }
  }
  if (s.subject !== 0) yield [{ ...s, subject: 0 }];
}

/** Simpler starts for a local matrix: zeros of literal widths, fewer rows. */
function* simplerMatrixInits(init: MatrixInit): Generator<MatrixInit> {
  const two: Width = { kind: "literal", value: 2 };
  const zeros: MatrixInit = { kind: "zeros", rows: two, columns: two };
  if (init.kind !== "zeros") yield zeros;
  switch (init.kind) {
    case "zeros":
    case "tabulate":
      if (init.rows.kind !== "literal") yield { ...init, rows: two };
      if (init.columns.kind !== "literal") yield { ...init, columns: two };
      if (init.kind === "tabulate") {
        for (const value of simplerExprs(init.value)) yield { ...init, value };
      }
      return;
    case "literal":
      if (init.elements.length > 1)
        yield { ...init, elements: [init.elements[0]!] };
      for (const e of simplerExprs(init.elements[0]!)) {
        yield { ...init, elements: [e, ...init.elements.slice(1)] };
      }
      return;
    case "pushed":
      for (let i = 0; i < init.rows.length && init.rows.length > 1; i++) {
        yield { ...init, rows: init.rows.filter((_, k) => k !== i) };
      }
      return;
    case "copy":
      return;
  }
}

/** Simpler starts for a local array: zeros, fewer elements or arguments. */
function* simplerInits(init: ArrayInit): Generator<ArrayInit> {
  const zeros: ArrayInit = { kind: "zeros", type: "float64", length: 0 };
  if (init.kind !== "zeros") yield zeros;
  switch (init.kind) {
    case "zeros":
      if (init.type !== "float64") yield { ...init, type: "float64" };
      if (init.length !== 0) yield { ...init, length: 0 };
      return;
    case "empty":
    case "copy":
    case "row":
      return;
    case "literal":
    case "call": {
      const list = init.kind === "literal" ? init.elements : init.args;
      const withList = (l: Expr[]): ArrayInit =>
        init.kind === "literal"
          ? { ...init, elements: l }
          : { ...init, args: l };
      for (let i = 0; i < list.length && list.length > 1; i++) {
        yield withList(list.filter((_, k) => k !== i));
      }
      for (let i = 0; i < list.length; i++) {
        for (const simpler of simplerExprs(list[i]!)) {
          yield withList(list.map((e, k) => (k === i ? simpler : e)));
        }
      }
      return;
    }
  }
}

/** The expressions directly inside `e`. */
function operands(e: Expr): Expr[] {
  switch (e.kind) {
    case "literal":
    case "constant":
    case "read":
    case "element":
    case "local":
    case "cell":
      return [];
    case "nullish":
      return [e.value];
    case "unary":
      return [e.operand];
    case "binary":
    case "divide":
      return [e.left, e.right];
    case "power-integer":
      return [e.base];
    case "power-positive":
      return [e.base, e.exponent];
    case "math":
    case "call":
      return [...e.args];
    case "conditional":
      return [e.whenTrue, e.whenFalse];
  }
}

/** `e` with operand `i` (in `operands` order) replaced. */
function withOperand(e: Expr, i: number, operand: Expr): Expr {
  const replace = (list: readonly Expr[]) =>
    list.map((x, k) => (k === i ? operand : x));
  switch (e.kind) {
    case "literal":
    case "constant":
    case "read":
    case "element":
    case "local":
    case "cell":
      return e;
    case "nullish":
      return { ...e, value: operand };
    case "unary":
      return { ...e, operand };
    case "binary":
    case "divide":
      return i === 0 ? { ...e, left: operand } : { ...e, right: operand };
    case "power-integer":
      return { ...e, base: operand };
    case "power-positive":
      return i === 0 ? { ...e, base: operand } : { ...e, exponent: operand };
    case "math":
    case "call":
      return { ...e, args: replace(e.args) };
    case "conditional":
      return i === 0
        ? { ...e, whenTrue: operand }
        : { ...e, whenFalse: operand };
  }
}

function* simplerExprs(e: Expr): Generator<Expr> {
  const inner = operands(e);
  yield* inner;
  if (e.kind !== "literal" && e.kind !== "read") {
    yield { kind: "read", pick: 0 };
  }
  if (e.kind !== "literal") yield { kind: "literal", value: 1 };
  if ((e.kind === "math" || e.kind === "call") && e.args.length > 1) {
    for (let i = 0; i < e.args.length; i++) {
      yield { ...e, args: e.args.filter((_, k) => k !== i) };
    }
  }
  if (e.kind === "conditional") {
    for (const test of simplerConditions(e.test)) yield { ...e, test };
  }
  for (const [i, operand] of inner.entries()) {
    for (const simpler of simplerExprs(operand)) {
      yield withOperand(e, i, simpler);
    }
  }
}

function* simplerConditions(c: Condition): Generator<Condition> {
  switch (c.kind) {
    case "compare":
      for (const left of simplerExprs(c.left)) yield { ...c, left };
      for (const right of simplerExprs(c.right)) yield { ...c, right };
      return;
    case "not":
      yield c.operand;
      for (const operand of simplerConditions(c.operand)) {
        yield { ...c, operand };
      }
      return;
    case "logical":
      yield c.left;
      yield c.right;
      for (const left of simplerConditions(c.left)) yield { ...c, left };
      for (const right of simplerConditions(c.right)) yield { ...c, right };
      return;
  }
}
