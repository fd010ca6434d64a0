/**
 * Normalize, step 3: A-normal form in static single assignment.
 *
 * Every numeric operation gets its own `const` whose operands are atoms
 * (variables, literals); every variable is assigned once per path, a
 * reassignment making a new version; a variable that differs between the
 * branches of an `if` is merged into one declared before it and assigned
 * at the end of each branch. Ternaries become such `if`s. A `return` in a
 * branch (in tail position after `returns`) is one more merged variable.
 *
 *   let s = x * y;                 const s = x * y;
 *   s += Math.sin(x);        ->    const sin_x = Math.sin(x);
 *   if (s > 0) s = -s;             const s_1 = s + sin_x;
 *   return s;                      let s_2;
 *                                  if (s_1 > 0) { s_2 = -s_1; }
 *                                  else { s_2 = s_1; }
 *                                  return s_2;
 *
 * The derivative passes then never see an overwritten value, so the
 * reverse sweep can read every primal value it needs where it is.
 * (The `simplify` pass later folds single-use temporaries back.)
 */
import {
  readsField,
  definedNames,
  mapSubexpressions,
  type Expr,
  type FunctionIR,
  type Stmt,
  type LoopHeader,
  type SurfaceFunction,
  type SurfaceLoopHeader,
  type SurfaceStmt,
} from "../ir";
import type { Names } from "../naming";

/** The merged variable for `return` in branches. */
const RETURN = "<return>";

export function toSSA(fn: SurfaceFunction, names: Names): FunctionIR {
  const builder = new SsaBuilder(names);
  for (const param of fn.params)
    builder.bind(param.name, { kind: "var", name: param.name });
  builder.bind(RETURN, undefined);
  const body = builder.block(fn.body, /*topLevel*/ true);
  return { name: fn.name, params: fn.params, body, returnType: fn.returnType };
}

type Bindings = Map<string, Expr | undefined>;

class SsaBuilder {
  /** Each surface variable's current value: a variable or a literal. */
  private current: Bindings = new Map();
  /** IR names given out, so a second version gets a new name. */
  private readonly used = new Set<string>();
  private out: Stmt[] = [];

  constructor(private readonly names: Names) {}

  bind(name: string, value: Expr | undefined) {
    this.current.set(name, value);
    if (value?.kind === "var") this.used.add(value.name);
  }

  /** Statements of one block, as IR; at top level, ending in `return`. */
  block(statements: readonly SurfaceStmt[], topLevel = false): Stmt[] {
    const saved = this.out;
    this.out = [];
    let returned = false;
    for (const statement of statements)
      returned = this.statement(statement, topLevel);
    if (topLevel && !returned) {
      this.out.push({
        kind: "return",
        value: this.current.get(RETURN) ?? { kind: "undefined" },
      });
    }
    const block = this.out;
    this.out = saved;
    return block;
  }

  /** Returns whether it was a top-level `return`. */
  private statement(s: SurfaceStmt, topLevel: boolean): boolean {
    switch (s.kind) {
      case "let":
        if (s.value) this.define(s.name, s.value);
        else this.bind(s.name, undefined);
        return false;
      case "assign":
        this.define(s.name, s.value);
        return false;
      case "effect":
        this.out.push({ kind: "effect", value: this.operation(s.value) });
        return false;
      case "throw":
        this.out.push({ ...s, reads: s.reads.map((r) => this.atom(r, "t")) });
        return false;
      case "return":
        if (topLevel) {
          this.out.push({ kind: "return", value: this.result(s.value) });
          return true;
        }
        this.define(RETURN, s.value);
        return false;
      case "if":
        this.branch(this.atom(s.test, "test"), (then) =>
          this.block(then ? s.then : s.else),
        );
        return false;
      case "loop":
        this.loop(s);
        return false;
      case "store":
        this.out.push({
          ...s,
          array: this.atom(s.array, "array"),
          indices: s.indices.map((i) => this.bound(i, "t")),
          value: this.atom(s.value, "t"),
        });
        return false;
      case "append":
        this.out.push({
          ...s,
          array: this.atom(s.array, "array"),
          value: this.atom(s.value, "t"),
        });
        return false;
      case "break":
      case "continue":
      case "exit":
        throw new Error(`\`${s.kind}\` left after structuring the jumps`);
    }
  }

