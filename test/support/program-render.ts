/**
 * Resolves a ProgramSpec (program-generator.ts) into TypeScript source.
 *
 * References pick from what is in scope (`pick % visible.length`), so any
 * tree resolves to a valid program. Every value carries a bound on its
 * magnitude, from the parameters' (|p| <= 4; the checks draw from [-2, 2])
 * through each operation, and through loops by iterating the body's
 * bounds for the largest trip count. The bounds decide the wrapping that
 * keeps every value finite and every derivative defined:
 *
 *   Math.exp(s)       -> Math.exp(4 * Math.sin(s))      when |s| may exceed 4
 *   Math.asin(a)      -> Math.asin(0.9 * Math.sin(a))   when |a| may exceed 0.9
 *   p * q             -> Math.atan(p * q)               when it may exceed 100
 *   Math.log(a)       -> Math.log(1 + a * a)            always: a Guard
 *   a / b             -> a / (2 + Math.sin(b))          always: a Guard
 *
 * Points where a program is not smooth (branches, floor, abs, min/max,
 * `%`) stay in; the checks skip points near them.
 */
import type {
  Condition,
  Expr,
  FunctionSpec,
  Guard,
  MathFunction,
  ProgramSpec,
  Stmt,
} from "./program-generator.js";

/** The checks draw numbers and array elements from [-INPUT_BOUND, INPUT_BOUND]. */
export const INPUT_BOUND = 2;
/** The checks draw arrays of 1 to MAX_LENGTH elements. */
export const MAX_LENGTH = 4;
/** A value that may grow past this is wrapped in `Math.atan`. */
const CAP = 100;
/** Parameters of every function are assumed this large: calls squash arguments to it. */
const PARAM_BOUND = 4;

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
const PARAM_NAMES: readonly { scalars: string[]; array: string }[] = [
  { scalars: ["a", "b", "c"], array: "xs" },
  { scalars: ["x", "y", "z"], array: "v" },
  { scalars: ["x", "dx", "x_adj"], array: "result_adj" },
  { scalars: ["result", "test", "done"], array: "iterations" },
];
const FOR_COUNTERS = ["i", "j", "l", "m", "q"];
const ELEMENT_NAMES = ["e", "e2", "e3", "e4", "e5"];

// Precedence, for parentheses only where needed.
const ATOM = 20;
const UNARY = 15;
const POWER = 14;
const MULTIPLICATIVE = 13;
const ADDITIVE = 12;
const RELATIONAL = 10;
const EQUALITY = 9;
const AND = 5;
const OR = 4;
const CONDITIONAL = 3;

interface Code {
  readonly text: string;
  readonly prec: number;
  /** |value| <= bound wherever the code runs. */
  readonly bound: number;
  /** TypeScript types it as a literal (`2`, `c ? 1 : 2`): no `===` on it. */
  readonly literal: boolean;
}

type Domain = "any" | "growth" | "unit" | "tan" | "positive" | "above-one";

interface MathRule {
  readonly arity: 1 | 2 | "variadic";
  /** What each argument must stay in; atan2's second argument is positive. */
  readonly domain: Domain;
  /** A bound on the result from the arguments' bounds and the guarded argument's lower bound. */
  readonly bound: (args: readonly number[], low: number) => number;
}

const unary = (
  domain: Domain,
  bound: (b: number, low: number) => number,
): MathRule => ({
  arity: 1,
  domain,
  bound: ([b], low) => bound(b!, low),
});
const logBound = (b: number, low: number) =>
  Math.max(Math.abs(Math.log(low)), Math.abs(Math.log(b)));
const maxOf = (bounds: readonly number[]) => Math.max(...bounds);

