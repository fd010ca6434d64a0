/**
 * Second order: the function `hvp` and `hessian` call, reverse mode over
 * forward mode.
 *
 * The tangent function of `f` that returns only the tangent of the result
 * (`f__tangent(x, dx) = f'(x) dx`, the directional derivative) is itself a
 * function of plain statements, so reverse mode differentiates it like any
 * other: its adjoint with respect to `x`, for a cotangent of 1, is
 * `d/dx (f'(x) dx) = H dx`, the Hessian-vector product, in one forward and
 * one reverse sweep. Its adjoint with respect to `dx` is the gradient.
 *
 *   function f__tangent(x, dx) {          function f__tangent__vjp(x, dx, r_adj)
 *     const sin_x = Math.sin(x);    ->      -> [f'(x) dx, H dx, gradient]
 *     const dsin_x = Math.cos(x) * dx;
 *     ...
 *     return dr;
 *   }
 *
 * The tangent is rewritten into the normalized form reverse mode reads:
 * one operation per statement (a partial's `c ? a : b` becomes an `if`, so
 * each side is evaluated, and differentiated, only where it is taken); a
 * call of a marked `g__jvp` becomes a call of `g` and one of
 * `g__tangent` (the function this module writes for `g`, whose adjoint is
 * `g__tangent__vjp`). Each loop lists the tangents of what it carries
 * among its carried variables (forward.ts), which reverse mode saves.
 */
import type { Activity } from "./activity";
import { forwardMode } from "./forward";
import {
  type CalleeRef,
  type Expr,
  type FunctionIR,
  type MarkedCallee,
  type Stmt,
  mapBlocks,
  ref,
} from "./ir";
import { tangentOnlyName, type Names } from "./naming";

/**
 * `f__tangent`: `f`'s tangent function returning the tangent alone, in
 * normalized form (its parameters: `f`'s, then one tangent for each).
 */
export function tangentOnly(
  fn: FunctionIR,
  activity: Activity,
  names: Names,
): FunctionIR {
  const jvp = forwardMode(fn, activity, names);
  const flatten = new Flattener(names);
  return {
    name: tangentOnlyName(fn.name),
    params: jvp.params,
    body: flatten.block(jvp.body.flatMap(tangentOnlyStatement)),
    result: fn.result,
    resultShape: fn.result,
  };
}

/** The callee whose primal is `g__tangent`. */
function tangentCallee(callee: MarkedCallee): MarkedCallee {
  const ref: CalleeRef =
    callee.ref.kind === "local"
      ? { kind: "local", name: tangentOnlyName(callee.ref.name) }
      : {
          ...callee.ref,
          exportName: tangentOnlyName(callee.ref.derivativeBase),
          derivativeBase: tangentOnlyName(callee.ref.derivativeBase),
        };
  return {
    ref,
    params: [...callee.params, ...callee.params],
    result: callee.result,
    ...(callee.mayThrow && { mayThrow: true }),
  };
}

/**
 * `const [y, dy] = g__jvp(x, dx)` -> `const y = g(x); const dy =
 * g__tangent(x, dx)`; `return [r, dr]` -> `return dr`.
 */
function tangentOnlyStatement(s: Stmt): Stmt[] {
  if (s.kind === "if" || s.kind === "loop")
    return [mapBlocks(s, (block) => block.flatMap(tangentOnlyStatement))];
  if (s.kind === "return") {
    if (s.value.kind !== "tuple") throw new Error("a tangent returns a pair");
    return [{ kind: "return", value: s.value.elements[1]! }];
  }
  if (
    s.kind !== "destructure" ||
    s.value.kind !== "call" ||
    s.value.variant !== "jvp"
  ) {
    return [s];
  }
  const call = s.value;
  const [value, tangent] = s.names;
  const arity = call.callee.params.length;
  return [
    {
      kind: "const",
      name: value!,
      value: { ...call, variant: "primal", args: call.args.slice(0, arity) },
    },
    {
      kind: "const",
      name: tangent!,
      value: { ...call, callee: tangentCallee(call.callee), variant: "primal" },
    },
  ];
}

