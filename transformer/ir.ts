/**
 * The intermediate representation every pass between `normalize` and
 * `emit` works on: a small typed language of numeric statements.
 *
 * `normalize` produces it from TypeScript; after normalization every
 * numeric operation reads only atoms (variables and literals) and every
 * variable is assigned once per execution path (SSA; variables merged after
 * an `if` are declared with `declare` and assigned once in each branch).
 * The derivative passes produce it too, with nested expressions, and
 * `simplify` cleans it; `emit` turns it into TypeScript nodes.
 */
import type * as ts from "typescript";
import type { ValueKind } from "../runtime/registry";

export type BinaryOp = "+" | "-" | "*" | "/" | "**" | "%";
export type CompareOp = "<" | "<=" | ">" | ">=" | "===" | "!==" | "==" | "!=";
export type LogicalOp = "&&" | "||";
/** Bit operations: their values are integers, constant between jumps. */
export type BitwiseOp = "&" | "|" | "^" | "<<" | ">>" | ">>>";

/** A function marked `@differentiable`, as seen from a call site. */
export interface MarkedCallee {
  /** How the generated code refers to the primal and its derivatives. */
  readonly ref: CalleeRef;
  readonly params: readonly ValueKind[];
  /** What it returns (where a call is lowered, the call's own kind). */
  readonly result: ValueKind;
  /**
   * It may throw (see normalize/throwing.ts): a call of it stays where
   * its value is not needed.
   */
  readonly mayThrow?: true;
}

/**
 * Same-module callees are referred to by name; callees in other modules
 * through a namespace import that `emit` adds (`import * as ns from spec`),
 * so that user imports are left alone.
 */
export type CalleeRef =
  | { readonly kind: "local"; readonly name: string }
  | {
      readonly kind: "module";
      readonly specifier: string;
      /** Namespaces on the way: `L` for `L.f`, `L` imported from the module. */
      readonly path: readonly string[];
      /** The name the primal is exported under (`default` too). */
      readonly exportName: string;
      /** The name the derivatives are exported under, before suffixes. */
      readonly derivativeBase: string;
    };

