/**
 * Problems in the marked functions a marked function calls.
 *
 * The derivatives of `f` call those of each marked `g` it calls
 * (`g__vjp`), so when `g` cannot be differentiated, neither can `f`. Its
 * diagnostic is `g`'s, at the same node, with each call on the way from
 * `f` as related information (as Swift reports it):
 *
 *   f calls g, g calls h, h uses Math.random()
 *   -> TS96002 at `Math.random()` in h, related: "when differentiating
 *      'f'", "'f' calls 'g' here", "'g' calls 'h' here"
 *
 * A chain of calls that comes back to a function on it is recursion,
 * which tsad does not differentiate yet (a direct call of `f` in `f` is
 * found when `f` is lowered).
 *
 * The adjoint of `f` runs `g` twice: `g(x)` in its forward sweep, and
 * `g__vjp(x, ...)`, which runs `g`'s forward sweep again, in its reverse
 * sweep. So a `g` that uses the result of a function tsad does not
 * differentiate (`const k = next()`), which may return another value the
 * second time, cannot be called from `f` (TS96002 at the call), unless
 * the result only goes to other such calls (`console.log(k)`).
 *
 * Unmarked code may also keep a varying value out of the derivatives'
 * sight and give it back where they take it for a constant; the two
 * halves may be in different marked functions of a chain, so each
 * function's are gathered with its callees' (TS96001 at the call that
 * keeps it):
 *
 *   g: put(x[0])        (changes module state: `st = v`)
 *   h: return o.v * x   (`get v() { return st; }`)
 *   f: return g(x) * h(x)
 *   -> TS96001 at `put(x[0])` in g, related: "'f' calls 'g' here",
 *      "'f' calls 'h' here", "'o.v' may run a getter ..."
 */
import type * as ts from "typescript";
import type { Activity } from "./activity";
import { DiagnosticCode, DiffError, type RelatedNode } from "./diagnostics";
import {
  allReads,
  forEachExpr,
  nestedBlocks,
  unmarkedCallIn,
  type CalleeRef,
  type Expr,
  type Stmt,
} from "./ir";
import { isCallback } from "./normalize/arrays";
import {
  resolveMarkedCallee,
  selectMarkedFunctions,
  type DifferentiableFunction,
  type MarkedFunction,
} from "./select";

/** Unmarked code a marked function runs, itself or in a marked function it calls. */
interface Reached {
  readonly node: ts.Node;
  /** The calls from the function to the marked function that runs it. */
  readonly path: readonly RelatedNode[];
}

/** Unmarked code that could give back what other unmarked code kept. */
interface Giver extends Reached {
  /** What it is, as related information. */
  readonly message: string;
  /** A call filling an array with another value it is given: it gives back what it keeps itself. */
  readonly evenItself?: true;
}

/** Where a marked function's derivatives could lose sight of a varying value. */
interface SideChannels {
  /** Calls that may keep a varying value (see `Activity.keeps`). */
  readonly keeps: readonly Reached[];
  /** Calls whose results are used, calls given a local array, getters. */
  readonly givesBack: readonly Giver[];
  /** The first call of unmarked code it runs, made for whatever reason. */
  readonly runs: readonly Reached[];
}

/** What a marked function's own body does with unmarked code. */
export interface UnmarkedCalls extends SideChannels {
  /** A call whose result it uses (see `unmarkedResultsIn`). */
  readonly usedResult?: ts.Node;
}

