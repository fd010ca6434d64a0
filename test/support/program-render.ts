/**
 * Resolves a ProgramSpec (program-generator.ts) into TypeScript source:
 * statements, loops and functions; expressions and the bounds that keep
 * values finite are program-expressions.ts's. Bounds flow through
 * branches by joining them, and through loops by resolving the body once
 * per possible iteration (see `resolveLoop`).
 */
import {
  AND,
  binary,
  type Bounds,
  call,
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
  type Variable,
} from "./program-expressions.js";
import type { FunctionSpec, ProgramSpec, Stmt } from "./program-generator.js";

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
    functions.push({ name, exported });
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