export type Expr =
  | { readonly kind: "num"; readonly value: number }
  | { readonly kind: "var"; readonly name: string }
  /** `Math.PI` and the other `Math` constants. */
  | { readonly kind: "mathConst"; readonly name: string }
  /**
   * Anything with no derivative copied verbatim: string literals, outer
   * constants (`integer`: typed as an integer, `const N = 128`).
   */
  | {
      readonly kind: "verbatim";
      readonly node: ts.Expression;
      readonly integer?: boolean;
    }
  | {
      readonly kind: "binary";
      readonly op: BinaryOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly kind: "neg"; readonly operand: Expr }
  | {
      readonly kind: "math";
      readonly fn: string;
      readonly args: readonly Expr[];
    }
  | {
      readonly kind: "call";
      readonly callee: MarkedCallee;
      /** Which generated function: the primal, its tangent or adjoint. */
      readonly variant: "primal" | "jvp" | "vjp";
      readonly args: readonly Expr[];
    }
  /** A call to a function tsad does not differentiate (`console.log`). */
  | {
      readonly kind: "extern";
      readonly callee: ts.Expression;
      /**
       * A method of a value (`y.toFixed(3)`): the call is
       * `args[0].method(...rest)`, `callee` the method as written.
       */
      readonly method?: string;
      readonly args: readonly Expr[];
      readonly numeric: boolean;
      /** Returns a `boolean`: the reverse sweep can keep it as 0 or 1. */
      readonly boolean?: boolean;
      /** Its type admits `undefined` or `null` (`number | undefined`). */
      readonly nullable?: boolean;
      /**
       * It changes nothing that existed before it (`console.log(s)`, a
       * helper computing an index): it keeps nothing to give back.
       */
      readonly writesNothing?: true;
      /** A function of the library's declaration files, which cannot be marked. */
      readonly library?: true;
      /**
       * The declaration of a marked function whose source the program
       * does not have, in a declaration file (a package's, a referenced
       * project's).
       */
      readonly markedDeclaration?: ts.Node;
      readonly node: ts.Expression;
    }
  /**
   * String `+`, and bit operations (`i >> 1`, `x | 0`): no derivative
   * (a bit operation's value is an int32, constant between jumps, like
   * `Math.trunc`'s).
   */
  | {
      readonly kind: "inactiveBinary";
      readonly op: "+" | BitwiseOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  | {
      readonly kind: "compare";
      readonly op: CompareOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  | {
      readonly kind: "logical";
      readonly op: LogicalOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  | { readonly kind: "not"; readonly operand: Expr }
  | {
      readonly kind: "cond";
      readonly test: Expr;
      readonly whenTrue: Expr;
      readonly whenFalse: Expr;
    }
  | { readonly kind: "tuple"; readonly elements: readonly Expr[] }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "undefined" }
  /** `stopGradient(value)`: the value, with derivative zero. */
  | { readonly kind: "stopGradient"; readonly value: Expr }
  /**
   * `value ?? 0`: the reverse sweep's read of an adjoint element a store
   * may have missed: past the end of a typed array (JS dropped it), or at
   * `a[-1]`, `a[0.5]` of a `number[]` (a property, which the adjoint
   * array, made with the array's length, does not have).
   */
  | { readonly kind: "orZero"; readonly value: Expr }
  /** `a[i]`, `m[i][j]`: an element of an array (a variable or verbatim). */
  | {
      readonly kind: "index";
      readonly array: Expr;
      readonly indices: readonly Expr[];
    }
  /** `a.length`, `m[i].length`. */
  | {
      readonly kind: "length";
      readonly array: Expr;
      readonly indices: readonly Expr[];
    }
  /** `new Float64Array(n)`, `new Array(n).fill(0)`: a local array of zeros. */
  | {
      readonly kind: "newArray";
      readonly arrayKind: ValueKind;
      readonly length: Expr;
      /** For a matrix: the length of each of its `length` rows. */
      readonly columns?: Expr;
    }
  /** `[a, b, c]`: a local `number[]` (`[]` may be a `number[][]`, grown by rows). */
  | {
      readonly kind: "arrayLiteral";
      readonly elements: readonly Expr[];
      readonly arrayKind?: ValueKind;
    }
  /** `a.slice()`: a copy; of a matrix, of its rows too. */
  | { readonly kind: "copy"; readonly array: Expr; readonly matrix?: boolean }
  /** A new array of zeros shaped like `like` (adjoints of array inputs). */
  | {
      readonly kind: "zeros";
      readonly like: Expr;
      readonly arrayKind: ValueKind;
    }
  /**
   * `stack.pop()`: the value a `push` saved last, read where it has no
   * variable of its own yet (`const t = stack.pop()`, `a[i] = stack.pop()`).
   */
  | { readonly kind: "popped"; readonly other?: true }
  /**
   * A property read on an inactive value (`label.length`, `o.k`); or an
   * element of an array holding no numbers (records, strings: `pts[i]`,
   * `names[k]`), data like a field: `key` is the index.
   */
  | {
      readonly kind: "member";
      readonly object: Expr;
      readonly key: string | Expr;
      readonly numeric: boolean;
      /** Its type admits `undefined` or `null` (`number | undefined`). */
      readonly nullable?: boolean;
      /** `o?.k`: `undefined` where `o` is. */
      readonly optional?: boolean;
      readonly node: ts.Node;
    };

export type Stmt =
  /** `const name = value` (or `let` when `simplify` has not proven it). */
  | {
      readonly kind: "const";
      readonly name: string;
      readonly value: Expr;
      /** Where it came from, for source maps. */
      readonly origin?: ts.Node;
    }
  /** `const [a, , b] = value` for tuple results of generated calls. */
  | {
      readonly kind: "destructure";
      readonly names: readonly (string | undefined)[];
      readonly value: Expr;
    }
  /** `let name` (or `let name = init`), assigned later. */
  | { readonly kind: "declare"; readonly name: string; readonly init?: Expr }
  | {
      readonly kind: "assign";
      readonly name: string;
      readonly value: Expr;
      readonly origin?: ts.Node;
    }
  /** `name += value` (`name[i] += value`): adjoint accumulation. */
  | {
      readonly kind: "accumulate";
      readonly name: string;
      readonly indices?: readonly Expr[];
      readonly value: Expr;
    }
  /** `for` over a counted range, or `while`; see `LoopHeader`. */
  | {
      readonly kind: "loop";
      readonly header: LoopHeader;
      /**
       * Variables declared before the loop and assigned at the end of each
       * iteration (`s = s_1`): the only values one iteration passes on.
       */
      readonly carried: readonly string[];
      readonly body: readonly Stmt[];
      /**
       * A reverse loop's header as the forward sweep ran it, first index
       * first: `simplify` runs the loop with it if its iterations turn out
       * to be independent (see simplify/loop-order.ts). `balancedStack`:
       * an iteration pops only what it pushed itself.
       */
      readonly forwards?: {
        readonly header: LoopHeader;
        readonly balancedStack: boolean;
      };
      /**
       * A `while` loop the forward sweep ran to its end from the same
       * values, run again in the reverse sweep: it ends, so `simplify`
       * may drop it when nothing needs it (see simplify/liveness.ts).
       */
      readonly ends?: true;
    }
  /** Saves a value on the runtime's value stack for the reverse sweep. */
  /** `stack.push(value)`; `other`: a value not a number (`stack.pushOther`). */
  | { readonly kind: "push"; readonly value: Expr; readonly other?: true }
  /** `a[i] = value` (`mode` "set") or `a[i] += value` ("add"). */
  | {
      readonly kind: "store";
      readonly array: Expr;
      readonly indices: readonly Expr[];
      readonly value: Expr;
      readonly mode: "set" | "add";
      readonly origin?: ts.Node;
    }
  /** `a.push(value)`. */
  | {
      readonly kind: "append";
      readonly array: Expr;
      readonly value: Expr;
      readonly origin?: ts.Node;
    }
  /**
   * The reverse sweep giving an array back its earlier length: `a.pop()`
   * without `length`, taking back what an `append` added; else
   * `a[indices].length = length`, taking back a store that may have made
   * the array (or the row) longer.
   */
  | {
      readonly kind: "shorten";
      readonly array: Expr;
      readonly indices: readonly Expr[];
      readonly length?: Expr;
    }
  /**
   * `name = stack.pop()`: restores what a `push` saved; a `boolean` was
   * pushed as 1 or 0 (`name = stack.pop() !== 0`), an `other` value on
   * the stack of values that are not numbers (`stack.popOther()`).
   */
  | {
      readonly kind: "pop";
      readonly name: string;
      readonly as?: "boolean" | "other";
    }
  /** A call kept for its side effects (`console.log(x)`). */
  | { readonly kind: "effect"; readonly value: Expr }
  | {
      readonly kind: "if";
      readonly test: Expr;
      readonly then: readonly Stmt[];
      readonly else: readonly Stmt[];
    }
  | { readonly kind: "return"; readonly value: Expr }
  | Throw;

/**
 * `throw value`, the source's `value` with each read of a local variable
 * (`sites[k]`: `x`, `row.length`, `m[i][j]`) made `reads[k]`, read where
 * the `throw` is. It ends every derivative where it ends the function:
 * no derivative is returned on a path that throws, so the passes may
 * treat it as a statement after which control goes on (to code that
 * never runs).
 */
export interface Throw {
  readonly kind: "throw";
  readonly value: ts.Expression;
  readonly sites: readonly ts.Expression[];
  readonly reads: readonly Expr[];
}

/**
 * `counted`: `for (let i = start; i < end; i += step)` with `start` and
 * `end` fixed before the loop and `i` changed only by the step, so the
 * reverse sweep can run the same indices backwards without storing them.
 * `while`: anything else; `test` statements compute `condition` before
 * each iteration.
 */
export type LoopHeader =
  | {
      readonly kind: "counted";
      readonly counter: string;
      readonly start: Expr;
      readonly end: Expr;
      /** A non-zero integer. */
      readonly step: number;
      /** `<=` / `>=` rather than `<` / `>`. */
      readonly inclusive: boolean;
    }
  | {
      readonly kind: "while";
      readonly test: readonly Stmt[];
      readonly condition: Expr;
    };

/**
 * What `lower` produces: the source's statements, each local variable
 * under one name unique in the function (so there are no scopes left);
 * variables may be reassigned and `return` may appear anywhere.
 */
export type SurfaceStmt =
  | {
      readonly kind: "let";
      readonly name: string;
      readonly value?: Expr;
      readonly constant: boolean;
      /** Where it came from; none for flags `normalize` adds. */
      readonly origin?: ts.Node;
    }
  | {
      readonly kind: "assign";
      readonly name: string;
      readonly value: Expr;
      readonly origin?: ts.Node;
    }
  | { readonly kind: "effect"; readonly value: Expr }
  | {
      readonly kind: "if";
      readonly test: Expr;
      readonly then: readonly SurfaceStmt[];
      readonly else: readonly SurfaceStmt[];
    }
  | { readonly kind: "return"; readonly value: Expr }
  | {
      readonly kind: "loop";
      readonly header: SurfaceLoopHeader;
      readonly body: readonly SurfaceStmt[];
    }
  /** `break` and `continue` of the innermost loop. */
  | { readonly kind: "break" }
  | { readonly kind: "continue" }
  /**
   * Leaves the labelled block or `switch` named `target`; only inside it,
   * until `lower` structures it (see `normalize/jumps.ts`).
   */
  | { readonly kind: "exit"; readonly target: string }
  | Extract<Stmt, { kind: "store" | "append" }>
  | Throw;

/** Like `LoopHeader`, before normalization: `while` tests any expression. */
export type SurfaceLoopHeader =
  | Extract<LoopHeader, { kind: "counted" }>
  | { readonly kind: "while"; readonly condition: Expr };

export interface SurfaceFunction {
  readonly name: string;
  readonly params: readonly Param[];
  readonly body: readonly SurfaceStmt[];
  readonly returnType?: ts.TypeNode;
}

export interface Param {
  readonly name: string;
  readonly kind: ValueKind;
  readonly type?: ts.TypeNode;
  /** Has a default value or `?`: callers may pass `undefined`. */
  readonly optional?: boolean;
}

/** A value of a kind, or a tuple of such (`[value, [x_adj, y_adj]]`). */
export type ResultShape = ValueKind | readonly ResultShape[];

/** A function in IR: what `normalize` returns and the modes produce. */
export interface FunctionIR {
  readonly name: string;
  readonly params: readonly Param[];
  readonly body: readonly Stmt[];
  /** The user's own annotation, for the primal. */
  readonly returnType?: ts.TypeNode;
  /** For generated functions: what they return. */
  readonly resultShape?: ResultShape;
  /** What the function returns: a number or an array kind. */
  readonly result?: ValueKind;
}

export const num = (value: number): Expr => ({ kind: "num", value });

/** Whether `e` is the variable `name`. */
export const isVar = (e: Expr, name: string): boolean =>
  e.kind === "var" && e.name === name;
export const ref = (name: string): Expr => ({ kind: "var", name });
export const binary = (op: BinaryOp, left: Expr, right: Expr): Expr => ({
  kind: "binary",
  op,
  left,
  right,
});
export const neg = (operand: Expr): Expr => ({ kind: "neg", operand });
export const math = (fn: string, ...args: Expr[]): Expr => ({
  kind: "math",
  fn,
  args,
});

/**
 * `e` with `f` applied to each direct subexpression; `e` itself when `f`
 * changes none. Keeping unchanged nodes keeps their cached keys
 * (`expressionKey`) and spares `simplify`'s rounds, which rewrite one
 * spot of a body, from copying the rest of it.
 */
export function mapSubexpressions(e: Expr, f: (inner: Expr) => Expr): Expr {
  switch (e.kind) {
    case "binary":
    case "compare":
    case "logical":
    case "inactiveBinary": {
      const left = f(e.left);
      const right = f(e.right);
      return left === e.left && right === e.right ? e : { ...e, left, right };
    }
    case "neg":
    case "not": {
      const operand = f(e.operand);
      return operand === e.operand ? e : { ...e, operand };
    }
    case "math":
    case "call":
    case "extern": {
      const args = mapAll(e.args, f);
      return args === e.args ? e : { ...e, args };
    }
    case "tuple":
    case "arrayLiteral": {
      const elements = mapAll(e.elements, f);
      return elements === e.elements ? e : { ...e, elements };
    }
    case "cond": {
      const test = f(e.test);
      const whenTrue = f(e.whenTrue);
      const whenFalse = f(e.whenFalse);
      return test === e.test &&
        whenTrue === e.whenTrue &&
        whenFalse === e.whenFalse
        ? e
        : { ...e, test, whenTrue, whenFalse };
    }
    case "member": {
      const object = f(e.object);
      const key = typeof e.key === "string" ? e.key : f(e.key);
      return object === e.object && key === e.key ? e : { ...e, object, key };
    }
    case "stopGradient":
    case "orZero": {
      const value = f(e.value);
      return value === e.value ? e : { ...e, value };
    }
    case "index":
    case "length": {
      const array = f(e.array);
      const indices = mapAll(e.indices, f);
      return array === e.array && indices === e.indices
        ? e
        : { ...e, array, indices };
    }
    case "zeros": {
      const like = f(e.like);
      return like === e.like ? e : { ...e, like };
    }
    case "newArray": {
      const length = f(e.length);
      const columns = e.columns && f(e.columns);
      return length === e.length && columns === e.columns
        ? e
        : { ...e, length, columns };
    }
    case "copy": {
      const array = f(e.array);
      return array === e.array ? e : { ...e, array };
    }
    default:
      return e;
  }
}

/** `items.map(f)`, or `items` itself when `f` changes none of them. */
export function mapAll<T>(
  items: readonly T[],
  f: (item: T) => T,
): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const mapped = f(item);
    if (out) out.push(mapped);
    else if (mapped !== item) {
      out = items.slice(0, i);
      out.push(mapped);
    }
  }
  return out ?? items;
}

