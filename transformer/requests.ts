/**
 * Select, continued: the gradients the program asks for.
 *
 * A call of the runtime's `grad(f, argnums)` or `valueAndGrad(f, argnums)`
 * anywhere in the program, where `f` names a marked function and `argnums`
 * is known at compile time (a literal, or a constant of a literal type),
 * asks for a gradient-only adjoint of `f` with respect to exactly those
 * parameters. The transformer writes it beside `f` when it compiles `f`'s
 * module, and registers it; the runtime calls it instead of `f__vjp`:
 *
 *   // main.ts                           // lib.ts (f marked), emitted:
 *   const g = grad(f, 1);          ->    function f__grad_1(x, y, result_adj)
 *
 * A call it cannot resolve (argnums computed at run time, `f` passed
 * around, a module compiled on its own) gets the same gradient from
 * `f__vjp`, only slower.
 *
 * A call of `hessian(f)` or `hvp(f)` asks for second derivatives of `f`
 * (second-order.ts), and so of every marked function `f` calls, directly
 * or not. They are written only where asked for: they cost as much to
 * build as the first derivatives. Where `f` is a parameter (a Newton
 * solver's `function newton(f, x0) { ... hessian(f) ... }`), the marked
 * functions the program passes as that argument are asked for, through
 * any number of such functions; a function passed around some other way
 * (stored in an object, returned) finds none at run time, and says so.
 */
import type * as ts from "typescript";
import { markedCallsIn } from "./callees";
import { DiagnosticCode, DiffError } from "./diagnostics";
import { skipWrappers } from "./normalize/wrappers";
import {
  hasDifferentiableTag,
  hasTagMidLine,
  importedFrom,
  resolveMarkedCallee,
} from "./select";

export interface GradientRequest {
  /** The parameters, in the caller's order; one means the gradient itself. */
  readonly argnums: readonly number[];
  /** `valueAndGrad`: the value too. */
  readonly withValue: boolean;
}

interface Found {
  readonly gradients: Map<ts.Node, GradientRequest[]>;
  /** The marked functions whose second derivatives the program needs. */
  readonly secondOrder: Set<ts.Node>;
}

export class GradientRequests {
  private found?: Found;

  constructor(
    private readonly ts: typeof import("typescript"),
    private readonly program: ts.Program,
    private readonly runtimeModule: string,
  ) {}

  /** What the program asks of the marked function declared by `fn`. */
  of(fn: ts.Node): readonly GradientRequest[] {
    this.found ??= this.scan();
    return this.found.gradients.get(fn) ?? [];
  }

  /** Whether the program needs second derivatives of `fn`. */
  needsSecondOrder(fn: ts.Node): boolean {
    this.found ??= this.scan();
    return this.found.secondOrder.has(fn);
  }

  /** One pass over the files that import the runtime, on first use. */
  private scan(): Found {
    const { ts, runtimeModule } = this;
    const checker = this.program.getTypeChecker();
    const found = new Map<ts.Node, GradientRequest[]>();
    const secondOrder: ts.Node[] = [];
    /** Per function, its parameters that `hessian` or `hvp` is given. */
    const forwarded = new Map<ts.Node, Set<number>>();
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const imported = importedFrom(ts, checker, node.expression);
        const api =
          imported?.specifier === runtimeModule ? imported.name : undefined;
        const f = node.arguments[0] && skipWrappers(ts, node.arguments[0]);
        if ((api === "hessian" || api === "hvp") && f) {
          const fn = resolveMarkedCallee(ts, checker, f)?.declaration;
          const parameter = fn ? undefined : parameterOf(ts, checker, f);
          if (fn) secondOrder.push(fn);
          if (parameter) addTo(forwarded, parameter.fn, parameter.index);
        }
        const request = api && requestOf(ts, checker, node, api);
        if (request) {
          const list = found.get(request.fn) ?? [];
          const key = requestKey(request);
          if (!list.some((r) => requestKey(r) === key)) list.push(request);
          found.set(request.fn, list);
        }
      }
      ts.forEachChild(node, visit);
    };
    for (const file of this.program.getSourceFiles()) {
      if (file.isDeclarationFile) continue;
      if (!importsRuntime(file, runtimeModule)) continue;
      visit(file);
    }
    for (const list of found.values()) {
      list.sort((a, b) => requestKey(a).localeCompare(requestKey(b)));
    }
    secondOrder.push(...passedOn(ts, checker, this.program, forwarded));
    // Their callees' second derivatives, which theirs call.
    const closed = new Set<ts.Node>();
    for (let fn; (fn = secondOrder.pop()) !== undefined;) {
      if (closed.has(fn)) continue;
      closed.add(fn);
      for (const { declaration } of markedCallsIn(ts, checker, fn))
        secondOrder.push(declaration);
    }
    return { gradients: found, secondOrder: closed };
  }
}