  /**
   * A loop: each variable it assigns that exists before it becomes one
   * carried variable, declared before the loop from its current value and
   * written back at the end of each iteration; inside the body, SSA as
   * everywhere else.
   *
   *   let s = 0;                        let s_1 = 0;
   *   for (...) s += x[i] * x[i];  ->   for (...) {
   *                                       const t = x[i] * x[i];
   *                                       const s_2 = s_1 + t;
   *                                       s_1 = s_2;
   *                                     }
   */
  private loop(s: Extract<SurfaceStmt, { kind: "loop" }>) {
    const carried: [source: string, name: string][] = [];
    for (const source of assignedIn(s.body)) {
      if (!this.current.has(source)) continue;
      const name = this.versionName(source);
      this.out.push({
        kind: "declare",
        name,
        init: this.current.get(source) ?? { kind: "undefined" },
      });
      this.bind(source, { kind: "var", name });
      carried.push([source, name]);
    }
    const header = this.loopHeader(s.header);
    const before = new Map(this.current);
    const body = this.block(s.body);
    // Written back all at once: a value that is another carried variable
    // as the iteration started (`const t = a; a = b; b = t;`) is kept
    // before the first write-back, which may replace it.
    const names = new Set(carried.map(([, name]) => name));
    const writeBacks: Stmt[] = [];
    for (const [source, name] of carried) {
      let value = this.current.get(source);
      if (sameAtom(value, { kind: "var", name })) continue;
      if (value?.kind === "var" && names.has(value.name)) {
        const kept = this.names.fresh(`${value.name}_start`);
        body.push({ kind: "const", name: kept, value });
        value = { kind: "var", name: kept };
      }
      writeBacks.push({
        kind: "assign",
        name,
        value: value ?? { kind: "undefined" },
      });
    }
    body.push(...writeBacks);
    this.current = before;
    this.out.push({
      kind: "loop",
      header,
      carried: carried.map(([, name]) => name),
      body,
    });
  }

  private loopHeader(header: SurfaceLoopHeader): LoopHeader {
    if (header.kind === "counted") {
      const start = this.bound(header.start, "start");
      const end = this.bound(header.end, "end");
      const counter = this.versionName(header.counter);
      this.bind(header.counter, { kind: "var", name: counter });
      return { ...header, counter, start, end };
    }
    const saved = this.out;
    this.out = [];
    const condition = this.atom(header.condition, "test");
    const test = this.out;
    this.out = saved;
    return { kind: "while", test, condition };
  }

  /** The returned value as an atom: a computed one is called `result`. */
  private result(value: Expr): Expr {
    if (isAtom(value)) return this.atom(value, "result");
    const name = this.names.fresh("result");
    this.emitDefinition(name, value);
    return { kind: "var", name };
  }

  /** A new version of surface variable `name` holding `value`. */
  private define(name: string, value: Expr) {
    if (isAtom(value)) {
      this.bind(name, this.atom(value, name));
      return;
    }
    const version = this.versionName(name);
    this.emitDefinition(version, value);
    this.bind(name, { kind: "var", name: version });
  }

  /** `const name = value`, or for a ternary the `if` that assigns it. */
  private emitDefinition(name: string, value: Expr) {
    if (value.kind === "cond") {
      const test = this.atom(value.test, "test");
      this.out.push({ kind: "declare", name });
      this.out.push({
        kind: "if",
        test,
        then: this.assignBlock(name, value.whenTrue),
        else: this.assignBlock(name, value.whenFalse),
      });
      return;
    }
    this.out.push({ kind: "const", name, value: this.operation(value) });
  }

  /** The block computing `value` and assigning it to merge variable `name`. */
  private assignBlock(name: string, value: Expr): Stmt[] {
    const saved = this.out;
    this.out = [];
    this.out.push({ kind: "assign", name, value: this.atom(value, name) });
    const block = this.out;
    this.out = saved;
    return block;
  }

  /**
   * A new IR name for surface variable `name`: its own name the first time
   * (lower made it unique in the function), then `x_1`, `x_2`, ...
   */
  private versionName(name: string): string {
    if (name === RETURN) return this.names.fresh("result");
    const version = this.used.has(name) ? this.names.version(name) : name;
    this.used.add(version);
    return version;
  }