/** The domain and growth of every `Math` function the generator calls. */
const MATH_RULES: Record<MathFunction, MathRule> = {
  sin: unary("any", () => 1),
  cos: unary("any", () => 1),
  tan: unary("tan", (b) => Math.tan(b)),
  asin: unary("unit", () => Math.PI / 2),
  acos: unary("unit", () => Math.PI),
  atan: unary("any", () => Math.PI / 2),
  atan2: { arity: 2, domain: "positive", bound: () => Math.PI },
  sinh: unary("growth", (b) => Math.sinh(b)),
  cosh: unary("growth", (b) => Math.cosh(b)),
  tanh: unary("any", () => 1),
  asinh: unary("any", (b) => Math.asinh(b)),
  acosh: unary("above-one", (b) => Math.acosh(b)),
  atanh: unary("unit", (b) => Math.atanh(b)),
  exp: unary("growth", (b) => Math.exp(b)),
  expm1: unary("growth", (b) => Math.exp(b)),
  log: unary("positive", logBound),
  log1p: unary("unit", (b) => Math.abs(Math.log1p(-b))),
  log2: unary("positive", (b, low) => logBound(b, low) / Math.LN2),
  log10: unary("positive", (b, low) => logBound(b, low) / Math.LN10),
  sqrt: unary("positive", (b) => Math.sqrt(b)),
  cbrt: unary("positive", (b) => Math.cbrt(b)),
  hypot: {
    arity: "variadic",
    domain: "any",
    bound: (bounds) => bounds.reduce((a, b) => a + b, 0),
  },
  abs: unary("any", (b) => b),
  sign: unary("any", () => 1),
  min: { arity: "variadic", domain: "any", bound: maxOf },
  max: { arity: "variadic", domain: "any", bound: maxOf },
  floor: unary("any", (b) => b + 1),
  ceil: unary("any", (b) => b + 1),
  round: unary("any", (b) => b + 1),
  trunc: unary("any", (b) => b + 1),
};

interface Variable {
  readonly name: string;
  readonly role: "param" | "local" | "counter" | "element";
  readonly mutable: boolean;
  readonly literal: boolean;
}

type Bounds = Map<Variable, number>;

class Scope {
  readonly declared = new Map<string, Variable>();
  /**
   * Names of outer variables this block has referenced: declaring one of
   * them now would put those references in its temporal dead zone.
   */
  readonly used = new Set<string>();
  constructor(readonly parent: Scope | null) {}

  /** Records a reference to `v` from this block. */
  use(v: Variable) {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      if (s.declared.get(v.name) === v) return;
      s.used.add(v.name);
    }
  }

  /** In declaration order, inner declarations hiding outer ones. */
  visible(): Variable[] {
    const outer = this.parent?.visible() ?? [];
    return [
      ...outer.filter((v) => !this.declared.has(v.name)),
      ...this.declared.values(),
    ];
  }
}

interface Callable {
  readonly name: string;
  readonly params: readonly ("number" | "array")[];
  readonly resultBound: number;
}

interface LoopFrame {
  /** The counter increment a `continue` must run first (while loops). */
  readonly increment: string | null;
  readonly breaks: Bounds[];
  readonly continues: Bounds[];
}

interface FunctionContext {
  readonly array: string | null;
  readonly callables: readonly Callable[];
  /** Names a local may not take (it would hide the array parameter). */
  readonly reserved: ReadonlySet<string>;
  whileCount: number;
  returnBound: number;
  readonly loops: LoopFrame[];
}

interface Env {
  readonly scope: Scope;
  readonly bounds: Bounds;
  readonly fn: FunctionContext;
  /** The name being declared: its initializer cannot read it or what it hides. */
  readonly hidden: string | null;
  /** Loop counters that are valid indices of the array parameter here. */
  readonly indices: readonly Variable[];
}

const atom = (text: string, bound: number, literal = false): Code => ({
  text,
  prec: ATOM,
  bound,
  literal,
});

function operand(code: Code, min: number): string {
  return code.prec >= min ? code.text : `(${code.text})`;
}

function num(value: number): Code {
  return {
    text: String(value),
    prec: value < 0 ? UNARY : ATOM,
    bound: Math.abs(value),
    literal: true,
  };
}

/** `Math.atan(code)` if the value may grow past CAP. */
function cap(code: Code): Code {
  return code.bound <= CAP
    ? code
    : atom(`Math.atan(${code.text})`, Math.PI / 2);
}