export class CalleeCheck {
  /** Per marked function: its first problem, its callees' included; null if none. */
  private readonly outcomes = new WeakMap<
    DifferentiableFunction,
    DiffError | null
  >();
  /** The functions whose callees are being checked, by name: a call back to one is recursion. */
  private readonly onPath = new Map<DifferentiableFunction, string>();
  /** Per marked function: a call of an unmarked function whose result it uses. */
  private readonly unmarkedCalls = new WeakMap<
    DifferentiableFunction,
    ts.Node
  >();
  /** Per marked function: its side channels, its callees' included. */
  private readonly channels = new WeakMap<
    DifferentiableFunction,
    SideChannels
  >();
  /** Per function: its calls of marked functions (`markedCallsOf`). */
  private readonly calls = new WeakMap<
    DifferentiableFunction,
    readonly MarkedCall[]
  >();
  /** The marked functions of each file that declares a callee. */
  private readonly markedIn = new WeakMap<
    ts.SourceFile,
    readonly MarkedFunction[]
  >();

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly checker: ts.TypeChecker,
    /** Throws the problem of `fn`'s own body, as differentiating it would. */
    private readonly checkOwn: (fn: MarkedFunction) => void,
    /** A `DiffError` for anything else `checkOwn` throws. */
    private readonly asDiffError: (
      error: unknown,
      fn: MarkedFunction,
    ) => DiffError,
    /** Whether the program asks for second derivatives of `fn`. */
    private readonly needsSecondOrder: (fn: MarkedFunction) => boolean,
  ) {}

  /**
   * Differentiates `fn` with `differentiateOwn`, then throws the first
   * problem of a marked function it calls, directly or not. The outcome is
   * kept for the functions that call `fn`.
   */
  differentiate<T>(fn: MarkedFunction, differentiateOwn: () => T): T {
    try {
      const result = differentiateOwn();
      this.requireCallees(fn);
      // Checked wherever `fn` is first reached, a caller's check or its
      // own file: the outcome is one.
      if (this.needsSecondOrder(fn)) this.requireOneRunEach(fn);
      this.outcomes.set(fn.node, null);
      return result;
    } catch (error) {
      this.outcomes.set(fn.node, this.asDiffError(error, fn));
      throw error;
    }
  }

  /** Records what `unmarkedCallsOf` found in `fn`'s normalized body. */
  noteUnmarkedCalls(fn: MarkedFunction, calls: UnmarkedCalls): void {
    if (calls.usedResult) this.unmarkedCalls.set(fn.node, calls.usedResult);
    const { keeps, givesBack, runs } = calls;
    this.channels.set(fn.node, { keeps, givesBack, runs });
  }

  private requireCallees(fn: MarkedFunction): void {
    this.onPath.set(fn.node, fn.name);
    try {
      for (const { call, callee } of this.markedCalls(fn)) {
        const problem = this.problemOf(callee, call);
        const unmarked = this.unmarkedCalls.get(callee.node);
        if (!problem && unmarked) {
          throw new DiffError(
            call,
            DiagnosticCode.NondeterministicCall,
            `'${callee.name}' uses the result of a function that is not marked, and the adjoint of '${fn.name}' runs '${callee.name}' twice (in its forward sweep, and again for its derivative): that function could return another value the second time. Call it in '${fn.name}' and pass its result to '${callee.name}' as an argument.`,
            [
              {
                node: unmarked,
                message: `'${callee.name}' calls a function that is not marked here`,
              },
            ],
          );
        }
        if (!problem) {
          this.addCallee(fn, call, callee);
          continue;
        }
        // A call closing a cycle is the problem itself, not a step to it.
        const step =
          problem.node === call
            ? []
            : [
                {
                  node: call,
                  message: `'${fn.name}' calls '${callee.name}' here`,
                },
              ];
        throw new DiffError(problem.node, problem.code, problem.message, [
          ...step,
          ...problem.related,
        ]);
      }
    } finally {
      this.onPath.delete(fn.node);
    }
  }

  /**
   * The tangent code `hessian` and `hvp` differentiate computes a marked
   * callee's value and its tangent apart (`g(x)`, `g__tangent(x, dx)`),
   * so unmarked code the callee runs runs twice in a row: where `fn`
   * reads what unmarked code gives (a result it uses, a getter, an array
   * it fills), it could read the second run's changes.
   */
  private requireOneRunEach(fn: MarkedFunction): void {
    const read = this.channels
      .get(fn.node)
      ?.givesBack.find((g) => g.path.length === 0);
    if (!read) return;
    for (const { call, callee } of this.markedCalls(fn)) {
      const [run] = this.channels.get(callee.node)?.runs ?? [];
      if (!run) continue;
      throw new DiffError(
        call,
        DiagnosticCode.NondeterministicCall,
        `The second derivatives of '${fn.name}' (hessian, hvp) run '${callee.name}' twice in a row, for its value and for its tangent, so the unmarked code it runs runs twice, and '${fn.name}' reads what unmarked code gives: it could see the second run. Call that code outside the marked functions, or pass what '${fn.name}' reads from unmarked code in as an argument.`,
        [
          ...run.path,
          {
            node: run.node,
            message: `'${callee.name}' runs unmarked code here`,
          },
          {
            node: read.node,
            message: `'${fn.name}' reads what unmarked code gives here`,
          },
        ],
      );
    }
  }

  /**
   * Adds the side channels of `callee`, called at `call` without problem,
   * to `fn`'s: what one keeps, the other may give back (`put(x)` in one,
   * a getter in the other).
   */
  private addCallee(
    fn: MarkedFunction,
    call: ts.CallExpression,
    callee: MarkedFunction,
  ): void {
    const inner = this.channels.get(callee.node);
    if (!inner) return;
    const own = this.channels.get(fn.node) ?? {
      keeps: [],
      givesBack: [],
      runs: [],
    };
    const step = {
      node: call,
      message: `'${fn.name}' calls '${callee.name}' here`,
    };
    const lift = <T extends Reached>(r: T): T => ({
      ...r,
      path: [step, ...r.path],
    });
    const channels = {
      keeps: withNewNodes(own.keeps, inner.keeps.map(lift)),
      givesBack: withNewNodes(own.givesBack, inner.givesBack.map(lift)),
      runs: own.runs.length > 0 ? own.runs : inner.runs.map(lift),
    };
    requireNoKeptValue(channels);
    this.channels.set(fn.node, channels);
  }

  private problemOf(
    callee: MarkedFunction,
    call: ts.CallExpression,
  ): DiffError | null {
    if (this.onPath.has(callee.node)) {
      const path = [...this.onPath];
      const cycle = path
        .slice(path.findIndex(([node]) => node === callee.node))
        .map(([, name]) => name);
      return new DiffError(
        call,
        DiagnosticCode.Recursion,
        `This call closes a cycle of calls (${[...cycle, callee.name].join(" -> ")}): tsad does not differentiate recursive functions yet. Rewrite the recursion as a loop, or move it into a helper that is not marked.`,
      );
    }
    return this.outcomeOf(callee);
  }

  /**
   * Whether the marked function `declaration` declares gets derivatives
   * (checked now if need be): a module re-exporting it re-exports them.
   */
  differentiates(declaration: DifferentiableFunction): boolean {
    const fn = this.markedFunction(declaration);
    return fn !== undefined && this.outcomeOf(fn) === null;
  }

  /** `fn`'s first problem, its callees' included; null if none. */
  private outcomeOf(fn: MarkedFunction): DiffError | null {
    let outcome = this.outcomes.get(fn.node);
    if (outcome === undefined) {
      try {
        this.differentiate(fn, () => this.checkOwn(fn));
      } catch {
        // Recorded in `outcomes`.
      }
      outcome = this.outcomes.get(fn.node)!;
    }
    return outcome;
  }

  /**
   * The calls in `fn` of marked functions, in source order, found once:
   * each function's checks ask twice, and the registration of the
   * functions calling it again (module-calls.ts).
   */
  markedCallsOf(fn: DifferentiableFunction): readonly MarkedCall[] {
    let calls = this.calls.get(fn);
    if (!calls) {
      calls = markedCallsIn(this.ts, this.checker, fn);
      this.calls.set(fn, calls);
    }
    return calls;
  }

  private markedCalls(
    fn: MarkedFunction,
  ): { call: ts.CallExpression; callee: MarkedFunction }[] {
    return this.markedCallsOf(fn.node).flatMap(({ call, declaration }) => {
      const callee = this.markedFunction(declaration);
      return callee ? [{ call, callee }] : [];
    });
  }

  private markedFunction(
    declaration: DifferentiableFunction,
  ): MarkedFunction | undefined {
    const ts = this.ts;
    const sourceFile = declaration.getSourceFile();
    let marked = this.markedIn.get(sourceFile);
    if (!marked) {
      marked = selectMarkedFunctions(ts, sourceFile).marked;
      this.markedIn.set(sourceFile, marked);
    }
    return marked.find((m) => m.node === declaration);
  }
}