/** Every variable an expression reads (inside `stopGradient` too, unless told). */
/** A walk reporting the variables an expression reads, in some sense. */
export type Reads = (e: Expr, visit: (name: string) => void) => void;

export function allReads(
  e: Expr,
  visit: (name: string) => void,
  intoStopGradient = true,
): void {
  const walk = (inner: Expr): void => {
    if (inner.kind === "var") return visit(inner.name);
    if (inner.kind === "stopGradient" && !intoStopGradient) return;
    forEachSubexpression(inner, walk);
  };
  walk(e);
}

/**
 * Whether `e` reads `array` whole, as a value another name, a call or an
 * array could keep: other than an element, the length, a copy or the
 * shape of zeros.
 */
export function readsWhole(e: Expr, array: string): boolean {
  if (e.kind === "var") return e.name === array;
  const measured =
    e.kind === "index" || e.kind === "length" || e.kind === "copy"
      ? e.array
      : e.kind === "zeros"
        ? e.like
        : undefined;
  let found = false;
  forEachSubexpression(e, (inner) => {
    found ||=
      !(inner === measured && inner.kind === "var") && readsWhole(inner, array);
  });
  return found;
}

/**
 * A field read (`o.k`), which may run a getter. An element of an array of
 * data (`pts[i]`) runs nothing, as an element of numbers does not.
 */