function binary(left: Code, op: string, right: Code, bound: number): Code {
  return cap(combine(left, op, right, bound));
}

/** `left op right`, not capped. */
function combine(left: Code, op: string, right: Code, bound: number): Code {
  if (op === "**") {
    const text = `${operand(left, ATOM)} ** ${operand(right, POWER)}`;
    return { text, prec: POWER, bound, literal: false };
  }
  const prec = op === "+" || op === "-" ? ADDITIVE : MULTIPLICATIVE;
  const text = `${operand(left, prec)} ${op} ${operand(right, prec + 1)}`;
  return { text, prec, bound, literal: false };
}

function call(fn: string, args: readonly Code[], bound: number): Code {
  return cap(atom(`${fn}(${args.map((a) => a.text).join(", ")})`, bound));
}

/** `limit * Math.sin(code)` if |code| may exceed `limit`. */
function squash(code: Code, limit: number): Code {
  if (code.bound <= limit) return code;
  const sine = call("Math.sin", [code], 1);
  return limit === 1 ? sine : binary(num(limit), "*", sine, limit);
}

/** A positive value made from `code`, and its lower bound. */
function positive(code: Code, guard: Guard): { code: Code; low: number } {
  switch (guard.kind) {
    case "square": {
      const s = squash(code, 3);
      const square = binary(s, "*", s, s.bound * s.bound);
      return { code: binary(num(1), "+", square, 1 + square.bound), low: 1 };
    }
    case "sine":
      return {
        code: binary(num(2), "+", call("Math.sin", [code], 1), 3),
        low: 1,
      };
    case "cosh": {
      const s = squash(code, 3);
      return { code: call("Math.cosh", [s], Math.cosh(s.bound)), low: 1 };
    }
    case "exp": {
      const s = squash(code, 3);
      const exp = call("Math.exp", [s], Math.exp(s.bound));
      return { code: binary(num(0.5), "+", exp, 0.5 + exp.bound), low: 0.5 };
    }
    case "literal":
      return { code: num(Math.abs(guard.value)), low: Math.abs(guard.value) };
  }
}

function readable(env: Env): Variable[] {
  return env.scope.visible().filter((v) => v.name !== env.hidden);
}

function read(v: Variable, env: Env): Code {
  env.scope.use(v);
  return atom(v.name, env.bounds.get(v) ?? CAP, v.literal);
}

function resolveExpr(e: Expr, env: Env): Code {
  switch (e.kind) {
    case "literal":
      return num(e.value);
    case "constant":
      return atom(`Math.${e.name}`, Math[e.name]);
    case "read": {
      // The most recent first, so that new locals tend to be used.
      const vars = readable(env).reverse();
      if (vars.length > 0) return read(vars[e.pick % vars.length]!, env);
      return env.fn.array !== null
        ? resolveExpr({ kind: "element", pick: e.pick }, env)
        : num(1);
    }
    case "element": {
      const array = env.fn.array;
      if (array === null)
        return resolveExpr({ kind: "read", pick: e.pick }, env);
      const counters = env.indices;
      const index =
        counters.length > 0
          ? counters[e.pick % counters.length]!.name
          : e.pick % 2 === 0
            ? "0"
            : `${array}.length - 1`;
      return atom(`${array}[${index}]`, INPUT_BOUND);
    }
    case "unary": {
      const inner = resolveExpr(e.operand, env);
      return {
        text: `${e.op}${operand(inner, ATOM)}`,
        prec: UNARY,
        bound: inner.bound,
        literal: inner.literal,
      };
    }
    case "binary": {
      const left = resolveExpr(e.left, env);
      const right = resolveExpr(e.right, env);
      const bound =
        e.op === "*" ? left.bound * right.bound : left.bound + right.bound;
      return binary(left, e.op, right, bound);
    }
    case "divide": {
      const left = resolveExpr(e.left, env);
      const { code, low } = positive(resolveExpr(e.right, env), e.guard);
      const bound =
        e.op === "/" ? left.bound / low : Math.min(left.bound, code.bound);
      return binary(left, e.op, code, bound);
    }
    case "power-integer": {
      const base = squash(resolveExpr(e.base, env), 4);
      return power(e.syntax, base, num(e.exponent), base.bound ** e.exponent);
    }
    case "power-positive": {
      const { code: base, low } = positive(
        squash(resolveExpr(e.base, env), 2),
        e.guard,
      );
      const exponent = squash(resolveExpr(e.exponent, env), 2);
      const bound = Math.max(base.bound, 1 / low) ** exponent.bound;
      return power(e.syntax, base, exponent, bound);
    }
    case "math":
      return resolveMath(e, env);
    case "conditional": {
      const test = resolveCondition(e.test, env);
      const whenTrue = resolveExpr(e.whenTrue, env);
      const whenFalse = resolveExpr(e.whenFalse, env);
      return {
        text: `${operand(test, OR)} ? ${operand(whenTrue, OR)} : ${operand(whenFalse, OR)}`,
        prec: CONDITIONAL,
        bound: Math.max(whenTrue.bound, whenFalse.bound),
        literal: whenTrue.literal && whenFalse.literal,
      };
    }
    case "call":
      return resolveCall(e, env);
  }
}