/**
 * What `body` does with unmarked code, for the functions calling it.
 * Throws where a call may keep a varying value (`Activity.keeps`) that
 * other unmarked code could give back: a call whose result is used, a
 * call given a local array it may fill (the same call, where it is also
 * given another varying value), or `getterRead`, a property read that
 * may run a getter of the program's.
 */
export function unmarkedCallsOf(
  body: readonly Stmt[],
  activity: Activity,
  getterRead: ts.Node | undefined,
): UnmarkedCalls {
  const used = unmarkedResultsIn(body);
  const filling = new Set(activity.fillsWithVarying);
  const run = unmarkedCallIn(body)?.callee ?? getterRead;
  const calls: UnmarkedCalls = {
    runs: run ? [{ node: run, path: [] }] : [],
    usedResult: used[0],
    keeps: activity.keeps.map((node) => ({ node, path: [] })),
    givesBack: [
      ...used.map((node) => ({
        node,
        path: [],
        message: "an unmarked call whose result is used could give it back",
      })),
      ...activity.fills.map((node): Giver =>
        filling.has(node)
          ? {
              node,
              path: [],
              message:
                "it is also given an array the function reads, and could put the value there",
              evenItself: true,
            }
          : {
              node,
              path: [],
              message:
                "an unmarked call given an array the function reads could fill it with the value",
            },
      ),
      ...(getterRead
        ? [
            {
              node: getterRead,
              path: [],
              message: `'${getterRead.getText()}' may run a getter of the program's, which could give it back`,
            },
          ]
        : []),
    ],
  };
  requireNoKeptValue(calls);
  return calls;
}