export function readsField(
  e: Expr,
): e is Extract<Expr, { kind: "member" }> & { readonly key: string } {
  return e.kind === "member" && typeof e.key === "string";
}

/** Whether `e` or any expression inside it passes `test`. */
export function someSubexpression(e: Expr, test: (e: Expr) => boolean) {
  let found = false;
  const walk = (inner: Expr): void => {
    if (found) return;
    if (test(inner)) found = true;
    else forEachSubexpression(inner, walk);
  };
  walk(e);
  return found;
}

/**
 * `f` on each direct subexpression: `mapSubexpressions` without building
 * a copy, for the passes that only look (the transformer's hottest code).
 */
export function forEachSubexpression(e: Expr, f: (inner: Expr) => void) {
  switch (e.kind) {
    case "binary":
    case "compare":
    case "logical":
    case "inactiveBinary":
      f(e.left);
      return f(e.right);
    case "neg":
    case "not":
      return f(e.operand);
    case "math":
    case "call":
    case "extern":
      for (const a of e.args) f(a);
      return;
    case "tuple":
    case "arrayLiteral":
      for (const a of e.elements) f(a);
      return;
    case "cond":
      f(e.test);
      f(e.whenTrue);
      return f(e.whenFalse);
    case "member":
      f(e.object);
      if (typeof e.key !== "string") f(e.key);
      return;
    case "stopGradient":
    case "orZero":
      return f(e.value);
    case "index":
    case "length":
      f(e.array);
      for (const a of e.indices) f(a);
      return;
    case "zeros":
      return f(e.like);
    case "newArray":
      f(e.length);
      if (e.columns) f(e.columns);
      return;
    case "copy":
      return f(e.array);
    default:
      return;
  }
}