function power(
  syntax: "**" | "Math.pow",
  base: Code,
  exponent: Code,
  bound: number,
): Code {
  return syntax === "**"
    ? binary(base, "**", exponent, bound)
    : call("Math.pow", [base, exponent], bound);
}

function resolveMath(e: Extract<Expr, { kind: "math" }>, env: Env): Code {
  const rule = MATH_RULES[e.fn];
  const raw = e.args.map((arg) => resolveExpr(arg, env));
  const first = raw[0]!;
  let args: Code[];
  let low = 0;
  switch (rule.arity) {
    case "variadic":
      args = raw;
      break;
    case 2: {
      const guarded = positive(raw[1 % raw.length]!, e.guard);
      args = [first, guarded.code];
      break;
    }
    case 1:
      switch (rule.domain) {
        case "any":
          args = [first];
          break;
        case "growth":
          args = [squash(first, 4)];
          break;
        case "unit":
          args = [squash(first, 0.9)];
          break;
        case "tan":
          args = [squash(first, 1.2)];
          break;
        case "positive": {
          const guarded = positive(first, e.guard);
          args = [guarded.code];
          low = guarded.low;
          break;
        }
        case "above-one": {
          const guarded = positive(first, e.guard);
          args = [binary(num(1), "+", guarded.code, 1 + guarded.code.bound)];
          low = 1 + guarded.low;
          break;
        }
      }
  }
  const bound = rule.bound(
    args.map((a) => a.bound),
    low,
  );
  return call(`Math.${e.fn}`, args, bound);
}

function resolveCall(e: Extract<Expr, { kind: "call" }>, env: Env): Code {
  const callables = env.fn.callables;
  if (callables.length === 0) return resolveExpr(e.args[0]!, env);
  const callee = callables[e.pick % callables.length]!;
  let next = 0;
  const args = callee.params.map((kind) =>
    kind === "array"
      ? atom(env.fn.array!, INPUT_BOUND)
      : squash(resolveExpr(e.args[next++ % e.args.length]!, env), PARAM_BOUND),
  );
  return call(callee.name, args, callee.resultBound);
}