/**
 * The marked functions the program passes as the `forwarded` parameters
 * of their functions, adding to `forwarded` the parameters of callers
 * that pass their own on (`solve(f) { return newton(f, ...) }`).
 */
function passedOn(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  program: ts.Program,
  forwarded: Map<ts.Node, Set<number>>,
): Set<ts.Node> {
  const passed = new Set<ts.Node>();
  if (forwarded.size === 0) return passed;
  // Every call of the program: a solver may be called from any file.
  const calls: { call: ts.CallExpression; callee: ts.Node }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = functionOf(ts, checker, node.expression);
      if (callee) calls.push({ call: node, callee });
    }
    ts.forEachChild(node, visit);
  };
  for (const file of program.getSourceFiles())
    if (!file.isDeclarationFile) visit(file);
  let added: boolean;
  do {
    added = false;
    for (const { call, callee } of calls) {
      for (const index of forwarded.get(callee) ?? []) {
        const argument = call.arguments[index];
        if (!argument) continue;
        const fn = resolveMarkedCallee(ts, checker, argument)?.declaration;
        const parameter = fn ? undefined : parameterOf(ts, checker, argument);
        if (fn) passed.add(fn);
        if (parameter)
          added = addTo(forwarded, parameter.fn, parameter.index) || added;
      }
    }
  } while (added);
  return passed;
}

/** Adds `index` to `key`'s set; whether it was not there. */
function addTo(
  map: Map<ts.Node, Set<number>>,
  key: ts.Node,
  index: number,
): boolean {
  const set = map.get(key) ?? new Set<number>();
  map.set(key, set);
  return set.size < set.add(index).size;
}

/**
 * `f`, a parameter of the function around it: that function, and where
 * (not a rest parameter: a call's arguments would not line up).
 */
function parameterOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  e: ts.Expression,
): { fn: ts.Node; index: number } | undefined {
  if (!ts.isIdentifier(e)) return undefined;
  const declaration = checker.getSymbolAtLocation(e)?.valueDeclaration;
  if (
    !declaration ||
    !ts.isParameter(declaration) ||
    declaration.dotDotDotToken
  )
    return undefined;
  const fn = declaration.parent;
  return { fn, index: fn.parameters.indexOf(declaration) };
}

/** The function a call's callee names, if it names one the program declares. */
function functionOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  callee: ts.Expression,
): ts.Node | undefined {
  let symbol = checker.getSymbolAtLocation(
    ts.isPropertyAccessExpression(callee) ? callee.name : callee,
  );
  if (symbol && symbol.flags & ts.SymbolFlags.Alias)
    symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.valueDeclaration;
  if (!declaration) return undefined;
  if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
    let value = declaration.initializer;
    while (ts.isParenthesizedExpression(value)) value = value.expression;
    return ts.isFunctionLike(value) ? value : undefined;
  }
  return ts.isFunctionLike(declaration) ? declaration : undefined;
}

/** Whether `file` may import the runtime: its text names the module. */
function importsRuntime(file: ts.SourceFile, runtimeModule: string): boolean {
  return [`"${runtimeModule}"`, `'${runtimeModule}'`].some((q) =>
    file.text.includes(q),
  );
}

/** The runtime's functions that differentiate the function they are given. */
const differentiating = new Set([
  "grad",
  "valueAndGrad",
  "vjp",
  "jvp",
  "derivative",
  "jacobian",
  "hessian",
  "hvp",
  "checkGrad",
]);

/**
 * `grad(f)` (or `jvp`, `hessian` ...) in `file` of a function the program
 * declares without the tag: no derivatives are compiled for it, so the
 * call would throw at run time. A function from a declaration file (a
 * package compiled on its own) or passed in as a value is left to the
 * runtime.
 */