/**
 * The statement with `f` applied to each of its expressions, nested blocks
 * too; `s` itself when `f` changes none (see `mapSubexpressions`).
 */
export function mapExprs(s: Stmt, f: (e: Expr) => Expr): Stmt {
  switch (s.kind) {
    case "const":
    case "assign":
    case "destructure":
    case "effect":
    case "return":
    case "push": {
      const value = f(s.value);
      return value === s.value ? s : { ...s, value };
    }
    case "accumulate": {
      const indices = s.indices && mapAll(s.indices, f);
      const value = f(s.value);
      return indices === s.indices && value === s.value
        ? s
        : { ...s, indices, value };
    }
    case "store": {
      const array = f(s.array);
      const indices = mapAll(s.indices, f);
      const value = f(s.value);
      return array === s.array && indices === s.indices && value === s.value
        ? s
        : { ...s, array, indices, value };
    }
    case "append": {
      const array = f(s.array);
      const value = f(s.value);
      return array === s.array && value === s.value
        ? s
        : { ...s, array, value };
    }
    case "shorten": {
      const array = f(s.array);
      const indices = mapAll(s.indices, f);
      const length = s.length && f(s.length);
      return array === s.array && indices === s.indices && length === s.length
        ? s
        : { ...s, array, indices, length };
    }
    case "declare": {
      const init = s.init && f(s.init);
      return init === s.init ? s : { ...s, init };
    }
    case "pop":
      return s;
    case "throw": {
      const reads = mapAll(s.reads, f);
      return reads === s.reads ? s : { ...s, reads };
    }
    case "if": {
      const test = f(s.test);
      const then = mapAll(s.then, (t) => mapExprs(t, f));
      const otherwise = mapAll(s.else, (t) => mapExprs(t, f));
      return test === s.test && then === s.then && otherwise === s.else
        ? s
        : { ...s, test, then, else: otherwise };
    }
    case "loop": {
      const header = mapHeaderExprs(s.header, f);
      const body = mapAll(s.body, (t) => mapExprs(t, f));
      // The header it may run with instead reads the same values.
      const forwardsHeader = s.forwards && mapHeaderExprs(s.forwards.header, f);
      return header === s.header &&
        body === s.body &&
        forwardsHeader === s.forwards?.header
        ? s
        : {
            ...s,
            header,
            body,
            ...(s.forwards && {
              forwards: { ...s.forwards, header: forwardsHeader! },
            }),
          };
    }
  }
}