function resolveCondition(c: Condition, env: Env): Code {
  const code = (text: string, prec: number): Code => ({
    text,
    prec,
    bound: 1,
    literal: false,
  });
  switch (c.kind) {
    case "compare": {
      const left = resolveExpr(c.left, env);
      const right = resolveExpr(c.right, env);
      // `===` on two literal types that differ is a type error, and on a
      // literal type it narrows the other side to it: order them instead.
      const equality = c.op === "===" || c.op === "!==";
      const op =
        equality && (left.literal || right.literal)
          ? c.op === "==="
            ? "<="
            : ">"
          : c.op;
      const prec = op === "===" || op === "!==" ? EQUALITY : RELATIONAL;
      return code(
        `${operand(left, ADDITIVE)} ${op} ${operand(right, ADDITIVE)}`,
        prec,
      );
    }
    case "not":
      return code(`!${operand(resolveCondition(c.operand, env), ATOM)}`, UNARY);
    case "logical": {
      const prec = c.op === "&&" ? AND : OR;
      const left = resolveCondition(c.left, env);
      const right = resolveCondition(c.right, env);
      return code(
        `${operand(left, prec)} ${c.op} ${operand(right, prec + 1)}`,
        prec,
      );
    }
  }
}

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
  indices: readonly Variable[] = env.indices,
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
      return resolveLoop(s, env);
    case "exit":
      return resolveExit(s, env);
  }
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
  const frame = env.fn.loops.at(-1);
  if (frame === undefined) {
    if (s.jump !== "return") return [];
    const test = resolveCondition(s.test, env);
    const value = resolveExpr(s.value, env);
    env.fn.returnBound = Math.max(env.fn.returnBound, value.bound);
    return [`if (${test.text}) return ${value.text};`];
  }
  const test = resolveCondition(s.test, env);
  if (s.jump === "continue") {
    frame.continues.push(cloneBounds(env.bounds));
    if (frame.increment === null) return [`if (${test.text}) continue;`];
    return [`if (${test.text}) {`, `  ${frame.increment}`, "  continue;", "}"];
  }
  // `return` inside a loop is not supported yet: it breaks instead.
  frame.breaks.push(cloneBounds(env.bounds));
  return [`if (${test.text}) break;`];
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
    readonly bound: number;
  } | null;
  /** A counter that indexes the array inside the body (not after the loop). */
  readonly index: Variable | null;
}

const counter = (name: string): Variable => ({
  name,
  role: "counter",
  mutable: false,
  literal: false,
});

