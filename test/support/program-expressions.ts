/**
 * Expressions of the random programs (program-generator.ts), resolved into
 * TypeScript with a bound on the magnitude of every value: from the
 * parameters' (|p| <= PARAM_BOUND; the checks draw from [-2, 2]) through
 * each operation. The bounds decide the wrapping that keeps every value
 * finite and every derivative defined:
 *
 *   Math.exp(s)       -> Math.exp(4 * Math.sin(s))      when |s| may exceed 4
 *   Math.asin(a)      -> Math.asin(0.9 * Math.sin(a))   when |a| may exceed 0.9
 *   p * q             -> Math.atan(p * q)               when it may exceed 100
 *   Math.log(a)       -> Math.log(1 + a * a)            always: a Guard
 *   a / b             -> a / (2 + Math.sin(b))          always: a Guard
 *
 * References pick from what is in scope (`pick % visible.length`), so any
 * tree resolves to a valid program. Points where a program is not smooth
 * (branches, floor, abs, min/max, `%`) stay in; the checks skip points
 * near them.
 */
import {
  type ArrayType,
  type ArrayVariable,
  type Counter,
  type Extent,
  indexChoices,
  localArrays,
  type MaxLengths,
} from "./program-arrays.js";
import type {
  Condition,
  Expr,
  Guard,
  MathFunction,
} from "./program-generator.js";
import {
  type MatrixVariable,
  passableMatrices,
  readCell,
  rowCopies,
} from "./program-matrices.js";

/** The checks draw numbers and array elements from [-INPUT_BOUND, INPUT_BOUND]. */
export const INPUT_BOUND = 2;
/** The checks draw arrays of 1 to MAX_LENGTH elements. */
export const MAX_LENGTH = 4;
/** A value that may grow past this is wrapped in `Math.atan`. */
export const CAP = 100;
/**
 * Parameters of every function are assumed this large: calls squash
 * arguments to it, and pass only arrays whose elements are this small.
 */
export const PARAM_BOUND = 4;

// Precedence, for parentheses only where needed.
const ATOM = 20;
const UNARY = 15;
const POWER = 14;
const MULTIPLICATIVE = 13;
const ADDITIVE = 12;
const RELATIONAL = 10;
const EQUALITY = 9;
export const AND = 5;
const OR = 4;
const CONDITIONAL = 3;
/** `a ?? b` mixes with neither `||` nor `&&`: parenthesized in any operator. */
const NULLISH = 3;