export function mapHeaderExprs(
  h: LoopHeader,
  f: (e: Expr) => Expr,
): LoopHeader {
  if (h.kind === "counted") {
    const start = f(h.start);
    const end = f(h.end);
    return start === h.start && end === h.end ? h : { ...h, start, end };
  }
  const test = mapAll(h.test, (t) => mapExprs(t, f));
  const condition = f(h.condition);
  return test === h.test && condition === h.condition
    ? h
    : { ...h, test, condition };
}

/** Visits every expression in these statements, nested blocks too. */
export function forEachExpr(body: readonly Stmt[], visit: (e: Expr) => void) {
  for (const s of body) {
    switch (s.kind) {
      case "const":
      case "assign":
      case "destructure":
      case "effect":
      case "return":
      case "push":
        visit(s.value);
        break;
      case "accumulate":
        s.indices?.forEach((e) => visit(e));
        visit(s.value);
        break;
      case "store":
        visit(s.array);
        s.indices.forEach((e) => visit(e));
        visit(s.value);
        break;
      case "append":
        visit(s.array);
        visit(s.value);
        break;
      case "shorten":
        visit(s.array);
        s.indices.forEach((e) => visit(e));
        if (s.length) visit(s.length);
        break;
      case "declare":
        if (s.init) visit(s.init);
        break;
      case "pop":
        break;
      case "throw":
        s.reads.forEach((e) => visit(e));
        break;
      case "if":
        visit(s.test);
        forEachExpr(s.then, visit);
        forEachExpr(s.else, visit);
        break;
      case "loop":
        if (s.forwards) {
          mapHeaderExprs(s.forwards.header, (e) => (visit(e), e));
        }
        if (s.header.kind === "counted") {
          visit(s.header.start);
          visit(s.header.end);
        } else {
          forEachExpr(s.header.test, visit);
          visit(s.header.condition);
        }
        forEachExpr(s.body, visit);
        break;
    }
  }
}

export type ValueType = "number" | "boolean";
export type StackTypes = ReadonlyMap<string, ValueType | "other">;

/** A value a `push` of a `type` saved, popped and read back as that type. */
export function poppedAs(type: ValueType | "other" | undefined): Expr {
  if (type === "boolean") {
    const popped: Expr = { kind: "popped" };
    return { kind: "compare", op: "!==", left: popped, right: num(0) };
  }
  return type === "other"
    ? { kind: "popped", other: true }
    : { kind: "popped" };
}

/**
 * The type of each variable a function assigns, as far as its values tell
 * (for annotating `let x: number;` in emitted code): the first type one of
 * its values has.
 */
export function inferTypes(fn: FunctionIR): Map<string, ValueType> {
  const types = new Map<string, ValueType>();
  forEachTyped(fn, types, (name, type) => {
    if (type === "other" || types.has(name)) return false;
    types.set(name, type);
    return true;
  });
  return types;
}