  /**
   * An `if` whose branches may give variables new versions: variables that
   * differ afterwards are merged into one declared before the `if`.
   */
  private branch(test: Expr, block: (then: boolean) => Stmt[]) {
    const before = new Map(this.current);
    const thenBlock = block(true);
    const afterThen = this.current;
    this.current = new Map(before);
    const elseBlock = block(false);
    const afterElse = this.current;
    this.current = new Map(before);

    // After a branch that throws, only the other one goes on.
    const thenThrows = throwsAtEnd(thenBlock);
    const elseThrows = throwsAtEnd(elseBlock);
    const [goesOn, value] = elseThrows
      ? [thenBlock, afterThen]
      : [elseBlock, afterElse];
    const inBranch = thenThrows !== elseThrows && definedNames(goesOn);
    for (const name of before.keys()) {
      const a = afterThen.get(name);
      const b = afterElse.get(name);
      if (sameAtom(a, b)) {
        this.current.set(name, a);
        continue;
      }
      const only = value.get(name);
      // A value from before the `if` is in scope after it.
      if (inBranch && !(only?.kind === "var" && inBranch.has(only.name))) {
        this.current.set(name, only);
        continue;
      }
      const merged = this.versionName(name);
      this.out.push({ kind: "declare", name: merged });
      if (a && !thenThrows)
        thenBlock.push({ kind: "assign", name: merged, value: a });
      if (b && !elseThrows)
        elseBlock.push({ kind: "assign", name: merged, value: b });
      this.current.set(name, { kind: "var", name: merged });
    }
    this.out.push({ kind: "if", test, then: thenBlock, else: elseBlock });
  }

  /** `value` as an atom, naming a temporary after `hint` if it needs one. */
  private atom(value: Expr, hint: string): Expr {
    switch (value.kind) {
      case "num":
      case "bool":
      case "mathConst":
      case "verbatim":
      case "undefined":
        return value;
      case "var":
        return this.current.has(value.name)
          ? (this.current.get(value.name) ?? { kind: "undefined" })
          : value;
      default: {
        const name = this.names.fresh(temporaryName(value, hint));
        this.emitDefinition(name, value);
        return { kind: "var", name };
      }
    }
  }

  /** `value` with atoms for operands: the right-hand side of a `const`. */
  private operation(value: Expr): Expr {
    const atom = (e: Expr) => this.atom(e, temporaryName(e, "t"));
    switch (value.kind) {
      case "binary":
        return { ...value, left: atom(value.left), right: atom(value.right) };
      case "inactiveBinary":
        return { ...value, left: atom(value.left), right: atom(value.right) };
      case "compare":
      case "not":
      case "logical":
        return this.condition(value);
      case "neg":
        return { ...value, operand: atom(value.operand) };
      case "math":
      case "call":
      case "extern":
        return { ...value, args: value.args.map(atom) };
      case "tuple":
        return { ...value, elements: value.elements.map(atom) };
      case "member":
        return {
          ...value,
          object: atom(value.object),
          key: typeof value.key === "string" ? value.key : atom(value.key),
        };
      case "newArray":
        return {
          ...value,
          length: this.bound(value.length, "n"),
          columns: value.columns && this.bound(value.columns, "columns"),
        };
      case "arrayLiteral":
        return { ...value, elements: value.elements.map(atom) };
      case "copy":
        return { ...value, array: atom(value.array) };
      case "index":
      case "length":
        return {
          ...value,
          array: atom(value.array),
          indices: value.indices.map((i) => this.bound(i, "t")),
        };
      case "stopGradient":
        return { ...value, value: atom(value.value) };
      case "cond":
        return this.atom(value, "t");
      default:
        return this.atom(value, "t");
    }
  }

  /**
   * A condition with nothing to evaluate out of order stays as written
   * (`x > -1 && x < 1`); with calls inside, `a && b` becomes an `if` that
   * evaluates `b` only when `a` does not decide, as JavaScript does.
   */
  private condition(value: Expr): Expr {
    if (isPlainCondition(value)) return this.rename(value);
    if (value.kind === "logical") return this.logical(value);
    const atom = (e: Expr) => this.atom(e, temporaryName(e, "t"));
    if (value.kind === "not") return { ...value, operand: atom(value.operand) };
    if (value.kind === "compare") {
      return { ...value, left: atom(value.left), right: atom(value.right) };
    }
    return atom(value);
  }