function loopShape(s: Extract<Stmt, { kind: "loop" }>, env: Env): LoopShape {
  const array = env.fn.array;
  const depth = env.fn.loops.length;
  const step = (c: string, sign: "+" | "-") =>
    [`${c}${sign}${sign}`, `${sign}${sign}${c}`, `${c} ${sign}= 1`][s.update]!;
  const forLoop = (header: (c: string) => string, indexes: boolean) => {
    const c = counter(FOR_COUNTERS[depth]!);
    const trips = indexes ? MAX_LENGTH : s.trips;
    return {
      before: [],
      open: () => `for (${header(c.name)}) {`,
      close: "}",
      increment: null,
      trips,
      local: { variable: c, bound: trips },
      index: indexes ? c : null,
    };
  };
  const whileLoop = (
    open: (w: string, test: string) => string,
    close: (w: string) => string,
    indexes: boolean,
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
      index: indexes ? w : null,
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
    case "for-triangle": {
      if (array === null) return fixed;
      const outer = env.indices.at(-1);
      const end =
        outer === undefined
          ? `< ${array}.length`
          : `${s.trips % 2 === 1 ? "<" : "<="} ${outer.name}`;
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
      return {
        before: [],
        open: () => `for (const ${e.name} of ${array}) {`,
        close: "}",
        increment: null,
        trips: MAX_LENGTH,
        local: { variable: e, bound: INPUT_BOUND },
        index: null,
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
      );
    case "do-while":
      return whileLoop(
        () => "do {",
        (w) => `} while (${w} < ${limit});`,
        array !== null,
      );
  }
}

/**
 * Resolves the body once per possible iteration, each time from the join
 * of the entry bounds and the previous pass's exit: the last pass's code
 * is the one emitted, its bounds hold for every iteration.
 */
function resolveLoop(s: Extract<Stmt, { kind: "loop" }>, env: Env): string[] {
  const shape = loopShape(s, env);
  const entry = cloneBounds(env.bounds);
  const whileCount = env.fn.whileCount;
  const indices =
    shape.index === null ? env.indices : [...env.indices, shape.index];
  let assumed = entry;
  let lines: string[] = [];
  let test = "";
  let exits: Bounds[] = [];
  for (let pass = 0; pass <= shape.trips; pass++) {
    env.fn.whileCount = whileCount;
    const start = cloneBounds(assumed);
    // Only the `while (test && n < k)` form reads it.
    test = operand(resolveCondition(s.test, { ...env, bounds: start }), AND);
    const body = childEnv(env, cloneBounds(start), indices);
    if (shape.local !== null) {
      declare(body, shape.local.variable, shape.local.bound);
    }
    const frame: LoopFrame = {
      increment: shape.increment,
      breaks: [],
      continues: [],
    };
    env.fn.loops.push(frame);
    lines = resolveStmts(s.body, body);
    env.fn.loops.pop();
    exits = [body.bounds, ...frame.breaks, ...frame.continues];
    assumed = join(entry, [entry, body.bounds, ...frame.continues]);
  }
  assignBounds(env.bounds, join(entry, [assumed, ...exits]));
  const increment = shape.increment === null ? [] : [shape.increment];
  return [
    ...shape.before,
    shape.open(test),
    ...indent([...lines, ...increment]),
    shape.close,
  ];
}

export interface RenderedFunction {
  readonly name: string;
  readonly exported: boolean;
  /** How many parameters it has (all of them differentiable). */
  readonly arity: number;
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
  const arrayType = spec.array === "array" ? "number[]" : "Float64Array";
  const names = [`${prefix}_h`, ...spec.mains.map((_, j) => `${prefix}_f${j}`)];
  const chunks: string[] = [];
  const functions: RenderedFunction[] = [];
  const callables: Callable[] = [];
  const add = (
    f: FunctionSpec,
    name: string,
    exported: boolean,
    array: boolean,
  ) => {
    const { text, callable } = renderFunction(f, {
      name,
      exported,
      array: array ? arrayType : null,
      callables: [...callables],
      functionNames: names,
    });
    chunks.push(text);
    functions.push({ name, exported, arity: callable.params.length });
    callables.push(callable);
  };
  if (spec.helper !== null) {
    add(
      spec.helper,
      names[0]!,
      spec.helperExported,
      withArray && spec.helperArray,
    );
  }
  spec.mains.forEach((f, j) => add(f, names[j + 1]!, true, withArray));
  return { source: chunks.join("\n"), functions };
}

function renderFunction(
  spec: FunctionSpec,
  options: {
    name: string;
    exported: boolean;
    array: string | null;
    callables: readonly Callable[];
    functionNames: readonly string[];
  },
): { text: string; callable: Callable } {
  const names = PARAM_NAMES[spec.names % PARAM_NAMES.length]!;
  const scalars =
    options.array === null ? Math.max(1, spec.scalars) : spec.scalars;
  const params: { name: string; kind: "number" | "array" }[] = names.scalars
    .slice(0, scalars)
    .map((name) => ({ name, kind: "number" }));
  if (options.array !== null) {
    const array = { name: names.array, kind: "array" as const };
    if (spec.arrayFirst) params.unshift(array);
    else params.push(array);
  }
  const fn: FunctionContext = {
    array: options.array === null ? null : names.array,
    callables: options.callables,
    reserved: new Set([names.array, ...options.functionNames]),
    whileCount: 0,
    returnBound: 0,
    loops: [],
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
  const body = resolveStmts(spec.body, env);
  const summed = spec.sumsVariables
    ? [...env.scope.declared.values()].filter((v) => v.role !== "counter")
    : [];
  const result = summed.reduce(
    (sum, v) => binary(sum, "+", read(v, env), sum.bound + env.bounds.get(v)!),
    resolveExpr(spec.result, env),
  );
  const signature = params
    .map((p) => `${p.name}: ${p.kind === "number" ? "number" : options.array}`)
    .join(", ");
  const text = [
    "/** @differentiable */",
    `${options.exported ? "export " : ""}function ${options.name}(${signature}): number {`,
    ...indent([...body, `return ${result.text};`]),
    "}",
    "",
  ].join("\n");
  const callable: Callable = {
    name: options.name,
    params: params.map((p) => p.kind),
    resultBound: Math.max(fn.returnBound, result.bound),
  };
  return { text, callable };
}