/**
 * How the reverse sweep may keep each variable on the value stack: as a
 * number when every value it is given is one, as 1 or 0 when every one is
 * a boolean, otherwise as itself (`"other"`: a string, `undefined`, a
 * variable given both a number and `undefined`).
 */
export function stackTypes(fn: FunctionIR): StackTypes {
  const types = new Map<string, ValueType | "other">();
  forEachTyped(fn, types, (name, type) => {
    const known = types.get(name);
    const joined = known === undefined || known === type ? type : "other";
    if (joined === known) return false;
    types.set(name, joined);
    return true;
  });
  return types;
}

type Typed = ValueType | "other" | undefined;

/** The type of a value that is one of two, each of its type. */
const join = (a: Typed, b: Typed): Typed =>
  a === undefined ? b : b === undefined || a === b ? a : "other";

/**
 * `learn(name, type)` for each value a variable is given, until no call
 * returns true: the types of variables copied from others settle.
 */
function forEachTyped(
  fn: FunctionIR,
  types: ReadonlyMap<string, ValueType | "other">,
  learn: (name: string, type: ValueType | "other") => boolean,
): void {
  let changed = true;
  // A caller may leave an optional `number` out: `undefined`. Any other
  // parameter (a record, a string, an array) is kept as itself.
  for (const p of fn.params)
    changed =
      learn(p.name, p.kind === "number" && !p.optional ? "number" : "other") ||
      changed;
  const typeOf = (e: Expr): Typed => {
    switch (e.kind) {
      case "num":
      case "binary":
      case "neg":
      case "math":
      case "mathConst":
      case "index":
      case "length":
      case "popped":
      case "orZero":
        return "number";
      case "bool":
      case "compare":
      case "not":
        return "boolean";
      // One of its operands: `(t === "m" && "a") || "m"` is a string.
      case "logical":
        return join(typeOf(e.left), typeOf(e.right));
      // A marked call's array result is not one of these.
      case "call":
        return e.callee.result === "number" ? "number" : "other";
      case "extern":
        if (e.nullable) return "other";
        return e.numeric ? "number" : e.boolean ? "boolean" : "other";
      case "member":
        return e.numeric && !e.nullable ? "number" : "other";
      case "verbatim":
        return e.integer ? "number" : "other";
      case "var":
        return types.get(e.name);
      case "cond":
        return join(typeOf(e.whenTrue), typeOf(e.whenFalse));
      case "stopGradient":
        return typeOf(e.value);
      default:
        return "other";
    }
  };
  const note = (name: string, e: Expr) => {
    const type = typeOf(e);
    if (type !== undefined && learn(name, type)) changed = true;
  };
  const visit = (body: readonly Stmt[]) => {
    for (const s of body) {
      // `a_adj[k] += v` adds a number into an array: no type for `a_adj`.
      if (
        s.kind === "const" ||
        s.kind === "assign" ||
        (s.kind === "accumulate" && s.indices === undefined)
      ) {
        note(s.name, s.value);
      }
      if (s.kind === "declare" && s.init) note(s.name, s.init);
      if (s.kind === "destructure")
        s.names.forEach((n) => n && learn(n, "number") && (changed = true));
      nestedBlocks(s).forEach(visit);
    }
  };
  while (changed) {
    changed = false;
    visit(fn.body);
  }
}

/** Variables given a value (declared or defined) by these statements. */
export function definedNames(
  body: readonly Stmt[],
  into = new Set<string>(),
): Set<string> {
  for (const s of body) {
    if (s.kind === "const" || s.kind === "declare") into.add(s.name);
    if (s.kind === "destructure") s.names.forEach((n) => n && into.add(n));
    if (s.kind === "loop" && s.header.kind === "counted") {
      into.add(s.header.counter);
    }
    for (const block of nestedBlocks(s)) definedNames(block, into);
  }
  return into;
}

/** How often each name is defined in these statements, nested blocks too. */
export function countDefinitions(
  body: readonly Stmt[],
  into: Map<string, number>,
) {
  for (const s of body) {
    const own =
      s.kind === "const" || s.kind === "declare"
        ? [s.name]
        : s.kind === "destructure"
          ? s.names.filter((n) => n !== undefined)
          : s.kind === "loop" && s.header.kind === "counted"
            ? [s.header.counter]
            : [];
    own.forEach((name) => into.set(name, (into.get(name) ?? 0) + 1));
    nestedBlocks(s).forEach((block) => countDefinitions(block, into));
  }
}