export interface Code {
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

export interface Variable {
  readonly name: string;
  /**
   * An "array" is an ArrayVariable (program-arrays.ts), a "matrix" a
   * MatrixVariable and a "row" a RowVariable (program-matrices.ts).
   */
  readonly role:
    "param" | "local" | "counter" | "element" | "array" | "matrix" | "row";
  readonly mutable: boolean;
  readonly literal: boolean;
}

export type Bounds = Map<Variable, number>;

export class Scope {
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

export interface Callable {
  readonly name: string;
  readonly params: readonly ("number" | "array" | "matrix")[];
  /** Whether the last parameter (a number) may be left out. */
  readonly optional: boolean;
  /** The type of its array parameter, if it has one. */
  readonly arrayType: ArrayType;
  /** A bound on the result, or on the result's elements. */
  readonly resultBound: number;
  /**
   * An array result: its type and length, a "param" extent meaning the
   * length of the array passed. null for a number.
   */
  readonly vector: { readonly type: ArrayType; readonly extent: Extent } | null;
}

export interface LoopFrame {
  /** The counter increment a `continue` must run first (while loops). */
  readonly increment: string | null;
  readonly breaks: Bounds[];
  readonly continues: Bounds[];
  /** The local array whose length the loop runs to. */
  readonly over: ArrayVariable | null;
  /** The most times it runs. */
  readonly trips: number;
  /** Its counter, if it has one. */
  readonly counter: string | null;
  /**
   * The jumps out of this loop allowed here: a tabulate loop stays
   * counted (no `break`) and keeps its write at the top of its body (no
   * `continue` before it).
   */
  jumps: "any" | "continue" | "none";
  /** The local arrays and matrices read inside it, this pass. */
  readonly reads: Set<Variable>;
  /** Those read by inner loops that ended, this iteration. */
  readonly innerReads: Set<Variable>;
}

/** A `switch` being resolved: where its `break`s go. */
export interface SwitchFrame {
  /** How many loops were open around it: a `break` deeper leaves a loop. */
  readonly depth: number;
  /** The bounds at each conditional `break`. */
  readonly breaks: Bounds[];
  /** What it tests. */
  readonly subject: string;
}

/** Records that the code being resolved reads `v`'s elements. */
export function noteRead(v: Variable, env: Env) {
  for (const frame of env.fn.loops) frame.reads.add(v);
}

/**
 * Whether `v` may be written here: not after an inner loop of the same
 * iteration read it (the transformer rejects most such writes, TS96003
 * "needs a value this iteration computed from ...", README).
 */
export function writableAfterReads(v: Variable, env: Env): boolean {
  return !env.fn.loops.some((frame) => frame.innerReads.has(v));
}

/** How a function with an array result returns (program-render.ts). */
export interface VectorContext {
  /** The array `const out = ...` declared first. */
  readonly out: ArrayVariable;
  /** Returns array literals (`return [v];`) rather than `out`. */
  readonly literal: boolean;
}

export interface FunctionContext {
  readonly array: string | null;
  /** The array parameter, as the array a call or a copy may take. */
  readonly arrayParam: ArrayVariable | null;
  /** A bound on the array parameter's elements. */
  readonly elementBound: number;
  readonly callables: readonly Callable[];
  /** The matrix parameter's name, if there is one. */
  readonly matrix: string | null;
  readonly matrixParam: MatrixVariable | null;
  /** Whether matrix nodes make matrices (ProgramSpec.matrix). */
  readonly matrices: boolean;
  /**
   * Names a local may not take (it would hide the array parameter), and
   * the widths of local matrices.
   */
  readonly reserved: Set<string>;
  whileCount: number;
  returnBound: number;
  /** The extents of the arrays returned so far (an array result). */
  readonly returnedExtents: Extent[];
  readonly loops: LoopFrame[];
  readonly switches: SwitchFrame[];
  /** How long each local array may grow (program-arrays.ts). */
  maxLengths: MaxLengths;
  /** Set once `out` is declared. */
  vector: VectorContext | null;
  /** Set once `out` is declared, for a matrix result. */
  matrixOut: MatrixVariable | null;
}

export interface Env {
  readonly scope: Scope;
  readonly bounds: Bounds;
  readonly fn: FunctionContext;
  /** The name being declared: its initializer cannot read it or what it hides. */
  readonly hidden: string | null;
  /** Loop counters in scope, with the arrays each indexes. */
  readonly indices: readonly Counter[];
  /**
   * Inside a branch of `?:`, `&&` or `||`, or a loop test: where a row
   * copy made inside an expression (`f(m[i].slice())`) is not supported.
   */
  readonly branch?: boolean;
}

export const atom = (text: string, bound: number, literal = false): Code => ({
  text,
  prec: ATOM,
  bound,
  literal,
});

export function operand(code: Code, min: number): string {
  return code.prec >= min ? code.text : `(${code.text})`;
}

export function num(value: number): Code {
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

export function binary(
  left: Code,
  op: string,
  right: Code,
  bound: number,
): Code {
  return cap(combine(left, op, right, bound));
}

/** `left op right`, not capped. */
export function combine(
  left: Code,
  op: string,
  right: Code,
  bound: number,
): Code {
  if (op === "**") {
    const text = `${operand(left, ATOM)} ** ${operand(right, POWER)}`;
    return { text, prec: POWER, bound, literal: false };
  }
  const prec = op === "+" || op === "-" ? ADDITIVE : MULTIPLICATIVE;
  const text = `${operand(left, prec)} ${op} ${operand(right, prec + 1)}`;
  return { text, prec, bound, literal: false };
}

export function call(fn: string, args: readonly Code[], bound: number): Code {
  return cap(atom(`${fn}(${args.map((a) => a.text).join(", ")})`, bound));
}

/** `limit * Math.sin(code)` if |code| may exceed `limit`. */
export function squash(code: Code, limit: number): Code {
  if (code.bound <= limit) return code;
  const sine = call("Math.sin", [code], 1);
  return limit === 1 ? sine : binary(num(limit), "*", sine, limit);
}

/** A positive value made from `code`, and its lower bound. */
export function positive(
  code: Code,
  guard: Guard,
): { code: Code; low: number } {
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

const NUMBER_ROLES: ReadonlySet<Variable["role"]> = new Set([
  "param",
  "local",
  "counter",
  "element",
]);

/** Numbers in scope. */
export function readable(env: Env): Variable[] {
  return env.scope
    .visible()
    .filter((v) => v.name !== env.hidden && NUMBER_ROLES.has(v.role));
}

export function read(v: Variable, env: Env): Code {
  env.scope.use(v);
  return atom(v.name, env.bounds.get(v) ?? CAP, v.literal);
}

export function resolveExpr(e: Expr, env: Env): Code {
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
      const counters = env.indices.filter((c) => c.extent.kind === "param");
      if (counters.length > 0) {
        const counter = counters[e.pick % counters.length]!.variable.name;
        return atom(`${array}[${counter}]`, env.fn.elementBound);
      }
      // The first or the last element, by index or by `.at`; the largest
      // or the smallest, which tsad computes before the statement: not in
      // a loop test, nor in a branch (made first as an `if`, it would run
      // before a call earlier in the statement that may throw: TS96003).
      const elements = [
        `${array}[0]`,
        `${array}[${array}.length - 1]`,
        `${array}.at(0)!`,
        `${array}.at(-1)!`,
        ...(env.branch
          ? []
          : [`Math.max(...${array})`, `Math.min(...${array})`]),
      ];
      const element = elements[e.pick % elements.length]!;
      return atom(element, env.fn.elementBound);
    }
    case "local": {
      const arrays = localArrays(env).filter(
        (a) => indexChoices(a, env).length > 0,
      );
      if (arrays.length === 0) {
        return resolveExpr({ kind: "element", pick: e.pick }, env);
      }
      const a = arrays[e.pick % arrays.length]!;
      const indices = indexChoices(a, env);
      env.scope.use(a);
      const index = indices[e.index % indices.length]!;
      noteRead(a, env);
      return atom(`${a.name}[${index}]`, env.bounds.get(a)!);
    }
    case "cell": {
      const cell = env.fn.matrices ? readCell(e, env) : null;
      return (
        cell ?? resolveExpr({ kind: "local", pick: e.pick, index: e.row }, env)
      );
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
      const whenTrue = resolveExpr(e.whenTrue, { ...env, branch: true });
      const whenFalse = resolveExpr(e.whenFalse, { ...env, branch: true });
      return {
        text: `${operand(test, OR)} ? ${operand(whenTrue, OR)} : ${operand(whenFalse, OR)}`,
        prec: CONDITIONAL,
        bound: Math.max(whenTrue.bound, whenFalse.bound),
        literal: whenTrue.literal && whenFalse.literal,
      };
    }
    case "call":
      return resolveCall(e, env);
    case "nullish":
      return resolveNullish(e, env);
  }
}

/**
 * `xs[k] ?? value` where `k` may be past the end of the array parameter
 * (`xs[i + 1]` in a loop over it, `xs[2]`, `xs[xs.length]`): README takes
 * `??` after an element of a parameter, but not in a branch or loop test.
 */
function resolveNullish(e: Extract<Expr, { kind: "nullish" }>, env: Env): Code {
  // It may not run: as in a branch.
  const value = resolveExpr(e.value, { ...env, branch: true });
  const array = env.fn.array;
  if (array === null || env.branch) return value;
  const counters = env.indices
    .filter((c) => c.extent.kind === "param")
    .map((c) => `${c.variable.name} + 1`);
  const indices = [...counters, "1", "2", `${array}.length`];
  const index = indices[e.index % indices.length]!;
  return {
    text: `${array}[${index}] ?? ${operand(value, OR + 1)}`,
    prec: NULLISH,
    bound: Math.max(env.fn.elementBound, value.bound),
    literal: false,
  };
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
  const callables = env.fn.callables.filter((c) => c.vector === null);
  if (callables.length === 0) return resolveExpr(e.args[0]!, env);
  const callee = callables[e.pick % callables.length]!;
  const { args } = callArguments(callee, e.args, e.array, env);
  return call(callee.name, args, callee.resultBound);
}

/**
 * The arguments of a call to `callee`: numbers squashed to PARAM_BOUND,
 * and for an array parameter the array parameter or a local array (picked
 * by `array`) that is long enough and has small enough elements.
 */
export function callArguments(
  callee: Callable,
  exprs: readonly Expr[],
  array: number,
  env: Env,
): { args: Code[]; passed: ArrayVariable | null } {
  let next = 0;
  let passed: ArrayVariable | null = null;
  // Half the calls leave an optional last parameter out.
  const omitted = callee.optional && (array + exprs.length) % 2 === 1;
  const params = omitted ? callee.params.slice(0, -1) : callee.params;
  const args = params.map((kind) => {
    if (kind === "number") {
      const arg = resolveExpr(exprs[next++ % exprs.length]!, env);
      return squash(arg, PARAM_BOUND);
    }
    if (kind === "matrix") {
      // Every function of a program with matrices takes the parameter.
      const candidates = [env.fn.matrixParam!, ...passableMatrices(env)];
      const m = candidates[array % candidates.length]!;
      env.scope.use(m);
      noteRead(m, env);
      return atom(m.name, env.bounds.get(m) ?? env.fn.elementBound);
    }
    const passable = localArrays(env).filter(
      (a) =>
        a.type === callee.arrayType &&
        a.extent.kind !== "own" &&
        env.bounds.get(a)! <= PARAM_BOUND,
    );
    const candidates = [
      env.fn.arrayParam!,
      ...passable,
      ...(callee.arrayType === "array" ? rowCopies(env) : []),
    ];
    passed = candidates[array % candidates.length]!;
    env.scope.use(passed);
    noteRead(passed, env);
    return atom(passed.name, env.bounds.get(passed) ?? env.fn.elementBound);
  });
  return { args, passed };
}

export function resolveCondition(c: Condition, env: Env): Code {
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
      const l = operand(left, ADDITIVE);
      const r = operand(right, ADDITIVE);
      // TypeScript reads `a < (b > (c) ? 1 : 2)` as a call `a<(b>(c)...`
      // with type arguments: write `(b > (c) ? 1 : 2) > a` instead.
      if (op === "<" && r.startsWith("(")) return code(`${r} > ${l}`, prec);
      return code(`${l} ${op} ${r}`, prec);
    }
    case "not":
      return code(`!${operand(resolveCondition(c.operand, env), ATOM)}`, UNARY);
    case "logical": {
      const prec = c.op === "&&" ? AND : OR;
      const left = resolveCondition(c.left, env);
      const right = resolveCondition(c.right, { ...env, branch: true });
      return code(
        `${operand(left, prec)} ${c.op} ${operand(right, prec + 1)}`,
        prec,
      );
    }
  }
}