export function unmarkedTargets(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  file: ts.SourceFile,
  runtimeModule: string,
): DiffError[] {
  if (!importsRuntime(file, runtimeModule)) return [];
  const errors: DiffError[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const imported = importedFrom(ts, checker, node.expression);
      const f = node.arguments[0] && skipWrappers(ts, node.arguments[0]);
      if (
        f &&
        imported?.specifier === runtimeModule &&
        differentiating.has(imported.name) &&
        !resolveMarkedCallee(ts, checker, f)
      ) {
        const fn = functionOf(ts, checker, f);
        const declaration =
          fn && (ts.isFunctionDeclaration(fn) ? fn : fn.parent.parent?.parent);
        // A tag where tsad cannot take it is TS96008 already.
        if (
          fn &&
          declaration &&
          !hasDifferentiableTag(ts, declaration) &&
          !fn.getSourceFile().isDeclarationFile &&
          (ts.isFunctionDeclaration(fn)
            ? fn.body !== undefined
            : ts.isVariableDeclaration(fn.parent) &&
              (ts.getCombinedNodeFlags(fn.parent) & ts.NodeFlags.Const) !== 0)
        ) {
          errors.push(notMarked(ts, f, imported.name, declaration));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return errors;
}

function notMarked(
  ts: typeof import("typescript"),
  f: ts.Expression,
  api: string,
  declaration: ts.Node,
): DiffError {
  const text = declaration.getSourceFile().text;
  const comments = (
    ts.getLeadingCommentRanges(text, declaration.getFullStart()) ?? []
  ).map((range) => text.slice(range.pos, range.end));
  const mentions = comments.filter((c) => c.includes("@differentiable"));
  const misspelt = mentions.some((c) => !c.startsWith("/**"));
  const midLine = mentions.some(hasTagMidLine);
  return new DiffError(
    f,
    DiagnosticCode.NotMarked,
    `'${f.getText()}' is not marked @differentiable, so tsad compiled no derivatives for it and \`${api}\` would throw at run time. Put \`/** @differentiable */\` right before its declaration${misspelt ? " (a JSDoc comment, with two asterisks: the comment there is not one)" : midLine ? " (a tag must begin a line of the comment: the one there follows other text)" : ""}.`,
    [{ node: declaration, message: `'${f.getText()}' is declared here` }],
  );
}

const requestKey = (r: GradientRequest) =>
  `${r.withValue ? "valueAndGrad" : "grad"} ${r.argnums.join(",")}`;

/** `grad(f, argnums)` or `valueAndGrad(f, argnums)`, `f` marked. */
function requestOf(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  call: ts.CallExpression,
  api: string,
): (GradientRequest & { fn: ts.Node }) | undefined {
  if (api !== "grad" && api !== "valueAndGrad") return undefined;
  const [wrapped, argnums] = call.arguments;
  const f = wrapped && skipWrappers(ts, wrapped);
  if (!f) return undefined;
  const callee = resolveMarkedCallee(ts, checker, f);
  const indices = argnums ? literalArgnums(ts, checker, argnums) : [0];
  if (!callee || !indices) return undefined;
  return {
    fn: callee.declaration,
    argnums: indices,
    withValue: api === "valueAndGrad",
  };
}

/** `1`, `[0, 2]`, or a constant of such a type (`[...argnums]` of a tuple). */
function literalArgnums(
  ts: typeof import("typescript"),
  checker: ts.TypeChecker,
  e: ts.Expression,
): number[] | undefined {
  const literal = (t: ts.Type) => (t.isNumberLiteral() ? t.value : undefined);
  const type = checker.getTypeAtLocation(e);
  const single = literal(type);
  if (single !== undefined) return [single];
  if (ts.isArrayLiteralExpression(e)) {
    const elements = e.elements.map((element) =>
      ts.isNumericLiteral(element) ? Number(element.text) : undefined,
    );
    if (elements.every((v) => v !== undefined)) return elements;
  }
  if (!checker.isTupleType(type)) return undefined;
  const elements = checker
    .getTypeArguments(type as ts.TypeReference)
    .map(literal);
  return elements.every((v) => v !== undefined) ? elements : undefined;
}