/** The blocks nested directly in a statement: branches, a loop's test and body. */
export function nestedBlocks(s: Stmt): readonly (readonly Stmt[])[] {
  if (s.kind === "if") return [s.then, s.else];
  if (s.kind === "loop") {
    return s.header.kind === "while" ? [s.header.test, s.body] : [s.body];
  }
  return noBlocks;
}

const noBlocks: readonly (readonly Stmt[])[] = [];

/** `visit` on each variable `s` changes, nested blocks too. */
export function forEachMutated(s: Stmt, visit: (name: string) => void): void {
  if (s.kind === "assign" || s.kind === "accumulate" || s.kind === "pop") {
    visit(s.name);
  }
  // Writing an element changes what reads of the array give.
  if (
    (s.kind === "store" || s.kind === "append" || s.kind === "shorten") &&
    s.array.kind === "var"
  ) {
    visit(s.array.name);
  }
  if (s.kind === "declare" && !s.init) visit(s.name);
  for (const block of nestedBlocks(s)) {
    for (const t of block) forEachMutated(t, visit);
  }
}

/** Whether these statements hold a loop, nested blocks too. */
export function containsLoop(body: readonly Stmt[]): boolean {
  return body.some(
    (s) => s.kind === "loop" || nestedBlocks(s).some(containsLoop),
  );
}

/** Scalar variables these statements assign, nested blocks too. */
export function assignedScalars(body: readonly Stmt[], into: Set<string>) {
  for (const s of body) {
    if (s.kind === "assign" || s.kind === "pop") into.add(s.name);
    if (s.kind === "accumulate" && s.indices === undefined) into.add(s.name);
    nestedBlocks(s).forEach((block) => assignedScalars(block, into));
  }
}

/**
 * The statement with `f` applied to each block nested directly in it; `s`
 * itself when `f` changes none.
 */
export function mapBlocks<S extends Stmt>(
  s: S,
  f: (block: readonly Stmt[]) => readonly Stmt[],
): S {
  if (s.kind === "if") {
    const then = f(s.then);
    const otherwise = f(s.else);
    return then === s.then && otherwise === s.else
      ? s
      : { ...s, then, else: otherwise };
  }
  if (s.kind === "loop") {
    const test = s.header.kind === "while" ? f(s.header.test) : undefined;
    const header =
      s.header.kind === "while" && test !== s.header.test
        ? { ...s.header, test: test! }
        : s.header;
    const body = f(s.body);
    return header === s.header && body === s.body ? s : { ...s, header, body };
  }
  return s;
}

/** The array kind of every array variable: parameters and local arrays. */
export function arrayKinds(fn: FunctionIR): Map<string, ValueKind> {
  const kinds = new Map<string, ValueKind>();
  for (const p of fn.params) {
    if (p.kind !== "number" && p.kind !== "none") kinds.set(p.name, p.kind);
  }
  const visit = (body: readonly Stmt[]) => {
    for (const s of body) {
      if (s.kind === "const") {
        const v = s.value;
        if (v.kind === "newArray") kinds.set(s.name, v.arrayKind);
        if (v.kind === "arrayLiteral")
          kinds.set(s.name, v.arrayKind ?? "array");
        const returned = v.kind === "call" ? v.callee.result : undefined;
        if (returned && returned !== "number" && returned !== "none")
          kinds.set(s.name, returned);
        if (v.kind === "zeros") kinds.set(s.name, v.arrayKind);
        if (v.kind === "copy" && v.array.kind === "var") {
          const source = kinds.get(v.array.name);
          if (source) kinds.set(s.name, source);
        }
      }
      // `result = result_1`: the arrays returned, joined (see returns.ts).
      if (
        (s.kind === "assign" || s.kind === "const") &&
        s.value.kind === "var"
      ) {
        const source = kinds.get(s.value.name);
        if (source) kinds.set(s.name, source);
      }
      nestedBlocks(s).forEach(visit);
    }
  };
  visit(fn.body);
  return kinds;
}

export type UnmarkedCall = Extract<Expr, { kind: "extern" }>;

/** The first call to an unmarked function in these statements. */
export function unmarkedCallIn(
  body: readonly Stmt[],
): UnmarkedCall | undefined {
  let found: UnmarkedCall | undefined;
  const visit = (e: Expr): Expr => {
    if (e.kind === "extern") found ??= e;
    return mapSubexpressions(e, visit);
  };
  forEachExpr(body, visit);
  return found;
}