/** Expressions with no operation in them. */
function isAtom(e: Expr): boolean {
  return (
    e.kind === "var" ||
    e.kind === "num" ||
    e.kind === "mathConst" ||
    e.kind === "verbatim" ||
    e.kind === "undefined" ||
    e.kind === "bool"
  );
}

/** One operation per statement, each intermediate in a `const` of its own. */
class Flattener {
  constructor(private readonly names: Names) {}

  block(body: readonly Stmt[]): Stmt[] {
    return body.flatMap((s) => this.statement(s));
  }

  private statement(s: Stmt): Stmt[] {
    const out: Stmt[] = [];
    switch (s.kind) {
      case "const":
      case "assign":
        out.push({ ...s, value: this.operation(s.value, out) });
        break;
      case "declare":
        out.push(s.init ? { ...s, init: this.atom(s.init, out) } : s);
        break;
      case "store":
        out.push({ ...s, value: this.atom(s.value, out) });
        break;
      case "append":
        out.push({ ...s, value: this.atom(s.value, out) });
        break;
      case "return":
        out.push({ kind: "return", value: this.variable(s.value, out) });
        break;
      case "if":
      case "loop":
        out.push(mapBlocks(s, (block) => this.block(block)));
        break;
      default:
        out.push(s);
    }
    return out;
  }

  /** `e` as one operation on atoms, its operands computed into `out`. */
  private operation(e: Expr, out: Stmt[]): Expr {
    switch (e.kind) {
      case "binary": {
        const left = this.atom(e.left, out);
        const right = this.atom(e.right, out);
        // The tangent sums start from 0 and multiply by partials of 1.
        if (e.op === "+" && isZero(left)) return right;
        if (e.op === "+" && isZero(right)) return left;
        if (e.op === "*" && isOne(left)) return right;
        if (e.op === "*" && isOne(right)) return left;
        return { ...e, left, right };
      }
      case "neg":
        return { ...e, operand: this.atom(e.operand, out) };
      case "math":
        return { ...e, args: e.args.map((a) => this.atom(a, out)) };
      case "cond":
        return this.branches(e, out);
      default:
        return e;
    }
  }

  /** `e` as an atom, through a new `const` unless it is one. */
  private atom(e: Expr, out: Stmt[]): Expr {
    if (isAtom(e)) return e;
    const value = this.operation(e, out);
    if (isAtom(value)) return value;
    const name = this.names.fresh("t");
    out.push({ kind: "const", name, value });
    return ref(name);
  }

  /** `e` in a variable: what a `return` gives and activity starts from. */
  private variable(e: Expr, out: Stmt[]): Expr {
    if (e.kind === "var") return e;
    const name = this.names.fresh("t");
    out.push({ kind: "const", name, value: this.operation(e, out) });
    return ref(name);
  }

  /**
   * `c ? a : b` as normalize writes it: the test in a variable, the value
   * declared before an `if` and assigned in each branch, so each side is
   * evaluated only where it is taken (`b === 0 ? 0 : b * a ** (b - 1)`
   * is NaN at a = 0 on the side not taken).
   */
  private branches(e: Extract<Expr, { kind: "cond" }>, out: Stmt[]): Expr {
    const test = this.names.fresh("test");
    out.push({ kind: "const", name: test, value: this.operation(e.test, out) });
    const name = this.names.fresh("t");
    const side = (value: Expr): Stmt[] => {
      const block: Stmt[] = [];
      block.push({ kind: "assign", name, value: this.atom(value, block) });
      return block;
    };
    out.push(
      { kind: "declare", name },
      {
        kind: "if",
        test: ref(test),
        then: side(e.whenTrue),
        else: side(e.whenFalse),
      },
    );
    return ref(name);
  }
}

const isZero = (e: Expr) => e.kind === "num" && e.value === 0;
const isOne = (e: Expr) => e.kind === "num" && e.value === 1;