/** `into` and those of `added` whose nodes it has not. */
function withNewNodes<T extends Reached>(
  into: readonly T[],
  added: readonly T[],
): T[] {
  const known = new Set(into.map((r) => r.node));
  return [...into, ...added.filter((r) => !known.has(r.node))];
}

/**
 * Throws where an unmarked call whose result carries no derivative is
 * given a varying value (`keeps`), and other unmarked code could give it
 * back (one of `givesBack`; a call whose own result is used gives back
 * only as that result, which carries the value's dependence). The
 * derivatives would see a constant there.
 */
function requireNoKeptValue({ keeps, givesBack }: SideChannels): void {
  for (const kept of keeps) {
    const giver = givesBack.find((g) => g.node !== kept.node || g.evenItself);
    if (!giver) continue;
    throw new DiffError(
      kept.node,
      DiagnosticCode.UnmarkedCall,
      `This call of a function that is not marked is given a value that depends on the inputs, and its result carries no derivative: it may keep the value (in module state, in an array it is given) for other unmarked code (a call, a getter) to give back, and the derivatives would take what comes back for a constant. Mark the function @differentiable, have it change nothing but what it makes itself, or wrap the argument in stopGradient(...) if what it keeps does not matter.`,
      [
        ...kept.path,
        ...giver.path,
        { node: giver.node, message: giver.message },
      ],
    );
  }
}

export interface MarkedCall {
  readonly call: ts.CallExpression;
  readonly declaration: DifferentiableFunction;
  /** How generated code refers to the callee. */
  readonly ref: CalleeRef;
}

/** The calls in `fn` of marked functions, in source order. */
export function markedCallsIn(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  fn: ts.Node,
): MarkedCall[] {
  const calls: MarkedCall[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      let callee: ts.Expression = node.expression;
      while (
        ts.isParenthesizedExpression(callee) ||
        ts.isAsExpression(callee) ||
        ts.isNonNullExpression(callee)
      ) {
        callee = callee.expression;
      }
      const marked = resolveMarkedCallee(ts, checker, callee);
      if (marked)
        calls.push({
          call: node,
          declaration: marked.declaration,
          ref: marked.ref,
        });
    }
    // Any other nested function is an error of its own (a closure).
    if (!ts.isFunctionLike(node) || isCallback(ts, node))
      ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn, visit);
  return calls;
}

/**
 * The calls of unmarked functions whose results `body` uses for more than
 * other unmarked calls: `console.log(JSON.stringify(x))` runs again with
 * `g`, but changes nothing its derivative reads.
 */
function unmarkedResultsIn(body: readonly Stmt[]): ts.Expression[] {
  const results = new Map<string, ts.Expression>();
  /** Per variable, the statements that read it. */
  const readers = new Map<string, Stmt[]>();
  const visit = (block: readonly Stmt[]) =>
    block.forEach((s) => {
      if (s.kind === "const" && s.value.kind === "extern") {
        results.set(s.name, s.value.node);
      }
      const read = (e: Expr) =>
        allReads(e, (name) =>
          readers.set(name, [...(readers.get(name) ?? []), s]),
        );
      if (s.kind === "if") read(s.test);
      else if (s.kind !== "loop") forEachExpr([s], read);
      else if (s.header.kind === "while") read(s.header.condition);
      else [s.header.start, s.header.end].forEach(read);
      nestedBlocks(s).forEach(visit);
    });
  visit(body);
  // Results that only feed unmarked calls, whose results do the same.
  const harmless = new Set(results.keys());
  for (let changed = true; changed;) {
    changed = false;
    for (const name of harmless) {
      const onlyUnmarked = (readers.get(name) ?? []).every(
        (s) =>
          s.kind === "effect" ||
          (s.kind === "const" &&
            s.value.kind === "extern" &&
            harmless.has(s.name)),
      );
      if (!onlyUnmarked) {
        harmless.delete(name);
        changed = true;
      }
    }
  }
  return [...results].flatMap(([name, call]) =>
    harmless.has(name) ? [] : [call],
  );
}