  /**
   * A counted loop's bound: index arithmetic (`x.length - 1`) stays as
   * written, so the reverse sweep can see it is an integer.
   */
  private bound(value: Expr, hint: string): Expr {
    return isIndexArithmetic(value)
      ? this.rename(value)
      : this.atom(value, hint);
  }

  /** `value` with each variable read as its current version. */
  private rename(value: Expr): Expr {
    if (value.kind === "var") return this.atom(value, value.name);
    return mapSubexpressions(value, (inner) => this.rename(inner));
  }

  private logical(value: Extract<Expr, { kind: "logical" }>): Expr {
    const left = this.atom(value.left, "test");
    const saved = this.out;
    this.out = [];
    const right = this.atom(value.right, "test");
    const rightStatements = this.out;
    this.out = saved;
    if (rightStatements.length === 0) return { ...value, left, right };
    const name = this.names.fresh("test");
    const evaluateRight = [
      ...rightStatements,
      { kind: "assign" as const, name, value: right },
    ];
    const keepLeft = [{ kind: "assign" as const, name, value: left }];
    this.out.push({ kind: "declare", name });
    this.out.push({
      kind: "if",
      test: left,
      then: value.op === "&&" ? evaluateRight : keepLeft,
      else: value.op === "&&" ? keepLeft : evaluateRight,
    });
    return { kind: "var", name };
  }
}

/** Literals, variables, lengths, `+ - *` of those. */
function isIndexArithmetic(value: Expr): boolean {
  switch (value.kind) {
    case "num":
    case "var":
      return true;
    case "length":
      return (
        value.array.kind === "var" && value.indices.every(isIndexArithmetic)
      );
    case "binary":
      return (
        (value.op === "+" || value.op === "-" || value.op === "*") &&
        isIndexArithmetic(value.left) &&
        isIndexArithmetic(value.right)
      );
    default:
      return false;
  }
}

/** Comparisons and logic over arithmetic: no calls, nothing to sequence. */
function isPlainCondition(value: Expr): boolean {
  if (
    ["call", "extern", "cond", "stopGradient"].includes(value.kind) ||
    readsField(value)
  ) {
    return false;
  }
  let plain = true;
  mapSubexpressions(
    value,
    (inner) => ((plain &&= isPlainCondition(inner)), inner),
  );
  return plain;
}

/** Surface variables assigned anywhere in these statements. */
function assignedIn(
  body: readonly SurfaceStmt[],
  into = new Set<string>(),
): Set<string> {
  for (const s of body) {
    if (s.kind === "assign" || s.kind === "let") into.add(s.name);
    if (s.kind === "if") {
      assignedIn(s.then, into);
      assignedIn(s.else, into);
    }
    if (s.kind === "loop") assignedIn(s.body, into);
  }
  return into;
}

/** Whether every path through `block` ends in a `throw`. */
function throwsAtEnd(block: readonly Stmt[]): boolean {
  const last = block.at(-1);
  return (
    last?.kind === "throw" ||
    (last?.kind === "if" && throwsAtEnd(last.then) && throwsAtEnd(last.else))
  );
}

function isAtom(value: Expr): boolean {
  return ["num", "bool", "mathConst", "verbatim", "undefined", "var"].includes(
    value.kind,
  );
}

function sameAtom(a: Expr | undefined, b: Expr | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === "var" && b.kind === "var") return a.name === b.name;
  if (a.kind === "num" && b.kind === "num") return Object.is(a.value, b.value);
  return a === b;
}

/** `Math.sin(y)` -> `sin_y`, `g(x)` -> `g_x`: temporaries read like their value. */
function temporaryName(value: Expr, fallback: string): string {
  const [first] =
    value.kind === "math" || value.kind === "call" ? value.args : [];
  const suffix = first?.kind === "var" ? `_${first.name}` : "";
  if (value.kind === "math") return `${value.fn}${suffix}`;
  if (value.kind === "index" && value.array.kind === "var") {
    const names = value.indices.map((i) => (i.kind === "var" ? i.name : "k"));
    return [value.array.name, ...names].join("_");
  }
  if (value.kind === "length" && value.array.kind === "var") {
    return value.indices.length === 0 ? "n" : `${value.array.name}_length`;
  }
  if (value.kind === "call") {
    const ref = value.callee.ref;
    return `${ref.kind === "local" ? ref.name : ref.derivativeBase}${suffix}`;
  }
  return fallback;
}
